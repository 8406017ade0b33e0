//! Writing rendered roots to disk, or comparing them with what is there.
//!
//! A root is rendered and checked in memory before any of its files is staged. A run that
//! reads or writes the output directory first takes its lock ([`OutputLock`]), which
//! finishes or rolls back whatever an interrupted earlier run left (see `journal.rs`).
//! Writing stages every new or changed file (`gen` stages each root as soon as it is
//! rendered, see [`Staging`]), backs up the ones it replaces or removes, commits an intent
//! journal once every root is planned and checked, and only then changes the tree: a run
//! is all or nothing once the next run (or this one) has finished its journal. Nothing below the output directory is ever read, written,
//! created or removed through a symbolic link (see `tree.rs`). Files infragen did not write
//! (`.terraform/`, `.terraform.lock.hcl`, state) are never touched.
//!
//! The manifest (`.infragen-manifest`) lists the files infragen wrote; it is also the
//! marker that the directory belongs to infragen: writing into an existing directory
//! without one needs `--force`. It is untrusted input: every line must be a path infragen
//! may own ([`owned_path`]).

mod additions;
mod freshness;
mod guard;
pub mod hash;
mod journal;
mod lock;
mod manifest;
mod review;
mod tree;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::io;
use std::path::Path;

pub use additions::{StaleReference, stale_references, stale_references_of};
pub use freshness::{FRESHNESS_FILE, Freshness, FreshnessRecord, Written, inputs_digest};
pub use guard::{Finding, FindingKind, Guard, STATEFUL_TABLE, Stateful};
pub use journal::{JOURNAL_FILE, STAGING_PREFIX};
pub use lock::{LOCK_FILE, OutputLock};
pub use manifest::{MANIFEST_FILE, Manifest};
pub use review::{Review, RootReport, markdown as review_markdown};

use crate::render::RenderedRoot;
use journal::{Direction, Journal, Step};
use tree::Tree;

/// The stamps ([`tree::Tree::stamp`]) of files a write left, by path, taken when each was
/// written into the staging directory: for the roots that moved into place whole, whose
/// files are those very files, untouched since (moving their directory changes neither
/// their inode nor their change time), so that recording them needs no second look at
/// each (see [`FreshnessRecord::set_all`]).
pub type Stamps = HashMap<String, String>;

/// A problem with the output directory.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{dir} exists and was not created by infragen (it has no {MANIFEST_FILE}); refusing to write into it\n  = help: pick another --output directory, or pass --force to take it over"
    )]
    NotOurs { dir: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    /// A rendered path infragen may not own (a bug).
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    /// A link inside the output directory (or the directory itself is one).
    #[error(
        "{path} is a symbolic link; infragen never reads or writes through a link in its output directory (nothing was written)\n  = help: replace the link with a real directory or file (or remove it), then run again"
    )]
    Link { path: String },
    /// Something in the output directory infragen will not act on: a manifest or journal
    /// line it never writes, a directory where a file belongs.
    #[error("{path}: {message}")]
    Refused { path: String, message: String },
    /// Another run held the lock for longer than the wait.
    #[error(
        "{dir}: another infragen run is still writing here after {seconds} s of waiting (it holds {dir}/{LOCK_FILE}); nothing was written\n  = help: let it finish and run again, or wait longer with INFRAGEN_LOCK_TIMEOUT=SECONDS"
    )]
    Busy { dir: String, seconds: u64 },
    /// Writing failed part-way and every file was put back as it was.
    #[error("{error}\n  = note: nothing was changed: the files already moved into place were put back as they were")]
    RolledBack { error: Box<OutputError> },
    /// Writing failed part-way and putting the old files back failed too: the journal
    /// stays for the next run.
    #[error(
        "{error}\n  and putting the old files back failed too: {back}\n  = help: fix the cause; the next infragen run finishes putting them back"
    )]
    NotRolledBack { error: Box<OutputError>, back: Box<OutputError> },
}

impl OutputError {
    /// Whether the error is about the input (the tree's contents) rather than I/O: exit 2.
    pub fn is_invalid_input(&self) -> bool {
        match self {
            OutputError::NotOurs { .. } | OutputError::Link { .. } | OutputError::Refused { .. } => true,
            OutputError::RolledBack { error } => error.is_invalid_input(),
            _ => false,
        }
    }

    fn io(path: &Path, source: io::Error) -> OutputError {
        OutputError::Io { path: path.display().to_string(), source }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::io(path, source)
}

/// Debug builds stop dead (exit status 137, like SIGKILL, no cleanup) before the Nth
/// change to the file system when `INFRAGEN_CRASH_AT=N` is set: the crash tests use it to
/// reach every step of a write. Release builds have no such hook.
fn crash_point() {
    #[cfg(debug_assertions)]
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        static STEPS: AtomicU64 = AtomicU64::new(0);
        static AT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
        let at = *AT.get_or_init(|| std::env::var("INFRAGEN_CRASH_AT").ok().and_then(|n| n.parse().ok()));
        if let Some(at) = at
            && STEPS.fetch_add(1, Ordering::SeqCst) == at
        {
            std::process::exit(137);
        }
    }
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
    /// The roots known to be on disk as rendering them would give ([`Plan::add_fresh`]):
    /// their files are the manifest's, unchanged, and are not copied into this plan, so
    /// that a run over a thousand unchanged environments holds one list of files, not
    /// three.
    fresh: BTreeSet<String>,
    /// The content hash of every file of the roots, for the manifest.
    hashes: BTreeMap<String, String>,
    /// The `.tf` files whose bytes no earlier run is known to have parsed: every file to
    /// be written, and any unchanged one the manifest has no matching hash for.
    unverified: BTreeSet<String>,
    /// The manifest on disk.
    manifest: Manifest,
    /// Whether the directory already has a manifest (it is infragen's).
    manifest_exists: bool,
    /// Whether the manifest on disk is exactly what infragen renders for its entries.
    manifest_canonical: bool,
    /// The manifest on disk differs only in lacking the hashes this version writes: it is
    /// rewritten, but `--check` does not call the tree stale for it.
    manifest_only_gains_hashes: bool,
}

impl Plan {
    /// Compares `roots` with the directory `out`, never reading through a link. Take the
    /// directory's [`OutputLock`] first: it finishes an interrupted earlier run.
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
        let on_disk = match Tree::open(out)? {
            Some(mut tree) => Manifest::read_from(&mut tree)?,
            None => None,
        };
        let (manifest, manifest_exists, manifest_canonical) = match on_disk {
            Some((manifest, canonical)) => (manifest, true, canonical),
            None => (Manifest::default(), false, false),
        };
        Ok(Plan { manifest, manifest_exists, manifest_canonical, ..Plan::default() })
    }

    /// The manifest on disk when the plan was opened.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The plan of one root against `out`, whose manifest is `manifest`: it only reads, so
    /// roots can be planned side by side and absorbed into one plan in order.
    pub fn of_root(out: &Path, manifest: &Manifest, root: &RenderedRoot) -> Result<Plan, OutputError> {
        let mut tree = Tree::open(out)?;
        // A root the directory does not have yet (a first run, a new environment) has no
        // file on disk: one look for its directory, not a failed lookup of every file's
        // directories (a third of the system calls of writing a fresh tree).
        let root_absent = match tree.as_mut() {
            Some(tree) => !tree.exists(&root.name)?,
            None => true,
        };
        let prefix = format!("{}/", root.name);
        let mut read = |path: &str| {
            if root_absent && path.starts_with(&prefix) { Ok(None) } else { read_if_exists(&mut tree, path) }
        };
        let mut plan = Plan { roots: vec![root.name.clone()], ..Plan::default() };
        for (path, content) in root.files() {
            owned_path(path).map_err(|message| OutputError::Invalid { path: path.clone(), message })?;
            let on_disk = read(path)?;
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
            if !root.files().contains_key(path)
                && let Some(current) = read(path)?
            {
                plan.current.insert(path.to_string(), current);
                plan.files.insert(path.to_string(), FileChange::Removed);
            }
        }
        Ok(plan)
    }

    /// Adds a root whose files are, as the manifest lists them, exactly what rendering it
    /// would give (the caller made sure: see `Freshness`): every file unchanged.
    pub fn add_fresh(&mut self, root: &str) {
        self.roots.push(root.to_string());
        self.fresh.insert(root.to_string());
    }

    /// The files of a fresh root (none for any other).
    fn fresh_files<'a>(&'a self, root: &'a str) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        let fresh = self.fresh.contains(root);
        self.manifest.entries_of(root).filter(move |_| fresh)
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
        self.fresh.remove(root);
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
        // Every root fresh: the manifest stays as it is, and when it is what infragen
        // writes there is nothing to render or read again.
        if self.manifest_canonical && self.roots.iter().all(|root| self.fresh.contains(root)) {
            self.files.insert(MANIFEST_FILE.to_string(), FileChange::Unchanged);
            return Ok(());
        }
        let mut tree = Tree::open(out)?;
        let replaced: BTreeSet<&str> =
            self.roots.iter().filter(|root| !self.fresh.contains(*root)).map(String::as_str).collect();
        let files = replaced
            .iter()
            .flat_map(|root| in_root(&self.files, root))
            .filter(|(_, change)| **change != FileChange::Removed)
            .map(|(path, _)| (path.as_str(), self.hashes.get(path).filter(|h| !h.is_empty()).map(String::as_str)))
            .collect();
        let new_manifest = self
            .manifest
            .with_roots_replaced(&replaced, &files)
            .map_err(|message| OutputError::Invalid { path: MANIFEST_FILE.to_string(), message })?;
        let manifest_text = new_manifest.render();
        let on_disk = read_if_exists(&mut tree, MANIFEST_FILE)?;
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
        let fresh = self.fresh_files(root).map(|(p, h)| (p, h.unwrap_or_default()));
        fresh.chain(in_root(&self.hashes, root).map(|(p, h)| (p.as_str(), h.as_str())))
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
        let fresh = match change {
            FileChange::Unchanged => self.fresh.iter().map(|root| self.manifest.files_of(root).count()).sum(),
            _ => 0,
        };
        fresh + self.files.iter().filter(|(path, c)| **c == change && path.as_str() != MANIFEST_FILE).count()
    }

    /// The files of one root with a given change.
    pub fn files_of<'a>(&'a self, root: &'a str, change: FileChange) -> impl Iterator<Item = &'a str> + 'a {
        let fresh = self.fresh_files(root).filter(move |_| change == FileChange::Unchanged).map(|(p, _)| p);
        fresh.chain(in_root(&self.files, root).filter(move |(_, c)| **c == change).map(|(path, _)| path.as_str()))
    }

    /// Every file of one root in the plan.
    pub fn files_of_root<'a>(&'a self, root: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fresh_files(root).map(|(p, _)| p).chain(in_root(&self.files, root).map(|(path, _)| path.as_str()))
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

    /// Writes the plan into `out`, taking its lock only now: for callers that planned
    /// without one (tests). `infragen gen` holds the lock from before planning instead.
    pub fn write(&self, out: &Path, force: bool) -> Result<(), OutputError> {
        let mut lock = OutputLock::acquire(out, true, &mut |_| {})?.expect("created");
        self.write_locked(&mut lock, force).map(drop)
    }

    /// Writes the plan into the locked directory, all or nothing (see `journal.rs`).
    /// Refuses a directory infragen did not create unless `force` is set.
    pub fn write_locked(&self, lock: &mut OutputLock, force: bool) -> Result<Stamps, OutputError> {
        // Nothing to write is nothing to stage, sync or journal: an unchanged tree costs
        // the reads that showed it unchanged (taking the lock already finished any
        // interrupted run).
        if self.is_up_to_date() {
            return Ok(Stamps::new());
        }
        let staging = self.begin_write(lock, force)?;
        self.write_staged(lock, staging)
    }

    /// Begins a write into the locked directory (see [`Staging`]), before the plan is
    /// whole. Refuses a directory infragen did not create unless `force` is set.
    pub fn begin_write(&self, lock: &mut OutputLock, force: bool) -> Result<Staging, OutputError> {
        let out = lock.tree();
        if !self.manifest_exists && !force && !is_empty_but_for_the_lock(out)? {
            return Err(OutputError::NotOurs { dir: out.path().display().to_string() });
        }
        let handle = out.handle()?;
        let (name, staging) = journal::create_staging(out)?;
        // Made before new/ and old/, so that it removes the staging directory if they fail.
        let mut staging = Staging {
            name,
            out: handle,
            new: None,
            old: None,
            staging,
            staged: Vec::new(),
            files_staged: Arc::new(AtomicUsize::new(0)),
        };
        staging.new = Some(staging.staging.create_child(journal::NEW_DIR)?);
        staging.old = Some(staging.staging.create_child(journal::OLD_DIR)?);
        Ok(staging)
    }

    /// Stages the changed files of this plan of one root ([`Plan::of_root`]) through a
    /// worker's `handles` on a [`Staging`], to be added to it ([`Staging::add`]).
    pub fn stage_root(&self, handles: &mut StagingHandles) -> Result<StagedRoot, OutputError> {
        let files: Vec<(&String, &FileChange)> =
            self.files.iter().filter(|(_, change)| **change != FileChange::Unchanged).collect();
        let files = handles.stage(self, &files)?;
        Ok(StagedRoot { roots: self.roots.clone(), files })
    }

    /// Forgets the texts of the files, rendered and on disk: once a root is staged and
    /// reviewed, a write needs only its hashes and its changes, and a run over a thousand
    /// new environments need not hold all of them.
    pub fn forget_texts(&mut self) {
        self.rendered.clear();
        self.current.clear();
    }

    /// Finishes a write [`Plan::begin_write`] began, with the roots staged ahead
    /// ([`Staging::add`]): stages the rest (the manifest, the files of roots that go),
    /// syncs, commits and applies it, all or nothing. With nothing to change, the staging
    /// directory is removed and the tree stays as it is. Returns the stamps of the files
    /// of the roots that moved into place whole (see [`Stamps`]).
    pub fn write_staged(&self, lock: &mut OutputLock, mut staging: Staging) -> Result<Stamps, OutputError> {
        if self.is_up_to_date() {
            return Ok(Stamps::new());
        }
        let (steps, mut stamps) = self.stage_rest(&mut staging)?;
        let journal = Journal { staging: staging.name.clone(), direction: Direction::Forward, steps };
        let out = lock.tree();
        if let Err(error) = journal::commit(out, &mut staging.staging, &journal) {
            let _ = out.remove_child_file(JOURNAL_FILE);
            return Err(error);
        }
        // Committed: from here the journal says what becomes of the staging directory.
        staging.committed();
        let moved_whole = journal::finish(out, journal, None)?;
        stamps.retain(|path, _| moved_whole.contains(root_of(path)));
        Ok(stamps)
    }

    /// Writes every new or changed file the roots staged ahead did not into `new/` of the
    /// staging directory, links every file to be replaced or removed into `old/`, and
    /// syncs them all; returns the steps that apply them, the manifest last, and the
    /// stamps of the files written. Nothing in the tree changes.
    fn stage_rest(&self, staging: &mut Staging) -> Result<(Vec<Step>, Stamps), OutputError> {
        let staged_ahead = std::mem::take(&mut staging.staged);
        let ahead: BTreeSet<&str> = staged_ahead.iter().flat_map(|staged| &staged.roots).map(String::as_str).collect();
        // Creating thousands of files is the kernel's work, and a core's: the roots are
        // staged side by side, each worker with handles of its own on the same directories.
        let mut roots: Vec<(&str, Vec<(&String, &FileChange)>)> = Vec::new();
        for (path, change) in self.files.iter().filter(|(_, change)| **change != FileChange::Unchanged) {
            let root = if path == MANIFEST_FILE { "" } else { root_of(path) };
            if ahead.contains(root) {
                continue;
            }
            match roots.last_mut() {
                Some((last, files)) if *last == root => files.push((path, change)),
                _ => roots.push((root, vec![(path, change)])),
            }
        }
        let handles: Vec<StagingHandles> =
            (0..crate::parallel::file_workers(roots.len())).map(|_| staging.handles()).collect::<Result<_, _>>()?;
        let staged = staging.while_syncing(|| {
            crate::parallel::map_with(&roots, handles, |handles, _, (_, files)| handles.stage(self, files))
        });
        let (mut puts, mut removes, mut stamps) = (Vec::new(), Vec::new(), Stamps::new());
        let ahead = staged_ahead.into_iter().map(|staged| Ok(staged.files));
        for files in ahead.chain(staged) {
            let files = files?;
            stamps.extend(files.stamps);
            for step in files.steps {
                match step {
                    Step::Put(path) if path == MANIFEST_FILE => {}
                    Step::Put(_) => puts.push(step),
                    Step::Remove(_) => removes.push(step),
                }
            }
        }
        // Everything staged reaches the disk before the commit. On Linux one `syncfs` does
        // it for the whole file system at once, files and names (a sync per file costs a
        // journal commit each: most of the time of a fresh tree); elsewhere the files were
        // synced as they were written and each root's directories after them (new/ and
        // old/ themselves included); the staging directory is synced now.
        #[cfg(target_os = "linux")]
        rustix::fs::syncfs(staging.staging.fd()).map_err(|e| OutputError::io(staging.staging.path(), e.into()))?;
        #[cfg(not(target_os = "linux"))]
        staging.staging.sync_dirs()?;
        let mut steps = puts;
        steps.extend(removes);
        if matches!(self.files.get(MANIFEST_FILE), Some(FileChange::Added | FileChange::Changed)) {
            steps.push(Step::Put(MANIFEST_FILE.to_string()));
        }
        Ok((steps, stamps))
    }

    /// Stages the changed files of one root (see [`Plan::stage_rest`]); their steps in
    /// order, and the stamps of the files written, taken as they were written.
    fn stage_files(
        &self,
        files: &[(&String, &FileChange)],
        out: &mut Tree,
        new: &mut Tree,
        old: &mut Tree,
    ) -> Result<StagedFiles, OutputError> {
        let (mut steps, mut stamps) = (Vec::new(), Vec::new());
        for &(path, change) in files {
            let step = match change {
                FileChange::Unchanged => continue,
                FileChange::Added | FileChange::Changed => {
                    let content = self.rendered.get(path).map(String::as_str).unwrap_or_default();
                    let file = new.create_file(path, content.as_bytes())?;
                    // Elsewhere than on Linux each file is synced as it is written; no file
                    // stays open, so a thousand environments never run out of descriptors.
                    if !cfg!(target_os = "linux") {
                        file.sync_data().map_err(|e| OutputError::io(&new.shown(path), e))?;
                    }
                    let stat = rustix::fs::fstat(&file).map_err(|e| OutputError::io(&new.shown(path), e.into()))?;
                    stamps.push((path.clone(), tree::stamp_of(&stat)));
                    Step::Put(path.clone())
                }
                FileChange::Removed => Step::Remove(path.clone()),
            };
            if matches!(change, FileChange::Changed | FileChange::Removed) {
                old.link_from(out, path)?;
            }
            steps.push(step);
        }
        #[cfg(not(target_os = "linux"))]
        {
            new.sync_dirs()?;
            old.sync_dirs()?;
        }
        Ok(StagedFiles { steps, stamps })
    }
}

/// A write under way: its staging directory in the locked output directory, with `new/`
/// and `old/` (see `journal.rs`).
///
/// `gen` begins one before rendering ([`Plan::begin_write`]) and stages each root as soon
/// as it is rendered and checked ([`Plan::stage_root`]), on the worker that rendered it,
/// while another thread has the disk write what is staged ([`Staging::while_syncing`]):
/// creating files, which is the kernel's work, and the disk's writing them overlap the
/// rendering of the roots after it, instead of following all of it. Nothing in the tree
/// changes until [`Plan::write_staged`] commits. Dropped before that (an error, a refusal
/// to destroy data), it removes its staging directory; a run killed meanwhile leaves a
/// marked one, which the next run removes when it takes the lock (`journal::recover`).
pub struct Staging {
    name: String,
    /// A handle on the output directory, for removing the staging directory when dropped.
    out: Tree,
    staging: Tree,
    new: Option<Tree>,
    old: Option<Tree>,
    /// The roots staged ahead, in the order they were added.
    staged: Vec<StagedRoot>,
    /// How many files the workers have staged: the disk is asked to write only when it
    /// grew (a run that renders roots and changes nothing syncs nothing).
    files_staged: Arc<AtomicUsize>,
}

/// A worker's own handles on a [`Staging`]'s directories (and the output directory).
pub struct StagingHandles {
    out: Tree,
    new: Tree,
    old: Tree,
    files_staged: Arc<AtomicUsize>,
}

impl StagingHandles {
    /// Stages `files` of `plan` (see [`Plan::stage_files`]); their steps in order.
    fn stage(&mut self, plan: &Plan, files: &[(&String, &FileChange)]) -> Result<StagedFiles, OutputError> {
        let staged = plan.stage_files(files, &mut self.out, &mut self.new, &mut self.old)?;
        self.files_staged.fetch_add(staged.steps.len(), Ordering::Relaxed);
        Ok(staged)
    }
}

/// What [`Plan::stage_root`] staged: the steps that apply a root's files.
#[derive(Debug)]
pub struct StagedRoot {
    roots: Vec<String>,
    files: StagedFiles,
}

/// Files staged: the steps that apply them, and the stamps of those written, taken as they
/// were written (see [`Stamps`]).
#[derive(Debug)]
struct StagedFiles {
    steps: Vec<Step>,
    stamps: Vec<(String, String)>,
}

impl Staging {
    /// Handles for a worker that stages roots.
    pub fn handles(&self) -> Result<StagingHandles, OutputError> {
        let dir = |tree: &Option<Tree>| match tree {
            Some(tree) => tree.handle(),
            None => Err(OutputError::io(self.staging.path(), io::ErrorKind::NotFound.into())),
        };
        Ok(StagingHandles {
            out: self.out.handle()?,
            new: dir(&self.new)?,
            old: dir(&self.old)?,
            files_staged: Arc::clone(&self.files_staged),
        })
    }

    /// Takes in a root staged ahead.
    pub fn add(&mut self, staged: StagedRoot) {
        self.staged.push(staged);
    }

    /// Runs `work` while another thread has the disk write what has been staged, every 10
    /// ms when more has: the disk works while files are still being created, and the
    /// `syncfs` after staging waits only for the last of them (a fresh tree of a hundred
    /// environments waited 60 ms for all of them). Durability still comes from that last
    /// sync alone; these only start the writing earlier, and their errors are that sync's
    /// to report.
    #[cfg(target_os = "linux")]
    pub fn while_syncing<R>(&self, work: impl FnOnce() -> R) -> R {
        use std::sync::mpsc::{RecvTimeoutError, channel};
        let fd = self.staging.fd();
        let files_staged = &self.files_staged;
        let (stop, stopped) = channel::<()>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut synced = 0;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(std::time::Duration::from_millis(10)) {
                    let staged = files_staged.load(Ordering::Relaxed);
                    if staged != synced {
                        let _ = rustix::fs::syncfs(fd);
                        synced = staged;
                    }
                }
            });
            let result = work();
            drop(stop);
            result
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn while_syncing<R>(&self, work: impl FnOnce() -> R) -> R {
        work()
    }

    /// The journal is committed: it now owns the staging directory's fate.
    fn committed(mut self) {
        self.name.clear();
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.name.is_empty() {
            // Nothing in the tree has changed. What cannot be removed now, the next run
            // removes.
            let _ = journal::remove_staging(&self.out, &self.name);
        }
    }
}

/// Files as (path, text).
pub type Files<'a> = Vec<(&'a str, &'a str)>;

/// The root a relative path belongs to: its first component.
pub fn root_of(path: &str) -> &str {
    path.split('/').next().unwrap_or_default()
}

/// The kinds of file infragen generates, by ending. A manifest or journal line naming
/// anything else is refused, so that neither can make infragen remove state, variables,
/// a user's override file or Terraform's own files.
/// A new kind of generated file must be added here (rendering one that is not fails).
const GENERATED_KINDS: &[&str] = &[".tf", ".md", ".sh", ".json", ".hcl", ".yml", ".yaml"];

/// The entries of `map` (keyed by relative path) whose root is `root`, in order: a range
/// of the map, so that going through every root stays linear in the number of files.
pub(crate) fn in_root<'a, V>(map: &'a BTreeMap<String, V>, root: &str) -> impl Iterator<Item = (&'a String, &'a V)> {
    // Every path under `root/` sorts between `root/` and `root0` (`0` follows `/`).
    let (start, end) = (format!("{root}/"), format!("{root}0"));
    map.get_key_value(root).into_iter().chain(map.range(start..end))
}

/// Whether infragen may own `path` (a rendered file, a manifest or journal line): relative,
/// `/`-separated and normalised, inside a root's directory (`ROOT/...`), no hidden
/// component, portable characters only, a generated kind of file and not an override file.
/// Returns what is wrong otherwise.
pub fn owned_path(path: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split('/').collect();
    let wrong = if path.len() > 1024 {
        Some("is longer than 1024 bytes")
    } else if parts.len() < 2 {
        Some("is not inside a root's directory")
    } else if parts.iter().any(|part| part.is_empty() || *part == "." || *part == "..") {
        Some("is not a normalised relative path inside the output directory")
    } else if parts.iter().any(|part| part.starts_with('.') || part.starts_with('-') || part.len() > 255) {
        Some("has a hidden or unusual component")
    } else if !path.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/')) {
        Some("has characters other than letters, digits, `.`, `_`, `-` and `/`")
    } else if !GENERATED_KINDS.iter().any(|kind| path.ends_with(kind)) {
        Some("is not a kind of file infragen generates")
    } else if parts.last().is_some_and(|name| *name == "override.tf" || name.ends_with("_override.tf")) {
        Some("is a Terraform override file, which is always the user's")
    } else {
        None
    };
    match wrong {
        Some(message) => Err(message.to_string()),
        None => Ok(()),
    }
}

/// The text of generated files of `out` (path, text), read without following a link; a
/// file that is gone reads as empty.
pub fn read_generated<'a>(
    out: &Path,
    paths: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, OutputError> {
    let mut tree = Tree::open(out)?;
    paths.map(|path| Ok((path.to_string(), read_if_exists(&mut tree, path)?.unwrap_or_default()))).collect()
}

fn read_if_exists(tree: &mut Option<Tree>, path: &str) -> Result<Option<String>, OutputError> {
    match tree {
        Some(tree) => tree.read(path),
        None => Ok(None),
    }
}

/// Whether the directory holds nothing but infragen's lock file and directories named like
/// its staging directories (those the cleanup could not prove its own, such as the
/// `.infragen-staging-<pid>` of a first run of an earlier infragen that was killed): such a
/// directory is taken over without `--force`, and they are left alone.
fn is_empty_but_for_the_lock(out: &Tree) -> Result<bool, OutputError> {
    Ok(out.entries()?.iter().all(|(name, kind)| {
        let staging_like = name
            .strip_prefix(STAGING_PREFIX)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
        name == LOCK_FILE || (staging_like && *kind == rustix::fs::FileType::Directory)
    }))
}

#[cfg(test)]
mod tests;
