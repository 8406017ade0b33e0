//! The estimate: what one environment costs a month, line by line, from the validated
//! architecture, its usage assumptions (`[usage]`) and the price table.
//!
//! Every figure is `quantity x unit price`, with the quantity worked out here from the
//! model. The rules, each explained where it is computed:
//!
//! - a month is AWS's 730 hours (so a night of 8 hours is 8 x 730/24 = 243.3 hours a month);
//! - on-demand list prices; free tiers are not subtracted, because they are per account and
//!   shared with everything else in it (each line that has one says so in its note);
//! - what the environment does not create (a hosted zone it looks up, the state bucket of
//!   `generated/bootstrap`) is not counted;
//! - usage-driven figures (requests, data, logs) come from `[usage]`; where a volume has to
//!   be derived from them (WAF log records, flow logs under a filter), the factor is a named
//!   constant below, stated as an assumption in the output.

use std::fmt::Write as _;

use serde::Serialize;

use super::prices::{Lookup, PriceTable, REFERENCE_REGION};
use super::table::{TextTable, money, quantity};
use crate::config::{CpuArchitecture, FlowLogTraffic, UsageSettings, WafLoggedRequests};
use crate::model::{Architecture, Egress, Service};
use crate::render::context::MonitoringContext;

/// AWS bills by the hour and prices a month as 730 of them.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Days in that month: 730 / 24 = 30.42.
pub const DAYS_PER_MONTH: f64 = HOURS_PER_MONTH / 24.0;

/// Binary kilobytes in a gigabyte, as AWS bills data (GiB).
const KB_PER_GB: f64 = 1024.0 * 1024.0;

/// Share of `usage.log_ingestion_gb` that is VPC flow logs when every flow is logged.
/// Assumed: the rest is the backend's and the database's own logs.
pub const FLOW_LOG_SHARE: f64 = 0.25;

/// Share of the all-traffic flow-log volume each filter keeps. Assumed: a public VPC's
/// rejected flows are mostly internet scans of the load balancer, a fifth of all flows.
pub fn flow_log_kept(traffic: FlowLogTraffic) -> f64 {
    match traffic {
        FlowLogTraffic::All => 1.0,
        FlowLogTraffic::Accept => 0.8,
        FlowLogTraffic::Reject => 0.2,
    }
}

/// One WAF log record, in KB: assumed 1 KB, the JSON with the request's headers (often
/// more).
pub const WAF_LOG_RECORD_KB: f64 = 1.0;

/// Share of the requests the WAF log keeps. Assumed for `matched`: a public API's requests
/// that a rule blocks or counts (scanners, bad bots, the counted rules' bodies over 8 KB and
/// clients without a User-Agent) are a twentieth of all.
pub fn waf_log_kept(logged: WafLoggedRequests) -> f64 {
    match logged {
        WafLoggedRequests::All => 1.0,
        WafLoggedRequests::Matched => 0.05,
    }
}

/// Container Insights performance log events, KB per running task a minute (task,
/// container and service events; assumed).
pub const CONTAINER_INSIGHTS_KB_PER_TASK_MINUTE: f64 = 2.0;

/// Container Insights metrics billed as custom metrics: the 15 ECS Container Insights
/// metrics that apply to Fargate, for the cluster and for the service. An approximation:
/// not every metric exists at both levels.
pub const CONTAINER_INSIGHTS_METRICS: f64 = 30.0;

/// Days ECS keeps Container Insights performance logs (the log group it creates).
const CONTAINER_INSIGHTS_RETENTION_DAYS: f64 = 1.0;

/// One RDS enhanced-monitoring event (OS metrics and the process list), in KB; assumed.
pub const ENHANCED_MONITORING_EVENT_KB: f64 = 10.0;

/// Days RDS keeps enhanced-monitoring events (its RDSOSMetrics log group's default).
const ENHANCED_MONITORING_RETENTION_DAYS: f64 = 30.0;

/// Alarm metrics the monitoring module always renders (templates/modules/monitoring): nine
/// alarms, of which the 5xx alarm's metric math reads two metrics and is billed for both.
pub const MONITORING_ALARM_METRICS: u32 = 10;

/// Alarms Application Auto Scaling creates for the ecs module's three target-tracking
/// policies (CPU, memory, requests): a high and a low alarm each, billed like any other.
pub const TARGET_TRACKING_ALARMS: u32 = 6;

/// Rules of the web ACL: four AWS managed rule groups and the rate-based rule.
pub const WAF_RULES: u32 = 5;

/// Server-rendered frontend requests, GB-seconds each (assumed: 200 ms at 0.5 GB).
pub const SSR_GB_SECONDS_PER_REQUEST: f64 = 0.1;

/// Average image size, for Intelligent-Tiering's per-object monitoring fee (assumed).
pub const IMAGE_AVERAGE_MB: f64 = 0.5;

/// One ALB LCU is the highest of: 25 new connections a second, 3,000 active connections a
/// minute, 1 GB processed an hour (targets in a VPC), 1,000 rule evaluations a second.
const LCU_NEW_CONNECTIONS_PER_SECOND: f64 = 25.0;
const LCU_GB_PER_HOUR: f64 = 1.0;

const SECONDS_PER_HOUR: f64 = 3600.0;

/// What a line is for, in the order the request path meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Component {
    #[serde(rename = "Route 53")]
    Route53,
    #[serde(rename = "WAF")]
    Waf,
    #[serde(rename = "Load balancer")]
    LoadBalancer,
    #[serde(rename = "Public IPv4")]
    PublicIpv4,
    #[serde(rename = "Data transfer")]
    DataTransfer,
    #[serde(rename = "CloudFront")]
    CloudFront,
    #[serde(rename = "S3")]
    S3,
    #[serde(rename = "Fargate")]
    Fargate,
    #[serde(rename = "NAT gateway")]
    NatGateway,
    #[serde(rename = "VPC endpoints")]
    VpcEndpoints,
    #[serde(rename = "RDS")]
    Rds,
    #[serde(rename = "Backup")]
    Backup,
    #[serde(rename = "ElastiCache")]
    ElastiCache,
    #[serde(rename = "Secrets Manager")]
    SecretsManager,
    #[serde(rename = "KMS")]
    Kms,
    #[serde(rename = "CloudWatch")]
    CloudWatch,
    #[serde(rename = "Amplify")]
    Amplify,
}

impl Component {
    pub fn name(self) -> &'static str {
        match self {
            Component::Route53 => "Route 53",
            Component::Waf => "WAF",
            Component::LoadBalancer => "Load balancer",
            Component::PublicIpv4 => "Public IPv4",
            Component::DataTransfer => "Data transfer",
            Component::CloudFront => "CloudFront",
            Component::S3 => "S3",
            Component::Fargate => "Fargate",
            Component::NatGateway => "NAT gateway",
            Component::VpcEndpoints => "VPC endpoints",
            Component::Rds => "RDS",
            Component::Backup => "Backup",
            Component::ElastiCache => "ElastiCache",
            Component::SecretsManager => "Secrets Manager",
            Component::Kms => "KMS",
            Component::CloudWatch => "CloudWatch",
            Component::Amplify => "Amplify",
        }
    }
}

/// One priced item: `quantity` of `unit` at `unit_price` dollars each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    /// What the line is, the same in every environment and revision (`rds.instance`), so
    /// that two estimates can be compared line by line (`infragen cost --diff`).
    pub key: &'static str,
    /// The settings the line's quantity or price depends on, as field paths or their
    /// prefixes (`database.instance_class`, `service.autoscaling`); `region` drives every
    /// price and is not listed. `cost --diff` names those that changed as the cause.
    pub drivers: Vec<String>,
    pub component: Component,
    /// What is billed, with the figures that explain the quantity.
    pub item: String,
    pub quantity: f64,
    /// What `quantity` counts: `hours`, `GB`, `GB-months`, `vCPU-hours`, `keys`...
    pub unit: &'static str,
    /// The row of pricing/aws-prices.toml.
    pub price_id: String,
    /// The region the line is billed in, when it is not the environment's (a backup copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed_in: Option<String>,
    pub unit_price: f64,
    /// `quantity x unit_price` in dollars, rounded to cents.
    pub monthly_usd: f64,
    /// False when the price is derived, remembered, another region's or missing.
    pub price_confirmed: bool,
    /// How the quantity was worked out, the free tier, or what is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The monthly cost of one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub environment: String,
    /// `<project>-<environment>`.
    pub name: String,
    pub region: String,
    pub presets: Vec<String>,
    pub lines: Vec<CostLine>,
    /// The sum of the lines.
    pub total_usd: f64,
    /// How much of the total rests on prices no source confirmed.
    pub unconfirmed_usd: f64,
    /// The usage assumptions used (`[usage]`, defaults unless the environment sets them).
    pub usage: UsageSettings,
    /// Things about this environment's figures worth knowing (a service that cannot carry
    /// the assumed load, a zone that is billed elsewhere...).
    pub notes: Vec<String>,
    /// Price ids the table lacks; their lines count as zero.
    pub missing_prices: Vec<String>,
    /// The model's fixed assumptions ([`assumptions`]).
    pub assumptions: Vec<String>,
}

/// The model's fixed assumptions, for the output and the README.
pub fn assumptions() -> Vec<String> {
    vec![
        format!("{HOURS_PER_MONTH} hours a month; on-demand list prices, without tax"),
        "free tiers are not subtracted: they are per account and shared with everything in it".to_string(),
        format!(
            "Fargate runs max(min_count, average_load_vcpu / (task vCPU x CPU target)) tasks, at most max_count, \
             except during the nightly scale-down ({DAYS_PER_MONTH:.2} nights a month)"
        ),
        format!(
            "ALB LCUs: the higher of one new connection per request ({LCU_NEW_CONNECTIONS_PER_SECOND} a second per LCU) \
             and the bytes sent ({LCU_GB_PER_HOUR} GB an hour per LCU), averaged over the month"
        ),
        format!(
            "usage.log_ingestion_gb is the backend's, the database's and the flow logs' volume with every flow logged; \
             flow logs are {:.0}% of it, and a REJECT filter keeps {:.0}% of them (assumed)",
            FLOW_LOG_SHARE * 100.0,
            flow_log_kept(FlowLogTraffic::Reject) * 100.0
        ),
        format!(
            "WAF log records are {WAF_LOG_RECORD_KB} KB each, and a log of matched requests keeps {:.0}% of them (assumed)",
            waf_log_kept(WafLoggedRequests::Matched) * 100.0
        ),
        format!(
            "Container Insights: {CONTAINER_INSIGHTS_METRICS} custom metrics while tasks run and \
             {CONTAINER_INSIGHTS_KB_PER_TASK_MINUTE} KB of performance logs per task-minute (assumed); \
             enhanced monitoring: {ENHANCED_MONITORING_EVENT_KB} KB per event (assumed)"
        ),
        "log storage is the steady state of each log group's retention, at the uncompressed size (an upper bound: \
         CloudWatch bills stored logs compressed)"
            .to_string(),
        "RDS backups: AWS Backup keeps one full copy of the allocated storage (later snapshots are incremental); \
         RDS's automated backups are free up to the provisioned storage and not counted"
            .to_string(),
        format!(
            "Amplify: {SSR_GB_SECONDS_PER_REQUEST} GB-seconds per server-rendered request (200 ms at 0.5 GB, assumed)"
        ),
        "private egress (NAT or endpoint data) is traffic to AWS APIs in the region: no internet transfer charge"
            .to_string(),
        "not modelled: inter-AZ traffic, ECR storage, S3 for ALB access logs, SNS e-mails, KMS and Secrets Manager \
         requests, CloudWatch metric API calls (each a few cents at this scale)"
            .to_string(),
    ]
}

/// A line's key and the settings that drive it (see [`CostLine`]).
struct Source(&'static str, &'static [&'static str]);

/// What the backend's running tasks depend on.
const FARGATE_VCPU: &[&str] = &[
    "service.cpu",
    "service.architecture",
    "service.min_count",
    "service.max_count",
    "service.autoscaling.cpu_target",
    "service.night_scale_down",
    "usage.average_load_vcpu",
];
const FARGATE_MEMORY: &[&str] = &[
    "service.memory",
    "service.cpu",
    "service.architecture",
    "service.min_count",
    "service.max_count",
    "service.autoscaling.cpu_target",
    "service.night_scale_down",
    "usage.average_load_vcpu",
];
const CONTAINER_INSIGHTS_LOGS: &[&str] = &[
    "service.container_insights",
    "service.cpu",
    "service.min_count",
    "service.max_count",
    "service.autoscaling.cpu_target",
    "service.night_scale_down",
    "usage.average_load_vcpu",
];
/// Stored logs: every ingested volume, and how long it is kept.
const LOGS_STORED: &[&str] = &[
    "logs.retention_days",
    "usage.log_ingestion_gb",
    "usage.api_requests_millions",
    "network.flow_logs",
    "service.container_insights",
    "database.enhanced_monitoring_interval",
];

/// Collects lines, looking each price up as it goes.
struct Bill<'t> {
    prices: &'t PriceTable,
    region: String,
    lines: Vec<CostLine>,
    missing: Vec<String>,
}

impl Bill<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        source: Source,
        component: Component,
        item: impl Into<String>,
        quantity: f64,
        unit: &'static str,
        price_id: &str,
        note: Option<String>,
    ) {
        let region = self.region.clone();
        self.add_in(source, &region, component, item, quantity, unit, price_id, note);
    }

    /// A line billed in another region than the environment's (a backup copy).
    #[allow(clippy::too_many_arguments)]
    fn add_in(
        &mut self,
        Source(key, drivers): Source,
        region: &str,
        component: Component,
        item: impl Into<String>,
        quantity: f64,
        unit: &'static str,
        price_id: &str,
        note: Option<String>,
    ) {
        let (unit_price, price_confirmed, note) = match self.prices.lookup(price_id, region) {
            Lookup::Found(price) => (price.usd, price.confirmed, note),
            Lookup::Fallback(price) => (
                price.usd,
                false,
                Some(join_notes(
                    format!("the price table has no {region} price; the {REFERENCE_REGION} one is used"),
                    note,
                )),
            ),
            Lookup::Missing => {
                if !self.missing.iter().any(|id| id == price_id) {
                    self.missing.push(price_id.to_string());
                }
                (0.0, false, Some(join_notes(format!("no price `{price_id}` in the price table: not counted"), note)))
            }
        };
        self.lines.push(CostLine {
            key,
            drivers: drivers.iter().map(|d| d.to_string()).collect(),
            component,
            item: item.into(),
            quantity: round(quantity, 4),
            unit,
            price_id: price_id.to_string(),
            billed_in: (region != self.region).then(|| region.to_string()),
            unit_price,
            monthly_usd: round(quantity * unit_price, 2),
            price_confirmed,
            note,
        });
    }
}

fn join_notes(first: String, rest: Option<String>) -> String {
    match rest {
        Some(rest) => format!("{first}; {rest}"),
        None => first,
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    // `+ 0.0` turns a negative zero into zero, so that it prints as `0`.
    (value * scale).round() / scale + 0.0
}

/// The part of a price id that names an instance class or node type: `db.t4g.micro` →
/// `db_t4g_micro`.
fn id_part(name: &str) -> String {
    name.replace('.', "_")
}

/// Average tasks running while the service is up: enough to hold the assumed load at the
/// CPU target, never fewer than `min_count` nor more than `max_count`. Fractional, because
/// autoscaling moves between whole counts over the month.
pub fn average_tasks(service: &Service, load_vcpu: f64) -> f64 {
    let needed = tasks_for_load(service, load_vcpu);
    needed.max(f64::from(service.min_count)).min(f64::from(service.max_count))
}

/// Tasks the assumed load needs at the CPU target, before the service's limits.
pub fn tasks_for_load(service: &Service, load_vcpu: f64) -> f64 {
    let task_vcpu = f64::from(service.cpu) / 1024.0;
    let target = f64::from(service.autoscaling.cpu_target) / 100.0;
    load_vcpu / (task_vcpu * target)
}

/// Hours a month the service runs: all of them, less the nightly scale-down.
pub fn service_hours(service: &Service) -> f64 {
    let night = service.night_scale_down.as_ref().and_then(|n| n.hours_per_night).unwrap_or(0.0);
    HOURS_PER_MONTH - night * DAYS_PER_MONTH
}

/// Average LCUs the load balancer is billed for an hour: the higher of the new-connection
/// and the processed-bytes dimensions. Every request is taken as a new connection (browsers
/// reuse connections, so this errs high); active connections and rule evaluations stay
/// far below one LCU at this scale (the listener has fewer than the 10 free rules).
pub fn alb_lcus(requests_millions: f64, data_gb: f64) -> f64 {
    let per_second = requests_millions * 1e6 / (HOURS_PER_MONTH * SECONDS_PER_HOUR);
    let connections = per_second / LCU_NEW_CONNECTIONS_PER_SECOND;
    let bytes = data_gb / HOURS_PER_MONTH / LCU_GB_PER_HOUR;
    connections.max(bytes)
}

/// GB stored at steady state by a log group that ingests `gb_per_month` and keeps it
/// `retention_days`.
pub fn stored_logs_gb(gb_per_month: f64, retention_days: f64) -> f64 {
    gb_per_month * retention_days / DAYS_PER_MONTH
}

impl Estimate {
    /// Estimates the monthly cost of a validated environment.
    pub fn new(arch: &Architecture, prices: &PriceTable) -> Estimate {
        let mut bill = Bill { prices, region: arch.region.clone(), lines: Vec::new(), missing: Vec::new() };
        let mut notes = Vec::new();
        let usage = &arch.usage;

        route53(arch, &mut bill, &mut notes);
        waf(arch, &mut bill);
        load_balancer(arch, &mut bill);
        edge(arch, &mut bill);
        let tasks = fargate(arch, &mut bill, &mut notes);
        egress(arch, &mut bill);
        database(arch, &mut bill);
        backup(arch, &mut bill);
        cache(arch, &mut bill);
        bill.add(
            Source("secrets_manager.master_password", &[]),
            Component::SecretsManager,
            "the database's master password (managed by RDS)",
            1.0,
            "secrets",
            "secrets_manager.secret_month",
            None,
        );
        kms(arch, &mut bill);
        cloudwatch(arch, tasks, &mut bill);
        amplify(usage, &mut bill);

        let total_usd = round(bill.lines.iter().map(|l| l.monthly_usd).sum(), 2);
        let unconfirmed_usd = round(bill.lines.iter().filter(|l| !l.price_confirmed).map(|l| l.monthly_usd).sum(), 2);
        Estimate {
            environment: arch.environment.clone(),
            name: arch.name_prefix.clone(),
            region: arch.region.clone(),
            presets: arch.presets.iter().map(|p| p.name.to_string()).collect(),
            lines: bill.lines,
            total_usd,
            unconfirmed_usd,
            usage: usage.clone(),
            notes,
            missing_prices: bill.missing,
            assumptions: assumptions(),
        }
    }

    /// The sum of one component's lines.
    pub fn component_usd(&self, component: Component) -> f64 {
        round(self.lines.iter().filter(|l| l.component == component).map(|l| l.monthly_usd).sum(), 2)
    }

    /// One line for each distinct price (and region) that no source confirmed.
    pub fn unconfirmed(&self) -> Vec<&CostLine> {
        let mut lines: Vec<&CostLine> = Vec::new();
        for line in self.lines.iter().filter(|l| !l.price_confirmed) {
            if !lines.iter().any(|seen| seen.price_id == line.price_id && seen.billed_in == line.billed_in) {
                lines.push(line);
            }
        }
        lines
    }

    /// The estimate as a table for people.
    pub fn table(&self, prices: &PriceTable) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{} ({}): estimated monthly cost in {}, on-demand list prices in USD",
            self.environment, self.name, self.region
        );
        let presets = if self.presets.is_empty() { "none".to_string() } else { self.presets.join(", ") };
        let _ = writeln!(text, "presets: {presets}\n");

        let mut table = TextTable::new(["component", "item", "quantity", "USD/month"], [false, false, true, true]);
        for line in &self.lines {
            let flag = if line.price_confirmed { "" } else { " *" };
            table.row([
                line.component.name().to_string(),
                line.item.clone(),
                format!("{} {}", quantity(line.quantity), unit_for(line.quantity, line.unit)),
                format!("{}{flag}", money(line.monthly_usd)),
            ]);
        }
        table.rule();
        table.row([String::new(), "total".to_string(), String::new(), money(self.total_usd)]);
        text.push_str(&table.render());

        let unconfirmed = self.unconfirmed();
        if !unconfirmed.is_empty() {
            let _ = writeln!(
                text,
                "\n* price not confirmed by a source: {} of the {} total rests on these \
                 (pricing/aws-prices.toml says how each was derived):",
                money(self.unconfirmed_usd),
                money(self.total_usd)
            );
            for line in unconfirmed {
                let region = line.billed_in.as_deref().unwrap_or(&self.region);
                let (price, why) = match prices.lookup(&line.price_id, region) {
                    Lookup::Found(price) => (format!("${}/{}", price.usd, price.unit), price.note.clone()),
                    Lookup::Fallback(price) => (
                        format!("${}/{}", price.usd, price.unit),
                        format!("no {region} price in the table; the {REFERENCE_REGION} one is used"),
                    ),
                    Lookup::Missing => ("no price".to_string(), "not in the table: counted as zero".to_string()),
                };
                let _ = writeln!(text, "  {} in {region}, {price}: {why}", line.price_id);
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(text, "\nnotes:");
            for note in &self.notes {
                let _ = writeln!(text, "  - {note}");
            }
        }
        let _ = writeln!(text, "\nusage assumed ([usage]; set it in the environment file to change it):");
        let _ = writeln!(text, "  {}", describe_usage(&self.usage));
        let _ = writeln!(
            text,
            "free tiers are not subtracted; `infragen cost --json` gives every line's note, README \"Cost\" the model"
        );
        text
    }
}

/// A unit after its quantity: `1 key`, `3 keys`.
fn unit_for(count: f64, unit: &str) -> &str {
    if count == 1.0 { unit.strip_suffix('s').unwrap_or(unit) } else { unit }
}

/// `[usage]` in one paragraph.
pub fn describe_usage(usage: &UsageSettings) -> String {
    format!(
        "API: {} M requests, {} vCPU average load, {} GB out; private egress {} GB; logs {} GB; \
         images: {} GB stored, {} GB out, {} M requests; frontend: {} build minutes, {} M requests, {} GB out (a month)",
        quantity(usage.api_requests_millions),
        quantity(usage.average_load_vcpu),
        quantity(usage.api_data_out_gb),
        quantity(usage.egress_data_gb),
        quantity(usage.log_ingestion_gb),
        quantity(usage.image_storage_gb),
        quantity(usage.image_data_out_gb),
        quantity(usage.image_requests_millions),
        quantity(usage.frontend_build_minutes),
        quantity(usage.frontend_requests_millions),
        quantity(usage.frontend_data_out_gb),
    )
}

// ---------------------------------------------------------------------------------------
// One function per part of the architecture, in the order of the request path.
// ---------------------------------------------------------------------------------------

fn route53(arch: &Architecture, bill: &mut Bill<'_>, notes: &mut Vec<String>) {
    if arch.dns.create_zone {
        bill.add(
            Source("route53.zone", &["dns.create_zone"]),
            Component::Route53,
            format!("hosted zone {}", arch.dns.zone),
            1.0,
            "zones",
            "route53.hosted_zone_month",
            Some("queries of the alias records (ALB, Amplify) are free".into()),
        );
    } else {
        notes.push(format!(
            "the hosted zone {} is looked up, not created: its $0.50 a month is billed where it is created",
            arch.dns.zone
        ));
    }
}

fn waf(arch: &Architecture, bill: &mut Bill<'_>) {
    bill.add(Source("waf.web_acl", &[]), Component::Waf, "web ACL", 1.0, "web ACLs", "waf.web_acl_month", None);
    bill.add(
        Source("waf.rules", &[]),
        Component::Waf,
        "rules: 4 AWS managed rule groups, 1 rate-based rule",
        f64::from(WAF_RULES),
        "rules",
        "waf.rule_month",
        Some("the managed groups used have no subscription fee (unlike Bot Control)".into()),
    );
    bill.add(
        Source("waf.requests", &["usage.api_requests_millions"]),
        Component::Waf,
        "requests inspected (every API request)",
        arch.usage.api_requests_millions,
        "M requests",
        "waf.requests_million",
        None,
    );
}

fn load_balancer(arch: &Architecture, bill: &mut Bill<'_>) {
    let zones = arch.network.zones.len() as f64;
    bill.add(
        Source("alb.hours", &[]),
        Component::LoadBalancer,
        "application load balancer",
        HOURS_PER_MONTH,
        "hours",
        "alb.hour",
        None,
    );
    let lcus = alb_lcus(arch.usage.api_requests_millions, arch.usage.api_data_out_gb);
    bill.add(
        Source("alb.lcus", &["usage.api_requests_millions", "usage.api_data_out_gb"]),
        Component::LoadBalancer,
        format!("LCUs ({} on average)", quantity(round(lcus, 3))),
        lcus * HOURS_PER_MONTH,
        "LCU-hours",
        "alb.lcu_hour",
        Some(
            "higher of new connections (every request taken as one) and bytes processed; peaks cost more than \
             the monthly average"
                .into(),
        ),
    );
    bill.add(
        Source("alb.public_ipv4", &["network.azs"]),
        Component::PublicIpv4,
        format!("load balancer addresses (1 per zone, {} zones)", arch.network.zones.len()),
        zones * HOURS_PER_MONTH,
        "hours",
        "public_ipv4.hour",
        None,
    );
}

/// Where the API's responses and the images leave AWS: the ALB, or CloudFront.
fn edge(arch: &Architecture, bill: &mut Bill<'_>) {
    let usage = &arch.usage;
    let free_tier = "always free per account: 1 TB and 10 M requests a month (not subtracted)";
    if arch.cdn.api {
        bill.add(
            Source("cdn.api_out", &["cdn.api", "usage.api_data_out_gb"]),
            Component::CloudFront,
            "API responses out (Japan)",
            usage.api_data_out_gb,
            "GB",
            "cloudfront.data_transfer_out_japan_gb",
            Some(format!("transfer from the ALB to CloudFront is free; {free_tier}")),
        );
        bill.add(
            Source("cdn.api_requests", &["cdn.api", "usage.api_requests_millions"]),
            Component::CloudFront,
            "API requests (HTTPS)",
            usage.api_requests_millions * 100.0,
            "10k requests",
            "cloudfront.https_requests_japan_10k",
            None,
        );
    } else {
        bill.add(
            Source("api.data_out", &["cdn.api", "usage.api_data_out_gb"]),
            Component::DataTransfer,
            "API responses to the internet",
            usage.api_data_out_gb,
            "GB",
            "data_transfer.out_internet_gb",
            Some("first 100 GB a month free per account (not subtracted)".into()),
        );
    }
    if arch.cdn.images {
        bill.add(
            Source("cdn.images_out", &["cdn.images", "usage.image_data_out_gb"]),
            Component::CloudFront,
            "images out (Japan)",
            usage.image_data_out_gb,
            "GB",
            "cloudfront.data_transfer_out_japan_gb",
            Some(format!("transfer from S3 to CloudFront is free; {free_tier}")),
        );
        bill.add(
            Source("cdn.image_requests", &["cdn.images", "usage.image_requests_millions"]),
            Component::CloudFront,
            "image requests (HTTPS)",
            usage.image_requests_millions * 100.0,
            "10k requests",
            "cloudfront.https_requests_japan_10k",
            None,
        );
        bill.add(
            Source("images.storage", &["cdn.images", "usage.image_storage_gb"]),
            Component::S3,
            "images, Intelligent-Tiering (frequent access tier)",
            usage.image_storage_gb,
            "GB-months",
            "s3.intelligent_tiering.frequent_gb_month",
            Some(
                "priced at the frequent tier (= S3 Standard): objects move to the cheaper tiers only after 30 and \
                 90 days unread, which [usage] does not say"
                    .into(),
            ),
        );
        let objects = usage.image_storage_gb * 1024.0 / IMAGE_AVERAGE_MB;
        bill.add(
            Source("images.monitoring", &["cdn.images", "usage.image_storage_gb"]),
            Component::S3,
            format!("Intelligent-Tiering monitoring ({} images of {IMAGE_AVERAGE_MB} MB)", quantity(objects.round())),
            objects / 1000.0,
            "1k objects",
            "s3.intelligent_tiering.monitoring_1k_objects",
            None,
        );
    }
}

/// Returns the average running tasks, for the Container Insights lines.
fn fargate(arch: &Architecture, bill: &mut Bill<'_>, notes: &mut Vec<String>) -> f64 {
    let service = &arch.service;
    let load = arch.usage.average_load_vcpu;
    let tasks = average_tasks(service, load);
    let needed = tasks_for_load(service, load);
    if needed > f64::from(service.max_count) {
        notes.push(format!(
            "the assumed load of {} vCPU needs {} tasks at the {}% CPU target; max_count caps the service at {}, \
             which would run hot (set usage.average_load_vcpu to this environment's load)",
            quantity(load),
            quantity(round(needed, 2)),
            service.autoscaling.cpu_target,
            service.max_count
        ));
    }
    let hours = service_hours(service);
    let vcpu = f64::from(service.cpu) / 1024.0;
    let memory_gb = f64::from(service.memory) / 1024.0;
    let (family, label) = match service.architecture {
        CpuArchitecture::X86_64 => ("linux_x86", "x86"),
        CpuArchitecture::Arm64 => ("linux_arm", "ARM"),
    };
    let running = match &service.night_scale_down {
        Some(night) => match night.hours_per_night {
            Some(h) => format!("{} h a day (scaled to zero {} h a night)", quantity(24.0 - h), quantity(h)),
            None => {
                notes.push(
                    "the night scale-down is not a plain daily schedule: its hours are not taken off".to_string(),
                );
                "all month".to_string()
            }
        },
        None => "all month".to_string(),
    };
    let tasks_text = format!("{} task{}", quantity(round(tasks, 2)), if tasks == 1.0 { "" } else { "s" });
    bill.add(
        Source("fargate.vcpu", FARGATE_VCPU),
        Component::Fargate,
        format!("{label} vCPU: {tasks_text} x {} vCPU, {running}", quantity(vcpu)),
        tasks * vcpu * hours,
        "vCPU-hours",
        &format!("fargate.{family}.vcpu_hour"),
        None,
    );
    bill.add(
        Source("fargate.memory", FARGATE_MEMORY),
        Component::Fargate,
        format!("memory: {tasks_text} x {} GB", quantity(memory_gb)),
        tasks * memory_gb * hours,
        "GB-hours",
        &format!("fargate.{family}.gb_hour"),
        None,
    );
    tasks
}

/// How private subnets reach AWS APIs: NAT gateways, or interface endpoints in every zone.
fn egress(arch: &Architecture, bill: &mut Bill<'_>) {
    let network = &arch.network;
    let data = arch.usage.egress_data_gb;
    match network.egress {
        Egress::NatGateways(_) => {
            let gateways = network.nat_gateway_zones().len() as f64;
            bill.add(
                Source("nat.gateways", &["network.nat", "network.azs"]),
                Component::NatGateway,
                format!("{} gateway{}", quantity(gateways), if gateways == 1.0 { "" } else { "s" }),
                gateways * HOURS_PER_MONTH,
                "hours",
                "nat_gateway.hour",
                None,
            );
            bill.add(
                Source("nat.data", &["network.nat", "usage.egress_data_gb"]),
                Component::NatGateway,
                "data processed",
                data,
                "GB",
                "nat_gateway.data_processed_gb",
                Some("image layers come through the free S3 gateway endpoint, not the NAT gateway".into()),
            );
            bill.add(
                Source("nat.public_ipv4", &["network.nat", "network.azs"]),
                Component::PublicIpv4,
                "NAT gateway Elastic IPs",
                gateways * HOURS_PER_MONTH,
                "hours",
                "public_ipv4.hour",
                None,
            );
        }
        Egress::VpcEndpoints => {
            let endpoints = network.interface_endpoints().len() as f64;
            let zones = network.zones.len() as f64;
            bill.add(
                Source("endpoints.hours", &["network.nat", "network.azs"]),
                Component::VpcEndpoints,
                format!(
                    "{} interface endpoints x {} zones ({})",
                    quantity(endpoints),
                    quantity(zones),
                    network.interface_endpoints().join(", ")
                ),
                endpoints * zones * HOURS_PER_MONTH,
                "hours",
                "vpc_endpoint.interface_hour",
                Some("each interface endpoint is billed in every zone it has a network interface in".into()),
            );
            bill.add(
                Source("endpoints.data", &["network.nat", "usage.egress_data_gb"]),
                Component::VpcEndpoints,
                "data processed",
                data,
                "GB",
                "vpc_endpoint.interface_data_gb",
                Some("the S3 gateway endpoint is free".into()),
            );
        }
    }
}

fn database(arch: &Architecture, bill: &mut Bill<'_>) {
    let db = &arch.database;
    let (deployment, label) = if db.multi_az { ("multi_az", "Multi-AZ") } else { ("single_az", "single-AZ") };
    bill.add(
        Source("rds.instance", &["database.instance_class", "database.multi_az"]),
        Component::Rds,
        format!("{} PostgreSQL, {label}", db.instance_class),
        HOURS_PER_MONTH,
        "hours",
        &format!("rds_postgresql.{}.{deployment}_hour", id_part(&db.instance_class)),
        db.multi_az.then(|| "primary and standby are both billed".to_string()),
    );
    bill.add(
        Source("rds.storage", &["database.allocated_storage", "database.multi_az"]),
        Component::Rds,
        format!("gp3 storage, {label}"),
        f64::from(db.allocated_storage),
        "GB-months",
        &format!("rds_postgresql.gp3.{deployment}_gb_month"),
        Some(format!(
            "the allocated {} GB (storage autoscaling may grow it to {} GB)",
            db.allocated_storage, db.max_allocated_storage
        )),
    );
}

fn backup(arch: &Architecture, bill: &mut Bill<'_>) {
    let storage = f64::from(arch.database.allocated_storage);
    bill.add(
        Source("backup.snapshots", &["database.allocated_storage", "backup.retention_days"]),
        Component::Backup,
        format!("database snapshots, {} days kept", arch.backup.retention_days),
        storage,
        "GB-months",
        "backup.warm_storage_rds_gb_month",
        Some("one full copy of the allocated storage; later snapshots are incremental".into()),
    );
    if let Some(copy) = &arch.backup.copy {
        let transfer = if arch.region == "ap-northeast-1" && copy.region == "ap-northeast-3" {
            "backup.cross_region_transfer_osaka_gb"
        } else {
            "backup.cross_region_transfer_other_gb"
        };
        bill.add(
            Source(
                "backup.copy_transfer",
                &["backup.cross_region_copy", "backup.copy_region", "database.allocated_storage"],
            ),
            Component::Backup,
            format!("copy to {}: transfer", copy.region),
            storage,
            "GB",
            transfer,
            Some("one full copy's worth a month (assumed; copies after the first are incremental)".into()),
        );
        bill.add_in(
            Source(
                "backup.copy_snapshots",
                &[
                    "backup.cross_region_copy",
                    "backup.copy_region",
                    "backup.copy_retention_days",
                    "database.allocated_storage",
                ],
            ),
            &copy.region,
            Component::Backup,
            format!("copy to {}: snapshots, {} days kept", copy.region, copy.retention_days),
            storage,
            "GB-months",
            "backup.warm_storage_rds_gb_month",
            None,
        );
    }
}

fn cache(arch: &Architecture, bill: &mut Bill<'_>) {
    let Some(cache) = &arch.cache else { return };
    let nodes = f64::from(1 + cache.replicas);
    bill.add(
        Source("cache.nodes", &["cache.enabled", "cache.engine", "cache.node_type", "cache.replicas"]),
        Component::ElastiCache,
        format!(
            "{} {}: 1 primary + {} replica{}",
            cache.node_type,
            cache.engine.name(),
            cache.replicas,
            if cache.replicas == 1 { "" } else { "s" }
        ),
        nodes * HOURS_PER_MONTH,
        "hours",
        &format!("elasticache.{}.{}_hour", id_part(&cache.node_type), cache.engine.name()),
        None,
    );
}

fn kms(arch: &Architecture, bill: &mut Bill<'_>) {
    bill.add(
        Source("kms.keys", &[]),
        Component::Kms,
        "customer managed keys: logs, data, alarms",
        3.0,
        "keys",
        "kms.customer_key_month",
        Some("requests stay near the 20,000 free a month (data keys are cached)".into()),
    );
    if let Some(copy) = &arch.backup.copy {
        bill.add_in(
            Source("kms.copy_key", &["backup.cross_region_copy", "backup.copy_region"]),
            &copy.region,
            Component::Kms,
            format!("key of the backup copy vault in {}", copy.region),
            1.0,
            "keys",
            "kms.customer_key_month",
            None,
        );
    }
}

fn cloudwatch(arch: &Architecture, tasks: f64, bill: &mut Bill<'_>) {
    let usage = &arch.usage;
    let retention = f64::from(arch.logs.retention_days);
    let traffic = arch.network.flow_log_traffic;
    let mut stored_gb = 0.0;

    let own = usage.log_ingestion_gb * (1.0 - FLOW_LOG_SHARE);
    bill.add(
        Source("logs.backend", &["usage.log_ingestion_gb"]),
        Component::CloudWatch,
        "logs ingested: backend and database",
        own,
        "GB",
        "cloudwatch_logs.ingestion_standard_gb",
        None,
    );
    stored_gb += stored_logs_gb(own, retention);

    let flow = usage.log_ingestion_gb * FLOW_LOG_SHARE * flow_log_kept(traffic);
    bill.add(
        Source("logs.flow_logs", &["usage.log_ingestion_gb", "network.flow_logs"]),
        Component::CloudWatch,
        format!("logs ingested: VPC flow logs ({})", traffic.terraform_value()),
        flow,
        "GB",
        "cloudwatch_logs.ingestion_vended_gb",
        None,
    );
    stored_gb += stored_logs_gb(flow, retention);

    let logged = arch.waf.logged_requests;
    let waf = usage.api_requests_millions * 1e6 * waf_log_kept(logged) * WAF_LOG_RECORD_KB / KB_PER_GB;
    let (what, note) = match logged {
        WafLoggedRequests::All => (
            "logs ingested: WAF, one record per request",
            Some(
                "`waf.logged_requests = \"matched\"` (in `min-logs`) keeps only the requests a rule blocked or counted"
                    .into(),
            ),
        ),
        WafLoggedRequests::Matched => ("logs ingested: WAF, the requests a rule blocked or counted", None),
    };
    bill.add(
        Source("logs.waf", &["usage.api_requests_millions", "waf.logged_requests"]),
        Component::CloudWatch,
        what,
        waf,
        "GB",
        "cloudwatch_logs.ingestion_vended_gb",
        note,
    );
    stored_gb += stored_logs_gb(waf, retention);

    let service_hours = service_hours(&arch.service);
    if arch.service.container_insights {
        let performance = tasks * service_hours * 60.0 * CONTAINER_INSIGHTS_KB_PER_TASK_MINUTE / KB_PER_GB;
        bill.add(
            Source("logs.container_insights", CONTAINER_INSIGHTS_LOGS),
            Component::CloudWatch,
            "logs ingested: Container Insights performance events",
            performance,
            "GB",
            "cloudwatch_logs.ingestion_standard_gb",
            None,
        );
        stored_gb += stored_logs_gb(performance, CONTAINER_INSIGHTS_RETENTION_DAYS);
    }
    let interval = arch.database.enhanced_monitoring_interval;
    if interval > 0 {
        let events = HOURS_PER_MONTH * SECONDS_PER_HOUR / f64::from(interval);
        let monitoring = events * ENHANCED_MONITORING_EVENT_KB / KB_PER_GB;
        bill.add(
            Source("logs.enhanced_monitoring", &["database.enhanced_monitoring_interval"]),
            Component::CloudWatch,
            format!("logs ingested: RDS enhanced monitoring every {interval} s"),
            monitoring,
            "GB",
            "cloudwatch_logs.ingestion_standard_gb",
            None,
        );
        stored_gb += stored_logs_gb(monitoring, ENHANCED_MONITORING_RETENTION_DAYS);
    }
    bill.add(
        Source("logs.stored", LOGS_STORED),
        Component::CloudWatch,
        format!("logs stored: {} days kept", arch.logs.retention_days),
        stored_gb,
        "GB-months",
        "cloudwatch_logs.storage_gb_month",
        Some("steady state at the uncompressed size; CloudWatch bills the compressed size, so this errs high".into()),
    );

    let monitoring_context = MonitoringContext::new(arch);
    // The zero-task alarm, when there is one; the 5xx alarm's third metric (the load
    // balancer's 503s), when it leaves them out.
    let monitoring_alarms = MONITORING_ALARM_METRICS
        + u32::from(monitoring_context.tasks_alarm.is_some())
        + u32::from(monitoring_context.api_5xx_ignores_no_target_503);
    let alarms = monitoring_alarms + TARGET_TRACKING_ALARMS;
    bill.add(
            Source("cloudwatch.alarms", &["service.night_scale_down", "service.min_count", "monitoring"]),
        Component::CloudWatch,
        format!(
            "alarm metrics: {monitoring_alarms} from the monitoring module, {TARGET_TRACKING_ALARMS} from target tracking"
        ),
        f64::from(alarms),
        "alarms",
        "cloudwatch.alarm_standard_month",
        Some("first 10 alarm metrics free per account (not subtracted)".into()),
    );
    bill.add(
        Source("cloudwatch.dashboard", &[]),
        Component::CloudWatch,
        "dashboard",
        1.0,
        "dashboards",
        "cloudwatch.dashboard_month",
        Some("first 3 dashboards free per account (not subtracted)".into()),
    );
    if arch.service.container_insights {
        // Metrics are billed by the hour they are reported, and none are while no task runs.
        bill.add(
            Source("cloudwatch.container_insights", &["service.container_insights", "service.night_scale_down"]),
            Component::CloudWatch,
            "Container Insights metrics",
            CONTAINER_INSIGHTS_METRICS * service_hours / HOURS_PER_MONTH,
            "metric-months",
            "cloudwatch.container_insights_ecs_metric_month",
            None,
        );
    }
}

fn amplify(usage: &UsageSettings, bill: &mut Bill<'_>) {
    bill.add(
        Source("amplify.build_minutes", &["usage.frontend_build_minutes"]),
        Component::Amplify,
        "build minutes",
        usage.frontend_build_minutes,
        "minutes",
        "amplify.build_minute",
        None,
    );
    bill.add(
        Source("amplify.requests", &["usage.frontend_requests_millions"]),
        Component::Amplify,
        "server-rendered requests",
        usage.frontend_requests_millions,
        "M requests",
        "amplify.ssr_requests_million",
        None,
    );
    bill.add(
        Source("amplify.rendering", &["usage.frontend_requests_millions"]),
        Component::Amplify,
        "server-rendering time",
        usage.frontend_requests_millions * 1e6 * SSR_GB_SECONDS_PER_REQUEST / SECONDS_PER_HOUR,
        "GB-hours",
        "amplify.ssr_duration_gb_hour",
        None,
    );
    bill.add(
        Source("amplify.data_out", &["usage.frontend_data_out_gb"]),
        Component::Amplify,
        "data out",
        usage.frontend_data_out_gb,
        "GB",
        "amplify.data_transfer_out_gb",
        None,
    );
}
