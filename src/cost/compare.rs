//! What each preset changes in an environment's bill, next to what the reference architecture claims.
//!
//! A preset the environment uses is measured against the same environment without it
//! (`--without-preset`); any other preset, by switching it on (`--preset`). Each
//! measurement keeps every other setting, so the deltas of several presets need not add
//! up to the delta of all of them at once (a nightly scale-down saves less on a smaller
//! task): the comparison shows both.

use std::fmt::Write as _;

use serde::Serialize;

use super::estimate::{Component, Estimate};
use super::prices::PriceTable;
use super::table::{TextTable, delta, dollars, money, quantity};
use crate::config::{Overrides, presets};
use crate::model::Architecture;
use crate::model::network::INTERFACE_ENDPOINTS;
use crate::workspace::Workspace;
use crate::{Error, diagnostic::Diagnostics};

/// The reference architecture's dev savings table: each preset's saving a month, in USD.
pub const REFERENCE_DEV_SAVINGS: [(&str, f64); 5] =
    [("no-nat", 30.0), ("single-az-db", 30.0), ("min-ecs", 20.0), ("min-logs", 10.0), ("night-scale-down", 15.0)];

/// The reference architecture's total for those five: "about $105/month".
pub const REFERENCE_DEV_TOTAL: f64 = 105.0;

/// What the reference architecture says about a preset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceClaim {
    /// The claim in the reference architecture's words.
    pub text: String,
    /// The claimed change a month, negative for a saving, when the reference architecture gives a figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_usd: Option<f64>,
}

/// One component's share of a preset's delta.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentDelta {
    pub component: Component,
    pub delta_usd: f64,
}

/// What one preset changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresetEffect {
    pub preset: &'static str,
    pub summary: &'static str,
    /// Whether the environment uses it (measured by switching it off) or not (switched on).
    pub in_environment: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceClaim>,
    /// The bill with the preset minus the bill without it: negative saves. `None` when the
    /// preset cannot be switched here (the remark says why).
    pub delta_usd: Option<f64>,
    /// The components that change, largest change first.
    pub changes: Vec<ComponentDelta>,
    pub remark: String,
}

/// A way to pay less that is a billing decision, not Terraform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillingChoice {
    pub name: &'static str,
    pub reference_claim: &'static str,
    /// The discount this estimate uses, percent off on-demand, from the price table.
    pub discount_percent: f64,
    pub discount_price_id: &'static str,
    pub discount_confirmed: bool,
    /// What the discount applies to in this environment, a month.
    pub applies_to_usd: f64,
    pub saving_usd: f64,
    pub remark: String,
}

/// Every preset's effect on one environment's bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub environment: String,
    pub region: String,
    /// The environment as configured.
    pub total_usd: f64,
    /// The presets it uses, in its order.
    pub presets: Vec<PresetEffect>,
    /// The sum of `presets`' deltas.
    pub presets_sum_usd: f64,
    /// The environment with every preset it uses switched off at once, and the delta
    /// against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_presets_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_presets_delta_usd: Option<f64>,
    /// The reference architecture's total, when the environment uses the reference architecture's five dev presets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_total_delta_usd: Option<f64>,
    /// Presets it does not use, switched on.
    pub other_presets: Vec<PresetEffect>,
    pub billing_choices: Vec<BillingChoice>,
}

impl Comparison {
    /// Measures every preset on the environment `base` was loaded as: `name` in `workspace`
    /// with `overrides`.
    pub fn new(
        workspace: &Workspace,
        name: &str,
        overrides: &Overrides,
        base: &Architecture,
        prices: &PriceTable,
    ) -> Result<Comparison, Error> {
        let estimate = Estimate::new(base, prices);
        let load = |overrides: &Overrides| -> Result<Result<Estimate, String>, Error> {
            match workspace.load(name, overrides) {
                Ok(environment) => Ok(Ok(Estimate::new(&environment.architecture, prices))),
                Err(Error::Invalid(Diagnostics(diagnostics))) => Ok(Err(diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .map(|d| d.message.clone())
                    .unwrap_or_else(|| "it does not validate".to_string()))),
                Err(other) => Err(other),
            }
        };

        let listed: Vec<&'static str> = base.presets.iter().map(|p| p.name).collect();
        let mut effects = Vec::new();
        for preset in &listed {
            let without = load(&switched(overrides, preset, false))?;
            effects.push(effect(preset, true, &estimate, without));
        }
        let mut others = Vec::new();
        for preset in presets::PRESETS.iter().filter(|p| !listed.contains(&p.name)) {
            let with = load(&switched(overrides, preset.name, true))?;
            others.push(effect(preset.name, false, &estimate, with));
        }

        let presets_sum_usd = round2(effects.iter().filter_map(|e| e.delta_usd).sum());
        let (without_presets_usd, all_presets_delta_usd) = if listed.is_empty() {
            (None, None)
        } else {
            let mut none = overrides.clone();
            none.enable_presets.retain(|p| !listed.contains(&p.as_str()));
            none.disable_presets.extend(listed.iter().map(|p| p.to_string()));
            match load(&none)? {
                Ok(without) => (Some(without.total_usd), Some(round2(estimate.total_usd - without.total_usd))),
                Err(_) => (None, None),
            }
        };
        let uses_reference_presets = REFERENCE_DEV_SAVINGS.iter().all(|(name, _)| listed.contains(name));
        Ok(Comparison {
            environment: base.environment.clone(),
            region: base.region.clone(),
            total_usd: estimate.total_usd,
            presets: effects,
            presets_sum_usd,
            without_presets_usd,
            all_presets_delta_usd,
            reference_total_delta_usd: uses_reference_presets.then_some(-REFERENCE_DEV_TOTAL),
            other_presets: others,
            billing_choices: billing_choices(&estimate, prices),
        })
    }

    /// The effect of one preset, whether the environment uses it or not.
    pub fn effect_of(&self, preset: &str) -> Option<&PresetEffect> {
        self.presets.iter().chain(&self.other_presets).find(|e| e.preset == preset)
    }

    /// The comparison as a table for people.
    pub fn table(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{}: what each preset changes a month, in USD (negative saves), {}",
            self.environment, self.region
        );
        let _ = writeln!(text, "the environment as configured: {}", dollars(self.total_usd));
        if !self.presets.is_empty() {
            let _ = writeln!(text, "\npresets it uses, each against the same environment without it:\n");
            text.push_str(&self.effects_table(&self.presets, true));
        }
        if !self.other_presets.is_empty() {
            let _ = writeln!(text, "\npresets it does not use, each switched on:\n");
            text.push_str(&self.effects_table(&self.other_presets, false));
        }
        if !self.billing_choices.is_empty() {
            let _ = writeln!(text, "\nbilling choices (not Terraform), on this estimate:\n");
            let mut table = TextTable::new(["choice", "reference", "discount", "saves"], [false, false, true, true]);
            for choice in &self.billing_choices {
                let flag = if choice.discount_confirmed { "" } else { " *" };
                table.row([
                    choice.name.to_string(),
                    choice.reference_claim.to_string(),
                    format!("{}%{flag}", choice.discount_percent),
                    money(-choice.saving_usd),
                ]);
            }
            text.push_str(&table.render());
            for choice in &self.billing_choices {
                let _ = writeln!(text, "  {}: {}", choice.name, choice.remark);
            }
            if self.billing_choices.iter().any(|c| !c.discount_confirmed) {
                let _ = writeln!(text, "* a typical discount, not confirmed by a source (pricing/aws-prices.toml)");
            }
        }
        text
    }

    fn effects_table(&self, effects: &[PresetEffect], listed: bool) -> String {
        let mut table = TextTable::new(["preset", "reference", "estimate"], [false, true, true]);
        for effect in effects {
            let reference = match &effect.reference {
                Some(ReferenceClaim { delta_usd: Some(usd), .. }) => money(*usd),
                Some(_) => "see note".to_string(),
                None => "-".to_string(),
            };
            let estimate = effect.delta_usd.map_or_else(|| "n/a".to_string(), delta);
            table.row([effect.preset.to_string(), reference, estimate]);
        }
        if listed {
            table.rule();
            let reference = self.reference_total_delta_usd.map_or_else(|| "-".to_string(), money);
            table.row(["sum of the above".to_string(), reference, delta(self.presets_sum_usd)]);
            if let Some(all) = self.all_presets_delta_usd {
                table.row(["all of them at once".to_string(), String::new(), delta(all)]);
            }
        }
        let mut text = table.render();
        text.push('\n');
        for effect in effects {
            let _ = writeln!(text, "{}: {}", effect.preset, effect.remark);
        }
        if listed && let Some(without) = self.without_presets_usd {
            let _ = writeln!(
                text,
                "all of them at once: {} without any preset, {} with them; the sum differs because each preset is \
                 measured with the others on",
                dollars(without),
                dollars(self.total_usd)
            );
        }
        text
    }
}

/// `overrides` with one preset switched on or off, whatever the flags said about it.
fn switched(overrides: &Overrides, preset: &str, on: bool) -> Overrides {
    let mut changed = overrides.clone();
    changed.enable_presets.retain(|p| p != preset);
    changed.disable_presets.retain(|p| p != preset);
    if on {
        changed.enable_presets.push(preset.to_string());
    } else {
        changed.disable_presets.push(preset.to_string());
    }
    changed
}

/// Measures one preset: `base` is the environment as configured, `other` the same one with
/// the preset switched (off when `in_environment`, on otherwise), or why it cannot be.
fn effect(
    preset: &'static str,
    in_environment: bool,
    base: &Estimate,
    other: Result<Estimate, String>,
) -> PresetEffect {
    let summary = presets::find(preset).map_or("", |p| p.summary);
    let reference = reference_claim(preset, in_environment);
    let other = match other {
        Ok(other) => other,
        Err(reason) => {
            return PresetEffect {
                preset,
                summary,
                in_environment,
                reference,
                delta_usd: None,
                changes: Vec::new(),
                remark: format!("cannot be switched {} here: {reason}", if in_environment { "off" } else { "on" }),
            };
        }
    };
    let (with, without) = if in_environment { (base, &other) } else { (&other, base) };
    let delta_usd = round2(with.total_usd - without.total_usd);
    let changes = component_deltas(with, without);
    let remark = remark(preset, delta_usd, reference.as_ref(), with, without, &changes);
    PresetEffect { preset, summary, in_environment, reference, delta_usd: Some(delta_usd), changes, remark }
}

/// The reference architecture's dev figures say what a preset saves when dev switches it on, so they stand
/// next to presets the environment uses; its prod optimisations have no figure in dollars.
fn reference_claim(preset: &str, in_environment: bool) -> Option<ReferenceClaim> {
    if let Some((_, saving)) = REFERENCE_DEV_SAVINGS.iter().find(|(name, _)| *name == preset) {
        return in_environment
            .then(|| ReferenceClaim { text: format!("-${saving:.0}/month in dev"), delta_usd: Some(-saving) });
    }
    let text = match preset {
        "images-cdn" => {
            "the reference architecture (prod): S3 Intelligent-Tiering -30% of image storage, CloudFront -50% of transfer"
        }
        "autoscaling-tuned" => {
            "the reference architecture lists auto scaling among prod's optimisations, without a figure"
        }
        _ => return None,
    };
    Some(ReferenceClaim { text: text.to_string(), delta_usd: None })
}

fn component_deltas(with: &Estimate, without: &Estimate) -> Vec<ComponentDelta> {
    let mut components: Vec<Component> = with.lines.iter().chain(&without.lines).map(|l| l.component).collect();
    components.sort();
    components.dedup();
    let mut changes: Vec<ComponentDelta> = components
        .into_iter()
        .map(|component| ComponentDelta {
            component,
            delta_usd: round2(with.component_usd(component) - without.component_usd(component)),
        })
        .filter(|change| change.delta_usd != 0.0)
        .collect();
    changes.sort_by(|a, b| b.delta_usd.abs().total_cmp(&a.delta_usd.abs()));
    changes
}

/// Why the figure is what it is, and where the reference architecture's differs.
fn remark(
    preset: &str,
    delta_usd: f64,
    reference: Option<&ReferenceClaim>,
    with: &Estimate,
    without: &Estimate,
    changes: &[ComponentDelta],
) -> String {
    let mut parts = Vec::new();
    if let Some(ReferenceClaim { text, delta_usd: None }) = reference {
        parts.push(text.clone());
    }
    if let Some(reference_usd) = reference.and_then(|s| s.delta_usd) {
        let claimed = -reference_usd;
        parts.push(if delta_usd > 0.0 {
            format!("the reference architecture says it saves ${claimed:.0}; here it COSTS {} more", dollars(delta_usd))
        } else if delta_usd == 0.0 {
            format!("the reference architecture says it saves ${claimed:.0}; here it changes nothing")
        } else if (-delta_usd - claimed).abs() <= 0.2 * claimed {
            format!("about the reference architecture's ${claimed:.0}")
        } else {
            format!(
                "the reference architecture's ${claimed:.0} is {} than the {} it saves here",
                if claimed > -delta_usd { "more" } else { "less" },
                dollars(-delta_usd)
            )
        });
    }
    match preset {
        "no-nat" => parts.push(no_nat_remark(with, without)),
        "night-scale-down" => {
            let fargate = without.component_usd(Component::Fargate);
            parts.push(format!(
                "it takes the nightly hours off Fargate's {} a month (a third for 8 h); the database and the rest keep \
                 running",
                dollars(fargate)
            ));
        }
        "single-az-db" => parts.push("the standby instance and its copy of the storage go".to_string()),
        "images-cdn" => parts.push(
            "adds the image bucket and CloudFront: this estimate prices images only with it; at list prices \
             CloudFront's Japan transfer ($0.114/GB) equals the ALB's, so it saves on transfer only inside its \
             free tier (1 TB a month per account) or by sparing the backend; Intelligent-Tiering costs S3 \
             Standard's price until objects go 30 days unread (then 24% less, 80% less after 90 days)"
                .to_string(),
        ),
        "graviton" => parts.push("ARM Fargate is 20% cheaper per vCPU and GB".to_string()),
        _ => {}
    }
    if !changes.is_empty() {
        let list: Vec<String> =
            changes.iter().map(|c| format!("{} {}", c.component.name(), delta(c.delta_usd))).collect();
        parts.push(format!("changes: {}", list.join(", ")));
    }
    parts.join("; ")
}

/// Interface endpoints against NAT gateways, with the data volume where they break even.
fn no_nat_remark(with: &Estimate, without: &Estimate) -> String {
    let endpoints = with.component_usd(Component::VpcEndpoints);
    // The public IPv4 lines that go with the preset are the NAT gateways' addresses.
    let nat = round2(
        without.component_usd(Component::NatGateway) + without.component_usd(Component::PublicIpv4)
            - with.component_usd(Component::PublicIpv4),
    );
    let data_price = |estimate: &Estimate, id: &str| {
        estimate.lines.iter().find(|l| l.price_id == id).map(|l| (l.unit_price, l.monthly_usd))
    };
    let gateways = without.lines.iter().find(|l| l.price_id == "nat_gateway.hour").map_or(0.0, |l| l.quantity)
        / super::estimate::HOURS_PER_MONTH;
    let replaced = if gateways == 1.0 { "the NAT gateway".to_string() } else { format!("the {gateways} NAT gateways") };
    let endpoint_count = INTERFACE_ENDPOINTS.len() as f64;
    let zones = with.lines.iter().find(|l| l.price_id == "vpc_endpoint.interface_hour").map_or(0.0, |l| l.quantity)
        / super::estimate::HOURS_PER_MONTH
        / endpoint_count;
    let mut text = format!(
        "{endpoint_count} interface endpoints in {zones} zones cost {} a month, {replaced} they replace {} with data \
         and public IPv4",
        dollars(endpoints),
        dollars(nat)
    );
    if let (Some((endpoint_gb, endpoint_data)), Some((nat_gb, nat_data))) =
        (data_price(with, "vpc_endpoint.interface_data_gb"), data_price(without, "nat_gateway.data_processed_gb"))
    {
        let fixed_difference = (endpoints - endpoint_data) - (nat - nat_data);
        if fixed_difference > 0.0 && nat_gb > endpoint_gb {
            let break_even = fixed_difference / (nat_gb - endpoint_gb);
            text.push_str(&format!(
                "; endpoints pay off only above about {} GB a month of private egress",
                quantity(break_even.round())
            ));
        }
    }
    text.push_str("; without NAT the tasks reach only those AWS services");
    text
}

/// Savings Plans and Reserved Instances, the reference architecture's prod optimisations that are billing
/// decisions: the discounts come from the price table's `savings.*` rows.
fn billing_choices(estimate: &Estimate, prices: &PriceTable) -> Vec<BillingChoice> {
    let mut choices = Vec::new();
    let fargate = estimate.component_usd(Component::Fargate);
    if let Some(price) = prices.reference("savings.compute_sp_fargate_1yr_no_upfront") {
        let maximum = prices.reference("savings.compute_sp_fargate_max").map_or(0.0, |p| p.usd);
        choices.push(BillingChoice {
            name: "Compute Savings Plan, 1 year, no upfront",
            reference_claim: "-20% Fargate",
            discount_percent: price.usd,
            discount_price_id: "savings.compute_sp_fargate_1yr_no_upfront",
            discount_confirmed: price.confirmed,
            applies_to_usd: fargate,
            saving_usd: round2(fargate * price.usd / 100.0),
            remark: format!(
                "the reference architecture's 20% fits a 1-year plan without upfront payment; up to {maximum:.0}% with 3 years all \
                 upfront, in exchange for committing to an hourly spend for the term"
            ),
        });
    }
    let instance: f64 = estimate
        .lines
        .iter()
        .filter(|l| l.component == Component::Rds && l.price_id.ends_with("_hour"))
        .map(|l| l.monthly_usd)
        .sum();
    if let Some(price) = prices.reference("savings.rds_ri_1yr_no_upfront") {
        let observed = prices.reference("savings.rds_ri_1yr_no_upfront_observed").map_or(0.0, |p| p.usd);
        choices.push(BillingChoice {
            name: "RDS Reserved Instance, 1 year, no upfront",
            reference_claim: "-40% RDS",
            discount_percent: price.usd,
            discount_price_id: "savings.rds_ri_1yr_no_upfront",
            discount_confirmed: price.confirmed,
            applies_to_usd: round2(instance),
            saving_usd: round2(instance * price.usd / 100.0),
            remark: format!(
                "the reference architecture's 40% is more than a 1-year no-upfront reservation gives (up to {:.0}%, {observed}% seen on \
                 a Tokyo db.t3.micro); it needs 3 years or payment upfront, and covers the instance, not its storage",
                price.usd
            ),
        });
    }
    choices
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0 + 0.0
}
