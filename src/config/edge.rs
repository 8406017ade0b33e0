//! The request path as written: `[dns]`, `[alb]` and `[waf]`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The public DNS zone and the environment's records in it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DnsSettings {
    /// Domain of the Route53 public hosted zone, e.g. `example.com`.
    pub zone: String,
    /// Create the hosted zone in this environment (`true`) or look up an existing one
    /// (`false`), e.g. when several environments share a zone.
    pub create_zone: bool,
    /// Name of the API record under the zone: `api` gives `api.example.com`.
    pub api_record: String,
    /// Name of the frontend record under the zone: `www` gives `www.example.com`.
    pub frontend_record: String,
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            zone: "example.com".into(),
            create_zone: false,
            api_record: "api".into(),
            frontend_record: "www".into(),
        }
    }
}

/// The application load balancer in front of the backend.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AlbSettings {
    /// Refuse to delete the load balancer until this is switched off (production must keep
    /// it on).
    pub deletion_protection: bool,
    /// Seconds a connection may stay idle, 1 to 4000.
    pub idle_timeout: u32,
    /// TLS policy of the HTTPS listener: one of the TLS 1.3 policies.
    pub ssl_policy: String,
    /// Seconds the target group waits for in-flight requests before deregistering a task,
    /// 0 to 3600.
    pub deregistration_delay: u32,
    /// Days access logs are kept in their S3 bucket before they expire.
    pub access_log_retention_days: u32,
    /// Target group health check of the backend tasks.
    pub health_check: HealthCheckSettings,
    /// IPv4 CIDRs that may also reach the load balancer over HTTPS directly when only
    /// CloudFront may (`cdn.api = true`), e.g. an office or an uptime checker.
    pub extra_ingress_cidrs: Vec<String>,
}

impl Default for AlbSettings {
    fn default() -> Self {
        AlbSettings {
            deletion_protection: true,
            idle_timeout: 60,
            ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
            deregistration_delay: 30,
            access_log_retention_days: 90,
            health_check: HealthCheckSettings::default(),
            extra_ingress_cidrs: Vec::new(),
        }
    }
}

/// How the ALB decides that a task is healthy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HealthCheckSettings {
    /// Path the ALB requests, starting with `/`.
    pub path: String,
    /// HTTP codes that mean healthy: `200`, a list `200,204` or a range `200-299`.
    pub matcher: String,
    /// Seconds between checks, 5 to 300.
    pub interval: u32,
    /// Seconds to wait for an answer, 2 to 120 and less than the interval.
    pub timeout: u32,
    /// Consecutive successes before a task counts as healthy, 2 to 10.
    pub healthy_threshold: u32,
    /// Consecutive failures before a task counts as unhealthy, 2 to 10.
    pub unhealthy_threshold: u32,
}

impl Default for HealthCheckSettings {
    fn default() -> Self {
        HealthCheckSettings {
            path: "/health".into(),
            matcher: "200".into(),
            interval: 30,
            timeout: 5,
            healthy_threshold: 3,
            unhealthy_threshold: 3,
        }
    }
}

/// The web application firewall on the ALB.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WafSettings {
    /// Requests one IP address may send in 5 minutes before the rate-based rule blocks it,
    /// 10 to 2,000,000,000.
    pub rate_limit: u64,
    /// Rules of the AWS managed rule groups that only count matching requests (visible in
    /// the WAF logs and metrics) instead of blocking them, by group, e.g.
    /// `AWSManagedRulesCommonRuleSet = ["SizeRestrictions_BODY"]`. The groups are
    /// `AWSManagedRulesAmazonIpReputationList`, `AWSManagedRulesCommonRuleSet`,
    /// `AWSManagedRulesKnownBadInputsRuleSet` and `AWSManagedRulesSQLiRuleSet`. By default
    /// a JSON API's ordinary requests pass: bodies over 8 KB (`SizeRestrictions_BODY`) and
    /// clients that send no User-Agent (`NoUserAgent_HEADER`) are counted; `[]` for a group
    /// blocks with every rule of it.
    pub count_rules: BTreeMap<String, Vec<String>>,
    /// Which requests the web ACL logs: `all` (every request it inspects), or `matched`
    /// (only those a rule blocked or counted, through a logging filter; the log costs a
    /// fraction, and the WAF's metrics still count every request).
    pub logged_requests: WafLoggedRequests,
}

/// Which requests the web ACL writes to its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WafLoggedRequests {
    All,
    Matched,
}

impl Default for WafSettings {
    fn default() -> Self {
        WafSettings {
            rate_limit: 2000,
            logged_requests: WafLoggedRequests::All,
            count_rules: BTreeMap::from([(
                "AWSManagedRulesCommonRuleSet".to_string(),
                vec!["SizeRestrictions_BODY".to_string(), "NoUserAgent_HEADER".to_string()],
            )]),
        }
    }
}
