//! The cost estimate of the shipped environments, pinned: a price, a usage assumption or a
//! model change shows up here as a reviewable diff. After an intended change, accept it with
//! `INSTA_UPDATE=always cargo test --test cost` and update the README's "Cost" section.

mod common;

use std::path::{Path, PathBuf};

use common::Test;
use infragen::config::Overrides;
use infragen::cost::{Comparison, Estimate, PriceTable};
use infragen::model::Architecture;
use infragen::workspace::Workspace;

fn environments() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("environments")
}

fn shipped(name: &str) -> Architecture {
    match Workspace::new(&environments()).load(name, &Overrides::default()) {
        Ok(environment) => environment.architecture,
        Err(error) => panic!("environments/{name}.toml: {error}"),
    }
}

fn prices() -> &'static PriceTable {
    PriceTable::embedded().expect("pricing/aws-prices.toml parses")
}

fn estimate(name: &str) -> Estimate {
    Estimate::new(&shipped(name), prices())
}

fn comparison(name: &str) -> Comparison {
    Comparison::new(&Workspace::new(&environments()), name, &Overrides::default(), &shipped(name), prices())
        .expect("every variant loads or says why not")
}

#[test]
fn dev() {
    insta::assert_snapshot!("dev", estimate("dev").table(prices()));
}

#[test]
fn prod() {
    insta::assert_snapshot!("prod", estimate("prod").table(prices()));
}

#[test]
fn dev_json() {
    insta::assert_snapshot!("dev_json", serde_json::to_string_pretty(&estimate("dev")).expect("serialises"));
}

#[test]
fn prod_json() {
    insta::assert_snapshot!("prod_json", serde_json::to_string_pretty(&estimate("prod")).expect("serialises"));
}

#[test]
fn dev_compare() {
    insta::assert_snapshot!("dev_compare", comparison("dev").table());
}

#[test]
fn dev_compare_json() {
    insta::assert_snapshot!("dev_compare_json", serde_json::to_string_pretty(&comparison("dev")).expect("serialises"));
}

#[test]
fn prod_compare() {
    insta::assert_snapshot!("prod_compare", comparison("prod").table());
}

#[test]
fn dev_compare_lists_the_five_reference_presets_and_tells_the_truth_about_no_nat() {
    let comparison = comparison("dev");
    let names: Vec<&str> = comparison.presets.iter().map(|p| p.preset).collect();
    assert_eq!(names, ["no-nat", "single-az-db", "min-ecs", "min-logs", "night-scale-down"]);
    assert_eq!(comparison.reference_total_delta_usd, Some(-105.0));
    let no_nat = &comparison.presets[0];
    // Four interface endpoints in two zones cost more than one NAT gateway.
    assert!(no_nat.delta_usd.is_some_and(|d| d > 0.0), "{no_nat:?}");
    assert!(no_nat.remark.contains("COSTS"), "{}", no_nat.remark);
    let sum: f64 = comparison.presets.iter().filter_map(|p| p.delta_usd).sum();
    assert!((sum - comparison.presets_sum_usd).abs() < 0.01);
}

#[test]
fn the_readme_shows_the_real_dev_comparison() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let output = comparison("dev").table();
    assert!(
        readme.contains(&format!("$ infragen cost --env dev --compare\n{output}```")),
        "README.md's \"Cost\" section must show the output of `infragen cost --env dev --compare`:\n{output}"
    );
}

#[test]
fn the_shipped_environments_are_priced_without_gaps() {
    for name in ["dev", "prod"] {
        let estimate = estimate(name);
        assert!(estimate.missing_prices.is_empty(), "{name}: {:?}", estimate.missing_prices);
        assert!(estimate.notes.iter().all(|n| !n.contains("run hot")), "{name}: {:?}", estimate.notes);
    }
}

#[test]
fn cost_json_is_json_and_presets_lists_the_dev_presets() {
    let test = Test::with_shipped_environments();
    let output = test.run_args(&["cost", "--env", "dev", "--json"]).status(0);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).expect("cost --json prints JSON");
    assert!(json["total_usd"].as_f64().is_some_and(|t| t > 0.0), "{json}");
    // Every price dev uses is confirmed by a source; prod's backup copy in Osaka is not.
    assert!(json["lines"].as_array().is_some_and(|l| l.iter().all(|l| l["price_confirmed"] == true)), "{json}");
    assert_eq!(json["unconfirmed_usd"].as_f64(), Some(0.0), "{json}");
    let output = test.run_args(&["cost", "--env", "prod", "--json"]).status(0);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).expect("cost --json prints JSON");
    let unconfirmed: f64 = json["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["price_confirmed"] == false)
        .map(|l| l["monthly_usd"].as_f64().expect("monthly_usd"))
        .sum();
    assert!(unconfirmed > 0.0, "{json}");
    assert!((json["unconfirmed_usd"].as_f64().expect("unconfirmed_usd") - unconfirmed).abs() < 0.005, "{json}");

    let output = test.run_args(&["cost", "--env", "dev", "--compare", "--json"]).status(0);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).expect("cost --compare --json prints JSON");
    assert_eq!(json["presets"].as_array().map(Vec::len), Some(5));

    let output = test.run_args(&["presets", "--env", "dev"]).status(0);
    for preset in ["no-nat", "single-az-db", "min-ecs", "min-logs", "night-scale-down"] {
        let row = output.stdout.lines().find(|l| l.starts_with(preset)).unwrap_or_default();
        assert!(row.contains(" yes "), "{preset} in use in dev\n{}", output.stdout);
    }
    output.stdout_contains("COSTS").stdout_contains("saves");
    test.run_args(&["presets"]).status(0).stdout_contains("graviton");
}

#[test]
fn cost_takes_the_same_overrides_as_gen_and_reports_bad_ones() {
    let test = Test::with_shipped_environments();
    let with = test.run_args(&["cost", "--env", "dev"]).status(0);
    let without = test.run_args(&["cost", "--env", "dev", "--without-preset", "no-nat"]).status(0);
    assert!(with.stdout.contains("VPC endpoints") && !with.stdout.contains("NAT gateway "));
    assert!(without.stdout.contains("NAT gateway ") && !without.stdout.contains("VPC endpoints"));
    let set = test.run_args(&["cost", "--env", "prod", "--set", "usage.api_requests_millions=100"]).status(0);
    set.stdout_contains("100 M requests");
    test.run_args(&["cost", "--env", "dev", "--preset", "no-such"]).status(2).stderr_contains("unknown preset");
    test.run_args(&["cost", "--env", "nope"]).status(2).stderr_contains("no environment `nope`");
}
