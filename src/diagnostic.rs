//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Every problem with user input becomes a [`Diagnostic`] that names the field path, the
//! file and position when the parser knows them, what was expected, and a separate hint.
//! They are rendered the way rustc renders its errors:
//!
//! ```text
//! error: `network.subnets.public[1]` (10.1.0.0/24) is outside `network.vpc_cidr` (10.0.0.0/16)
//!   --> environments/dev.toml:14:28
//!    |
//! 14 | public = ["10.0.0.0/24", "10.1.0.0/24"]
//!    |                          ^^^^^^^^^^^^^
//!    = help: pick a range inside 10.0.0.0/16
//! ```

use std::fmt;
use std::ops::Range;

/// How bad a diagnostic is. Errors stop the run; warnings are printed and the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A source text that diagnostics can point into.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to the user, e.g. `environments/dev.toml`.
    pub name: String,
    pub text: String,
    /// The byte offset where each line starts, so that locating a value costs a binary
    /// search, not a scan of the file: `show` locates every value of a file.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { name: name.into(), text, line_starts }
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset).max(1)
    }

    /// Resolves a byte span into a location with 1-based line and column (in characters).
    pub fn locate(&self, span: Range<usize>) -> Location {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let end = floor_char_boundary(&self.text, span.end.clamp(start, self.text.len()));
        let line = self.line_of(start);
        let line_start = self.line_starts[line - 1];
        let line_end = self.line_starts.get(line).map_or(self.text.len(), |next| next - 1);
        let column = self.text[line_start..start].chars().count() + 1;
        let line_text = self.text[line_start..line_end].trim_end_matches('\r').to_string();
        // A span running past the end of its line is underlined up to the line's end.
        let underline_end = end.min(line_end);
        let width = self.text[start..underline_end].chars().count().max(1);
        Location { file: self.name.clone(), line, column, line_text, width }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A resolved position in a source file, with the text of its line for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub line_text: String,
    /// How many characters to underline.
    pub width: usize,
}

/// One problem, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// What is wrong, in one sentence, naming the field path.
    pub message: String,
    /// Where the offending value was written, when it was written in a file.
    pub location: Option<Location>,
    /// Where the value came from when it was not written in a file (a default, a preset...).
    pub notes: Vec<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), location: None, notes: Vec::new(), help: None }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic with every occurrence of `secrets` replaced, in its message,
    /// its source line, its notes and its help: a suspected credential is never repeated.
    pub fn redact(mut self, secrets: &[String]) -> Self {
        let hide = |text: &mut String| {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                if text.contains(secret.as_str()) {
                    *text = text.replace(secret.as_str(), "<not shown>");
                }
            }
        };
        hide(&mut self.message);
        if let Some(location) = &mut self.location {
            hide(&mut location.line_text);
            hide(&mut location.file);
            location.width = location.width.min(location.line_text.chars().count().max(1));
        }
        self.notes.iter_mut().for_each(hide);
        if let Some(help) = &mut self.help {
            hide(help);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", shorten(&self.message, MAX_MESSAGE_CHARS))?;
        let gutter = self.location.as_ref().map_or(1, |l| l.line.to_string().len());
        let pad = " ".repeat(gutter);
        if let Some(loc) = &self.location {
            writeln!(f, "{pad}--> {}:{}:{}", shorten(&loc.file, MAX_MESSAGE_CHARS), loc.line, loc.column)?;
            writeln!(f, "{pad} |")?;
            let (shown, lead, width) = source_window(loc);
            writeln!(f, "{} | {shown}", loc.line)?;
            writeln!(f, "{pad} | {lead}{}", "^".repeat(width))?;
        }
        for note in &self.notes {
            writeln!(f, "{pad} = note: {}", shorten(note, MAX_MESSAGE_CHARS))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{pad} = help: {}", shorten(help, MAX_MESSAGE_CHARS))?;
        }
        Ok(())
    }
}

/// Longest source line shown whole; a longer one is shown as a window around the span.
const MAX_SOURCE_CHARS: usize = 100;
/// Longest message, note or help shown whole: one may quote a value of any length.
const MAX_MESSAGE_CHARS: usize = 1_000;
/// Diagnostics shown of one run; the rest are counted. A file that repeats one mistake
/// thousands of times needs its first few fixed, not a gigabyte of output.
pub const MAX_SHOWN: usize = 50;

/// `text` cut to `limit` characters, with an ellipsis where it was cut.
fn shorten(text: &str, limit: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

/// The part of the source line to show, the characters before the caret (tabs kept, so
/// the caret lines up) and the caret's width: the whole line when it is short, else a
/// window of `MAX_SOURCE_CHARS` around the start of the span, marked with ellipses.
fn source_window(loc: &Location) -> (String, String, usize) {
    let chars: Vec<char> = loc.line_text.chars().collect();
    let column = loc.column.saturating_sub(1).min(chars.len());
    let (start, end) = if chars.len() <= MAX_SOURCE_CHARS {
        (0, chars.len())
    } else {
        let start = column.saturating_sub(MAX_SOURCE_CHARS / 3).min(chars.len() - MAX_SOURCE_CHARS);
        (start, start + MAX_SOURCE_CHARS)
    };
    let mut shown: String = chars[start..end].iter().collect();
    let mut lead: String = chars[start..column].iter().map(|c| if *c == '\t' { '\t' } else { ' ' }).collect();
    if start > 0 {
        shown.insert(0, '…');
        lead.insert(0, ' ');
    }
    if end < chars.len() {
        shown.push('…');
    }
    let width = loc.width.min(end.saturating_sub(column)).max(1);
    (shown, lead, width)
}

/// A list of diagnostics that stopped a run (at least one of them an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0.iter().take(MAX_SHOWN) {
            writeln!(f, "{d}")?;
        }
        if self.0.len() > MAX_SHOWN {
            let more = self.0.len() - MAX_SHOWN;
            writeln!(f, "... and {more} more (the first {MAX_SHOWN} are shown; fix them and run again)\n")?;
        }
        let errors = self.error_count();
        write!(f, "{errors} error{} found", if errors == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// The closest candidates to a misspelled name, for a "did you mean" hint.
pub fn did_you_mean<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(typed, c), c))
        .filter(|(distance, c)| *distance <= (typed.len().max(c.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc_with_caret_under_the_span() {
        let file = SourceFile::new("environments/dev.toml", "a = 1\nvpc_cdir = \"x\"\n");
        let d = Diagnostic::error("unknown key `vpc_cdir` in `network`")
            .at(Some(file.locate(6..14)))
            .help("did you mean `vpc_cidr`?");
        assert_eq!(
            d.to_string(),
            "error: unknown key `vpc_cdir` in `network`\n \
             --> environments/dev.toml:2:1\n  |\n2 | vpc_cdir = \"x\"\n  | ^^^^^^^^\n  = help: did you mean `vpc_cidr`?\n"
        );
    }

    #[test]
    fn locate_counts_characters_not_bytes() {
        let file = SourceFile::new("f", "name = \"é\" # x\nb = 2");
        let loc = file.locate(12..13);
        assert_eq!((loc.line, loc.column), (1, 12));
        let loc = file.locate(16..17);
        assert_eq!((loc.line, loc.column, loc.line_text.as_str()), (2, 1, "b = 2"));
    }

    #[test]
    fn locate_never_panics_on_odd_spans() {
        let file = SourceFile::new("f", "é\n");
        // Reversed spans are deliberate: spans come from parsers and must never crash us.
        for (start, end) in [(0, 0), (1, 1), (5, 2), (100, 200), (2, 1)] {
            let _ = file.locate(start..end);
        }
    }

    #[test]
    fn did_you_mean_finds_close_names_only() {
        let names = ["vpc_cidr", "azs", "nat", "subnets"];
        assert_eq!(did_you_mean("vpc_cdir", names), Some("vpc_cidr"));
        assert_eq!(did_you_mean("subnet", names), Some("subnets"));
        assert_eq!(did_you_mean("region", names), None);
    }
}
