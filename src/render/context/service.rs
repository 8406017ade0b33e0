//! The ecs module's values.

use std::collections::BTreeMap;

use serde::Serialize;

use super::waiver;
use crate::model::Architecture;
use crate::model::secrets::{self, SecretSource};

#[derive(Debug, Clone, Serialize)]
pub struct EcsContext {
    pub cpu: u32,
    pub memory: u32,
    pub cpu_architecture: &'static str,
    /// `docker build --platform` for the task's architecture.
    pub docker_platform: &'static str,
    pub port: u16,
    pub min_count: u32,
    pub desired_count: u32,
    pub max_count: u32,
    pub health_check_grace_period: u32,
    pub container_insights: bool,
    /// The cluster's `containerInsights` setting: `enabled` or `disabled`.
    pub container_insights_setting: &'static str,
    /// Set when Container Insights is off: why, for checkov.
    pub container_insights_waiver: Option<String>,
    /// The value of the image tag parameters until the first deployment writes one: while
    /// the service's parameter holds it, no service exists (there is no image to run).
    pub no_image_tag: &'static str,
    /// The migration command (exec form); empty when the application has none.
    pub migrate_command: Vec<String>,
    /// The database setup task: the public PostgreSQL image it pulls through the ECR
    /// cache, and the statements it runs as the master user in one transaction.
    pub db_setup: DbSetupContext,
    /// Repository prefix of the pull-through cache rule, one per environment (the rules
    /// are per registry, which every environment of an account and region shares):
    /// `<name>-pub`, at most 28 of ECR's 30 characters.
    pub pull_through_cache_prefix: String,
    /// Alarms that fail and roll back a deployment (see [`DEPLOYMENT_ALARMS`]).
    pub deployment_alarms: DeploymentAlarms,
    pub environment: BTreeMap<String, String>,
    /// Secret variables of the container, name to `valueFrom` (`service.secrets`).
    pub secrets: BTreeMap<String, String>,
    /// What the execution role may read: the SSM parameters and the Secrets Manager
    /// secrets (without JSON key or version) behind `secrets`.
    pub secret_parameter_arns: Vec<String>,
    pub secret_arns: Vec<String>,
    /// Customer-managed keys that encrypt them (`service.secrets_kms_key_arns`).
    pub secrets_kms_key_arns: Vec<String>,
    /// The `kms:ViaService` values that let the execution role use those keys only through
    /// SSM and Secrets Manager, in each key's own region.
    pub secrets_kms_via_services: Vec<String>,
    pub ecr_keep_images: u32,
    /// IAM managed policies attached to the task role as they are (`service.task_policy_arns`).
    pub task_policy_arns: Vec<String>,
    pub cpu_target: u32,
    pub memory_target: u32,
    pub requests_per_target: u32,
    pub scale_in_cooldown: u32,
    pub scale_out_cooldown: u32,
    pub night_scale_down: Option<NightContext>,
    /// The ECR repository is emptied by `terraform destroy` where the environment may be
    /// torn down (development), never in production.
    pub force_delete_repository: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DbSetupContext {
    /// Host of the upstream registry the pull-through cache mirrors (ECR Public, which
    /// needs no credentials).
    pub upstream_registry: &'static str,
    /// Repository of the image in the upstream registry.
    pub upstream_repository: &'static str,
    /// Tag of the client image: the database's major version, so psql is never older
    /// than the server.
    pub image_tag: String,
    pub statements: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct DeploymentAlarms {
    /// 5XX responses of the backend's tasks (not of the load balancer) in a minute.
    pub target_5xx_per_minute: u32,
    /// Minutes of the last three that must breach before ECS rolls back.
    pub datapoints: u32,
}

/// Neither alarm can fire because of what a preset does on purpose: with no task at night
/// the load balancer itself answers 503 (an ELB, not a target, 5XX), and a target group
/// without targets reports no unhealthy host.
pub const DEPLOYMENT_ALARMS: DeploymentAlarms = DeploymentAlarms { target_5xx_per_minute: 10, datapoints: 2 };

/// The tag both image parameters hold until a deployment writes one.
pub const NO_IMAGE_TAG: &str = "none";

/// What the setup task runs as the master user, in one transaction. Every statement can
/// run again: the role is created only when missing, grants and `IF NOT EXISTS` repeat
/// harmlessly. `PASSWORD NULL` leaves the role IAM authentication as its only way in; its
/// objects live in a schema named after it, which PostgreSQL's default search path
/// (`"$user", public`) finds without configuration. The names are validated identifiers
/// (letters, digits, `_`), quoted so that PostgreSQL keeps their case.
pub fn db_setup_statements(app_user: &str, database: &str) -> Vec<String> {
    let role = format!("\"{app_user}\"");
    let db = format!("\"{database}\"");
    vec![
        format!(
            "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_user}') THEN CREATE ROLE {role} LOGIN; END IF; END$$"
        ),
        format!("ALTER ROLE {role} WITH LOGIN PASSWORD NULL"),
        format!("GRANT rds_iam TO {role}"),
        format!("GRANT CONNECT ON DATABASE {db} TO {role}"),
        format!("CREATE SCHEMA IF NOT EXISTS {role}"),
        format!("GRANT USAGE, CREATE ON SCHEMA {role} TO {role}"),
    ]
}

#[derive(Debug, Clone, Serialize)]
pub struct NightContext {
    pub stop: String,
    pub start: String,
    pub timezone: String,
}

impl EcsContext {
    pub fn new(arch: &Architecture) -> Self {
        let service = &arch.service;
        let scaling = &service.autoscaling;
        EcsContext {
            cpu: service.cpu,
            memory: service.memory,
            cpu_architecture: service.architecture.terraform_value(),
            docker_platform: match service.architecture {
                crate::config::CpuArchitecture::X86_64 => "linux/amd64",
                crate::config::CpuArchitecture::Arm64 => "linux/arm64",
            },
            port: service.port,
            min_count: service.min_count,
            desired_count: service.desired_count,
            max_count: service.max_count,
            health_check_grace_period: service.health_check_grace_period,
            container_insights: service.container_insights,
            container_insights_setting: if service.container_insights { "enabled" } else { "disabled" },
            container_insights_waiver: (!service.container_insights).then(|| {
                waiver("service.container_insights = false", "per-task metrics are a cost choice of this environment")
            }),
            no_image_tag: NO_IMAGE_TAG,
            migrate_command: service.migrate_command.clone(),
            db_setup: DbSetupContext {
                upstream_registry: "public.ecr.aws",
                upstream_repository: "docker/library/postgres",
                image_tag: format!("{}-alpine", arch.database.major_version),
                statements: db_setup_statements(&arch.database.app_username, &arch.database.name),
            },
            pull_through_cache_prefix: format!("{}-pub", arch.name_prefix),
            deployment_alarms: DEPLOYMENT_ALARMS,
            environment: service.environment.clone(),
            secrets: secrets::value_froms(&service.secrets),
            secret_parameter_arns: secrets::resource_arns(&service.secrets, SecretSource::Parameter),
            secret_arns: secrets::resource_arns(&service.secrets, SecretSource::Secret),
            secrets_kms_key_arns: service.secrets_kms_key_arns.clone(),
            secrets_kms_via_services: {
                let regions: std::collections::BTreeSet<&str> =
                    service.secrets_kms_key_arns.iter().filter_map(|arn| arn.split(':').nth(3)).collect();
                regions
                    .iter()
                    .flat_map(|region| {
                        ["secretsmanager", "ssm"].map(|service| format!("{service}.{region}.amazonaws.com"))
                    })
                    .collect()
            },
            ecr_keep_images: service.ecr_keep_images,
            task_policy_arns: service.task_policy_arns.clone(),
            cpu_target: scaling.cpu_target,
            memory_target: scaling.memory_target,
            requests_per_target: scaling.requests_per_target,
            scale_in_cooldown: scaling.scale_in_cooldown,
            scale_out_cooldown: scaling.scale_out_cooldown,
            night_scale_down: service.night_scale_down.as_ref().map(|night| NightContext {
                stop: night.stop.to_string(),
                start: night.start.to_string(),
                timezone: night.timezone.clone(),
            }),
            force_delete_repository: arch.stage == crate::config::Stage::Development,
        }
    }
}
