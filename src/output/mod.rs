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
mod freshness;
mod guard;
pub mod hash;
mod manifest;
mod review;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use additions::{StaleReference, stale_references, stale_references_of};
pub use freshness::{FRESHNESS_FILE, Freshness, FreshnessRecord, inputs_digest};
pub use guard::{Finding, FindingKind, Guard, STATEFUL_TABLE, Stateful};
pub use manifest::{MANIFEST_FILE, Manifest};
pub use review::Review;

use crate::render::RenderedRoot;

/// A problem with the output directory.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{dir} exists and was not created by infragen (it has no {MANIFEST_FILE}); refusing to write into it\n  = help: pick another --out directory, or pass --force to take it over"
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
    /// What will be on disk, for every rendered file of a root that changes (a root that
    /// stays as it is keeps only its hashes: see [`Plan::forget_unchanged`]).
    pub rendered: BTreeMap<String, String>,
    /// The roots that were rendered.
    pub roots: Vec<String>,
    /// The content hash of every file of the roots, for the manifest.
    hashes: BTreeMap<String, String>,
    /// The `.tf` files whose bytes no earlier run is known to have parsed: every file to
    /// be written, and any unchanged one the manifest has no matching hash for.
    unverified: BTreeSet<String>,
    /// The manifest on disk.
    manifest: Manifest,
    /// Whether the directory already has a manifest (it is infragen's).
    manifest_exists: bool,
    /// The manifest on disk differs only in lacking the hashes this version writes: it is
    /// rewritten, but `--check` does not call the tree stale for it.
    manifest_only_gains_hashes: bool,
}

impl Plan {
    /// Compares `roots` with the directory `out`.
    pub fn new(out: &Path, roots: &[RenderedRoot]) -> Result<Plan, OutputError> {
        let mut plan = Plan::open(out)?;
        for root in roots {
            let part = Plan::of_root(out, &plan.manifest, root)?;
            plan.absorb(part);
        }
        plan.finish(out)?;
        Ok(plan)
    }

    /// An empty plan for `out`, with the manifest on disk read: add roots with
    /// [`Plan::absorb`] or [`Plan::add_fresh`], then [`Plan::finish`].
    pub fn open(out: &Path) -> Result<Plan, OutputError> {
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
        Ok(Plan { manifest, manifest_exists, ..Plan::default() })
    }

    /// The manifest on disk when the plan was opened.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The plan of one root against `out`, whose manifest is `manifest`: it only reads, so
    /// roots can be planned side by side and absorbed into one plan in order.
    pub fn of_root(out: &Path, manifest: &Manifest, root: &RenderedRoot) -> Result<Plan, OutputError> {
        let mut plan = Plan { roots: vec![root.name.clone()], ..Plan::default() };
        for (path, content) in &root.files {
            check_relative(path)?;
            let on_disk = read_if_exists(&out.join(path))?;
            let change = match &on_disk {
                None => FileChange::Added,
                Some(current) if current == content => FileChange::Unchanged,
                Some(_) => FileChange::Changed,
            };
            let hash = hash::content_hash(content.as_bytes());
            let verified = change == FileChange::Unchanged && manifest.hash_of(path) == Some(hash.as_str());
            if path.ends_with(".tf") && !verified {
                plan.unverified.insert(path.clone());
            }
            if let (FileChange::Changed, Some(current)) = (change, on_disk) {
                plan.current.insert(path.clone(), current);
            }
            plan.files.insert(path.clone(), change);
            plan.hashes.insert(path.clone(), hash);
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
        Ok(plan)
    }

    /// Adds a root whose files are, as the manifest lists them, exactly what rendering it
    /// would give (the caller made sure: see `Freshness`): every file unchanged.
    pub fn add_fresh(&mut self, root: &str) {
        self.roots.push(root.to_string());
        for (path, hash) in self.manifest.entries_of(root) {
            self.files.insert(path.clone(), FileChange::Unchanged);
            self.hashes.insert(path.clone(), hash.unwrap_or_default().to_string());
        }
    }

    /// Takes in the plan of a root made by [`Plan::of_root`].
    pub fn absorb(&mut self, part: Plan) {
        self.roots.extend(part.roots);
        self.files.extend(part.files);
        self.current.extend(part.current);
        self.rendered.extend(part.rendered);
        self.hashes.extend(part.hashes);
        self.unverified.extend(part.unverified);
    }

    /// Drops a root from the plan, to plan it again.
    pub fn remove_root(&mut self, root: &str) {
        self.roots.retain(|r| r != root);
        let paths: Vec<String> = in_root(&self.files, root).map(|(path, _)| path.clone()).collect();
        for path in paths {
            self.files.remove(&path);
            self.current.remove(&path);
            self.rendered.remove(&path);
            self.hashes.remove(&path);
            self.unverified.remove(&path);
        }
    }

    /// Whether every file of a root stays as it is on disk.
    pub fn root_is_unchanged(&self, root: &str) -> bool {
        in_root(&self.files, root).all(|(_, change)| *change == FileChange::Unchanged)
    }

    /// Forgets the content of a root that stays as it is, so that a run over many
    /// environments holds only the ones that change. Its review and guard are empty.
    pub fn forget_unchanged(&mut self, root: &str) {
        if self.root_is_unchanged(root) {
            let paths: Vec<String> = in_root(&self.rendered, root).map(|(path, _)| path.clone()).collect();
            for path in paths {
                self.rendered.remove(&path);
            }
        }
    }

    /// The `.tf` files no earlier run is known to have parsed, with their text: the ones
    /// to parse before writing.
    pub fn unverified(&self) -> impl Iterator<Item = (&str, &str)> {
        self.unverified.iter().filter_map(|path| self.rendered.get(path).map(|text| (path.as_str(), text.as_str())))
    }

    /// Plans the manifest, once every root is in: it is planned like any generated file,
    /// so that --check notices when only it is stale.
    pub fn finish(&mut self, out: &Path) -> Result<(), OutputError> {
        let manifest_path = out.join(MANIFEST_FILE);
        let mut new_manifest = self.manifest.clone();
        for root in &self.roots {
            let files = in_root(&self.files, root)
                .filter(|(_, change)| **change != FileChange::Removed)
                .map(|(path, _)| (path.clone(), self.hashes.get(path).filter(|h| !h.is_empty()).cloned()))
                .collect();
            new_manifest.replace_root(root, files);
        }
        let manifest_text = new_manifest.render();
        let on_disk = read_if_exists(&manifest_path)?;
        let change = match &on_disk {
            None => FileChange::Added,
            Some(current) if *current == manifest_text => FileChange::Unchanged,
            Some(_) => FileChange::Changed,
        };
        self.manifest_only_gains_hashes =
            change == FileChange::Changed && self.manifest_exists && new_manifest.only_adds_hashes_to(&self.manifest);
        if let (FileChange::Changed, Some(current)) = (change, on_disk) {
            self.current.insert(MANIFEST_FILE.to_string(), current);
        }
        self.files.insert(MANIFEST_FILE.to_string(), change);
        self.rendered.insert(MANIFEST_FILE.to_string(), manifest_text);
        Ok(())
    }

    /// The manifest this plan writes, as (root, path, hash) of the files of `root`.
    pub fn hashes_of<'a>(&'a self, root: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        in_root(&self.hashes, root).map(|(p, h)| (p.as_str(), h.as_str()))
    }

    /// True when the tree is current: nothing but, at most, hashes the manifest of an
    /// earlier version lacks would change.
    pub fn is_current(&self) -> bool {
        self.files
            .iter()
            .all(|(path, c)| *c == FileChange::Unchanged || (path == MANIFEST_FILE && self.manifest_only_gains_hashes))
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
        in_root(&self.files, root).filter(move |(_, c)| **c == change).map(|(path, _)| path.as_str())
    }

    /// Every file of one root in the plan.
    pub fn files_of_root<'a>(&'a self, root: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        in_root(&self.files, root).map(|(path, _)| path.as_str())
    }

    /// The `.tf` files of one root before writing (what is on disk) and after, each as
    /// (path, text): what the review and the guard compare.
    pub fn sides<'a>(&'a self, root: &str) -> (Files<'a>, Files<'a>) {
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for (path, change) in in_root(&self.files, root) {
            if !path.ends_with(".tf") {
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

/// The entries of `map` (keyed by relative path) whose root is `root`, in order: a range
/// of the map, so that going through every root stays linear in the number of files.
pub(crate) fn in_root<'a, V>(map: &'a BTreeMap<String, V>, root: &str) -> impl Iterator<Item = (&'a String, &'a V)> {
    // Every path under `root/` sorts between `root/` and `root0` (`0` follows `/`).
    let (start, end) = (format!("{root}/"), format!("{root}0"));
    map.get_key_value(root).into_iter().chain(map.range(start..end))
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
