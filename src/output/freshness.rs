//! Knowing, without rendering, that a root on disk is what rendering it would give.
//!
//! A root's files are a function of this build of infragen and of the root's inputs (its
//! environment file, its name, the run's overrides and `--allow-replace`). After writing,
//! `gen` records per root a digest of those inputs and a digest of the files it left (the
//! manifest's paths and content hashes, and each file's stamp: device, inode, change time
//! and size) in `.infragen-cache`, beside the manifest. A later run whose inputs have the
//! same digest, whose manifest lists the same files with the same hashes, and whose files
//! on disk still have those stamps and hash to them, has nothing to render for that root:
//! the tree is byte for byte what rendering would write again. Anything else (a
//! hand-edited, deleted or added file, a changed manifest, another build, a missing or
//! unreadable record, a fresh checkout) renders the root as before.
//!
//! The record only saves time: it is not committed, deleting it is always safe, and it is
//! never trusted without checking every file of the root against it. The stamps are what
//! make a record worthless anywhere but where it was written: a record committed to the
//! repository (with hand-edited files and manifest hashes to match) cannot vouch for a
//! checkout, whose files have inodes and change times nobody could know in advance, so
//! `gen --check` in CI renders and compares everything.

use std::collections::BTreeMap;
use std::path::Path;

use super::hash::{content_hash, xxh64};
use super::lock::OutputLock;
use super::tree::Tree;
use super::{Manifest, OutputError, Stamps};

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
    /// module (what `gen` prints for it) as the record writes them, `module=count,...` or
    /// `-`: a thousand roots' maps of counts would be held through every run for the few
    /// lines printed at its end.
    roots: BTreeMap<String, (String, String, String)>,
}

/// A root a run wrote, for [`FreshnessRecord::set_all`].
pub struct Written<'a> {
    pub root: &'a str,
    /// The digest of its inputs.
    pub inputs: &'a str,
    /// Its files as the manifest lists them: (path, content hash).
    pub files: Vec<(&'a str, &'a str)>,
    /// Its resources per module.
    pub resources: &'a BTreeMap<String, usize>,
}

/// Whether a root on disk is known to be what rendering it would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Render it: the inputs, the build or the files are not the ones recorded.
    Unknown,
}

impl FreshnessRecord {
    /// Reads the record of `out` (never through a link); a missing or malformed one is empty.
    pub fn read(out: &Path) -> Result<FreshnessRecord, OutputError> {
        let Some(mut tree) = Tree::open(out)? else { return Ok(FreshnessRecord::default()) };
        Ok(match tree.read(FRESHNESS_FILE)? {
            Some(text) => FreshnessRecord::parse(&text),
            None => FreshnessRecord::default(),
        })
    }

    fn parse(text: &str) -> FreshnessRecord {
        let mut roots = BTreeMap::new();
        for line in text.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
            let fields: Vec<&str> = line.split(' ').collect();
            let [root, inputs, outputs, counts] = fields.as_slice() else { return FreshnessRecord::default() };
            if parse_counts(counts).is_none() {
                return FreshnessRecord::default();
            }
            roots.insert(root.to_string(), (inputs.to_string(), outputs.to_string(), counts.to_string()));
        }
        FreshnessRecord { roots }
    }

    /// Records that each root `written`, with inputs of the digest it gives, is on disk in
    /// the locked directory as its files (path, content hash) say, with its resources per
    /// module; a root with a file missing is left out. A file's stamp is the one the write
    /// took (`known`: a root that moved in whole), or else read now, on every core: a
    /// fresh tree of a hundred environments has thousands of files.
    pub fn set_all(
        &mut self,
        lock: &mut OutputLock,
        written: &[Written<'_>],
        known: &Stamps,
    ) -> Result<(), OutputError> {
        let tree = lock.tree();
        let handles: Vec<Tree> =
            (0..crate::parallel::file_workers(written.len())).map(|_| tree.handle()).collect::<Result<_, _>>()?;
        let digests = crate::parallel::map_with(written, handles, |tree, _, root| {
            files_digest(tree, root.files.iter().copied(), known)
        });
        for (root, digest) in written.iter().zip(digests) {
            self.roots.remove(root.root);
            if let Some(digest) = digest? {
                self.roots
                    .insert(root.root.to_string(), (root.inputs.to_string(), digest, counts_text(root.resources)));
            }
        }
        Ok(())
    }

    /// The resources per module recorded for a root.
    pub fn resources(&self, root: &str) -> BTreeMap<String, usize> {
        self.roots.get(root).and_then(|(_, _, counts)| parse_counts(counts)).unwrap_or_default()
    }

    /// Whether `root` in `out` is fresh for inputs of digest `inputs`: the record says so,
    /// and every file the manifest lists for it still has the content it records.
    /// Anything that cannot be read (a link included) is simply not known to be fresh: the
    /// full run that follows reads it again and says what is wrong.
    pub fn freshness(&self, out: &Path, manifest: &Manifest, root: &str, inputs: &str) -> Freshness {
        let Some((recorded_inputs, recorded_files, _)) = self.roots.get(root) else { return Freshness::Unknown };
        if recorded_inputs != inputs {
            return Freshness::Unknown;
        }
        let mut entries = Vec::new();
        for (path, hash) in manifest.entries_of(root) {
            let Some(hash) = hash else { return Freshness::Unknown };
            entries.push((path, hash));
        }
        let Ok(Some(mut tree)) = Tree::open(out) else { return Freshness::Unknown };
        // Each file is read with its stamp as it was when read (one status for both): its
        // content must hash as the manifest says, and the stamps must be the recorded ones.
        let mut digest = Vec::new();
        for &(path, hash) in &entries {
            match tree.read_stamped(path) {
                Ok(Some((text, stamp))) if content_hash(text.as_bytes()) == hash => {
                    digest_line(&mut digest, path, hash, &stamp);
                }
                _ => return Freshness::Unknown,
            }
        }
        if entries.is_empty() || format!("{:016x}", xxh64(&digest)) != *recorded_files {
            return Freshness::Unknown;
        }
        Freshness::Fresh
    }

    /// Writes the record into `out` when it differs from the one there. It is replaced
    /// whole (written beside and renamed), so a reader never sees half of it; it is not
    /// synced, since losing it costs one full render and nothing else.
    pub fn write(&self, lock: &mut OutputLock) -> Result<(), OutputError> {
        let tree = lock.tree();
        let on_disk = tree.read(FRESHNESS_FILE)?;
        if on_disk.as_deref().map(FreshnessRecord::parse).as_ref() == Some(self) {
            return Ok(());
        }
        let mut text = HEADER.to_string();
        for (root, (inputs, files, counts)) in &self.roots {
            text.push_str(&format!("{root} {inputs} {files} {counts}\n"));
        }
        // Written beside under a name no other run uses while this one holds the lock, and
        // renamed over the record; neither name is ever followed if it is a link.
        tree.remove_child_file(PARTIAL_FILE)?;
        drop(tree.create_file(PARTIAL_FILE, text.as_bytes())?);
        let renamed = tree.rename_child_from(tree, PARTIAL_FILE, FRESHNESS_FILE);
        if renamed.is_err() {
            let _ = tree.remove_child_file(PARTIAL_FILE);
        }
        renamed
    }
}

/// Resources per module as the record writes them: `module=count,...`, `-` for none.
fn counts_text(resources: &BTreeMap<String, usize>) -> String {
    let counts: Vec<String> = resources.iter().map(|(module, n)| format!("{module}={n}")).collect();
    if counts.is_empty() { "-".to_string() } else { counts.join(",") }
}

/// The resources per module of a record's [`counts_text`]; `None` when it is not one.
fn parse_counts(counts: &str) -> Option<BTreeMap<String, usize>> {
    let mut resources = BTreeMap::new();
    for count in counts.split(',').filter(|c| *c != "-") {
        let (module, n) = count.split_once('=')?;
        resources.insert(module.to_string(), n.parse().ok()?);
    }
    Some(resources)
}

/// Where the record is written before it is renamed over the old one.
const PARTIAL_FILE: &str = ".infragen-cache.partial";

/// Removes what a run killed while writing the record left (see
/// [`FreshnessRecord::write`]); the lock's healing calls it.
pub(super) fn remove_leftover(out: &Tree) -> Result<(), OutputError> {
    out.remove_child_file(PARTIAL_FILE)
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

/// The digest of a root's files: each path with its content hash and its stamp on disk
/// ([`Tree::stamp`], unless `known` has it); `None` when one is missing.
fn files_digest<'a>(
    tree: &mut Tree,
    files: impl Iterator<Item = (&'a str, &'a str)>,
    known: &Stamps,
) -> Result<Option<String>, OutputError> {
    let mut bytes = Vec::new();
    for (path, hash) in files {
        let read;
        let stamp = match known.get(path) {
            Some(stamp) => stamp,
            None => match tree.stamp(path)? {
                Some(stamp) => {
                    read = stamp;
                    &read
                }
                None => return Ok(None),
            },
        };
        digest_line(&mut bytes, path, hash, stamp);
    }
    Ok(Some(format!("{:016x}", xxh64(&bytes))))
}

/// Adds one file's line to the text a digest of files ([`files_digest`]) hashes.
fn digest_line(bytes: &mut Vec<u8>, path: &str, hash: &str, stamp: &str) {
    bytes.extend_from_slice(path.as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(hash.as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(stamp.as_bytes());
    bytes.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory with one generated file, its manifest and a record vouching for it.
    fn recorded(dir: &Path) -> (Manifest, FreshnessRecord) {
        std::fs::create_dir_all(dir.join("dev")).expect("mkdir");
        std::fs::write(dir.join("dev/main.tf"), "# main\n").expect("write");
        let hash = content_hash(b"# main\n");
        let manifest = Manifest::parse(&format!("dev/main.tf {hash}\n")).expect("manifest");
        let mut lock = OutputLock::acquire(dir, true, &mut |_| {}).expect("lock").expect("exists");
        let mut record = FreshnessRecord::default();
        let written = Written {
            root: "dev",
            inputs: "inputs",
            files: vec![("dev/main.tf", hash.as_str())],
            resources: &BTreeMap::new(),
        };
        record.set_all(&mut lock, &[written], &Stamps::new()).expect("set");
        record.write(&mut lock).expect("write");
        (manifest, FreshnessRecord::read(dir).expect("read"))
    }

    #[test]
    fn a_record_vouches_only_for_the_files_it_saw_written() {
        let temp = tempfile::tempdir().expect("tempdir");
        let (original, copy) = (temp.path().join("a"), temp.path().join("b"));
        let (manifest, record) = recorded(&original);
        assert_eq!(record.freshness(&original, &manifest, "dev", "inputs"), Freshness::Fresh);
        assert_eq!(record.freshness(&original, &manifest, "dev", "other inputs"), Freshness::Unknown);

        // The same bytes and the same record elsewhere (a checkout, a copy): other files.
        std::fs::create_dir_all(copy.join("dev")).expect("mkdir");
        std::fs::copy(original.join("dev/main.tf"), copy.join("dev/main.tf")).expect("copy");
        std::fs::copy(original.join(FRESHNESS_FILE), copy.join(FRESHNESS_FILE)).expect("copy");
        let copied = FreshnessRecord::read(&copy).expect("read");
        assert_eq!(copied, record);
        assert_eq!(copied.freshness(&copy, &manifest, "dev", "inputs"), Freshness::Unknown);

        // The same bytes written again in place: another change time.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(original.join("dev/main.tf"), "# main\n").expect("rewrite");
        assert_eq!(record.freshness(&original, &manifest, "dev", "inputs"), Freshness::Unknown);
    }
}
