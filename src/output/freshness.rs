//! Knowing, without rendering, that a root on disk is what rendering it would give.
//!
//! A root's files are a function of this build of infragen and of the root's inputs (its
//! environment file, its name, the run's overrides and `--allow-replace`). After writing,
//! `gen` records per root a digest of those inputs and a digest of the files it left (the
//! manifest's paths and content hashes) in `.infragen-cache`, beside the manifest. A later
//! run whose inputs have the same digest, whose manifest lists the same files with the
//! same hashes, and whose files on disk still hash to them, has nothing to render for that
//! root: the tree is byte for byte what rendering would write again. Anything else (a
//! hand-edited, deleted or added file, a changed manifest, another build, a missing or
//! unreadable record) renders the root as before.
//!
//! The record only saves time: it is not committed, deleting it is always safe, and it is
//! never trusted without checking every file of the root against it.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::hash::{content_hash, xxh64};
use super::{Manifest, OutputError, io_error};

/// File name of the record, at the top of the output directory.
pub const FRESHNESS_FILE: &str = ".infragen-cache";

const HEADER: &str = "# infragen's record of what it last wrote here, to skip rendering what has not changed.\n\
                      # Safe to delete; not to be committed (add .infragen-cache to .gitignore).\n";

/// An identity of this build: its version and a digest of the sources, templates and data
/// it was built from (see `build.rs`). Another build may render differently.
const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("INFRAGEN_SOURCE_DIGEST"));

/// The record of an output directory: per root, the digest of its inputs and of its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FreshnessRecord {
    /// Per root: the digest of its inputs, the digest of its files, and its resources per
    /// module (what `gen` prints for it).
    roots: BTreeMap<String, (String, String, BTreeMap<String, usize>)>,
}

/// Whether a root on disk is known to be what rendering it would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Render it: the inputs, the build or the files are not the ones recorded.
    Unknown,
}

impl FreshnessRecord {
    /// Reads the record of `out`; a missing or malformed one is empty.
    pub fn read(out: &Path) -> FreshnessRecord {
        let Ok(text) = fs::read_to_string(out.join(FRESHNESS_FILE)) else { return FreshnessRecord::default() };
        let mut roots = BTreeMap::new();
        for line in text.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
            let fields: Vec<&str> = line.split(' ').collect();
            let [root, inputs, outputs, counts] = fields.as_slice() else { return FreshnessRecord::default() };
            let mut resources = BTreeMap::new();
            for count in counts.split(',').filter(|c| *c != "-") {
                let Some((module, n)) = count.split_once('=') else { return FreshnessRecord::default() };
                let Ok(n) = n.parse() else { return FreshnessRecord::default() };
                resources.insert(module.to_string(), n);
            }
            roots.insert(root.to_string(), (inputs.to_string(), outputs.to_string(), resources));
        }
        FreshnessRecord { roots }
    }

    /// Records that `root`, with inputs of digest `inputs`, is on disk as `files` (path,
    /// content hash) say, with `resources` per module.
    pub fn set<'a>(
        &mut self,
        root: &str,
        inputs: &str,
        files: impl Iterator<Item = (&'a str, &'a str)>,
        resources: &BTreeMap<String, usize>,
    ) {
        self.roots.insert(root.to_string(), (inputs.to_string(), files_digest(files), resources.clone()));
    }

    /// The resources per module recorded for a root.
    pub fn resources(&self, root: &str) -> BTreeMap<String, usize> {
        self.roots.get(root).map(|(_, _, resources)| resources.clone()).unwrap_or_default()
    }

    /// Whether `root` in `out` is fresh for inputs of digest `inputs`: the record says so,
    /// and every file the manifest lists for it still has the content it records.
    pub fn freshness(&self, out: &Path, manifest: &Manifest, root: &str, inputs: &str) -> Freshness {
        let Some((recorded_inputs, recorded_files, _)) = self.roots.get(root) else { return Freshness::Unknown };
        if recorded_inputs != inputs {
            return Freshness::Unknown;
        }
        let mut entries = Vec::new();
        for (path, hash) in manifest.entries_of(root) {
            let Some(hash) = hash else { return Freshness::Unknown };
            entries.push((path.as_str(), hash));
        }
        if entries.is_empty() || files_digest(entries.iter().copied()) != *recorded_files {
            return Freshness::Unknown;
        }
        for (path, hash) in entries {
            match fs::read(out.join(path)) {
                Ok(bytes) if content_hash(&bytes) == hash => {}
                _ => return Freshness::Unknown,
            }
        }
        Freshness::Fresh
    }

    /// Writes the record into `out` when it differs from the one there. It is replaced
    /// whole (written beside and renamed), so a reader never sees half of it; it is not
    /// synced, since losing it costs one full render and nothing else.
    pub fn write(&self, out: &Path) -> Result<(), OutputError> {
        if FreshnessRecord::read(out) == *self {
            return Ok(());
        }
        let mut text = HEADER.to_string();
        for (root, (inputs, files, resources)) in &self.roots {
            let resources: Vec<String> = resources.iter().map(|(module, n)| format!("{module}={n}")).collect();
            let resources = if resources.is_empty() { "-".to_string() } else { resources.join(",") };
            text.push_str(&format!("{root} {inputs} {files} {resources}\n"));
        }
        let path = out.join(FRESHNESS_FILE);
        let partial = out.join(format!("{FRESHNESS_FILE}.{}", std::process::id()));
        fs::write(&partial, text).map_err(io_error(&partial))?;
        fs::rename(&partial, &path).map_err(|e| {
            let _ = fs::remove_file(&partial);
            io_error(&path)(e)
        })
    }
}

/// The digest of a root's inputs: this build and each part given (length-prefixed, so no
/// two lists of parts run together into the same bytes).
pub fn inputs_digest(parts: &[&str]) -> String {
    let mut bytes = Vec::new();
    for part in std::iter::once(BUILD).chain(parts.iter().copied()) {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    content_hash(&bytes)
}

fn files_digest<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut bytes = Vec::new();
    for (path, hash) in files {
        bytes.extend_from_slice(path.as_bytes());
        bytes.push(b' ');
        bytes.extend_from_slice(hash.as_bytes());
        bytes.push(b'\n');
    }
    format!("{:016x}", xxh64(&bytes))
}
