//! The drawings of `infragen diagram`, pinned as snapshots for the shipped environments and
//! for variants made with per-run overrides, and checked for what a preset switch must
//! change in them.
//!
//! After an intended change, accept the new drawings with
//! `INSTA_UPDATE=always cargo test --test diagram` and review the diff.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use infragen::config::Overrides;
use infragen::diagram::{self, ASCII_WIDTH};
use infragen::model::Architecture;
use infragen::workspace::Workspace;

/// A shipped environment, with overrides as the command line would give them.
fn load(name: &str, enable: &[&str], disable: &[&str], set: &[&str]) -> Architecture {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    let overrides = Overrides { enable_presets: strings(enable), disable_presets: strings(disable), set: strings(set) };
    match workspace.load(name, &overrides) {
        Ok(environment) => environment.architecture,
        Err(error) => panic!("environments/{name}.toml with {overrides:?}: {error}"),
    }
}

fn dev() -> Architecture {
    load("dev", &[], &[], &[])
}

fn prod() -> Architecture {
    load("prod", &[], &[], &[])
}

/// dev with NAT: one gateway, as the small tier has it.
fn dev_with_nat() -> Architecture {
    load("dev", &[], &["no-nat"], &[])
}

fn dev_with_images_cdn() -> Architecture {
    load("dev", &["images-cdn"], &[], &[])
}

/// prod at the large tier: CloudFront in front of the API, two cache replicas, 10..50 tasks.
fn prod_large() -> Architecture {
    load("prod", &[], &[], &["tier=large"])
}

/// Every variant, named as its snapshots are.
fn variants() -> Vec<(&'static str, Architecture)> {
    vec![
        ("dev", dev()),
        ("prod", prod()),
        ("dev_with_nat", dev_with_nat()),
        ("dev_with_images_cdn", dev_with_images_cdn()),
        ("prod_large", prod_large()),
    ]
}

#[test]
fn mermaid_snapshots() {
    for (name, arch) in variants() {
        insta::assert_snapshot!(format!("{name}_mermaid"), diagram::mermaid(&arch));
    }
}

#[test]
fn ascii_snapshots() {
    for (name, arch) in variants() {
        insta::assert_snapshot!(format!("{name}_ascii"), diagram::ascii(&arch));
    }
}

#[test]
fn drawings_are_deterministic_and_end_with_one_newline() {
    for (name, arch) in variants() {
        for (format, draw) in [("mermaid", diagram::mermaid as fn(&Architecture) -> String), ("ascii", diagram::ascii)]
        {
            let text = draw(&arch);
            assert_eq!(text, draw(&arch), "{name} {format} differs between two runs");
            assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{name} {format} must end with one newline");
            assert!(!text.lines().any(|l| l.ends_with(' ')), "{name} {format} has trailing spaces");
        }
    }
}

#[test]
fn every_mermaid_drawing_is_well_formed() {
    for (name, arch) in variants() {
        if let Err(problem) = check_mermaid(&diagram::mermaid(&arch)) {
            panic!("{name}: {problem}\n{}", diagram::mermaid(&arch));
        }
    }
}

#[test]
fn every_ascii_drawing_fits_and_its_boxes_close() {
    for (name, arch) in variants() {
        let text = diagram::ascii(&arch);
        for line in text.lines() {
            assert!(line.chars().count() <= ASCII_WIDTH, "{name}: wider than {ASCII_WIDTH}: {line}");
        }
        // The VPC is the full width: every line of it starts and ends on its border.
        let vpc: Vec<&str> =
            text.lines().skip_while(|l| !l.starts_with('┌')).take_while(|l| !l.starts_with('└')).collect();
        assert!(vpc.len() > 10, "{name}: no VPC box");
        for line in vpc {
            assert_eq!(line.chars().count(), ASCII_WIDTH, "{name}: VPC line of another width: {line}");
            assert!(line.ends_with('┐') || line.ends_with('│'), "{name}: VPC line not closed: {line}");
        }
    }
}

/// An environment at the edges of what fits: five zones, long names, many alarm addresses
/// and Slack, a cache with five replicas in the private subnets, a schedule that is not a
/// plain daily one.
const CROWDED: &str = r#"
project = "crowded"
stage = "development"
tier = "large"
presets = ["no-nat", "images-cdn"]
region = "us-east-1"

[network]
vpc_cidr = "10.1.0.0/16"
azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"]

[network.subnets]
public = ["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24", "10.1.4.0/24"]
private = ["10.1.10.0/24", "10.1.11.0/24", "10.1.12.0/24", "10.1.13.0/24", "10.1.14.0/24"]
database = ["10.1.20.0/24", "10.1.21.0/24", "10.1.22.0/24", "10.1.23.0/24", "10.1.24.0/24"]

[dns]
zone = "a-really-long-domain-name-for-testing-widths.example.co.jp"
api_record = "api.internal-services"

[cache]
subnets = "private"
replicas = 5
engine = "valkey"
engine_version = "8.1"

[service.night_scale_down]
enabled = true
stop = "cron(0 22 ? * MON-FRI *)"

[backup]
schedule = "cron(0 20 ? * SUN *)"

[frontend]
repository = "https://github.com/acme/web"

[state]
bucket = "a-very-long-project-name-tfstate"

[monitoring]
alarm_emails = ["a-very-long-address-for-alarms@a-really-long-domain-name.example.com", "b@example.com", "c@example.com"]
slack = { workspace_id = "T01ABCDEF23", channel_id = "C01ABCDEF23" }
"#;

#[test]
fn a_crowded_environment_still_fits() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("crowded.toml"), CROWDED).expect("write");
    let arch = match Workspace::new(dir.path()).load("crowded", &Overrides::default()) {
        Ok(environment) => environment.architecture,
        Err(error) => panic!("the crowded environment is valid: {error}"),
    };
    let mermaid = diagram::mermaid(&arch);
    check_mermaid(&mermaid).unwrap_or_else(|problem| panic!("{problem}\n{mermaid}"));
    // Mermaid keeps every name whole; the ASCII picture cuts what does not fit.
    assert!(mermaid.contains("api.internal-services.a-really-long-domain-name-for-testing-widths.example.co.jp"));
    assert!(mermaid.contains("slack([\"Slack<br/>via AWS Chatbot\"])") && mermaid.contains("and 1 more"));
    let ascii = diagram::ascii(&arch);
    for line in ascii.lines() {
        assert!(line.chars().count() <= ASCII_WIDTH, "wider than {ASCII_WIDTH}: {line}\n{ascii}");
    }
    for expected in
        ["api.internal-services.a-really-…", "1f 10.1.24.0/24", "primary + 5 replicas", "0 at night, on a schedule"]
    {
        assert!(ascii.contains(expected), "{expected} is missing\n{ascii}");
    }
    // The weekly backup is not called daily.
    assert!(mermaid.contains("AWS Backup<br/>on a schedule") && ascii.contains("│ on a schedule "), "{ascii}");
}

// What a preset or tier switch must visibly change.

#[test]
fn without_nat_the_drawings_show_the_endpoints_and_no_gateway() {
    let (mermaid, ascii) = (diagram::mermaid(&dev()), diagram::ascii(&dev()));
    for endpoint in ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "S3 gateway endpoint"] {
        assert!(mermaid.contains(endpoint) && ascii.contains(endpoint), "{endpoint} is not drawn");
    }
    assert!(!mermaid.contains("nat_"), "a NAT gateway node without NAT:\n{mermaid}");
    assert!(!ascii.contains("│ NAT gateway"), "a NAT gateway box without NAT:\n{ascii}");
}

#[test]
fn with_nat_the_drawings_show_the_gateways_and_no_interface_endpoints() {
    let (mermaid, ascii) = (diagram::mermaid(&dev_with_nat()), diagram::ascii(&dev_with_nat()));
    assert!(mermaid.contains("nat_ap_northeast_1a[\"NAT gateway<br/>in 1a\"]"), "{mermaid}");
    assert!(mermaid.contains("tasks -->|\"egress 1a, 1c\"| nat_ap_northeast_1a"), "{mermaid}");
    assert!(!mermaid.contains("nat_ap_northeast_1c"), "one gateway only:\n{mermaid}");
    assert!(ascii.contains("│ NAT gateway ") && ascii.contains("one, in 1a"), "{ascii}");
    for drawing in [&mermaid, &ascii] {
        assert!(!drawing.contains("ecr.api") && !drawing.contains("VPC endpoints"), "{drawing}");
        // The S3 gateway endpoint is there with NAT too: image layers never pay for NAT.
        assert!(drawing.contains("S3 gateway endpoint"), "{drawing}");
    }

    let (mermaid, ascii) = (diagram::mermaid(&prod()), diagram::ascii(&prod()));
    assert!(mermaid.contains("tasks -->|\"egress 1a\"| nat_ap_northeast_1a"), "{mermaid}");
    assert!(mermaid.contains("tasks -->|\"egress 1c\"| nat_ap_northeast_1c"), "{mermaid}");
    assert!(ascii.contains("│ NAT gateways ") && ascii.contains("one per zone"), "{ascii}");
}

#[test]
fn multi_az_shows_a_standby_and_single_az_none() {
    for drawing in [diagram::mermaid(&prod()), diagram::ascii(&prod())] {
        assert!(drawing.contains("Multi-AZ primary") && drawing.contains("RDS standby"), "{drawing}");
    }
    assert!(diagram::mermaid(&prod()).contains("database <-->|\"synchronous replication\"| database_standby"));
    assert!(diagram::ascii(&prod()).contains("│◄"), "the standby is linked both ways");
    for drawing in [diagram::mermaid(&dev()), diagram::ascii(&dev())] {
        assert!(drawing.contains("single-AZ, no standby"), "{drawing}");
        assert!(!drawing.contains("standby<") && !drawing.contains("RDS standby"), "{drawing}");
    }
}

#[test]
fn task_counts_size_and_night_scale_down_are_shown() {
    for drawing in [diagram::mermaid(&dev()), diagram::ascii(&dev())] {
        assert!(drawing.contains("1 task") && drawing.contains("0.25 vCPU, 0.5 GB"), "{drawing}");
        assert!(drawing.contains("0 at night 22:00-06:00") && drawing.contains("(Asia/Tokyo)"), "{drawing}");
    }
    for drawing in [diagram::mermaid(&prod()), diagram::ascii(&prod())] {
        assert!(drawing.contains("2..10 tasks") && !drawing.contains("at night"), "{drawing}");
    }
    for drawing in [diagram::mermaid(&prod_large()), diagram::ascii(&prod_large())] {
        assert!(drawing.contains("10..50 tasks") && drawing.contains("1 vCPU, 2 GB"), "{drawing}");
    }
}

#[test]
fn the_cache_and_the_cdns_appear_when_switched_on() {
    for drawing in [diagram::mermaid(&dev()), diagram::ascii(&dev())] {
        assert!(!drawing.contains("ElastiCache") && !drawing.contains("CloudFront"), "{drawing}");
    }
    for drawing in [diagram::mermaid(&prod()), diagram::ascii(&prod())] {
        assert!(drawing.contains("ElastiCache Redis 7.1") && drawing.contains("cache.t4g.small"), "{drawing}");
        assert!(!drawing.contains("CloudFront"), "{drawing}");
    }
    assert!(diagram::mermaid(&prod()).contains("cache_replicas[(\"1 cache replica<br/>automatic failover\")]"));
    assert!(diagram::mermaid(&prod_large()).contains("2 cache replicas"));
    assert!(diagram::ascii(&prod_large()).contains("primary + 2 replicas"));
    for drawing in [diagram::mermaid(&prod_large()), diagram::ascii(&prod_large())] {
        assert!(drawing.contains("in front of the API") && !drawing.contains("S3 images bucket"), "{drawing}");
    }
    let mermaid = diagram::mermaid(&prod_large());
    assert!(mermaid.contains("api_dns --> api_cdn") && mermaid.contains("api_cdn --> waf"), "{mermaid}");
    for drawing in [diagram::mermaid(&dev_with_images_cdn()), diagram::ascii(&dev_with_images_cdn())] {
        assert!(drawing.contains("S3 images bucket") && drawing.contains("Intelligent-Tiering"), "{drawing}");
        assert!(!drawing.contains("in front of the API"), "{drawing}");
    }
    assert!(diagram::mermaid(&dev_with_images_cdn()).contains("users -->|\"images\"| images_cdn"));
}

#[test]
fn backups_show_their_copy_region_only_when_copied() {
    for drawing in [diagram::mermaid(&prod()), diagram::ascii(&prod())] {
        assert!(drawing.contains("Backup copy") && drawing.contains("ap-northeast-3"), "{drawing}");
    }
    for drawing in [diagram::mermaid(&dev()), diagram::ascii(&dev())] {
        assert!(!drawing.contains("Backup copy"), "{drawing}");
    }
}

#[test]
fn the_command_prints_the_library_drawing_with_overrides() {
    let test = common::Test::with_shipped_environments();
    let ascii =
        test.run_args(&["diagram", "--env", "dev", "--format", "ascii", "--without-preset", "no-nat"]).status(0);
    assert_eq!(ascii.stdout, diagram::ascii(&dev_with_nat()));
    let mermaid = test.run_args(&["diagram", "--env", "prod"]).status(0);
    assert_eq!(mermaid.stdout, diagram::mermaid(&prod()), "Mermaid is the default format");
    test.run_args(&["diagram", "--env", "nope"]).status(2).stderr_contains("no environment `nope`");
}

/// Checks what Mermaid would choke on: unbalanced subgraphs, quotes or markup inside labels,
/// duplicate or reserved ids, links to nodes never declared.
fn check_mermaid(text: &str) -> Result<(), String> {
    let mut lines = text.lines();
    if lines.next() != Some("flowchart TB") {
        return Err("the first line must declare the flowchart".into());
    }
    let mut depth = 0usize;
    let mut nodes = BTreeSet::new();
    let mut groups = BTreeSet::new();
    let mut links = Vec::new();
    for line in lines.map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("%%")) {
        for label in quoted(line)? {
            let plain = label.replace("<br/>", "");
            if plain.contains(['<', '>', '|']) {
                return Err(format!("markup or a pipe inside label {label:?}"));
            }
            // `#` only ever starts an entity such as `#quot;`.
            for (at, _) in plain.match_indices('#') {
                let entity = plain[at + 1..].split(';').next().unwrap_or_default();
                if entity.is_empty() || !entity.chars().all(|c| c.is_ascii_alphanumeric()) || !plain[at..].contains(';')
                {
                    return Err(format!("a raw # inside label {label:?}"));
                }
            }
        }
        if line == "direction LR" || line == "direction TB" {
            continue;
        }
        if line == "end" {
            depth = depth.checked_sub(1).ok_or("`end` without a subgraph")?;
        } else if let Some(rest) = line.strip_prefix("subgraph ") {
            depth += 1;
            let id = identifier(rest)?;
            label_inside(&rest[id.len()..], "[\"", "\"]")?;
            if !groups.insert(id.to_string()) {
                return Err(format!("subgraph id {id} used twice"));
            }
        } else if let Some((from, rest)) = line.split_once(' ').filter(|(from, _)| !from.contains(['[', '('])) {
            let arrow = ["-->", "<-->", "-.->"].into_iter().find(|a| rest.starts_with(a));
            let Some(arrow) = arrow else { return Err(format!("not a link: {line}")) };
            let rest = &rest[arrow.len()..];
            let rest = match rest.strip_prefix("|\"") {
                Some(labelled) => {
                    let (label, to) = labelled.split_once("\"| ").ok_or(format!("unclosed link label: {line}"))?;
                    if label.contains('"') {
                        return Err(format!("a raw quote inside link label {label:?}"));
                    }
                    to
                }
                None => rest.strip_prefix(' ').ok_or(format!("no space after the arrow: {line}"))?,
            };
            links.push((from.to_string(), rest.to_string()));
        } else {
            let id = identifier(line)?;
            let shape = &line[id.len()..];
            let shapes = [("([\"", "\"])"), ("[(\"", "\")]"), ("[\"", "\"]")];
            let (open, close) = shapes
                .into_iter()
                .find(|(open, close)| shape.starts_with(open) && shape.ends_with(close))
                .ok_or(format!("not a node with a quoted label: {line}"))?;
            label_inside(shape, open, close)?;
            if !nodes.insert(id.to_string()) {
                return Err(format!("node id {id} used twice"));
            }
        }
    }
    if depth != 0 {
        return Err(format!("{depth} subgraph(s) never closed"));
    }
    if let Some(shared) = nodes.intersection(&groups).next() {
        return Err(format!("{shared} is both a node and a subgraph"));
    }
    for (from, to) in links {
        for id in [&from, &to] {
            if !nodes.contains(id) {
                return Err(format!("link {from} -> {to} names {id}, which is not a node"));
            }
        }
    }
    Ok(())
}

/// The id a node or subgraph line starts with: lowercase letters, digits and `_`, not a
/// word Mermaid reserves.
fn identifier(line: &str) -> Result<&str, String> {
    let end = line.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')).unwrap_or(line.len());
    let id = &line[..end];
    let reserved = ["end", "subgraph", "graph", "flowchart", "style", "class", "classDef", "click", "linkStyle"];
    if id.is_empty() || !id.starts_with(|c: char| c.is_ascii_lowercase()) || reserved.contains(&id) {
        return Err(format!("bad id in: {line}"));
    }
    Ok(id)
}

/// Checks that the label between `open` and `close` holds no raw quote.
fn label_inside(shape: &str, open: &str, close: &str) -> Result<(), String> {
    let label = shape
        .strip_prefix(open)
        .and_then(|rest| rest.strip_suffix(close))
        .ok_or(format!("not a quoted label: {shape}"))?;
    if label.contains('"') {
        return Err(format!("a raw quote inside label {label:?}"));
    }
    Ok(())
}

/// The quoted labels of a line; an odd number of quotes means one is raw.
fn quoted(line: &str) -> Result<Vec<&str>, String> {
    let parts: Vec<&str> = line.split('"').collect();
    if parts.len().is_multiple_of(2) {
        return Err(format!("unbalanced quotes: {line}"));
    }
    Ok(parts.iter().skip(1).step_by(2).copied().collect())
}

#[test]
fn the_mermaid_check_catches_what_it_should() {
    assert!(check_mermaid("flowchart TB\n    a[\"x\"]\n    b[\"y\"]\n    a --> b\n").is_ok());
    assert!(check_mermaid("flowchart TB\n    subgraph g[\"G\"]\n    a[\"x\"]\n").is_err(), "unclosed");
    assert!(check_mermaid("flowchart TB\n    a[\"x\"]\n    a[\"y\"]\n").is_err(), "duplicate");
    assert!(check_mermaid("flowchart TB\n    a[\"say \"hi\"\"]\n").is_err(), "raw quote");
    assert!(check_mermaid("flowchart TB\n    a[\"x\"]\n    a --> b\n").is_err(), "unknown node");
    assert!(check_mermaid("flowchart TB\n    a[\"x\"]\n    a -->|\"a \"b\"| a\n").is_err(), "raw quote in a link");
    assert!(check_mermaid("flowchart TB\n    a[\"x #1\"]\n").is_err(), "raw #");
    assert!(check_mermaid("flowchart TB\n    a[\"x #35;1 #quot;\"]\n").is_ok(), "entities");
    assert!(check_mermaid("flowchart TB\n    end[\"x\"]\n").is_err(), "reserved id");
}
