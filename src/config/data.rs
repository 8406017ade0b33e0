//! Data and operations as written: `[database]`, `[backup]`, `[frontend]`, `[monitoring]`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// RDS for PostgreSQL.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// PostgreSQL version: a major version (`17`, patched automatically) or major.minor
    /// (`17.6`); 16 or later.
    pub engine_version: String,
    /// Instance class, e.g. `db.t4g.medium`; the scale tier sets one.
    pub instance_class: String,
    /// Initial storage in GiB (gp3), 20 or more.
    pub allocated_storage: u32,
    /// Upper bound for storage autoscaling in GiB, at least `allocated_storage`.
    pub max_allocated_storage: u32,
    /// A synchronous standby in a second zone with automatic failover (production keeps it
    /// on; the `single-az-db` preset switches it off).
    pub multi_az: bool,
    /// Name of the database the backend uses.
    pub name: String,
    /// Master user name; RDS keeps its password in Secrets Manager, and only the one-off
    /// database setup task reads it.
    pub username: String,
    /// Days of automated backups and point-in-time recovery, 1 to 35.
    pub backup_retention_days: u32,
    /// Daily backup window, UTC, `hh:mm-hh:mm`, at least 30 minutes.
    pub backup_window: String,
    /// Weekly maintenance window, UTC, `ddd:hh:mm-ddd:hh:mm`; must not overlap the backup
    /// window.
    pub maintenance_window: String,
    /// Refuse to delete the instance until this is switched off (production keeps it on).
    pub deletion_protection: bool,
    /// Delete without a final snapshot; only development environments may.
    pub skip_final_snapshot: bool,
    /// Performance Insights (7 days of history are free), encrypted with the data key.
    pub performance_insights: bool,
    /// Enhanced monitoring interval in seconds: 0 (off), 1, 5, 10, 15, 30 or 60.
    pub enhanced_monitoring_interval: u32,
    /// The backend's own PostgreSQL role (not the master user): it logs in with IAM
    /// database authentication, without a password, and may use `name` and a schema of
    /// its own name. The database setup task creates it.
    pub app_username: String,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            engine_version: "17".into(),
            instance_class: "db.t4g.medium".into(),
            allocated_storage: 20,
            max_allocated_storage: 100,
            multi_az: true,
            name: "app".into(),
            username: "app".into(),
            backup_retention_days: 14,
            // 02:00-03:00 and Sunday 03:30-04:30 in Tokyo.
            backup_window: "17:00-18:00".into(),
            maintenance_window: "sat:18:30-sat:19:30".into(),
            deletion_protection: true,
            skip_final_snapshot: false,
            performance_insights: true,
            enhanced_monitoring_interval: 60,
            app_username: "backend".into(),
        }
    }
}

/// AWS Backup of the database.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BackupSettings {
    /// When the daily backup starts, as a cron expression in UTC. AWS Backup may start it
    /// up to an hour later and take three hours: those hours must stay clear of
    /// `database.backup_window` and the hour after it, and its start of
    /// `database.maintenance_window` and the hour before it.
    pub schedule: String,
    /// Days each backup is kept, 1 to 36500.
    pub retention_days: u32,
    /// Copy every backup to a vault in `copy_region` (production needs it).
    pub cross_region_copy: bool,
    /// The second region that receives the copies. Default: the nearest other region in the
    /// same country or legal area (`ap-northeast-3`, Osaka, for Tokyo; `eu-central-1` for
    /// Ireland); none where no such region exists.
    pub copy_region: String,
    /// Days the copies are kept in the second region.
    pub copy_retention_days: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            // 05:00 in Tokyo, done by 08:00: after RDS's backup (02:00-03:00) and clear of
            // Sunday's maintenance (03:30-04:30).
            schedule: "cron(0 20 * * ? *)".into(),
            retention_days: 35,
            cross_region_copy: true,
            // Osaka, the partner of the default region Tokyo; the region layer sets it for
            // every other region.
            copy_region: "ap-northeast-3".into(),
            copy_retention_days: 35,
        }
    }
}

/// The Next.js frontend on AWS Amplify Hosting.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FrontendSettings {
    /// HTTPS URL of the Git repository Amplify builds from.
    pub repository: String,
    /// Branch deployed to this environment.
    pub branch: String,
    /// Directory of the Next.js app inside the repository (`.` for the root).
    pub app_root: String,
    /// Extra build-time environment variables; `NEXT_PUBLIC_API_URL` is set by infragen.
    pub environment: BTreeMap<String, String>,
}

impl Default for FrontendSettings {
    fn default() -> Self {
        FrontendSettings {
            repository: "https://github.com/example/web".into(),
            branch: "main".into(),
            app_root: ".".into(),
            environment: BTreeMap::new(),
        }
    }
}

/// Alarms, notifications and the dashboard.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MonitoringSettings {
    /// Addresses that receive alarm e-mails (each must confirm its subscription once).
    pub alarm_emails: Vec<String>,
    /// Slack channel for alarms through AWS Chatbot, when set.
    pub slack: Option<SlackSettings>,
    /// Alarm thresholds.
    pub thresholds: AlarmThresholds,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        MonitoringSettings {
            alarm_emails: vec!["ops@example.com".into()],
            slack: None,
            thresholds: AlarmThresholds::default(),
        }
    }
}

/// A Slack channel connected through AWS Chatbot (the workspace must be authorised in the
/// Chatbot console once).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackSettings {
    /// Slack workspace (team) ID, e.g. `T01ABCDEF23`.
    pub workspace_id: String,
    /// Slack channel ID, e.g. `C01ABCDEF23`.
    pub channel_id: String,
}

/// When the CloudWatch alarms fire.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AlarmThresholds {
    /// ECS service CPU utilisation, percent.
    pub ecs_cpu_percent: u32,
    /// ECS service memory utilisation, percent.
    pub ecs_memory_percent: u32,
    /// ALB 5xx responses (from the load balancer and the targets) in five minutes.
    pub alb_5xx_count: u32,
    /// Average target response time, seconds.
    pub target_response_time_seconds: f64,
    /// Unhealthy targets in the target group.
    pub unhealthy_hosts: u32,
    /// RDS CPU utilisation, percent.
    pub rds_cpu_percent: u32,
    /// RDS free storage space, GiB.
    pub rds_free_storage_gib: u32,
    /// RDS freeable memory, MiB.
    pub rds_freeable_memory_mib: u32,
    /// RDS database connections.
    pub rds_connections: u32,
}

impl Default for AlarmThresholds {
    fn default() -> Self {
        AlarmThresholds {
            ecs_cpu_percent: 80,
            ecs_memory_percent: 80,
            alb_5xx_count: 10,
            target_response_time_seconds: 1.0,
            unhealthy_hosts: 0,
            rds_cpu_percent: 80,
            rds_free_storage_gib: 5,
            rds_freeable_memory_mib: 128,
            rds_connections: 100,
        }
    }
}
