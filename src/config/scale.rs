//! Scale-dependent parts as written: `[cache]`, `[cdn]`, the `[usage]` assumptions of
//! the cost estimate and the `[budget]` it is held to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// ElastiCache between the backend and the database (the medium and large tiers switch it
/// on).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    /// Whether the environment has a cache.
    pub enabled: bool,
    /// `redis` (Redis OSS) or `valkey` (its open-source successor, about 20% cheaper).
    pub engine: CacheEngine,
    /// Engine version: Redis OSS 7.0 or later, Valkey 7.2 or later (IAM authentication
    /// needs them).
    pub engine_version: String,
    /// Node type, e.g. `cache.t4g.small`.
    pub node_type: String,
    /// Replicas of the primary, in other zones; one or more gives automatic failover.
    pub replicas: u32,
    /// Subnet tier the cache lives in: `database` (no internet route) or `private`.
    pub subnets: CacheSubnets,
    /// Days of daily snapshots, 0 to 35 (0 turns them off).
    pub snapshot_retention_days: u32,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            enabled: true,
            engine: CacheEngine::Redis,
            engine_version: "7.1".into(),
            node_type: "cache.t4g.small".into(),
            replicas: 1,
            subnets: CacheSubnets::Database,
            snapshot_retention_days: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CacheEngine {
    Redis,
    Valkey,
}

impl CacheEngine {
    pub fn name(self) -> &'static str {
        match self {
            CacheEngine::Redis => "redis",
            CacheEngine::Valkey => "valkey",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CacheSubnets {
    Private,
    Database,
}

/// CloudFront distributions.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CdnSettings {
    /// An S3 bucket for images (Intelligent-Tiering, private) served through CloudFront
    /// with origin access control; the `images-cdn` preset switches it on.
    pub images: bool,
    /// CloudFront in front of the API, with the load balancer reachable only from
    /// CloudFront; the large tier switches it on.
    pub api: bool,
    /// Name of the images record under the DNS zone: `images` gives `images.example.com`.
    pub images_record: String,
    /// Edge locations used: `PriceClass_100` (North America, Europe), `PriceClass_200`
    /// (adds Asia, incl. Japan) or `PriceClass_All`.
    pub price_class: PriceClass,
}

impl Default for CdnSettings {
    fn default() -> Self {
        CdnSettings {
            images: false,
            api: false,
            images_record: "images".into(),
            price_class: PriceClass::PriceClass200,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PriceClass {
    #[serde(rename = "PriceClass_100")]
    PriceClass100,
    #[serde(rename = "PriceClass_200")]
    PriceClass200,
    #[serde(rename = "PriceClass_All")]
    PriceClassAll,
}

impl PriceClass {
    pub fn terraform_value(self) -> &'static str {
        match self {
            PriceClass::PriceClass100 => "PriceClass_100",
            PriceClass::PriceClass200 => "PriceClass_200",
            PriceClass::PriceClassAll => "PriceClass_All",
        }
    }
}

/// How the environment is used, for `infragen cost`. Nothing here changes the generated
/// Terraform.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UsageSettings {
    /// API requests per month, in millions.
    pub api_requests_millions: f64,
    /// Average CPU the backend needs, in vCPUs; autoscaling runs enough tasks to keep it
    /// at the CPU target (never fewer than `service.min_count`).
    pub average_load_vcpu: f64,
    /// GB the API sends to the internet per month.
    pub api_data_out_gb: f64,
    /// GB private tasks exchange with the internet or AWS APIs per month (NAT gateway or
    /// VPC endpoint processing).
    pub egress_data_gb: f64,
    /// GB of logs ingested per month (backend, flow logs, database).
    pub log_ingestion_gb: f64,
    /// GB of images stored (with the images CDN).
    pub image_storage_gb: f64,
    /// GB of images CloudFront serves per month.
    pub image_data_out_gb: f64,
    /// Image requests per month, in millions.
    pub image_requests_millions: f64,
    /// Amplify build minutes per month.
    pub frontend_build_minutes: f64,
    /// Server-rendered frontend requests per month, in millions.
    pub frontend_requests_millions: f64,
    /// GB the frontend serves per month.
    pub frontend_data_out_gb: f64,
}

impl UsageSettings {
    /// A development environment's traffic: the team and CI, not customers. The starter
    /// dev file of `infragen init` writes these, and the shipped dev environment uses them.
    pub fn development() -> Self {
        UsageSettings {
            api_requests_millions: 0.5,
            average_load_vcpu: 0.05,
            api_data_out_gb: 5.0,
            egress_data_gb: 5.0,
            log_ingestion_gb: 3.0,
            image_storage_gb: 5.0,
            image_data_out_gb: 5.0,
            image_requests_millions: 0.2,
            frontend_requests_millions: 0.1,
            frontend_data_out_gb: 2.0,
            ..UsageSettings::default()
        }
    }
}

impl Default for UsageSettings {
    fn default() -> Self {
        UsageSettings {
            api_requests_millions: 10.0,
            average_load_vcpu: 1.0,
            api_data_out_gb: 50.0,
            egress_data_gb: 20.0,
            log_ingestion_gb: 10.0,
            image_storage_gb: 50.0,
            image_data_out_gb: 100.0,
            image_requests_millions: 5.0,
            frontend_build_minutes: 300.0,
            frontend_requests_millions: 2.0,
            frontend_data_out_gb: 20.0,
        }
    }
}

/// Limits on the estimated monthly bill (`infragen cost`). Nothing here changes the
/// generated Terraform: `infragen cost` and `infragen cost --diff` exit 1 when the estimate
/// breaks one, so that a pull request's pipeline fails on it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetSettings {
    /// The most the environment may cost a month, in USD (the estimate's total). Unset: no
    /// limit.
    #[schemars(example = 500.0)]
    pub max_monthly_usd: Option<f64>,
    /// The most one change may add to the monthly estimate, in USD (`infragen cost --diff`;
    /// an environment the change creates is held to `max_monthly_usd` only). Unset: no limit.
    #[schemars(example = 50.0)]
    pub max_increase_usd: Option<f64>,
}
