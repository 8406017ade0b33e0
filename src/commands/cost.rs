//! `infragen cost`: the estimated monthly bill of an environment, or with `--compare`, what
//! each preset changes in it.

use std::io::Write;

use serde::Serialize;

use super::{load_one, write_line};
use crate::cli::CostArgs;
use crate::cost::{Comparison, Estimate, PriceTable};
use crate::workspace::Workspace;
use crate::{Error, Exit};

pub fn run(args: &CostArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let environment = load_one(&args.environment, err)?;
    let prices = PriceTable::embedded().map_err(Error::Internal)?;
    let estimate = Estimate::new(&environment.architecture, prices);
    let text = if args.compare {
        let workspace = Workspace::new(&args.environment.environments);
        let comparison = Comparison::new(
            &workspace,
            &args.environment.env,
            &args.environment.overrides.overrides(),
            &environment.architecture,
            prices,
        )?;
        if args.json { json(&comparison)? } else { comparison.table() }
    } else if args.json {
        json(&estimate)?
    } else {
        estimate.table(prices)
    };
    super::write_text(out, &text)?;
    if !estimate.missing_prices.is_empty() {
        write_line(
            err,
            &format!(
                "warning: the price table has no price for {}: those items count as zero, so the total is too low\n  \
                 = help: add them to pricing/aws-prices.toml, with their source",
                estimate.missing_prices.join(", ")
            ),
        )?;
    }
    Ok(Exit::Success)
}

pub(crate) fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map(|text| text + "\n").map_err(|e| Error::Internal(e.to_string()))
}
