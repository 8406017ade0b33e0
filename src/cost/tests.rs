//! The estimate's formulas, each with small numbers worked out by hand.
//!
//! Most tests price everything at $1 per unit, so that a line's dollars are its quantity
//! and the test checks the model rather than the table; a few pin real figures from the
//! table that the README quotes.

use super::estimate::*;
use super::prices::{Price, PriceTable, REFERENCE_REGION};
use crate::config::{Overrides, load_environment};
use crate::diagnostic::SourceFile;
use crate::model::Architecture;

/// An environment built from the built-in defaults (the medium tier) and `text`.
fn arch(text: &str) -> Architecture {
    arch_with(text, &Overrides::default())
}

fn arch_with(text: &str, overrides: &Overrides) -> Architecture {
    // The defaults are production's, which names its account.
    let source = SourceFile::new("environments/test.toml", format!("account_id = \"111122223333\"\n{text}"));
    let loaded = load_environment("test", source, overrides).expect("loads");
    Architecture::from_environment(&loaded).unwrap_or_else(|d| panic!("{d}"))
}

/// A development environment on the small tier, with a single-AZ database, and `extra`.
fn dev(extra: &str) -> Architecture {
    let overrides = Overrides { set: vec!["database.multi_az=false".to_string()], ..Overrides::default() };
    arch_with(&format!("stage = \"development\"\ntier = \"small\"\n{extra}\n"), &overrides)
}

/// The embedded table with every price set to $1.
fn dollar_prices() -> PriceTable {
    let mut table = PriceTable::embedded().expect("parses").clone();
    for price in &mut table.prices {
        price.usd = 1.0;
    }
    table
}

fn real_prices() -> &'static PriceTable {
    PriceTable::embedded().expect("parses")
}

fn line<'e>(estimate: &'e Estimate, price_id: &str) -> &'e CostLine {
    estimate.lines.iter().find(|l| l.price_id == price_id).unwrap_or_else(|| panic!("no line {price_id}"))
}

fn lines<'e>(estimate: &'e Estimate, price_id: &str) -> Vec<&'e CostLine> {
    estimate.lines.iter().filter(|l| l.price_id == price_id).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

#[test]
fn fargate_runs_enough_tasks_for_the_load_within_min_and_max() {
    let prices = dollar_prices();
    // 0.7 vCPU of load on 0.5-vCPU tasks held at 70% CPU: 0.7 / (0.5 x 0.7) = 2 tasks.
    let service = "[service]\ncpu = 512\nmemory = 1024\nmin_count = 1\ndesired_count = 1\nmax_count = 4";
    let estimate = Estimate::new(&dev(&format!("{service}\n[usage]\naverage_load_vcpu = 0.7")), &prices);
    assert!(close(line(&estimate, "fargate.linux_x86.vcpu_hour").quantity, 2.0 * 0.5 * 730.0));
    assert!(close(line(&estimate, "fargate.linux_x86.gb_hour").quantity, 2.0 * 1.0 * 730.0));
    assert!(estimate.notes.iter().all(|n| !n.contains("run hot")));

    // A light load still runs min_count tasks.
    let estimate = Estimate::new(&dev(&format!("{service}\n[usage]\naverage_load_vcpu = 0.1")), &prices);
    assert!(close(line(&estimate, "fargate.linux_x86.vcpu_hour").quantity, 0.5 * 730.0));

    // 7 vCPU would need 20 tasks: max_count caps it, and the estimate says so.
    let estimate = Estimate::new(&dev(&format!("{service}\n[usage]\naverage_load_vcpu = 7.0")), &prices);
    assert!(close(line(&estimate, "fargate.linux_x86.vcpu_hour").quantity, 4.0 * 0.5 * 730.0));
    assert!(estimate.notes.iter().any(|n| n.contains("needs 20 tasks") && n.contains("caps the service at 4")));
}

#[test]
fn the_nightly_scale_down_takes_its_hours_off_and_arm_uses_arm_prices() {
    let prices = dollar_prices();
    let text = "presets = [\"min-ecs\", \"night-scale-down\", \"graviton\"]\n[usage]\naverage_load_vcpu = 0.01";
    let estimate = Estimate::new(&dev(text), &prices);
    // 8 hours a night on 730/24 nights: 730 - 8 x 30.4167 = 486.67 hours of one 0.25-vCPU task.
    let vcpu = line(&estimate, "fargate.linux_arm.vcpu_hour");
    assert!(close(vcpu.quantity, 0.25 * (730.0 - 8.0 * 730.0 / 24.0)), "{}", vcpu.quantity);
    assert!(close(line(&estimate, "fargate.linux_arm.gb_hour").quantity, 0.5 * 486.6667));
    assert!(vcpu.item.contains("16 h a day"), "{}", vcpu.item);
    assert!(estimate.lines.iter().all(|l| !l.price_id.starts_with("fargate.linux_x86")));

    // Real prices: one 0.25 vCPU / 0.5 GB x86 task all month is the table's $11.25.
    let estimate = Estimate::new(&dev("presets = [\"min-ecs\"]\n[usage]\naverage_load_vcpu = 0.01"), real_prices());
    assert!(close(estimate.component_usd(Component::Fargate), 11.25), "{}", estimate.component_usd(Component::Fargate));
}

#[test]
fn nat_gateways_are_billed_per_gateway_and_endpoints_per_endpoint_and_zone() {
    let prices = dollar_prices();
    let single = Estimate::new(&dev("[usage]\negress_data_gb = 7"), &prices);
    assert_eq!(line(&single, "nat_gateway.hour").quantity, 730.0);
    assert_eq!(line(&single, "nat_gateway.data_processed_gb").quantity, 7.0);
    // The load balancer's two addresses and the gateway's one.
    assert_eq!(lines(&single, "public_ipv4.hour").iter().map(|l| l.quantity).sum::<f64>(), 3.0 * 730.0);
    assert_eq!(single.component_usd(Component::VpcEndpoints), 0.0);

    let per_az = Estimate::new(&dev("[network]\nnat = \"per_az\""), &prices);
    assert_eq!(line(&per_az, "nat_gateway.hour").quantity, 2.0 * 730.0);

    let endpoints = Estimate::new(&dev("presets = [\"no-nat\"]\n[usage]\negress_data_gb = 7"), &prices);
    assert_eq!(line(&endpoints, "vpc_endpoint.interface_hour").quantity, 4.0 * 2.0 * 730.0);
    assert_eq!(line(&endpoints, "vpc_endpoint.interface_data_gb").quantity, 7.0);
    assert_eq!(endpoints.component_usd(Component::NatGateway), 0.0);

    // Real prices: one gateway is $45.26 an hour-month; four endpoints in two zones $81.76.
    let single = Estimate::new(&dev(""), real_prices());
    assert_eq!(line(&single, "nat_gateway.hour").monthly_usd, 45.26);
    let endpoints = Estimate::new(&dev("presets = [\"no-nat\"]"), real_prices());
    assert_eq!(line(&endpoints, "vpc_endpoint.interface_hour").monthly_usd, 81.76);
}

#[test]
fn load_balancer_capacity_units_take_the_larger_dimension() {
    // 25 new connections a second for 730 hours is 65.7 M requests: one LCU.
    assert!(close(alb_lcus(65.7, 0.0), 1.0));
    // 1 GB an hour for 730 hours: one LCU.
    assert!(close(alb_lcus(0.0, 730.0), 1.0));
    assert!(close(alb_lcus(65.7, 1460.0), 2.0));
    let estimate = Estimate::new(&dev("[usage]\napi_requests_millions = 65.7\napi_data_out_gb = 0"), &dollar_prices());
    assert!(close(line(&estimate, "alb.lcu_hour").quantity, 730.0));
    assert_eq!(line(&estimate, "alb.hour").quantity, 730.0);
}

#[test]
fn the_database_pays_twice_for_multi_az_and_the_cache_for_every_node() {
    let prices = dollar_prices();
    let single = Estimate::new(&dev("[database]\nallocated_storage = 50"), &prices);
    assert_eq!(line(&single, "rds_postgresql.db_t4g_micro.single_az_hour").quantity, 730.0);
    assert_eq!(line(&single, "rds_postgresql.gp3.single_az_gb_month").quantity, 50.0);
    let multi = Estimate::new(&arch(""), &prices);
    assert_eq!(line(&multi, "rds_postgresql.db_t4g_medium.multi_az_hour").quantity, 730.0);
    assert_eq!(line(&multi, "rds_postgresql.gp3.multi_az_gb_month").quantity, 20.0);
    // Real prices: the single-AZ micro instance is $18.25, and Multi-AZ doubles it.
    let real = Estimate::new(&dev(""), real_prices());
    assert_eq!(line(&real, "rds_postgresql.db_t4g_micro.single_az_hour").monthly_usd, 18.25);

    // The medium tier's cache: a primary and one replica.
    assert_eq!(line(&multi, "elasticache.cache_t4g_small.redis_hour").quantity, 2.0 * 730.0);
    let valkey = Estimate::new(&arch("[cache]\nengine = \"valkey\"\nengine_version = \"8.0\"\nreplicas = 2"), &prices);
    assert_eq!(line(&valkey, "elasticache.cache_t4g_small.valkey_hour").quantity, 3.0 * 730.0);
    assert_eq!(Estimate::new(&dev(""), &prices).component_usd(Component::ElastiCache), 0.0);
}

#[test]
fn logs_split_into_their_sources_and_are_stored_for_their_retention() {
    let prices = dollar_prices();
    // 8 GB with every flow logged: 6 GB backend and database, 2 GB flow logs. 1.048576 M WAF
    // records of 1 KB are 1 GB.
    let usage = "[usage]\nlog_ingestion_gb = 8\napi_requests_millions = 1.048576\naverage_load_vcpu = 0.1";
    let all = Estimate::new(&dev(&format!("[logs]\nretention_days = 365\n{usage}")), &prices);
    let ingested = |e: &Estimate, item: &str| {
        e.lines.iter().find(|l| l.item.contains(item)).map(|l| l.quantity).unwrap_or_else(|| panic!("{item}"))
    };
    assert_eq!(ingested(&all, "backend and database"), 6.0);
    assert_eq!(ingested(&all, "VPC flow logs (ALL)"), 2.0);
    assert!(close(ingested(&all, "WAF"), 1.0));
    // The small tier keeps Container Insights (1 task all month: 730 x 60 minutes of 2 KB)
    // and enhanced monitoring every 60 s (43,800 events of 10 KB).
    let insights = 730.0 * 60.0 * 2.0 / (1024.0 * 1024.0);
    let monitoring = 43_800.0 * 10.0 / (1024.0 * 1024.0);
    assert!(close(ingested(&all, "Container Insights performance"), insights));
    assert!(close(ingested(&all, "enhanced monitoring"), monitoring));
    // 365 days is 12 months of 730 hours; Container Insights keeps 1 day, RDS 30 days.
    let stored = 9.0 * 12.0 + insights / 30.4167 + monitoring * 30.0 / 30.4167;
    assert!(close(line(&all, "cloudwatch_logs.storage_gb_month").quantity, stored));
    assert_eq!(line(&all, "cloudwatch.container_insights_ecs_metric_month").quantity, 30.0);

    // min-logs: flow logs of rejected traffic only, WAF records of matched requests only (a
    // twentieth), no Container Insights, no enhanced monitoring, 7 days kept.
    let minimal = Estimate::new(&dev(&format!("presets = [\"min-logs\"]\n{usage}")), &prices);
    assert!(close(ingested(&minimal, "VPC flow logs (REJECT)"), 0.4));
    assert!(close(ingested(&minimal, "WAF, the requests a rule blocked or counted"), 0.05));
    assert!(minimal.lines.iter().all(|l| !l.item.contains("Container Insights") && !l.item.contains("enhanced")));
    assert!(close(line(&minimal, "cloudwatch_logs.storage_gb_month").quantity, 6.45 * 7.0 / 30.4167));
    // The WAF's part alone, on an environment that keeps everything else.
    let matched = Estimate::new(&dev(&format!("[waf]\nlogged_requests = \"matched\"\n{usage}")), &prices);
    assert!(close(ingested(&matched, "WAF, the requests a rule blocked or counted"), 0.05));
    assert!(close(ingested(&matched, "VPC flow logs (ALL)"), 2.0));
}

#[test]
fn alarms_are_counted_as_the_monitoring_module_renders_them() {
    let prices = dollar_prices();
    // 10 alarm metrics always, the running-tasks alarm, 6 target-tracking alarms.
    assert_eq!(line(&Estimate::new(&arch(""), &prices), "cloudwatch.alarm_standard_month").quantity, 17.0);
    // No running-tasks alarm when the service scales to zero every night, but the 5xx
    // alarm reads a third metric (the load balancer's 503s, which it leaves out).
    let night = Estimate::new(&dev("presets = [\"night-scale-down\"]"), &prices);
    assert_eq!(line(&night, "cloudwatch.alarm_standard_month").quantity, 17.0);
}

#[test]
fn alarm_constants_match_the_templates() {
    let monitoring = include_str!("../../templates/modules/monitoring/main.tf.j2");
    let alarms = monitoring.matches("resource \"aws_cloudwatch_metric_alarm\"").count();
    let conditional = monitoring.matches("{% if monitoring.tasks_alarm %}").count();
    let math_metrics = monitoring.matches("    metric {").count();
    let conditional_metrics =
        monitoring.matches("{% if monitoring.api_5xx_ignores_no_target_503 %}\n  metric_query {").count();
    assert_eq!(
        (alarms, conditional, math_metrics, conditional_metrics),
        (10, 1, 3, 1),
        "update MONITORING_ALARM_METRICS"
    );
    let math_metrics = math_metrics - conditional_metrics;
    // Nine unconditional alarms; the metric-math one is billed for its two metrics.
    assert_eq!(MONITORING_ALARM_METRICS as usize, alarms - conditional + math_metrics - 1);
    let ecs = include_str!("../../templates/modules/ecs/main.tf.j2");
    assert_eq!(
        ecs.matches("policy_type        = \"TargetTrackingScaling\"").count() * 2,
        TARGET_TRACKING_ALARMS as usize
    );
    // The managed groups and the rate-based rule.
    assert_eq!(WAF_RULES as usize, crate::model::edge::MANAGED_RULE_GROUPS.len() + 1);
}

#[test]
fn keys_backups_and_the_zone_follow_the_model() {
    let prices = dollar_prices();
    let prod = Estimate::new(&arch("[backup]\ncopy_region = \"ap-northeast-3\""), &prices);
    let keys = lines(&prod, "kms.customer_key_month");
    assert_eq!(keys.iter().map(|l| l.quantity).sum::<f64>(), 4.0);
    assert_eq!(keys[1].billed_in.as_deref(), Some("ap-northeast-3"));
    assert_eq!(line(&prod, "backup.cross_region_transfer_osaka_gb").quantity, 20.0);
    assert_eq!(lines(&prod, "backup.warm_storage_rds_gb_month").len(), 2);

    let dev_estimate = Estimate::new(&dev("[backup]\ncross_region_copy = false"), &prices);
    assert_eq!(lines(&dev_estimate, "kms.customer_key_month")[0].quantity, 3.0);
    assert_eq!(dev_estimate.component_usd(Component::Route53), 0.0);
    assert!(dev_estimate.notes.iter().any(|n| n.contains("looked up, not created")));
    let zone = Estimate::new(&dev("[dns]\ncreate_zone = true"), &prices);
    assert_eq!(line(&zone, "route53.hosted_zone_month").quantity, 1.0);
}

#[test]
fn the_cdn_moves_transfer_to_cloudfront_and_prices_the_image_bucket() {
    let prices = dollar_prices();
    let usage =
        "[usage]\napi_data_out_gb = 10\nimage_storage_gb = 2\nimage_data_out_gb = 3\nimage_requests_millions = 0.5";
    let plain = Estimate::new(&dev(usage), &prices);
    assert_eq!(line(&plain, "data_transfer.out_internet_gb").quantity, 10.0);
    assert_eq!(plain.component_usd(Component::CloudFront) + plain.component_usd(Component::S3), 0.0);

    let cdn = Estimate::new(&dev(&format!("presets = [\"images-cdn\"]\n[cdn]\napi = true\n{usage}")), &prices);
    assert_eq!(cdn.component_usd(Component::DataTransfer), 0.0);
    let out: f64 = lines(&cdn, "cloudfront.data_transfer_out_japan_gb").iter().map(|l| l.quantity).sum();
    assert_eq!(out, 13.0);
    // 0.5 M image requests are 50 units of 10,000.
    assert!(lines(&cdn, "cloudfront.https_requests_japan_10k").iter().any(|l| l.quantity == 50.0));
    assert_eq!(line(&cdn, "s3.intelligent_tiering.frequent_gb_month").quantity, 2.0);
    // 2 GB of 0.5 MB images: 4,096 objects, 4.096 thousands.
    assert!(close(line(&cdn, "s3.intelligent_tiering.monitoring_1k_objects").quantity, 4.096));
}

#[test]
fn amplify_bills_builds_requests_rendering_time_and_transfer() {
    let usage = "[usage]\nfrontend_build_minutes = 100\nfrontend_requests_millions = 0.036\nfrontend_data_out_gb = 4";
    let estimate = Estimate::new(&dev(usage), &dollar_prices());
    assert_eq!(line(&estimate, "amplify.build_minute").quantity, 100.0);
    assert_eq!(line(&estimate, "amplify.ssr_requests_million").quantity, 0.036);
    // 36,000 requests of 0.1 GB-s: 3,600 GB-s, one GB-hour.
    assert!(close(line(&estimate, "amplify.ssr_duration_gb_hour").quantity, 1.0));
    assert_eq!(line(&estimate, "amplify.data_transfer_out_gb").quantity, 4.0);
}

#[test]
fn missing_and_other_region_prices_are_flagged_not_hidden() {
    // The table has no db.m7g.large: the line is zero, flagged, and listed.
    let estimate = Estimate::new(&arch("[database]\ninstance_class = \"db.m7g.large\""), real_prices());
    assert_eq!(estimate.missing_prices, ["rds_postgresql.db_m7g_large.multi_az_hour"]);
    let instance = line(&estimate, "rds_postgresql.db_m7g_large.multi_az_hour");
    assert!(instance.monthly_usd == 0.0 && !instance.price_confirmed);
    assert!(instance.note.as_deref().is_some_and(|n| n.contains("not counted")));
    assert!(estimate.table(real_prices()).contains("not in the table: counted as zero"));

    // us-east-1 has its own NAT price, and falls back to Tokyo's for WAF, flagged.
    let text = "region = \"us-east-1\"\n[network]\nazs = [\"us-east-1a\", \"us-east-1b\"]\n\
                [backup]\ncopy_region = \"us-west-2\"";
    let estimate = Estimate::new(&arch(text), real_prices());
    let nat = line(&estimate, "nat_gateway.hour");
    assert!(nat.unit_price == 0.045 && nat.price_confirmed);
    let waf = line(&estimate, "waf.web_acl_month");
    assert!(!waf.price_confirmed && waf.note.as_deref().is_some_and(|n| n.contains("no us-east-1 price")));
}

#[test]
fn every_price_the_estimator_uses_exists_for_ap_northeast_1() {
    let prices = real_prices();
    let mut variants = vec![
        arch(""),
        arch("tier = \"large\""),
        arch("[cache]\nengine = \"valkey\"\nengine_version = \"8.0\""),
        arch("[cdn]\napi = true\nimages = true\n[dns]\ncreate_zone = true\n[backup]\ncopy_region = \"ap-northeast-3\""),
        dev("[database]\ninstance_class = \"db.t3.micro\""),
        dev("[database]\ninstance_class = \"db.t4g.small\""),
    ];
    for preset in crate::config::presets::PRESETS {
        variants.push(arch_with(
            "stage = \"development\"\ntier = \"small\"",
            &Overrides { enable_presets: vec![preset.name.to_string()], ..Overrides::default() },
        ));
    }
    let mut used = std::collections::BTreeSet::new();
    for variant in &variants {
        let estimate = Estimate::new(variant, prices);
        assert!(estimate.missing_prices.is_empty(), "{:?}", estimate.missing_prices);
        for line in &estimate.lines {
            let region = line.billed_in.as_deref().unwrap_or(REFERENCE_REGION);
            assert!(
                prices.prices.iter().any(|p: &Price| p.id == line.price_id && p.region == region),
                "{} has no {region} row",
                line.price_id
            );
            used.insert(line.price_id.clone());
        }
    }
    // Every kind of line showed up at least once.
    for id in
        ["nat_gateway.hour", "vpc_endpoint.interface_hour", "fargate.linux_arm.vcpu_hour", "route53.hosted_zone_month"]
    {
        assert!(used.contains(id), "{id} never used");
    }
}

#[test]
fn the_table_flags_unconfirmed_prices_and_states_the_usage() {
    let estimate = Estimate::new(&arch(""), real_prices());
    let table = estimate.table(real_prices());
    // The sourced Multi-AZ row is confirmed; the copy vault's storage in Osaka is not.
    let confirmed = table.lines().find(|l| l.contains("db.t4g.medium PostgreSQL")).expect("RDS line");
    assert!(!confirmed.ends_with(" *"), "{confirmed}");
    let flagged = table.lines().find(|l| l.contains("copy to ap-northeast-3: snapshots")).expect("copy line");
    assert!(flagged.ends_with(" *"), "{flagged}");
    assert!(table.contains("* price not confirmed by a source: 1.90 of the"), "{table}");
    assert!(table.contains("backup.warm_storage_rds_gb_month in ap-northeast-3, $0.095/gb_month"));
    assert!(close(estimate.unconfirmed_usd, 1.90), "{}", estimate.unconfirmed_usd);
    assert!(table.contains("usage assumed ([usage]"));
    let total: f64 = estimate.lines.iter().map(|l| l.monthly_usd).sum();
    assert!(close(total, estimate.total_usd));
}
