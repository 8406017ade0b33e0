//! The environments a change is measured against (`cost --diff BASE`): a directory of
//! environment files, or the environments directory as a git revision has it.
//!
//! A revision is read with `git ls-tree` and `git cat-file` into a temporary directory,
//! offline; nothing in the work tree changes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;
use crate::workspace::{MAX_FILE_BYTES, Workspace};

/// The base's environment files, in a directory that lives as long as this value.
pub struct Base {
    /// Holds the files read from a revision; `None` for a directory given as is.
    _temp: Option<tempfile::TempDir>,
    pub dir: PathBuf,
    /// What the base is, for the output: the revision or directory as given.
    pub label: String,
    /// Entries of the revision that were not read, for a warning (links, oversized files).
    pub skipped: Vec<String>,
}

impl Base {
    /// `base` is a directory when one exists at that path, else a git revision of the
    /// repository that holds `environments`.
    pub fn resolve(base: &str, environments: &Path) -> Result<Base, Error> {
        let as_dir = Path::new(base);
        if as_dir.is_dir() {
            return Ok(Base { _temp: None, dir: as_dir.to_path_buf(), label: base.to_string(), skipped: Vec::new() });
        }
        Base::from_revision(base, environments)
    }

    fn from_revision(revision: &str, environments: &Path) -> Result<Base, Error> {
        if revision.starts_with('-') {
            return Err(Error::Usage(format!("`--diff {revision}`: a revision does not start with `-`")));
        }
        // The directory git runs in: the environments directory, or the nearest existing
        // parent when the head has none.
        let mut cwd = environments.to_path_buf();
        let mut below = PathBuf::new();
        while !cwd.is_dir() {
            let Some(name) = cwd.file_name().map(PathBuf::from) else { break };
            below = name.join(&below);
            if !cwd.pop() {
                break;
            }
        }
        if cwd.as_os_str().is_empty() {
            cwd = PathBuf::from(".");
        }
        let commit = git(&cwd, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{revision}^{{commit}}")])
            .map_err(|problem| {
                Error::Usage(format!(
                    "`--diff {revision}`: neither a directory nor a git revision ({problem})\n  = help: name a directory of environment files, or a commit, branch or tag of the repository that holds {}",
                    environments.display()
                ))
            })?;
        let commit = String::from_utf8_lossy(&commit).trim().to_string();

        let temp = tempfile::Builder::new()
            .prefix("infragen-base-")
            .tempdir()
            .map_err(|e| Error::Io(format!("cannot create a temporary directory: {e}")))?;
        // Named like the head's directory, so that messages and headers read the same.
        let dir_name = environments.file_name().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("environments"));
        let dir = temp.path().join(dir_name);
        std::fs::create_dir(&dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;

        // `<commit>:./<below>` is the directory, relative to where git runs, at that commit;
        // `--full-tree` lists that tree itself, not the part of it under git's working directory.
        // A revision without it has no environments: every head environment is new.
        let tree = format!("{commit}:./{}", below.display());
        let mut skipped = Vec::new();
        if let Ok(listing) = git(&cwd, &["ls-tree", "-z", "--long", "--full-tree", &tree]) {
            for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
                let entry = String::from_utf8_lossy(entry);
                let Some((meta, name)) = entry.split_once('\t') else { continue };
                let fields: Vec<&str> = meta.split_whitespace().collect();
                let [mode, kind, object, size] = fields.as_slice() else { continue };
                if !name.ends_with(".toml") || name.contains('/') {
                    continue;
                }
                if *kind != "blob" || *mode == "120000" {
                    skipped.push(format!("{name}: not a regular file at {revision}"));
                    continue;
                }
                if size.parse::<u64>().map_or(true, |size| size > MAX_FILE_BYTES) {
                    skipped.push(format!("{name}: larger than {MAX_FILE_BYTES} bytes at {revision}"));
                    continue;
                }
                let text = git(&cwd, &["cat-file", "blob", object]).map_err(Error::Io)?;
                let path = dir.join(name);
                std::fs::write(&path, text).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
            }
        }
        Ok(Base { _temp: Some(temp), dir, label: revision.to_string(), skipped })
    }

    pub fn workspace(&self) -> Workspace {
        Workspace::new(&self.dir)
    }
}

/// Runs git in `cwd`, returning its standard output, or what went wrong.
fn git(cwd: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(cwd)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        Err(if message.is_empty() { format!("git {} failed", args.join(" ")) } else { message })
    }
}
