use super::*;
use crate::config::{Overrides, load_environment};
use crate::diagnostic::SourceFile;

/// The defaults are production's, which names its account: tests that are not about the
/// account get one as if from `--set`, so that the text keeps its line numbers.
fn account_override(text: &str) -> Overrides {
    let set = if text.contains("account_id") { Vec::new() } else { vec!["account_id=\"111122223333\"".to_string()] };
    Overrides { set, ..Overrides::default() }
}

fn build_named(name: &str, text: &str) -> Result<Architecture, Diagnostics> {
    let env =
        load_environment(name, SourceFile::new(format!("environments/{name}.toml"), text), &account_override(text))
            .expect("test file loads");
    Architecture::from_environment(&env)
}

fn build(text: &str) -> Result<Architecture, Diagnostics> {
    build_named("dev", text)
}

/// The messages of every error, in order.
fn errors(text: &str) -> Vec<String> {
    match build(text) {
        Ok(_) => Vec::new(),
        Err(d) => d.0.iter().map(|d| d.message.clone()).collect(),
    }
}

fn only_error(text: &str) -> Diagnostic {
    match build(text) {
        Ok(_) => panic!("expected an error"),
        Err(mut d) => {
            assert_eq!(d.0.len(), 1, "{d}");
            d.0.remove(0)
        }
    }
}

#[test]
fn the_small_tier_builds_a_two_zone_network_with_one_nat_gateway() {
    let arch = build("tier = \"small\"\n[service]\nmin_count = 2\ndesired_count = 2\n").expect("valid");
    assert_eq!(arch.name_prefix, "webapp-dev");
    assert_eq!(arch.network.zones.len(), 2);
    assert_eq!(arch.network.egress, Egress::NatGateways(NatLayout::Single));
    assert_eq!(
        arch.network.nat_gateway_for_zone(),
        [("ap-northeast-1a", "ap-northeast-1a"), ("ap-northeast-1c", "ap-northeast-1a")]
    );
    assert_eq!(arch.network.nat_gateway_zones(), ["ap-northeast-1a"]);
    assert_eq!(arch.state.bucket, "webapp-tfstate-ap-northeast-1");
    assert_eq!(arch.state.key, "dev/terraform.tfstate");
}

#[test]
fn per_az_nat_gives_every_zone_its_own_gateway_and_no_nat_gives_endpoints() {
    let arch = build("[network]\nnat = \"per_az\"\n").expect("valid");
    assert_eq!(arch.network.nat_gateway_zones(), ["ap-northeast-1a", "ap-northeast-1c"]);
    assert!(arch.network.interface_endpoints().is_empty());
    let arch = build("presets = [\"no-nat\"]\n").expect("valid");
    assert!(arch.network.nat_gateway_zones().is_empty());
    assert_eq!(arch.network.interface_endpoints(), ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]);
}

#[test]
fn overlapping_subnets_are_reported_at_the_second_one() {
    let text = "[network.subnets]\nprivate = [\"10.0.10.0/24\", \"10.0.0.0/23\"]\n";
    let d = only_error(text);
    assert_eq!(
        d.message,
        "`network.subnets.private[1]` (10.0.0.0/23) overlaps `network.subnets.public[0]` (10.0.0.0/24)"
    );
    let location = d.location.expect("located in the file");
    assert_eq!((location.file.as_str(), location.line, location.column), ("environments/dev.toml", 2, 28));
}

#[test]
fn a_subnet_outside_the_vpc_is_an_error() {
    let d = only_error(
        "[network]\nvpc_cidr = \"10.0.0.0/20\"\n[network.subnets]\npublic = [\"10.0.0.0/24\", \"10.0.1.0/24\"]\nprivate = [\"10.0.2.0/24\", \"10.0.3.0/24\"]\ndatabase = [\"10.0.4.0/24\", \"10.1.0.0/24\"]\n",
    );
    assert_eq!(d.message, "`network.subnets.database[1]` (10.1.0.0/24) is outside `network.vpc_cidr` (10.0.0.0/20)");
    assert_eq!(d.help.as_deref(), Some("pick a range inside 10.0.0.0/20"));
}

#[test]
fn cidrs_must_be_well_formed_network_addresses_with_accepted_prefixes() {
    assert_eq!(
        errors("[network]\nvpc_cidr = \"10.0.0.0/33\"\n"),
        ["`network.vpc_cidr` must be an IPv4 CIDR block such as \"10.0.0.0/16\", found \"10.0.0.0/33\""]
    );
    let d = only_error("[network]\nvpc_cidr = \"10.0.0.1/16\"\n");
    assert_eq!(
        d.message,
        "`network.vpc_cidr` (10.0.0.1/16) has host bits set; a CIDR block starts at its network address"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean \"10.0.0.0/16\"?"));
    assert_eq!(
        errors("[network]\nvpc_cidr = \"10.0.0.0/8\"\n"),
        ["`network.vpc_cidr` (10.0.0.0/8) has a /8 prefix; AWS accepts a VPC from /16 to /28"]
    );
    assert_eq!(
        errors("[network.subnets]\npublic = [\"10.0.0.0/29\", \"10.0.1.0/24\"]\n"),
        ["`network.subnets.public[0]` (10.0.0.0/29) has a /29 prefix; AWS accepts a subnet from /16 to /28"]
    );
}

#[test]
fn every_tier_needs_a_subnet_in_every_zone() {
    let text = "[network]\nazs = [\"ap-northeast-1a\", \"ap-northeast-1c\", \"ap-northeast-1d\"]\n[network.subnets]\npublic = [\"10.0.0.0/24\", \"10.0.1.0/24\", \"10.0.2.0/24\"]\nprivate = [\"10.0.10.0/24\", \"10.0.11.0/24\", \"10.0.12.0/24\"]\n";
    let d = only_error(text);
    assert_eq!(
        d.message,
        "`network.subnets.database` has 2 subnets but `network.azs` lists 3 zones: every tier needs one subnet in every zone"
    );
    // The database subnets were not written in the file: the note says where they came from.
    assert_eq!(d.location, None);
    assert_eq!(
        d.notes,
        ["`network.subnets.database` is the built-in default; set it in environments/dev.toml to change it"]
    );
}

#[test]
fn a_single_zone_is_rejected_with_the_reason() {
    let text = "[network]\nazs = [\"ap-northeast-1a\"]\n[network.subnets]\npublic = [\"10.0.0.0/24\"]\nprivate = [\"10.0.10.0/24\"]\ndatabase = [\"10.0.20.0/24\"]\n";
    let d = only_error(text);
    assert_eq!(
        d.message,
        "`network.azs` lists 1 zone; at least two are needed, because an ALB and an RDS subnet group both require subnets in two zones"
    );
    assert_eq!(d.help.as_deref(), Some("add a second zone, e.g. ap-northeast-1a, ap-northeast-1c, ap-northeast-1d"));
}

#[test]
fn zones_must_belong_to_the_region_and_be_listed_once() {
    assert_eq!(
        errors("[network]\nazs = [\"ap-northeast-1a\", \"us-east-1a\"]\n"),
        ["`network.azs[1]`: \"us-east-1a\" is not in the environment's region ap-northeast-1"]
    );
    assert_eq!(
        errors("[network]\nazs = [\"ap-northeast-1a\", \"ap-northeast-1b\"]\n"),
        ["`network.azs[1]`: \"ap-northeast-1b\" is not an availability zone of ap-northeast-1 open to new accounts"]
    );
    assert_eq!(
        errors("[network]\nazs = [\"ap-northeast-1a\", \"ap-northeast-1a\"]\n"),
        ["`network.azs[1]` repeats zone \"ap-northeast-1a\""]
    );
}

#[test]
fn regions_must_exist() {
    let d = build("region = \"ap-northeast-9\"\n").expect_err("unknown region");
    assert_eq!(
        d.0[0].message,
        "`region` must be an AWS region code such as \"ap-northeast-1\", found \"ap-northeast-9\""
    );
    assert_eq!(d.0[0].help.as_deref(), Some("did you mean `ap-northeast-1`?"));
}

#[test]
fn names_must_suit_aws() {
    assert_eq!(
        errors("project = \"My_App\"\n"),
        [
            "`project` must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen, found \"My_App\""
        ]
    );
    let d = only_error("project = \"a-very-long-project-name\"\n");
    assert_eq!(
        d.message,
        "`project` is too long: resource names start with `a-very-long-project-name-dev` (28 characters), and at most 24 leave room for the suffixes within AWS's 32-character name limits"
    );
    assert_eq!(d.help.as_deref(), Some("use a project name of at most 20 characters"));
    let d = build_named("Dev_1", "").expect_err("bad environment name");
    assert_eq!(
        d.0[0].message,
        "the environment name `Dev_1`, taken from the file name, must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen"
    );
}

#[test]
fn domain_and_bucket_names_are_checked() {
    assert_eq!(
        errors("[dns]\nzone = \"localhost\"\n"),
        ["`dns.zone` must be a domain with at least two labels, such as example.com, found \"localhost\""]
    );
    assert_eq!(
        errors("[state]\nbucket = \"Terraform_State\"\n"),
        ["`state.bucket` must be a valid S3 bucket name: only lowercase letters, digits, hyphens and dots"]
    );
}

#[test]
fn tags_cannot_override_infragen_tags_and_must_be_valid() {
    assert_eq!(
        errors("[tags]\nProject = \"x\"\n\"aws:foo\" = \"y\"\n"),
        [
            "tag `Project` is set by infragen on every resource and cannot be overridden in `tags`",
            "tag `aws:foo` is not valid: AWS expects tag keys that do not start with `aws:` (reserved by AWS)",
        ]
    );
}

#[test]
fn log_retention_must_be_a_value_cloudwatch_accepts() {
    let d = only_error("[logs]\nretention_days = 10\n");
    assert_eq!(d.message, "`logs.retention_days` must be a retention CloudWatch Logs accepts, found 10");
    assert!(d.help.as_deref().is_some_and(|h| h.starts_with("use one of 1, 3, 5, 7, 14,")));
}

#[test]
fn all_errors_are_collected_not_only_the_first() {
    let text =
        "project = \"Bad\"\nregion = \"xx-east-1\"\n[network]\nvpc_cidr = \"10.0.0.0/8\"\n[dns]\nzone = \"nodot\"\n";
    assert_eq!(errors(text).len(), 4, "{:?}", errors(text));
}

/// An environment that is valid apart from what a test adds: development stage, so the
/// production safeguards do not interfere unless a test asks for them.
fn dev_errors(extra: &str) -> Vec<String> {
    errors(&format!("stage = \"development\"\n{extra}"))
}

#[test]
fn fargate_cpu_and_memory_must_be_a_combination_fargate_offers() {
    let d = only_error("[service]\ncpu = 256\nmemory = 4096\n");
    assert_eq!(d.message, "`service.memory` 4096 MiB is not a size Fargate offers with 256 CPU units");
    assert_eq!(d.help.as_deref(), Some("with cpu = 256, use one of 512, 1024 or 2048"));
    assert_eq!(
        dev_errors("[service]\ncpu = 300\n"),
        ["`service.cpu` must be a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192 or 16384), found 300"]
    );
}

#[test]
fn task_counts_must_be_ordered() {
    assert_eq!(
        dev_errors("[service]\nmin_count = 3\ndesired_count = 2\nmax_count = 10\n"),
        ["the task counts must satisfy min_count <= desired_count <= max_count, found 3 <= 2 <= 10"]
    );
    assert_eq!(
        dev_errors("[service]\nmin_count = 0\ndesired_count = 0\nmax_count = 0\n"),
        ["`service.max_count` must be at least 1"]
    );
}

#[test]
fn ports_must_be_in_range() {
    assert_eq!(dev_errors("[service]\nport = 0\n"), ["`service.port` must be a TCP port from 1 to 65535, found 0"]);
    // Beyond a u16, the schema check already refuses it before validation.
    let env = load_environment(
        "dev",
        SourceFile::new("environments/dev.toml", "[service]\nport = 70000\n"),
        &Overrides::default(),
    );
    assert_eq!(env.expect_err("out of range").0[0].message, "`service.port` must be from 0 to 65535, found 70000");
}

#[test]
fn health_checks_are_checked() {
    assert_eq!(
        dev_errors("[alb.health_check]\npath = \"health\"\n"),
        ["`alb.health_check.path` must be a URL path starting with \"/\", found \"health\""]
    );
    assert_eq!(
        dev_errors("[alb.health_check]\nmatcher = \"2xx\"\n"),
        [
            "`alb.health_check.matcher` must be HTTP codes from 200 to 499, as \"200\", \"200,204\" or \"200-299\", found \"2xx\""
        ]
    );
    assert_eq!(
        dev_errors("[alb.health_check]\ninterval = 5\ntimeout = 5\n"),
        ["`alb.health_check.timeout` (5s) must be shorter than `alb.health_check.interval` (5s)"]
    );
    assert_eq!(
        dev_errors("[alb.health_check]\nhealthy_threshold = 1\n"),
        ["`alb.health_check.healthy_threshold` must be from 2 to 10 checks, found 1"]
    );
}

#[test]
fn target_tracking_targets_are_percentages() {
    assert_eq!(
        dev_errors("[service.autoscaling]\ncpu_target = 0\nmemory_target = 101\n"),
        [
            "`service.autoscaling.cpu_target` must be from 1 to 100 percent, found 0",
            "`service.autoscaling.memory_target` must be from 1 to 100 percent, found 101",
        ]
    );
}

#[test]
fn the_waf_rate_limit_must_be_one_waf_accepts() {
    assert_eq!(
        dev_errors("[waf]\nrate_limit = 5\n"),
        ["`waf.rate_limit` must be from 10 to 2000000000 requests per 5 minutes, as WAF accepts, found 5"]
    );
}

#[test]
fn tls_policies_must_be_tls13_without_old_protocols() {
    let d =
        build("stage = \"development\"\n[alb]\nssl_policy = \"ELBSecurityPolicy-2016-08\"\n").expect_err("old policy");
    assert_eq!(
        d.0[0].message,
        "`alb.ssl_policy` must be a TLS 1.3 policy that refuses TLS 1.0 and 1.1, found \"ELBSecurityPolicy-2016-08\""
    );
}

#[test]
fn record_names_must_be_valid_under_the_zone() {
    assert_eq!(
        dev_errors("[dns]\napi_record = \"api_dev\"\n"),
        ["`dns.api_record` must be one or more DNS labels (lowercase letters, digits, hyphens), found \"api_dev\""]
    );
    assert_eq!(
        dev_errors("[dns]\napi_record = \"www\"\n"),
        ["`dns.frontend_record` and `dns.api_record` are both \"www\"; every record needs a name of its own"]
    );
    let arch =
        build("stage = \"development\"\n[dns]\nzone = \"example.org\"\napi_record = \"api.dev\"\n").expect("valid");
    assert_eq!(arch.dns.api_domain, "api.dev.example.org");
}

#[test]
fn schedule_expressions_must_be_well_formed() {
    assert_eq!(
        dev_errors("[service.night_scale_down]\nstop = \"cron(0 22 * * *)\"\n"),
        [
            "`service.night_scale_down.stop` is not a valid schedule: it has 5 fields; cron() takes six: minutes hours day-of-month month day-of-week year, in \"cron(0 22 * * *)\""
        ]
    );
    assert_eq!(
        dev_errors("[backup]\nschedule = \"daily\"\n"),
        [
            "`backup.schedule` is not a valid schedule: it must have the form cron(minutes hours day-of-month month day-of-week year), in \"daily\""
        ]
    );
    assert_eq!(
        dev_errors("[service.night_scale_down]\ntimezone = \"JST\"\n"),
        [
            "`service.night_scale_down.timezone` must be an IANA time zone such as \"Asia/Tokyo\" or \"UTC\", found \"JST\""
        ]
    );
    let arch = build("stage = \"development\"\npresets = [\"night-scale-down\"]\n").expect("valid");
    assert_eq!(arch.service.night_scale_down.map(|n| n.hours_per_night), Some(Some(8.0)));
}

#[test]
fn backup_retention_ranges() {
    assert_eq!(
        dev_errors("[database]\nbackup_retention_days = 36\n[backup]\nretention_days = 0\n"),
        [
            "`database.backup_retention_days` must be from 1 to 35 days, found 36",
            "`backup.retention_days` must be from 1 to 36500 days, found 0",
        ]
    );
}

#[test]
fn engine_versions_and_instance_classes_must_exist() {
    assert_eq!(
        dev_errors("[database]\nengine_version = \"15\"\n"),
        [
            "`database.engine_version` must be a supported PostgreSQL version (16, 17, 18, optionally with a minor version such as \"17.6\"), found \"15\""
        ]
    );
    let d = build("stage = \"development\"\n[database]\ninstance_class = \"db.t4g.mediun\"\n").expect_err("typo");
    assert_eq!(
        d.0[0].message,
        "`database.instance_class` \"db.t4g.mediun\" is not an instance class RDS for PostgreSQL offers"
    );
    assert_eq!(d.0[0].help.as_deref(), Some("did you mean `db.t4g.medium`?"));
    assert_eq!(
        dev_errors("[database]\ninstance_class = \"db.t4g.micro\"\nperformance_insights = true\n"),
        ["Performance Insights is not available on db.t4g.micro"]
    );
}

#[test]
fn maintenance_and_backup_windows() {
    assert_eq!(
        dev_errors("[database]\nbackup_window = \"17:00-18:00\"\nmaintenance_window = \"sun:17:30-sun:18:30\"\n"),
        [
            "`database.maintenance_window` (sun:17:30-sun:18:30) overlaps the daily `database.backup_window` (17:00-18:00)"
        ]
    );
    assert_eq!(
        dev_errors("[database]\nbackup_window = \"5pm\"\n"),
        ["`database.backup_window` must be a UTC window \"hh:mm-hh:mm\" of at least 30 minutes, found \"5pm\""]
    );
}

#[test]
fn alarm_destinations_must_be_well_formed() {
    assert_eq!(
        dev_errors("[monitoring]\nalarm_emails = [\"ops@example.com\", \"not-an-address\"]\n"),
        ["`monitoring.alarm_emails[1]` is not an e-mail address: \"not-an-address\""]
    );
    assert_eq!(
        dev_errors("[monitoring.slack]\nworkspace_id = \"acme\"\nchannel_id = \"#alerts\"\n"),
        [
            "`monitoring.slack.workspace_id` must be a Slack workspace ID: `T` and 8 to 11 uppercase letters or digits, found \"acme\"",
            "`monitoring.slack.channel_id` must be a Slack channel ID: `C` (or `G` for a private channel) and 8 to 11 uppercase letters or digits, found \"#alerts\"",
        ]
    );
}

#[test]
fn backup_copies_go_to_another_known_region() {
    assert_eq!(
        dev_errors("[backup]\ncopy_region = \"ap-northeast-1\"\n"),
        ["`backup.copy_region` is the environment's own region (ap-northeast-1); a copy must go to a second region"]
    );
    assert_eq!(
        dev_errors("[backup]\ncopy_region = \"osaka\"\n"),
        ["`backup.copy_region` must be an AWS region code, found \"osaka\""]
    );
    assert!(dev_errors("[backup]\ncross_region_copy = false\ncopy_region = \"osaka\"\n").is_empty());
}

#[test]
fn production_keeps_its_safeguards() {
    let text = "presets = [\"single-az-db\", \"min-ecs\", \"night-scale-down\"]\n[alb]\ndeletion_protection = false\n[database]\ndeletion_protection = false\nskip_final_snapshot = true\n[backup]\ncross_region_copy = false\n[monitoring]\nalarm_emails = []\n";
    assert_eq!(
        errors(text),
        [
            "production environments keep deletion protection on their load balancer",
            "production environments keep deletion protection on their database",
            "production environments keep a final snapshot when the database is deleted",
            "production environments run the database Multi-AZ, with a standby in a second zone",
            "production environments run at least two tasks, so that both zones serve",
            "production environments do not scale to zero at night",
            "production environments copy their backups to a second region",
            "production environments send alarms somewhere",
        ]
    );
    let d = build("[database]\nmulti_az = false\n").expect_err("single-AZ production");
    assert_eq!(
        d.0[0].help.as_deref(),
        Some(
            "remove the `single-az-db` preset or set `database.multi_az = true`, or set `stage = \"development\"` for an environment that does not serve users"
        )
    );
    // The same settings are fine for development.
    assert!(errors(&format!("stage = \"development\"\n{text}")).is_empty());
}

#[test]
fn reserved_environment_variables_are_refused() {
    assert_eq!(
        dev_errors("[service.environment]\nDATABASE_HOST = \"x\"\n\"BAD-NAME\" = \"y\"\n"),
        [
            "`BAD-NAME` is not an environment variable name (letters, digits and `_`, not starting with a digit)",
            "`DATABASE_HOST` is set by infragen on the container; remove it from `service.environment`",
        ]
    );
    assert_eq!(
        dev_errors("[frontend.environment]\nNEXT_PUBLIC_API_URL = \"x\"\n"),
        ["`NEXT_PUBLIC_API_URL` is set by infragen; remove it from `frontend.environment`"]
    );
}

#[test]
fn caches_need_an_iam_capable_engine_and_a_known_node_type() {
    assert_eq!(
        dev_errors("[cache]\nengine_version = \"6.2\"\nnode_type = \"cache.t4g.smal\"\n"),
        [
            "`cache.engine_version` must be a redis version with IAM authentication (7.0, 7.1), found \"6.2\"",
            "`cache.node_type` \"cache.t4g.smal\" is not a node type ElastiCache offers",
        ]
    );
    assert_eq!(
        errors("[cache]\nreplicas = 0\n"),
        ["production environments keep a cache replica in a second zone, for automatic failover"]
    );
    let arch = build("stage = \"development\"\ntier = \"small\"\n").expect("valid");
    assert_eq!(arch.cache, None, "the small tier has no cache");
    let arch = build("tier = \"large\"\n").expect("valid");
    assert_eq!(arch.cache.map(|c| (c.node_type, c.replicas)), Some(("cache.r7g.large".to_string(), 2)));
    assert!(arch.cdn.api, "the large tier puts CloudFront in front of the API");
}

#[test]
fn usage_assumptions_cannot_be_negative() {
    assert_eq!(
        dev_errors("[usage]\napi_data_out_gb = -1.0\n"),
        ["`usage.api_data_out_gb` must be a number of 0 or more, found -1"]
    );
}

#[test]
fn declared_preset_conflicts_are_errors() {
    let env = load_environment(
        "dev",
        SourceFile::new(
            "environments/dev.toml",
            "stage = \"development\"\npresets = [\"min-ecs\", \"autoscaling-tuned\"]\n",
        ),
        &Overrides::default(),
    );
    let diagnostics = env.expect_err("conflict");
    assert_eq!(diagnostics.0[0].message, "presets `min-ecs` and `autoscaling-tuned` conflict; use one or the other");
}

#[test]
fn an_account_id_is_twelve_digits_and_production_needs_one() {
    assert_eq!(build("account_id = \"123456789012\"\n").expect("valid").account_id.as_deref(), Some("123456789012"));
    assert_eq!(
        errors("account_id = \"12345\"\n"),
        ["`account_id` must be the 12 digits of an AWS account ID, found \"12345\""]
    );
    assert_eq!(
        errors("account_id = \"12345678901a\"\n"),
        ["`account_id` must be the 12 digits of an AWS account ID, found \"12345678901a\""]
    );
    let missing = Architecture::from_environment(
        &load_environment(
            "prod",
            SourceFile::new("environments/prod.toml", "stage = \"production\"\n"),
            &Overrides::default(),
        )
        .expect("loads"),
    )
    .expect_err("production without an account");
    assert_eq!(
        missing.0.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
        ["production environments name their AWS account: `account_id` is missing"]
    );
    let development = load_environment(
        "dev",
        SourceFile::new(
            "environments/dev.toml",
            "stage = \"development\"\n[service]\nmin_count = 1\ndesired_count = 1\n",
        ),
        &Overrides::default(),
    )
    .expect("loads");
    assert_eq!(Architecture::from_environment(&development).expect("valid").account_id, None);
}

#[test]
fn waf_count_rules_default_to_a_json_api_and_merge_by_group() {
    let arch = build("").expect("valid");
    assert_eq!(arch.waf.counted_in("AWSManagedRulesCommonRuleSet"), ["SizeRestrictions_BODY", "NoUserAgent_HEADER"]);
    assert!(arch.waf.counted_in("AWSManagedRulesSQLiRuleSet").is_empty());
    // A group set in the file keeps the default of the others; `[]` blocks with every rule.
    let arch = build("[waf.count_rules]\nAWSManagedRulesSQLiRuleSet = [\"SQLi_BODY\"]\n").expect("valid");
    assert_eq!(arch.waf.counted_in("AWSManagedRulesSQLiRuleSet"), ["SQLi_BODY"]);
    assert_eq!(arch.waf.counted_in("AWSManagedRulesCommonRuleSet").len(), 2);
    let arch = build("[waf.count_rules]\nAWSManagedRulesCommonRuleSet = []\n").expect("valid");
    assert!(arch.waf.counted_in("AWSManagedRulesCommonRuleSet").is_empty());
}

#[test]
fn waf_count_rules_name_known_groups_and_rules_once() {
    let d = only_error("[waf.count_rules]\nAWSManagedRulesCommonRuleSet = [\"SizeRestriction_BODY\"]\n");
    assert_eq!(
        d.message,
        "`waf.count_rules.AWSManagedRulesCommonRuleSet[0]`: `SizeRestriction_BODY` is not a rule of AWSManagedRulesCommonRuleSet"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `SizeRestrictions_BODY`?"));
    let location = d.location.expect("located in the file");
    assert_eq!((location.line, location.column), (2, 33));

    let d = only_error("[waf.count_rules]\nAWSManagedRulesSQLiRuleSet = [\"SQLi_BODY\", \"SQLi_BODY\"]\n");
    assert_eq!(d.message, "`waf.count_rules.AWSManagedRulesSQLiRuleSet[1]`: `SQLi_BODY` is listed twice");

    let d = only_error("[waf.count_rules]\nAWSManagedRulesSQLiRuleset = [\"SQLi_BODY\"]\n");
    assert_eq!(
        d.message,
        "`waf.count_rules` names `AWSManagedRulesSQLiRuleset`, which is not a managed rule group of the web ACL"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `AWSManagedRulesSQLiRuleSet`?"));

    // A rule of another group is not one of this group's.
    let d = only_error("[waf.count_rules]\nAWSManagedRulesCommonRuleSet = [\"SQLi_BODY\"]\n");
    assert!(d.message.ends_with("`SQLi_BODY` is not a rule of AWSManagedRulesCommonRuleSet"), "{}", d.message);
}

#[test]
fn aws_backup_keeps_clear_of_the_rds_backup_and_maintenance_windows() {
    // The defaults never collide.
    assert!(build("").is_ok());
    // The old default: AWS Backup at 18:00, right as RDS's 17:00-18:00 backup may run on,
    // and on Saturdays within the hour before maintenance (18:30).
    let Err(d) = build("[backup]\nschedule = \"cron(0 18 * * ? *)\"\n") else { panic!("two errors") };
    assert_eq!(
        d.0.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
        [
            "`backup.schedule` (cron(0 18 * * ? *)) runs AWS Backup's database snapshot from 18:00 to 21:00 UTC (start within 60 minutes, done within 180), into RDS's automated backup: `database.backup_window` (17:00-18:00) and the hour after it",
            "`backup.schedule` (cron(0 18 * * ? *)) starts AWS Backup on sat 18:00 UTC, within an hour before or during `database.maintenance_window` (sat:18:30-sat:19:30), when AWS Backup starts no database backup",
        ]
    );
    assert_eq!(
        d.0[0].help.as_deref(),
        Some("start AWS Backup at least 60 minutes after the RDS backup window ends, or 180 minutes before it starts")
    );
    // A job that would still run when RDS's backup starts.
    assert_eq!(errors("[backup]\nschedule = \"cron(0 15 * * ? *)\"\n").len(), 1);
    assert!(build("[backup]\nschedule = \"cron(0 14 * * ? *)\"\n").is_ok());
    // Starting within the hour before the maintenance window (sat 18:30-19:30)...
    let d = only_error(
        "[database]\nmaintenance_window = \"sat:21:00-sat:22:00\"\n[backup]\nschedule = \"cron(30 19 ? * SAT *)\"\n",
    );
    assert_eq!(
        d.message,
        "`backup.schedule` (cron(30 19 ? * SAT *)) starts AWS Backup on sat 19:30 UTC, within an hour before or during `database.maintenance_window` (sat:21:00-sat:22:00), when AWS Backup starts no database backup"
    );
    // ... or during it, across midnight and the end of the week.
    let text =
        "[database]\nmaintenance_window = \"sat:23:30-sun:00:30\"\n[backup]\nschedule = \"cron(0 0 ? * SUN *)\"\n";
    assert_eq!(errors(text).len(), 1, "{:?}", errors(text));
    // Only the matching day counts for a weekly schedule.
    assert!(
        build(
            "[database]\nmaintenance_window = \"sat:21:00-sat:22:00\"\n[backup]\nschedule = \"cron(30 19 ? * SUN *)\"\n"
        )
        .is_ok()
    );
}

#[test]
fn task_policy_arns_must_be_distinct_iam_managed_policies() {
    assert!(
        dev_errors(
            "[service]\ntask_policy_arns = [\"arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess\", \"arn:aws:iam::123456789012:policy/team/backend-sqs\"]\n"
        )
        .is_empty()
    );
    assert_eq!(
        dev_errors(
            "[service]\ntask_policy_arns = [\"arn:aws:s3:::bucket\", \"arn:aws:iam::12345:policy/x\", \"arn:aws:iam::aws:policy/A\", \"arn:aws:iam::aws:policy/A\"]\n"
        ),
        [
            "`service.task_policy_arns[0]` must be the ARN of an IAM managed policy, found \"arn:aws:s3:::bucket\"",
            "`service.task_policy_arns[1]` must be the ARN of an IAM managed policy, found \"arn:aws:iam::12345:policy/x\"",
            "`service.task_policy_arns[3]` repeats \"arn:aws:iam::aws:policy/A\"",
        ]
    );
}

#[test]
fn extra_alb_ingress_cidrs_must_be_networks_and_need_cloudfront_in_front() {
    assert!(dev_errors("[cdn]\napi = true\n[alb]\nextra_ingress_cidrs = [\"203.0.113.0/24\"]\n").is_empty());
    assert_eq!(
        dev_errors(
            "[cdn]\napi = true\n[alb]\nextra_ingress_cidrs = [\"office\", \"203.0.113.1/24\", \"198.51.100.0/24\", \"198.51.100.0/24\"]\n"
        ),
        [
            "`alb.extra_ingress_cidrs[0]` must be an IPv4 CIDR such as \"203.0.113.0/24\", found \"office\"",
            "`alb.extra_ingress_cidrs[1]` (203.0.113.1/24) is not at its network address",
            "`alb.extra_ingress_cidrs[3]` repeats \"198.51.100.0/24\"",
        ]
    );
    assert_eq!(
        dev_errors("[alb]\nextra_ingress_cidrs = [\"203.0.113.0/24\"]\n"),
        ["`alb.extra_ingress_cidrs[0]` has no effect: without `cdn.api` the load balancer accepts HTTPS from anywhere"]
    );
}

#[test]
fn the_migration_command_is_exec_form_arguments() {
    let arch =
        build("[service]\nmigrate_command = [\"/app/backend\", \"migrate\", \"--to\", \"latest\"]\n").expect("valid");
    assert_eq!(arch.service.migrate_command, ["/app/backend", "migrate", "--to", "latest"]);
    assert!(build("").expect("valid").service.migrate_command.is_empty(), "no migrations by default");
    let empty = only_error("[service]\nmigrate_command = [\"/app/backend\", \"\"]\n");
    assert_eq!(empty.message, "`service.migrate_command[1]` is empty; every element is one argument of the command");
    let shell = only_error("[service]\nmigrate_command = [\"cd /app\\nrun\"]\n");
    assert!(shell.message.contains("control character"), "{}", shell.message);
    let long = format!("[service]\nmigrate_command = [\"{}\"]\n", "x".repeat(4097));
    assert!(only_error(&long).message.contains("4097 characters"));
}

#[test]
fn the_backend_role_is_never_the_master_user() {
    let arch = build("").expect("valid");
    assert_eq!(arch.database.app_username, "backend");
    assert_ne!(arch.database.app_username, arch.database.username);
    let same = only_error("[database]\nusername = \"owner\"\napp_username = \"Owner\"\n");
    assert!(same.message.contains("must differ from the master user"), "{}", same.message);
    let reserved = only_error("[database]\napp_username = \"rds_app\"\n");
    assert!(reserved.message.contains("reserved by PostgreSQL or RDS"), "{}", reserved.message);
    assert_eq!(errors("[database]\napp_username = \"1app\"\n").len(), 1);
}
