//! What templates see: plain values computed from the validated architecture.
//!
//! Every decision (which NAT gateway a zone uses, which endpoints exist, the service name
//! of an endpoint in this region) is made here, in Rust, so that templates only place
//! values and choose between blocks on flags named after what they mean.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Architecture, Egress, LOG_RETENTION_DAYS, NatLayout};

/// Terraform and provider constraints of every generated root and module.
#[derive(Debug, Clone, Serialize)]
pub struct TerraformVersions {
    /// `required_version`: S3 native state locking (`use_lockfile`) needs Terraform 1.10.
    pub required_version: &'static str,
    /// The root pins the provider's major version.
    pub aws_provider_version: &'static str,
    /// Modules state the minimum they need and leave pinning to the root.
    pub aws_module_version: &'static str,
}

pub const TERRAFORM: TerraformVersions =
    TerraformVersions { required_version: ">= 1.10", aws_provider_version: "~> 6.0", aws_module_version: ">= 6.0" };

/// Port the Rust backend listens on, as the architecture draws it.
pub const BACKEND_PORT: u16 = 8000;
/// PostgreSQL's port.
pub const DATABASE_PORT: u16 = 5432;

/// The context of every template of an environment root.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentContext {
    pub terraform: TerraformVersions,
    pub environment: String,
    pub project: String,
    /// `<project>-<environment>`, the prefix of every resource name.
    pub name: String,
    pub region: String,
    /// The environment file, e.g. `environments/dev.toml`.
    pub source: String,
    pub tier: &'static str,
    pub presets_summary: String,
    pub default_tags: BTreeMap<String, String>,
    pub state: StateContext,
    pub kms: KmsContext,
    pub network: NetworkContext,
    pub logs: LogsContext,
    pub log_retention_days_allowed: Vec<u32>,
    /// The modules of this root, in the order main.tf calls them.
    pub modules: Vec<ModuleSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateContext {
    pub bucket: String,
    pub key: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KmsContext {
    pub deletion_window_days: u32,
    /// Why the IAM checks of a key policy do not apply, for the checkov skip comments.
    pub key_policy_skip_reason: &'static str,
}

/// The reason every key policy gives checkov for its account-root statement.
pub const KEY_POLICY_SKIP_REASON: &str = "A key policy's Resource \"*\" is this key alone; account-root administration is AWS's default key policy and keeps the key manageable.";

#[derive(Debug, Clone, Serialize)]
pub struct LogsContext {
    pub retention_days: u32,
    /// Set when retention is below the year security scanners ask for: the reason, for
    /// a checkov skip comment that names where the choice was made.
    pub short_retention_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkContext {
    pub vpc_cidr: String,
    pub azs: Vec<String>,
    pub public_subnets: BTreeMap<String, String>,
    pub private_subnets: BTreeMap<String, String>,
    pub database_subnets: BTreeMap<String, String>,
    pub has_nat: bool,
    /// Zone → zone of the NAT gateway its private subnet routes through.
    pub nat_gateway_for_az: BTreeMap<String, String>,
    /// Short name → service name, e.g. `logs` → `com.amazonaws.ap-northeast-1.logs`.
    pub interface_endpoints: BTreeMap<String, String>,
    pub s3_endpoint_service: String,
    pub egress_summary: String,
    pub backend_port: u16,
    pub database_port: u16,
    pub flow_log_traffic_type: &'static str,
}

/// A module of the root, for its README.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleSummary {
    pub name: &'static str,
    pub summary: &'static str,
}

/// The modules, with the one-line summary the root README gives them.
pub const MODULES: &[ModuleSummary] = &[
    ModuleSummary { name: "kms", summary: "customer-managed KMS keys, rotation on, with key policies per service" },
    ModuleSummary {
        name: "network",
        summary: "VPC, public / private / database subnets per zone, NAT or VPC endpoints, flow logs, the security-group chain",
    },
];

impl EnvironmentContext {
    pub fn new(arch: &Architecture) -> Self {
        let mut default_tags: BTreeMap<String, String> = arch.tags.clone();
        default_tags.insert("Project".into(), arch.project.clone());
        default_tags.insert("Environment".into(), arch.environment.clone());
        default_tags.insert("ManagedBy".into(), "infragen".into());

        let presets_summary = if arch.presets.is_empty() {
            "none".to_string()
        } else {
            arch.presets.iter().map(|p| format!("`{}`", p.name)).collect::<Vec<_>>().join(", ")
        };

        EnvironmentContext {
            terraform: TERRAFORM,
            environment: arch.environment.clone(),
            project: arch.project.clone(),
            name: arch.name_prefix.clone(),
            region: arch.region.clone(),
            source: arch.source_name.clone(),
            tier: arch.tier.name(),
            presets_summary,
            default_tags,
            state: StateContext {
                bucket: arch.state.bucket.clone(),
                key: arch.state.key.clone(),
                region: arch.state.region.clone(),
            },
            kms: KmsContext {
                deletion_window_days: arch.kms.deletion_window_days,
                key_policy_skip_reason: KEY_POLICY_SKIP_REASON,
            },
            network: NetworkContext::new(arch),
            logs: LogsContext {
                retention_days: arch.logs.retention_days,
                short_retention_reason: (arch.logs.retention_days < 365).then(|| {
                    format!(
                        "Log retention is a cost choice of this environment: logs.retention_days = {} in {}.",
                        arch.logs.retention_days, arch.source_name
                    )
                }),
            },
            log_retention_days_allowed: LOG_RETENTION_DAYS.to_vec(),
            modules: MODULES.to_vec(),
        }
    }
}

impl NetworkContext {
    fn new(arch: &Architecture) -> Self {
        let network = &arch.network;
        let by_zone = |pick: fn(&crate::model::Zone) -> ipnet::Ipv4Net| -> BTreeMap<String, String> {
            network.zones.iter().map(|z| (z.name.clone(), pick(z).to_string())).collect()
        };
        let service = |name: &str| format!("com.amazonaws.{}.{name}", arch.region);
        let egress_summary = match network.egress {
            Egress::NatGateways(NatLayout::Single) => "one NAT gateway, shared by every zone".to_string(),
            Egress::NatGateways(NatLayout::PerAz) => "one NAT gateway per zone".to_string(),
            Egress::VpcEndpoints => {
                format!("no NAT gateway; VPC endpoints for {} and S3", network.interface_endpoints().join(", "))
            }
        };
        NetworkContext {
            vpc_cidr: network.vpc_cidr.to_string(),
            azs: network.zones.iter().map(|z| z.name.clone()).collect(),
            public_subnets: by_zone(|z| z.public),
            private_subnets: by_zone(|z| z.private),
            database_subnets: by_zone(|z| z.database),
            has_nat: matches!(network.egress, Egress::NatGateways(_)),
            nat_gateway_for_az: network
                .nat_gateway_for_zone()
                .into_iter()
                .map(|(zone, nat)| (zone.to_string(), nat.to_string()))
                .collect(),
            interface_endpoints: network.interface_endpoints().iter().map(|e| (e.to_string(), service(e))).collect(),
            s3_endpoint_service: service("s3"),
            egress_summary,
            backend_port: BACKEND_PORT,
            database_port: DATABASE_PORT,
            flow_log_traffic_type: network.flow_log_traffic.terraform_value(),
        }
    }
}

/// The context of the bootstrap root (the state bucket).
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapContext {
    pub terraform: TerraformVersions,
    pub project: String,
    pub region: String,
    pub bucket: String,
    /// Days old state versions are kept.
    pub noncurrent_days: u32,
    pub default_tags: BTreeMap<String, String>,
    pub key_policy_skip_reason: &'static str,
}

impl BootstrapContext {
    pub fn new(arch: &Architecture) -> Self {
        let mut default_tags = BTreeMap::new();
        default_tags.insert("Project".to_string(), arch.project.clone());
        default_tags.insert("ManagedBy".to_string(), "infragen".to_string());
        BootstrapContext {
            terraform: TERRAFORM,
            project: arch.project.clone(),
            region: arch.state.region.clone(),
            bucket: arch.state.bucket.clone(),
            noncurrent_days: 90,
            default_tags,
            key_policy_skip_reason: KEY_POLICY_SKIP_REASON,
        }
    }
}
