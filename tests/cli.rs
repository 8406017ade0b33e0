//! End-to-end: the real binary on the shipped environment files, in a temporary project.

mod common;

use common::Test;

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
    output.stderr_contains("error: generated is stale: 0 to add, 1 changed, 0 to remove");

    std::fs::remove_file(test.path().join("generated/dev/outputs.tf")).expect("remove");
    test.run_args(&["gen", "--env", "dev", "--check"]).status(1).stderr_contains("1 to add");
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
    check.stderr_contains("generated/dev would change:\n").stderr_contains("  + module.network.aws_nat_gateway.this\n");
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
    test.run_args(&["init"]).status(2).stderr_contains("already exists; pass --force");
}

#[test]
fn init_names_the_account_and_keeps_terraform_working_files_out_of_git() {
    let test = Test::new().file(".gitignore", "target/\n*.tfstate\n");
    test.run_args(&["init", "--account-id", "111122223333"]).status(0);
    assert!(test.read("environments/prod.toml").contains("account_id = \"111122223333\""));
    let gitignore = test.read(".gitignore");
    assert!(gitignore.starts_with("target/\n*.tfstate\n"), "keeps what was there: {gitignore}");
    for line in [".terraform/", "*.tfstate.*", "crash.log", "crash.*.log", "tfplan", "*.tfplan"] {
        assert!(gitignore.lines().any(|l| l == line), "{line} in {gitignore}");
    }
    assert_eq!(gitignore.lines().filter(|l| *l == "*.tfstate").count(), 1, "{gitignore}");
    assert!(!gitignore.contains("\n.terraform.lock.hcl"), "the lock file is committed: {gitignore}");
    test.run_args(&["init", "--account-id", "12345"]).status(2).stderr_contains("--account-id must be the 12 digits");
}

#[test]
fn help_and_version_work() {
    let test = Test::new();
    test.run_args(&["--help"]).status(0).stdout_contains("Exit status: 0 success, 1 generated files are stale");
    test.run_args(&["--version"]).status(0).stdout_contains("infragen ");
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
