//! The intent journal that makes a write all-or-nothing across a crash.
//!
//! A run stages every new file in its own staging directory (`new/`), hard-links every file
//! it will replace or remove into `old/` (a backup sharing the content), and syncs them.
//! It then commits by renaming a journal that lists every step into `.infragen-journal`
//! (one atomic rename, synced). Only after that does the tree change: renames from `new/`
//! (the manifest last) and removals. When everything is in place the journal is removed.
//!
//! A run that dies before the commit changed nothing; the next run removes its staging
//! directory. A run that dies after it leaves the journal, and the next run (under the
//! lock, before reading anything) finishes it; a run that fails part-way (a read-only
//! subdirectory) turns the journal around (direction `back`) and puts the old files back
//! from `old/`, and so does the next run if it cannot finish a crashed one.
//!
//! A staging directory is recognised as infragen's only by its exact name
//! (`.infragen-staging-<pid>-<16 hex digits>`) together with the marker file infragen writes
//! into it first (or by being empty); nothing else in the output directory is ever removed
//! by this cleanup. The journal is untrusted input like the manifest: its paths must be
//! ones infragen may own, its staging directory must be infragen's, and a removal it lists
//! is only done for a file the manifest on disk lists.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rustix::fs::FileType;

use super::manifest::Manifest;
use super::tree::Tree;
use super::{MANIFEST_FILE, OutputError, owned_path};

/// The journal of a committed, unfinished run, at the top of the output directory.
pub const JOURNAL_FILE: &str = ".infragen-journal";
/// How staging directories' names start; see [`is_staging_name`] for the whole pattern.
pub const STAGING_PREFIX: &str = ".infragen-staging-";
/// The marker file infragen writes first into each staging directory.
const MARKER_FILE: &str = ".infragen-staging";
const MARKER_TEXT: &str = "A staging directory of an infragen run; the next infragen run removes it.\n";
const HEADER: &str = "infragen journal 1";
/// Inside a staging directory: the new files, and the backups of the old ones.
pub const NEW_DIR: &str = "new";
pub const OLD_DIR: &str = "old";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Back,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Move `new/PATH` to `PATH` (replacing what is there).
    Put(String),
    /// Remove `PATH`.
    Remove(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    pub staging: String,
    pub direction: Direction,
    pub steps: Vec<Step>,
}

impl Journal {
    pub fn render(&self) -> String {
        let mut text = format!("{HEADER}\nstaging {}\n", self.staging);
        text.push_str(match self.direction {
            Direction::Forward => "direction forward\n",
            Direction::Back => "direction back\n",
        });
        for step in &self.steps {
            let _ = match step {
                Step::Put(path) => writeln!(text, "put {path}"),
                Step::Remove(path) => writeln!(text, "remove {path}"),
            };
        }
        text.push_str("end\n");
        text
    }

    pub fn parse(text: &str) -> Result<Journal, String> {
        let mut lines = text.lines().enumerate();
        let mut next = || lines.next().map(|(i, l)| (i + 1, l));
        if next().map(|(_, l)| l) != Some(HEADER) {
            return Err(format!("line 1: expected `{HEADER}`"));
        }
        let staging = match next() {
            Some((_, line)) if line.strip_prefix("staging ").is_some_and(is_staging_name) => line[8..].to_string(),
            _ => return Err("line 2: expected `staging .infragen-staging-<pid>-<hex>`".into()),
        };
        let direction = match next() {
            Some((_, "direction forward")) => Direction::Forward,
            Some((_, "direction back")) => Direction::Back,
            _ => return Err("line 3: expected `direction forward` or `direction back`".into()),
        };
        let mut steps = Vec::new();
        loop {
            let Some((number, line)) = next() else { return Err("the journal ends before `end`".into()) };
            if line == "end" {
                break;
            }
            let step = match line.split_once(' ') {
                Some(("put", path)) => Step::Put(path.to_string()),
                Some(("remove", path)) => Step::Remove(path.to_string()),
                _ => return Err(format!("line {number}: expected `put PATH`, `remove PATH` or `end`")),
            };
            let (Step::Put(path) | Step::Remove(path)) = &step;
            if path != MANIFEST_FILE {
                owned_path(path).map_err(|message| format!("line {number}: `{path}` {message}"))?;
            }
            steps.push(step);
        }
        if next().is_some() {
            return Err("text after `end`".into());
        }
        Ok(Journal { staging, direction, steps })
    }
}

/// `.infragen-staging-<decimal pid>-<16 lowercase hex digits>`, exactly.
pub fn is_staging_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(STAGING_PREFIX) else { return false };
    let Some((pid, token)) = rest.split_once('-') else { return false };
    !pid.is_empty()
        && pid.len() <= 10
        && pid.bytes().all(|b| b.is_ascii_digit())
        && token.len() == 16
        && token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A fresh staging directory name for this process.
pub fn staging_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    // Mixed with the address of a stack value, so two names in one nanosecond differ.
    let salt = &nanos as *const u128 as usize as u64;
    let token = (nanos as u64) ^ salt.rotate_left(32);
    format!("{STAGING_PREFIX}{}-{token:016x}", std::process::id())
}

/// Creates a staging directory and marks it as infragen's before anything goes into it.
pub fn create_staging(out: &Tree) -> Result<(String, Tree), OutputError> {
    let mut name = staging_name();
    while out.child(&name)?.is_some() {
        name = staging_name();
    }
    let mut staging = out.create_child(&name)?;
    staging.create_file(MARKER_FILE, MARKER_TEXT.as_bytes())?;
    Ok((name, staging))
}

/// Whether the entry `name` of the output directory is a staging directory of infragen:
/// the exact name, a real directory (not a link), and the marker infragen writes into it
/// first, or nothing at all (a run that died right after creating it).
pub fn is_ours(out: &Tree, name: &str) -> Result<bool, OutputError> {
    if !is_staging_name(name) {
        return Ok(false);
    }
    let Some(mut dir) = out.child(name).or_else(|e| match e {
        OutputError::Link { .. } | OutputError::Refused { .. } => Ok(None),
        other => Err(other),
    })?
    else {
        return Ok(false);
    };
    if dir.entries()?.is_empty() {
        return Ok(true);
    }
    // A marker cut short by a power loss is still the marker.
    Ok(match dir.read(MARKER_FILE) {
        Ok(Some(text)) => MARKER_TEXT.starts_with(text.as_str()),
        _ => false,
    })
}

/// Finishes or rolls back what an earlier run left, then removes its staging directories.
/// Runs under the lock, before anything in the directory is read.
pub fn recover(out: &mut Tree) -> Result<(), OutputError> {
    if let Some(text) = out.read(JOURNAL_FILE)? {
        let shown = out.shown(JOURNAL_FILE).display().to_string();
        let refuse = |message: String| OutputError::Refused {
            path: shown.clone(),
            message: format!(
                "{message}, so infragen cannot finish or roll back the run it records (nothing was changed)\n  = help: restore the directory from version control, remove {JOURNAL_FILE}, then run again"
            ),
        };
        let journal = Journal::parse(&text).map_err(&refuse)?;
        if out.child(&journal.staging).ok().flatten().is_none() {
            return Err(refuse(format!("it names {}, which is missing", journal.staging)));
        }
        if !is_ours(out, &journal.staging)? {
            return Err(refuse(format!("it names {}, which is not a staging directory of infragen", journal.staging)));
        }
        let manifest = Manifest::read_from(out)?.map(|(manifest, _)| manifest).unwrap_or_default();
        let listed: BTreeSet<String> = manifest.files().map(str::to_string).collect();
        finish(out, journal, Some(&listed))?;
    }
    for (name, kind) in out.entries()? {
        if kind == FileType::Directory && is_ours(out, &name)? {
            remove_staging(out, &name)?;
        }
    }
    super::freshness::remove_leftover(out)?;
    Ok(())
}

/// Removes a staging directory, its marker last: one cut short by a crash is still
/// recognised as infragen's (marked, or empty) and removed by the next run.
pub fn remove_staging(out: &Tree, name: &str) -> Result<(), OutputError> {
    if let Some(staging) = out.child(name)? {
        for (entry, kind) in staging.entries()? {
            match (entry.as_str(), kind) {
                (MARKER_FILE, _) => {}
                (_, FileType::Directory) => staging.remove_child_tree(&entry)?,
                _ => staging.remove_child_file(&entry)?,
            }
        }
    }
    out.remove_child_tree(name)
}

/// Carries a committed journal out: forward, or back when it says so or when going
/// forward fails. `listed`, when given, limits removals to files the manifest lists
/// (a journal found on disk is not trusted to name anything else).
/// Returns the roots that moved into place whole (none when it went back).
pub fn finish(
    out: &mut Tree,
    journal: Journal,
    listed: Option<&BTreeSet<String>>,
) -> Result<BTreeSet<String>, OutputError> {
    let staging_dir = out.child(&journal.staging)?;
    let Some(mut staging) = staging_dir else {
        return Err(OutputError::Refused {
            path: out.shown(&journal.staging).display().to_string(),
            message: format!("named by {JOURNAL_FILE} but missing"),
        });
    };
    let mut new = staging.child(NEW_DIR)?;
    let mut old = staging.child(OLD_DIR)?;
    if journal.direction == Direction::Forward {
        match forward(out, new.as_mut(), &journal.steps, listed) {
            Ok(moved_whole) => return close(out, &journal.staging).map(|()| moved_whole),
            Err(error) => {
                // Turn the journal around before the first step back, so that a crash
                // while going back goes on going back.
                let back = Journal { direction: Direction::Back, ..journal.clone() };
                if let Err(e) = commit(out, &mut staging, &back) {
                    return Err(both(error, e));
                }
                if let Err(e) = backward(out, new.as_mut(), old.as_mut(), &journal.steps) {
                    return Err(both(error, e));
                }
                close(out, &journal.staging)?;
                return Err(OutputError::RolledBack { error: Box::new(error) });
            }
        }
    }
    backward(out, new.as_mut(), old.as_mut(), &journal.steps)?;
    close(out, &journal.staging).map(|()| BTreeSet::new())
}

fn both(first: OutputError, second: OutputError) -> OutputError {
    OutputError::NotRolledBack { error: Box::new(first), back: Box::new(second) }
}

/// Writes `journal` into the staging directory, syncs it, and renames it over the journal
/// in the output directory: the commit point.
pub fn commit(out: &mut Tree, staging: &mut Tree, journal: &Journal) -> Result<(), OutputError> {
    let name = "journal";
    staging.remove_child_file(name)?;
    let file = staging.create_file(name, journal.render().as_bytes())?;
    file.sync_data().map_err(|e| OutputError::io(&staging.shown(name), e))?;
    staging.sync_dirs()?;
    out.rename_child_from(staging, name, JOURNAL_FILE)?;
    out.sync_dirs()
}

/// Carries the steps out; returns the roots that moved into place whole.
fn forward(
    out: &mut Tree,
    mut new: Option<&mut Tree>,
    steps: &[Step],
    listed: Option<&BTreeSet<String>>,
) -> Result<BTreeSet<String>, OutputError> {
    // A root the output directory does not have yet moves in whole: new/ holds only files
    // to put, so its directory of the root is exactly the root's new files. Going back
    // still removes them file by file (see `backward`).
    let mut moved_whole = BTreeSet::new();
    let mut tried = BTreeSet::new();
    for step in steps {
        match step {
            Step::Put(path) => {
                let root = super::root_of(path);
                if path != MANIFEST_FILE
                    && tried.insert(root)
                    && let Some(new) = new.as_deref_mut()
                    && out.move_new_dir_from(new, root)?
                {
                    moved_whole.insert(root);
                }
                if moved_whole.contains(root) {
                    continue;
                }
                if let Some(new) = new.as_deref_mut()
                    && new.exists(path)?
                {
                    out.rename_from(new, path)?;
                }
            }
            Step::Remove(path) => {
                if listed.is_none_or(|listed| listed.contains(path)) {
                    out.remove_file(path)?;
                }
            }
        }
    }
    out.sync_dirs()?;
    Ok(moved_whole.into_iter().map(str::to_string).collect())
}

/// Puts back every old file from `old/` and removes the new files that had none.
fn backward(
    out: &mut Tree,
    mut new: Option<&mut Tree>,
    mut old: Option<&mut Tree>,
    steps: &[Step],
) -> Result<(), OutputError> {
    for step in steps.iter().rev() {
        let (Step::Put(path) | Step::Remove(path)) = step;
        let backup = match old.as_deref_mut() {
            Some(old) => old.identity(path)?,
            None => None,
        };
        if let Some(backup) = backup {
            // A file not yet replaced or removed is the backup itself (a hard link): it
            // stays as it is.
            if out.identity(path)? != Some(backup) {
                out.rename_from(old.as_deref_mut().expect("checked"), path)?;
            }
        } else if let Step::Put(path) = step {
            // An added file: it is in place once it left new/.
            let placed = match new.as_deref_mut() {
                Some(new) => !new.exists(path)?,
                None => true,
            };
            if placed {
                out.remove_file(path)?;
            } else {
                // The directories made for it, if the run died before the file came.
                out.remove_empty_parents(path)?;
            }
        }
    }
    out.sync_dirs()
}

/// The journal's work is done: it goes, then the staging directory.
fn close(out: &mut Tree, staging: &str) -> Result<(), OutputError> {
    out.remove_child_file(JOURNAL_FILE)?;
    out.sync_dirs()?;
    remove_staging(out, staging)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_what_infragen_never_writes() {
        let journal = Journal {
            staging: ".infragen-staging-42-00ff00ff00ff00ff".into(),
            direction: Direction::Forward,
            steps: vec![
                Step::Put("dev/main.tf".into()),
                Step::Remove("dev/old.tf".into()),
                Step::Put(MANIFEST_FILE.into()),
            ],
        };
        assert_eq!(Journal::parse(&journal.render()), Ok(journal.clone()));
        let text = journal.render();
        for bad in [
            text.replace("dev/old.tf", "dev/../../etc/passwd"),
            text.replace("dev/old.tf", "dev/terraform.tfstate"),
            text.replace("dev/old.tf", "/etc/passwd"),
            text.replace("staging .infragen-staging-42-00ff00ff00ff00ff", "staging .infragen-staging-notes"),
            text.replace("end\n", ""),
        ] {
            assert!(Journal::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_exact_staging_names_are_infragen_s() {
        assert!(is_staging_name(&staging_name()));
        for name in [
            ".infragen-staging-notes",
            ".infragen-staging-1",
            ".infragen-staging--0123456789abcdef",
            ".infragen-staging-1-0123456789ABCDEF",
        ] {
            assert!(!is_staging_name(name), "{name}");
        }
    }
}
