//! The validated network: the VPC, its zones with one subnet per tier, and how private
//! subnets reach the outside world.

use ipnet::Ipv4Net;

use super::{Checks, path, region};
use crate::config::{FieldPath, FlowLogTraffic, NatMode, Settings};

/// The prefix lengths AWS accepts for a VPC and for a subnet.
pub const PREFIX_RANGE: std::ops::RangeInclusive<u8> = 16..=28;

/// Interface endpoints private tasks need when there is no NAT gateway: pulling images
/// (ecr.api, ecr.dkr), shipping logs (logs) and reading secrets (secretsmanager).
pub const INTERFACE_ENDPOINTS: [&str; 4] = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub vpc_cidr: Ipv4Net,
    /// The availability zones, each with its subnet of every tier, in the file's order.
    pub zones: Vec<Zone>,
    pub egress: Egress,
    pub flow_log_traffic: FlowLogTraffic,
    /// Without NAT, tasks that read SSM parameters at start (`service.secrets`) need an
    /// `ssm` interface endpoint as well.
    pub ssm_endpoint: bool,
}

/// One availability zone and its three subnets: every tier exists in every zone by
/// construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub public: Ipv4Net,
    pub private: Ipv4Net,
    pub database: Ipv4Net,
}

/// How private subnets reach services outside the VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Egress {
    /// Through NAT gateways in the public subnets.
    NatGateways(NatLayout),
    /// Without NAT: interface endpoints for [`INTERFACE_ENDPOINTS`] and an S3 gateway endpoint.
    VpcEndpoints,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatLayout {
    /// One gateway, in the first zone, for every zone.
    Single,
    /// One gateway per zone; each zone's private route table uses its own.
    PerAz,
}

impl Network {
    /// The zone whose NAT gateway each zone's private subnet routes through, in zone order;
    /// empty without NAT gateways.
    pub fn nat_gateway_for_zone(&self) -> Vec<(&str, &str)> {
        let Some(first) = self.zones.first() else { return Vec::new() };
        match self.egress {
            Egress::VpcEndpoints => Vec::new(),
            Egress::NatGateways(NatLayout::Single) => {
                self.zones.iter().map(|z| (z.name.as_str(), first.name.as_str())).collect()
            }
            Egress::NatGateways(NatLayout::PerAz) => {
                self.zones.iter().map(|z| (z.name.as_str(), z.name.as_str())).collect()
            }
        }
    }

    /// The zones that hold a NAT gateway.
    pub fn nat_gateway_zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = self.nat_gateway_for_zone().into_iter().map(|(_, nat)| nat).collect();
        zones.dedup();
        zones
    }

    /// The interface endpoints this network needs (none when it has NAT gateways).
    pub fn interface_endpoints(&self) -> Vec<&'static str> {
        match self.egress {
            Egress::VpcEndpoints => {
                let mut endpoints = INTERFACE_ENDPOINTS.to_vec();
                if self.ssm_endpoint {
                    endpoints.push("ssm");
                }
                endpoints
            }
            Egress::NatGateways(_) => Vec::new(),
        }
    }

    /// Validates `[network]`; `None` when the subnets cannot be put together into zones.
    pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> Option<Network> {
        let raw = &settings.network;
        let vpc_cidr = parse_cidr(checks, &path("network.vpc_cidr"), &raw.vpc_cidr, "VPC");
        check_zones(checks, &settings.region, &raw.azs);

        let tiers =
            [("public", &raw.subnets.public), ("private", &raw.subnets.private), ("database", &raw.subnets.database)];
        let mut parsed: Vec<Vec<Option<Ipv4Net>>> = Vec::new();
        let mut placed: Vec<(FieldPath, Ipv4Net)> = Vec::new();
        let mut outside: Vec<(FieldPath, Ipv4Net)> = Vec::new();
        for (tier, cidrs) in tiers {
            let tier_path = path("network.subnets").key(tier);
            if cidrs.len() != raw.azs.len() {
                checks.error(
                    &tier_path,
                    format!(
                        "`{tier_path}` has {} subnet{} but `network.azs` lists {} zone{}: every tier needs one subnet in every zone",
                        cidrs.len(),
                        plural(cidrs.len()),
                        raw.azs.len(),
                        plural(raw.azs.len())
                    ),
                    Some(format!("give `{tier_path}` one CIDR per zone, in the order of `network.azs`")),
                );
            }
            let mut tier_cidrs = Vec::new();
            for (index, cidr) in cidrs.iter().enumerate() {
                let at = tier_path.index(index);
                let net = parse_cidr(checks, &at, cidr, "subnet");
                if let (Some(net), Some(vpc)) = (net, vpc_cidr) {
                    if !vpc.contains(&net) {
                        outside.push((at.clone(), net));
                    } else if let Some((other, other_net)) =
                        placed.iter().find(|(_, o)| o.contains(&net) || net.contains(o))
                    {
                        checks.error(
                            &at,
                            format!("`{at}` ({net}) overlaps `{other}` ({other_net})"),
                            Some("give every subnet its own range".to_string()),
                        );
                    } else {
                        placed.push((at.clone(), net));
                    }
                }
                tier_cidrs.push(net);
            }
            parsed.push(tier_cidrs);
        }

        if let Some(vpc) = vpc_cidr {
            report_subnets_outside(checks, vpc, &outside, raw.azs.len());
        }

        let egress = match raw.nat {
            NatMode::None => Egress::VpcEndpoints,
            NatMode::Single => Egress::NatGateways(NatLayout::Single),
            NatMode::PerAz => Egress::NatGateways(NatLayout::PerAz),
        };
        let vpc_cidr = vpc_cidr?;
        let [public, private, database] = <[Vec<Option<Ipv4Net>>; 3]>::try_from(parsed).ok()?;
        let zones = raw
            .azs
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Some(Zone {
                    name: name.clone(),
                    public: (*public.get(i)?)?,
                    private: (*private.get(i)?)?,
                    database: (*database.get(i)?)?,
                })
            })
            .collect::<Option<Vec<Zone>>>()?;
        let ssm_endpoint = egress == Egress::VpcEndpoints
            && settings.service.secrets.values().any(|arn| arn.split(':').nth(2) == Some("ssm"));
        Some(Network { vpc_cidr, zones, egress, flow_log_traffic: raw.flow_logs.traffic, ssm_endpoint })
    }
}

/// One subnet outside the VPC is a typo, reported where it was written. Several are what
/// changing only `network.vpc_cidr` gives: one error, with subnets that fit, ready to paste.
fn report_subnets_outside(checks: &mut Checks<'_>, vpc: Ipv4Net, outside: &[(FieldPath, Ipv4Net)], zones: usize) {
    match outside {
        [] => {}
        [(at, net)] => {
            checks.error(
                at,
                format!("`{at}` ({net}) is outside `network.vpc_cidr` ({vpc})"),
                Some(format!("pick a range inside {vpc}")),
            );
        }
        _ => {
            let listed = outside.iter().map(|(at, net)| format!("`{at}` ({net})")).collect::<Vec<_>>().join(", ");
            let help = match subnets_inside(vpc, zones) {
                Some(block) => format!("give `network.subnets` ranges inside {vpc}, for example:\n\n{block}"),
                None => format!(
                    "{vpc} is too small for {} subnets of at least /28: use a larger `network.vpc_cidr`",
                    3 * zones
                ),
            };
            checks.error(
                &path("network.vpc_cidr"),
                format!("{} subnets are outside `network.vpc_cidr` ({vpc}): {listed}", outside.len()),
                Some(help),
            );
        }
    }
}

/// A `[network.subnets]` block that fits `vpc` with one subnet per tier and zone: /24s laid
/// out like the defaults (public x.0, private x.10, database x.20) where the VPC is large
/// enough, else the VPC split evenly into the smallest power of two of equal subnets.
fn subnets_inside(vpc: Ipv4Net, zones: usize) -> Option<String> {
    let tiers = ["public", "private", "database"];
    let subnets: Vec<Ipv4Net> = if vpc.prefix_len() <= 19 && zones <= 10 {
        vpc.subnets(24).ok()?.collect::<Vec<_>>().into_iter().take(30).collect()
    } else {
        let needed = (3 * zones).next_power_of_two();
        let prefix = vpc.prefix_len() + u8::try_from(needed.trailing_zeros()).ok()?;
        if prefix > 28 {
            return None;
        }
        vpc.subnets(prefix).ok()?.collect()
    };
    let stride = if subnets.len() >= 30 { 10 } else { zones };
    let mut block = String::from("[network.subnets]\n");
    for (tier_index, tier) in tiers.iter().enumerate() {
        let cidrs = (0..zones)
            .map(|zone| subnets.get(tier_index * stride + zone).map(|net| format!("\"{net}\"")))
            .collect::<Option<Vec<_>>>()?;
        block.push_str(&format!("{tier} = [{}]\n", cidrs.join(", ")));
    }
    Some(block.trim_end().to_string())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Parses a CIDR that AWS would accept for a VPC or subnet.
fn parse_cidr(checks: &mut Checks<'_>, at: &FieldPath, text: &str, what: &str) -> Option<Ipv4Net> {
    let Ok(net) = text.parse::<Ipv4Net>() else {
        checks.error(at, format!("`{at}` must be an IPv4 CIDR block such as \"10.0.0.0/16\", found \"{text}\""), None);
        return None;
    };
    if net.network() != net.addr() {
        checks.error(
            at,
            format!("`{at}` ({text}) has host bits set; a CIDR block starts at its network address"),
            Some(format!("did you mean \"{}\"?", net.trunc())),
        );
        return None;
    }
    if !PREFIX_RANGE.contains(&net.prefix_len()) {
        checks.error(
            at,
            format!(
                "`{at}` ({text}) has a /{} prefix; AWS accepts a {what} from /{} to /{}",
                net.prefix_len(),
                PREFIX_RANGE.start(),
                PREFIX_RANGE.end()
            ),
            None,
        );
        return None;
    }
    Some(net)
}

fn check_zones(checks: &mut Checks<'_>, region_name: &str, azs: &[String]) {
    let at = path("network.azs");
    if azs.len() < 2 {
        checks.error(
            &at,
            format!(
                "`network.azs` lists {} zone{}; at least two are needed, because an ALB and an RDS subnet group both require subnets in two zones",
                azs.len(),
                plural(azs.len())
            ),
            Some(format!("add a second zone, e.g. {}", region::zones(region_name).join(", "))),
        );
    }
    let known = region::zones(region_name);
    for (index, zone) in azs.iter().enumerate() {
        let zone_path = at.index(index);
        if azs[..index].contains(zone) {
            checks.error(
                &zone_path,
                format!("`{zone_path}` repeats zone \"{zone}\""),
                Some("list each zone once".to_string()),
            );
        } else if !known.is_empty() && !known.contains(zone) {
            let belongs = zone.starts_with(region_name);
            let message = if belongs {
                format!("`{zone_path}`: \"{zone}\" is not an availability zone of {region_name} open to new accounts")
            } else {
                format!("`{zone_path}`: \"{zone}\" is not in the environment's region {region_name}")
            };
            checks.error(&zone_path, message, Some(format!("the zones of {region_name} are {}", known.join(", "))));
        }
    }
}
