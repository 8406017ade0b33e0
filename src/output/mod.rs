//! Writing rendered roots to disk, or comparing them with what is there.
//!
//! Everything is rendered and checked in memory first. Writing then stages every new or
//! changed file in a temporary directory inside the output directory (so renames stay on
//! one filesystem), renames each into place, removes the files infragen generated before
//! and no longer generates, and updates the manifest. A run that fails before the renames
//! leaves the output exactly as it was. Files infragen did not write (`.terraform/`,
//! `.terraform.lock.hcl`, state) are never touched.
//!
//! The manifest (`.infragen-manifest`) lists the files infragen wrote; it is also the
//! marker that the directory belongs to infragen: writing into an existing directory
//! without one needs `--force`.

mod additions;
mod guard;
mod manifest;
mod review;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use additions::{StaleReference, stale_references};
pub use guard::{Finding, FindingKind, Guard, STATEFUL_TABLE, Stateful};
pub use manifest::{MANIFEST_FILE, Manifest};
pub use review::{Review, RootReport, markdown as review_markdown};

use crate::render::RenderedRoot;

/// A problem with the output directory.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{dir} exists and was not created by infragen (it has no {MANIFEST_FILE}); refusing to write into it\n  = help: pick another --output directory, or pass --force to take it over"
    )]
    NotOurs { dir: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.display().to_string(), source }
}

/// What a file's status would be after writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Added,
    Changed,
    Unchanged,
    Removed,
}

/// The difference between the rendered roots and the output directory.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every file of the rendered roots and every file to remove, with what happens to it.
    pub files: BTreeMap<String, FileChange>,
    /// What is on disk now, for the files that differ (empty for added files).
    pub current: BTreeMap<String, String>,
    /// What will be on disk, for every rendered file.
    pub rendered: BTreeMap<String, String>,
    /// The roots that were rendered.
    pub roots: Vec<String>,
    /// Whether the directory already has a manifest (it is infragen's).
    manifest_exists: bool,
}

impl Plan {
    /// Compares `roots` with the directory `out`.
    pub fn new(out: &Path, roots: &[RenderedRoot]) -> Result<Plan, OutputError> {
        let manifest_path = out.join(MANIFEST_FILE);
        let (manifest, manifest_exists) = match fs::read_to_string(&manifest_path) {
            Ok(text) => (
                Manifest::parse(&text)
                    .map_err(|message| OutputError::Invalid { path: manifest_path.display().to_string(), message })?,
                true,
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Manifest::default(), false),
            Err(e) => return Err(io_error(&manifest_path)(e)),
        };
        let mut plan = Plan { manifest_exists, ..Plan::default() };
        let mut new_manifest = manifest.clone();
        for root in roots {
            plan.roots.push(root.name.clone());
            for (path, content) in &root.files {
                check_relative(path)?;
                let on_disk = read_if_exists(&out.join(path))?;
                let change = match &on_disk {
                    None => FileChange::Added,
                    Some(current) if current == content => FileChange::Unchanged,
                    Some(_) => FileChange::Changed,
                };
                if let (FileChange::Changed, Some(current)) = (change, on_disk) {
                    plan.current.insert(path.clone(), current);
                }
                plan.files.insert(path.clone(), change);
                plan.rendered.insert(path.clone(), content.clone());
            }
            for path in manifest.files_of(&root.name) {
                if !root.files.contains_key(path)
                    && let Some(current) = read_if_exists(&out.join(path))?
                {
                    plan.current.insert(path.clone(), current);
                    plan.files.insert(path.clone(), FileChange::Removed);
                }
            }
            new_manifest.replace_root(&root.name, root.files.keys().cloned().collect());
        }
        // The manifest is planned like any generated file, so that --check notices when
        // only it is stale.
        let manifest_text = new_manifest.render();
        let on_disk = read_if_exists(&manifest_path)?;
        let change = match &on_disk {
            None => FileChange::Added,
            Some(current) if *current == manifest_text => FileChange::Unchanged,
            Some(_) => FileChange::Changed,
        };
        if let (FileChange::Changed, Some(current)) = (change, on_disk) {
            plan.current.insert(MANIFEST_FILE.to_string(), current);
        }
        plan.files.insert(MANIFEST_FILE.to_string(), change);
        plan.rendered.insert(MANIFEST_FILE.to_string(), manifest_text);
        Ok(plan)
    }

    /// True when writing would change nothing on disk.
    pub fn is_up_to_date(&self) -> bool {
        self.files.values().all(|c| *c == FileChange::Unchanged)
    }

    /// How many generated files (the manifest aside) have a given change.
    pub fn count(&self, change: FileChange) -> usize {
        self.files.iter().filter(|(path, c)| **c == change && path.as_str() != MANIFEST_FILE).count()
    }

    /// The files of one root with a given change.
    pub fn files_of<'a>(&'a self, root: &'a str, change: FileChange) -> impl Iterator<Item = &'a str> + 'a {
        self.files.iter().filter(move |(path, c)| **c == change && root_of(path) == root).map(|(path, _)| path.as_str())
    }

    /// The `.tf` files of one root before writing (what is on disk) and after, each as
    /// (path, text): what the review and the guard compare.
    pub fn sides<'a>(&'a self, root: &str) -> (Files<'a>, Files<'a>) {
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for (path, change) in &self.files {
            if root_of(path) != root || !path.ends_with(".tf") {
                continue;
            }
            let rendered = self.rendered.get(path);
            let current = match change {
                FileChange::Unchanged => rendered,
                FileChange::Added => None,
                FileChange::Changed | FileChange::Removed => self.current.get(path),
            };
            if let Some(text) = current {
                before.push((path.as_str(), text.as_str()));
            }
            if let (Some(text), false) = (rendered, *change == FileChange::Removed) {
                after.push((path.as_str(), text.as_str()));
            }
        }
        (before, after)
    }

    /// A unified diff of every file that would change, as `git diff` shows it.
    pub fn unified_diff(&self, out: &Path) -> String {
        let mut text = String::new();
        for (path, change) in &self.files {
            let empty = String::new();
            let (old, new) = match change {
                FileChange::Unchanged => continue,
                FileChange::Added => (&empty, self.rendered.get(path).unwrap_or(&empty)),
                FileChange::Changed => {
                    (self.current.get(path).unwrap_or(&empty), self.rendered.get(path).unwrap_or(&empty))
                }
                FileChange::Removed => (self.current.get(path).unwrap_or(&empty), &empty),
            };
            let shown = out.join(path).display().to_string();
            let old_name = if *change == FileChange::Added { "/dev/null".to_string() } else { format!("a/{shown}") };
            let new_name = if *change == FileChange::Removed { "/dev/null".to_string() } else { format!("b/{shown}") };
            let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
            text.push_str(&diff.unified_diff().context_radius(3).header(&old_name, &new_name).to_string());
        }
        text
    }

    /// Writes the plan into `out`. Refuses a directory infragen did not create unless
    /// `force` is set.
    pub fn write(&self, out: &Path, force: bool) -> Result<(), OutputError> {
        if !self.manifest_exists && !force && out.exists() && !is_empty_dir(out)? {
            return Err(OutputError::NotOurs { dir: out.display().to_string() });
        }
        fs::create_dir_all(out).map_err(io_error(out))?;
        clean_stale_staging(out)?;

        let staging = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        let staged = self.stage(&staging);
        if let Err(e) = staged {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        let applied = self.apply(out, &staging);
        let _ = fs::remove_dir_all(&staging);
        applied
    }

    /// Writes every new or changed file (the manifest among them) into the staging directory.
    fn stage(&self, staging: &Path) -> Result<(), OutputError> {
        fs::create_dir_all(staging).map_err(io_error(staging))?;
        for (path, change) in &self.files {
            if matches!(change, FileChange::Added | FileChange::Changed) {
                let content = self.rendered.get(path).map(String::as_str).unwrap_or_default();
                write_file(&staging.join(path), content)?;
            }
        }
        Ok(())
    }

    /// Moves staged files into place, removes what is no longer generated, and moves the
    /// manifest last: a run interrupted before that leaves the old manifest, and the next
    /// run converges (it rewrites what differs and removes what the old manifest lists).
    fn apply(&self, out: &Path, staging: &Path) -> Result<(), OutputError> {
        for (path, change) in &self.files {
            if path == MANIFEST_FILE {
                continue;
            }
            let target = out.join(path);
            match change {
                FileChange::Added | FileChange::Changed => {
                    if let Some(parent) = target.parent() {
                        fs::create_dir_all(parent).map_err(io_error(parent))?;
                    }
                    let staged = staging.join(path);
                    fs::rename(&staged, &target).map_err(io_error(&target))?;
                }
                FileChange::Removed => {
                    remove_file_if_exists(&target)?;
                    remove_empty_parents(out, &target);
                }
                FileChange::Unchanged => {}
            }
        }
        if self.files.get(MANIFEST_FILE).is_some_and(|c| *c != FileChange::Unchanged) {
            let manifest = out.join(MANIFEST_FILE);
            fs::rename(staging.join(MANIFEST_FILE), &manifest).map_err(io_error(&manifest))?;
        }
        Ok(())
    }
}

/// Files as (path, text).
pub type Files<'a> = Vec<(&'a str, &'a str)>;

const STAGING_PREFIX: &str = ".infragen-staging-";

/// The root a relative path belongs to: its first component.
pub fn root_of(path: &str) -> &str {
    path.split('/').next().unwrap_or_default()
}

/// Rendered paths are relative, `/`-separated and never climb out of the output directory.
fn check_relative(path: &str) -> Result<(), OutputError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(OutputError::Invalid {
            path: path.to_string(),
            message: "not a relative path inside the output directory".into(),
        });
    }
    Ok(())
}

fn read_if_exists(path: &Path) -> Result<Option<String>, OutputError> {
    match fs::read(path) {
        // A file that is not UTF-8 cannot be what infragen wrote; treat it as different.
        Ok(bytes) => {
            Ok(Some(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path)(e)),
    }
}

fn write_file(path: &Path, content: &str) -> Result<(), OutputError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let mut file = fs::File::create(path).map_err(io_error(path))?;
    io::Write::write_all(&mut file, content.as_bytes()).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

fn remove_file_if_exists(path: &Path) -> Result<(), OutputError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Removes the directories a removed file leaves empty, up to (not including) `out`.
fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir: Option<PathBuf> = file.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d == out || !d.starts_with(out) || fs::remove_dir(&d).is_err() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
}

fn is_empty_dir(dir: &Path) -> Result<bool, OutputError> {
    let mut entries = fs::read_dir(dir).map_err(io_error(dir))?;
    Ok(entries.next().is_none())
}

/// Removes staging directories an interrupted earlier run left behind.
fn clean_stale_staging(out: &Path) -> Result<(), OutputError> {
    for entry in fs::read_dir(out).map_err(io_error(out))? {
        let entry = entry.map_err(io_error(out))?;
        if entry.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(io_error(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
