//! The validated backend service: task size, counts, autoscaling and its schedule.

use std::collections::BTreeMap;

use super::credentials;
use super::edge::in_range;
use super::schedule::{Cron, hours_between};
use super::secrets::{self, ContainerSecret};
use super::{Checks, path};
use crate::config::{CpuArchitecture, Settings};

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub cpu: u32,
    pub memory: u32,
    pub architecture: CpuArchitecture,
    pub port: u16,
    pub min_count: u32,
    pub desired_count: u32,
    pub max_count: u32,
    pub health_check_grace_period: u32,
    pub container_insights: bool,
    /// Arguments of the migration command (exec form); empty when there is none.
    pub migrate_command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Secret variables by reference (`service.secrets`), read by ECS at task start.
    pub secrets: Vec<ContainerSecret>,
    /// Customer-managed keys the execution role may decrypt the secrets with.
    pub secrets_kms_key_arns: Vec<String>,
    pub ecr_keep_images: u32,
    /// IAM managed policies attached to the task role as they are (an escape hatch).
    pub task_policy_arns: Vec<String>,
    pub autoscaling: Autoscaling,
    pub night_scale_down: Option<NightSchedule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscaling {
    pub cpu_target: u32,
    pub memory_target: u32,
    pub requests_per_target: u32,
    pub scale_in_cooldown: u32,
    pub scale_out_cooldown: u32,
}

/// Scale to zero between `stop` and `start` every night.
#[derive(Debug, Clone, PartialEq)]
pub struct NightSchedule {
    pub stop: Cron,
    pub start: Cron,
    pub timezone: String,
    /// Hours a night at zero tasks, when both expressions are plain daily times.
    pub hours_per_night: Option<f64>,
}

/// Environment variables infragen sets on the container itself (`DATABASE_PASSWORD` is
/// reserved so that no password is ever put next to the IAM-authenticated user).
pub const RESERVED_ENVIRONMENT: [&str; 13] = [
    "PORT",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_USERNAME",
    "DATABASE_PASSWORD",
    "DATABASE_AUTH",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_USERNAME",
    "REDIS_TLS",
    "IMAGES_BUCKET",
    "IMAGES_URL",
];

/// The memory sizes (MiB) Fargate accepts for each CPU size (Linux, platform 1.4).
pub fn fargate_memory_choices(cpu: u32) -> Option<Vec<u32>> {
    let steps = |from: u32, to: u32, step: u32| (from..=to).step_by(step as usize).collect::<Vec<u32>>();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => steps(1024, 4096, 1024),
        1024 => steps(2048, 8192, 1024),
        2048 => steps(4096, 16384, 1024),
        4096 => steps(8192, 30720, 1024),
        8192 => steps(16384, 61440, 4096),
        16384 => steps(32768, 122880, 8192),
        _ => return None,
    })
}

impl Service {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Service {
        let raw = &settings.service;
        match fargate_memory_choices(raw.cpu) {
            None => checks.error(
                &path("service.cpu"),
                format!(
                    "`service.cpu` must be a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192 or 16384), found {}",
                    raw.cpu
                ),
                None,
            ),
            Some(choices) if !choices.contains(&raw.memory) => checks.error(
                &path("service.memory"),
                format!("`service.memory` {} MiB is not a size Fargate offers with {} CPU units", raw.memory, raw.cpu),
                Some(format!("with cpu = {}, use one of {}", raw.cpu, describe_choices(&choices))),
            ),
            Some(_) => {}
        }
        if raw.port == 0 {
            checks.error(&path("service.port"), "`service.port` must be a TCP port from 1 to 65535, found 0", None);
        }
        if raw.max_count == 0 {
            checks.error(&path("service.max_count"), "`service.max_count` must be at least 1", None);
        }
        if raw.min_count > raw.desired_count || raw.desired_count > raw.max_count {
            checks.error(
                &path("service.desired_count"),
                format!(
                    "the task counts must satisfy min_count <= desired_count <= max_count, found {} <= {} <= {}",
                    raw.min_count, raw.desired_count, raw.max_count
                ),
                None,
            );
        }
        check_migrate_command(checks, &raw.migrate_command);
        for (key, value) in &raw.environment {
            let at = path("service.environment").key(key);
            if let Some(reason) = credentials::suspected(key, value) {
                checks.error(
                    &at,
                    format!("`service.environment.{key}` looks like a credential ({reason}); plain variables are written into main.tf and every plan"),
                    Some(format!("keep it in Secrets Manager or SSM Parameter Store and move it to `[service.secrets]` by the ARN, e.g. `{key} = \"arn:aws:ssm:<region>:<account>:parameter/<name>\"`: ECS reads it when a task starts")),
                );
            } else if RESERVED_ENVIRONMENT.contains(&key.as_str()) {
                checks.error(
                    &at,
                    format!("`{key}` is set by infragen on the container; remove it from `service.environment`"),
                    None,
                );
            } else if !valid_env_name(key) {
                checks.error(
                    &at,
                    format!("`{key}` is not an environment variable name (letters, digits and `_`, not starting with a digit)"),
                    None,
                );
            }
        }
        let (container_secrets, secrets_kms_key_arns) = secrets::from_settings(checks, settings);
        for (index, arn) in raw.task_policy_arns.iter().enumerate() {
            if !valid_policy_arn(arn) {
                checks.error(
                    &path("service.task_policy_arns").index(index),
                    format!("`service.task_policy_arns[{index}]` must be the ARN of an IAM managed policy, found \"{arn}\""),
                    Some("e.g. \"arn:aws:iam::123456789012:policy/backend-sqs\" or \"arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess\"".to_string()),
                );
            } else if raw.task_policy_arns[..index].contains(arn) {
                checks.error(
                    &path("service.task_policy_arns").index(index),
                    format!("`service.task_policy_arns[{index}]` repeats \"{arn}\""),
                    None,
                );
            }
        }
        in_range(checks, "service.ecr_keep_images", raw.ecr_keep_images, 1, 1000, "images");
        in_range(checks, "service.health_check_grace_period", raw.health_check_grace_period, 0, 7200, "seconds");

        let scaling = &raw.autoscaling;
        in_range(checks, "service.autoscaling.cpu_target", scaling.cpu_target, 1, 100, "percent");
        in_range(checks, "service.autoscaling.memory_target", scaling.memory_target, 1, 100, "percent");
        in_range(
            checks,
            "service.autoscaling.requests_per_target",
            scaling.requests_per_target,
            1,
            1_000_000,
            "requests",
        );
        in_range(checks, "service.autoscaling.scale_in_cooldown", scaling.scale_in_cooldown, 0, 3600, "seconds");
        in_range(checks, "service.autoscaling.scale_out_cooldown", scaling.scale_out_cooldown, 0, 3600, "seconds");

        let night = &raw.night_scale_down;
        let mut cron = |field: &str, text: &str| match Cron::parse(text) {
            Ok(cron) => Some(cron),
            Err(problem) => {
                let at = path("service.night_scale_down").key(field);
                checks.error(&at, format!("`{at}` is not a valid schedule: {problem}, in \"{text}\""), None);
                None
            }
        };
        let stop = cron("stop", &night.stop);
        let start = cron("start", &night.start);
        if !valid_timezone(&night.timezone) {
            checks.error(
                &path("service.night_scale_down.timezone"),
                format!("`service.night_scale_down.timezone` must be an IANA time zone such as \"Asia/Tokyo\" or \"UTC\", found \"{}\"", night.timezone),
                None,
            );
        }
        let night_scale_down = match (night.enabled, stop, start) {
            (true, Some(stop), Some(start)) => Some(NightSchedule {
                hours_per_night: hours_between(&stop, &start),
                stop,
                start,
                timezone: night.timezone.clone(),
            }),
            _ => None,
        };

        Service {
            cpu: raw.cpu,
            memory: raw.memory,
            architecture: raw.architecture,
            port: raw.port,
            min_count: raw.min_count,
            desired_count: raw.desired_count,
            max_count: raw.max_count,
            health_check_grace_period: raw.health_check_grace_period,
            container_insights: raw.container_insights,
            migrate_command: raw.migrate_command.clone(),
            environment: raw.environment.clone(),
            secrets: container_secrets,
            secrets_kms_key_arns,
            ecr_keep_images: raw.ecr_keep_images,
            task_policy_arns: raw.task_policy_arns.clone(),
            autoscaling: Autoscaling {
                cpu_target: scaling.cpu_target,
                memory_target: scaling.memory_target,
                requests_per_target: scaling.requests_per_target,
                scale_in_cooldown: scaling.scale_in_cooldown,
                scale_out_cooldown: scaling.scale_out_cooldown,
            },
            night_scale_down,
        }
    }
}

/// `2048, 3072 or 4096` style.
fn describe_choices(choices: &[u32]) -> String {
    match choices {
        [] => String::new(),
        [only] => only.to_string(),
        [init @ .., last] => format!("{} or {last}", init.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// Most characters of the migration command, all arguments together: ECS takes the
/// command in the task definition (and its overrides) as a few KB of JSON.
pub const MIGRATE_COMMAND_MAX_CHARS: usize = 4096;

/// The migration command runs without a shell, each element one argument: an empty
/// element or a control character is a mistake in the file, never a wanted argument.
fn check_migrate_command(checks: &mut Checks<'_>, command: &[String]) {
    let at = path("service.migrate_command");
    for (index, argument) in command.iter().enumerate() {
        if argument.is_empty() {
            checks.error(
                &at.index(index),
                format!("`service.migrate_command[{index}]` is empty; every element is one argument of the command"),
                Some("remove the empty element".to_string()),
            );
        } else if argument.chars().any(char::is_control) {
            checks.error(
                &at.index(index),
                format!("`service.migrate_command[{index}]` contains a control character (a newline or tab)"),
                Some(
                    "write the command in exec form, one argument per element, e.g. [\"/app/backend\", \"migrate\"]"
                        .to_string(),
                ),
            );
        }
    }
    let total: usize = command.iter().map(String::len).sum();
    if total > MIGRATE_COMMAND_MAX_CHARS {
        checks.error(
            &at,
            format!(
                "`service.migrate_command` has {total} characters; at most {MIGRATE_COMMAND_MAX_CHARS} are allowed"
            ),
            Some("move the logic into a script in the image and call that".to_string()),
        );
    }
}

pub fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_timezone(zone: &str) -> bool {
    if zone == "UTC" {
        return true;
    }
    let mut parts = zone.split('/');
    let area = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    !area.is_empty()
        && area.chars().all(|c| c.is_ascii_alphabetic())
        && !rest.is_empty()
        && rest.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c)))
}

/// `arn:<partition>:iam::<account or aws>:policy/<path and name>`, as IAM names managed
/// policies.
fn valid_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_word, partition, service, region, account, resource] = parts.as_slice() else { return false };
    let name = resource.strip_prefix("policy/").unwrap_or_default();
    *arn_word == "arn"
        && matches!(*partition, "aws" | "aws-cn" | "aws-us-gov")
        && *service == "iam"
        && region.is_empty()
        && (*account == "aws" || (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())))
        && !name.is_empty()
        && !name.ends_with('/')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes() {
        assert_eq!(fargate_memory_choices(256), Some(vec![512, 1024, 2048]));
        assert_eq!(fargate_memory_choices(512).map(|c| c.len()), Some(4));
        assert!(fargate_memory_choices(8192).is_some_and(|c| c.contains(&61440) && !c.contains(&17408)));
        assert_eq!(fargate_memory_choices(300), None);
        assert_eq!(describe_choices(&[1024, 2048, 3072]), "1024, 2048 or 3072");
    }

    #[test]
    fn names_and_zones() {
        assert!(valid_env_name("RUST_LOG") && !valid_env_name("1X") && !valid_env_name("A-B"));
        assert!(
            valid_timezone("Asia/Tokyo") && valid_timezone("America/Argentina/Buenos_Aires") && valid_timezone("UTC")
        );
        assert!(!valid_timezone("Tokyo") && !valid_timezone("Asia/") && !valid_timezone("Asia/To kyo"));
    }
}
