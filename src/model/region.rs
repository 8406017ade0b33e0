//! AWS regions and their availability zones.

use crate::config::regions::{self, REGIONS};

/// Regions opened since August 2022, where ELB writes access logs as the service principal
/// `logdelivery.elasticloadbalancing.amazonaws.com`; older regions grant the regional ELB
/// account instead.
const ELB_LOG_SERVICE_PRINCIPAL_REGIONS: &[&str] = &[
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "mx-central-1",
];

/// Whether ELB access logs in this region are written by the service principal rather
/// than by the region's ELB account.
pub fn elb_logs_use_service_principal(region: &str) -> bool {
    ELB_LOG_SERVICE_PRINCIPAL_REGIONS.contains(&region)
}

/// Regions with the AWS Chatbot API (its configurations can subscribe to topics in any
/// region).
const CHATBOT_API_REGIONS: [&str; 4] = ["ap-southeast-1", "eu-west-1", "us-east-2", "us-west-2"];

/// The region to create AWS Chatbot configurations in for an environment in `region`: the
/// region itself where Chatbot has its API, else the nearest region that does.
pub fn chatbot_api_region(region: &str) -> &'static str {
    if let Some(same) = CHATBOT_API_REGIONS.iter().find(|r| **r == region) {
        return same;
    }
    match region.split('-').next() {
        Some("ap" | "me" | "il" | "af") => "ap-southeast-1",
        Some("eu") => "eu-west-1",
        Some("us" | "ca" | "sa" | "mx") => "us-east-2",
        _ => "us-west-2",
    }
}

/// The partition of a region, the second field of its ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Every known region code.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|region| region.code)
}

pub fn is_known(region: &str) -> bool {
    regions::find(region).is_some()
}

/// The zone names of a known region, e.g. `ap-northeast-1a`.
pub fn zones(region: &str) -> Vec<String> {
    regions::find(region).map(regions::Region::zones).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_sorted_unique_and_have_two_zones_or_more() {
        let names: Vec<&str> = names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert!(names.iter().all(|n| zones(n).len() >= 2));
    }

    #[test]
    fn chatbot_configurations_go_to_the_nearest_region_with_its_api() {
        assert_eq!(chatbot_api_region("ap-northeast-1"), "ap-southeast-1");
        assert_eq!(chatbot_api_region("eu-west-1"), "eu-west-1");
        assert_eq!(chatbot_api_region("eu-central-1"), "eu-west-1");
        assert_eq!(chatbot_api_region("us-east-1"), "us-east-2");
    }

    #[test]
    fn tokyo_has_no_zone_b_for_new_accounts() {
        assert_eq!(zones("ap-northeast-1"), ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]);
        assert!(zones("mars-north-1").is_empty());
    }
}
