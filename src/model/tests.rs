use super::*;
use crate::config::{Overrides, load_environment};
use crate::diagnostic::SourceFile;

fn build_named(name: &str, text: &str) -> Result<Architecture, Diagnostics> {
    let env = load_environment(name, SourceFile::new(format!("environments/{name}.toml"), text), &Overrides::default())
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
fn the_defaults_build_a_two_zone_network_with_one_nat_gateway() {
    let arch = build("").expect("defaults are valid");
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
