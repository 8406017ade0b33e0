//! The ecs module's values.

use std::collections::BTreeMap;

use serde::Serialize;

use super::waiver;
use crate::model::Architecture;

#[derive(Debug, Clone, Serialize)]
pub struct EcsContext {
    pub cpu: u32,
    pub memory: u32,
    pub cpu_architecture: &'static str,
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
    pub image_tag: String,
    pub environment: BTreeMap<String, String>,
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
    /// The application needs AWS permissions of its own (database or cache IAM
    /// authentication, the images bucket).
    pub task_role_statements: bool,
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
            port: service.port,
            min_count: service.min_count,
            desired_count: service.desired_count,
            max_count: service.max_count,
            health_check_grace_period: service.health_check_grace_period,
            container_insights: service.container_insights,
            container_insights_setting: if service.container_insights { "enabled" } else { "disabled" },
            container_insights_waiver: (!service.container_insights).then(|| {
                waiver(
                    arch,
                    "service.container_insights = false",
                    "per-task metrics are a cost choice of this environment",
                )
            }),
            image_tag: service.image_tag.clone(),
            environment: service.environment.clone(),
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
            task_role_statements: arch.database.iam_authentication || arch.cache.is_some() || arch.cdn.images,
        }
    }
}
