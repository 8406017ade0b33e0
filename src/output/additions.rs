//! Files users add beside the generated ones: hand-written `*.tf` files and Terraform
//! override files (`override.tf`, `*_override.tf`). infragen never touches them (only the
//! files in the manifest are its own); this finds the ones that refer to a module or
//! resource the new generated root no longer has, which Terraform would reject ("Missing
//! base module" for an override, "Reference to undeclared module" for a reference).

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::Path;

use ::hcl::Body;

use super::review::module_of;
use super::{OutputError, Plan, io_error};

/// A hand-written or override file that refers to something the root no longer has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleReference {
    /// The file, relative to the output directory.
    pub file: String,
    /// What it refers to, e.g. `module.cache`.
    pub address: String,
    pub is_override: bool,
}

impl fmt::Display for StaleReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, consequence) = if self.is_override {
            ("overrides", "Terraform rejects an override without its base block")
        } else {
            ("refers to", "Terraform rejects a reference to something undeclared")
        };
        write!(f, "{} {what} {}, which the generated root no longer has ({consequence})", self.file, self.address)
    }
}

/// The stale references of the files users added to the root `root` in `out`, against
/// the root as `plan` will write it.
pub fn stale_references(out: &Path, plan: &Plan, root: &str) -> Result<Vec<StaleReference>, OutputError> {
    let (_, generated) = plan.sides(root);
    let ours: BTreeSet<&str> = generated.iter().map(|(path, _)| *path).collect();
    stale_references_of(out, root, &ours, || {
        Ok(generated.iter().map(|(path, text)| (path.to_string(), text.to_string())).collect())
    })
}

/// The stale references of the files users added to the root `root` in `out`, whose
/// generated files are `ours`; `generated` gives their text (path, text), and is only
/// called when there are added files to check.
pub fn stale_references_of(
    out: &Path,
    root: &str,
    ours: &BTreeSet<&str>,
    generated: impl FnOnce() -> Result<Vec<(String, String)>, OutputError>,
) -> Result<Vec<StaleReference>, OutputError> {
    let mut added = Vec::new();
    collect_added(out, &out.join(root), ours, &mut added)?;
    if added.is_empty() {
        return Ok(Vec::new());
    }
    added.sort();
    let mut declared = Declared::default();
    for (path, text) in generated()? {
        if path.ends_with(".tf")
            && let Ok(body) = ::hcl::parse(&text)
        {
            declared.add(&module_of(root, &path), &body);
        }
    }
    // What the added files declare themselves may be referred to, too.
    let mut parsed = Vec::new();
    for (path, text) in added {
        let Ok(body) = ::hcl::parse(&text) else { continue };
        let module = module_of(root, &path);
        if !is_override(&path) {
            declared.add(&module, &body);
        }
        parsed.push((path, module, body, text));
    }
    let mut stale = Vec::new();
    for (file, module, body, text) in parsed {
        let prefix = module.as_ref().map(|m| format!("module.{m}.")).unwrap_or_default();
        let mut addresses = BTreeSet::new();
        if is_override(&file) {
            for block in body.blocks() {
                let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
                match (block.identifier(), labels.as_slice()) {
                    ("resource", [kind, name]) => addresses.insert(format!("{prefix}{kind}.{name}")),
                    ("module", [name]) if module.is_none() => addresses.insert(format!("module.{name}")),
                    _ => false,
                };
            }
        } else {
            addresses.extend(references(&text, &prefix, module.is_none()));
        }
        for address in addresses {
            if !declared.has(&address) {
                stale.push(StaleReference { file: file.clone(), address, is_override: is_override(&file) });
            }
        }
    }
    Ok(stale)
}

fn is_override(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "override.tf" || name.ends_with("_override.tf")
}

/// Modules called and resources declared, by address.
#[derive(Debug, Default)]
struct Declared {
    modules: BTreeSet<String>,
    resources: BTreeSet<String>,
}

impl Declared {
    fn add(&mut self, module: &Option<String>, body: &Body) {
        let prefix = module.as_ref().map(|m| format!("module.{m}.")).unwrap_or_default();
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            match (block.identifier(), labels.as_slice()) {
                ("resource", [kind, name]) => {
                    self.resources.insert(format!("{prefix}{kind}.{name}"));
                }
                ("module", [name]) if module.is_none() => {
                    self.modules.insert(format!("module.{name}"));
                }
                _ => {}
            }
        }
    }

    fn has(&self, address: &str) -> bool {
        self.modules.contains(address) || self.resources.contains(address)
    }
}

/// `module.NAME` (in a root) and `aws_TYPE.NAME` references in a file's text; data
/// sources (`data.aws_...`) and attributes of other objects are not resources.
fn references(text: &str, prefix: &str, in_root: bool) -> BTreeSet<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut found = BTreeSet::new();
    let words: Vec<(usize, &str)> = word_starts(text);
    for (at, word) in words {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '.' || c == '"') {
            continue;
        }
        let mut parts = word.split('.');
        match (parts.next(), parts.next()) {
            (Some("module"), Some(name)) if in_root && !name.is_empty() => {
                found.insert(format!("module.{name}"));
            }
            (Some(kind), Some(name)) if kind.starts_with("aws_") && !name.is_empty() => {
                found.insert(format!("{prefix}{kind}.{name}"));
            }
            _ => {}
        }
    }
    found
}

/// Every dotted identifier run in `text` (`module.cache.port`), with where it starts;
/// comments are skipped.
fn word_starts(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or_default();
        let code = code.split("//").next().unwrap_or_default();
        let mut start = None;
        for (i, c) in code.char_indices() {
            let part = c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
            match (part, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push((offset + s, &line[s..i]));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((offset + s, &line[s..code.len()]));
        }
        offset += line.len();
    }
    words
}

/// The `.tf` files under `dir` that infragen did not generate, as (path relative to
/// `out`, text). `.terraform/` is Terraform's own.
fn collect_added(
    out: &Path,
    dir: &Path,
    ours: &BTreeSet<&str>,
    added: &mut Vec<(String, String)>,
) -> Result<(), OutputError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        // The entry's own type: a link is neither followed nor read (nor is a FIFO read).
        let kind = entry.file_type().map_err(io_error(&path))?;
        if name.starts_with('.') || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            collect_added(out, &path, ours, added)?;
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let Ok(relative) = path.strip_prefix(out) else { continue };
        let relative = relative.to_string_lossy().replace('\\', "/");
        if !name.ends_with(".tf") || ours.contains(relative.as_str()) {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(io_error(&path))?;
        added.push((relative, text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::RenderedRoot;

    #[test]
    fn finds_overrides_and_references_to_what_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let generated = RenderedRoot::new(
            "prod",
            [
                ("prod/main.tf".to_string(), "module \"rds\" {\n  source = \"./modules/rds\"\n}\n".to_string()),
                ("prod/modules/rds/main.tf".to_string(), "resource \"aws_db_instance\" \"this\" {\n}\n".to_string()),
            ]
            .into(),
        );
        let write = |path: &str, text: &str| {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
        };
        write("prod/rds_override.tf", "module \"rds\" {\n  instance_class = \"db.r6g.large\"\n}\n");
        write("prod/cache_override.tf", "module \"cache\" {\n  node_type = \"cache.r7g.large\"\n}\n");
        write(
            "prod/modules/rds/extra_override.tf",
            "resource \"aws_db_instance\" \"this\" {\n}\n\nresource \"aws_db_instance\" \"replica\" {\n}\n",
        );
        write(
            "prod/alerts.tf",
            "# module.old is only mentioned in a comment\nresource \"aws_sns_topic\" \"pager\" {\n  name = \"${module.rds.id}-pager\"\n}\n\noutput \"x\" {\n  value = [module.cache.port, aws_sns_topic.pager.arn, data.aws_region.current.name]\n}\n",
        );
        let plan = Plan::new(dir.path(), &[generated]).unwrap();
        let stale: Vec<String> =
            stale_references(dir.path(), &plan, "prod").unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(
            stale,
            [
                "prod/alerts.tf refers to module.cache, which the generated root no longer has (Terraform rejects a reference to something undeclared)",
                "prod/cache_override.tf overrides module.cache, which the generated root no longer has (Terraform rejects an override without its base block)",
                "prod/modules/rds/extra_override.tf overrides module.rds.aws_db_instance.replica, which the generated root no longer has (Terraform rejects an override without its base block)",
            ]
        );
    }
}
