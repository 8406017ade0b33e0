//! The price table: `pricing/aws-prices.toml`, embedded in the binary so that an estimate
//! needs no network and every figure can be reviewed in the repository.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;

/// The region whose prices the table is complete for; other regions fall back to it.
pub const REFERENCE_REGION: &str = "ap-northeast-1";

/// The table as shipped in the repository.
const EMBEDDED: &str = include_str!("../../pricing/aws-prices.toml");

/// One AWS list price, keyed by `(id, region)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// What is priced, e.g. `nat_gateway.hour`.
    pub id: String,
    pub region: String,
    /// On-demand price in US dollars per `unit`.
    pub usd: f64,
    /// What one `usd` buys: `hour`, `gb`, `gb_month`, `million_requests`, `percent`...
    pub unit: String,
    /// When the figure was last checked, `YYYY-MM-DD`.
    pub checked: String,
    /// Where the figure comes from (a URL).
    pub source: String,
    /// False when no source confirmed the figure (derived, remembered or another region's).
    pub confirmed: bool,
    /// How the figure was found or derived.
    pub note: String,
}

/// Every price of the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    #[serde(rename = "price")]
    pub prices: Vec<Price>,
}

/// The answer to a price lookup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'t> {
    /// The table has the price for the region asked for.
    Found(&'t Price),
    /// The table has no price for the region asked for; this is the reference region's.
    Fallback(&'t Price),
    /// The table has no such price at all.
    Missing,
}

impl PriceTable {
    /// The table shipped in the repository, parsed once.
    pub fn embedded() -> Result<&'static PriceTable, String> {
        static TABLE: OnceLock<Result<PriceTable, String>> = OnceLock::new();
        TABLE.get_or_init(|| PriceTable::parse(EMBEDDED)).as_ref().map_err(Clone::clone)
    }

    /// Parses a table and checks that every price is usable: each names its region, date and
    /// source, and no `(id, region)` appears twice.
    pub fn parse(text: &str) -> Result<PriceTable, String> {
        let table: PriceTable = toml::from_str(text).map_err(|e| format!("pricing/aws-prices.toml: {e}"))?;
        let mut seen = BTreeSet::new();
        for price in &table.prices {
            let what = format!("pricing/aws-prices.toml: price `{}` ({})", price.id, price.region);
            if price.id.is_empty() || price.region.is_empty() || price.source.is_empty() || price.unit.is_empty() {
                return Err(format!("{what} lacks an id, region, unit or source"));
            }
            if !is_date(&price.checked) {
                return Err(format!("{what}: `checked` must be a date YYYY-MM-DD, found \"{}\"", price.checked));
            }
            if !(price.usd.is_finite() && price.usd >= 0.0) {
                return Err(format!("{what}: `usd` must be 0 or more, found {}", price.usd));
            }
            if !seen.insert((price.id.as_str(), price.region.as_str())) {
                return Err(format!("{what} is listed twice"));
            }
        }
        Ok(table)
    }

    /// The price of `id` in `region`, or the reference region's when the table has none for
    /// `region`.
    pub fn lookup(&self, id: &str, region: &str) -> Lookup<'_> {
        let find = |region: &str| self.prices.iter().find(|p| p.id == id && p.region == region);
        match (find(region), find(REFERENCE_REGION)) {
            (Some(price), _) => Lookup::Found(price),
            (None, Some(price)) => Lookup::Fallback(price),
            (None, None) => Lookup::Missing,
        }
    }

    /// The price of `id` in the reference region, for figures that are not per region
    /// (commitment discounts).
    pub fn reference(&self, id: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.id == id && p.region == REFERENCE_REGION)
    }
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), [y, m, d]
        if y.len() == 4 && m.len() == 2 && d.len() == 2
            && [y, m, d].iter().all(|p| p.chars().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_every_row_says_where_it_comes_from() {
        let table = PriceTable::embedded().expect("pricing/aws-prices.toml parses");
        assert!(table.prices.len() > 50);
        for price in &table.prices {
            assert!(!price.region.is_empty() && is_date(&price.checked), "{price:?}");
            assert!(price.source.starts_with("https://"), "{}: source {}", price.id, price.source);
            assert!(!price.note.is_empty(), "{}: every price explains itself", price.id);
        }
    }

    #[test]
    fn lookups_fall_back_to_the_reference_region() {
        let table = PriceTable::embedded().expect("parses");
        let Lookup::Found(nat) = table.lookup("nat_gateway.hour", "us-east-1") else { panic!("us-east-1 NAT") };
        assert_eq!(nat.usd, 0.045);
        let Lookup::Fallback(waf) = table.lookup("waf.web_acl_month", "us-east-1") else { panic!("fallback") };
        assert_eq!(waf.region, REFERENCE_REGION);
        assert_eq!(table.lookup("no.such.price", REFERENCE_REGION), Lookup::Missing);
    }

    #[test]
    fn broken_rows_are_refused() {
        let row = |checked: &str, usd: &str| {
            format!(
                "[[price]]\nid = \"a\"\nregion = \"r\"\nusd = {usd}\nunit = \"hour\"\nchecked = \"{checked}\"\n\
                 source = \"https://example.com\"\nconfirmed = true\nnote = \"n\"\n"
            )
        };
        assert!(PriceTable::parse(&row("2026-11-29", "1.0")).is_ok());
        assert!(PriceTable::parse(&row("last week", "1.0")).unwrap_err().contains("`checked` must be a date"));
        assert!(PriceTable::parse(&row("2026-11-29", "-1.0")).unwrap_err().contains("0 or more"));
        let twice = format!("{}{}", row("2026-11-29", "1.0"), row("2026-11-29", "2.0"));
        assert!(PriceTable::parse(&twice).unwrap_err().contains("listed twice"));
        assert!(PriceTable::parse("[[price]]\nid = \"a\"\n").is_err());
    }
}
