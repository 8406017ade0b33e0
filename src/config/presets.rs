//! Presets: named, documented transformations of the model.
//!
//! A preset is a layer of settings that sits above the scale tier and below the environment
//! file. An environment lists the presets it uses (`presets = [...]`); a single run can add
//! or remove one (`--preset NAME`, `--without-preset NAME`). Two presets that set the same
//! value differently conflict, and so do the pairs a preset declares in `conflicts_with`.

/// A named transformation of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    /// One line: what switching it on does.
    pub summary: &'static str,
    /// The trade-off, for `infragen presets` and the README.
    pub description: &'static str,
    /// The settings it applies, as TOML (dotted keys).
    pub overlay: &'static str,
    /// Presets that make no sense together with this one, though they set no value differently.
    pub conflicts_with: &'static [Conflict],
}

/// A declared conflict: the other preset, and the setting both change, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict {
    pub preset: &'static str,
    /// What both presets change, and how they contradict each other there.
    pub setting: &'static str,
}

/// Every preset infragen knows, in the order `infragen presets` lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "no-nat",
        summary: "no NAT gateway; private subnets reach ECR, CloudWatch Logs, Secrets Manager and S3 through VPC endpoints",
        description: "Removes the NAT gateways and their Elastic IPs. ECS tasks still pull images, ship logs and \
                      read secrets through interface endpoints (ecr.api, ecr.dkr, logs, secretsmanager) and the \
                      S3 gateway endpoint, but cannot reach anything else on the internet. Interface endpoints \
                      are billed per hour in every zone, so with two zones they can cost more than one NAT \
                      gateway: `infragen cost --compare` shows the real delta.",
        overlay: "network.nat = \"none\"\n",
        conflicts_with: &[],
    },
    Preset {
        name: "single-az-db",
        summary: "single-AZ database: no standby instance, no automatic failover",
        description: "Runs RDS without its synchronous standby, halving instance and storage cost. A zone \
                      failure or maintenance means downtime until the instance is back; backups and \
                      point-in-time recovery are unchanged. Production environments refuse it.",
        overlay: "database.multi_az = false\n",
        conflicts_with: &[],
    },
    Preset {
        name: "min-ecs",
        summary: "smallest Fargate task (0.25 vCPU, 0.5 GB) and a single task",
        description: "Runs one task of the smallest size Fargate offers, with autoscaling pinned to one. \
                      Enough for development traffic; a deployment briefly runs two tasks side by side.",
        overlay: "service.cpu = 256\nservice.memory = 512\nservice.min_count = 1\nservice.desired_count = 1\nservice.max_count = 1\n",
        conflicts_with: &[],
    },
    Preset {
        name: "min-logs",
        summary: "minimal monitoring: 7-day log retention, rejected-traffic flow logs, WAF logs of matched requests only, no Container Insights, Performance Insights or enhanced monitoring",
        description: "Keeps CloudWatch log events for 7 days, logs only rejected VPC traffic and the requests a \
                      WAF rule blocked or counted, and switches off Container Insights, RDS Performance \
                      Insights and enhanced monitoring. Alarms keep working on the standard metrics, and the \
                      WAF's metrics still count every request.",
        overlay: "logs.retention_days = 7\nnetwork.flow_logs.traffic = \"reject\"\nwaf.logged_requests = \"matched\"\nservice.container_insights = false\ndatabase.performance_insights = false\ndatabase.enhanced_monitoring_interval = 0\n",
        conflicts_with: &[],
    },
    Preset {
        name: "night-scale-down",
        summary: "scale the backend to zero tasks for 8 hours a night (22:00-06:00 in the region's time zone by default)",
        description: "Adds scheduled actions that set the autoscaling range to 0-0 at `service.night_scale_down.stop` \
                      and back to the service's range at `service.night_scale_down.start`. The API answers \
                      503 while scaled down; the database keeps running.",
        overlay: "service.night_scale_down.enabled = true\n",
        conflicts_with: &[],
    },
    Preset {
        name: "images-cdn",
        summary: "an S3 bucket for images (Intelligent-Tiering) served through CloudFront with edge caching",
        description: "Adds a private S3 bucket whose objects move to S3 Intelligent-Tiering, so images nobody \
                      reads for 30 days cost less, and a CloudFront distribution that reads it through origin \
                      access control and caches at the edge: image traffic leaves the ALB and is billed at \
                      CloudFront's rates, within its monthly free tier first.",
        overlay: "cdn.images = true\n",
        conflicts_with: &[],
    },
    Preset {
        name: "autoscaling-tuned",
        summary: "target tracking tuned for cost: CPU 75%, memory 85%, scale-in after 2 minutes",
        description: "Lets tasks run hotter before autoscaling adds one and removes idle ones sooner, so fewer \
                      tasks run for the same load. Leaves less headroom for sudden spikes.",
        overlay: "service.autoscaling.cpu_target = 75\nservice.autoscaling.memory_target = 85\nservice.autoscaling.scale_in_cooldown = 120\n",
        conflicts_with: &[Conflict {
            preset: "min-ecs",
            setting: "the service's scaling: `min-ecs` pins `service.min_count` and `service.max_count` to 1, \
                      so the targets `autoscaling-tuned` sets in `service.autoscaling` would never add or remove a task",
        }],
    },
    Preset {
        name: "graviton",
        summary: "ARM (Graviton) Fargate tasks, about 20% cheaper per vCPU and GB",
        description: "Runs the backend on ARM64. The image must be built for linux/arm64 (Rust \
                      cross-compiles to aarch64 easily); everything else stays the same.",
        overlay: "service.architecture = \"arm64\"\n",
        conflicts_with: &[],
    },
];

/// The declared conflict between two presets, whichever of them declares it.
pub fn declared_conflict(first: &str, second: &str) -> Option<&'static Conflict> {
    let declares = |by: &str, other: &str| find(by).and_then(|p| p.conflicts_with.iter().find(|c| c.preset == other));
    declares(first, second).or_else(|| declares(second, first))
}

/// The preset with this name.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The names of every preset.
pub fn names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|p| p.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FieldPath, schema_check::check_table, settings_schema};
    use toml::de::DeTable;

    #[test]
    fn every_preset_overlay_is_valid_against_the_schema() {
        for preset in PRESETS {
            let table = DeTable::parse(preset.overlay).unwrap_or_else(|e| panic!("{}: {e}", preset.name));
            let problems = check_table(settings_schema(), &table, &FieldPath::root());
            assert!(problems.is_empty(), "preset {}: {problems:?}", preset.name);
            assert!(!preset.summary.is_empty() && !preset.description.is_empty());
        }
    }

    #[test]
    fn names_are_unique_and_conflicts_name_known_presets() {
        let mut seen = std::collections::BTreeSet::new();
        for preset in PRESETS {
            assert!(seen.insert(preset.name), "duplicate preset {}", preset.name);
            for other in preset.conflicts_with {
                assert!(find(other.preset).is_some(), "{} conflicts with unknown {}", preset.name, other.preset);
            }
        }
    }
}
