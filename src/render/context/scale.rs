//! The cache and CloudFront modules' values.

use serde::Serialize;

use super::waiver;
use crate::config::{CacheEngine, CacheSubnets};
use crate::model::{Architecture, Cache};

#[derive(Debug, Clone, Serialize)]
pub struct CacheContext {
    pub engine: &'static str,
    /// For people: `Redis OSS` or `Valkey`.
    pub engine_label: &'static str,
    pub engine_version: String,
    pub node_type: String,
    pub replicas: u32,
    pub nodes: u32,
    /// Replicas take over automatically when the primary fails.
    pub failover: bool,
    pub failover_waiver: Option<String>,
    /// `database` or `private`.
    pub subnets: &'static str,
    pub snapshot_retention_days: u32,
    pub snapshot_waiver: Option<String>,
}

impl CacheContext {
    pub fn new(cache: &Cache) -> Self {
        CacheContext {
            engine: cache.engine.name(),
            engine_label: match cache.engine {
                CacheEngine::Redis => "Redis OSS",
                CacheEngine::Valkey => "Valkey",
            },
            engine_version: cache.engine_version.clone(),
            node_type: cache.node_type.clone(),
            replicas: cache.replicas,
            nodes: 1 + cache.replicas,
            failover: cache.replicas > 0,
            failover_waiver: (cache.replicas == 0)
                .then(|| waiver("cache.replicas = 0", "a single-node development cache")),
            subnets: match cache.subnets {
                CacheSubnets::Database => "database",
                CacheSubnets::Private => "private",
            },
            snapshot_retention_days: cache.snapshot_retention_days,
            snapshot_waiver: (cache.snapshot_retention_days == 0)
                .then(|| waiver("cache.snapshot_retention_days = 0", "the cache holds nothing that cannot be rebuilt")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CdnContext {
    pub images: bool,
    pub api: bool,
    pub price_class: &'static str,
    /// Seconds CloudFront waits for the load balancer: its idle timeout, within
    /// CloudFront's limit of 60.
    pub origin_read_timeout: u32,
    /// Development buckets may be deleted with their content.
    pub force_destroy_images: bool,
}

impl CdnContext {
    pub fn new(arch: &Architecture) -> Self {
        CdnContext {
            images: arch.cdn.images,
            api: arch.cdn.api,
            price_class: arch.cdn.price_class.terraform_value(),
            origin_read_timeout: arch.alb.idle_timeout.min(60),
            force_destroy_images: arch.stage == crate::config::Stage::Development,
        }
    }
}
