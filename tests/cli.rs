//! End-to-end: the real binary on the shipped environment files, in a temporary project.

mod common;

use common::Test;

/// The settings every environment file must write, with values of a real-looking system.
const IDENTITY: &str = "project = \"shop\"\naccount_id = \"111122223333\"\nstate.bucket = \"shop-tfstate\"\ndns.zone = \"shop.io\"\n\
                        frontend.repository = \"https://github.com/shop/web\"\nmonitoring.alarm_emails = [\"ops@shop.io\"]\n";

#[test]
fn gen_all_writes_every_root_and_a_second_run_changes_nothing() {
    let test = Test::with_shipped_environments();
    let first = test.run_args(&["gen", "--all"]).status(0);
    assert!(first.stdout.contains("generated/dev: "), "{}", first.stdout);
    assert!(first.stdout.contains("network"), "{}", first.stdout);
    for file in
        ["dev/main.tf", "dev/modules/network/main.tf", "prod/backend.tf", "bootstrap/main.tf", ".infragen-manifest"]
    {
        assert!(test.path().join("generated").join(file).is_file(), "{file} missing");
    }
    let tree = test.tree("generated");

    let second = test.run_args(&["gen", "--all"]).status(0);
    assert!(second.stdout.contains("generated/dev: 0 written"), "{}", second.stdout);
    assert_eq!(test.tree("generated"), tree, "two runs give byte-identical output");
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("is up to date");
}

#[test]
fn check_catches_a_hand_edited_file_and_a_deleted_one() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let main = test.read("generated/prod/modules/network/main.tf");
    test.write(
        "generated/prod/modules/network/main.tf",
        &main.replace("enable_dns_hostnames = true", "enable_dns_hostnames = false"),
    );
    let output = test.run_args(&["gen", "--all", "--check"]).status(1);
    assert!(output.stdout.contains("--- a/generated/prod/modules/network/main.tf"), "{}", output.stdout);
    assert!(output.stdout.contains("-  enable_dns_hostnames = false"), "{}", output.stdout);
    assert!(output.stdout.contains("+  enable_dns_hostnames = true"), "{}", output.stdout);
    output.stderr_contains("error: generated is stale: 1 file differs; resources: 0 added, 1 changed, 0 removed");

    std::fs::remove_file(test.path().join("generated/dev/outputs.tf")).expect("remove");
    test.run_args(&["gen", "--env", "dev", "--check"])
        .status(1)
        .stderr_contains("error: generated is stale: 1 file differs;");
    // --check never writes.
    assert!(!test.path().join("generated/dev/outputs.tf").exists());
}

#[test]
fn a_preset_switched_off_for_one_run_changes_the_network() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--env", "dev"]).status(0);
    assert!(test.read("generated/dev/modules/network/main.tf").contains("resource \"aws_vpc_endpoint\" \"interface\""));
    // A reviewer sees what the switch does before reading the diff.
    let check = test.run_args(&["gen", "--env", "dev", "--without-preset", "no-nat", "--check"]).status(1);
    let check = check
        .stderr_contains("generated/dev would change:\n")
        .stderr_contains("  + module.network.aws_nat_gateway.this\n");
    // Files in file words, resources in resource words: the summary does not read like a plan.
    check.stderr_contains("error: generated is stale: 8 files differ; resources: 4 added, 0 changed, 5 removed\n");
    let output = test.run_args(&["gen", "--env", "dev", "--without-preset", "no-nat"]).status(0);
    assert!(output.stdout.contains("generated/dev: "), "{}", output.stdout);
    assert!(output.stderr.contains("note: written with per-run overrides"), "{}", output.stderr);
    assert!(output.stdout.contains("  - module.network.aws_vpc_endpoint.interface\n"), "{}", output.stdout);
    assert!(
        output.stdout.contains("  ~ module.network.aws_security_group.alb\n")
            || output.stdout.contains("  + module.network.aws_eip.nat\n"),
        "{}",
        output.stdout
    );
    let network = test.read("generated/dev/modules/network/main.tf");
    assert!(network.contains("resource \"aws_nat_gateway\" \"this\""));
    assert!(!network.contains("resource \"aws_vpc_endpoint\" \"interface\""));
    // The committed output now differs from the environment file.
    test.run_args(&["gen", "--env", "dev", "--check"]).status(1);
}

#[test]
fn show_prints_each_value_with_its_origin() {
    let test = Test::with_fixture_environments();
    let output = test.run_args(&["show", "--env", "dev"]).status(0);
    let line = |needle: &str| output.stdout.lines().find(|l| l.starts_with(needle)).unwrap_or_default().to_string();
    assert!(line("nat = \"none\"").ends_with("# preset no-nat"), "{}", output.stdout);
    assert!(line("project = \"acme\"").ends_with("# environments/dev.toml:4"), "{}", output.stdout);
    assert!(line("traffic = \"reject\"").ends_with("# preset min-logs"), "{}", output.stdout);
    assert!(line("ssl_policy = ").ends_with("# default"), "{}", output.stdout);

    let output = test.run_args(&["show", "--env", "prod", "--set", "network.nat=single"]).status(0);
    assert!(
        output.stdout.lines().any(|l| l.starts_with("nat = \"single\"") && l.ends_with("# --set network.nat=single"))
    );
    let output = test.run_args(&["show", "--env", "prod"]).status(0);
    assert!(output.stdout.lines().any(|l| l.starts_with("nat = \"per_az\"") && l.ends_with("# tier medium")));
}

#[test]
fn init_writes_starter_files_that_generate() {
    let test = Test::new();
    test.run_args(&["init", "--project", "shop", "--zone", "shop.example.org"]).status(0);
    let dev = test.read("environments/dev.toml");
    assert!(dev.contains("project = \"shop\""), "{dev}");
    assert!(dev.contains("# Project name: the first part of every resource name"), "{dev}");
    assert!(test.read("environments/schema.json").contains("\"title\": \"infragen environment\""));
    assert!(dev.contains("account_id = \"123456789012\""), "{dev}");
    test.run_args(&["gen", "--all"]).status(0);
    assert!(test.read("generated/prod/backend.tf").contains("bucket       = \"shop-tfstate-ap-northeast-1\""));
    assert!(test.read("generated/prod/providers.tf").contains("allowed_account_ids = [\"123456789012\"]"));
    test.run_args(&["init", "--project", "shop", "--zone", "shop.example.org"])
        .status(2)
        .stderr_contains("already exists; pass --force");
    // Nothing names a real system by default.
    Test::new().run_args(&["init"]).status(2).stderr_contains("--project <NAME>").stderr_contains("--zone <DOMAIN>");
}

#[test]
fn init_names_the_account_and_keeps_terraform_working_files_out_of_git() {
    let test = Test::new().file(".gitignore", "target/\n*.tfstate\n");
    test.run_args(&["init", "--project", "shop", "--zone", "shop.io", "--account-id", "111122223333"]).status(0);
    assert!(test.read("environments/prod.toml").contains("account_id = \"111122223333\""));
    let gitignore = test.read(".gitignore");
    assert!(gitignore.starts_with("target/\n*.tfstate\n"), "keeps what was there: {gitignore}");
    for line in [".terraform/", "*.tfstate.*", "crash.log", "crash.*.log", "tfplan", "*.tfplan", ".infragen-cache"] {
        assert!(gitignore.lines().any(|l| l == line), "{line} in {gitignore}");
    }
    assert_eq!(gitignore.lines().filter(|l| *l == "*.tfstate").count(), 1, "{gitignore}");
    assert!(!gitignore.contains("\n.terraform.lock.hcl"), "the lock file is committed: {gitignore}");
    test.run_args(&["init", "--project", "shop", "--zone", "shop.io", "--account-id", "12345", "--force"])
        .status(2)
        .stderr_contains("--account-id must be the 12 digits");
}

#[test]
fn help_and_version_work() {
    let test = Test::new();
    test.run_args(&["--help"])
        .status(0)
        .stdout_contains("Exit status: 0 success, 1 a check failed (gen --check: stale files; cost: over budget)");
    test.run_args(&["--version"]).status(0).stdout_contains("infragen ");
}

#[test]
fn a_reader_that_stops_reading_is_not_a_failure() {
    let test = Test::with_shipped_environments();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(["gen", "--all"])
        .current_dir(test.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("infragen runs");
    // Closed before infragen has rendered anything, so its first write meets a closed pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("infragen ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    // Everything was written all the same.
    test.run_args(&["gen", "--all", "--check"]).status(0);
}

#[test]
fn inside_the_environments_directory_infragen_says_to_go_up() {
    let test = Test::with_shipped_environments();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(["gen", "--all"])
        .current_dir(test.path().join("environments"))
        .output()
        .expect("infragen runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the current directory holds environment files; run infragen from the directory above it"));
    assert!(!stderr.contains("infragen init"), "{stderr}");
    assert!(!test.path().join("environments/generated").exists());
}

#[test]
fn only_overrides_that_change_something_make_the_run_differ() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let output = test.run_args(&["gen", "--env", "dev", "--without-preset", "images-cdn"]).status(0);
    assert!(output.stderr.contains("--without-preset images-cdn changes nothing"), "{}", output.stderr);
    assert!(!output.stderr.contains("per-run overrides"), "{}", output.stderr);
    test.run_args(&["gen", "--all", "--check"]).status(0);
    test.run_args(&["gen", "--env", "dev", "--without-preset", "no-nat"])
        .status(0)
        .stderr_contains("written with per-run overrides");
}

#[test]
fn zones_time_zone_and_backup_partner_follow_the_region() {
    let test = Test::new().file("environments/staging.toml", &format!("region = \"eu-west-1\"\n{IDENTITY}"));
    let output = test.run_args(&["show", "--env", "staging"]).status(0);
    let line = |key: &str| output.stdout.lines().find(|l| l.starts_with(key)).unwrap_or_default().to_string();
    assert!(line("azs = ").starts_with("azs = [\"eu-west-1a\", \"eu-west-1b\"]"), "{}", output.stdout);
    assert!(line("azs = ").ends_with("# region eu-west-1"), "{}", output.stdout);
    assert!(line("timezone = ").starts_with("timezone = \"Europe/Dublin\""), "{}", output.stdout);
    assert!(line("copy_region = ").starts_with("copy_region = \"eu-central-1\""), "{}", output.stdout);
    test.run_args(&["gen", "--env", "staging"]).status(0);

    // No region shares London's country or legal area: the owner of the data decides.
    test.write("environments/staging.toml", &format!("region = \"eu-west-2\"\n{IDENTITY}"));
    test.run_args(&["gen", "--env", "staging"])
        .status(2)
        .stderr_contains("error: `backup.copy_region` has no default in eu-west-2: no other region shares its country or legal area")
        .stderr_contains("= note: `backup.copy_region` follows from `region` (eu-west-2); set it in environments/staging.toml to change it");
}

#[test]
fn cost_and_presets_speak_of_the_reference_architecture_defined_in_the_readme() {
    let test = Test::with_shipped_environments();
    for args in [&["cost", "--env", "dev", "--compare"][..], &["presets", "--env", "dev"], &["cost", "--env", "prod"]] {
        let output = test.run_args(args).status(0);
        assert!(!output.stdout.to_lowercase().contains("seed"), "{args:?}:\n{}", output.stdout);
    }
    test.run_args(&["cost", "--env", "dev", "--compare"]).status(0).stdout_contains("reference architecture");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(!readme.to_lowercase().contains("seed"));
    assert_eq!(readme.matches("The architecture is the **reference architecture**").count(), 1);
}

#[test]
fn an_empty_environment_file_names_every_setting_it_must_write() {
    let test = Test::new().file("environments/staging.toml", "");
    let output = test.run_args(&["gen", "--env", "staging"]).status(2);
    for path in ["project", "state.bucket", "dns.zone", "frontend.repository", "monitoring.alarm_emails"] {
        assert!(
            output.stderr.contains(&format!("error: `{path}` is required: ")),
            "{path} must be required:\n{}",
            output.stderr
        );
    }
    // Production also names its account.
    assert!(output.stderr.contains("production environments name their AWS account"), "{}", output.stderr);
    assert!(output.stderr.contains("6 errors found"), "{}", output.stderr);
    assert!(!test.path().join("generated").exists(), "nothing is written");

    // Written, they generate; values reserved for examples are pointed out, once per file.
    test.write("environments/staging.toml", IDENTITY);
    let output = test.run_args(&["gen", "--env", "staging"]).status(0);
    assert!(!output.stderr.contains("reserved for examples"), "{}", output.stderr);
    test.write("environments/staging.toml", &IDENTITY.replace("shop.io", "shop.example.org"));
    let output = test.run_args(&["gen", "--env", "staging"]).status(0);
    assert_eq!(output.stderr.matches("warning: ").count(), 1, "{}", output.stderr);
    assert!(
        output.stderr.contains(
            "warning: environments/staging.toml has values reserved for examples, which no real system has: `dns.zone` \"shop.example.org\", `monitoring.alarm_emails` \"ops@shop.example.org\""
        ),
        "{}",
        output.stderr
    );
}

#[test]
fn environments_sharing_the_state_bucket_must_name_one_account() {
    let test = Test::with_shipped_environments();
    let dev =
        test.read("environments/dev.toml").replace("account_id = \"123456789012\"", "account_id = \"111122223333\"");
    test.write("environments/dev.toml", &dev);
    test.run_args(&["gen", "--all"])
        .status(2)
        .stderr_contains("environments disagree on `account_id`: environments/dev.toml has \"111122223333\", environments/prod.toml has \"123456789012\"");
}

#[test]
fn the_bootstrap_lets_waf_deliver_logs_in_every_region_an_environment_runs_in() {
    // dev moves to Singapore and keeps its state where prod's is. `gen --env prod` alone
    // still gives the bootstrap a policy for dev's region, through a provider of its own.
    let test = Test::with_shipped_environments();
    let dev = test.read("environments/dev.toml");
    let moved = dev
        .replace("region = \"ap-northeast-1\"", "region = \"ap-southeast-1\"")
        .replace("[\"ap-northeast-1a\", \"ap-northeast-1c\"]", "[\"ap-southeast-1a\", \"ap-southeast-1b\"]")
        .replace("[state]\n", "[state]\nregion = \"ap-northeast-1\"\n");
    assert_ne!(moved, dev);
    test.write("environments/dev.toml", &moved);
    test.run_args(&["gen", "--env", "prod"]).status(0);

    let parse = |file: &str| hcl::parse(&test.read(&format!("generated/bootstrap/{file}"))).expect("parses");
    let text = |expression: &hcl::Expression| hcl::format::to_string(expression).expect("formats");
    let attribute =
        |block: &hcl::Block, key: &str| block.body().attributes().find(|a| a.key() == key).map(|a| text(a.expr()));
    let providers = parse("providers.tf");
    let aliased: Vec<(Option<String>, Option<String>)> = common::blocks(&providers, "provider", &["aws"])
        .into_iter()
        .filter(|p| attribute(p, "alias").is_some())
        .map(|p| (attribute(p, "alias"), attribute(p, "region")))
        .collect();
    assert_eq!(aliased, [(Some("\"ap_southeast_1\"".into()), Some("\"ap-southeast-1\"".into()))]);

    let logs = parse("logs.tf");
    let policies: Vec<(String, Option<String>)> = common::blocks(&logs, "resource", &[])
        .into_iter()
        .filter(|b| b.labels()[0].as_str() == "aws_cloudwatch_log_resource_policy")
        .map(|b| (b.labels()[1].as_str().to_string(), attribute(b, "provider")))
        .collect();
    assert_eq!(
        policies,
        [
            ("waf_log_delivery_ap_northeast_1".to_string(), None),
            ("waf_log_delivery_ap_southeast_1".to_string(), Some("aws.ap_southeast_1".to_string())),
        ]
    );
    let logs_text = test.read("generated/bootstrap/logs.tf");
    assert!(logs_text.contains(
        ":logs:ap-southeast-1:${data.aws_caller_identity.current.account_id}:log-group:aws-waf-logs-acme-*:*"
    ));
    // No environment holds a policy of its own any more: it forgets the one it had.
    let waf = test.read("generated/prod/modules/waf/main.tf");
    assert!(!waf.contains("resource \"aws_cloudwatch_log_resource_policy\""), "{waf}");
    assert!(
        waf.contains(
            "removed {\n  from = aws_cloudwatch_log_resource_policy.this\n\n  lifecycle {\n    destroy = false"
        )
    );
}
