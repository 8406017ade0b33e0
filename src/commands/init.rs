//! `infragen init`: starter environment files for a new project, written from the built-in
//! defaults with every setting's description as a comment.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde_json::Value as Schema;
use toml::{Table, Value};

use super::write_line;
use crate::cli::InitArgs;
use crate::config::scale::UsageSettings;
use crate::config::{Settings, settings_schema};
use crate::model::names::{check_domain_name, check_resource_name_part};
use crate::{Error, Exit};

/// The account the starter files name when `--account-id` is not given: the example ID of
/// AWS's own documentation, so that a plan with real credentials stops at once ("AWS account
/// ID not allowed") instead of reaching whatever account the credentials belong to.
pub const EXAMPLE_ACCOUNT_ID: &str = "123456789012";

/// What `init` keeps out of git: Terraform's local working files, state and plans, and
/// infragen's own freshness record. The provider lock file (`.terraform.lock.hcl`) is not
/// among them: it is committed.
pub const GITIGNORE_LINES: &[&str] = &[
    ".terraform/",
    "*.tfstate",
    "*.tfstate.*",
    "crash.log",
    "crash.*.log",
    "tfplan",
    "*.tfplan",
    ".infragen-cache",
    ".infragen.lock",
];

/// The presets a development environment starts with: the reference architecture's five cost savings.
pub const DEV_PRESETS: &[&str] = &["no-nat", "single-az-db", "min-ecs", "min-logs", "night-scale-down"];

pub fn run(args: &InitArgs, out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    let project = args.project.clone();
    if let Err(expected) = check_resource_name_part(&project) {
        return Err(Error::Usage(format!("--project must be {expected}, found \"{project}\"")));
    }
    let zone = args.zone.clone();
    if let Err(expected) = check_domain_name(&zone) {
        return Err(Error::Usage(format!("--zone must be {expected}, found \"{zone}\"")));
    }
    let account_id = args.account_id.clone().unwrap_or_else(|| EXAMPLE_ACCOUNT_ID.to_string());
    if !(account_id.len() == 12 && account_id.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Error::Usage(format!(
            "--account-id must be the 12 digits of an AWS account ID, found \"{account_id}\""
        )));
    }
    let dir = args.dir.join("environments");
    let files = [
        ("dev", starter("dev", &project, &zone, &account_id)?),
        ("prod", starter("prod", &project, &zone, &account_id)?),
    ];
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
    // The files point editors at the schema, which therefore lives beside them.
    let schema = dir.join("schema.json");
    write_file(&schema, &super::schema::schema_json()?)?;
    write_line(out, &format!("wrote {}", schema.display()))?;
    let gitignore = args.dir.join(".gitignore");
    if extend_gitignore(&gitignore)? {
        write_line(out, &format!("wrote {} (Terraform's local state, plans and caches)", gitignore.display()))?;
    }
    if args.account_id.is_none() {
        write_line(
            out,
            &format!(
                "note: account_id is {EXAMPLE_ACCOUNT_ID}, AWS's example; every plan stops until it names your account"
            ),
        )?;
    }
    write_line(out, "next: review them, then run `infragen gen --all`")?;
    Ok(Exit::Success)
}

/// Adds the lines of [`GITIGNORE_LINES`] a `.gitignore` lacks, keeping what it has; whether
/// anything was written.
fn extend_gitignore(path: &Path) -> Result<bool, Error> {
    let existing = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Io(format!("{}: {e}", path.display()))),
    };
    let missing: Vec<&str> =
        GITIGNORE_LINES.iter().copied().filter(|line| !existing.lines().any(|l| l.trim() == *line)).collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# Terraform's local working files, state and plans (infragen init); commit .terraform.lock.hcl\n");
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    write_file(path, &text)?;
    Ok(true)
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    fs::write(path, text).map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

/// The starter file of one environment: the values that make it this environment, set;
/// every other setting listed as a comment with its built-in default and description, so
/// that the tier and the presets stay in charge of what they set.
pub fn starter(environment: &str, project: &str, zone: &str, account_id: &str) -> Result<String, Error> {
    let defaults = Table::try_from(Settings::default()).map_err(|e| Error::Internal(e.to_string()))?;
    let region = Settings::default().region;
    let mut explicit = format!(
        "project = {}\nregion = {}\naccount_id = {}\nstate.bucket = {}\ndns.zone = {}\nfrontend.repository = {}\nmonitoring.alarm_emails = [{}]\n",
        Value::from(project),
        Value::from(region.as_str()),
        Value::from(account_id),
        Value::from(format!("{project}-tfstate-{region}")),
        Value::from(zone),
        Value::from(format!("https://github.com/example/{project}-web")),
        Value::from(format!("ops@{zone}")),
    );
    let intro = if environment == "dev" {
        let presets: Vec<String> = DEV_PRESETS.iter().map(|p| Value::from(*p).to_string()).collect();
        explicit.push_str(&format!(
            "stage = \"development\"\ntier = \"small\"\npresets = [{}]\n\
             dns.api_record = \"api-dev\"\ndns.frontend_record = \"dev\"\ncdn.images_record = \"images-dev\"\n\
             alb.deletion_protection = false\ndatabase.deletion_protection = false\ndatabase.skip_final_snapshot = true\n\
             database.backup_retention_days = 7\nbackup.retention_days = 7\nbackup.cross_region_copy = false\n\
             frontend.branch = \"develop\"\nkms.deletion_window_days = 7\n",
            presets.join(", ")
        ));
        let usage = Table::try_from(UsageSettings::development()).map_err(|e| Error::Internal(e.to_string()))?;
        for (key, value) in usage {
            explicit.push_str(&format!("usage.{key} = {value}\n"));
        }
        "Development: the smallest tier and the reference architecture's five cost-saving presets."
    } else {
        explicit.push_str("stage = \"production\"\ntier = \"medium\"\n");
        "Production: Multi-AZ, a NAT gateway per zone, backups copied to a second region."
    };
    let explicit: Table = toml::from_str(&explicit).map_err(|e| Error::Internal(e.to_string()))?;
    let mut text = format!(
        "#:schema ./schema.json\n# The `{environment}` environment of {project}. {intro}\n#\n\
         # Uncommented values make this environment what it is. Commented lines show the built-in\n\
         # default of every other setting; the scale tier and the presets change some of them.\n\
         # `infragen show --env {environment}` prints every resolved value and where it comes from.\n"
    );
    let root = settings_schema();
    write_table(&mut text, root, root, &defaults, &explicit, "");
    Ok(text)
}

fn write_table(text: &mut String, root: &Schema, schema: &Schema, defaults: &Table, explicit: &Table, prefix: &str) {
    let schema = resolve(root, schema);
    let properties = schema.get("properties");
    let is_section = |value: &Value| matches!(value, Value::Table(t) if !t.is_empty());
    // Keys in the order of the defaults, then values only the starter sets (optional fields).
    let mut keys: Vec<&String> = defaults.keys().collect();
    keys.extend(explicit.keys().filter(|k| !defaults.contains_key(*k)));
    for key in &keys {
        let (default, set) = (defaults.get(*key), explicit.get(*key));
        let property = properties.and_then(|p| p.get(key.as_str()));
        if default.is_some_and(is_section) || set.is_some_and(is_section) || unset_section(root, property, default, set)
        {
            continue;
        }
        text.push('\n');
        comment(text, property.and_then(|p| description(root, p)));
        match (set, default) {
            (Some(value), _) => text.push_str(&format!("{key} = {value}\n")),
            (None, Some(value)) => text.push_str(&format!("# {key} = {value}\n")),
            (None, None) => {}
        }
    }
    // Settings without a default (optional sections such as `monitoring.slack`) are listed
    // too, commented out, with an example value, so the file names every setting.
    if let Some(properties) = properties.and_then(Schema::as_object) {
        for (key, property) in properties {
            let unset = unset_section(root, Some(property), defaults.get(key), explicit.get(key));
            if (defaults.contains_key(key) || explicit.contains_key(key)) && !unset {
                continue;
            }
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            text.push('\n');
            comment(text, description(root, property));
            write_unset(text, root, property, key, &path);
        }
    }
    for key in &keys {
        let empty = Table::new();
        let default = match defaults.get(*key) {
            Some(Value::Table(t)) if !t.is_empty() => t,
            _ => &empty,
        };
        let set = match explicit.get(*key) {
            Some(Value::Table(t)) => t,
            _ => &empty,
        };
        if default.is_empty() && set.is_empty() {
            continue;
        }
        let property = properties.and_then(|p| p.get(key.as_str())).unwrap_or(&Schema::Null);
        let path = if prefix.is_empty() { (*key).clone() } else { format!("{prefix}.{key}") };
        text.push('\n');
        comment(text, description(root, property));
        text.push_str(&format!("[{path}]\n"));
        write_table(text, root, property, default, set, &path);
    }
}

/// A section whose fields all default to unset (`[budget]`): its default is an empty table,
/// which says nothing; it is written like a setting without a default, field by field.
fn unset_section(root: &Schema, property: Option<&Schema>, default: Option<&Value>, set: Option<&Value>) -> bool {
    set.is_none()
        && matches!(default, Some(Value::Table(t)) if t.is_empty())
        && property.is_some_and(|p| resolve(root, p).get("properties").is_some())
}

/// A setting that has no default, commented out: a section with each of its fields, or a
/// single value, each with the example its schema gives (or its description says).
fn write_unset(text: &mut String, root: &Schema, property: &Schema, key: &str, path: &str) {
    let schema = resolve(root, property);
    let object = schema.get("properties").and_then(Schema::as_object).or_else(|| {
        // Option<T> is `anyOf: [T, null]`.
        schema.get("anyOf").and_then(Schema::as_array).and_then(|variants| {
            variants.iter().find_map(|v| resolve(root, v).get("properties").and_then(Schema::as_object))
        })
    });
    match object {
        Some(fields) => {
            text.push_str(&format!("# [{path}]\n"));
            for (field, field_schema) in fields {
                comment(text, description(root, field_schema));
                text.push_str(&format!("# {field} = {}\n", example(root, field_schema)));
            }
        }
        None => text.push_str(&format!("# {key} = {}\n", example(root, property))),
    }
}

/// An example value for a setting: its schema's first example, else the first `code`
/// value its description gives after "e.g.", else an empty string.
fn example(root: &Schema, schema: &Schema) -> String {
    if let Some(example) = schema.get("examples").and_then(Schema::as_array).and_then(|e| e.first()) {
        return example.to_string();
    }
    let described = description(root, schema).unwrap_or_default();
    let after = described.split_once("e.g. `").map(|(_, rest)| rest).unwrap_or_default();
    match after.split_once('`') {
        Some((value, _)) if !value.is_empty() => Value::from(value).to_string(),
        _ => "\"\"".to_string(),
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
