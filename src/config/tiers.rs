//! Scale tiers: the settings each tier brings, between the built-in defaults and presets.

use super::settings::Tier;

/// The settings of a tier, as TOML (dotted keys). The reference architecture's tiers, in current-generation
/// (Graviton) database classes: db.t4g.micro, db.t4g.medium and db.r6g.xlarge stand in for
/// db.t3.micro, db.t3.medium and db.r5.xlarge at a lower price.
pub fn overlay(tier: Tier) -> &'static str {
    match tier {
        // One NAT gateway; 1-2 tasks; the smallest database, on which Performance Insights
        // is not offered; no cache.
        Tier::Small => {
            r#"
network.nat = "single"
service.min_count = 1
service.desired_count = 1
service.max_count = 2
database.instance_class = "db.t4g.micro"
database.performance_insights = false
cache.enabled = false
"#
        }
        // A NAT gateway per zone; 2-10 tasks; a Redis cache with a replica.
        Tier::Medium => {
            r#"
network.nat = "per_az"
service.min_count = 2
service.desired_count = 2
service.max_count = 10
database.instance_class = "db.t4g.medium"
cache.enabled = true
cache.node_type = "cache.t4g.small"
cache.replicas = 1
cdn.api = false
"#
        }
        // A NAT gateway per zone; 10-50 one-vCPU tasks; a memory-optimised database; a
        // larger cache with two replicas; CloudFront in front of the API.
        Tier::Large => {
            r#"
network.nat = "per_az"
service.cpu = 1024
service.memory = 2048
service.min_count = 10
service.desired_count = 10
service.max_count = 50
database.instance_class = "db.r6g.xlarge"
cache.enabled = true
cache.node_type = "cache.r7g.large"
cache.replicas = 2
cdn.api = true
"#
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layers::{Layer, LayerKind, merge};
    use crate::config::{FieldPath, Settings, schema_check::check_table, settings_schema};
    use toml::de::DeTable;

    #[test]
    fn the_built_in_defaults_are_the_medium_tier() {
        let defaults = toml::Table::try_from(Settings::default()).expect("serialises");
        let document = DeTable::parse(overlay(Tier::Medium)).expect("parses");
        let medium = Layer::from_document(LayerKind::Tier(Tier::Medium), document.get_ref()).expect("converts");
        let (merged, _) = merge(&[Layer::new(LayerKind::Default, defaults.clone()), medium]);
        assert_eq!(merged, defaults, "the medium tier must not change the defaults");
    }

    #[test]
    fn every_tier_overlay_is_valid_against_the_schema() {
        for tier in Tier::ALL {
            let table = DeTable::parse(overlay(tier)).unwrap_or_else(|e| panic!("{}: {e}", tier.name()));
            let problems = check_table(settings_schema(), &table, &FieldPath::root());
            assert!(problems.is_empty(), "tier {}: {problems:?}", tier.name());
        }
    }
}
