//! The request path's values: dns, alb and waf modules.

use serde::Serialize;

use super::waiver;
use crate::config::WafLoggedRequests;
use crate::model::edge::MANAGED_RULE_GROUPS;
use crate::model::{Architecture, region};

#[derive(Debug, Clone, Serialize)]
pub struct DnsContext {
    pub zone: String,
    pub create_zone: bool,
    pub api_domain: String,
    pub frontend_domain: String,
    pub images_domain: String,
    pub api_origin_domain: String,
    pub api_url: String,
    pub frontend_url: String,
    pub images_url: String,
    /// CloudFront serves the API; the load balancer answers at `api_origin_domain` only.
    pub api_cdn: bool,
    /// CloudFront serves images at `images_domain`.
    pub images_cdn: bool,
    /// Some CloudFront distribution needs a certificate, which must come from us-east-1.
    pub needs_cdn_certificate: bool,
}

impl DnsContext {
    pub fn new(arch: &Architecture) -> Self {
        let dns = &arch.dns;
        DnsContext {
            zone: dns.zone.clone(),
            create_zone: dns.create_zone,
            api_domain: dns.api_domain.clone(),
            frontend_domain: dns.frontend_domain.clone(),
            images_domain: dns.images_domain.clone(),
            api_origin_domain: dns.api_origin_domain.clone(),
            api_url: format!("https://{}", dns.api_domain),
            frontend_url: format!("https://{}", dns.frontend_domain),
            images_url: format!("https://{}", dns.images_domain),
            api_cdn: arch.cdn.api,
            images_cdn: arch.cdn.images,
            needs_cdn_certificate: arch.cdn.api || arch.cdn.images,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AlbContext {
    pub deletion_protection: bool,
    /// Set when deletion protection is off: why, for checkov.
    pub deletion_protection_waiver: Option<String>,
    /// Let `terraform destroy` empty the access-log bucket, where the ALB itself may go.
    pub force_destroy_logs: bool,
    pub idle_timeout: u32,
    pub ssl_policy: String,
    pub deregistration_delay: u32,
    pub access_log_retention_days: u32,
    /// ELB writes access logs as the service principal (newer regions) rather than as
    /// the region's ELB account (`data.aws_elb_service_account`).
    pub log_delivery_service_principal: bool,
    pub health_check_path: String,
    pub health_check_matcher: String,
    pub health_check_interval: u32,
    pub health_check_timeout: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

impl AlbContext {
    pub fn new(arch: &Architecture) -> Self {
        let alb = &arch.alb;
        let health = &alb.health_check;
        AlbContext {
            deletion_protection: alb.deletion_protection,
            deletion_protection_waiver: (!alb.deletion_protection)
                .then(|| waiver("alb.deletion_protection = false", "a development load balancer may be deleted")),
            force_destroy_logs: !alb.deletion_protection,
            idle_timeout: alb.idle_timeout,
            ssl_policy: alb.ssl_policy.clone(),
            deregistration_delay: alb.deregistration_delay,
            access_log_retention_days: alb.access_log_retention_days,
            log_delivery_service_principal: region::elb_logs_use_service_principal(&arch.region),
            health_check_path: health.path.clone(),
            health_check_matcher: health.matcher.clone(),
            health_check_interval: health.interval,
            health_check_timeout: health.timeout,
            healthy_threshold: health.healthy_threshold,
            unhealthy_threshold: health.unhealthy_threshold,
        }
    }
}

/// Priority of the rate-based rule.
pub const RATE_LIMIT_PRIORITY: u32 = 20;

#[derive(Debug, Clone, Serialize)]
pub struct WafContext {
    pub rate_limit: u64,
    pub rate_limit_priority: u32,
    /// The managed rule groups, written out one rule block each (so that scanners see them).
    pub managed_rules: Vec<WafRule>,
    /// Every rule in evaluation order, for the README.
    pub rules: Vec<WafRule>,
    /// The actions of the requests the log keeps (`aws_wafv2_web_acl_logging_configuration`'s
    /// logging filter); empty when it keeps every request.
    pub logged_actions: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WafRule {
    pub priority: u32,
    pub name: String,
    pub stops: String,
    /// Rules of a managed group that count instead of block (`rule_action_override`).
    pub count_rules: Vec<String>,
}

impl WafContext {
    pub fn new(arch: &Architecture) -> Self {
        let managed_rules: Vec<WafRule> = MANAGED_RULE_GROUPS
            .iter()
            .map(|group| WafRule {
                priority: group.priority,
                name: group.name.to_string(),
                stops: group.stops.to_string(),
                count_rules: arch.waf.counted_in(group.name).to_vec(),
            })
            .collect();
        let mut rules = managed_rules.clone();
        rules.push(WafRule {
            priority: RATE_LIMIT_PRIORITY,
            name: "rate-limit-per-ip".to_string(),
            stops: format!("more than {} requests from one IP address in 5 minutes", arch.waf.rate_limit),
            count_rules: Vec::new(),
        });
        rules.sort_by_key(|r| r.priority);
        let logged_actions = match arch.waf.logged_requests {
            WafLoggedRequests::All => Vec::new(),
            // A rule that blocked; one whose own action counts; and a managed group's rule
            // overridden to count (`waf.count_rules`), which logging filters call
            // EXCLUDED_AS_COUNT.
            WafLoggedRequests::Matched => vec!["BLOCK", "COUNT", "EXCLUDED_AS_COUNT"],
        };
        WafContext {
            rate_limit: arch.waf.rate_limit,
            rate_limit_priority: RATE_LIMIT_PRIORITY,
            managed_rules,
            rules,
            logged_actions,
        }
    }
}
