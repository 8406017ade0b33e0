//! The backend service as written: `[service]`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The Rust backend on ECS Fargate.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceSettings {
    /// CPU units of a task (1024 = one vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384.
    pub cpu: u32,
    /// Memory of a task in MiB; Fargate accepts only certain amounts for each cpu value.
    pub memory: u32,
    /// CPU architecture of the image: `x86_64` or `arm64` (Graviton, about 20% cheaper).
    pub architecture: CpuArchitecture,
    /// Port the backend listens on.
    pub port: u16,
    /// Fewest tasks autoscaling keeps running (production needs two, one per zone).
    pub min_count: u32,
    /// Tasks started when the service is created; autoscaling owns the count afterwards.
    pub desired_count: u32,
    /// Most tasks autoscaling may run.
    pub max_count: u32,
    /// Seconds ECS ignores failing ALB health checks of a new task while it starts.
    pub health_check_grace_period: u32,
    /// CloudWatch Container Insights on the cluster (per-task metrics, billed as custom
    /// metrics).
    pub container_insights: bool,
    /// The command that applies the application's database migrations, run from the
    /// backend image as a one-off task before each rollout (`deploy.sh deploy`), e.g.
    /// `["/app/backend", "migrate"]`; each element is one argument, no shell. Empty: the
    /// application has no migrations to run.
    pub migrate_command: Vec<String>,
    /// Plain environment variables of the container. Database settings are added by
    /// infragen; secrets never go here.
    pub environment: BTreeMap<String, String>,
    /// Secret environment variables of the container, by the full ARN of what holds the
    /// value: an SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`) or a
    /// Secrets Manager secret (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6
    /// characters>`, optionally followed by `:<json-key>:<version-stage>:<version-id>`).
    /// ECS reads them when a task starts; the task execution role may read exactly these.
    /// The migration task gets them too.
    pub secrets: BTreeMap<String, String>,
    /// ARNs of customer-managed KMS keys that encrypt the parameters or secrets in
    /// `secrets`: the execution role may decrypt with them through SSM and Secrets Manager
    /// only. Not needed for the AWS managed keys (`aws/ssm`, `aws/secretsmanager`).
    pub secrets_kms_key_arns: Vec<String>,
    /// Images the ECR lifecycle policy keeps; older ones expire.
    pub ecr_keep_images: u32,
    /// ARNs of IAM managed policies attached to the task role as they are, for permissions
    /// the model does not have (e.g. `arn:aws:iam::123456789012:policy/backend-sqs`).
    pub task_policy_arns: Vec<String>,
    /// Target tracking of the task count.
    pub autoscaling: AutoscalingSettings,
    /// Scale to zero at night (the `night-scale-down` preset switches it on).
    pub night_scale_down: NightScaleDown,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            cpu: 512,
            memory: 1024,
            architecture: CpuArchitecture::X86_64,
            port: 8000,
            min_count: 2,
            desired_count: 2,
            max_count: 10,
            health_check_grace_period: 60,
            container_insights: true,
            migrate_command: Vec::new(),
            environment: BTreeMap::from([("RUST_LOG".to_string(), "info".to_string())]),
            secrets: BTreeMap::new(),
            secrets_kms_key_arns: Vec::new(),
            ecr_keep_images: 30,
            task_policy_arns: Vec::new(),
            autoscaling: AutoscalingSettings::default(),
            night_scale_down: NightScaleDown::default(),
        }
    }
}

/// CPU architecture of the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CpuArchitecture {
    X86_64,
    Arm64,
}

impl CpuArchitecture {
    /// The value of the task definition's `runtime_platform.cpu_architecture`.
    pub fn terraform_value(self) -> &'static str {
        match self {
            CpuArchitecture::X86_64 => "X86_64",
            CpuArchitecture::Arm64 => "ARM64",
        }
    }
}

/// Target-tracking policies: autoscaling adds or removes tasks to hold each metric near
/// its target.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AutoscalingSettings {
    /// Average CPU utilisation to hold, percent (1 to 100).
    pub cpu_target: u32,
    /// Average memory utilisation to hold, percent (1 to 100).
    pub memory_target: u32,
    /// ALB requests per task per minute to hold.
    pub requests_per_target: u32,
    /// Seconds after a scale-in before the next one.
    pub scale_in_cooldown: u32,
    /// Seconds after a scale-out before the next one.
    pub scale_out_cooldown: u32,
}

impl Default for AutoscalingSettings {
    fn default() -> Self {
        AutoscalingSettings {
            cpu_target: 70,
            memory_target: 80,
            requests_per_target: 1000,
            scale_in_cooldown: 300,
            scale_out_cooldown: 60,
        }
    }
}

/// Scheduled scaling to zero tasks at night.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NightScaleDown {
    /// Whether the schedule applies.
    pub enabled: bool,
    /// When to scale to zero, as an Application Auto Scaling cron expression
    /// `cron(minutes hours day-of-month month day-of-week year)` in `timezone`.
    pub stop: String,
    /// When to scale back to `min_count`..`max_count`, same format.
    pub start: String,
    /// IANA time zone of both expressions. Default: the time zone of the region's city.
    pub timezone: String,
}

impl Default for NightScaleDown {
    fn default() -> Self {
        NightScaleDown {
            enabled: false,
            stop: "cron(0 22 * * ? *)".into(),
            start: "cron(0 6 * * ? *)".into(),
            timezone: "Asia/Tokyo".into(),
        }
    }
}
