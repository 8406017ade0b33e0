//! What a change does to the infrastructure, in the terms a reviewer thinks in: modules
//! and resources that appear, disappear or change. `gen` and `gen --check` print it, so
//! the effect of a preset switch is visible at a glance before reading the diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::{FileChange, Finding, Plan};
use crate::render::RenderedRoot;
use crate::render::format::top_level_blocks;

/// Resource and module changes of one root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Review {
    pub modules_added: Vec<String>,
    pub modules_removed: Vec<String>,
    pub resources_added: Vec<String>,
    pub resources_removed: Vec<String>,
    pub resources_changed: Vec<String>,
}

impl Review {
    /// The changes `plan`, the plan of the rendered root `rendered`, makes to that root.
    ///
    /// Addresses come from the lexer: the rendered root's own blocks for the new side
    /// ([`RenderedRoot::resources`]), [`top_level_blocks`] of the files on disk for the
    /// old one. Only the files that hold a resource on both sides and differ are parsed,
    /// to compare its blocks.
    pub fn of(plan: &Plan, rendered: &RenderedRoot) -> Review {
        let root = rendered.name.as_str();
        let (old_files, new_files) = plan.sides(root);
        let unchanged = |path: &str| plan.files.get(path) == Some(&FileChange::Unchanged);
        let (before, after) = (Resources::read(root, &old_files), Resources::rendered(rendered));
        let mut review = Review::default();
        for module in after.modules.iter().filter(|m| !before.modules.contains(*m)) {
            review.modules_added.push(module.clone());
        }
        for module in before.modules.iter().filter(|m| !after.modules.contains(*m)) {
            review.modules_removed.push(module.clone());
        }
        let (mut parsed_before, mut parsed_after) = (Parsed::default(), Parsed::default());
        for (address, new_file) in &after.resources {
            match before.resources.get(address) {
                None => review.resources_added.push(address.clone()),
                // The same bytes on both sides: the same block.
                Some(old_file) if old_file == new_file && unchanged(new_file) => {}
                Some(old_file) => {
                    let old = parsed_before.canonical(&old_files, old_file, address);
                    let new = parsed_after.canonical(&new_files, new_file, address);
                    if old != new {
                        review.resources_changed.push(address.clone());
                    }
                }
            }
        }
        for address in before.resources.keys().filter(|a| !after.resources.contains_key(*a)) {
            review.resources_removed.push(address.clone());
        }
        review
    }

    pub fn is_empty(&self) -> bool {
        *self == Review::default()
    }
}

impl fmt::Display for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.modules_added.is_empty() {
            writeln!(f, "  modules added: {}", self.modules_added.join(", "))?;
        }
        if !self.modules_removed.is_empty() {
            writeln!(f, "  modules removed: {}", self.modules_removed.join(", "))?;
        }
        for (sign, addresses) in
            [("+", &self.resources_added), ("-", &self.resources_removed), ("~", &self.resources_changed)]
        {
            for address in addresses {
                writeln!(f, "  {sign} {address}")?;
            }
        }
        Ok(())
    }
}

/// One root's review with what the guard found, for `gen --format json|markdown`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootReport {
    /// The root's directory, e.g. `generated/dev`.
    pub root: String,
    /// Resources holding data that the change replaces or destroys, each as a sentence.
    pub destroys_data: Vec<String>,
    /// Other findings of the guard (resources let go with their data kept).
    pub notes: Vec<String>,
    #[serde(flatten)]
    pub review: Review,
}

impl RootReport {
    pub fn new(root: String, findings: &[Finding], review: Review) -> RootReport {
        let (destroys, notes): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| f.destroys_data());
        RootReport {
            root,
            destroys_data: destroys.iter().map(|f| f.to_string()).collect(),
            notes: notes.iter().map(|f| f.to_string()).collect(),
            review,
        }
    }

    fn is_empty(&self) -> bool {
        self.review.is_empty() && self.destroys_data.is_empty() && self.notes.is_empty()
    }
}

/// What a `gen` run changes in every root, as GitHub-flavoured Markdown for a pull request:
/// data that would be lost first, then a table of the roots, then each root's resources.
pub fn markdown(roots: &[RootReport]) -> String {
    use std::fmt::Write as _;
    let mut text = String::from("### Generated Terraform\n\n");
    let destroys: Vec<(&str, &String)> =
        roots.iter().flat_map(|r| r.destroys_data.iter().map(move |f| (r.root.as_str(), f))).collect();
    if !destroys.is_empty() {
        let _ = writeln!(text, "> [!CAUTION]\n> Resources holding data that this change replaces or destroys:");
        for (root, finding) in destroys {
            let _ = writeln!(text, "> - `{root}`: {}", cell(finding));
        }
        text.push('\n');
    }
    if roots.iter().all(RootReport::is_empty) {
        text.push_str("No module or resource appears, disappears or changes.\n");
        return text;
    }
    text.push_str("| root | modules | added | changed | removed |\n|---|---|---:|---:|---:|\n");
    for root in roots.iter().filter(|r| !r.is_empty()) {
        let review = &root.review;
        let mut modules: Vec<String> = review.modules_added.iter().map(|m| format!("+{m}")).collect();
        modules.extend(review.modules_removed.iter().map(|m| format!("-{m}")));
        let _ = writeln!(
            text,
            "| `{}` | {} | {} | {} | {} |",
            root.root,
            if modules.is_empty() { "-".to_string() } else { modules.join(", ") },
            review.resources_added.len(),
            review.resources_changed.len(),
            review.resources_removed.len()
        );
    }
    for root in roots.iter().filter(|r| !r.is_empty()) {
        let _ = writeln!(text, "\n<details><summary><code>{}</code></summary>\n\n```diff", root.root);
        // `diff` highlighting: `+` green, `-` red, `!` (changed) orange.
        for (sign, addresses) in [
            ("+", &root.review.resources_added),
            ("-", &root.review.resources_removed),
            ("!", &root.review.resources_changed),
        ] {
            for address in addresses {
                let _ = writeln!(text, "{sign} {address}");
            }
        }
        text.push_str("```\n");
        for note in &root.notes {
            let _ = writeln!(text, "\n{}", cell(note));
        }
        text.push_str("\n</details>\n");
    }
    text
}

/// Text for Markdown outside code: a `|` would end a table cell, a newline a list item.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The modules of one side of a root, and its resources by address with the file that
/// declares each.
#[derive(Debug, Default)]
struct Resources<'a> {
    modules: BTreeSet<String>,
    resources: BTreeMap<String, &'a str>,
}

impl<'a> Resources<'a> {
    /// The resources of files read from disk.
    fn read(root: &str, files: &[(&'a str, &'a str)]) -> Resources<'a> {
        let mut resources = Resources::default();
        for (path, text) in files {
            let module = module_of(root, path);
            if let Some(module) = &module {
                resources.modules.insert(module.clone());
            }
            // A file that does not lex cannot be one infragen wrote: its resources are
            // simply not counted, and the diff shows the file.
            for block in top_level_blocks(text) {
                let Some((kind, name)) = block.as_resource() else { continue };
                let address = match &module {
                    Some(module) => format!("module.{module}.{kind}.{name}"),
                    None => format!("{kind}.{name}"),
                };
                resources.resources.insert(address, path);
            }
        }
        resources
    }

    /// The resources of a rendered root, from the blocks it keeps of its files.
    fn rendered(root: &'a RenderedRoot) -> Resources<'a> {
        let mut resources = Resources::default();
        for path in root.files().keys().filter(|path| path.ends_with(".tf")) {
            if let Some(module) = module_of(&root.name, path) {
                resources.modules.insert(module);
            }
        }
        for resource in root.resources() {
            resources.resources.insert(resource.address(), resource.path);
        }
        resources
    }
}

/// The files of one side, parsed on demand, with a canonical text of each resource block.
#[derive(Debug, Default)]
struct Parsed {
    blocks: BTreeMap<(String, String), String>,
    files: BTreeSet<String>,
}

impl Parsed {
    /// The canonical text of the resource at `address` in `path` (one of `files`).
    fn canonical(&mut self, files: &[(&str, &str)], path: &str, address: &str) -> Option<String> {
        if self.files.insert(path.to_string())
            && let Some((_, text)) = files.iter().find(|(p, _)| *p == path)
            && let Ok(body) = ::hcl::parse(text)
        {
            for block in body.blocks().filter(|b| b.identifier() == "resource") {
                if let [kind, name] = block.labels() {
                    let canonical = ::hcl::format::to_string(block.body()).unwrap_or_default();
                    self.blocks.insert((path.to_string(), format!("{}.{}", kind.as_str(), name.as_str())), canonical);
                }
            }
        }
        let local = address.rsplitn(3, '.').take(2).collect::<Vec<_>>();
        let local = format!("{}.{}", local.get(1)?, local.first()?);
        self.blocks.get(&(path.to_string(), local)).cloned()
    }
}

/// The module a generated file belongs to (`None` for the root's own files).
pub(super) fn module_of(root: &str, path: &str) -> Option<String> {
    path.strip_prefix(&format!("{root}/modules/")).and_then(|rest| rest.split('/').next()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(files: &[(&str, &str)]) -> RenderedRoot {
        RenderedRoot::new("dev", files.iter().map(|(p, c)| (format!("dev/{p}"), c.to_string())).collect())
    }

    #[test]
    fn names_what_appears_disappears_and_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let before = root(&[
            (
                "modules/network/main.tf",
                "resource \"aws_vpc\" \"this\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n\nresource \"aws_nat_gateway\" \"this\" {\n  subnet_id = \"x\"\n}\n",
            ),
            ("modules/old/main.tf", "resource \"aws_s3_bucket\" \"old\" {\n}\n"),
        ]);
        Plan::new(dir.path(), std::slice::from_ref(&before)).unwrap().write(dir.path(), false).unwrap();
        let after = root(&[
            (
                "modules/network/main.tf",
                "resource \"aws_vpc\" \"this\" {\n  cidr_block = \"10.1.0.0/16\"\n}\n\nresource \"aws_vpc_endpoint\" \"s3\" {\n  vpc_id = \"x\"\n}\n",
            ),
            ("modules/images/main.tf", "resource \"aws_s3_bucket\" \"images\" {\n}\n"),
        ]);
        let plan = Plan::new(dir.path(), std::slice::from_ref(&after)).unwrap();
        let review = Review::of(&plan, &after);
        assert_eq!(review.modules_added, ["images"]);
        assert_eq!(review.modules_removed, ["old"]);
        assert_eq!(
            review.resources_added,
            ["module.images.aws_s3_bucket.images", "module.network.aws_vpc_endpoint.s3"]
        );
        assert_eq!(review.resources_removed, ["module.network.aws_nat_gateway.this", "module.old.aws_s3_bucket.old"]);
        assert_eq!(review.resources_changed, ["module.network.aws_vpc.this"]);
        assert!(review.to_string().contains("  ~ module.network.aws_vpc.this\n"));
    }

    #[test]
    fn an_unchanged_tree_has_nothing_to_review() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = root(&[("main.tf", "resource \"aws_vpc\" \"this\" {\n}\n")]);
        Plan::new(dir.path(), std::slice::from_ref(&files)).unwrap().write(dir.path(), false).unwrap();
        assert!(Review::of(&Plan::new(dir.path(), std::slice::from_ref(&files)).unwrap(), &files).is_empty());
    }
}
