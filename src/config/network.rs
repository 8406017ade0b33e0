//! The `[network]` section as written.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The VPC and its subnets.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSettings {
    /// IPv4 CIDR block of the VPC, a prefix length from /16 to /28.
    pub vpc_cidr: String,
    /// Availability zones of the region, at least two (an ALB and an RDS subnet group need
    /// subnets in two zones). Every subnet tier has one subnet per zone, in this order.
    /// Default: the region's first two zones open to new accounts.
    pub azs: Vec<String>,
    /// How the private subnets reach the internet: `none` (no NAT gateway; VPC endpoints
    /// for ECR, CloudWatch Logs, Secrets Manager and S3 instead), `single` (one NAT gateway
    /// shared by all zones) or `per_az` (one per zone, so losing a zone keeps egress up).
    pub nat: NatMode,
    /// Subnet CIDRs per tier, one per availability zone, in the order of `azs`.
    pub subnets: SubnetSettings,
    /// VPC flow logs, sent to a KMS-encrypted CloudWatch log group.
    pub flow_logs: FlowLogs,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            vpc_cidr: "10.0.0.0/16".into(),
            azs: vec!["ap-northeast-1a".into(), "ap-northeast-1c".into()],
            nat: NatMode::PerAz,
            subnets: SubnetSettings::default(),
            flow_logs: FlowLogs::default(),
        }
    }
}

/// NAT layout for the private subnets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NatMode {
    /// No NAT gateway; VPC endpoints give the private subnets the AWS services they need.
    None,
    /// One NAT gateway in the first zone, shared by every zone.
    Single,
    /// One NAT gateway per zone.
    PerAz,
}

/// Subnet CIDRs of each tier.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SubnetSettings {
    /// Public subnets (ALB, NAT gateways), one per zone.
    pub public: Vec<String>,
    /// Private subnets (ECS tasks), one per zone.
    pub private: Vec<String>,
    /// Database subnets (RDS), one per zone; they have no route to the internet.
    pub database: Vec<String>,
}

impl Default for SubnetSettings {
    fn default() -> Self {
        SubnetSettings {
            public: vec!["10.0.0.0/24".into(), "10.0.1.0/24".into()],
            private: vec!["10.0.10.0/24".into(), "10.0.11.0/24".into()],
            database: vec!["10.0.20.0/24".into(), "10.0.21.0/24".into()],
        }
    }
}

/// VPC flow logs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FlowLogs {
    /// Which traffic to log: `all`, `accept` or `reject` (cheapest; enough to see what the
    /// security groups turn away).
    pub traffic: FlowLogTraffic,
}

impl Default for FlowLogs {
    fn default() -> Self {
        FlowLogs { traffic: FlowLogTraffic::All }
    }
}

/// Flow log traffic filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlowLogTraffic {
    All,
    Accept,
    Reject,
}

impl FlowLogTraffic {
    /// The value of `aws_flow_log.traffic_type`.
    pub fn terraform_value(self) -> &'static str {
        match self {
            FlowLogTraffic::All => "ALL",
            FlowLogTraffic::Accept => "ACCEPT",
            FlowLogTraffic::Reject => "REJECT",
        }
    }
}
