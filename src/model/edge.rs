//! The validated request path: DNS names, the load balancer and the firewall.

use std::collections::BTreeMap;

use super::{Checks, names, path};
use crate::config::{Settings, WafLoggedRequests};
use crate::diagnostic::did_you_mean;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dns {
    pub zone: String,
    pub create_zone: bool,
    /// The API's full name, e.g. `api.example.com`.
    pub api_domain: String,
    /// The frontend's full name, e.g. `www.example.com`.
    pub frontend_domain: String,
    /// The frontend's record under the zone, e.g. `www`.
    pub frontend_record: String,
    /// The images' full name, e.g. `images.example.com` (served only with the images CDN).
    pub images_domain: String,
    /// With CloudFront in front of the API, the name CloudFront reaches the load balancer
    /// at: `origin-` and the API's record, e.g. `origin-api.example.com`.
    pub api_origin_domain: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alb {
    pub deletion_protection: bool,
    pub idle_timeout: u32,
    pub ssl_policy: String,
    pub deregistration_delay: u32,
    pub access_log_retention_days: u32,
    pub health_check: HealthCheck,
    /// CIDRs that may reach the load balancer over HTTPS besides CloudFront (an escape
    /// hatch; only with `cdn.api`).
    pub extra_ingress_cidrs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub path: String,
    pub matcher: String,
    pub interval: u32,
    pub timeout: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waf {
    pub rate_limit: u64,
    /// Rules that count instead of block, by the name of their managed group (a group of
    /// [`MANAGED_RULE_GROUPS`]; each rule one of its `rules`, once).
    pub count_rules: BTreeMap<&'static str, Vec<String>>,
    /// Which requests reach the web ACL's log (`waf.logged_requests`).
    pub logged_requests: WafLoggedRequests,
}

/// An AWS managed rule group on the web ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedRuleGroup {
    pub name: &'static str,
    /// Its priority among the web ACL's rules.
    pub priority: u32,
    /// What it stops, for the README.
    pub stops: &'static str,
    /// The rules of its current version, as `rule_action_override` names them.
    pub rules: &'static [&'static str],
}

/// AWS managed rule groups on the web ACL, by priority: IP reputation first (drops
/// known-bad sources before anything else is evaluated), then common attacks, known bad
/// inputs, SQL injection. The rate-based rule sits between. Rule names from the AWS WAF
/// developer guide (AWS Managed Rules: baseline, use-case and IP reputation groups).
pub const MANAGED_RULE_GROUPS: [ManagedRuleGroup; 4] = [
    ManagedRuleGroup {
        name: "AWSManagedRulesAmazonIpReputationList",
        priority: 10,
        stops: "sources on Amazon's threat-intelligence lists",
        rules: &["AWSManagedIPReputationList", "AWSManagedReconnaissanceList", "AWSManagedIPDDoSList"],
    },
    ManagedRuleGroup {
        name: "AWSManagedRulesCommonRuleSet",
        priority: 30,
        stops: "common attacks: XSS, path traversal, oversized bodies (OWASP Top 10)",
        rules: &[
            "NoUserAgent_HEADER",
            "UserAgent_BadBots_HEADER",
            "SizeRestrictions_QUERYSTRING",
            "SizeRestrictions_Cookie_HEADER",
            "SizeRestrictions_BODY",
            "SizeRestrictions_URIPATH",
            "EC2MetaDataSSRF_BODY",
            "EC2MetaDataSSRF_COOKIE",
            "EC2MetaDataSSRF_URIPATH",
            "EC2MetaDataSSRF_QUERYARGUMENTS",
            "GenericLFI_QUERYARGUMENTS",
            "GenericLFI_URIPATH",
            "GenericLFI_BODY",
            "RestrictedExtensions_URIPATH",
            "RestrictedExtensions_QUERYARGUMENTS",
            "GenericRFI_QUERYARGUMENTS",
            "GenericRFI_BODY",
            "GenericRFI_URIPATH",
            "CrossSiteScripting_COOKIE",
            "CrossSiteScripting_QUERYARGUMENTS",
            "CrossSiteScripting_BODY",
            "CrossSiteScripting_URIPATH",
        ],
    },
    ManagedRuleGroup {
        name: "AWSManagedRulesKnownBadInputsRuleSet",
        priority: 40,
        stops: "request patterns of known exploits (Log4j and friends)",
        rules: &[
            "JavaDeserializationRCE_HEADER",
            "JavaDeserializationRCE_BODY",
            "JavaDeserializationRCE_URIPATH",
            "JavaDeserializationRCE_QUERYSTRING",
            "Host_localhost_HEADER",
            "PROPFIND_METHOD",
            "ExploitablePaths_URIPATH",
            "Log4JRCE_HEADER",
            "Log4JRCE_QUERYSTRING",
            "Log4JRCE_BODY",
            "Log4JRCE_URIPATH",
            "ReactJSRCE_BODY",
        ],
    },
    ManagedRuleGroup {
        name: "AWSManagedRulesSQLiRuleSet",
        priority: 50,
        stops: "SQL injection",
        rules: &[
            "SQLi_QUERYARGUMENTS",
            "SQLiExtendedPatterns_QUERYARGUMENTS",
            "SQLi_BODY",
            "SQLiExtendedPatterns_BODY",
            "SQLi_COOKIE",
            "SQLi_URIPATH",
        ],
    },
];

/// TLS policies of the HTTPS listener: TLS 1.3 with nothing older than TLS 1.2.
pub const SSL_POLICIES: [&str; 8] = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
];

/// The rate limits a WAF rate-based rule accepts, per five minutes.
pub const WAF_RATE_LIMITS: std::ops::RangeInclusive<u64> = 10..=2_000_000_000;

/// The full domain of a record written as a name under the zone, with an error when the
/// name is not one or more DNS labels.
fn record_domain(checks: &mut Checks<'_>, field: &str, value: &str, zone: &str) -> String {
    let at = path(field);
    let full = format!("{value}.{zone}");
    let labels_ok = !value.is_empty() && value.split('.').all(|label| names::check_dns_label(label).is_ok());
    // A full domain name here would be prefixed to the zone once more
    // (api.example.com.example.com): say what was probably meant.
    let under_zone = value.strip_suffix(zone).and_then(|rest| rest.strip_suffix('.'));
    if value.trim_end_matches('.') == zone {
        checks.error(
            &at,
            format!("`{field}` is the zone itself (\"{zone}\"); it names a record under the zone"),
            Some(format!("write the name below the zone, for example \"api\" for api.{zone}")),
        );
    } else if let Some(name) = under_zone.filter(|name| !name.is_empty()) {
        checks.error(
            &at,
            format!(
                "`{field}` is a full domain name (\"{value}\"); it names a record under the zone {zone}, so it would become {full}"
            ),
            Some(format!("did you mean `{name}`?")),
        );
    } else if !labels_ok {
        checks.error(
            &at,
            format!("`{field}` must be one or more DNS labels (lowercase letters, digits, hyphens), found \"{value}\""),
            Some(format!("for example \"api\", which names api.{zone}")),
        );
    } else if full.len() > 253 {
        checks.error(&at, format!("`{field}`: {full} is longer than the 253 characters DNS allows"), None);
    }
    full
}

impl Dns {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Dns {
        let raw = &settings.dns;
        let zone = raw.zone.trim_end_matches('.').to_string();
        if let Err(expected) = names::check_domain_name(&zone) {
            checks.error(&path("dns.zone"), format!("`dns.zone` must be {expected}, found \"{}\"", raw.zone), None);
        }
        let api_domain = record_domain(checks, "dns.api_record", &raw.api_record, &zone);
        let frontend_domain = record_domain(checks, "dns.frontend_record", &raw.frontend_record, &zone);
        let images_record = &settings.cdn.images_record;
        let images_domain = record_domain(checks, "cdn.images_record", images_record, &zone);
        let records = [
            ("dns.api_record", &raw.api_record),
            ("dns.frontend_record", &raw.frontend_record),
            ("cdn.images_record", images_record),
        ];
        for (i, (field, name)) in records.iter().enumerate() {
            if let Some((other, _)) = records[..i].iter().find(|(_, n)| n == name) {
                checks.error(
                    &path(field),
                    format!("`{field}` and `{other}` are both \"{name}\"; every record needs a name of its own"),
                    None,
                );
            }
        }
        Dns {
            api_origin_domain: format!("origin-{}.{zone}", raw.api_record),
            zone,
            create_zone: raw.create_zone,
            api_domain,
            frontend_domain,
            frontend_record: raw.frontend_record.clone(),
            images_domain,
        }
    }
}

impl Alb {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Alb {
        let raw = &settings.alb;
        in_range(checks, "alb.idle_timeout", raw.idle_timeout, 1, 4000, "seconds");
        in_range(checks, "alb.deregistration_delay", raw.deregistration_delay, 0, 3600, "seconds");
        in_range(checks, "alb.access_log_retention_days", raw.access_log_retention_days, 1, 3650, "days");
        if !SSL_POLICIES.contains(&raw.ssl_policy.as_str()) {
            let help = match crate::diagnostic::did_you_mean(&raw.ssl_policy, SSL_POLICIES) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use one of {}", SSL_POLICIES.join(", ")),
            };
            checks.error(
                &path("alb.ssl_policy"),
                format!(
                    "`alb.ssl_policy` must be a TLS 1.3 policy that refuses TLS 1.0 and 1.1, found \"{}\"",
                    raw.ssl_policy
                ),
                help,
            );
        }
        let health = &raw.health_check;
        let health_check = HealthCheck {
            path: health.path.clone(),
            matcher: health.matcher.clone(),
            interval: health.interval,
            timeout: health.timeout,
            healthy_threshold: health.healthy_threshold,
            unhealthy_threshold: health.unhealthy_threshold,
        };
        if !health.path.starts_with('/') || health.path.len() > 1024 || health.path.chars().any(char::is_whitespace) {
            checks.error(
                &path("alb.health_check.path"),
                format!("`alb.health_check.path` must be a URL path starting with \"/\", found \"{}\"", health.path),
                Some("for example \"/health\"".to_string()),
            );
        }
        if !valid_matcher(&health.matcher) {
            checks.error(
                &path("alb.health_check.matcher"),
                format!(
                    "`alb.health_check.matcher` must be HTTP codes from 200 to 499, as \"200\", \"200,204\" or \"200-299\", found \"{}\"",
                    health.matcher
                ),
                None,
            );
        }
        in_range(checks, "alb.health_check.interval", health.interval, 5, 300, "seconds");
        in_range(checks, "alb.health_check.timeout", health.timeout, 2, 120, "seconds");
        if health.timeout >= health.interval {
            checks.error(
                &path("alb.health_check.timeout"),
                format!(
                    "`alb.health_check.timeout` ({}s) must be shorter than `alb.health_check.interval` ({}s)",
                    health.timeout, health.interval
                ),
                None,
            );
        }
        for (index, cidr) in raw.extra_ingress_cidrs.iter().enumerate() {
            let at = path("alb.extra_ingress_cidrs").index(index);
            match cidr.parse::<ipnet::Ipv4Net>() {
                Err(_) => checks.error(
                    &at,
                    format!("`{at}` must be an IPv4 CIDR such as \"203.0.113.0/24\", found \"{cidr}\""),
                    None,
                ),
                Ok(net) if net.trunc() != net => checks.error(
                    &at,
                    format!("`{at}` ({cidr}) is not at its network address"),
                    Some(format!("use \"{}\"", net.trunc())),
                ),
                Ok(_) if raw.extra_ingress_cidrs[..index].contains(cidr) => {
                    checks.error(&at, format!("`{at}` repeats \"{cidr}\""), None)
                }
                Ok(_) if !settings.cdn.api => checks.error(
                    &at,
                    format!("`{at}` has no effect: without `cdn.api` the load balancer accepts HTTPS from anywhere"),
                    Some("remove it, or set `cdn.api = true` so that only CloudFront and these CIDRs reach the load balancer".to_string()),
                ),
                Ok(_) => {}
            }
        }
        in_range(checks, "alb.health_check.healthy_threshold", health.healthy_threshold, 2, 10, "checks");
        in_range(checks, "alb.health_check.unhealthy_threshold", health.unhealthy_threshold, 2, 10, "checks");
        Alb {
            deletion_protection: raw.deletion_protection,
            idle_timeout: raw.idle_timeout,
            ssl_policy: raw.ssl_policy.clone(),
            deregistration_delay: raw.deregistration_delay,
            access_log_retention_days: raw.access_log_retention_days,
            health_check,
            extra_ingress_cidrs: raw.extra_ingress_cidrs.clone(),
        }
    }
}

impl Waf {
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Waf {
        let limit = settings.waf.rate_limit;
        if !WAF_RATE_LIMITS.contains(&limit) {
            checks.error(
                &path("waf.rate_limit"),
                format!(
                    "`waf.rate_limit` must be from {} to {} requests per 5 minutes, as WAF accepts, found {limit}",
                    WAF_RATE_LIMITS.start(),
                    WAF_RATE_LIMITS.end()
                ),
                None,
            );
        }
        Waf {
            rate_limit: limit,
            count_rules: check_count_rules(checks, &settings.waf.count_rules),
            logged_requests: settings.waf.logged_requests,
        }
    }
}

/// Keeps the known groups and rules of `waf.count_rules`, reporting the others.
fn check_count_rules(
    checks: &mut Checks<'_>,
    written: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<&'static str, Vec<String>> {
    let mut count_rules = BTreeMap::new();
    for (group_name, rules) in written {
        let at = path("waf.count_rules").key(group_name);
        let Some(group) = MANAGED_RULE_GROUPS.iter().find(|g| g.name == group_name) else {
            let names = MANAGED_RULE_GROUPS.map(|g| g.name);
            let help = match did_you_mean(group_name, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the web ACL's managed groups are {}", names.join(", ")),
            };
            checks.error(
                &at,
                format!("`waf.count_rules` names `{group_name}`, which is not a managed rule group of the web ACL"),
                help,
            );
            continue;
        };
        let mut kept: Vec<String> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let at = at.index(index);
            if !group.rules.contains(&rule.as_str()) {
                let help = match did_you_mean(rule, group.rules.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("its rules are {}", group.rules.join(", ")),
                };
                checks.error(&at, format!("`{at}`: `{rule}` is not a rule of {}", group.name), help);
            } else if kept.contains(rule) {
                checks.error(&at, format!("`{at}`: `{rule}` is listed twice"), Some("list each rule once".to_string()));
            } else {
                kept.push(rule.clone());
            }
        }
        count_rules.insert(group.name, kept);
    }
    count_rules
}

impl Waf {
    /// The rules of `group` that count instead of block.
    pub fn counted_in(&self, group: &str) -> &[String] {
        self.count_rules.get(group).map_or(&[], Vec::as_slice)
    }
}

/// HTTP codes the target group accepts as healthy: single codes, lists and ranges.
fn valid_matcher(matcher: &str) -> bool {
    let code = |c: &str| c.len() == 3 && c.parse::<u32>().is_ok_and(|n| (200..=499).contains(&n));
    !matcher.is_empty()
        && matcher.split(',').all(|part| match part.split_once('-') {
            Some((low, high)) => code(low) && code(high) && low < high,
            None => code(part),
        })
}

/// Reports an integer outside `min..=max`.
pub fn in_range(checks: &mut Checks<'_>, dotted: &str, value: u32, min: u32, max: u32, unit: &str) {
    if !(min..=max).contains(&value) {
        checks.error(&path(dotted), format!("`{dotted}` must be from {min} to {max} {unit}, found {value}"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::valid_matcher;

    #[test]
    fn matchers() {
        for ok in ["200", "200,204", "200-299", "200-204,301"] {
            assert!(valid_matcher(ok), "{ok}");
        }
        for bad in ["", "2xx", "100", "500", "299-200", "200,"] {
            assert!(!valid_matcher(bad), "{bad}");
        }
    }
}
