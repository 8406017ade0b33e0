//! File operations below the output directory that never follow a symbolic link.
//!
//! Every operation starts from a descriptor of the output directory and opens one path
//! component at a time with `O_NOFOLLOW` (`openat`, `mkdirat`, `renameat`, `unlinkat`), so a
//! link anywhere below `--output` (a directory replaced by a link in a pull request, a link at a
//! file's place) is refused with its name instead of being read, written, created in or
//! removed through; checking with `symlink_metadata` first and then using the path would
//! leave a window in which the link could appear. The output directory itself must not be a
//! link either; the directories above it are the user's choice and are followed.
//!
//! Paths are relative, `/`-separated and already validated (see [`super::owned_path`]).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::{OutputError, crash_point};

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// How many directories a tree keeps open. Paths come in sorted order and are at most
/// three directories deep (`dev/modules/rds/`), so a small cache that keeps the
/// directories above the one it opens opens each directory once; an unbounded one held a
/// descriptor per directory of every environment (fourteen each) and ran out at the
/// common limit of 1024 open files (256 on macOS) at about seventy environments. A write
/// holds four trees (the output, the new and old files of its staging directory, and the
/// output again to compare) per worker, and up to four workers.
const MAX_OPEN_DIRS: usize = 4;

/// Up to how many changed directories are synced one by one; past that, on Linux, one
/// `syncfs` flushes them all (a sync per directory costs a journal commit each).
#[cfg(target_os = "linux")]
const MAX_DIRS_SYNCED_ONE_BY_ONE: usize = 16;

/// An open directory below (or at) the output directory, with the path it is shown as.
#[derive(Debug)]
pub(crate) struct Tree {
    path: PathBuf,
    fd: OwnedFd,
    /// Directories below this one opened lately, by relative path (at most
    /// [`MAX_OPEN_DIRS`]).
    dirs: HashMap<String, OwnedFd>,
    /// Directories (`""` is this one) whose entries changed since the last
    /// [`Tree::sync_dirs`]: what it must make durable. Interior: removing a child directly
    /// in this one takes `&self`.
    changed: RefCell<BTreeSet<String>>,
}

impl Tree {
    /// Opens the directory `path` without following a link at its last component; `None`
    /// when it does not exist.
    pub fn open(path: &Path) -> Result<Option<Tree>, OutputError> {
        match rustix::fs::open(path, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Some(Tree::new(path.to_path_buf(), fd))),
            Err(Errno::NOENT) => Ok(None),
            // The output directory itself: a link is refused by name; anything else that is
            // not a directory is an I/O failure like any other path that cannot be created.
            Err(errno) => match rustix::fs::lstat(path).map(|s| FileType::from_raw_mode(s.st_mode)) {
                Ok(FileType::Symlink) => Err(OutputError::Link { path: path.display().to_string() }),
                _ => Err(OutputError::io(path, errno.into())),
            },
        }
    }

    fn new(path: PathBuf, fd: OwnedFd) -> Tree {
        Tree { path, fd, dirs: HashMap::new(), changed: RefCell::new(BTreeSet::new()) }
    }

    /// Another handle on the same directory (not reopened by path, so it is the very
    /// directory this one is), with a cache of its own: for work on another thread.
    pub fn handle(&self) -> Result<Tree, OutputError> {
        let fd = self.fd.try_clone().map_err(|e| OutputError::io(&self.path, e))?;
        Ok(Tree::new(self.path.clone(), fd))
    }

    /// Notes that the entries of the directory `relative` changed.
    fn changed(&self, relative: &str) {
        if !self.changed.borrow().contains(relative) {
            self.changed.borrow_mut().insert(relative.to_string());
        }
    }

    /// Opens the directory `path`, creating it (and the directories above it) first.
    pub fn create(path: &Path) -> Result<Tree, OutputError> {
        if let Some(tree) = Tree::open(path)? {
            return Ok(tree);
        }
        std::fs::create_dir_all(path).map_err(|e| OutputError::io(path, e))?;
        Tree::open(path)?.ok_or_else(|| OutputError::io(path, io::ErrorKind::NotFound.into()))
    }

    /// The directory as the user named it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How a relative path is shown in messages.
    pub fn shown(&self, relative: &str) -> PathBuf {
        if relative.is_empty() { self.path.clone() } else { self.path.join(relative) }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The directory `relative` (`""` is this one), opened without following links;
    /// created when `create` is set, else `None` when it does not exist.
    fn dir(&mut self, relative: &str, create: bool) -> Result<Option<BorrowedFd<'_>>, OutputError> {
        if relative.is_empty() {
            return Ok(Some(self.fd.as_fd()));
        }
        if !self.dirs.contains_key(relative) {
            let (parent, name) = split(relative);
            let Some(parent_fd) = self.dir(parent, create)? else { return Ok(None) };
            let parent_fd = parent_fd.try_clone_to_owned().map_err(|e| OutputError::io(&self.shown(parent), e))?;
            let opened = match rustix::fs::openat(&parent_fd, name, DIR_FLAGS, Mode::empty()) {
                Err(Errno::NOENT) if create => {
                    crash_point();
                    match rustix::fs::mkdirat(&parent_fd, name, Mode::from_raw_mode(0o777)) {
                        Ok(()) => self.changed(parent),
                        Err(Errno::EXIST) => {}
                        Err(errno) => return Err(OutputError::io(&self.shown(relative), errno.into())),
                    }
                    rustix::fs::openat(&parent_fd, name, DIR_FLAGS, Mode::empty())
                }
                other => other,
            };
            let fd = match opened {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(None),
                Err(errno) => return Err(self.classify_at(parent_fd.as_fd(), relative, name, errno)),
            };
            if self.dirs.len() >= MAX_OPEN_DIRS {
                // In sorted order, a directory not above this one is done with.
                self.dirs.retain(|dir, _| is_above(dir, relative));
                if self.dirs.len() >= MAX_OPEN_DIRS {
                    self.dirs.clear();
                }
            }
            self.dirs.insert(relative.to_string(), fd);
        }
        Ok(self.dirs.get(relative).map(AsFd::as_fd))
    }

    /// Opens the directory holding `relative` (creating it when `create` is set): whether
    /// it exists. Then [`Tree::parent`] lends it.
    fn open_parent(&mut self, relative: &str, create: bool) -> Result<bool, OutputError> {
        Ok(self.dir(split(relative).0, create)?.is_some())
    }

    /// The directory holding `relative`, as [`Tree::open_parent`] opened it, and the file's
    /// name in it. Lent, not duplicated: a descriptor duplicated and closed per file cost
    /// two system calls for each of the thousands of files of a fresh tree.
    fn parent<'a>(&self, relative: &'a str) -> Result<(BorrowedFd<'_>, &'a str), OutputError> {
        let (parent, name) = split(relative);
        let fd = if parent.is_empty() { Some(self.fd.as_fd()) } else { self.dirs.get(parent).map(AsFd::as_fd) };
        let not_open = || OutputError::io(&self.shown(parent), io::ErrorKind::NotFound.into());
        Ok((fd.ok_or_else(not_open)?, name))
    }

    /// Names a failure to open `name` in `parent`: a link, something that is not what was
    /// expected, or an I/O error.
    fn classify_at(&self, parent: BorrowedFd<'_>, relative: &str, name: &str, errno: Errno) -> OutputError {
        classify(&self.shown(relative), errno, || {
            rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW).ok().map(|s| FileType::from_raw_mode(s.st_mode))
        })
    }

    /// The text of the regular file `relative`, or `None` when it does not exist. A file
    /// that is not UTF-8 cannot be what infragen wrote; it reads as different text.
    pub fn read(&mut self, relative: &str) -> Result<Option<String>, OutputError> {
        Ok(self.read_stamped(relative)?.map(|(text, _)| text))
    }

    /// [`Tree::read`], with the file's stamp ([`Tree::stamp`]) as it was when read: one
    /// status for both.
    pub fn read_stamped(&mut self, relative: &str) -> Result<Option<(String, String)>, OutputError> {
        if !self.open_parent(relative, false)? {
            return Ok(None);
        }
        let (parent, name) = self.parent(relative)?;
        // O_NONBLOCK: a FIFO put at a file's place must not stall the run.
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(parent, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(errno) => return Err(self.classify_at(parent, relative, name, errno)),
        };
        let shown = self.shown(relative);
        let stat = rustix::fs::fstat(&fd).map_err(|e| OutputError::io(&shown, e.into()))?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        if kind != FileType::RegularFile {
            return Err(OutputError::Refused { path: shown.display().to_string(), message: not_a_file(kind) });
        }
        // Sized from the status: a manifest of a thousand environments is megabytes, and
        // growing a buffer to it by doubling leaves the allocator holding the steps.
        #[allow(clippy::unnecessary_cast)]
        let mut bytes = Vec::with_capacity((stat.st_size as u64).min(1 << 30) as usize);
        // Through `Take`: `File::read_to_end` asks the kernel for the size and the position
        // again (two more system calls per file, a fifth of those of an unchanged run).
        File::from(fd).take(u64::MAX).read_to_end(&mut bytes).map_err(|e| OutputError::io(&shown, e))?;
        let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Some((text, stamp_of(&stat))))
    }

    /// Whether `relative` exists (as anything, a link included), without following links.
    pub fn exists(&mut self, relative: &str) -> Result<bool, OutputError> {
        if !self.open_parent(relative, false)? {
            return Ok(false);
        }
        let (parent, name) = self.parent(relative)?;
        match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(_) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(errno) => Err(OutputError::io(&self.shown(relative), errno.into())),
        }
    }

    /// The status of `relative` itself (a link is itself), or `None` when it does not exist.
    fn lstat(&mut self, relative: &str) -> Result<Option<rustix::fs::Stat>, OutputError> {
        if !self.open_parent(relative, false)? {
            return Ok(None);
        }
        let (parent, name) = self.parent(relative)?;
        match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(stat)),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(OutputError::io(&self.shown(relative), errno.into())),
        }
    }

    /// The device and inode of `relative` (a link is itself), or `None` when it does not
    /// exist: whether two names are the same file.
    pub fn identity(&mut self, relative: &str) -> Result<Option<(u64, u64)>, OutputError> {
        // The fields' types differ between platforms.
        #[allow(clippy::unnecessary_cast)]
        Ok(self.lstat(relative)?.map(|stat| (stat.st_dev as u64, stat.st_ino as u64)))
    }

    /// What changes whenever the file `relative` is written, renamed into place or checked
    /// out again (device, inode, change time, size), or `None` when it does not exist. The
    /// change time is the kernel's: nobody can set it, so a stamp recorded after writing a
    /// file matches only that very file, untouched since.
    pub fn stamp(&mut self, relative: &str) -> Result<Option<String>, OutputError> {
        Ok(self.lstat(relative)?.map(|stat| stamp_of(&stat)))
    }

    /// Creates the file `relative` (it must not exist) with `content`, creating the
    /// directories above it. Returns the open file so that the caller can sync it later.
    pub fn create_file(&mut self, relative: &str, content: &[u8]) -> Result<File, OutputError> {
        self.open_parent(relative, true)?;
        let (parent, name) = self.parent(relative)?;
        crash_point();
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(parent, name, flags, Mode::from_raw_mode(0o666))
            .map_err(|errno| self.classify_at(parent, relative, name, errno))?;
        self.changed(split(relative).0);
        let mut file = File::from(fd);
        file.write_all(content).map_err(|e| OutputError::io(&self.shown(relative), e))?;
        Ok(file)
    }

    /// Opens the directories holding `relative` in `from` (it must exist) and in this tree
    /// (created): for moving or linking it across, each then lent by [`Tree::parent`].
    fn open_both_parents(&mut self, from: &mut Tree, relative: &str) -> Result<(), OutputError> {
        if !from.open_parent(relative, false)? {
            return Err(OutputError::io(&from.shown(relative), io::ErrorKind::NotFound.into()));
        }
        self.open_parent(relative, true)?;
        Ok(())
    }

    /// Moves `relative` from `from` to the same place in this tree, creating the
    /// directories above it. A link at the target's place is replaced, never followed.
    pub fn rename_from(&mut self, from: &mut Tree, relative: &str) -> Result<(), OutputError> {
        self.open_both_parents(from, relative)?;
        let ((source, name), (target, _)) = (from.parent(relative)?, self.parent(relative)?);
        crash_point();
        rustix::fs::renameat(source, name, target, name)
            .map_err(|errno| OutputError::io(&self.shown(relative), errno.into()))?;
        from.changed(split(relative).0);
        self.changed(split(relative).0);
        Ok(())
    }

    /// Removes the file `relative` if it exists (a link is removed itself), then the
    /// directories that leaves empty, up to this one. Returns whether it existed.
    pub fn remove_file(&mut self, relative: &str) -> Result<bool, OutputError> {
        if !self.open_parent(relative, false)? {
            self.remove_empty_parents(relative)?;
            return Ok(false);
        }
        let (parent, name) = self.parent(relative)?;
        crash_point();
        let existed = match rustix::fs::unlinkat(parent, name, AtFlags::empty()) {
            Ok(()) => {
                self.changed(split(relative).0);
                true
            }
            Err(Errno::NOENT) => false,
            Err(errno) => return Err(self.classify_at(parent, relative, name, errno)),
        };
        // Also when the file was gone already: a run that died between removing it and
        // its directory leaves the directory for this one.
        self.remove_empty_parents(relative)?;
        Ok(existed)
    }

    /// Removes the directories above `relative` that are empty, up to this one.
    pub fn remove_empty_parents(&mut self, relative: &str) -> Result<(), OutputError> {
        let mut dir = split(relative).0;
        while !dir.is_empty() {
            let (parent, name) = split(dir);
            if let Some(parent_fd) = self.dir(parent, false)? {
                crash_point();
                match rustix::fs::unlinkat(parent_fd, name, AtFlags::REMOVEDIR) {
                    Ok(()) => self.changed(parent),
                    // Gone already (an earlier run died after removing it): go on up.
                    Err(Errno::NOENT) => {}
                    // Not empty, or not ours to judge: stop.
                    Err(_) => break,
                }
            }
            self.dirs.remove(dir);
            self.changed.borrow_mut().remove(dir);
            dir = parent;
        }
        Ok(())
    }

    /// Flushes every directory of this tree whose entries changed (files created, renamed
    /// or removed, directories made or removed) since the last call: those changes survive
    /// a power loss once this returns.
    pub fn sync_dirs(&mut self) -> Result<(), OutputError> {
        let changed = std::mem::take(&mut *self.changed.borrow_mut());
        // One `syncfs` for many: a tree lies on one file system (its staging directory's
        // renames into it would fail otherwise).
        #[cfg(target_os = "linux")]
        if changed.len() > MAX_DIRS_SYNCED_ONE_BY_ONE {
            return rustix::fs::syncfs(&self.fd).map_err(|e| OutputError::io(&self.path, e.into()));
        }
        for relative in &changed {
            let shown = self.shown(relative);
            // A directory removed since it changed is gone with its entries; its parent,
            // which changed when it went, is synced instead.
            if let Some(fd) = self.dir(relative, false)? {
                rustix::fs::fsync(fd).map_err(|e| OutputError::io(&shown, e.into()))?;
            }
        }
        Ok(())
    }

    /// The entries directly in this directory, with their kind (a link is a link).
    pub fn entries(&self) -> Result<Vec<(String, FileType)>, OutputError> {
        let mut dir = rustix::fs::Dir::read_from(&self.fd).map_err(|e| OutputError::io(&self.path, e.into()))?;
        let mut entries = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|e| OutputError::io(&self.path, e.into()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "." || name == ".." {
                continue;
            }
            let mut kind = entry.file_type();
            if kind == FileType::Unknown {
                kind = rustix::fs::statat(&self.fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                    .map(|s| FileType::from_raw_mode(s.st_mode))
                    .unwrap_or(FileType::Unknown);
            }
            entries.push((name, kind));
        }
        Ok(entries)
    }

    /// Opens the directory `name` directly in this one (not through a link).
    pub fn child(&self, name: &str) -> Result<Option<Tree>, OutputError> {
        let path = self.path.join(name);
        match rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Some(Tree::new(path, fd))),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(self.classify_at(self.fd.as_fd(), name, name, errno)),
        }
    }

    /// Creates the directory `name` directly in this one; fails if it exists.
    pub fn create_child(&self, name: &str) -> Result<Tree, OutputError> {
        let path = self.path.join(name);
        crash_point();
        rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777))
            .map_err(|e| OutputError::io(&path, e.into()))?;
        self.changed("");
        self.child(name)?.ok_or_else(|| OutputError::io(&path, io::ErrorKind::NotFound.into()))
    }

    /// Removes the directory `name` in this one and everything in it; links in it are
    /// removed themselves, never followed.
    pub fn remove_child_tree(&self, name: &str) -> Result<(), OutputError> {
        if let Some(child) = self.child(name)? {
            for (entry, kind) in child.entries()? {
                if kind == FileType::Directory {
                    child.remove_child_tree(&entry)?;
                } else {
                    crash_point();
                    rustix::fs::unlinkat(&child.fd, entry.as_str(), AtFlags::empty())
                        .map_err(|e| OutputError::io(&child.path.join(&entry), e.into()))?;
                }
            }
        }
        crash_point();
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR) {
            Ok(()) => {
                self.changed("");
                Ok(())
            }
            Err(Errno::NOENT) => Ok(()),
            Err(errno) => Err(OutputError::io(&self.path.join(name), errno.into())),
        }
    }

    /// Links the file `relative` of `from` to the same place in this tree (a backup that
    /// shares the file's content), creating the directories above it.
    pub fn link_from(&mut self, from: &mut Tree, relative: &str) -> Result<(), OutputError> {
        self.open_both_parents(from, relative)?;
        let ((source, name), (target, _)) = (from.parent(relative)?, self.parent(relative)?);
        crash_point();
        rustix::fs::linkat(source, name, target, name, AtFlags::empty())
            .map_err(|errno| OutputError::io(&self.shown(relative), errno.into()))?;
        self.changed(split(relative).0);
        Ok(())
    }

    /// Renames `from_name` directly in `from` to `name` directly in this one.
    pub fn rename_child_from(&self, from: &Tree, from_name: &str, name: &str) -> Result<(), OutputError> {
        crash_point();
        rustix::fs::renameat(&from.fd, from_name, &self.fd, name)
            .map_err(|errno| OutputError::io(&self.path.join(name), errno.into()))?;
        from.changed("");
        self.changed("");
        Ok(())
    }

    /// Moves the directory `name` directly in `from` to the same name directly in this
    /// one when nothing (not even a link) has that name here: one rename for a whole new
    /// root instead of one per file. `false` when something is in the way or the file
    /// system cannot rename without replacing; the caller then moves file by file.
    #[cfg(target_os = "linux")]
    pub fn move_new_dir_from(&self, from: &Tree, name: &str) -> Result<bool, OutputError> {
        // A real directory, not a link, is what moves.
        if from.child(name)?.is_none() {
            return Ok(false);
        }
        crash_point();
        match rustix::fs::renameat_with(&from.fd, name, &self.fd, name, rustix::fs::RenameFlags::NOREPLACE) {
            Ok(()) => {
                from.changed("");
                self.changed("");
                Ok(true)
            }
            Err(Errno::EXIST | Errno::INVAL | Errno::NOSYS) => Ok(false),
            Err(errno) => Err(OutputError::io(&self.path.join(name), errno.into())),
        }
    }

    /// Elsewhere a rename that never replaces is not portable: file by file.
    #[cfg(not(target_os = "linux"))]
    pub fn move_new_dir_from(&self, _from: &Tree, _name: &str) -> Result<bool, OutputError> {
        Ok(false)
    }

    /// Removes the file `name` directly in this one, if it is there.
    pub fn remove_child_file(&self, name: &str) -> Result<(), OutputError> {
        crash_point();
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => {
                self.changed("");
                Ok(())
            }
            Err(Errno::NOENT) => Ok(()),
            Err(errno) => Err(OutputError::io(&self.path.join(name), errno.into())),
        }
    }
}

/// `a/b/c` -> (`a/b`, `c`); `c` -> (``, `c`).
/// A file's stamp ([`Tree::stamp`]) from its status.
pub(crate) fn stamp_of(stat: &rustix::fs::Stat) -> String {
    // The fields' types differ between platforms.
    #[allow(clippy::unnecessary_cast)]
    let stamp = format!(
        "{}:{}:{}.{}:{}",
        stat.st_dev as u64, stat.st_ino as u64, stat.st_ctime as i64, stat.st_ctime_nsec as i64, stat.st_size as i64
    );
    stamp
}

/// Whether the directory `dir` holds `relative`, directly or further down.
fn is_above(dir: &str, relative: &str) -> bool {
    relative.len() > dir.len() && relative.starts_with(dir) && relative.as_bytes()[dir.len()] == b'/'
}

fn split(relative: &str) -> (&str, &str) {
    relative.rsplit_once('/').unwrap_or(("", relative))
}

/// Turns a failed open into a precise error: a link is refused by name.
fn classify(path: &Path, errno: Errno, kind: impl FnOnce() -> Option<FileType>) -> OutputError {
    let shown = path.display().to_string();
    match (errno, kind()) {
        (_, Some(FileType::Symlink)) => OutputError::Link { path: shown },
        (Errno::NOTDIR | Errno::ISDIR | Errno::LOOP, Some(kind)) => {
            OutputError::Refused { path: shown, message: not_a_file(kind) }
        }
        _ => OutputError::io(path, errno.into()),
    }
}

fn not_a_file(kind: FileType) -> String {
    let what = match kind {
        FileType::RegularFile => "a file",
        FileType::Directory => "a directory",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice | FileType::BlockDevice => "a device",
        _ => "something other than a file",
    };
    format!("{what} stands where infragen keeps a generated file or directory\n  = help: move it away, then run again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_each_directory_once_for_paths_in_sorted_order() {
        let temp = tempfile::tempdir().expect("tempdir");
        let mut tree = Tree::open(temp.path()).expect("open").expect("exists");
        let mut paths = Vec::new();
        for root in ["dev", "dev-b", "prod"] {
            paths.push(format!("{root}/main.tf"));
            for module in ["alb", "ecs", "network", "rds", "waf"] {
                paths.push(format!("{root}/modules/{module}/main.tf"));
                paths.push(format!("{root}/modules/{module}/variables.tf"));
            }
        }
        paths.sort();
        let mut opened = BTreeSet::new();
        for path in &paths {
            let before: BTreeSet<String> = tree.dirs.keys().cloned().collect();
            drop(tree.create_file(path, b"# x\n").expect("create"));
            for dir in tree.dirs.keys().filter(|dir| !before.contains(*dir)) {
                assert!(opened.insert(dir.clone()), "{dir} opened again");
            }
            assert!(tree.dirs.len() <= MAX_OPEN_DIRS);
        }
        // Every directory: three roots, their `modules/` and five modules each.
        assert_eq!(opened.len(), 3 * 7);
        assert!(is_above("dev", "dev/modules") && is_above("dev/modules", "dev/modules/alb"));
        assert!(!is_above("dev", "dev-b/modules") && !is_above("dev", "dev") && !is_above("dev/m", "dev/modules"));
    }

    #[test]
    fn keeps_few_directories_open_and_syncs_every_one_it_changed() {
        let temp = tempfile::tempdir().expect("tempdir");
        let mut tree = Tree::open(temp.path()).expect("open").expect("exists");
        for i in 0..200 {
            drop(tree.create_file(&format!("e{i:03}/modules/m/main.tf"), b"# x\n").expect("create"));
            assert!(tree.dirs.len() <= MAX_OPEN_DIRS);
        }
        // Each file's directory, each directory made, and the top: all of them changed.
        assert_eq!(tree.changed.borrow().len(), 1 + 200 * 3);
        tree.sync_dirs().expect("sync");
        assert!(tree.changed.borrow().is_empty());

        // A removal changes the directory it leaves, and the ones it empties go with it.
        assert!(tree.remove_file("e007/modules/m/main.tf").expect("remove"));
        assert_eq!(tree.changed.borrow().iter().cloned().collect::<Vec<_>>(), [""]);
        assert!(!temp.path().join("e007").exists());
        tree.sync_dirs().expect("sync");
        // A directory removed after it changed is not synced, nor an error.
        drop(tree.create_file("e008/modules/m/other.tf", b"# y\n").expect("create"));
        tree.remove_file("e008/modules/m/other.tf").expect("remove");
        tree.sync_dirs().expect("sync");
        assert_eq!(std::fs::read_to_string(temp.path().join("e008/modules/m/main.tf")).expect("read"), "# x\n");
    }
}
