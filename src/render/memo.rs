//! The `.tf` files that the roots of one run share, formatted and parsed once.
//!
//! Environments rendered from the same templates differ mostly in names, and the root's
//! `main.tf` hands those to the modules: most module files come out of the templates with
//! the same text in every environment, and differ only in the header line that names the
//! environment file. Formatting such a file, and parsing it (to check it, and to read a
//! module's interface for its README), is most of the cost of a render. Done once per
//! distinct text, a run over many environments is left with the templates and the writes.
//!
//! Why the result is the same as formatting each file on its own: a header is one comment
//! line of plain characters (see [`plain_header`]), and the formatter writes a comment line
//! as it is and formats what follows it the same whatever the comment says. The formatted
//! file is therefore the header line followed by a text that depends on the template's
//! output alone; that text is what is kept, and it is kept only when the formatted file
//! indeed starts with the header line. Whether a file parses does not depend on what its
//! first comment says either. Tests compare shared and separate renders byte for byte.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::format::{self, TopLevelBlock};
use super::interface::Interface;
use super::{Finished, RenderError};

/// At most this many bytes of templates' output and formatted text are kept, so that a run
/// over many environments that share nothing does not grow without bound; past it, files
/// are formatted on their own, as they would be without the memo. Two environments of the
/// shipped kind need about a megabyte.
const MAX_BYTES: usize = 8 << 20;

/// What the roots rendered by one [`super::Renderer`] share.
#[derive(Default)]
pub(super) struct Memo {
    state: Mutex<State>,
    /// How many environment roots began rendering ([`Memo::begin_root`]).
    roots: AtomicUsize,
}

#[derive(Default)]
struct State {
    /// By the template's output, before the header.
    files: HashMap<String, Arc<SharedFile>>,
    /// A module's interface by the files it was read from.
    interfaces: HashMap<InterfaceKey, Interface>,
    bytes: usize,
}

/// The memo's `variables.tf` and `outputs.tf` of a module (`None`: the module lacks it).
pub(super) type InterfaceKey = (Option<usize>, Option<usize>);

/// A formatted `.tf` file that roots share.
#[derive(Debug)]
pub(super) struct SharedFile {
    /// Tells the files apart in the key of an interface.
    pub(super) id: usize,
    /// The formatted file after its header line.
    after_header: String,
    blocks: Arc<[TopLevelBlock]>,
    /// Whether hcl-edit has parsed the file (under some header): then no root needs to
    /// parse it again.
    parsed: AtomicBool,
}

impl SharedFile {
    /// Records that hcl-edit parsed the file.
    pub(super) fn mark_parsed(&self) {
        self.parsed.store(true, Ordering::Release);
    }

    /// Whether hcl-edit has parsed the file, in any root.
    pub(super) fn is_parsed(&self) -> bool {
        self.parsed.load(Ordering::Acquire)
    }
}

impl Memo {
    /// Counts an environment root that begins rendering: the how-manieth it is, from 0.
    pub(super) fn begin_root(&self) -> usize {
        self.roots.fetch_add(1, Ordering::Relaxed)
    }

    /// The `.tf` file at `path` in its final form: `body`, the template's output, under the
    /// comment `header`, formatted (see [`format::canonicalize`]). A file another root
    /// already had comes from the memo, and is parsed here unless it already was (by
    /// the root that had it first, in its check before writing, or here by another): a
    /// shared file is parsed once, for every root that has it.
    pub(super) fn finish_tf(&self, path: &str, header: &str, body: &str) -> Result<Finished, RenderError> {
        if !plain_header(header) {
            return alone(path, header, body);
        }
        let header_line = format!("# {header}\n");
        let known = self.state().files.get(body).cloned();
        let Some(shared) = known else {
            let mut finished = alone(path, header, body)?;
            let shared = finished.text.strip_prefix(&header_line).and_then(|after| self.insert(body, after, &finished));
            finished.shared = shared;
            return Ok(finished);
        };
        let mut text = String::with_capacity(header_line.len() + shared.after_header.len());
        text.push_str(&header_line);
        text.push_str(&shared.after_header);
        if !shared.is_parsed() {
            super::check_parses(path, &text)?;
            shared.mark_parsed();
        }
        Ok(Finished { text, blocks: Some(Arc::clone(&shared.blocks)), parsed: true, shared: Some(shared) })
    }

    /// The interface of a module whose `variables.tf` and `outputs.tf` are the memo's
    /// files `key` (by [`SharedFile::id`], `None` for a file the module lacks; no key when
    /// either is not shared): from the memo when another root had the same files,
    /// otherwise `read`.
    pub(super) fn interface(
        &self,
        key: Option<InterfaceKey>,
        read: impl FnOnce() -> Result<Interface, RenderError>,
    ) -> Result<Interface, RenderError> {
        if let Some(known) = key.and_then(|key| self.state().interfaces.get(&key).cloned()) {
            return Ok(known);
        }
        let interface = read()?;
        if let Some(key) = key {
            self.state().interfaces.entry(key).or_insert_with(|| interface.clone());
        }
        Ok(interface)
    }

    fn insert(&self, body: &str, after_header: &str, finished: &Finished) -> Option<Arc<SharedFile>> {
        let mut state = self.state();
        let bytes = body.len() + after_header.len();
        if state.bytes + bytes > MAX_BYTES {
            return None;
        }
        let id = state.files.len();
        let shared = Arc::clone(state.files.entry(body.to_string()).or_insert_with(|| {
            Arc::new(SharedFile {
                id,
                after_header: after_header.to_string(),
                blocks: finished.blocks.clone().unwrap_or_default(),
                parsed: AtomicBool::new(false),
            })
        }));
        if shared.id == id {
            state.bytes += bytes;
        }
        Some(shared)
    }

    /// The memo's state. A panic elsewhere while it was held leaves nothing half-done
    /// (entries are whole when inserted), so a poisoned lock is used as it is.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Formats a file on its own.
fn alone(path: &str, header: &str, body: &str) -> Result<Finished, RenderError> {
    let canonical = format::canonicalize(&format!("# {header}\n\n{body}"))
        .map_err(|source| RenderError::Format { file: path.to_string(), source })?;
    Ok(Finished { text: canonical.text, blocks: Some(canonical.blocks.into()), parsed: false, shared: None })
}

/// Whether `header` makes one comment line that the formatter leaves as it is: no line
/// break or other control character, no space at its end, nothing bidirectional. The
/// headers infragen writes always are (environment files' names are restricted to plain
/// characters, see `Workspace::display_name`); any other is formatted on its own.
fn plain_header(header: &str) -> bool {
    !header.ends_with(char::is_whitespace) && !header.chars().any(|c| c.is_control() || super::hcl::is_bidi(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "resource \"aws_s3_bucket\" \"this\" {\n  bucket =   \"b\"\n   tags = {}\n}\n";

    fn alone_text(header: &str, body: &str) -> String {
        format::canonicalize(&format!("# {header}\n\n{body}")).expect("formats").text
    }

    #[test]
    fn a_file_another_root_had_comes_formatted_under_its_own_header_and_parsed() {
        let memo = Memo::default();
        let first = memo.finish_tf("dev/main.tf", "from a/dev.toml", BODY).expect("formats");
        assert_eq!(first.text, alone_text("from a/dev.toml", BODY));
        // The first root's file is checked when it is written, like any other.
        assert!(!first.parsed && first.shared.is_some());
        let second = memo.finish_tf("other/main.tf", "from b/other.toml", BODY).expect("formats");
        assert_eq!(second.text, alone_text("from b/other.toml", BODY));
        assert_eq!(second.blocks, first.blocks);
        assert!(second.parsed);
        assert_eq!(second.shared.as_ref().map(|s| s.id), first.shared.as_ref().map(|s| s.id));
        let other = memo.finish_tf("dev/b.tf", "from a/dev.toml", "b = 1\n").expect("formats");
        assert_ne!(other.shared.map(|s| s.id), first.shared.map(|s| s.id));
    }

    #[test]
    fn a_shared_file_that_does_not_parse_fails_in_the_root_that_shares_it() {
        // The formatter takes what the parser refuses; nothing that does not parse may
        // reach the disk, shared or not.
        let memo = Memo::default();
        let first = memo.finish_tf("dev/main.tf", "h", "a = 1 2\n").expect("formats");
        assert!(!first.parsed);
        let error = memo.finish_tf("prod/main.tf", "h", "a = 1 2\n").err().expect("refused");
        assert!(matches!(&error, RenderError::Parse { file, .. } if file == "prod/main.tf"), "{error}");
        assert!(memo.finish_tf("prod/main.tf", "h", "a = 1 2\n").is_err());
    }

    #[test]
    fn a_header_that_is_not_one_plain_line_is_formatted_alone() {
        let memo = Memo::default();
        for header in ["trailing space ", "two\nlines", "a \u{202E}b", "tab\there"] {
            let finished = memo.finish_tf("dev/main.tf", header, BODY).expect("formats");
            assert!(finished.shared.is_none() && !finished.parsed, "{header:?}");
            assert_eq!(finished.text, alone_text(header, BODY));
        }
        assert!(memo.state().files.is_empty());
    }

    #[test]
    fn a_module_interface_is_read_once_per_pair_of_files() {
        let memo = Memo::default();
        let [a, b] = ["a = 1\n", "b = 1\n"].map(|body| memo.finish_tf("x.tf", "h", body).expect("formats").shared);
        let (a, b) = (a.expect("shared").id, b.expect("shared").id);
        let mut reads = 0;
        let mut read = || {
            reads += 1;
            Ok(Interface::default())
        };
        memo.interface(Some((Some(a), Some(b))), &mut read).expect("reads");
        memo.interface(Some((Some(a), Some(b))), &mut read).expect("reads");
        memo.interface(Some((Some(a), None)), &mut read).expect("reads");
        // A file that is not shared cannot be told apart from another: always read.
        memo.interface(None, &mut read).expect("reads");
        memo.interface(None, &mut read).expect("reads");
        assert_eq!(reads, 4);
    }

    #[test]
    fn the_memo_stops_keeping_files_at_its_bound() {
        let memo = Memo::default();
        let big = format!("a = \"{}\"\n", "x".repeat(MAX_BYTES / 3));
        assert!(memo.finish_tf("a.tf", "h", &big).expect("formats").shared.is_some());
        let bigger = format!("b = \"{}\"\n", "x".repeat(MAX_BYTES / 3));
        let finished = memo.finish_tf("b.tf", "h", &bigger).expect("formats");
        assert!(finished.shared.is_none());
        assert_eq!(finished.text, alone_text("h", &bigger));
        assert!(memo.state().bytes <= MAX_BYTES);
    }
}
