//! `infragen presets`: every preset with what it does, and with `--env`, what it changes in
//! that environment's monthly bill.

use std::io::Write;

use super::load_all;
use crate::cli::PresetsArgs;
use crate::config::{Overrides, presets};
use crate::cost::table::{TextTable, money};
use crate::cost::{Comparison, PriceTable};
use crate::workspace::Workspace;
use crate::{Error, Exit};

pub fn run(args: &PresetsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let text = match &args.env {
        None => list(),
        Some(name) => {
            let workspace = Workspace::new(&args.environments);
            let overrides = Overrides::default();
            let mut environments = load_all(&workspace, std::slice::from_ref(name), &overrides, err)?;
            let environment = environments.pop().ok_or_else(|| Error::Internal("no environment was loaded".into()))?;
            let prices = PriceTable::embedded().map_err(Error::Internal)?;
            let comparison = Comparison::new(&workspace, name, &overrides, &environment.architecture, prices)?;
            savings(&comparison)
        }
    };
    super::write_text(out, &text)?;
    Ok(Exit::Success)
}

/// Every preset and its one-line effect.
pub fn list() -> String {
    let mut table = TextTable::new(["preset", "effect"], [false, false]);
    for preset in presets::PRESETS {
        table.row([preset.name.to_string(), preset.summary.to_string()]);
    }
    table.render()
        + "\nuse one with `presets = [...]` in an environment file, or for one run with --preset NAME; \
           `infragen presets --env NAME` estimates what each saves there\n"
}

/// Every preset with what it changes in one environment's bill, said plainly.
pub fn savings(comparison: &Comparison) -> String {
    let mut table = TextTable::new(["preset", "in use", "a month", "effect"], [false, false, false, false]);
    let mut reasons = Vec::new();
    for preset in presets::PRESETS {
        let Some(effect) = comparison.effect_of(preset.name) else { continue };
        let saving = match effect.delta_usd {
            Some(delta) if delta < 0.0 => format!("saves {}", money(-delta)),
            Some(delta) if delta > 0.0 => format!("COSTS {} more", money(delta)),
            Some(_) => "changes nothing".to_string(),
            None => {
                reasons.push(format!("{}: {}", preset.name, effect.remark));
                "not possible".to_string()
            }
        };
        let in_use = if effect.in_environment { "yes" } else { "no" };
        table.row([preset.name.to_string(), in_use.to_string(), saving, preset.summary.to_string()]);
    }
    let mut text = format!(
        "presets in {}: what each changes in the estimated monthly bill ({} as configured), on-demand USD\n\
         (a preset in use is measured by switching it off, any other by switching it on)\n\n",
        comparison.environment,
        money(comparison.total_usd)
    );
    text.push_str(&table.render());
    if !reasons.is_empty() {
        text.push('\n');
        for reason in reasons {
            text.push_str(&reason);
            text.push('\n');
        }
    }
    text.push_str(&format!(
        "\n`infragen cost --env {} --compare` explains each figure against the reference architecture's\n",
        comparison.environment
    ));
    text
}
