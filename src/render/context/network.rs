//! The network module's values.

use std::collections::BTreeMap;

use serde::Serialize;

use super::DATABASE_PORT;
use crate::config::CacheSubnets;
use crate::model::{Architecture, Egress, NatLayout, Zone};

#[derive(Debug, Clone, Serialize)]
pub struct NetworkContext {
    pub vpc_cidr: String,
    pub azs: Vec<String>,
    pub public_subnets: BTreeMap<String, String>,
    pub private_subnets: BTreeMap<String, String>,
    pub database_subnets: BTreeMap<String, String>,
    pub has_nat: bool,
    /// Zone → zone of the NAT gateway its private subnet routes through.
    pub nat_gateway_for_az: BTreeMap<String, String>,
    /// Short name → service name, e.g. `logs` → `com.amazonaws.ap-northeast-1.logs`.
    pub interface_endpoints: BTreeMap<String, String>,
    pub s3_endpoint_service: String,
    pub egress_summary: String,
    pub backend_port: u16,
    pub database_port: u16,
    pub flow_log_traffic_type: &'static str,
    /// The load balancer takes traffic from CloudFront only.
    pub api_cdn: bool,
    /// CIDRs that may reach the load balancer over HTTPS besides CloudFront
    /// (`alb.extra_ingress_cidrs`).
    pub alb_extra_ingress_cidrs: Vec<String>,
    pub has_cache: bool,
    pub cache_in_database_subnets: bool,
    pub cache_port: u16,
}

/// The port Redis and Valkey listen on.
pub const CACHE_PORT: u16 = 6379;

impl NetworkContext {
    pub fn new(arch: &Architecture) -> Self {
        let network = &arch.network;
        let by_zone = |pick: fn(&Zone) -> ipnet::Ipv4Net| -> BTreeMap<String, String> {
            network.zones.iter().map(|z| (z.name.clone(), pick(z).to_string())).collect()
        };
        let service = |name: &str| format!("com.amazonaws.{}.{name}", arch.region);
        let egress_summary = match network.egress {
            Egress::NatGateways(NatLayout::Single) => "one NAT gateway, shared by every zone".to_string(),
            Egress::NatGateways(NatLayout::PerAz) => "one NAT gateway per zone".to_string(),
            Egress::VpcEndpoints => {
                format!("no NAT gateway; VPC endpoints for {} and S3", network.interface_endpoints().join(", "))
            }
        };
        NetworkContext {
            vpc_cidr: network.vpc_cidr.to_string(),
            azs: network.zones.iter().map(|z| z.name.clone()).collect(),
            public_subnets: by_zone(|z| z.public),
            private_subnets: by_zone(|z| z.private),
            database_subnets: by_zone(|z| z.database),
            has_nat: matches!(network.egress, Egress::NatGateways(_)),
            nat_gateway_for_az: network
                .nat_gateway_for_zone()
                .into_iter()
                .map(|(zone, nat)| (zone.to_string(), nat.to_string()))
                .collect(),
            interface_endpoints: network.interface_endpoints().iter().map(|e| (e.to_string(), service(e))).collect(),
            s3_endpoint_service: service("s3"),
            egress_summary,
            backend_port: arch.service.port,
            database_port: DATABASE_PORT,
            flow_log_traffic_type: network.flow_log_traffic.terraform_value(),
            api_cdn: arch.cdn.api,
            alb_extra_ingress_cidrs: arch.alb.extra_ingress_cidrs.clone(),
            has_cache: arch.cache.is_some(),
            cache_in_database_subnets: arch.cache.as_ref().is_some_and(|c| c.subnets == CacheSubnets::Database),
            cache_port: CACHE_PORT,
        }
    }
}
