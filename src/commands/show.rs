//! `infragen show`: the fully resolved settings of an environment, each value with the
//! layer it came from.

use std::io::Write;

use toml::{Table, Value};

use super::write_line;
use crate::cli::ShowArgs;
use crate::config::{FieldPath, LoadedEnvironment, Origin, load_environment};
use crate::diagnostic::Diagnostics;
use crate::model::{Architecture, credentials};
use crate::workspace::Workspace;
use crate::{Error, Exit};

pub fn run(args: &ShowArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let workspace = Workspace::new(&args.environments);
    let source = workspace.read(&args.env)?;
    let loaded = load_environment(&args.env, source, &args.overrides.overrides()).map_err(Error::Invalid)?;
    for warning in &loaded.warnings {
        write_line(err, &warning.to_string())?;
    }
    let secrets = credentials::suspected_values(&loaded.settings);
    let mut text = render(&loaded)?;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), "<not shown>");
    }
    super::write_text(out, &text)?;
    // The settings are shown even when they do not validate: that is when they help most.
    Architecture::from_environment(&loaded).map_err(|Diagnostics(errors)| {
        Error::Invalid(Diagnostics(errors.into_iter().map(|d| d.redact(&secrets)).collect()))
    })?;
    Ok(Exit::Success)
}

/// The settings as TOML, with the origin of each value in a trailing comment.
pub fn render(loaded: &LoadedEnvironment) -> Result<String, Error> {
    let table = Table::try_from(&loaded.settings).map_err(|e| Error::Internal(e.to_string()))?;
    let mut lines: Vec<(String, Option<String>)> =
        vec![(format!("# {}: the settings of {} after every layer", loaded.name, loaded.source.name), None)];
    lines.push(("# layers, lowest first: default < region < tier < preset < file < flags".to_string(), None));
    write_table(loaded, &table, &FieldPath::root(), &mut lines);

    let width = lines.iter().filter(|(_, o)| o.is_some()).map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for (line, origin) in lines {
        match origin {
            // Padded by hand: a width from `{:<width$}` above u16::MAX panics, and a
            // value may be that long.
            Some(origin) => {
                let padding = width.saturating_sub(line.chars().count());
                text.push_str(&format!("{line}{}  # {origin}\n", " ".repeat(padding)));
            }
            None => {
                text.push_str(&line);
                text.push('\n');
            }
        }
    }
    Ok(text)
}

fn write_table(loaded: &LoadedEnvironment, table: &Table, path: &FieldPath, lines: &mut Vec<(String, Option<String>)>) {
    // Empty tables (no tags, say) read best inline, next to the scalars.
    let is_section = |value: &Value| matches!(value, Value::Table(t) if !t.is_empty());
    for (key, value) in table {
        if !is_section(value) {
            let child = path.key(key);
            let shown = match value {
                // What looks like a credential is not printed again (validation refuses it).
                Value::String(text) if in_environment(path) && credentials::suspected(key, text).is_some() => {
                    Value::String("<not shown: looks like a credential>".to_string())
                }
                other => other.clone(),
            };
            lines.push((format!("{} = {shown}", toml_key(key)), Some(origin_label(loaded, &child))));
        }
    }
    for (key, value) in table {
        if let (true, Value::Table(inner)) = (is_section(value), value) {
            let child = path.key(key);
            lines.push((String::new(), None));
            lines.push((format!("[{child}]"), None));
            write_table(loaded, inner, &child, lines);
        }
    }
}

/// Container and build environment variables, where credentials do not belong.
pub(crate) fn in_environment(path: &FieldPath) -> bool {
    let path = path.to_string();
    path == "service.environment" || path == "frontend.environment"
}

fn toml_key(key: &str) -> String {
    if crate::config::path::is_bare_key(key) { key.to_string() } else { Value::String(key.to_string()).to_string() }
}

pub(crate) fn origin_label(loaded: &LoadedEnvironment, path: &FieldPath) -> String {
    match loaded.provenance.origin(path) {
        // The line alone: a full location would count the characters of the line, for
        // every value of a file that may be one long line.
        Origin::File(span) => format!("{}:{}", loaded.source.name, loaded.source.line_of(span.start)),
        other => other.label(),
    }
}
