//! The offline cost estimate: what an environment costs a month, by component, from the
//! validated architecture, its usage assumptions and the price table kept in the
//! repository (`pricing/aws-prices.toml`).
//!
//! - [`prices`]: the price table, embedded in the binary;
//! - [`estimate`]: the monthly bill of one environment, line by line;
//! - [`compare`]: what each preset changes, against the reference architecture's savings table;
//! - [`diff`]: what a change does to the bill (`--diff BASE`), read from [`base`].

pub mod base;
pub mod compare;
pub mod diff;
pub mod estimate;
pub mod markdown;
pub mod prices;
pub mod table;

pub use compare::Comparison;
pub use diff::CostDiff;
pub use estimate::{Component, CostLine, Estimate};
pub use prices::PriceTable;

#[cfg(test)]
mod tests;
