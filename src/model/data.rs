//! The validated data and operations sections: database, backup, frontend, monitoring.

use std::collections::BTreeMap;

use super::credentials;
use super::edge::in_range;
use super::schedule::Cron;
use super::service::valid_env_name;
use super::{Checks, names, path, region};
use crate::config::{AlarmThresholds, Settings};
use crate::diagnostic::did_you_mean;

/// PostgreSQL major versions RDS offers that infragen supports (16 or later).
pub const POSTGRES_MAJOR_VERSIONS: [u32; 3] = [16, 17, 18];

/// Enhanced monitoring intervals RDS accepts (0 is off).
pub const MONITORING_INTERVALS: [u32; 7] = [0, 1, 5, 10, 15, 30, 60];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub engine_version: String,
    /// The major version, e.g. 17: it names the parameter group family `postgres17`.
    pub major_version: u32,
    pub instance_class: String,
    pub allocated_storage: u32,
    pub max_allocated_storage: u32,
    pub multi_az: bool,
    pub name: String,
    pub username: String,
    pub backup_retention_days: u32,
    pub backup_window: String,
    pub maintenance_window: String,
    pub deletion_protection: bool,
    pub skip_final_snapshot: bool,
    pub performance_insights: bool,
    pub enhanced_monitoring_interval: u32,
    /// The backend's own role, IAM authentication only.
    pub app_username: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub schedule: Cron,
    pub retention_days: u32,
    pub copy: Option<BackupCopy>,
}

/// Copies of every backup to a vault in a second region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCopy {
    pub region: String,
    pub retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontend {
    pub repository: String,
    pub branch: String,
    pub app_root: String,
    pub environment: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Monitoring {
    pub alarm_emails: Vec<String>,
    pub slack: Option<Slack>,
    pub thresholds: AlarmThresholds,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slack {
    pub workspace_id: String,
    pub channel_id: String,
}

/// Instance classes RDS for PostgreSQL offers, by family and size.
fn known_instance_classes() -> Vec<String> {
    let burstable = ["t3", "t4g"];
    let burstable_sizes = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
    let standard = ["m5", "m6g", "m6i", "m7g", "m7i", "m8g", "r5", "r6g", "r6i", "r7g", "r7i", "r8g"];
    let standard_sizes = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
    let mut classes = Vec::new();
    for family in burstable {
        classes.extend(burstable_sizes.iter().map(|size| format!("db.{family}.{size}")));
    }
    for family in standard {
        classes.extend(standard_sizes.iter().map(|size| format!("db.{family}.{size}")));
    }
    classes
}

/// Classes too small for Performance Insights.
fn lacks_performance_insights(class: &str) -> bool {
    ["micro", "small"].iter().any(|size| class.ends_with(&format!(".{size}")))
}

impl Database {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Database {
        let raw = &settings.database;
        let major_version = parse_engine_version(&raw.engine_version);
        match major_version {
            Some(major) if POSTGRES_MAJOR_VERSIONS.contains(&major) => {}
            _ => checks.error(
                &path("database.engine_version"),
                format!(
                    "`database.engine_version` must be a supported PostgreSQL version ({}, optionally with a minor version such as \"17.6\"), found \"{}\"",
                    POSTGRES_MAJOR_VERSIONS.map(|v| v.to_string()).join(", "),
                    raw.engine_version
                ),
                None,
            ),
        }
        let classes = known_instance_classes();
        if !classes.contains(&raw.instance_class) {
            let help = match did_you_mean(&raw.instance_class, classes.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "for example db.t4g.micro, db.t4g.medium, db.m7g.large or db.r6g.xlarge".to_string(),
            };
            checks.error(
                &path("database.instance_class"),
                format!(
                    "`database.instance_class` \"{}\" is not an instance class RDS for PostgreSQL offers",
                    raw.instance_class
                ),
                help,
            );
        } else if raw.performance_insights && lacks_performance_insights(&raw.instance_class) {
            checks.error(
                &path("database.performance_insights"),
                format!("Performance Insights is not available on {}", raw.instance_class),
                Some("set `database.performance_insights = false`, or use a medium class or larger".to_string()),
            );
        }
        in_range(checks, "database.allocated_storage", raw.allocated_storage, 20, 65536, "GiB");
        if raw.max_allocated_storage < raw.allocated_storage || raw.max_allocated_storage > 65536 {
            checks.error(
                &path("database.max_allocated_storage"),
                format!(
                    "`database.max_allocated_storage` must be from `database.allocated_storage` ({}) to 65536 GiB, found {}",
                    raw.allocated_storage, raw.max_allocated_storage
                ),
                None,
            );
        }
        for (field, value) in [("name", &raw.name), ("username", &raw.username), ("app_username", &raw.app_username)] {
            let at = path("database").key(field);
            let lowered = value.to_ascii_lowercase();
            if !valid_pg_identifier(value) {
                checks.error(
                    &at,
                    format!(
                        "`{at}` must start with a letter and hold at most 63 letters, digits or `_`, found \"{value}\""
                    ),
                    None,
                );
            } else if ["rdsadmin", "postgres", "template0", "template1"].contains(&lowered.as_str())
                || lowered.starts_with("pg_")
                || lowered.starts_with("rds_")
            {
                checks.error(&at, format!("`{at}`: \"{value}\" is reserved by PostgreSQL or RDS"), None);
            }
        }
        // The master user keeps its password login: a role with rds_iam can only log in
        // with IAM tokens, so the backend's role must be another one.
        if raw.app_username.eq_ignore_ascii_case(&raw.username) {
            checks.error(
                &path("database.app_username"),
                format!(
                    "`database.app_username` must differ from the master user `database.username` (\"{}\")",
                    raw.username
                ),
                Some("the backend connects as its own least-privilege role, never as the master user".to_string()),
            );
        }
        in_range(checks, "database.backup_retention_days", raw.backup_retention_days, 1, 35, "days");
        let backup = parse_window(&raw.backup_window, false);
        if backup.is_none() {
            checks.error(
                &path("database.backup_window"),
                format!("`database.backup_window` must be a UTC window \"hh:mm-hh:mm\" of at least 30 minutes, found \"{}\"", raw.backup_window),
                None,
            );
        }
        let maintenance = parse_window(&raw.maintenance_window, true);
        if maintenance.is_none() {
            checks.error(
                &path("database.maintenance_window"),
                format!(
                    "`database.maintenance_window` must be a UTC window \"ddd:hh:mm-ddd:hh:mm\" of at least 30 minutes, e.g. \"sun:18:30-sun:19:30\", found \"{}\"",
                    raw.maintenance_window
                ),
                None,
            );
        }
        if let (Some(backup), Some(maintenance)) = (backup, maintenance) {
            // The backup window repeats every day of the week.
            let overlaps = (0..7).any(|day| {
                let (start, end) = (backup.0 + day * 1440, backup.1 + day * 1440);
                ranges_overlap((start, end), maintenance)
                    || ranges_overlap((start + WEEK, end + WEEK), maintenance)
                    || ranges_overlap((start, end), (maintenance.0 + WEEK, maintenance.1 + WEEK))
            });
            if overlaps {
                checks.error(
                    &path("database.maintenance_window"),
                    format!(
                        "`database.maintenance_window` ({}) overlaps the daily `database.backup_window` ({})",
                        raw.maintenance_window, raw.backup_window
                    ),
                    None,
                );
            }
        }
        if !MONITORING_INTERVALS.contains(&raw.enhanced_monitoring_interval) {
            checks.error(
                &path("database.enhanced_monitoring_interval"),
                format!(
                    "`database.enhanced_monitoring_interval` must be one of 0, 1, 5, 10, 15, 30 or 60 seconds, found {}",
                    raw.enhanced_monitoring_interval
                ),
                None,
            );
        }
        Database {
            engine_version: raw.engine_version.clone(),
            major_version: major_version.unwrap_or_default(),
            instance_class: raw.instance_class.clone(),
            allocated_storage: raw.allocated_storage,
            max_allocated_storage: raw.max_allocated_storage,
            multi_az: raw.multi_az,
            name: raw.name.clone(),
            username: raw.username.clone(),
            backup_retention_days: raw.backup_retention_days,
            backup_window: raw.backup_window.clone(),
            maintenance_window: raw.maintenance_window.clone(),
            deletion_protection: raw.deletion_protection,
            skip_final_snapshot: raw.skip_final_snapshot,
            performance_insights: raw.performance_insights,
            enhanced_monitoring_interval: raw.enhanced_monitoring_interval,
            app_username: raw.app_username.clone(),
        }
    }
}

const WEEK: u32 = 7 * 1440;

fn ranges_overlap(a: (u32, u32), b: (u32, u32)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// `17` or `17.6` → 17.
fn parse_engine_version(text: &str) -> Option<u32> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(major),
        (Some(minor), None) if !minor.is_empty() && minor.chars().all(|c| c.is_ascii_digit()) => Some(major),
        _ => None,
    }
}

fn valid_pg_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A window as minutes of the week: `hh:mm-hh:mm` (daily, day 0) or `ddd:hh:mm-ddd:hh:mm`.
/// The end may wrap past midnight (or the week); it is then moved forward.
fn parse_window(text: &str, weekly: bool) -> Option<(u32, u32)> {
    let (from, to) = text.split_once('-')?;
    let point = |p: &str| -> Option<u32> {
        let fields: Vec<&str> = p.split(':').collect();
        let (day, hour, minute) = match (weekly, fields.as_slice()) {
            (false, [h, m]) => (0, h, m),
            (true, [d, h, m]) => {
                let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
                (days.iter().position(|x| x.eq_ignore_ascii_case(d))? as u32, h, m)
            }
            _ => return None,
        };
        if hour.len() != 2 || minute.len() != 2 {
            return None;
        }
        let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
        (hour < 24 && minute < 60).then_some(day * 1440 + hour * 60 + minute)
    };
    let (start, mut end) = (point(from)?, point(to)?);
    if end <= start {
        end += if weekly { WEEK } else { 1440 };
    }
    (end - start >= 30).then_some((start, end))
}

/// Minutes AWS Backup has to start a job after its scheduled time (`start_window`).
pub const BACKUP_START_WINDOW_MINUTES: u32 = 60;
/// Minutes a started job has to finish (`completion_window`): AWS Backup's database
/// snapshot may run any time within them.
pub const BACKUP_COMPLETION_WINDOW_MINUTES: u32 = 180;
/// AWS Backup starts no database backup within this long before, or during, the
/// database's maintenance window.
pub const BACKUP_MAINTENANCE_MARGIN_MINUTES: u32 = 60;
/// RDS's automated backup runs past the end of its window until it is done; this long is
/// kept clear of AWS Backup's jobs after the window (an assumption: a day's backup of a
/// small database takes minutes).
pub const RDS_BACKUP_OVERRUN_MINUTES: u32 = 60;

/// Whether two spans of minutes of the week overlap, with spans wrapping past the week.
fn overlap_in_week(a: (u32, u32), b: (u32, u32)) -> bool {
    [0, WEEK, 2 * WEEK].iter().any(|shift| ranges_overlap((a.0 + shift, a.1 + shift), (b.0 + WEEK, b.1 + WEEK)))
}

/// `hh:mm` (UTC) of a minute of the week, with its day when `weekly`.
fn clock(minute: u32, weekly: bool) -> String {
    let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let minute = minute % WEEK;
    let time = format!("{:02}:{:02}", minute % 1440 / 60, minute % 60);
    if weekly { format!("{} {time}", days[(minute / 1440) as usize]) } else { time }
}

/// AWS Backup's daily database snapshot against RDS's own windows: its jobs may not run
/// while RDS's automated backup does (the window, and an hour after it, as that backup
/// runs on until it is done), nor start within an hour before or during the maintenance
/// window, when AWS Backup does not start database backups.
fn check_backup_windows(checks: &mut Checks<'_>, settings: &Settings, schedule: &Cron) {
    let raw = &settings.database;
    let (Some(rds_backup), Some(maintenance)) =
        (parse_window(&raw.backup_window, false), parse_window(&raw.maintenance_window, true))
    else {
        return; // reported with the database
    };
    let Some(starts) = schedule.weekly_times() else { return };
    let at = path("backup.schedule");
    let busy = (rds_backup.0, rds_backup.1 + RDS_BACKUP_OVERRUN_MINUTES);
    if let Some(start) = starts.iter().find(|start| {
        let job = (**start, *start + BACKUP_COMPLETION_WINDOW_MINUTES);
        (0..7).any(|day| overlap_in_week(job, (busy.0 + day * 1440, busy.1 + day * 1440)))
    }) {
        checks.error(
            &at,
            format!(
                "`backup.schedule` ({}) runs AWS Backup's database snapshot from {} to {} UTC (start within {BACKUP_START_WINDOW_MINUTES} minutes, done within {BACKUP_COMPLETION_WINDOW_MINUTES}), into RDS's automated backup: `database.backup_window` ({}) and the hour after it",
                settings.backup.schedule,
                clock(*start, false),
                clock(start + BACKUP_COMPLETION_WINDOW_MINUTES, false),
                raw.backup_window,
            ),
            format!(
                "start AWS Backup at least {RDS_BACKUP_OVERRUN_MINUTES} minutes after the RDS backup window ends, or {BACKUP_COMPLETION_WINDOW_MINUTES} minutes before it starts"
            ),
        );
    }
    let blocked_from = (maintenance.0 + WEEK - BACKUP_MAINTENANCE_MARGIN_MINUTES) % WEEK;
    let blocked = (blocked_from, blocked_from + BACKUP_MAINTENANCE_MARGIN_MINUTES + maintenance.1 - maintenance.0);
    if let Some(start) =
        starts.iter().find(|start| overlap_in_week((**start, *start + BACKUP_START_WINDOW_MINUTES), blocked))
    {
        checks.error(
            &at,
            format!(
                "`backup.schedule` ({}) starts AWS Backup on {} UTC, within an hour before or during `database.maintenance_window` ({}), when AWS Backup starts no database backup",
                settings.backup.schedule,
                clock(*start, true),
                raw.maintenance_window,
            ),
            Some(format!(
                "move the schedule, or the maintenance window, so that the {BACKUP_START_WINDOW_MINUTES} minutes after each start end at least an hour before the maintenance window"
            )),
        );
    }
}

impl Backup {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Option<Backup> {
        let raw = &settings.backup;
        let schedule = match Cron::parse(&raw.schedule) {
            Ok(cron) => Some(cron),
            Err(problem) => {
                checks.error(
                    &path("backup.schedule"),
                    format!("`backup.schedule` is not a valid schedule: {problem}, in \"{}\"", raw.schedule),
                    None,
                );
                None
            }
        };
        if let Some(schedule) = &schedule {
            check_backup_windows(checks, settings, schedule);
        }
        in_range(checks, "backup.retention_days", raw.retention_days, 1, 36500, "days");
        let copy = raw.cross_region_copy.then(|| {
            let copy_region = &raw.copy_region;
            let at = path("backup.copy_region");
            if copy_region.is_empty() {
                checks.error(
                    &at,
                    format!(
                        "`backup.copy_region` has no default in {}: no other region shares its country or legal area",
                        settings.region
                    ),
                    Some("choose the region that may hold copies of this environment's data and set `backup.copy_region`".to_string()),
                );
            } else if !region::is_known(copy_region) {
                let help = match did_you_mean(copy_region, region::names()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "for example \"ap-northeast-3\" (Osaka) for a Tokyo environment".to_string(),
                };
                checks.error(&at, format!("`backup.copy_region` must be an AWS region code, found \"{copy_region}\""), help);
            } else if *copy_region == settings.region {
                checks.error(
                    &at,
                    format!("`backup.copy_region` is the environment's own region ({copy_region}); a copy must go to a second region"),
                    Some("for example \"ap-northeast-3\" (Osaka) for a Tokyo environment".to_string()),
                );
            }
            in_range(checks, "backup.copy_retention_days", raw.copy_retention_days, 1, 36500, "days");
            BackupCopy { region: copy_region.clone(), retention_days: raw.copy_retention_days }
        });
        Some(Backup { schedule: schedule?, retention_days: raw.retention_days, copy })
    }
}

impl Frontend {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Frontend {
        let raw = &settings.frontend;
        let host = raw.repository.strip_prefix("https://").and_then(|rest| rest.split('/').next()).unwrap_or_default();
        // Characters a URL needs and nothing that could mean something where the URL is
        // written (a quote, a backslash, `${`, markup, a control character).
        let url_safe = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#@!&+,;=%".contains(c);
        if host.is_empty() || names::check_domain_name(host).is_err() || !raw.repository.chars().all(url_safe) {
            checks.error(
                &path("frontend.repository"),
                // A URL with credentials in it is not repeated.
                if raw.repository.contains('@') {
                    "`frontend.repository` must be the HTTPS URL of a Git repository, without credentials in it (the value is not repeated here)".to_string()
                } else {
                    format!(
                        "`frontend.repository` must be the HTTPS URL of a Git repository, found \"{}\"",
                        raw.repository.escape_debug()
                    )
                },
                Some("for example \"https://github.com/acme/web\"".to_string()),
            );
        }
        if !valid_branch(&raw.branch) {
            checks.error(
                &path("frontend.branch"),
                format!("`frontend.branch` is not a valid Git branch name: \"{}\"", raw.branch),
                None,
            );
        }
        let root = &raw.app_root;
        // A directory name of ordinary characters: it lands in Terraform, the Amplify build
        // settings and the README, and nothing else is a directory of a web app.
        let plain_part = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@' | b'+'))
        };
        if root != "." && (root.len() > 255 || !root.split('/').all(plain_part)) {
            checks.error(
                &path("frontend.app_root"),
                format!(
                    "`frontend.app_root` must be a relative directory inside the repository (\".\" for its root) of letters, digits, `.`, `_`, `-`, `@`, `+` and `/`, found \"{}\"",
                    root.escape_debug()
                ),
                None,
            );
        }
        for (key, value) in &raw.environment {
            let at = path("frontend.environment").key(key);
            if let Some(reason) = credentials::suspected(key, value) {
                checks.error(
                    &at,
                    format!("`frontend.environment.{key}` looks like a credential ({reason}); plain variables are written into main.tf and every plan"),
                    Some("keep it in Secrets Manager or SSM Parameter Store and let the build read it from there".to_string()),
                );
            } else if ["NEXT_PUBLIC_API_URL", "AMPLIFY_MONOREPO_APP_ROOT"].contains(&key.as_str()) {
                checks.error(&at, format!("`{key}` is set by infragen; remove it from `frontend.environment`"), None);
            } else if !valid_env_name(key) {
                checks.error(&at, format!("`{key}` is not an environment variable name"), None);
            }
        }
        Frontend {
            repository: raw.repository.clone(),
            branch: raw.branch.clone(),
            app_root: raw.app_root.clone(),
            environment: raw.environment.clone(),
        }
    }
}

fn valid_branch(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name.chars().any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
}

impl Monitoring {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Monitoring {
        let raw = &settings.monitoring;
        for (index, email) in raw.alarm_emails.iter().enumerate() {
            if !valid_email(email) {
                let at = path("monitoring.alarm_emails").index(index);
                checks.error(&at, format!("`{at}` is not an e-mail address: \"{email}\""), None);
            }
        }
        let slack = raw.slack.as_ref().map(|slack| {
            if !slack_id(&slack.workspace_id, &['T']) {
                checks.error(
                    &path("monitoring.slack.workspace_id"),
                    format!(
                        "`monitoring.slack.workspace_id` must be a Slack workspace ID: `T` and 8 to 11 uppercase letters or digits, found \"{}\"",
                        slack.workspace_id
                    ),
                    Some("Slack shows it under workspace settings; AWS Chatbot lists it once the workspace is authorised".to_string()),
                );
            }
            if !slack_id(&slack.channel_id, &['C', 'G']) {
                checks.error(
                    &path("monitoring.slack.channel_id"),
                    format!(
                        "`monitoring.slack.channel_id` must be a Slack channel ID: `C` (or `G` for a private channel) and 8 to 11 uppercase letters or digits, found \"{}\"",
                        slack.channel_id
                    ),
                    Some("copy it from the channel's details in Slack (it is not the channel's name)".to_string()),
                );
            }
            Slack { workspace_id: slack.workspace_id.clone(), channel_id: slack.channel_id.clone() }
        });
        let t = &raw.thresholds;
        for (field, value) in [
            ("ecs_cpu_percent", t.ecs_cpu_percent),
            ("ecs_memory_percent", t.ecs_memory_percent),
            ("rds_cpu_percent", t.rds_cpu_percent),
        ] {
            in_range(checks, &format!("monitoring.thresholds.{field}"), value, 1, 100, "percent");
        }
        for (field, value) in [
            ("alb_5xx_count", t.alb_5xx_count),
            ("rds_free_storage_gib", t.rds_free_storage_gib),
            ("rds_freeable_memory_mib", t.rds_freeable_memory_mib),
            ("rds_connections", t.rds_connections),
        ] {
            in_range(checks, &format!("monitoring.thresholds.{field}"), value, 1, u32::MAX, "");
        }
        if !(t.target_response_time_seconds > 0.0 && t.target_response_time_seconds <= 60.0) {
            checks.error(
                &path("monitoring.thresholds.target_response_time_seconds"),
                format!(
                    "`monitoring.thresholds.target_response_time_seconds` must be above 0 and at most 60, found {}",
                    t.target_response_time_seconds
                ),
                None,
            );
        }
        Monitoring { alarm_emails: raw.alarm_emails.clone(), slack, thresholds: t.clone() }
    }

    /// Whether alarms reach anyone.
    pub fn has_destination(&self) -> bool {
        !self.alarm_emails.is_empty() || self.slack.is_some()
    }
}

fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && names::check_domain_name(&domain.to_ascii_lowercase()).is_ok()
}

fn slack_id(id: &str, prefixes: &[char]) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| prefixes.contains(&c))
        && (9..=12).contains(&id.len())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_versions() {
        assert_eq!(parse_engine_version("17"), Some(17));
        assert_eq!(parse_engine_version("16.4"), Some(16));
        assert_eq!(parse_engine_version("16.4.1"), None);
        assert_eq!(parse_engine_version("sixteen"), None);
        assert_eq!(parse_engine_version("16."), None);
    }

    #[test]
    fn windows() {
        assert_eq!(parse_window("17:00-18:00", false), Some((1020, 1080)));
        assert_eq!(parse_window("23:45-00:15", false), Some((1425, 1455)));
        assert_eq!(parse_window("17:00-17:10", false), None);
        assert_eq!(parse_window("sat:18:30-sat:19:30", true), Some((6 * 1440 + 1110, 6 * 1440 + 1170)));
        assert_eq!(parse_window("sat:23:30-sun:00:30", true), Some((6 * 1440 + 1410, 7 * 1440 + 30)));
        assert_eq!(parse_window("7:00-8:00", false), None);
        assert_eq!(parse_window("xyz:10:00-xyz:11:00", true), None);
    }

    #[test]
    fn emails_branches_and_slack_ids() {
        assert!(
            valid_email("ops+alerts@example.co.jp") && !valid_email("ops@localhost") && !valid_email("@example.com")
        );
        assert!(
            valid_branch("main") && valid_branch("release/2026-11") && !valid_branch("a..b") && !valid_branch("x y")
        );
        assert!(slack_id("T01ABCDEF23", &['T']) && !slack_id("t01abcdef23", &['T']) && !slack_id("T0", &['T']));
        assert!(slack_id("G01ABCDEF23", &['C', 'G']) && !slack_id("#alerts", &['C', 'G']));
    }

    #[test]
    fn instance_classes() {
        let classes = known_instance_classes();
        assert!(classes.contains(&"db.t4g.micro".to_string()) && classes.contains(&"db.r6g.xlarge".to_string()));
        assert!(lacks_performance_insights("db.t4g.micro") && !lacks_performance_insights("db.t4g.medium"));
    }
}
