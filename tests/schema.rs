//! The JSON Schema of environment files: committed as environments/schema.json (editors
//! complete and check the files with it, through their `#:schema ./schema.json` line), kept
//! identical to what `infragen schema` prints, and accepting every shipped file according to
//! an independent validator.

use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn committed_schema() -> serde_json::Value {
    let text = fs::read_to_string(root().join("environments/schema.json")).expect("environments/schema.json exists");
    serde_json::from_str(&text).expect("valid JSON")
}

/// An environment file as the JSON document the schema describes.
fn as_json(toml_text: &str) -> serde_json::Value {
    let value: toml::Table = toml::from_str(toml_text).expect("valid TOML");
    serde_json::to_value(value).expect("TOML converts to JSON")
}

#[test]
fn the_committed_schema_is_current() {
    let current = infragen::commands::schema::schema_json().expect("schema renders");
    let committed = fs::read_to_string(root().join("environments/schema.json")).expect("committed schema");
    assert!(
        committed == current,
        "environments/schema.json is stale: run `cargo run -- schema --output environments/schema.json`"
    );
}

#[test]
fn every_shipped_environment_file_validates_against_it() {
    let validator = jsonschema::validator_for(&committed_schema()).expect("the schema is a valid JSON Schema");
    let mut checked = 0;
    for entry in fs::read_dir(root().join("environments")).expect("environments/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = fs::read_to_string(&path).expect("readable");
        assert!(text.starts_with("#:schema ./schema.json\n"), "{} must point editors at the schema", path.display());
        let errors: Vec<String> =
            validator.iter_errors(&as_json(&text)).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 2, "dev and prod at least");
}

#[test]
fn the_schema_rejects_what_infragen_rejects() {
    let validator = jsonschema::validator_for(&committed_schema()).expect("valid schema");
    for bad in ["projekt = \"x\"", "[network]\nnat = \"sometimes\"", "[service]\nport = 70000", "presets = \"no-nat\""]
    {
        assert!(!validator.is_valid(&as_json(bad)), "{bad} should be rejected");
    }
}

#[test]
fn every_field_is_described() {
    fn walk(schema: &serde_json::Value, path: &str, missing: &mut Vec<String>) {
        if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
            for (key, property) in properties {
                let described = property.get("description").is_some()
                    || property.get("$ref").is_some_and(|_| property.get("description").is_some());
                if !described {
                    missing.push(format!("{path}{key}"));
                }
            }
        }
    }
    let schema = committed_schema();
    let mut missing = Vec::new();
    walk(&schema, "", &mut missing);
    for (name, definition) in schema["$defs"].as_object().expect("$defs") {
        walk(definition, &format!("{name}."), &mut missing);
    }
    assert!(missing.is_empty(), "fields without a description: {missing:?}");
}

#[test]
fn the_schema_requires_what_identifies_a_real_system_and_init_files_validate() {
    let schema = committed_schema();
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    assert_eq!(schema["required"], serde_json::json!(["project", "state", "dns", "frontend", "monitoring"]));
    assert_eq!(schema["$defs"]["DnsSettings"]["required"], serde_json::json!(["zone"]));
    assert!(schema["$defs"]["DnsSettings"]["properties"]["zone"].get("default").is_none());
    assert!(!validator.is_valid(&as_json("")), "an empty file lacks the required settings");
    for environment in ["dev", "prod"] {
        let text =
            infragen::commands::init::starter(environment, "shop", "shop.io", "111122223333").expect("starter renders");
        let errors: Vec<String> = validator.iter_errors(&as_json(&text)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{environment}: {errors:#?}");
    }
}

/// Every setting the schema describes, as dotted paths (sections followed through $refs
/// and `Option`'s anyOf).
fn setting_paths(root: &serde_json::Value, schema: &serde_json::Value, prefix: &str, paths: &mut Vec<String>) {
    let resolve = |s: &serde_json::Value| -> serde_json::Value {
        match s.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => root.pointer(r.trim_start_matches('#')).cloned().unwrap_or_default(),
            None => s.clone(),
        }
    };
    let schema = resolve(schema);
    let object = schema
        .get("properties")
        .cloned()
        .or_else(|| schema["anyOf"].as_array()?.iter().find_map(|v| resolve(v).get("properties").cloned()));
    // A table keyed by a closed set of names whose entries are free maps
    // (`module_tags.<module>`) is one setting, named by its own key.
    let keyed_maps = |properties: &serde_json::Map<String, serde_json::Value>| {
        properties.values().all(|p| p.get("properties").is_none() && p["additionalProperties"].is_object())
    };
    match object.as_ref().and_then(|o| o.as_object()) {
        Some(properties) if !keyed_maps(properties) => {
            for (key, property) in properties {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                setting_paths(root, property, &path, paths);
            }
        }
        _ => paths.push(prefix.to_string()),
    }
}

#[test]
fn the_starter_files_name_every_setting_of_the_schema() {
    let schema = committed_schema();
    let mut paths = Vec::new();
    setting_paths(&schema, &schema, "", &mut paths);
    assert!(paths.len() > 100, "{paths:?}");
    for environment in ["dev", "prod"] {
        let text =
            infragen::commands::init::starter(environment, "shop", "shop.io", "111122223333").expect("starter renders");
        // Sections as written (`[a.b]` or `# [a.b]`), keys (`k = ` or `# k = `) under them.
        let mut section = String::new();
        let mut named = std::collections::BTreeSet::new();
        for line in text.lines() {
            let line = line.trim_start_matches("# ");
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = header.to_string();
                // A map of free keys (`service.environment`) is named by its header.
                named.insert(section.clone());
            } else if let Some((key, _)) = line.split_once(" = ")
                && !key.contains(' ')
            {
                named.insert(if section.is_empty() { key.to_string() } else { format!("{section}.{key}") });
            }
        }
        let missing: Vec<&String> = paths.iter().filter(|p| !named.contains(*p)).collect();
        assert!(missing.is_empty(), "the {environment} starter file does not name {missing:?}");
    }
}

#[test]
fn the_dev_starter_and_the_shipped_dev_estimate_the_same_usage() {
    let shipped: toml::Table =
        toml::from_str(&fs::read_to_string(root().join("environments/dev.toml")).expect("dev.toml")).expect("TOML");
    let usage: infragen::config::scale::UsageSettings =
        shipped["usage"].clone().try_into().expect("the shipped dev usage parses");
    assert_eq!(usage, infragen::config::scale::UsageSettings::development());
    let starter = infragen::commands::init::starter("dev", "shop", "shop.io", "111122223333").expect("starter renders");
    let starter: toml::Table = toml::from_str(&starter).expect("TOML");
    let usage: infragen::config::scale::UsageSettings = starter["usage"].clone().try_into().expect("usage parses");
    assert_eq!(usage, infragen::config::scale::UsageSettings::development());
}
