//! What a drawing of an environment shows, decided once from the model.
//!
//! Both renderers read a [`Picture`]: which boxes exist, what each says and what links
//! them. They only decide where things go on the page, never what is there, so the
//! Mermaid and the ASCII drawing cannot disagree about an environment.

use ipnet::Ipv4Net;

use crate::config::{CacheEngine, CacheSubnets, CpuArchitecture, Stage};
use crate::model::{Architecture, Egress, NatLayout, NightSchedule, Service, Zone};

/// One thing on the drawing: a stable id and its text, title first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// A Mermaid-safe identifier (lowercase letters, digits, `_`), the same on every run.
    pub id: String,
    /// The title, then one line per detail.
    pub lines: Vec<String>,
    pub kind: NodeKind,
}

/// What sort of thing a node is, for its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Someone outside AWS.
    Person,
    /// Something that handles requests or events.
    Service,
    /// Something that keeps data: databases, caches, buckets, vaults.
    Store,
}

/// A link between two nodes, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub label: Option<String>,
    pub style: LinkStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStyle {
    /// Requests or data flowing from `from` to `to`.
    Flow,
    /// Both ways, e.g. synchronous replication.
    Both,
    /// Not on the request path: backups, copies.
    Background,
}

/// The subnets of one tier, one per zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetTier {
    /// A Mermaid-safe identifier for the tier's group.
    pub id: &'static str,
    /// E.g. `Public subnets`.
    pub title: &'static str,
    /// Each zone's short name (`1a`) and its subnet.
    pub subnets: Vec<(String, Ipv4Net)>,
}

impl SubnetTier {
    /// `Public subnets: 1a 10.0.0.0/24, 1c 10.0.1.0/24`.
    pub fn heading(&self) -> String {
        let cidrs: Vec<String> = self.subnets.iter().map(|(zone, net)| format!("{zone} {net}")).collect();
        format!("{}: {}", self.title, cidrs.join(", "))
    }
}

/// How the private subnets reach AWS APIs and the internet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EgressPicture {
    NatGateways {
        gateways: Vec<NatGateway>,
        /// All of them in one box, for drawings with room for only one.
        summary: Node,
    },
    /// No NAT: the interface endpoints, listed.
    Endpoints(Node),
}

/// One NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatGateway {
    pub node: Node,
    /// The zones (short names) whose private subnets route through it.
    pub serves: Vec<String>,
}

/// The cache and the subnet tier it lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePicture {
    pub primary: Node,
    /// The replicas, when there are any.
    pub replicas: Option<Node>,
    /// All of it in one box.
    pub summary: Node,
    pub subnets: CacheSubnets,
}

/// The images CDN: CloudFront in front of a private bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagesPicture {
    pub cdn: Node,
    pub bucket: Node,
}

/// Everything a drawing of one environment shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// `acme-dev`.
    pub name: String,
    /// `development, tier small, ap-northeast-1`.
    pub summary: String,
    /// The presets switched on, in the environment's order.
    pub presets: Vec<&'static str>,
    pub users: Node,
    pub frontend_dns: Node,
    pub amplify: Node,
    pub api_dns: Node,
    /// CloudFront in front of the API.
    pub api_cdn: Option<Node>,
    pub images: Option<ImagesPicture>,
    pub waf: Node,
    /// `VPC 10.0.0.0/16, ap-northeast-1a + ap-northeast-1c`.
    pub vpc_title: String,
    pub public: SubnetTier,
    pub private: SubnetTier,
    pub database_subnets: SubnetTier,
    pub alb: Node,
    pub internet_gateway: Node,
    pub egress: EgressPicture,
    /// The S3 gateway endpoint: every network has one, NAT or not, so image layers never
    /// pass through a NAT gateway.
    pub s3_endpoint: Node,
    pub tasks: Node,
    pub database: Node,
    /// The Multi-AZ standby, when there is one.
    pub standby: Option<Node>,
    pub cache: Option<CachePicture>,
    pub kms: Node,
    pub alarms: Node,
    pub sns: Node,
    /// Where alarms go: e-mail and Slack, either or both; empty when nobody is told.
    pub alarm_destinations: Vec<Node>,
    pub backup: Node,
    /// The copy in a second region, when backups are copied.
    pub backup_copy: Option<Node>,
    pub links: Vec<Link>,
}

impl Picture {
    pub fn new(arch: &Architecture) -> Picture {
        let network = &arch.network;
        let zones = &network.zones;
        let short = |zone: &str| short_zone(zone).to_string();
        let tier = |id, title, subnet: fn(&Zone) -> Ipv4Net| SubnetTier {
            id,
            title,
            subnets: zones.iter().map(|z| (short(&z.name), subnet(z))).collect(),
        };

        let egress = match network.egress {
            Egress::VpcEndpoints => {
                let mut lines = vec!["VPC endpoints".to_string(), "no NAT gateway".to_string()];
                lines.extend(network.interface_endpoints().iter().map(|e| e.to_string()));
                EgressPicture::Endpoints(node("endpoints", NodeKind::Service, lines))
            }
            Egress::NatGateways(layout) => {
                let routes = network.nat_gateway_for_zone();
                let nat_zones = network.nat_gateway_zones();
                let gateways: Vec<NatGateway> = nat_zones
                    .iter()
                    .map(|nat_zone| {
                        let serves =
                            routes.iter().filter(|(_, nat)| nat == nat_zone).map(|(zone, _)| short(zone)).collect();
                        let gateway = node(
                            &format!("nat_{}", identifier(nat_zone)),
                            NodeKind::Service,
                            vec!["NAT gateway".to_string(), format!("in {}", short(nat_zone))],
                        );
                        NatGateway { node: gateway, serves }
                    })
                    .collect();
                let summary_lines = match layout {
                    NatLayout::Single => vec![
                        "NAT gateway".to_string(),
                        format!("one, in {}", nat_zones.first().map(|zone| short(zone)).unwrap_or_default()),
                        "shared by all zones".to_string(),
                    ],
                    NatLayout::PerAz => vec![
                        "NAT gateways".to_string(),
                        "one per zone".to_string(),
                        zones.iter().map(|z| short(&z.name)).collect::<Vec<_>>().join(", "),
                    ],
                };
                EgressPicture::NatGateways { gateways, summary: node("nat", NodeKind::Service, summary_lines) }
            }
        };

        let service = &arch.service;
        let tasks = node("tasks", NodeKind::Service, task_lines(service));

        let db = &arch.database;
        let database = node(
            "database",
            NodeKind::Store,
            vec![
                format!("RDS PostgreSQL {}", db.engine_version),
                db.instance_class.clone(),
                if db.multi_az { "Multi-AZ primary".to_string() } else { "single-AZ, no standby".to_string() },
            ],
        );
        let standby = db.multi_az.then(|| {
            node(
                "database_standby",
                NodeKind::Store,
                vec!["RDS standby".to_string(), "other zone".to_string(), "automatic failover".to_string()],
            )
        });

        let cache = arch.cache.as_ref().map(|cache| {
            let engine = match cache.engine {
                CacheEngine::Redis => "Redis",
                CacheEngine::Valkey => "Valkey",
            };
            let title = format!("ElastiCache {engine} {}", cache.engine_version);
            let replicas = match cache.replicas {
                0 => "no replica, no failover".to_string(),
                1 => "primary + 1 replica".to_string(),
                n => format!("primary + {n} replicas"),
            };
            CachePicture {
                primary: node("cache", NodeKind::Store, vec![title.clone(), cache.node_type.clone(), "primary".into()]),
                replicas: (cache.replicas > 0).then(|| {
                    let count = match cache.replicas {
                        1 => "1 cache replica".to_string(),
                        n => format!("{n} cache replicas"),
                    };
                    node("cache_replicas", NodeKind::Store, vec![count, "automatic failover".into()])
                }),
                summary: node("cache", NodeKind::Store, vec![title, cache.node_type.clone(), replicas]),
                subnets: cache.subnets,
            }
        });

        let images = arch.cdn.images.then(|| ImagesPicture {
            cdn: node("images_cdn", NodeKind::Service, vec!["CloudFront".into(), "images, edge cache".into()]),
            bucket: node(
                "images_bucket",
                NodeKind::Store,
                vec!["S3 images bucket".into(), "Intelligent-Tiering".into()],
            ),
        });
        let api_cdn = arch
            .cdn
            .api
            .then(|| node("api_cdn", NodeKind::Service, vec!["CloudFront".into(), "in front of the API".into()]));

        let monitoring = &arch.monitoring;
        let mut alarm_destinations = Vec::new();
        if !monitoring.alarm_emails.is_empty() {
            let mut lines = vec!["E-mail".to_string()];
            lines.extend(list_some(&monitoring.alarm_emails, 2));
            alarm_destinations.push(node("email", NodeKind::Person, lines));
        }
        if monitoring.slack.is_some() {
            alarm_destinations.push(node("slack", NodeKind::Person, vec!["Slack".into(), "via AWS Chatbot".into()]));
        }

        // AWS Backup reads its cron expressions in UTC.
        let when = match arch.backup.schedule.daily_time() {
            Some((hour, minute)) => format!("daily {hour:02}:{minute:02} UTC"),
            None => "on a schedule".to_string(),
        };
        let backup = node(
            "backup",
            NodeKind::Store,
            vec!["AWS Backup".into(), when, format!("kept {}", days(arch.backup.retention_days))],
        );
        let backup_copy = arch.backup.copy.as_ref().map(|copy| {
            node(
                "backup_copy",
                NodeKind::Store,
                vec!["Backup copy".into(), copy.region.clone(), format!("kept {}", days(copy.retention_days))],
            )
        });

        let mut picture = Picture {
            name: arch.name_prefix.clone(),
            summary: format!("{}, tier {}, {}", stage_name(arch), arch.tier.name(), arch.region),
            presets: arch.presets.iter().map(|p| p.name).collect(),
            users: node("users", NodeKind::Person, vec!["Users".into(), "browser".into()]),
            frontend_dns: node(
                "frontend_dns",
                NodeKind::Service,
                vec!["Route53".into(), arch.dns.frontend_domain.clone()],
            ),
            amplify: node("amplify", NodeKind::Service, vec!["AWS Amplify".into(), "Next.js SSR".into()]),
            api_dns: node("api_dns", NodeKind::Service, vec!["Route53".into(), arch.dns.api_domain.clone()]),
            api_cdn,
            images,
            waf: node(
                "waf",
                NodeKind::Service,
                vec![
                    "WAF".into(),
                    "SQLi, XSS, bad inputs".into(),
                    format!("rate limit {} / 5 min", arch.waf.rate_limit),
                ],
            ),
            vpc_title: format!(
                "VPC {}, {}",
                network.vpc_cidr,
                zones.iter().map(|z| z.name.as_str()).collect::<Vec<_>>().join(" + ")
            ),
            public: tier("public_subnets", "Public subnets", |z| z.public),
            private: tier("private_subnets", "Private subnets", |z| z.private),
            database_subnets: tier("database_subnets", "Database subnets", |z| z.database),
            alb: node("alb", NodeKind::Service, vec!["ALB".into(), "HTTPS 443".into()]),
            internet_gateway: node("internet_gateway", NodeKind::Service, vec!["Internet gateway".into()]),
            egress,
            s3_endpoint: node("s3_endpoint", NodeKind::Service, vec!["S3 gateway endpoint".into()]),
            tasks,
            database,
            standby,
            cache,
            kms: node("kms", NodeKind::Service, vec!["KMS keys".into(), "logs, data, alarms".into()]),
            alarms: node("alarms", NodeKind::Service, vec!["CloudWatch alarms".into(), "ECS, ALB, RDS".into()]),
            sns: node("sns", NodeKind::Service, vec!["SNS topic".into()]),
            alarm_destinations,
            backup,
            backup_copy,
            links: Vec::new(),
        };
        picture.links = picture.derive_links();
        picture
    }

    /// What connects to what, in the order a reader follows a request.
    fn derive_links(&self) -> Vec<Link> {
        let mut links = Vec::new();
        let mut link = |from: &Node, to: &Node, label: Option<&str>, style: LinkStyle| {
            links.push(Link { from: from.id.clone(), to: to.id.clone(), label: label.map(str::to_string), style });
        };
        link(&self.users, &self.frontend_dns, None, LinkStyle::Flow);
        link(&self.frontend_dns, &self.amplify, None, LinkStyle::Flow);
        link(&self.users, &self.api_dns, Some("API"), LinkStyle::Flow);
        match &self.api_cdn {
            Some(cdn) => {
                link(&self.api_dns, cdn, None, LinkStyle::Flow);
                link(cdn, &self.waf, None, LinkStyle::Flow);
            }
            None => link(&self.api_dns, &self.waf, None, LinkStyle::Flow),
        }
        if let Some(images) = &self.images {
            link(&self.users, &images.cdn, Some("images"), LinkStyle::Flow);
            link(&images.cdn, &images.bucket, Some("origin access control"), LinkStyle::Flow);
        }
        link(&self.waf, &self.alb, None, LinkStyle::Flow);
        link(&self.alb, &self.tasks, Some(TASKS_PROTOCOL), LinkStyle::Flow);
        link(&self.tasks, &self.database, Some(DATABASE_PROTOCOL), LinkStyle::Flow);
        if let Some(standby) = &self.standby {
            link(&self.database, standby, Some("synchronous replication"), LinkStyle::Both);
        }
        if let Some(cache) = &self.cache {
            link(&self.tasks, &cache.primary, None, LinkStyle::Flow);
            if let Some(replicas) = &cache.replicas {
                link(&cache.primary, replicas, Some("replication"), LinkStyle::Flow);
            }
        }
        match &self.egress {
            EgressPicture::NatGateways { gateways, .. } => {
                for gateway in gateways {
                    let label = format!("egress {}", gateway.serves.join(", "));
                    link(&self.tasks, &gateway.node, Some(&label), LinkStyle::Flow);
                    link(&gateway.node, &self.internet_gateway, None, LinkStyle::Flow);
                }
            }
            EgressPicture::Endpoints(endpoints) => {
                link(&self.tasks, endpoints, Some("ECR, logs, secrets"), LinkStyle::Flow);
            }
        }
        link(&self.tasks, &self.s3_endpoint, Some("image layers"), LinkStyle::Flow);
        link(&self.alarms, &self.sns, None, LinkStyle::Flow);
        for destination in &self.alarm_destinations {
            link(&self.sns, destination, None, LinkStyle::Flow);
        }
        link(&self.database, &self.backup, Some("snapshots"), LinkStyle::Background);
        if let Some(copy) = &self.backup_copy {
            link(&self.backup, copy, Some("copy"), LinkStyle::Background);
        }
        links
    }

    /// The label of the link between two nodes, if they are linked and it has one.
    pub fn link_label(&self, from: &Node, to: &Node) -> Option<&str> {
        self.links.iter().find(|l| l.from == from.id && l.to == to.id).and_then(|l| l.label.as_deref())
    }
}

/// How the ALB reaches the tasks, and the tasks the database.
const TASKS_PROTOCOL: &str = "HTTP 8000";
const DATABASE_PROTOCOL: &str = "PostgreSQL 5432";

fn node(id: &str, kind: NodeKind, lines: Vec<String>) -> Node {
    Node { id: id.to_string(), lines, kind }
}

/// The tasks' box: what runs, how many, how big, and when it sleeps.
fn task_lines(service: &Service) -> Vec<String> {
    let count = match (service.min_count, service.max_count) {
        (1, 1) => "1 task".to_string(),
        (min, max) if min == max => format!("{min} tasks"),
        (min, max) => format!("{min}..{max} tasks"),
    };
    let architecture = match service.architecture {
        CpuArchitecture::X86_64 => "x86",
        CpuArchitecture::Arm64 => "Graviton",
    };
    let mut lines = vec![
        "ECS Fargate".to_string(),
        format!("Rust backend :{}", service.port),
        count,
        format!("{} vCPU, {} GB, {architecture}", units(service.cpu), units(service.memory)),
    ];
    if let Some(night) = &service.night_scale_down {
        lines.extend(night_lines(night));
    }
    lines
}

/// `0 at night 22:00-06:00` and the time zone; without the times when the schedule is not
/// a plain daily one.
fn night_lines(night: &NightSchedule) -> [String; 2] {
    let when = match (night.stop.daily_time(), night.start.daily_time()) {
        (Some((stop_h, stop_m)), Some((start_h, start_m))) => {
            format!("0 at night {stop_h:02}:{stop_m:02}-{start_h:02}:{start_m:02}")
        }
        _ => "0 at night, on a schedule".to_string(),
    };
    [when, format!("({})", night.timezone)]
}

/// Fargate CPU units or MiB as vCPUs or GB: 256 → 0.25, 2048 → 2.
fn units(value: u32) -> String {
    format!("{}", f64::from(value) / 1024.0)
}

fn days(n: u32) -> String {
    if n == 1 { "1 day".to_string() } else { format!("{n} days") }
}

fn stage_name(arch: &Architecture) -> &'static str {
    match arch.stage {
        Stage::Production => "production",
        Stage::Development => "development",
    }
}

/// At most `shown` items, then how many more.
fn list_some(items: &[String], shown: usize) -> Vec<String> {
    let mut lines: Vec<String> = items.iter().take(shown).cloned().collect();
    if items.len() > shown {
        lines.push(format!("and {} more", items.len() - shown));
    }
    lines
}

/// `ap-northeast-1a` → `1a`: what the reference architecture calls a zone; unique within a region.
pub fn short_zone(zone: &str) -> &str {
    zone.rsplit('-').next().unwrap_or(zone)
}

/// A Mermaid-safe identifier: lowercase letters, digits and `_`.
fn identifier(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}
