//! The data and operations modules' values: rds, backup, amplify, monitoring.

use std::collections::BTreeMap;

use serde::Serialize;

use super::waiver;
use crate::config::Stage;
use crate::model::Architecture;
use crate::model::data::{BACKUP_COMPLETION_WINDOW_MINUTES, BACKUP_START_WINDOW_MINUTES};

/// Logs RDS exports to CloudWatch Logs.
pub const RDS_LOG_EXPORTS: [&str; 2] = ["postgresql", "upgrade"];

#[derive(Debug, Clone, Serialize)]
pub struct RdsContext {
    pub engine_version: String,
    /// `postgres17` for 17.x.
    pub parameter_group_family: String,
    pub instance_class: String,
    pub allocated_storage: u32,
    pub max_allocated_storage: u32,
    pub multi_az: bool,
    pub db_name: String,
    pub username: String,
    pub backup_retention_days: u32,
    pub backup_window: String,
    pub maintenance_window: String,
    pub deletion_protection: bool,
    pub skip_final_snapshot: bool,
    pub performance_insights: bool,
    pub monitoring_interval: u32,
    /// The backend's own role (IAM authentication only).
    pub app_username: String,
    pub log_exports: Vec<&'static str>,
    /// Why a check does not hold here, for checkov, when the environment chose so.
    pub multi_az_waiver: Option<String>,
    pub deletion_protection_waiver: Option<String>,
    pub performance_insights_waiver: Option<String>,
    pub monitoring_waiver: Option<String>,
}

impl RdsContext {
    pub fn new(arch: &Architecture) -> Self {
        let db = &arch.database;
        RdsContext {
            engine_version: db.engine_version.clone(),
            parameter_group_family: format!("postgres{}", db.major_version),
            instance_class: db.instance_class.clone(),
            allocated_storage: db.allocated_storage,
            max_allocated_storage: db.max_allocated_storage,
            multi_az: db.multi_az,
            db_name: db.name.clone(),
            username: db.username.clone(),
            backup_retention_days: db.backup_retention_days,
            backup_window: db.backup_window.clone(),
            maintenance_window: db.maintenance_window.clone(),
            deletion_protection: db.deletion_protection,
            skip_final_snapshot: db.skip_final_snapshot,
            performance_insights: db.performance_insights,
            monitoring_interval: db.enhanced_monitoring_interval,
            app_username: db.app_username.clone(),
            log_exports: RDS_LOG_EXPORTS.to_vec(),
            multi_az_waiver: (!db.multi_az)
                .then(|| waiver("database.multi_az = false", "a single-AZ development database")),
            deletion_protection_waiver: (!db.deletion_protection)
                .then(|| waiver("database.deletion_protection = false", "a development database may be deleted")),
            performance_insights_waiver: (!db.performance_insights).then(|| {
                waiver("database.performance_insights = false", "not offered on every class; a cost choice here")
            }),
            monitoring_waiver: (db.enhanced_monitoring_interval == 0).then(|| {
                waiver("database.enhanced_monitoring_interval = 0", "OS metrics are a cost choice of this environment")
            }),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupContext {
    pub schedule: String,
    /// Minutes AWS Backup has to start, and then to finish, a job: the model checks the
    /// span against the database's own windows.
    pub start_window: u32,
    pub completion_window: u32,
    /// The database's windows, for the README.
    pub rds_backup_window: String,
    pub rds_maintenance_window: String,
    pub retention_days: u32,
    pub copy: Option<BackupCopyContext>,
    /// Development vaults may be deleted with their recovery points.
    pub force_destroy: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupCopyContext {
    pub region: String,
    pub retention_days: u32,
}

impl BackupContext {
    pub fn new(arch: &Architecture) -> Self {
        let backup = &arch.backup;
        BackupContext {
            schedule: backup.schedule.to_string(),
            start_window: BACKUP_START_WINDOW_MINUTES,
            completion_window: BACKUP_COMPLETION_WINDOW_MINUTES,
            rds_backup_window: arch.database.backup_window.clone(),
            rds_maintenance_window: arch.database.maintenance_window.clone(),
            retention_days: backup.retention_days,
            copy: backup
                .copy
                .as_ref()
                .map(|copy| BackupCopyContext { region: copy.region.clone(), retention_days: copy.retention_days }),
            force_destroy: arch.stage == Stage::Development,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AmplifyContext {
    pub repository: String,
    pub branch: String,
    /// `PRODUCTION` or `DEVELOPMENT`.
    pub stage: &'static str,
    pub app_root: String,
    /// Build-time environment variables, NEXT_PUBLIC_API_URL included.
    pub environment: BTreeMap<String, String>,
    /// Where the built app lives relative to the repository root, for the build spec.
    pub app_dir_prefix: String,
}

impl AmplifyContext {
    pub fn new(arch: &Architecture) -> Self {
        let frontend = &arch.frontend;
        let mut environment = frontend.environment.clone();
        environment.insert("NEXT_PUBLIC_API_URL".into(), format!("https://{}", arch.dns.api_domain));
        let monorepo = frontend.app_root != ".";
        if monorepo {
            environment.insert("AMPLIFY_MONOREPO_APP_ROOT".into(), frontend.app_root.clone());
        }
        AmplifyContext {
            repository: frontend.repository.clone(),
            branch: frontend.branch.clone(),
            stage: match arch.stage {
                Stage::Production => "PRODUCTION",
                Stage::Development => "DEVELOPMENT",
            },
            app_root: frontend.app_root.clone(),
            environment,
            app_dir_prefix: if monorepo { format!("{}/", frontend.app_root) } else { String::new() },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MonitoringContext {
    pub alarm_emails: Vec<String>,
    pub slack: Option<SlackContext>,
    pub ecs_cpu_percent: u32,
    pub ecs_memory_percent: u32,
    pub alb_5xx_count: u32,
    pub target_response_time_seconds: f64,
    pub unhealthy_hosts: u32,
    pub rds_cpu_percent: u32,
    pub rds_free_storage_gib: u32,
    pub rds_free_storage_bytes: u64,
    pub rds_freeable_memory_mib: u32,
    pub rds_freeable_memory_bytes: u64,
    pub rds_connections: u32,
    /// The critical "no task running" alarm, when it can mean something.
    pub tasks_alarm: Option<TasksAlarm>,
    /// Why there is no such alarm, for the README.
    pub tasks_alarm_absent_because: Option<String>,
    /// The 5xx alarm leaves out the 503s the load balancer answers itself while the target
    /// group has no registered target: with night scale-down that is every request at night,
    /// on purpose. (With targets registered but all unhealthy, the load balancer fails open
    /// and forwards anyway, so real backend failures still count.)
    pub api_5xx_ignores_no_target_503: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlackContext {
    pub workspace_id: String,
    pub channel_id: String,
    /// Where the Chatbot configuration is created: AWS Chatbot's API exists in a few
    /// regions only.
    pub api_region: &'static str,
}

/// Which metric says how many tasks run: Container Insights counts them; without it,
/// the ALB's healthy target count is the closest signal.
#[derive(Debug, Clone, Serialize)]
pub struct TasksAlarm {
    pub namespace: &'static str,
    pub metric_name: &'static str,
    pub statistic: &'static str,
    /// Dimensions are the target group and load balancer (ALB metric) rather than the
    /// cluster and service (Container Insights).
    pub by_target_group: bool,
}

impl MonitoringContext {
    pub fn new(arch: &Architecture) -> Self {
        let monitoring = &arch.monitoring;
        let t = &monitoring.thresholds;
        let (tasks_alarm, tasks_alarm_absent_because) = if arch.service.night_scale_down.is_some() {
            (
                None,
                Some("the service scales to zero every night on purpose (night-scale-down), so a zero-task alarm would fire nightly".to_string()),
            )
        } else if arch.service.container_insights {
            let alarm = TasksAlarm {
                namespace: "ECS/ContainerInsights",
                metric_name: "RunningTaskCount",
                statistic: "Minimum",
                by_target_group: false,
            };
            (Some(alarm), None)
        } else {
            let alarm = TasksAlarm {
                namespace: "AWS/ApplicationELB",
                metric_name: "HealthyHostCount",
                statistic: "Minimum",
                by_target_group: true,
            };
            (Some(alarm), None)
        };
        MonitoringContext {
            alarm_emails: monitoring.alarm_emails.clone(),
            slack: monitoring.slack.as_ref().map(|s| SlackContext {
                workspace_id: s.workspace_id.clone(),
                channel_id: s.channel_id.clone(),
                api_region: crate::model::region::chatbot_api_region(&arch.region),
            }),
            ecs_cpu_percent: t.ecs_cpu_percent,
            ecs_memory_percent: t.ecs_memory_percent,
            alb_5xx_count: t.alb_5xx_count,
            target_response_time_seconds: t.target_response_time_seconds,
            unhealthy_hosts: t.unhealthy_hosts,
            rds_cpu_percent: t.rds_cpu_percent,
            rds_free_storage_gib: t.rds_free_storage_gib,
            rds_free_storage_bytes: u64::from(t.rds_free_storage_gib) * 1024 * 1024 * 1024,
            rds_freeable_memory_mib: t.rds_freeable_memory_mib,
            rds_freeable_memory_bytes: u64::from(t.rds_freeable_memory_mib) * 1024 * 1024,
            rds_connections: t.rds_connections,
            tasks_alarm,
            tasks_alarm_absent_because,
            api_5xx_ignores_no_target_503: arch.service.night_scale_down.is_some(),
        }
    }
}
