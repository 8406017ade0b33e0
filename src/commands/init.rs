//! `infragen init`: starter environment files for a new project, written from the built-in
//! defaults with every setting's description as a comment.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde_json::Value as Schema;
use toml::{Table, Value};

use super::write_line;
use crate::cli::InitArgs;
use crate::config::{Settings, Tier, settings_schema};
use crate::model::names::{check_domain_name, check_resource_name_part};
use crate::{Error, Exit};

/// The presets a development environment starts with: the seed's cost savings.
pub const DEV_PRESETS: &[&str] = &["no-nat"];

pub fn run(args: &InitArgs, out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    let project = args.project.clone().unwrap_or_else(|| Settings::default().project);
    if let Err(expected) = check_resource_name_part(&project) {
        return Err(Error::Usage(format!("--project must be {expected}, found \"{project}\"")));
    }
    let zone = args.zone.clone().unwrap_or_else(|| Settings::default().dns.zone);
    if let Err(expected) = check_domain_name(&zone) {
        return Err(Error::Usage(format!("--zone must be {expected}, found \"{zone}\"")));
    }
    let dir = args.dir.join("environments");
    let files = [("dev", starter("dev", &project, &zone)?), ("prod", starter("prod", &project, &zone)?)];
    for (name, _) in &files {
        let path = dir.join(format!("{name}.toml"));
        if path.exists() && !args.force {
            return Err(Error::Usage(format!("{} already exists; pass --force to overwrite it", path.display())));
        }
    }
    fs::create_dir_all(&dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
    for (name, text) in &files {
        let path = dir.join(format!("{name}.toml"));
        write_file(&path, text)?;
        write_line(out, &format!("wrote {}", path.display()))?;
    }
    write_line(out, "next: review them, then run `infragen gen --all`")?;
    Ok(Exit::Success)
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    fs::write(path, text).map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

/// The starter file of one environment.
pub fn starter(environment: &str, project: &str, zone: &str) -> Result<String, Error> {
    let mut settings = Settings { project: project.to_string(), ..Settings::default() };
    settings.dns.zone = zone.to_string();
    settings.state.bucket = Some(format!("{project}-tfstate-{}", settings.region));
    let intro = if environment == "dev" {
        settings.presets = DEV_PRESETS.iter().map(|p| p.to_string()).collect();
        settings.logs.retention_days = 30;
        settings.kms.deletion_window_days = 7;
        "Development: the smallest tier and the seed's cost-saving presets."
    } else {
        settings.tier = Tier::Medium;
        "Production: Multi-AZ, a NAT gateway per zone, long log retention."
    };
    let table = Table::try_from(&settings).map_err(|e| Error::Internal(e.to_string()))?;
    let mut text = format!(
        "# The `{environment}` environment of {project}. {intro}\n# Every value below is a built-in default unless said otherwise; `infragen show --env {environment}`\n# prints where each resolved value comes from.\n"
    );
    let root = settings_schema();
    write_table(&mut text, root, root, &table, "");
    Ok(text)
}

fn write_table(text: &mut String, root: &Schema, schema: &Schema, table: &Table, prefix: &str) {
    let schema = resolve(root, schema);
    let properties = schema.get("properties");
    for (key, value) in table {
        if matches!(value, Value::Table(t) if !t.is_empty()) {
            continue;
        }
        let property = properties.and_then(|p| p.get(key));
        text.push('\n');
        comment(text, property.and_then(|p| description(root, p)));
        text.push_str(&format!("{key} = {value}\n"));
    }
    for (key, value) in table {
        let Value::Table(inner) = value else { continue };
        if inner.is_empty() {
            continue;
        }
        let property = properties.and_then(|p| p.get(key)).unwrap_or(&Schema::Null);
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        text.push('\n');
        comment(text, description(root, property));
        text.push_str(&format!("[{path}]\n"));
        write_table(text, root, property, inner, &path);
    }
}

fn resolve<'a>(root: &'a Schema, schema: &'a Schema) -> &'a Schema {
    schema.get("$ref").and_then(Schema::as_str).and_then(|r| root.pointer(r.trim_start_matches('#'))).unwrap_or(schema)
}

fn description(root: &Schema, schema: &Schema) -> Option<String> {
    schema
        .get("description")
        .or_else(|| resolve(root, schema).get("description"))
        .and_then(Schema::as_str)
        .map(str::to_string)
}

/// Writes a description as comment lines wrapped at 88 columns.
fn comment(text: &mut String, description: Option<String>) {
    let Some(description) = description else { return };
    let mut line = String::from("#");
    for word in description.split_whitespace() {
        if line.len() + 1 + word.len() > 88 && line.len() > 1 {
            text.push_str(&line);
            text.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    text.push_str(&line);
    text.push('\n');
}
