//! `infragen schema`: the JSON Schema of environment files, derived from the settings
//! types (schemars), every field described. `environments/schema.json` is this output;
//! environment files point editors at it with `#:schema ./schema.json`.

use std::fs;
use std::io::Write;

use crate::cli::SchemaArgs;
use crate::config::settings_schema;
use crate::{Error, Exit};

/// The schema as committed: pretty JSON with a final newline.
pub fn schema_json() -> Result<String, Error> {
    let mut text = serde_json::to_string_pretty(settings_schema()).map_err(|e| Error::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

pub fn run(args: &SchemaArgs, out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    let text = schema_json()?;
    match &args.output {
        Some(path) => fs::write(path, text).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?,
        None => super::write_text(out, &text)?,
    }
    Ok(Exit::Success)
}
