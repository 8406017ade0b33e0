//! `infragen explain`: every resource infragen writes is explained by exactly one entry of
//! `data/explain.toml`, no entry is stale, every setting it names exists, and the command
//! traces an address to the values and layers of the environment.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Test, variants};
use infragen::commands::explain::{entries, entries_for};
use infragen::render::Renderer;
use infragen::workspace::Workspace;

/// Every address of the shipped environments and of the verified variants.
fn all_addresses() -> BTreeSet<String> {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let renderer = Renderer::new().expect("templates");
    let mut addresses = BTreeSet::new();
    for (name, env, overrides) in variants() {
        let environment = workspace.load(&env, &overrides).unwrap_or_else(|e| panic!("{name}: {e}"));
        addresses.extend(renderer.environment(&environment.architecture).expect("renders").addresses());
    }
    addresses
}

#[test]
fn every_address_has_one_entry_and_every_entry_an_address() {
    let table = entries();
    let addresses = all_addresses();
    assert!(addresses.len() > 150, "{}", addresses.len());
    let mut problems = Vec::new();
    for address in &addresses {
        match entries_for(&table, address).as_slice() {
            [_] => {}
            [] => problems.push(format!("{address}: no entry in data/explain.toml")),
            several => problems.push(format!(
                "{address}: several entries ({})",
                several.iter().map(|e| e.address.as_str()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    for entry in &table {
        if !addresses.iter().any(|a| infragen::commands::explain::matches(&entry.address, a)) {
            problems.push(format!("{}: stale, no rendered root has such a resource", entry.address));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether a dotted path names a setting of the committed JSON Schema.
fn in_schema(root: &serde_json::Value, path: &str) -> bool {
    let mut schema = root.clone();
    for key in path.split('.') {
        if let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) {
            schema = root.pointer(reference.trim_start_matches('#')).cloned().unwrap_or_default();
        }
        if let Some(options) = schema.get("anyOf").and_then(|a| a.as_array()) {
            let object = options.iter().find(|o| o.get("$ref").is_some() || o.get("properties").is_some());
            if let Some(object) = object {
                schema = match object.get("$ref").and_then(|r| r.as_str()) {
                    Some(reference) => root.pointer(reference.trim_start_matches('#')).cloned().unwrap_or_default(),
                    None => object.clone(),
                };
            }
        }
        match schema.get("properties").and_then(|p| p.get(key)) {
            Some(next) => schema = next.clone(),
            None => return false,
        }
    }
    true
}

#[test]
fn every_setting_an_entry_reads_exists() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("environments/schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let unknown: Vec<String> = entries()
        .iter()
        .flat_map(|e| e.reads.iter().filter(|p| !in_schema(&schema, p)).map(move |p| format!("{}: {p}", e.address)))
        .collect();
    assert!(unknown.is_empty(), "settings that do not exist: {unknown:?}");
}

#[test]
fn explain_traces_a_resource_to_its_settings_and_their_layers() {
    let test = Test::with_fixture_environments();
    let output = test
        .run_args(&[
            "explain",
            "--env",
            "prod",
            "module.rds.aws_db_instance.this",
            "--set",
            "database.allocated_storage=50",
            "--set",
            "module_tags={rds={CostCenter=\"db\"}}",
        ])
        .status(0);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines[0], "module.rds.aws_db_instance.this");
    assert!(lines.contains(&"  declared in modules/rds/main.tf of the prod root"), "{}", output.stdout);
    let line = |start: &str| {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{}", output.stdout))
            .to_string()
    };
    // Each value with its layer: the tier, the flag, the file, the default.
    assert!(line("database.instance_class = \"db.t4g.medium\"").ends_with("# tier medium"));
    assert!(line("database.allocated_storage = 50").ends_with("# --set database.allocated_storage=50"));
    assert!(line("stage = \"production\"").contains("# environments/prod.toml:"));
    assert!(line("database.engine_version").ends_with("# default"));
    assert!(line("module_tags.rds.CostCenter = \"db\"").contains("# --set module_tags="));
    // How the values reach the resource's arguments: the module inputs it uses.
    assert!(lines.contains(&"  var.instance_class = \"db.t4g.medium\""), "{}", output.stdout);
    assert!(lines.contains(&"  var.allocated_storage = 50"), "{}", output.stdout);
    assert!(lines.contains(&"  var.kms_key_arn = module.kms.data_key_arn"), "{}", output.stdout);

    // A preset is named as the layer of what it sets.
    let dev = test.run_args(&["explain", "--env", "dev", "module.rds.aws_db_instance.this"]).status(0);
    assert!(
        dev.stdout.lines().any(|l| l.contains("database.multi_az = false") && l.ends_with("# preset single-az-db")),
        "{}",
        dev.stdout
    );

    // Instance keys as a plan prints them are accepted.
    test.run_args(&["explain", "--env", "dev", "module.network.aws_subnet.public[\"ap-northeast-1a\"]"])
        .status(0)
        .stdout_contains("network.subnets.public = ");
}

#[test]
fn an_unknown_address_fails_with_close_matches() {
    let test = Test::with_fixture_environments();
    test.run_args(&["explain", "--env", "prod", "module.rds.aws_db_instanse.this"])
        .status(2)
        .stderr_contains("error: the `prod` root has no resource `module.rds.aws_db_instanse.this`\n  = help: close matches:\n      module.rds.aws_db_instance.this\n");
    test.run_args(&["explain", "--env", "prod", "aws_db_instance.this"])
        .status(2)
        .stderr_contains("      module.rds.aws_db_instance.this");
    test.run_args(&["explain", "--env", "dev", "module.cache.aws_elasticache_replication_group.this"])
        .status(2)
        .stderr_contains("= note: the `cache` module is not part of this environment");
}
