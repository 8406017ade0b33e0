//! One run at a time in an output directory.
//!
//! The lock is an advisory `flock` on `.infragen.lock` in the output directory, held from
//! before the old tree is read until the new one is in place; the kernel releases it when
//! the process ends, however it ends, so a crashed run never leaves a stale lock. A lock
//! file (rather than a lock on the directory itself) also works where `flock` needs a file
//! opened for writing (NFS). The file stays: removing it would let two runs lock two
//! different files. Taking the lock finishes or rolls back what an interrupted run left.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::{FlockOperation, Mode, OFlags};
use rustix::io::Errno;

use super::tree::Tree;
use super::{OutputError, journal};

/// The lock file, at the top of the output directory. It is always empty.
pub const LOCK_FILE: &str = ".infragen.lock";

/// How long a run waits for another by default, and after how long it says so.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);
const SAY_AFTER: Duration = Duration::from_secs(1);

/// The exclusive lock on an output directory, and the directory, opened without following
/// a link. Dropping it releases the lock.
#[derive(Debug)]
pub struct OutputLock {
    tree: Tree,
    _file: Option<OwnedFd>,
}

impl OutputLock {
    /// Locks `out` (created first when `create` is set, else `None` when it is missing),
    /// waiting up to `INFRAGEN_LOCK_TIMEOUT` seconds (30 by default) for another run and
    /// calling `waiting` once with a message when that takes over a second. Then finishes
    /// or rolls back an interrupted earlier run.
    pub fn acquire(out: &Path, create: bool, waiting: &mut dyn FnMut(&str)) -> Result<Option<OutputLock>, OutputError> {
        let tree = if create { Some(Tree::create(out)?) } else { Tree::open(out)? };
        let Some(mut tree) = tree else { return Ok(None) };
        let file = open_lock_file(&tree, create)?;
        if let Some(file) = &file {
            let wait = std::env::var("INFRAGEN_LOCK_TIMEOUT")
                .ok()
                .and_then(|s| s.parse().ok())
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_WAIT);
            let start = Instant::now();
            let mut said = false;
            loop {
                match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
                    Ok(()) => break,
                    Err(Errno::WOULDBLOCK | Errno::INTR) => {}
                    Err(errno) => return Err(OutputError::io(&tree.shown(LOCK_FILE), errno.into())),
                }
                let waited = start.elapsed();
                if waited >= wait {
                    return Err(OutputError::Busy { dir: out.display().to_string(), seconds: wait.as_secs() });
                }
                if waited >= SAY_AFTER && !said {
                    said = true;
                    waiting(&format!(
                        "waiting for another infragen run to finish writing {} (up to {} s)",
                        out.display(),
                        wait.as_secs()
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        journal::recover(&mut tree)?;
        Ok(Some(OutputLock { tree, _file: file }))
    }

    pub(super) fn tree(&mut self) -> &mut Tree {
        &mut self.tree
    }

    /// The locked directory.
    pub fn path(&self) -> &Path {
        self.tree.path()
    }
}

/// Opens (creating) the lock file, never through a link. A directory that cannot be
/// written (a read-only checkout that `gen --check` reads) needs no lock: nobody can write
/// into it, so `None` then, unless `create` (writing) was asked for.
fn open_lock_file(tree: &Tree, create: bool) -> Result<Option<OwnedFd>, OutputError> {
    let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let shown = tree.shown(LOCK_FILE);
    let opened = match rustix::fs::openat(tree.fd(), LOCK_FILE, flags, Mode::from_raw_mode(0o666)) {
        Err(Errno::ACCESS | Errno::ROFS | Errno::PERM) if !create => {
            match rustix::fs::openat(
                tree.fd(),
                LOCK_FILE,
                OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
                Mode::empty(),
            ) {
                Err(Errno::NOENT | Errno::ACCESS) => return Ok(None),
                other => other,
            }
        }
        other => other,
    };
    let fd = match opened {
        Ok(fd) => fd,
        Err(Errno::LOOP) => return Err(OutputError::Link { path: shown.display().to_string() }),
        Err(Errno::ISDIR) => {
            return Err(OutputError::Refused {
                path: shown.display().to_string(),
                message:
                    "is a directory; infragen keeps its (empty) lock file here\n  = help: move it away, then run again"
                        .into(),
            });
        }
        Err(errno) => return Err(OutputError::io(&shown, errno.into())),
    };
    let stat = rustix::fs::fstat(&fd).map_err(|e| OutputError::io(&shown, e.into()))?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
        return Err(OutputError::Refused {
            path: shown.display().to_string(),
            message: "is not a regular file; infragen keeps its (empty) lock file here\n  = help: move it away, then run again".into(),
        });
    }
    Ok(Some(fd))
}
