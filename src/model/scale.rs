//! The validated cache, CDN and usage assumptions.

use super::edge::in_range;
use super::{Checks, path};
use crate::config::{BudgetSettings, CacheEngine, CacheSubnets, PriceClass, Settings, UsageSettings};
use crate::diagnostic::did_you_mean;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    pub engine: CacheEngine,
    pub engine_version: String,
    pub node_type: String,
    pub replicas: u32,
    pub subnets: CacheSubnets,
    pub snapshot_retention_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cdn {
    pub images: bool,
    pub api: bool,
    pub price_class: PriceClass,
}

/// Engine versions with IAM authentication, which the cache uses instead of a password.
pub fn cache_engine_versions(engine: CacheEngine) -> &'static [&'static str] {
    match engine {
        CacheEngine::Redis => &["7.0", "7.1"],
        CacheEngine::Valkey => &["7.2", "8.0", "8.1"],
    }
}

/// Node types ElastiCache offers, by family and size.
fn known_node_types() -> Vec<String> {
    let mut types = Vec::new();
    for family in ["t3", "t4g"] {
        types.extend(["micro", "small", "medium"].iter().map(|size| format!("cache.{family}.{size}")));
    }
    for family in ["m5", "m6g", "m7g", "r5", "r6g", "r7g"] {
        types.extend(
            ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"]
                .iter()
                .map(|size| format!("cache.{family}.{size}")),
        );
    }
    types
}

impl Cache {
    /// The cache, or `None` when the environment has none.
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Option<Cache> {
        let raw = &settings.cache;
        if !raw.enabled {
            return None;
        }
        let versions = cache_engine_versions(raw.engine);
        if !versions.contains(&raw.engine_version.as_str()) {
            checks.error(
                &path("cache.engine_version"),
                format!(
                    "`cache.engine_version` must be a {} version with IAM authentication ({}), found \"{}\"",
                    raw.engine.name(),
                    versions.join(", "),
                    raw.engine_version
                ),
                None,
            );
        }
        let types = known_node_types();
        if !types.contains(&raw.node_type) {
            let help = match did_you_mean(&raw.node_type, types.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "for example cache.t4g.small, cache.m7g.large or cache.r7g.large".to_string(),
            };
            checks.error(
                &path("cache.node_type"),
                format!("`cache.node_type` \"{}\" is not a node type ElastiCache offers", raw.node_type),
                help,
            );
        }
        in_range(checks, "cache.replicas", raw.replicas, 0, 5, "replicas");
        in_range(checks, "cache.snapshot_retention_days", raw.snapshot_retention_days, 0, 35, "days");
        Some(Cache {
            engine: raw.engine,
            engine_version: raw.engine_version.clone(),
            node_type: raw.node_type.clone(),
            replicas: raw.replicas,
            subnets: raw.subnets,
            snapshot_retention_days: raw.snapshot_retention_days,
        })
    }
}

impl Cdn {
    pub fn from_settings(settings: &Settings) -> Cdn {
        let raw = &settings.cdn;
        Cdn { images: raw.images, api: raw.api, price_class: raw.price_class }
    }
}

/// Checks the usage assumptions: amounts, never negative.
pub fn check_usage(checks: &mut Checks<'_>, usage: &UsageSettings) -> UsageSettings {
    let fields = [
        ("api_requests_millions", usage.api_requests_millions),
        ("average_load_vcpu", usage.average_load_vcpu),
        ("api_data_out_gb", usage.api_data_out_gb),
        ("egress_data_gb", usage.egress_data_gb),
        ("log_ingestion_gb", usage.log_ingestion_gb),
        ("image_storage_gb", usage.image_storage_gb),
        ("image_data_out_gb", usage.image_data_out_gb),
        ("image_requests_millions", usage.image_requests_millions),
        ("frontend_build_minutes", usage.frontend_build_minutes),
        ("frontend_requests_millions", usage.frontend_requests_millions),
        ("frontend_data_out_gb", usage.frontend_data_out_gb),
    ];
    for (field, value) in fields {
        if !(value.is_finite() && value >= 0.0) {
            let at = path("usage").key(field);
            checks.error(&at, format!("`{at}` must be a number of 0 or more, found {value}"), None);
        }
    }
    usage.clone()
}

/// The limits `infragen cost` holds the estimate to, in USD a month.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Budget {
    pub max_monthly_usd: Option<f64>,
    pub max_increase_usd: Option<f64>,
}

pub fn check_budget(checks: &mut Checks<'_>, budget: &BudgetSettings) -> Budget {
    for (field, value) in [("max_monthly_usd", budget.max_monthly_usd), ("max_increase_usd", budget.max_increase_usd)] {
        if let Some(value) = value
            && !(value.is_finite() && value >= 0.0)
        {
            let at = path("budget").key(field);
            checks.error(
                &at,
                format!("`{at}` must be a number of US dollars, 0 or more, found {value}"),
                Some("leave it out for no limit".to_string()),
            );
        }
    }
    Budget { max_monthly_usd: budget.max_monthly_usd, max_increase_usd: budget.max_increase_usd }
}
