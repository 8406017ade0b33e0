//! `infragen cost --diff BASE` and the budgets: a preset switch between two directories and
//! between two git revisions of a temporary repository; a budget breach exits 1.

mod common;

use std::process::Command;

use common::{Test, shipped_environments};

/// The shipped dev environment without the `no-nat` preset: the NAT gateway of the small tier.
fn dev_with_nat() -> String {
    let dev = &shipped_environments()["dev.toml"];
    let switched = dev.replacen("presets = [\"no-nat\", ", "presets = [", 1);
    assert_ne!(&switched, dev, "the shipped dev lists no-nat first");
    switched
}

/// A project whose `base/` has dev with a NAT gateway and whose `environments/` has the shipped
/// dev (no-nat); prod is the same in both.
fn two_directories() -> Test {
    let test = Test::with_shipped_environments();
    test.write("base/dev.toml", &dev_with_nat());
    test.write("base/prod.toml", &shipped_environments()["prod.toml"]);
    test
}

#[test]
fn a_preset_switch_between_two_directories_names_the_lines_and_the_preset() {
    let output = two_directories().args(&["cost", "--diff", "base"]).run().status(0);
    let text = &output.stdout;
    assert!(text.contains("dev: 129.43 -> 162.02 a month (+32.59)"), "{text}");
    assert!(text.contains("presets: +no-nat"), "{text}");
    assert!(text.contains("prod: 499.98 a month, unchanged"), "{text}");
    // The lines that change, each with the setting and the preset behind it.
    for line in ["NAT gateway    1 gateway", "VPC endpoints  4 interface endpoints x 2 zones"] {
        let row = text.lines().find(|l| l.contains(line)).unwrap_or_else(|| panic!("no row {line:?} in\n{text}"));
        assert!(row.ends_with("network.nat (preset no-nat)"), "{row}");
    }
    assert!(text.contains("network.nat: \"single\" (tier small) -> \"none\" (preset no-nat)"), "{text}");
}

#[test]
fn the_diff_as_json_and_markdown() {
    let test = two_directories();
    let json = test.run_args(&["cost", "--diff", "base", "--format", "json"]).status(0).stdout;
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let dev = &value["environments"][0];
    assert_eq!(dev["environment"], "dev");
    assert_eq!(dev["status"], "changed");
    assert_eq!(dev["presets_added"][0], "no-nat");
    assert_eq!(dev["delta_usd"], 32.59);
    let keys: Vec<&str> =
        dev["lines"].as_array().expect("lines").iter().map(|l| l["key"].as_str().expect("key")).collect();
    assert_eq!(keys, ["endpoints.hours", "nat.gateways", "nat.public_ipv4", "nat.data", "endpoints.data"]);
    assert_eq!(value["environments"][1]["status"], "unchanged");
    // `--json` is `--format json`.
    assert_eq!(test.run_args(&["cost", "--diff", "base", "--json"]).status(0).stdout, json);

    let markdown = test.run_args(&["cost", "--diff", "base", "--format", "markdown"]).status(0).stdout;
    insta::assert_snapshot!("dev_no_nat_markdown", markdown);
}

/// Runs git in the test's directory, failing the test when git does.
fn git(test: &Test, args: &[&str]) {
    let output = Command::new("git")
        .args(["-c", "user.name=infragen", "-c", "user.email=test@infragen.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(test.path())
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_preset_switch_between_two_git_revisions() {
    let test = Test::new();
    test.write("environments/dev.toml", &dev_with_nat());
    test.write("environments/old.toml", &shipped_environments()["prod.toml"]);
    git(&test, &["init", "-q", "-b", "main"]);
    git(&test, &["add", "-A"]);
    git(&test, &["commit", "-q", "-m", "base"]);
    // The head: dev switches no-nat on, `old` goes, `prod` arrives; uncommitted edits count
    // too (the head is the work tree).
    test.write("environments/dev.toml", &shipped_environments()["dev.toml"]);
    git(&test, &["mv", "environments/old.toml", "environments/prod.toml"]);
    git(&test, &["commit", "-q", "-am", "head"]);

    let text = test.run_args(&["cost", "--diff", "HEAD~1"]).status(0).stdout;
    assert!(text.contains("estimated monthly cost against HEAD~1"), "{text}");
    assert!(text.contains("dev: 129.43 -> 162.02 a month (+32.59)"), "{text}");
    assert!(text.contains("old: removed, 499.98 a month less"), "{text}");
    assert!(text.contains("prod: new environment, 499.98 a month"), "{text}");
    assert!(text.contains("network.nat (preset no-nat)"), "{text}");

    // Only the named environment, against a branch-relative revision.
    let json = test.run_args(&["cost", "--diff", "main~1", "--env", "dev", "--json"]).status(0).stdout;
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["environments"].as_array().expect("array").len(), 1);
    assert_eq!(value["environments"][0]["delta_usd"], 32.59);

    // A revision without an environments directory: everything is new.
    git(&test, &["commit", "-q", "--allow-empty", "-m", "empty"]);
    git(&test, &["checkout", "-q", "--orphan", "bare"]);
    git(&test, &["rm", "-rq", "--cached", "environments"]);
    git(&test, &["commit", "-q", "--allow-empty", "-m", "no environments"]);
    let text = test.run_args(&["cost", "--diff", "bare"]).status(0).stdout;
    assert!(text.contains("dev: new environment"), "{text}");
}

#[test]
fn a_base_that_is_neither_a_directory_nor_a_revision_is_refused() {
    let test = Test::with_shipped_environments();
    git(&test, &["init", "-q"]);
    test.run_args(&["cost", "--diff", "no-such-branch"])
        .status(2)
        .stderr_contains("`--diff no-such-branch`: neither a directory nor a git revision");
    test.run_args(&["cost", "--diff", "--upload-pack=x"]).status(2);
}

#[test]
fn over_the_monthly_budget_cost_exits_1() {
    let dev = shipped_environments()["dev.toml"].replace("max_monthly_usd = 250", "max_monthly_usd = 100");
    let test = Test::with_shipped_environments().file("environments/dev.toml", &dev);
    test.run_args(&["cost", "--env", "dev"])
        .status(1)
        .stdout_contains("total")
        .stderr_contains("error: dev: the estimate of $162.02 a month is over its budget.max_monthly_usd of $100.00");
    test.run_args(&["cost", "--env", "prod"]).status(0);
    let raised = dev.replace("max_monthly_usd = 100", "max_monthly_usd = 200");
    test.write("environments/dev.toml", &raised);
    test.run_args(&["cost", "--env", "dev"]).status(0);
}

#[test]
fn over_the_increase_budget_cost_diff_exits_1() {
    let test = two_directories();
    let dev = shipped_environments()["dev.toml"].replace("max_increase_usd = 50", "max_increase_usd = 25");
    test.write("environments/dev.toml", &dev);
    let output = test.run_args(&["cost", "--diff", "base", "--format", "markdown"]).status(1);
    assert!(
        output
            .stdout
            .contains("> Over budget: dev: the change adds $32.59 a month, over its budget.max_increase_usd of $25.00"),
        "{}",
        output.stdout
    );
    assert!(output.stderr.contains("error: over budget: dev: the change adds $32.59 a month"), "{}", output.stderr);
    // Within the increase allowed: passes.
    test.write("environments/dev.toml", &dev.replace("max_increase_usd = 25", "max_increase_usd = 40"));
    test.run_args(&["cost", "--diff", "base"]).status(0);
}

#[test]
fn a_negative_budget_is_invalid() {
    let dev = shipped_environments()["dev.toml"].replace("max_monthly_usd = 250", "max_monthly_usd = -1");
    Test::with_shipped_environments()
        .file("environments/dev.toml", &dev)
        .args(&["cost", "--env", "dev"])
        .run()
        .status(2)
        .stderr_contains("`budget.max_monthly_usd` must be a number of US dollars, 0 or more, found -1");
}
