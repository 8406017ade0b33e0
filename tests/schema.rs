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
        let text = infragen::commands::init::starter(environment, "shop", "shop.io").expect("starter renders");
        let errors: Vec<String> = validator.iter_errors(&as_json(&text)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{environment}: {errors:#?}");
    }
}
