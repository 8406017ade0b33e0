//! The environment file as written: plain serde types, complete once the layers are merged.
//!
//! These types are the *input* shape; nothing here is validated beyond its type. The
//! validated architecture that rendering reads is `crate::model::Architecture`. Field doc
//! comments become the descriptions of the JSON Schema that editors use, so they are
//! written for the person editing `environments/*.toml`.
//!
//! `Default` implementations are the built-in defaults, the bottom layer of the
//! configuration: production-safe values for the reference architecture.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::data::{
    AlarmThresholds, BackupSettings, DatabaseSettings, FrontendSettings, MonitoringSettings, SlackSettings,
};
pub use super::edge::{AlbSettings, DnsSettings, HealthCheckSettings, WafLoggedRequests, WafSettings};
pub use super::network::{FlowLogTraffic, FlowLogs, NatMode, NetworkSettings, SubnetSettings};
pub use super::scale::{
    BudgetSettings, CacheEngine, CacheSettings, CacheSubnets, CdnSettings, PriceClass, UsageSettings,
};
pub use super::service::{AutoscalingSettings, CpuArchitecture, NightScaleDown, ServiceSettings};

/// One environment of the architecture (`environments/<name>.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(title = "infragen environment")]
pub struct Settings {
    /// Project name: the first part of every resource name (`<project>-<environment>-...`)
    /// and the `Project` tag. Lowercase letters, digits and hyphens, starting with a letter.
    pub project: String,
    /// What the environment is for. `production` enforces the production safeguards
    /// (deletion protection, final snapshots, Multi-AZ, two tasks or more, backup copies).
    pub stage: Stage,
    /// Scale tier: sets task counts, instance sizes and NAT layout for the expected load.
    /// Values set in this file or by presets take precedence over the tier's.
    pub tier: Tier,
    /// Cost-saving presets applied to this environment, by name (`infragen presets` lists
    /// them). Switch one for a single run with `--preset NAME` / `--without-preset NAME`.
    pub presets: Vec<String>,
    /// AWS region of the environment, e.g. `ap-northeast-1`.
    pub region: String,
    /// The 12-digit ID of the AWS account the environment lives in (`aws sts
    /// get-caller-identity --query Account`). Every provider block of the generated root gets
    /// it as `allowed_account_ids`, so Terraform stops before changing anything when the
    /// credentials belong to another account. Required when `stage = "production"`.
    pub account_id: Option<String>,
    /// Extra tags for every resource, added to Project / Environment / ManagedBy through the
    /// provider's `default_tags`.
    pub tags: BTreeMap<String, String>,
    /// Extra tags for the resources of one module, by module name, e.g.
    /// `[module_tags.rds]` `CostCenter = "db"`. They are added to `tags` (and override a
    /// tag of the same key there) on every taggable resource of that module.
    pub module_tags: BTreeMap<ModuleName, BTreeMap<String, String>>,
    /// Where Terraform keeps this environment's state.
    pub state: StateSettings,
    /// The VPC: CIDRs, availability zones, subnets per tier and how private subnets reach out.
    pub network: NetworkSettings,
    /// DNS: the public hosted zone and the environment's records in it.
    pub dns: DnsSettings,
    /// The application load balancer.
    pub alb: AlbSettings,
    /// The web application firewall on the ALB.
    pub waf: WafSettings,
    /// The backend service on ECS Fargate.
    pub service: ServiceSettings,
    /// RDS for PostgreSQL.
    pub database: DatabaseSettings,
    /// AWS Backup of the database.
    pub backup: BackupSettings,
    /// The Next.js frontend on AWS Amplify.
    pub frontend: FrontendSettings,
    /// Alarms and notifications.
    pub monitoring: MonitoringSettings,
    /// ElastiCache between the backend and the database.
    pub cache: CacheSettings,
    /// CloudFront for images and the API.
    pub cdn: CdnSettings,
    /// How the environment is used, for the cost estimate.
    pub usage: UsageSettings,
    /// Limits on the estimated monthly bill, checked by `infragen cost`.
    pub budget: BudgetSettings,
    /// The GitHub Actions pipeline (`infragen ci`) and the roles it assumes.
    pub ci: CiSettings,
    /// CloudWatch Logs settings shared by every log group of the environment.
    pub logs: LogSettings,
    /// Customer-managed KMS keys.
    pub kms: KmsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            project: "webapp".into(),
            stage: Stage::Production,
            tier: Tier::Medium,
            presets: Vec::new(),
            region: "ap-northeast-1".into(),
            account_id: None,
            tags: BTreeMap::new(),
            module_tags: BTreeMap::new(),
            state: StateSettings::default(),
            network: NetworkSettings::default(),
            dns: DnsSettings::default(),
            alb: AlbSettings::default(),
            waf: WafSettings::default(),
            service: ServiceSettings::default(),
            database: DatabaseSettings::default(),
            backup: BackupSettings::default(),
            frontend: FrontendSettings::default(),
            monitoring: MonitoringSettings::default(),
            cache: CacheSettings::default(),
            cdn: CdnSettings::default(),
            usage: UsageSettings::default(),
            budget: BudgetSettings::default(),
            ci: CiSettings::default(),
            logs: LogSettings::default(),
            kms: KmsSettings::default(),
        }
    }
}

/// The modules of a generated root (`generated/<env>/modules/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModuleName {
    Kms,
    Network,
    Dns,
    Alb,
    Waf,
    Rds,
    Ecs,
    Cache,
    Images,
    ApiCdn,
    Backup,
    Amplify,
    Monitoring,
}

impl ModuleName {
    pub const ALL: [ModuleName; 13] = [
        ModuleName::Kms,
        ModuleName::Network,
        ModuleName::Dns,
        ModuleName::Alb,
        ModuleName::Waf,
        ModuleName::Rds,
        ModuleName::Ecs,
        ModuleName::Cache,
        ModuleName::Images,
        ModuleName::ApiCdn,
        ModuleName::Backup,
        ModuleName::Amplify,
        ModuleName::Monitoring,
    ];

    /// The module's directory name.
    pub fn name(self) -> &'static str {
        match self {
            ModuleName::Kms => "kms",
            ModuleName::Network => "network",
            ModuleName::Dns => "dns",
            ModuleName::Alb => "alb",
            ModuleName::Waf => "waf",
            ModuleName::Rds => "rds",
            ModuleName::Ecs => "ecs",
            ModuleName::Cache => "cache",
            ModuleName::Images => "images",
            ModuleName::ApiCdn => "api_cdn",
            ModuleName::Backup => "backup",
            ModuleName::Amplify => "amplify",
            ModuleName::Monitoring => "monitoring",
        }
    }
}

/// What an environment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Serves users: every safeguard is enforced.
    Production,
    /// For development: safeguards may be switched off to save cost and time.
    Development,
}

/// Scale tiers of the reference architecture. The built-in defaults are the `medium` tier's
/// values, so the default tier changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Start-up load: a single NAT gateway.
    Small,
    /// Growing load: a NAT gateway per availability zone.
    Medium,
    /// High load: a NAT gateway per availability zone.
    Large,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Small, Tier::Medium, Tier::Large];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Small => "small",
            Tier::Medium => "medium",
            Tier::Large => "large",
        }
    }
}

/// Terraform state backend (S3 with native lock files).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StateSettings {
    /// S3 bucket for Terraform state, created by `generated/bootstrap`. Bucket names are
    /// global, so pick one nobody else has, e.g. `<project>-tfstate-<region>`. Required.
    pub bucket: Option<String>,
    /// Region of the state bucket. Default: the environment's region.
    pub region: Option<String>,
}

/// The GitHub Actions pipeline that plans every pull request and applies after merge
/// (`infragen ci` writes it). Every environment that names a repository names the same one.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CiSettings {
    /// The GitHub repository that holds the environment files and `generated/`, as
    /// `owner/name`, e.g. `acme/infrastructure`. When set, `generated/bootstrap` creates the
    /// GitHub OIDC provider and, per environment, a plan role and an apply role that trust
    /// only this repository, and `infragen ci` writes the pipeline. Unset: no pipeline.
    pub repository: Option<String>,
    /// The branch whose pushes are applied.
    pub branch: String,
    /// Where the pipeline installs infragen from: a git repository (`https://...`), with
    /// `infragen_rev`. Unset: the repository itself holds infragen's source
    /// (`cargo install --path .`).
    pub infragen_git: Option<String>,
    /// The commit of `infragen_git` to install, all 40 hex digits, so that every run
    /// generates with the same infragen.
    pub infragen_rev: Option<String>,
    /// Whether `generated/bootstrap` creates GitHub's OIDC provider
    /// (`https://token.actions.githubusercontent.com`) or uses the one the account already
    /// has: an account holds one provider per URL, so creating a second fails. The same in
    /// every environment file.
    pub github_oidc_provider: GithubOidcProvider,
}

impl Default for CiSettings {
    fn default() -> Self {
        CiSettings {
            repository: None,
            branch: "main".into(),
            infragen_git: None,
            infragen_rev: None,
            github_oidc_provider: GithubOidcProvider::Create,
        }
    }
}

/// Who owns the account's GitHub OIDC provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GithubOidcProvider {
    /// The bootstrap creates it (and a destroy of the bootstrap removes it).
    #[default]
    Create,
    /// The account already has it (another project or tool created it): the bootstrap reads
    /// it by URL, trusts it as it is and never changes or removes it. It must list the
    /// audience `sts.amazonaws.com`.
    Existing,
}

impl GithubOidcProvider {
    pub fn name(self) -> &'static str {
        match self {
            GithubOidcProvider::Create => "create",
            GithubOidcProvider::Existing => "existing",
        }
    }
}

/// CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// Days CloudWatch keeps log events, one of the values CloudWatch accepts
    /// (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    /// 2557, 2922, 3288, 3653).
    pub retention_days: u32,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { retention_days: 365 }
    }
}

/// Customer-managed KMS keys (rotation is always on).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KmsSettings {
    /// Days a deleted key stays recoverable before KMS destroys it, 7 to 30.
    #[schemars(range(min = 7, max = 30))]
    pub deletion_window_days: u32,
}

impl Default for KmsSettings {
    fn default() -> Self {
        KmsSettings { deletion_window_days: 30 }
    }
}
