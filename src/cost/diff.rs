//! What a change does to the bill (`infragen cost --diff BASE`): per environment the
//! monthly total before and after, the lines that changed, and the settings behind each,
//! with the layer (preset, tier, file...) that set them on either side.
//!
//! A line is matched across the two estimates by its key (`rds.instance`), and its causes
//! are the settings among its drivers whose resolved values differ between base and head.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use toml::Value;

use super::estimate::{Component, CostLine, Estimate};
use super::markdown::cell;
use super::table::{TextTable, delta, dollars, money};
use crate::config::{FieldPath, LoadedEnvironment};
use crate::model::scale::Budget;

/// One side of the comparison: an environment's estimate and its resolved settings.
pub struct Side<'a> {
    pub loaded: &'a LoadedEnvironment,
    pub estimate: &'a Estimate,
    pub budget: Budget,
}

/// What happened to an environment between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// A setting whose resolved value differs, with the layer that set it on each side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingChange {
    pub path: String,
    /// The value as TOML; `None` when the setting is unset (an optional one).
    pub before: Option<String>,
    pub after: Option<String>,
    /// `default`, `tier small`, `preset no-nat`, `file`, ...
    pub before_origin: String,
    pub after_origin: String,
}

/// A cost line that appears, disappears or changes its dollars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineChange {
    pub key: &'static str,
    pub component: Component,
    /// The line's description after the change, or before it when it disappears.
    pub item: String,
    pub before_usd: Option<f64>,
    pub after_usd: Option<f64>,
    pub delta_usd: f64,
    /// The changed settings that drive the line (paths into `settings`).
    pub caused_by: Vec<String>,
}

/// A budget of the head environment that the change breaks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub environment: String,
    /// `budget.max_monthly_usd` or `budget.max_increase_usd`.
    pub limit: &'static str,
    pub limit_usd: f64,
    pub actual_usd: f64,
}

impl Breach {
    pub fn message(&self) -> String {
        match self.limit {
            "budget.max_increase_usd" => format!(
                "{}: the change adds {} a month, over its budget.max_increase_usd of {}",
                self.environment,
                dollars(self.actual_usd),
                dollars(self.limit_usd)
            ),
            _ => format!(
                "{}: the estimate of {} a month is over its budget.max_monthly_usd of {}",
                self.environment,
                dollars(self.actual_usd),
                dollars(self.limit_usd)
            ),
        }
    }
}

/// The cost change of one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentDiff {
    pub environment: String,
    pub status: Status,
    pub before_usd: Option<f64>,
    pub after_usd: Option<f64>,
    pub delta_usd: f64,
    pub presets_added: Vec<String>,
    pub presets_removed: Vec<String>,
    /// Changed lines, largest change first.
    pub lines: Vec<LineChange>,
    /// The settings named as causes, in path order.
    pub settings: Vec<SettingChange>,
    pub breaches: Vec<Breach>,
}

/// The cost change of every environment compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostDiff {
    /// What the change is measured against, as given (`origin/main`, a directory).
    pub base: String,
    pub environments: Vec<EnvironmentDiff>,
}

impl EnvironmentDiff {
    /// Compares the base and head of one environment; either may be missing (added,
    /// removed).
    pub fn new(name: &str, before: Option<&Side<'_>>, after: Option<&Side<'_>>) -> EnvironmentDiff {
        let before_settings = before.map(|s| leaves(s.loaded)).unwrap_or_default();
        let after_settings = after.map(|s| leaves(s.loaded)).unwrap_or_default();
        let changed: BTreeMap<&String, SettingChange> = before_settings
            .keys()
            .chain(after_settings.keys())
            .filter(|path| before_settings.get(*path).map(|(v, _)| v) != after_settings.get(*path).map(|(v, _)| v))
            .map(|path| {
                let (before, before_origin) = split(before_settings.get(path));
                let (after, after_origin) = split(after_settings.get(path));
                (path, SettingChange { path: path.clone(), before, after, before_origin, after_origin })
            })
            .collect();

        let lines_of =
            |side: Option<&Side<'_>>| -> Vec<CostLine> { side.map(|s| s.estimate.lines.clone()).unwrap_or_default() };
        let (old_lines, new_lines) = (lines_of(before), lines_of(after));
        let mut lines = Vec::new();
        let mut keys: Vec<&'static str> = new_lines.iter().map(|l| l.key).collect();
        keys.extend(old_lines.iter().map(|l| l.key).filter(|k| !new_lines.iter().any(|l| l.key == *k)));
        for key in keys {
            let old = old_lines.iter().find(|l| l.key == key);
            let new = new_lines.iter().find(|l| l.key == key);
            let before_usd = old.map(|l| l.monthly_usd);
            let after_usd = new.map(|l| l.monthly_usd);
            let change = round2(after_usd.unwrap_or(0.0) - before_usd.unwrap_or(0.0));
            if change == 0.0 {
                continue;
            }
            let Some(line) = new.or(old) else { continue };
            // An environment that appears or goes is its own cause, not its every setting.
            let compared = before.is_some() && after.is_some();
            let drivers: Vec<&String> =
                old.iter().chain(new.iter()).filter(|_| compared).flat_map(|l| &l.drivers).collect();
            let caused_by = changed
                .keys()
                .filter(|path| compared && (path.as_str() == "region" || drivers.iter().any(|d| drives(d, path))))
                .map(|path| path.to_string())
                .collect();
            lines.push(LineChange {
                key,
                component: line.component,
                item: line.item.clone(),
                before_usd,
                after_usd,
                delta_usd: change,
                caused_by,
            });
        }
        lines.sort_by(|a, b| b.delta_usd.abs().total_cmp(&a.delta_usd.abs()));
        let cited: Vec<&String> = lines.iter().flat_map(|l| &l.caused_by).collect();
        let settings = changed.into_values().filter(|s| cited.contains(&&s.path)).collect();

        let presets = |side: Option<&Side<'_>>| side.map(|s| s.estimate.presets.clone()).unwrap_or_default();
        let (old_presets, new_presets) = (presets(before), presets(after));
        let before_usd = before.map(|s| s.estimate.total_usd);
        let after_usd = after.map(|s| s.estimate.total_usd);
        let delta_usd = round2(after_usd.unwrap_or(0.0) - before_usd.unwrap_or(0.0));
        let status = match (before, after) {
            (None, Some(_)) => Status::Added,
            (Some(_), None) => Status::Removed,
            _ if lines.is_empty() && delta_usd == 0.0 => Status::Unchanged,
            _ => Status::Changed,
        };
        let mut breaches = Vec::new();
        if let Some(side) = after {
            if let Some(limit) = side.budget.max_monthly_usd
                && side.estimate.total_usd > limit
            {
                breaches.push(Breach {
                    environment: name.to_string(),
                    limit: "budget.max_monthly_usd",
                    limit_usd: limit,
                    actual_usd: side.estimate.total_usd,
                });
            }
            // A new environment adds all of itself; only its monthly limit applies.
            if let Some(limit) = side.budget.max_increase_usd
                && before.is_some()
                && delta_usd > limit
            {
                breaches.push(Breach {
                    environment: name.to_string(),
                    limit: "budget.max_increase_usd",
                    limit_usd: limit,
                    actual_usd: delta_usd,
                });
            }
        }
        EnvironmentDiff {
            environment: name.to_string(),
            status,
            before_usd,
            after_usd,
            delta_usd,
            presets_added: new_presets.iter().filter(|p| !old_presets.contains(p)).cloned().collect(),
            presets_removed: old_presets.iter().filter(|p| !new_presets.contains(p)).cloned().collect(),
            lines,
            settings,
            breaches,
        }
    }
}

impl CostDiff {
    pub fn breaches(&self) -> impl Iterator<Item = &Breach> {
        self.environments.iter().flat_map(|e| &e.breaches)
    }

    /// The change as text for a terminal.
    pub fn table(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "estimated monthly cost against {}, on-demand list prices in USD", self.base);
        for env in &self.environments {
            let _ = writeln!(text, "\n{}: {}", env.environment, headline(env));
            if env.status == Status::Unchanged {
                continue;
            }
            if let Some(presets) = presets_line(env) {
                let _ = writeln!(text, "  presets: {presets}");
            }
            if !env.lines.is_empty() {
                let mut table = TextTable::new(
                    ["component", "item", "before", "after", "change", "caused by"],
                    [false, false, true, true, true, false],
                );
                for line in &env.lines {
                    table.row([
                        line.component.name().to_string(),
                        line.item.clone(),
                        line.before_usd.map(money).unwrap_or_else(|| "-".into()),
                        line.after_usd.map(money).unwrap_or_else(|| "-".into()),
                        delta(line.delta_usd),
                        causes(env, line),
                    ]);
                }
                for row in table.render().lines() {
                    let _ = writeln!(text, "  {row}");
                }
            }
            if !env.settings.is_empty() {
                let _ = writeln!(text, "  settings behind the changes:");
                for setting in &env.settings {
                    let _ = writeln!(text, "    {}", describe(setting));
                }
            }
        }
        for breach in self.breaches() {
            let _ = writeln!(text, "\nover budget: {}", breach.message());
        }
        text
    }

    /// The change as GitHub-flavoured Markdown, for a pull request comment.
    pub fn markdown(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "### Estimated monthly cost\n");
        let _ = writeln!(text, "Against `{}`; on-demand list prices in USD, from `infragen cost --diff`.\n", self.base);
        for breach in self.breaches() {
            let _ = writeln!(text, "> [!CAUTION]\n> Over budget: {}\n", cell(&breach.message()));
        }
        let _ = writeln!(text, "| environment | before | after | change |\n|---|---:|---:|---:|");
        for env in &self.environments {
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} |",
                cell(&env.environment),
                env.before_usd.map(dollars).unwrap_or_else(|| "(new)".into()),
                env.after_usd.map(dollars).unwrap_or_else(|| "(removed)".into()),
                match env.status {
                    Status::Unchanged => "unchanged".to_string(),
                    _ => signed_dollars(env.delta_usd),
                }
            );
        }
        for env in self.environments.iter().filter(|e| e.status != Status::Unchanged) {
            let _ = writeln!(text, "\n#### {}\n", cell(&env.environment));
            if let Some(presets) = presets_line(env) {
                let _ = writeln!(text, "Presets: {presets}\n");
            }
            if !env.lines.is_empty() {
                let _ = writeln!(
                    text,
                    "| component | item | before | after | change | caused by |\n|---|---|---:|---:|---:|---|"
                );
                for line in &env.lines {
                    let _ = writeln!(
                        text,
                        "| {} | {} | {} | {} | {} | {} |",
                        line.component.name(),
                        cell(&line.item),
                        line.before_usd.map(money).unwrap_or_else(|| "-".into()),
                        line.after_usd.map(money).unwrap_or_else(|| "-".into()),
                        delta(line.delta_usd),
                        cell(&causes(env, line))
                    );
                }
            }
            if !env.settings.is_empty() {
                let _ = writeln!(text, "\nSettings behind the changes:\n");
                for setting in &env.settings {
                    let _ = writeln!(text, "- {}", cell(&describe_markdown(setting)));
                }
            }
        }
        text
    }
}

/// `81.96 -> 112.50 a month (+30.54)`.
fn headline(env: &EnvironmentDiff) -> String {
    match (env.before_usd, env.after_usd) {
        (None, Some(after)) => format!("new environment, {} a month", money(after)),
        (Some(before), None) => format!("removed, {} a month less", money(before)),
        (Some(before), Some(after)) if env.status == Status::Unchanged => {
            format!("{} a month, unchanged", money(before.max(after)))
        }
        (before, after) => format!(
            "{} -> {} a month ({})",
            money(before.unwrap_or(0.0)),
            money(after.unwrap_or(0.0)),
            delta(env.delta_usd)
        ),
    }
}

fn presets_line(env: &EnvironmentDiff) -> Option<String> {
    let mut parts: Vec<String> = env.presets_added.iter().map(|p| format!("+{p}")).collect();
    parts.extend(env.presets_removed.iter().map(|p| format!("-{p}")));
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A line's causes: the setting paths, each with the layer that set its new value when
/// that is a preset (the usual cause), else the old value's preset.
fn causes(env: &EnvironmentDiff, line: &LineChange) -> String {
    if line.caused_by.is_empty() {
        return match env.status {
            Status::Added => "new environment".into(),
            Status::Removed => "environment removed".into(),
            _ => "-".into(),
        };
    }
    line.caused_by
        .iter()
        .map(|path| {
            let preset = env.settings.iter().find(|s| &s.path == path).and_then(|s| {
                [&s.after_origin, &s.before_origin].into_iter().find(|o| o.starts_with("preset ")).cloned()
            });
            match preset {
                Some(preset) => format!("{path} ({preset})"),
                None => path.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `network.nat: "none" (preset no-nat) -> "single" (tier small)`.
fn describe(setting: &SettingChange) -> String {
    format!(
        "{}: {} ({}) -> {} ({})",
        setting.path,
        setting.before.as_deref().unwrap_or("unset"),
        setting.before_origin,
        setting.after.as_deref().unwrap_or("unset"),
        setting.after_origin
    )
}

fn describe_markdown(setting: &SettingChange) -> String {
    let value = |v: &Option<String>| v.as_ref().map(|v| format!("`{v}`")).unwrap_or_else(|| "unset".into());
    format!(
        "`{}`: {} ({}) → {} ({})",
        setting.path,
        value(&setting.before),
        setting.before_origin,
        value(&setting.after),
        setting.after_origin
    )
}

/// Dollars with a sign for a change: `+$30.54`, `-$21.01`.
pub fn signed_dollars(usd: f64) -> String {
    if (usd * 100.0).round() > 0.0 { format!("+{}", dollars(usd)) } else { dollars(usd) }
}

/// Whether the driver `driver` (a path or a prefix of one) covers the setting at `path`.
fn drives(driver: &str, path: &str) -> bool {
    path == driver
        || path.strip_prefix(driver).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        || driver.strip_prefix(path).is_some_and(|rest| rest.starts_with('.'))
}

/// Every leaf of the resolved settings (arrays whole), as TOML text, with its origin.
fn leaves(loaded: &LoadedEnvironment) -> BTreeMap<String, (String, String)> {
    let mut leaves = BTreeMap::new();
    if let Ok(Value::Table(table)) = Value::try_from(&loaded.settings) {
        collect(loaded, &table, &FieldPath::root(), &mut leaves);
    }
    leaves
}

fn collect(
    loaded: &LoadedEnvironment,
    table: &toml::Table,
    at: &FieldPath,
    leaves: &mut BTreeMap<String, (String, String)>,
) {
    for (key, value) in table {
        let path = at.key(key);
        match value {
            Value::Table(inner) => collect(loaded, inner, &path, leaves),
            other => {
                let origin = loaded.provenance.origin(&path).label();
                leaves.insert(path.to_string(), (other.to_string(), origin));
            }
        }
    }
}

fn split(leaf: Option<&(String, String)>) -> (Option<String>, String) {
    match leaf {
        Some((value, origin)) => (Some(value.clone()), origin.clone()),
        None => (None, "unset".to_string()),
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0 + 0.0
}
