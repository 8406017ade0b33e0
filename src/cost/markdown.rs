//! The estimate as GitHub-flavoured Markdown (`infragen cost --format markdown`), for a
//! pull request comment or a wiki page.

use std::fmt::Write as _;

use super::estimate::Estimate;
use super::table::{dollars, money, quantity};

/// Text for a Markdown table cell: a `|` would end the cell, a newline the row.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// One environment's estimate: a table of its lines and the total.
pub fn estimate(estimate: &Estimate) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "### {} ({}): {} a month\n",
        cell(&estimate.environment),
        cell(&estimate.name),
        dollars(estimate.total_usd)
    );
    let presets = if estimate.presets.is_empty() { "none".to_string() } else { estimate.presets.join(", ") };
    let _ = writeln!(
        text,
        "Estimated in {}, on-demand list prices in USD; presets: {}.\n",
        cell(&estimate.region),
        cell(&presets)
    );
    let _ = writeln!(text, "| component | item | quantity | USD/month |\n|---|---|---:|---:|");
    for line in &estimate.lines {
        let flag = if line.price_confirmed { "" } else { " \\*" };
        let _ = writeln!(
            text,
            "| {} | {} | {} {} | {}{flag} |",
            line.component.name(),
            cell(&line.item),
            quantity(line.quantity),
            line.unit,
            money(line.monthly_usd)
        );
    }
    let _ = writeln!(text, "| | **total** | | **{}** |", money(estimate.total_usd));
    if estimate.unconfirmed_usd > 0.0 {
        let _ = writeln!(
            text,
            "\n\\* price not confirmed by a source: {} of the total rests on these (`pricing/aws-prices.toml` says how each was derived).",
            money(estimate.unconfirmed_usd)
        );
    }
    for note in &estimate.notes {
        let _ = writeln!(text, "\n- {}", cell(note));
    }
    text
}

/// Text that is already laid out for a terminal, kept as it is.
pub fn preformatted(text: &str) -> String {
    format!("```text\n{}```\n", text.replace("```", "'''"))
}
