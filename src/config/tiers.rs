//! Scale tiers: the settings each tier brings, between the built-in defaults and presets.

use super::settings::Tier;

/// The settings of a tier, as TOML (dotted keys).
pub fn overlay(tier: Tier) -> &'static str {
    match tier {
        Tier::Small => "network.nat = \"single\"\n",
        Tier::Medium | Tier::Large => "network.nat = \"per_az\"\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FieldPath, schema_check::check_table, settings_schema};
    use toml::de::DeTable;

    #[test]
    fn every_tier_overlay_is_valid_against_the_schema() {
        for tier in Tier::ALL {
            let table = DeTable::parse(overlay(tier)).unwrap_or_else(|e| panic!("{}: {e}", tier.name()));
            let problems = check_table(settings_schema(), &table, &FieldPath::root());
            assert!(problems.is_empty(), "tier {}: {problems:?}", tier.name());
        }
    }
}
