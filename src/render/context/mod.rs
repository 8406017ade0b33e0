//! What templates see: plain values computed from the validated architecture.
//!
//! Every decision (which NAT gateway a zone uses, which endpoints exist, the service name
//! of an endpoint in this region, which alarm metric exists) is made here, in Rust, so
//! that templates only place values and choose between blocks on flags named after what
//! they mean. One file per module.

mod data;
mod edge;
mod network;
mod scale;
mod service;

use std::collections::BTreeMap;

use serde::Serialize;

pub use data::{AmplifyContext, BackupContext, MonitoringContext, RdsContext};
pub use edge::{AlbContext, DnsContext, WafContext};
pub use network::NetworkContext;
pub use scale::{CacheContext, CdnContext};
pub use service::EcsContext;

use crate::config::Stage;
use crate::model::Architecture;
use crate::model::pipeline::{GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_URL, InstallFrom, Pipeline, PipelineEnvironment};
use crate::render::BootstrapInputs;

/// Terraform and provider constraints of every generated root and module.
#[derive(Debug, Clone, Serialize)]
pub struct TerraformVersions {
    /// `required_version`: S3 native state locking (`use_lockfile`) is generally available
    /// from Terraform 1.11 (experimental in 1.10).
    pub required_version: &'static str,
    /// The root pins the provider's major version.
    pub aws_provider_version: &'static str,
    /// Modules state the minimum they need and leave pinning to the root.
    pub aws_module_version: &'static str,
}

pub const TERRAFORM: TerraformVersions =
    TerraformVersions { required_version: ">= 1.11", aws_provider_version: "~> 6.0", aws_module_version: ">= 6.0" };

/// PostgreSQL's port.
pub const DATABASE_PORT: u16 = 5432;

/// The reason every key policy gives checkov for its account-root statement.
pub const KEY_POLICY_SKIP_REASON: &str = "A key policy's Resource \"*\" is this key alone; the account root keeps the key's administration (not its use), so that the key stays manageable.";

/// What every key policy lets the account's IAM policies do with the key: administer it
/// (describe, tag, rotate, alias, change the policy, schedule deletion), never use it. Using
/// a key is granted per purpose beside it, so that a `kms:*` for the account root does not
/// make those statements meaningless. `kms:PutKeyPolicy` keeps the key manageable (KMS
/// refuses a policy that would lock its caller out); `kms:CreateGrant` is left out, because a
/// grant hands out use of the key.
pub const KEY_ADMINISTRATION_ACTIONS: &[&str] = &[
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

/// The context of every template of an environment root.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentContext {
    pub terraform: TerraformVersions,
    pub environment: String,
    pub project: String,
    /// `<project>-<environment>`, the prefix of every resource name.
    pub name: String,
    pub region: String,
    /// `allowed_account_ids` of every provider block, when the environment names its account.
    pub account_id: Option<String>,
    /// The environment file, e.g. `environments/dev.toml`.
    pub source: String,
    pub production: bool,
    /// `prevent_destroy` on the resources that hold data (modules/common/lifecycle.tf.j2).
    pub data_protection: DataProtection,
    pub tier: &'static str,
    pub presets_summary: String,
    pub default_tags: BTreeMap<String, String>,
    /// Extra tags per module (`module_tags`), an entry for every module, empty for most:
    /// a module's `tags` variable and the `tags` of its resources exist only when its
    /// entry has tags.
    pub module_tags: BTreeMap<&'static str, BTreeMap<String, String>>,
    pub state: StateContext,
    pub kms: KmsContext,
    pub network: NetworkContext,
    pub dns: DnsContext,
    pub alb: AlbContext,
    pub waf: WafContext,
    pub rds: RdsContext,
    pub ecs: EcsContext,
    pub backup: BackupContext,
    pub amplify: AmplifyContext,
    pub monitoring: MonitoringContext,
    /// The cache, when the environment has one.
    pub cache: Option<CacheContext>,
    pub cdn: CdnContext,
    pub logs: LogsContext,
    /// The modules of this root, in the order main.tf calls them.
    pub modules: Vec<ModuleSummary>,
    /// The architecture as a Mermaid flowchart, for the README: a preset switch changes
    /// the picture in the same pull request.
    pub diagram: String,
}

/// Which resources holding data get `prevent_destroy = true`: all of them in production,
/// except the addresses `gen --allow-replace` names for one run.
#[derive(Debug, Clone, Serialize)]
pub struct DataProtection {
    pub enabled: bool,
    pub replace_allowed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateContext {
    pub bucket: String,
    pub key: String,
    pub region: String,
    /// The state key's alias, for the backend's `kms_key_id`.
    pub key_alias: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KmsContext {
    pub deletion_window_days: u32,
    /// The services that may use the data key, by their service name (`rds`, ...).
    pub data_key_services: Vec<&'static str>,
    /// Why the IAM checks of a key policy do not apply, for the checkov skip comments.
    pub key_policy_skip_reason: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogsContext {
    pub retention_days: u32,
    /// Set when retention is below the year security scanners ask for: the reason, for
    /// a checkov skip comment that names where the choice was made.
    pub short_retention_reason: Option<String>,
}

/// A module of the root, for its README.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleSummary {
    pub name: &'static str,
    pub summary: &'static str,
    /// Whether an environment has the module; most always do.
    #[serde(skip)]
    pub present: fn(&Architecture) -> bool,
    /// The provider aliases the module takes from the root, with what each is for.
    #[serde(skip)]
    pub provider_aliases: fn(&Architecture) -> Vec<ProviderAlias>,
}

/// A provider alias a module declares in `configuration_aliases`.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderAlias {
    /// As the module refers to it, e.g. `aws.copy`.
    pub name: &'static str,
    /// Why the module needs it, for the comment in its versions.tf.
    pub purpose: &'static str,
}

fn always(_: &Architecture) -> bool {
    true
}

fn no_aliases(_: &Architecture) -> Vec<ProviderAlias> {
    Vec::new()
}

/// Every module, in the order main.tf calls them, with the summary the root README gives.
/// [`EnvironmentContext::new`] keeps those the environment has.
pub const MODULES: &[ModuleSummary] = &[
    ModuleSummary {
        name: "kms",
        summary: "customer-managed KMS keys per purpose (logs, data, alarms), rotation on",
        present: always,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "network",
        summary: "VPC, public / private / database subnets per zone, NAT or VPC endpoints, flow logs, the security-group chain",
        present: always,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "dns",
        summary: "Route53 zone, the API's ACM certificate with DNS validation, alias records (AAAA only for CloudFront)",
        present: always,
        provider_aliases: |arch| {
            let cdn = arch.cdn.api || arch.cdn.images;
            cdn.then_some(ProviderAlias {
                name: "aws.us_east_1",
                purpose: "CloudFront only takes certificates from us-east-1.",
            })
            .into_iter()
            .collect()
        },
    },
    ModuleSummary {
        name: "alb",
        summary: "application load balancer, HTTPS listener and HTTP redirect, target group, access-log bucket",
        present: always,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "waf",
        summary: "WAFv2 web ACL with AWS managed rules and a rate limit, on the ALB, logged",
        present: always,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "rds",
        summary: "PostgreSQL with a RDS-managed master secret, parameter group, log exports, monitoring",
        present: always,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "ecs",
        summary: "ECR, Fargate cluster, task definition and service behind the ALB, least-privilege roles, autoscaling",
        present: always,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "cache",
        summary: "ElastiCache replication group with IAM authentication, encrypted at rest and in transit",
        present: |arch| arch.cache.is_some(),
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "images",
        summary: "S3 bucket for images (Intelligent-Tiering) behind CloudFront with origin access control",
        present: |arch| arch.cdn.images,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "api_cdn",
        summary: "CloudFront in front of the API; the load balancer takes CloudFront only",
        present: |arch| arch.cdn.api,
        provider_aliases: no_aliases,
    },
    ModuleSummary {
        name: "backup",
        summary: "AWS Backup vault, daily plan and selection of the database",
        present: always,
        provider_aliases: |arch| {
            arch.backup
                .copy
                .as_ref()
                .map(|_| ProviderAlias {
                    name: "aws.copy",
                    purpose: "aws.copy is the provider of the region that receives the copies.",
                })
                .into_iter()
                .collect()
        },
    },
    ModuleSummary {
        name: "amplify",
        summary: "Amplify Hosting app, branch, SSR logging role, and the custom domain with its certificate and records",
        present: always,
        provider_aliases: |_| {
            vec![ProviderAlias {
                name: "aws.us_east_1",
                purpose: "Amplify serves through CloudFront, which only takes certificates from us-east-1.",
            }]
        },
    },
    ModuleSummary {
        name: "monitoring",
        summary: "SNS alarm topic, e-mail and Slack, CloudWatch alarms and dashboard",
        present: always,
        provider_aliases: |arch| {
            arch.monitoring
                .slack
                .as_ref()
                .map(|_| ProviderAlias {
                    name: "aws.chatbot",
                    purpose: "aws.chatbot is the provider of a region with the AWS Chatbot API.",
                })
                .into_iter()
                .collect()
        },
    },
];

/// Why a security check does not hold for this environment: the setting that turns it off,
/// for a `#checkov:skip` comment a reviewer can trace. The file's header names the
/// environment file; the reason does not, so that a module's files stay the same text in
/// every environment that makes the same choice (see `render::memo`).
pub fn waiver(setting: &str, why: &str) -> String {
    format!("{setting} in the environment file ({why}).")
}

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
            account_id: arch.account_id.clone(),
            source: arch.source_name.clone(),
            production: arch.stage == Stage::Production,
            data_protection: DataProtection { enabled: arch.stage == Stage::Production, replace_allowed: Vec::new() },
            tier: arch.tier.name(),
            presets_summary,
            default_tags,
            module_tags: crate::config::ModuleName::ALL
                .iter()
                .map(|module| (module.name(), arch.module_tags.get(module).cloned().unwrap_or_default()))
                .collect(),
            state: StateContext {
                bucket: arch.state.bucket.clone(),
                key: arch.state.key.clone(),
                region: arch.state.region.clone(),
                key_alias: arch.state.key_alias.clone(),
            },
            kms: KmsContext {
                deletion_window_days: arch.kms.deletion_window_days,
                data_key_services: data_key_services(arch),
                key_policy_skip_reason: KEY_POLICY_SKIP_REASON,
            },
            network: NetworkContext::new(arch),
            dns: DnsContext::new(arch),
            alb: AlbContext::new(arch),
            waf: WafContext::new(arch),
            rds: RdsContext::new(arch),
            ecs: EcsContext::new(arch),
            backup: BackupContext::new(arch),
            amplify: AmplifyContext::new(arch),
            monitoring: MonitoringContext::new(arch),
            cache: arch.cache.as_ref().map(CacheContext::new),
            cdn: CdnContext::new(arch),
            logs: LogsContext {
                retention_days: arch.logs.retention_days,
                short_retention_reason: (arch.logs.retention_days < 365).then(|| {
                    waiver(
                        &format!("logs.retention_days = {}", arch.logs.retention_days),
                        "log retention is a cost choice of this environment",
                    )
                }),
            },
            modules: MODULES.iter().filter(|m| (m.present)(arch)).cloned().collect(),
            diagram: crate::diagram::mermaid(arch),
        }
    }
}

/// The services the data key's policy lets principals of the account use it through.
fn data_key_services(arch: &Architecture) -> Vec<&'static str> {
    let mut services = vec!["backup", "ecr", "rds", "secretsmanager"];
    if arch.cache.is_some() {
        services.push("elasticache");
    }
    services.sort_unstable();
    services
}

/// The context of the bootstrap root (the state bucket).
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapContext {
    pub terraform: TerraformVersions,
    pub project: String,
    pub region: String,
    pub bucket: String,
    /// The alias of the state key, which every backend names.
    pub key_alias: String,
    /// `allowed_account_ids` of the provider, when the environments name their account.
    pub account_id: Option<String>,
    /// Days old state versions are kept.
    pub noncurrent_days: u32,
    pub default_tags: BTreeMap<String, String>,
    pub key_policy_skip_reason: &'static str,
    /// The GitHub pipeline's OIDC provider and roles, when the environments name a repository.
    pub pipeline: Option<Pipeline>,
    pub oidc_url: &'static str,
    pub oidc_audience: &'static str,
    /// Every region an environment runs in, the bootstrap's own first when one does: each
    /// gets the policy that lets WAF deliver to the environments' web ACL logs.
    pub regions: Vec<RegionProvider>,
}

/// A region the bootstrap creates resources in, and the provider it does so through.
#[derive(Debug, Clone, Serialize)]
pub struct RegionProvider {
    pub region: String,
    /// The provider's alias; `None` for the bootstrap's own region (the default provider).
    pub alias: Option<String>,
    /// The region as a Terraform name, for the names of its resources.
    pub key: String,
}

impl BootstrapContext {
    pub fn new(arch: &Architecture, inputs: BootstrapInputs<'_>) -> Self {
        let mut default_tags = BTreeMap::new();
        default_tags.insert("Project".to_string(), arch.project.clone());
        default_tags.insert("ManagedBy".to_string(), "infragen".to_string());
        let home = &arch.state.region;
        let key = |region: &str| region.replace('-', "_");
        let mut regions: Vec<RegionProvider> = inputs
            .regions
            .iter()
            .map(|region| RegionProvider {
                region: region.clone(),
                alias: (region != home).then(|| key(region)),
                key: key(region),
            })
            .collect();
        regions.sort_by_key(|provider| provider.alias.is_some());
        let pipeline = inputs.pipeline;
        BootstrapContext {
            regions,
            terraform: TERRAFORM,
            project: arch.project.clone(),
            region: arch.state.region.clone(),
            bucket: arch.state.bucket.clone(),
            key_alias: arch.state.key_alias.clone(),
            account_id: arch.account_id.clone(),
            noncurrent_days: 90,
            default_tags,
            key_policy_skip_reason: KEY_POLICY_SKIP_REASON,
            pipeline: pipeline.cloned(),
            oidc_url: GITHUB_OIDC_URL,
            oidc_audience: GITHUB_OIDC_AUDIENCE,
        }
    }
}

/// The GitHub Actions this pipeline uses, pinned by commit: a tag can be moved to other
/// code, a commit cannot. The commits and their versions are those that public
/// workflows pin (found with the search tool's code corpus, December 2026, e.g.
/// `actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`); update them
/// together, after checking each release.
pub const ACTIONS: PinnedActions = PinnedActions {
    checkout: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
    setup_terraform: "hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd # v3.1.2",
    configure_aws_credentials: "aws-actions/configure-aws-credentials@ececac1a45f3b08a01d2dd070d28d111c5fe6722 # v4.1.0",
    upload_artifact: "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2",
    download_artifact: "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0",
};

/// The Terraform the pipeline runs: the version the offline verification checks the
/// generated roots with (at least `TERRAFORM.required_version`).
pub const PIPELINE_TERRAFORM_VERSION: &str = "1.11.4";

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PinnedActions {
    pub checkout: &'static str,
    pub setup_terraform: &'static str,
    pub configure_aws_credentials: &'static str,
    pub upload_artifact: &'static str,
    pub download_artifact: &'static str,
}

/// One apply job: the environments of a stage, after the stage before it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyStage {
    /// `development` or `production`: the job is `apply-<name>`.
    pub name: &'static str,
    /// The job's `needs`, as YAML.
    pub needs: String,
    /// The job's `if`, a GitHub expression without its `${{ }}`.
    pub condition: String,
    pub environments: Vec<PipelineEnvironment>,
}

/// What the workflow template reads.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineContext {
    pub pipeline: Pipeline,
    pub actions: PinnedActions,
    pub terraform_version: &'static str,
    pub install: Option<InstallFrom>,
    /// Every environment's name, space-separated, for a shell loop.
    pub names: String,
    pub development_names: String,
    pub production_names: String,
    pub stages: Vec<ApplyStage>,
}

impl PipelineContext {
    pub fn new(pipeline: &Pipeline) -> Self {
        let names = |production: Option<bool>| {
            pipeline
                .environments
                .iter()
                .filter(|e| production.is_none_or(|p| e.production == p))
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (development, production): (Vec<PipelineEnvironment>, Vec<PipelineEnvironment>) =
            pipeline.environments.iter().cloned().partition(|e| !e.production);
        let mut stages = Vec::new();
        if !development.is_empty() {
            stages.push(ApplyStage {
                name: "development",
                needs: "changes".to_string(),
                condition:
                    "!cancelled() && needs.changes.result == 'success' && needs.changes.outputs.development != '[]'"
                        .to_string(),
                environments: development,
            });
        }
        if !production.is_empty() {
            // Production waits for the development stage, which may have had nothing to do.
            let (needs, after) = if stages.is_empty() {
                ("changes".to_string(), String::new())
            } else {
                (
                    "[changes, apply-development]".to_string(),
                    " && (needs.apply-development.result == 'success' || needs.apply-development.result == 'skipped')"
                        .to_string(),
                )
            };
            stages.push(ApplyStage {
                name: "production",
                needs,
                condition: format!(
                    "!cancelled() && needs.changes.result == 'success' && needs.changes.outputs.production != '[]'{after}"
                ),
                environments: production,
            });
        }
        PipelineContext {
            pipeline: pipeline.clone(),
            actions: ACTIONS,
            terraform_version: PIPELINE_TERRAFORM_VERSION,
            install: pipeline.install.clone(),
            names: names(None),
            development_names: names(Some(false)),
            production_names: names(Some(true)),
            stages,
        }
    }
}
