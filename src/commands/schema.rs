//! `infragen schema`: the JSON Schema of environment files, derived from the settings
//! types (schemars), every field described. `environments/schema.json` is this output;
//! environment files point editors at it with `#:schema ./schema.json`.

use std::fs;
use std::io::Write;

use serde_json::Value;

use crate::cli::SchemaArgs;
use crate::config::required::REQUIRED;
use crate::config::settings_schema;
use crate::{Error, Exit};

/// The schema as committed: pretty JSON with a final newline.
pub fn schema_json() -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(&editor_schema()?).map_err(|e| Error::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// The settings schema as editors see it: the settings that identify a real system are
/// `required`, without the built-in default that would stand in for them otherwise.
/// (infragen checks the same fields itself, with its own messages: `config::required`.)
pub fn editor_schema() -> Result<Value, Error> {
    let mut schema = settings_schema().clone();
    for required in REQUIRED {
        let mut keys = required.path.split('.').peekable();
        // Walk down the properties, through $refs into $defs, marking each key required.
        let mut pointer = String::new();
        while let Some(key) = keys.next() {
            let object = schema.pointer_mut(&pointer).ok_or_else(|| missing(&pointer))?;
            push_required(object, key);
            let property = object.pointer_mut(&format!("/properties/{key}")).ok_or_else(|| missing(key))?;
            if let Some(default) = property.get_mut("default") {
                match keys.peek() {
                    Some(inner) => drop(default.as_object_mut().and_then(|d| d.remove(*inner))),
                    None => *default = Value::Null,
                }
            }
            if let Some(object) = property.as_object_mut()
                && object.get("default") == Some(&Value::Null)
            {
                object.remove("default");
            }
            pointer = match property.get("$ref").and_then(Value::as_str) {
                Some(reference) => reference.trim_start_matches('#').to_string(),
                None => format!("{pointer}/properties/{key}"),
            };
        }
    }
    Ok(schema)
}

fn push_required(object: &mut Value, key: &str) {
    if let Some(object) = object.as_object_mut() {
        let required = object.entry("required").or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = required.as_array_mut()
            && !list.iter().any(|k| k == key)
        {
            list.push(Value::from(key));
        }
    }
}

fn missing(at: &str) -> Error {
    Error::Internal(format!("the settings schema has no `{at}` for a required setting"))
}

pub fn run(args: &SchemaArgs, out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    let text = schema_json()?;
    match &args.output {
        Some(path) => fs::write(path, text).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?,
        None => super::write_text(out, &text)?,
    }
    Ok(Exit::Success)
}
