//! `infragen explain --env NAME ADDRESS`: which settings produced a generated resource.
//!
//! A reviewer reading a plan or a diff of `generated/` sees resource addresses; this
//! traces one back to the environment file. The table in `data/explain.toml` says, for
//! every resource infragen writes, what it is and which settings it reads; the values and
//! the layer each came from (default, region, tier, preset, file, --set) are the ones
//! `infragen show` prints.

use std::io::Write;

use serde::Deserialize;
use toml::{Table, Value};

use super::{load_one, show};
use crate::cli::ExplainArgs;
use crate::config::{FieldPath, LoadedEnvironment, ModuleName};
use crate::model::{Architecture, credentials};
use crate::render::Renderer;
use crate::{Error, Exit};

/// The table of `data/explain.toml`, compiled in.
pub const EXPLAIN_TABLE: &str = include_str!("../../data/explain.toml");

/// One entry of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A resource address; `*` in its last part stands for any text.
    pub address: String,
    pub what: String,
    pub reads: Vec<String>,
}

#[derive(Deserialize)]
struct ExplainFile {
    resource: Vec<Entry>,
}

/// Every entry of the table.
pub fn entries() -> Vec<Entry> {
    toml::from_str::<ExplainFile>(EXPLAIN_TABLE).expect("data/explain.toml parses (tests/explain.rs pins it)").resource
}

/// Whether `address` (without instance keys) matches the entry's pattern.
pub fn matches(pattern: &str, address: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == address,
        Some((prefix, suffix)) => {
            address.len() >= prefix.len() + suffix.len()
                && address.starts_with(prefix)
                && address.ends_with(suffix)
                && !address[prefix.len()..address.len() - suffix.len()].contains('.')
        }
    }
}

/// The entries an address matches: the entry of exactly that address, else those whose
/// pattern matches it (exactly one, for every address infragen writes).
pub fn entries_for<'e>(entries: &'e [Entry], address: &str) -> Vec<&'e Entry> {
    let exact: Vec<&Entry> = entries.iter().filter(|e| e.address == address).collect();
    if !exact.is_empty() {
        return exact;
    }
    entries.iter().filter(|e| matches(&e.address, address)).collect()
}

/// `module.network.aws_subnet.public["ap-northeast-1a"]` -> `module.network.aws_subnet.public`.
pub fn without_instance_keys(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

pub fn run(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let environment = load_one(&args.environment, err)?;
    let arch = &environment.architecture;
    let root = Renderer::new()?.environment(arch)?;
    let addresses = root.addresses();
    let address = without_instance_keys(args.address.trim());
    if !addresses.contains(&address) {
        return Err(Error::Usage(unknown_address(&address, &addresses, &arch.environment)));
    }
    let table = entries();
    let entry = match entries_for(&table, &address).as_slice() {
        [entry] => (*entry).clone(),
        _ => return Err(Error::Internal(format!("data/explain.toml has no single entry for {address}"))),
    };
    let file = root
        .files()
        .iter()
        .find(|(path, text)| {
            path.ends_with(".tf")
                && declares(text, &address)
                && module_of(&address).is_none_or(|m| path.contains(&format!("/modules/{m}/")))
        })
        .map(|(path, _)| path.clone())
        .unwrap_or_default();
    let inputs = module_inputs(root.files(), &arch.environment, &address);
    super::write_text(out, &explain(&environment.loaded, arch, &address, &entry, &file, &inputs))?;
    Ok(Exit::Success)
}

/// The module variables the resource's block refers to directly (`var.NAME`), each with
/// what the root's module call passes (or `default`): how a setting reaches an argument.
pub fn module_inputs(
    files: &std::collections::BTreeMap<String, String>,
    root: &str,
    address: &str,
) -> Vec<(String, String)> {
    let Some(module) = module_of(address) else { return Vec::new() };
    let mut parts = address.rsplitn(3, '.');
    let (Some(name), Some(kind)) = (parts.next(), parts.next()) else { return Vec::new() };
    let prefix = format!("{root}/modules/{module}/");
    let block = files
        .iter()
        .filter(|(path, _)| path.starts_with(&prefix) && path.ends_with(".tf"))
        .filter_map(|(_, text)| ::hcl::parse(text).ok())
        .find_map(|body| {
            body.into_blocks()
                .find(|b| b.identifier() == "resource" && b.labels().iter().map(|l| l.as_str()).eq([kind, name]))
        });
    let Some(block) = block else { return Vec::new() };
    let text = ::hcl::format::to_string(&::hcl::Body::builder().add_block(block).build()).unwrap_or_default();
    let mut variables: Vec<String> = text
        .split("var.")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>())
        .filter(|v| !v.is_empty())
        .collect();
    variables.sort();
    variables.dedup();
    let call = files.get(&format!("{root}/main.tf")).and_then(|text| ::hcl::parse(text).ok()).and_then(|body| {
        body.into_blocks()
            .find(|b| b.identifier() == "module" && b.labels().first().is_some_and(|l| l.as_str() == module))
    });
    variables
        .into_iter()
        .map(|variable| {
            let passed = call
                .as_ref()
                .and_then(|call| call.body().attributes().find(|a| a.key() == variable))
                .and_then(|a| ::hcl::format::to_string(a.expr()).ok())
                .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| "(the variable's default)".to_string());
            (variable, passed)
        })
        .collect()
}

fn module_of(address: &str) -> Option<&str> {
    address.strip_prefix("module.").and_then(|rest| rest.split('.').next())
}

/// Whether a file declares the resource `TYPE.NAME` of the address.
fn declares(text: &str, address: &str) -> bool {
    let mut parts = address.rsplitn(3, '.');
    let (Some(name), Some(kind)) = (parts.next(), parts.next()) else { return false };
    text.contains(&format!("resource \"{kind}\" \"{name}\" {{"))
}

fn unknown_address(address: &str, addresses: &[String], environment: &str) -> String {
    let mut close: Vec<&str> = addresses
        .iter()
        .filter(|a| a.ends_with(address) || (address.len() >= 4 && a.contains(address)))
        .map(String::as_str)
        .collect();
    if close.is_empty() {
        let mut ranked: Vec<(usize, &str)> = addresses
            .iter()
            .map(|a| (strsim::damerau_levenshtein(address, a), a.as_str()))
            .filter(|(distance, a)| *distance <= (address.len().max(a.len()) / 3).max(1))
            .collect();
        ranked.sort();
        close = ranked.into_iter().map(|(_, a)| a).collect();
    }
    let mut modules: Vec<&str> = addresses.iter().filter_map(|a| module_of(a)).collect();
    modules.dedup();
    if close.is_empty()
        && let Some(module) = module_of(address)
    {
        close = addresses.iter().filter(|a| module_of(a) == Some(module)).map(String::as_str).collect();
    }
    close.truncate(8);
    let mut message = format!("the `{environment}` root has no resource `{address}`");
    if let Some(module) = module_of(address).filter(|m| !modules.contains(m)) {
        let known = ModuleName::ALL.iter().any(|m| m.name() == module);
        message.push_str(&format!(
            "\n  = note: {}",
            if known {
                format!("the `{module}` module is not part of this environment")
            } else {
                format!("infragen writes no module `{module}`")
            }
        ));
    }
    if close.is_empty() {
        message.push_str(&format!(
            "\n  = help: an address is `module.<module>.<type>.<name>`; this root's modules are {}",
            modules.join(", ")
        ));
    } else {
        message.push_str("\n  = help: close matches:");
        for candidate in close {
            message.push_str(&format!("\n      {candidate}"));
        }
    }
    message
}

/// The text of `infragen explain`.
pub fn explain(
    loaded: &LoadedEnvironment,
    arch: &Architecture,
    address: &str,
    entry: &Entry,
    file: &str,
    inputs: &[(String, String)],
) -> String {
    let settings = Table::try_from(&loaded.settings).unwrap_or_default();
    let secrets = credentials::suspected_values(&loaded.settings);
    let mut text = format!("{address}\n  {}\n", entry.what);
    if !file.is_empty() {
        let inside = file.split_once('/').map_or(file, |(_, rest)| rest);
        text.push_str(&format!("  declared in {inside} of the {} root\n", arch.environment));
    }
    let presets = if arch.presets.is_empty() {
        "none".to_string()
    } else {
        arch.presets.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
    };
    text.push_str(&format!(
        "  environment {} ({}), tier {}, presets: {presets}\n",
        arch.environment,
        loaded.source.name,
        arch.tier.name()
    ));

    let mut lines = Vec::new();
    for path in &entry.reads {
        setting_lines(loaded, &settings, path, &mut lines);
    }
    let mut common = Vec::new();
    setting_lines(loaded, &settings, "project", &mut common);
    setting_lines(loaded, &settings, "tags", &mut common);
    if let Some(module) = module_of(address) {
        let path = format!("module_tags.{module}");
        if FieldPath::parse_dotted(&path).lookup(&settings).is_some() {
            setting_lines(loaded, &settings, &path, &mut common);
        } else {
            common
                .push((format!("{path} = {{}}"), show::origin_label(loaded, &FieldPath::parse_dotted("module_tags"))));
        }
    }

    let width = lines.iter().chain(&common).map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let mut block = |title: &str, lines: &[(String, String)]| {
        text.push_str(&format!("\n{title}\n"));
        if lines.is_empty() {
            text.push_str("  (none: the resource is the same in every environment)\n");
        }
        for (line, origin) in lines {
            let padding = width.saturating_sub(line.chars().count());
            text.push_str(&format!("  {line}{}  # {origin}\n", " ".repeat(padding)));
        }
    };
    block("settings it reads:", &lines);
    block("its names and tags:", &common);
    if let Some(module) = module_of(address).filter(|_| !inputs.is_empty()) {
        text.push_str(&format!("\nmodule inputs its arguments use directly (var.NAME = what the root's `module \"{module}\"` call passes):\n"));
        for (variable, value) in inputs {
            text.push_str(&format!("  var.{variable} = {value}\n"));
        }
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), "<not shown>");
    }
    text
}

/// `path = value  # origin` for the setting at `path`, or for each value under it.
fn setting_lines(loaded: &LoadedEnvironment, settings: &Table, path: &str, lines: &mut Vec<(String, String)>) {
    let field = FieldPath::parse_dotted(path);
    match field.lookup(settings) {
        None => lines.push((format!("{path} (not set)"), show::origin_label(loaded, &field))),
        Some(Value::Table(table)) if !table.is_empty() => {
            for key in table.keys() {
                setting_lines(loaded, settings, &format!("{path}.{key}"), lines);
            }
        }
        Some(value) => {
            let in_environment = field.parent().is_some_and(|parent| show::in_environment(&parent));
            let shown = match value {
                // What looks like a credential is not printed again (validation refuses it).
                Value::String(text) if in_environment && credentials::suspected(&field.last_key(), text).is_some() => {
                    Value::String("<not shown: looks like a credential>".to_string())
                }
                other => other.clone(),
            };
            lines.push((format!("{path} = {shown}"), show::origin_label(loaded, &field)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_instance_keys() {
        assert!(matches("module.network.aws_subnet.*", "module.network.aws_subnet.public"));
        assert!(!matches("module.network.aws_subnet.*", "module.network.aws_subnet_x.public"));
        assert!(matches("module.alb.aws_s3_bucket_*.access_logs", "module.alb.aws_s3_bucket_policy.access_logs"));
        assert!(!matches("module.alb.aws_s3_bucket_*.access_logs", "module.alb.aws_s3_bucket.access_logs"));
        assert_eq!(
            without_instance_keys("module.network.aws_subnet.public[\"ap-northeast-1a\"]"),
            "module.network.aws_subnet.public"
        );
        assert_eq!(without_instance_keys("module.ecs.aws_x.y[0]"), "module.ecs.aws_x.y");
    }
}
