//! `infragen cost`: the estimated monthly bill of an environment; with `--compare`, what
//! each preset changes in it; with `--diff BASE`, what a change does to it. Both the
//! estimate and the diff are held to the environment's `[budget]`: exit 1 when over.

use std::io::Write;

use serde::Serialize;

use super::{load_all, write_line};
use crate::cli::{CostArgs, OutputFormat};
use crate::cost::base::Base;
use crate::cost::diff::{EnvironmentDiff, Side};
use crate::cost::{Comparison, CostDiff, Estimate, PriceTable, markdown};
use crate::diagnostic::Diagnostics;
use crate::workspace::{Environment, Workspace};
use crate::{Error, Exit};

pub fn run(args: &CostArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let prices = PriceTable::embedded().map_err(Error::Internal)?;
    if let Some(base) = &args.diff {
        return diff(args, base, prices, out, err);
    }
    let workspace = Workspace::new(&args.environments);
    let names = if args.all {
        workspace.environment_names()?
    } else if args.env.is_empty() {
        return Err(Error::Usage(
            "name the environment: `--env NAME` (or `--all`; with `--diff BASE` every one is the default)".into(),
        ));
    } else {
        dedup(&args.env)
    };
    if args.compare && names.len() != 1 {
        return Err(Error::Usage("`--compare` measures one environment: give a single `--env NAME`".into()));
    }
    let environments = load_all(&workspace, &names, &args.overrides.overrides(), err)?;
    let estimates: Vec<Estimate> = environments.iter().map(|e| Estimate::new(&e.architecture, prices)).collect();

    let text = if args.compare {
        let comparison =
            Comparison::new(&workspace, &names[0], &args.overrides.overrides(), &environments[0].architecture, prices)?;
        match args.format() {
            OutputFormat::Table => comparison.table(),
            OutputFormat::Json => json(&comparison)?,
            OutputFormat::Markdown => markdown::preformatted(&comparison.table()),
        }
    } else {
        match args.format() {
            OutputFormat::Table => estimates.iter().map(|e| e.table(prices)).collect::<Vec<_>>().join("\n"),
            // One environment is an object, as it always was; several are an array.
            OutputFormat::Json if estimates.len() == 1 => json(&estimates[0])?,
            OutputFormat::Json => json(&estimates)?,
            OutputFormat::Markdown => estimates.iter().map(markdown::estimate).collect::<Vec<_>>().join("\n"),
        }
    };
    super::write_text(out, &text)?;
    for estimate in &estimates {
        warn_missing_prices(estimate, err)?;
    }

    let mut over = false;
    for (environment, estimate) in environments.iter().zip(&estimates) {
        if let Some(limit) = environment.architecture.budget.max_monthly_usd
            && estimate.total_usd > limit
        {
            over = true;
            write_line(
                err,
                &format!(
                    "error: {}: the estimate of {} a month is over its budget.max_monthly_usd of {}\n  = help: make the environment cheaper (`infragen cost --env {} --compare` shows what each preset saves), or raise the budget in {}",
                    environment.architecture.environment,
                    crate::cost::table::dollars(estimate.total_usd),
                    crate::cost::table::dollars(limit),
                    environment.architecture.environment,
                    environment.architecture.source_name,
                ),
            )?;
        }
    }
    Ok(if over { Exit::OVER_BUDGET } else { Exit::Success })
}

/// `cost --diff BASE`.
fn diff(
    args: &CostArgs,
    base: &str,
    prices: &PriceTable,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    if args.all && !args.env.is_empty() {
        return Err(Error::Usage("`--all` and `--env` exclude each other".into()));
    }
    let base = Base::resolve(base, &args.environments)?;
    for skipped in &base.skipped {
        write_line(err, &format!("warning: --diff {}: skipped {skipped}", base.label))?;
    }
    let head = Workspace::new(&args.environments);
    let base_workspace = base.workspace();
    let head_names =
        head.environment_names().or_else(|e| if args.environments.exists() { Err(e) } else { Ok(Vec::new()) })?;
    let base_names = base_workspace.environment_names()?;
    let names: Vec<String> = if args.env.is_empty() {
        let mut all: Vec<String> = head_names.iter().chain(&base_names).cloned().collect();
        all.sort();
        all.dedup();
        all
    } else {
        let names = dedup(&args.env);
        for name in &names {
            if !head_names.contains(name) && !base_names.contains(name) {
                return Err(Error::Usage(format!(
                    "no environment `{name}` in {} nor in {}",
                    args.environments.display(),
                    base.label
                )));
            }
        }
        names
    };

    let overrides = args.overrides.overrides();
    let in_head: Vec<String> = names.iter().filter(|n| head_names.contains(n)).cloned().collect();
    let in_base: Vec<String> = names.iter().filter(|n| base_names.contains(n)).cloned().collect();
    let after = load_all(&head, &in_head, &overrides, err)?;
    // The base is what it was: no overrides, and its warnings are not this change's.
    let before = match load_all(&base_workspace, &in_base, &Default::default(), &mut std::io::sink()) {
        Ok(before) => before,
        Err(Error::Invalid(Diagnostics(problems))) => {
            return Err(Error::Usage(format!(
                "the base ({}) does not load, so there is nothing to compare with:\n{}",
                base.label,
                Diagnostics(problems)
            )));
        }
        Err(other) => return Err(other),
    };

    let mut environments = Vec::new();
    for name in &names {
        let old = estimate_of(&before, name, prices);
        let new = estimate_of(&after, name, prices);
        let old_side =
            old.as_ref().map(|(e, estimate)| Side { loaded: &e.loaded, estimate, budget: e.architecture.budget });
        let new_side =
            new.as_ref().map(|(e, estimate)| Side { loaded: &e.loaded, estimate, budget: e.architecture.budget });
        environments.push(EnvironmentDiff::new(name, old_side.as_ref(), new_side.as_ref()));
        if let Some((_, estimate)) = &new {
            warn_missing_prices(estimate, err)?;
        }
    }
    let diff = CostDiff { base: base.label.clone(), environments };
    let text = match args.format() {
        OutputFormat::Table => diff.table(),
        OutputFormat::Json => json(&diff)?,
        OutputFormat::Markdown => diff.markdown(),
    };
    super::write_text(out, &text)?;
    let mut over = false;
    for breach in diff.breaches() {
        over = true;
        write_line(
            err,
            &format!(
                "error: over budget: {}\n  = help: the limits are `[budget]` in the environment file; the table above shows what drives the change",
                breach.message()
            ),
        )?;
    }
    Ok(if over { Exit::OVER_BUDGET } else { Exit::Success })
}

fn estimate_of<'e>(
    environments: &'e [Environment],
    name: &str,
    prices: &PriceTable,
) -> Option<(&'e Environment, Estimate)> {
    environments.iter().find(|e| e.loaded.name == name).map(|e| (e, Estimate::new(&e.architecture, prices)))
}

fn warn_missing_prices(estimate: &Estimate, err: &mut dyn Write) -> Result<(), Error> {
    if estimate.missing_prices.is_empty() {
        return Ok(());
    }
    write_line(
        err,
        &format!(
            "warning: the price table has no price for {}: those items count as zero, so the total is too low\n  \
             = help: add them to pricing/aws-prices.toml, with their source",
            estimate.missing_prices.join(", ")
        ),
    )
}

/// Each name once, in the order first given.
fn dedup(names: &[String]) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        if !unique.contains(name) {
            unique.push(name.clone());
        }
    }
    unique
}

pub(crate) fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map(|text| text + "\n").map_err(|e| Error::Internal(e.to_string()))
}
