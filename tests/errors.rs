//! Every user-facing error of a broken environment file, pinned: the message, where it
//! points, exit status 2, and an output directory left exactly as it was.

mod common;

use common::Test;

/// Generates once from the shipped files, breaks `file` with `edit`, and checks that the
/// next run fails with exit 2, prints `expected` and leaves generated/ untouched.
#[track_caller]
fn fails_cleanly(file: &str, edit: impl Fn(&str) -> String, expected: &str) {
    let test = Test::with_fixture_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let before = test.tree("generated");
    let path = format!("environments/{file}");
    test.write(&path, &edit(&test.read(&path)));
    let output = test.run_args(&["gen", "--all"]).status(2);
    assert_eq!(output.stderr, expected, "\n--- stderr\n{}", output.stderr);
    assert_eq!(output.stdout, "");
    assert_eq!(test.tree("generated"), before, "generated/ must be left untouched");
}

#[test]
fn bad_toml() {
    fails_cleanly(
        "prod.toml",
        |text| text.replace("[network]", "[network"),
        "error: invalid TOML: unclosed table, expected `]`
  --> environments/prod.toml:14:9
   |
14 | [network
   |         ^

1 error found
",
    );
}

#[test]
fn unknown_key_with_did_you_mean() {
    fails_cleanly(
        "dev.toml",
        |text| text.replace("vpc_cidr = ", "vpc_cdir = "),
        "error: unknown key `vpc_cdir` in `network`
  --> environments/dev.toml:15:1
   |
15 | vpc_cdir = \"10.1.0.0/16\"
   | ^^^^^^^^
   = help: did you mean `vpc_cidr`?

1 error found
",
    );
}

#[test]
fn wrong_type_and_unknown_enum_value_together() {
    fails_cleanly(
        "dev.toml",
        |text| {
            text.replace("tier = \"small\"", "tier = \"smal\"")
                .replace("backup_retention_days = 7", "backup_retention_days = \"7\"")
        },
        "error: `tier` must be one of \"small\", \"medium\", \"large\", found \"smal\"
 --> environments/dev.toml:6:8
  |
6 | tier = \"smal\"
  |        ^^^^^^
  = help: did you mean `small`?

error: `database.backup_retention_days` must be an integer, found a string
  --> environments/dev.toml:35:25
   |
35 | backup_retention_days = \"7\"
   |                         ^^^

2 errors found
",
    );
}

#[test]
fn overlapping_cidrs() {
    fails_cleanly(
        "prod.toml",
        |text| text.replace("private = [\"10.0.10.0/24\"", "private = [\"10.0.0.0/23\""),
        "error: `network.subnets.private[0]` (10.0.0.0/23) overlaps `network.subnets.public[0]` (10.0.0.0/24)
  --> environments/prod.toml:20:12
   |
20 | private = [\"10.0.0.0/23\", \"10.0.11.0/24\"]
   |            ^^^^^^^^^^^^^
   = help: give every subnet its own range

1 error found
",
    );
}

#[test]
fn subnet_outside_the_vpc() {
    fails_cleanly(
        "dev.toml",
        |text| text.replace("\"10.1.21.0/24\"", "\"10.2.21.0/24\""),
        "error: `network.subnets.database[1]` (10.2.21.0/24) is outside `network.vpc_cidr` (10.1.0.0/16)
  --> environments/dev.toml:21:29
   |
21 | database = [\"10.1.20.0/24\", \"10.2.21.0/24\"]
   |                             ^^^^^^^^^^^^^^
   = help: pick a range inside 10.1.0.0/16

1 error found
",
    );
}

#[test]
fn a_single_availability_zone() {
    fails_cleanly(
        "prod.toml",
        |text| {
            text.replace("azs = [\"ap-northeast-1a\", \"ap-northeast-1c\"]", "azs = [\"ap-northeast-1a\"]")
                .replace(", \"10.0.1.0/24\"]", "]")
                .replace(", \"10.0.11.0/24\"]", "]")
                .replace(", \"10.0.21.0/24\"]", "]")
        },
        "error: `network.azs` lists 1 zone; at least two are needed, because an ALB and an RDS subnet group both require subnets in two zones
  --> environments/prod.toml:16:7
   |
16 | azs = [\"ap-northeast-1a\"]
   |       ^^^^^^^^^^^^^^^^^^^
   = help: add a second zone, e.g. ap-northeast-1a, ap-northeast-1c, ap-northeast-1d

1 error found
",
    );
}

#[test]
fn errors_of_several_files_are_reported_together() {
    let test = Test::with_fixture_environments();
    test.write(
        "environments/dev.toml",
        &test.read("environments/dev.toml").replace("project = \"acme\"", "project = \"Acme\""),
    );
    test.write(
        "environments/prod.toml",
        &test.read("environments/prod.toml").replace("zone = \"acme.internal\"", "zone = \"example\""),
    );
    let output = test.run_args(&["gen", "--all"]).status(2);
    assert!(output.stderr.contains("--> environments/dev.toml:4:11"), "{}", output.stderr);
    assert!(output.stderr.contains("--> environments/prod.toml:"), "{}", output.stderr);
    assert!(output.stderr.ends_with("2 errors found\n"), "{}", output.stderr);
    assert!(!test.path().join("generated").exists(), "nothing is written");
}

#[test]
fn unknown_environment_and_unknown_preset() {
    let test = Test::with_fixture_environments();
    let output = test.run_args(&["gen", "--env", "prd"]).status(2);
    assert_eq!(
        output.stderr,
        "error: no environment `prd`: environments/prd.toml does not exist\n  = help: did you mean `prod`?\n\n1 error found\n"
    );
    let output = test.run_args(&["gen", "--env", "dev", "--preset", "no-nta"]).status(2);
    assert_eq!(
        output.stderr,
        "error: unknown preset `no-nta`\n  = note: given as --preset no-nta\n  = help: did you mean `no-nat`?\n\n1 error found\n"
    );
}

#[test]
fn environments_must_share_the_state_bucket() {
    let test = Test::with_fixture_environments();
    test.write(
        "environments/dev.toml",
        &test.read("environments/dev.toml").replace("acme-tfstate-ap-northeast-1", "acme-dev-tfstate"),
    );
    let output = test.run_args(&["gen", "--all"]).status(2);
    assert!(output.stderr.starts_with("error: environments disagree on `state.bucket`: environments/dev.toml has \"acme-dev-tfstate\", environments/prod.toml has \"acme-tfstate-ap-northeast-1\""), "{}", output.stderr);
}

#[test]
fn refuses_an_output_directory_it_did_not_create() {
    let test = Test::with_fixture_environments().file("generated/notes.txt", "mine\n");
    let output = test.run_args(&["gen", "--all"]).status(2);
    assert_eq!(
        output.stderr,
        "error: generated exists and was not created by infragen (it has no .infragen-manifest); refusing to write into it\n  = help: pick another --output directory, or pass --force to take it over\n"
    );
    test.run_args(&["gen", "--all", "--force"]).status(0);
    assert_eq!(test.read("generated/notes.txt"), "mine\n");
}

#[test]
fn an_unwritable_output_is_an_io_error() {
    // A file where the output directory should be: creating it fails.
    let test = Test::with_fixture_environments().file("generated", "not a directory\n");
    let output = test.run_args(&["gen", "--all"]).status(3);
    assert!(output.stderr.starts_with("error: generated"), "{}", output.stderr);
}

#[test]
fn environments_sharing_a_zone_need_their_own_names() {
    let test = Test::with_fixture_environments();
    test.write(
        "environments/dev.toml",
        &test.read("environments/dev.toml").replace("api_record = \"api-dev\"", "api_record = \"api\""),
    );
    let output = test.run_args(&["gen", "--all"]).status(2);
    assert!(
        output.stderr.starts_with("error: environments/dev.toml and environments/prod.toml both create api.acme.internal in the zone acme.internal"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_full_domain_name_as_record_name() {
    fails_cleanly(
        "dev.toml",
        |text| text.replace("api_record = \"api-dev\"", "api_record = \"api-dev.acme.internal\""),
        "error: `dns.api_record` is a full domain name (\"api-dev.acme.internal\"); it names a record under the zone acme.internal, so it would become api-dev.acme.internal.acme.internal
  --> environments/dev.toml:25:14
   |
25 | api_record = \"api-dev.acme.internal\"
   |              ^^^^^^^^^^^^^^^^^^^^^^^
   = help: did you mean `api-dev`?

1 error found
",
    );
}

#[test]
fn a_preset_conflict_names_the_flag_and_the_setting_both_change() {
    let test = Test::with_fixture_environments();
    let output = test.run_args(&["gen", "--env", "dev", "--preset", "autoscaling-tuned"]).status(2);
    assert_eq!(
        output.stderr,
        "error: presets `min-ecs` and `autoscaling-tuned` conflict; use one or the other
 --> environments/dev.toml:7:38
  |
7 | presets = [\"no-nat\", \"single-az-db\", \"min-ecs\", \"min-logs\", \"night-scale-down\"]
  |                                      ^^^^^^^^^
  = note: both change the service's scaling: `min-ecs` pins `service.min_count` and `service.max_count` to 1, so the targets `autoscaling-tuned` sets in `service.autoscaling` would never add or remove a task
  = note: `autoscaling-tuned` is switched on by --preset autoscaling-tuned for this run

1 error found
"
    );
}

#[test]
fn a_value_from_a_preset_given_as_a_flag_says_to_leave_the_flag_out() {
    let test = Test::with_fixture_environments();
    let output = test.run_args(&["gen", "--env", "prod", "--preset", "single-az-db"]).status(2);
    assert!(
        output.stderr.contains(
            "= note: `database.multi_az` comes from preset `single-az-db`, switched on by --preset single-az-db for this run; leave that flag out"
        ),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains("in environments/prod.toml"), "{}", output.stderr);

    // A preset listed in the file is pointed at with the line of the list.
    let output = test.run_args(&["gen", "--env", "dev", "--set", "service.min_count=2"]).status(2);
    assert!(
        output.stderr.contains(
            "= note: `service.desired_count` comes from preset `min-ecs`, listed in `presets` at environments/dev.toml:7; remove it there or switch it off with --without-preset min-ecs"
        ),
        "{}",
        output.stderr
    );
}

#[test]
fn a_flag_that_outranks_a_preset_is_named_as_the_winner() {
    let test = Test::with_fixture_environments();
    let output =
        test.run_args(&["show", "--env", "dev", "--set", "service.cpu=512", "--set", "service.memory=1024"]).status(0);
    assert!(
        output.stderr.contains(
            "warning: preset `min-ecs` sets `service.cpu`, but --set service.cpu=512 sets `service.cpu` too, and the flag wins\n  = help: leave out --set service.cpu=512 to let the preset decide"
        ),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains("the file wins"), "{}", output.stderr);
}

#[test]
fn changing_only_the_vpc_gives_one_error_with_subnets_that_fit() {
    fails_cleanly(
        "dev.toml",
        |text| text.replace("vpc_cidr = \"10.1.0.0/16\"", "vpc_cidr = \"10.2.0.0/16\""),
        "error: 6 subnets are outside `network.vpc_cidr` (10.2.0.0/16): `network.subnets.public[0]` (10.1.0.0/24), `network.subnets.public[1]` (10.1.1.0/24), `network.subnets.private[0]` (10.1.10.0/24), `network.subnets.private[1]` (10.1.11.0/24), `network.subnets.database[0]` (10.1.20.0/24), `network.subnets.database[1]` (10.1.21.0/24)
  --> environments/dev.toml:15:12
   |
15 | vpc_cidr = \"10.2.0.0/16\"
   |            ^^^^^^^^^^^^^
   = help: give `network.subnets` ranges inside 10.2.0.0/16, for example:

[network.subnets]
public = [\"10.2.0.0/24\", \"10.2.1.0/24\"]
private = [\"10.2.10.0/24\", \"10.2.11.0/24\"]
database = [\"10.2.20.0/24\", \"10.2.21.0/24\"]

1 error found
",
    );
}

/// Like `fails_cleanly`, but the failing run selects one environment: the checks that span
/// environments still read every file.
#[track_caller]
fn one_environment_fails_cleanly(file: &str, edit: impl Fn(&str) -> String, env: &str, expected: &str) {
    let test = Test::with_fixture_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let before = test.tree("generated");
    let path = format!("environments/{file}");
    test.write(&path, &edit(&test.read(&path)));
    let output = test.run_args(&["gen", "--env", env]).status(2);
    assert_eq!(output.stderr, expected, "\n--- stderr\n{}", output.stderr);
    assert_eq!(test.tree("generated"), before, "generated/ must be left untouched");
}

#[test]
fn gen_of_one_environment_still_refuses_a_record_another_one_has() {
    one_environment_fails_cleanly(
        "dev.toml",
        |text| text.replace("api_record = \"api-dev\"", "api_record = \"api\""),
        "dev",
        "error: environments/dev.toml and environments/prod.toml both create api.acme.internal in the zone acme.internal
  = note: from `dns.api_record` in environments/dev.toml and `dns.api_record` in environments/prod.toml
  = help: give each environment names of its own, e.g. api and api-dev

1 error found
",
    );
}

#[test]
fn gen_of_one_environment_refuses_to_move_the_state_bucket_of_the_others() {
    one_environment_fails_cleanly(
        "prod.toml",
        |text| text.replace("bucket = \"acme-tfstate-ap-northeast-1\"", "bucket = \"acme-tfstate-2\""),
        "prod",
        "error: environments disagree on `state.bucket`: environments/prod.toml has \"acme-tfstate-2\", environments/dev.toml has \"acme-tfstate-ap-northeast-1\"
  = help: every environment keeps its state in the one bucket generated/bootstrap creates; use the same value in every file

1 error found
",
    );
}
