//! The offline cost estimate: what an environment costs a month, by component, from the
//! validated architecture, its usage assumptions and the price table kept in the
//! repository (`pricing/aws-prices.toml`).
//!
//! - [`prices`]: the price table, embedded in the binary;

pub mod prices;
pub mod table;

pub use prices::PriceTable;
