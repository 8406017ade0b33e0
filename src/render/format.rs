//! The `terraform fmt` formatting pass, plus our own blank-line hygiene.
//!
//! [`format_hcl`] is a port of `hclwrite.Format` from HashiCorp's HCL v2.14
//! (`hclwrite/format.go`), which is what `terraform fmt` applies. Like the
//! original it works on a flat token stream rather than a syntax tree:
//!
//! 1. `lex_config` tokenizes the source the way `hclsyntax.LexConfig` does
//!    (same token boundaries and token types, see `TokenType`);
//! 2. `lines_for_format` splits the tokens into lines and each line into
//!    up to three cells: `lead`, `assign` (from an attribute's `=` on) and a
//!    trailing `comment`;
//! 3. `format_indent`, `format_spaces` and `format_cells` rewrite only
//!    the number of spaces before each token: indentation, spacing between
//!    tokens, and vertical alignment of `=` and of trailing comments.
//!
//! Nothing but horizontal whitespace between tokens ever changes: no newline
//! is added or removed, and the bytes of every token (including string,
//! heredoc and comment contents) are written back verbatim.
//!
//! One deliberate extension over v2.14: `::` is lexed as a single token and
//! never spaced (as HCL v2.20+ does for provider-defined functions such as
//! `provider::aws::arn_parse(...)`). HCL v2.14 rejects that syntax, so no
//! input it considers valid is formatted differently; v2.14's own output for
//! it (`provider : : aws`) would not parse anywhere.
//!
//! Where `hclwrite.Format` silently formats input the HCL lexer reports as
//! invalid (bad characters, unterminated strings, heredocs and comments,
//! unbalanced template sequences), we return a [`FormatError`] instead.

use std::ops::Range;

/// A position in the source (1-based line and column, the column counted in
/// characters) and what is wrong there.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{line}:{column}: {message}")]
pub struct FormatError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl FormatError {
    fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        let before = source.get(..offset).unwrap_or(source);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        FormatError { line: before.matches('\n').count() + 1, column, message: message.into() }
    }
}

/// Formats HCL source exactly as `terraform fmt` (hclwrite.Format) would.
pub fn format_hcl(source: &str) -> Result<String, FormatError> {
    let mut tokens = lex_config(source)?;
    format_tokens(&mut tokens);
    Ok(write_tokens(&tokens))
}

/// Sets the spaces before every token as `hclwrite.Format` does; nothing else changes.
fn format_tokens(tokens: &mut [Token<'_>]) {
    let lines = lines_for_format(tokens);
    format_indent(tokens, &lines);
    format_spaces(tokens, &lines);
    format_cells(tokens, &lines);
}

/// Our own hygiene for template output, applied before `format_hcl`: collapses runs of
/// blank lines into one, drops blank lines right after a line that opens a block/object/list
/// (`{`, `[`, `(` at end of line) and right before a line that closes one, drops leading and
/// trailing blank lines of the file, and ends the file with exactly one newline.
/// Heredoc bodies are never touched.
///
/// Details: a line "opens" when its last token other than a comment is `{`, `[` or `(`,
/// and "closes" when its first token is `}`, `]` or `)`. Lines inside heredoc bodies
/// (including the closing marker) and inside multi-line `/* */` comments are kept
/// verbatim and never count as blank. A byte order mark is dropped, a blank line is
/// written as a bare line ending, and input with no non-blank line gives "".
pub fn tidy_blank_lines(source: &str) -> Result<String, FormatError> {
    let src = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let tokens = lex_config(src)?;
    Ok(tidied_text(src, &tidy_lines(src, &tokens)))
}

/// What [`tidy_blank_lines`] does to one line of the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineFate {
    /// Written as it is, with a newline added to a last line that has none.
    Kept,
    /// The first line of a run of blank lines that stays, written as a bare line ending.
    Blank,
    Dropped,
}

/// The fate of every line of `src` (as `split_inclusive('\n')` gives them), whose tokens
/// are `tokens`: the rules of [`tidy_blank_lines`].
fn tidy_lines(src: &str, tokens: &[Token<'_>]) -> Vec<LineFate> {
    let spans = verbatim_spans(tokens);
    let mut protected = spans.as_slice();

    let mut fates = Vec::new();
    // The first blank line of the current run, if any.
    let mut pending_blank: Option<usize> = None;
    // Whether the last line written opens a bracket; None before the first.
    let mut prev_opens: Option<bool> = None;
    let mut next_token = 0;
    let mut offset = 0;

    for line in src.split_inclusive('\n') {
        let line_start = offset;
        let line_end = offset + line.len();
        offset = line_end;

        // The significant tokens that start on this line.
        let mut first = None;
        let mut last = None;
        while let Some(tok) = tokens.get(next_token) {
            if tok.start >= line_end || tok.ty == TokenType::Eof {
                break;
            }
            if !matches!(tok.ty, TokenType::Newline | TokenType::Comment) {
                first = first.or(Some(tok.ty));
                last = Some(tok.ty);
            }
            next_token += 1;
        }

        while protected.first().is_some_and(|span| span.end <= line_start) {
            protected = protected.get(1..).unwrap_or(&[]);
        }
        let verbatim = protected.first().is_some_and(|span| span.contains(&line_start));
        let content = line.trim_end_matches(['\n', '\r']);
        if !verbatim && content.trim_matches([' ', '\t']).is_empty() {
            pending_blank = pending_blank.or(Some(fates.len()));
            fates.push(LineFate::Dropped);
            continue;
        }

        let opens = !verbatim && matches!(last, Some(TokenType::OBrace | TokenType::OBrack | TokenType::OParen));
        let closes = !verbatim && matches!(first, Some(TokenType::CBrace | TokenType::CBrack | TokenType::CParen));
        if let (Some(blank), Some(false)) = (pending_blank, prev_opens)
            && !closes
            && let Some(fate) = fates.get_mut(blank)
        {
            *fate = LineFate::Blank;
        }
        pending_blank = None;
        fates.push(LineFate::Kept);
        prev_opens = Some(opens);
    }
    fates
}

/// The text of `src` with its lines' `fates` applied.
fn tidied_text(src: &str, fates: &[LineFate]) -> String {
    let mut out = String::with_capacity(src.len() + 1);
    for (line, fate) in src.split_inclusive('\n').zip(fates) {
        match fate {
            LineFate::Kept => {
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push('\n');
                }
            }
            LineFate::Blank => out.push_str(if line.ends_with("\r\n") { "\r\n" } else { "\n" }),
            LineFate::Dropped => {}
        }
    }
    out
}

/// The tokens of `tidied_text(src, fates)`, made from the tokens of `src` without lexing
/// again: tidying only drops blank lines, whose one token is their line ending, and adds a
/// final newline. `None` where that newline would join a token: a last line that ends
/// in a `#` or `//` comment (which takes its line ending in).
fn tidied_tokens<'a>(src: &str, tokens: &[Token<'a>], fates: &[LineFate]) -> Option<Vec<Token<'a>>> {
    let mut tidied = Vec::with_capacity(tokens.len());
    let mut lines = src.split_inclusive('\n').zip(fates);
    let mut line_end = 0;
    let mut fate = LineFate::Kept;
    for tok in tokens {
        if tok.ty == TokenType::Eof {
            let mut eof = *tok;
            // The last line, when it has no line ending (else Eof starts no line).
            let unended = if src.ends_with('\n') { None } else { fates.last() };
            match unended {
                None => {}
                // A last line of spaces: dropped with them.
                Some(LineFate::Dropped) => eof.spaces_before = 0,
                Some(_) => {
                    let last = tidied.last().copied().unwrap_or(Token::NIL);
                    if last.ty == TokenType::Comment && !last.text.starts_with("/*") {
                        return None;
                    }
                    tidied.push(Token { ty: TokenType::Newline, start: src.len(), text: "\n", ..eof });
                    eof.spaces_before = 0;
                }
            }
            tidied.push(eof);
            break;
        }
        while tok.start >= line_end {
            let (line, line_fate) = lines.next()?;
            line_end += line.len();
            fate = *line_fate;
        }
        match fate {
            LineFate::Kept => tidied.push(*tok),
            // Its line ending alone, without the spaces before it.
            LineFate::Blank => tidied.push(Token { spaces_before: 0, ..*tok }),
            LineFate::Dropped => {}
        }
    }
    Some(tidied)
}

/// A generated `.tf` file in its final form ([`canonicalize`]), with its top-level blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    pub text: String,
    /// `top_level_blocks(&text)`, read off the tokens that were formatted into `text`:
    /// formatting changes only the spaces before tokens, never a token, so lexing `text`
    /// again would give the same tokens and the same blocks (a test pins it). Listing and
    /// counting resources reads these instead of lexing every file again and again.
    pub blocks: Vec<TopLevelBlock>,
}

/// `format_hcl(tidy_blank_lines(source))`, with the top-level blocks of the result: what
/// the renderer calls on every generated .tf file. The source is lexed once: tidying and
/// formatting work on the same tokens (a test pins that the result is the same).
pub fn canonicalize(source: &str) -> Result<Canonical, FormatError> {
    let src = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let tokens = lex_config(src)?;
    let fates = tidy_lines(src, &tokens);
    let canonical = |mut tokens: Vec<Token<'_>>| {
        let blocks = blocks_of(&tokens);
        format_tokens(&mut tokens);
        Canonical { text: write_tokens(&tokens), blocks }
    };
    match tidied_tokens(src, &tokens, &fates) {
        Some(tidied) => Ok(canonical(tidied)),
        None => {
            let tidy = tidied_text(src, &fates);
            Ok(canonical(lex_config(&tidy)?))
        }
    }
}

/// A block at the top level of an HCL file, as its header is written: its type and its
/// labels (a quoted label as written between the quotes, escapes and all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevelBlock {
    pub kind: String,
    pub labels: Vec<String>,
}

impl TopLevelBlock {
    /// `(type, name)` when the block is a `resource`.
    pub fn as_resource(&self) -> Option<(&str, &str)> {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [kind, name]) => Some((kind, name)),
            _ => None,
        }
    }
}

/// The blocks at the top level of an HCL file, from the lexer alone: what counting and
/// listing resources needs, several times faster than parsing the file. A file that does
/// not lex has none. Generated files come with theirs ([`Canonical::blocks`]); this is
/// for files read from disk.
pub fn top_level_blocks(source: &str) -> Vec<TopLevelBlock> {
    lex_config(source).map(|tokens| blocks_of(&tokens)).unwrap_or_default()
}

/// The top-level blocks in a file's tokens (see [`top_level_blocks`]).
fn blocks_of(tokens: &[Token<'_>]) -> Vec<TopLevelBlock> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut line_start = true;
    let mut i = 0;
    while i < tokens.len() {
        let tok = &tokens[i];
        if depth == 0 && line_start && tok.ty == TokenType::Ident {
            // `type "label" label {`: labels are quoted strings or identifiers.
            let mut labels = Vec::new();
            let mut j = i + 1;
            loop {
                match tokens.get(j).map(|t| t.ty) {
                    Some(TokenType::Ident) => {
                        labels.push(tokens[j].text);
                        j += 1;
                    }
                    Some(TokenType::OQuote) => match (tokens.get(j + 1), tokens.get(j + 2)) {
                        (Some(lit), Some(close)) if lit.ty == TokenType::QuotedLit && close.ty == TokenType::CQuote => {
                            labels.push(lit.text);
                            j += 3;
                        }
                        (Some(close), _) if close.ty == TokenType::CQuote => {
                            labels.push("");
                            j += 2;
                        }
                        _ => break,
                    },
                    _ => break,
                }
            }
            if tokens.get(j).is_some_and(|t| t.ty == TokenType::OBrace) {
                blocks.push(TopLevelBlock {
                    kind: tok.text.to_string(),
                    labels: labels.into_iter().map(str::to_string).collect(),
                });
            }
        }
        match tok.ty {
            TokenType::OBrace
            | TokenType::OBrack
            | TokenType::OParen
            | TokenType::OQuote
            | TokenType::OHeredoc
            | TokenType::TemplateInterp
            | TokenType::TemplateControl => depth += 1,
            TokenType::CBrace
            | TokenType::CBrack
            | TokenType::CParen
            | TokenType::CQuote
            | TokenType::CHeredoc
            | TokenType::TemplateSeqEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        line_start = tok.ty == TokenType::Newline || (tok.ty == TokenType::Comment && tok.text.ends_with('\n'));
        i += 1;
    }
    blocks
}

/// Byte ranges in which a line that starts there must be kept as it is:
/// heredoc bodies (through the closing marker line) and the continuation
/// lines of multi-line block comments. Sorted and non-overlapping.
fn verbatim_spans(tokens: &[Token<'_>]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut open_heredocs = Vec::new();
    for tok in tokens {
        match tok.ty {
            TokenType::OHeredoc => open_heredocs.push(tok.end()),
            TokenType::CHeredoc => {
                if let Some(body_start) = open_heredocs.pop() {
                    spans.push(body_start..tok.end());
                }
            }
            TokenType::Comment if tok.text.trim_end_matches(['\n', '\r']).contains('\n') => {
                spans.push(tok.start + 1..tok.end());
            }
            _ => {}
        }
    }
    // Heredocs nested in a heredoc's interpolation close first: merge them
    // into their outer span.
    spans.sort_by_key(|span| span.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

/// Token types, named after `hclsyntax.TokenType`. Types that hclsyntax's
/// scanner produces but reports as errors (`&`, `|`, `~`, `^`, `;`, quotes
/// other than `"`, invalid characters, newlines inside quoted strings) make
/// the lexer fail instead, so they have no variant here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenType {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,

    Star,
    Slash,
    Plus,
    Minus,
    Percent,

    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,

    And,
    Or,
    Bang,

    Dot,
    Comma,
    /// `::`, which hclsyntax only knows from v2.20 on.
    DoubleColon,
    Ellipsis,
    FatArrow,
    Question,
    Colon,

    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,

    /// Literal text of a quoted string (may contain backslash escapes).
    QuotedLit,
    /// Literal text of a heredoc (no escapes).
    StringLit,
    NumberLit,
    Ident,

    /// A `#` or `//` comment including its line ending, or a `/* */` comment.
    Comment,
    Newline,
    Eof,

    /// Placeholder for "no token", like hclwrite's `nilToken`.
    Nil,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    ty: TokenType,
    /// Byte offset of the token in the source.
    start: usize,
    text: &'a str,
    /// How many spaces to write before the token; the formatter's only output knob.
    spaces_before: usize,
}

impl Token<'_> {
    const NIL: Token<'static> = Token { ty: TokenType::Nil, start: 0, text: "", spaces_before: 0 };

    fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

fn write_tokens(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    for tok in tokens {
        out.extend(std::iter::repeat_n(' ', tok.spaces_before));
        out.push_str(tok.text);
    }
    out
}

// ---------------------------------------------------------------------------
// Lexer: a hand-written equivalent of hclsyntax's Ragel scanner (scan_tokens.rl)
// ---------------------------------------------------------------------------

/// The scanner's call stack: the Ragel machine `fcall`s into a template
/// scanner at `"` or `<<EOT`, and back into `main` at `${` / `%{`.
#[derive(Clone, Copy, Debug)]
enum Mode<'a> {
    /// Ordinary HCL tokens; `interp` is the offset of the `${`/`%{` that
    /// entered this mode (None for the top level).
    Main { interp: Option<usize> },
    /// Inside a quoted string opened at `open`.
    Quoted { open: usize },
    /// Inside a heredoc opened at `open`. `start_of_line` is true when the
    /// scanner is at the start of a body line, the only place the closing
    /// marker is recognised.
    Heredoc { marker: &'a str, open: usize, start_of_line: bool },
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// End of the previous token, to compute `spaces_before`.
    last_end: usize,
    tokens: Vec<Token<'a>>,
    modes: Vec<Mode<'a>>,
    /// Brace nesting depth, counting `{`, `${` and `%{`.
    braces: i64,
    /// Values of `braces` at which a `}` closes a template sequence rather
    /// than an object or block (hclsyntax's `retBraces`).
    ret_braces: Vec<i64>,
}

/// Tokenizes like `hclsyntax.LexConfig`, failing where it reports errors.
/// The result always ends with an `Eof` token.
fn lex_config(src: &str) -> Result<Vec<Token<'_>>, FormatError> {
    let mut lx = Lexer {
        src,
        // The scanner skips a UTF-8 byte order mark but still counts its
        // three bytes as spaces before the first token (which only ever
        // shows when that first token is EOF).
        pos: if src.starts_with('\u{FEFF}') { 3 } else { 0 },
        last_end: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Main { interp: None }],
        braces: 0,
        ret_braces: Vec::new(),
    };
    while lx.pos < src.len() {
        match lx.modes.last().copied() {
            Some(Mode::Main { .. }) | None => lx.scan_main()?,
            Some(Mode::Quoted { .. }) => lx.scan_quoted()?,
            Some(Mode::Heredoc { marker, .. }) => lx.scan_heredoc(marker)?,
        }
    }
    match lx.modes.last().copied() {
        Some(Mode::Main { interp: Some(open) }) => {
            return Err(lx.error_at(open, "unterminated template sequence (missing '}')"));
        }
        Some(Mode::Quoted { open }) => return Err(lx.error_at(open, "unterminated string")),
        Some(Mode::Heredoc { marker, open, .. }) => {
            return Err(lx.error_at(open, format!("unterminated heredoc (no closing {marker:?} line)")));
        }
        Some(Mode::Main { interp: None }) | None => {}
    }
    lx.emit(TokenType::Eof, 0);
    Ok(lx.tokens)
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn byte_at(&self, offset: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + offset).copied()
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> FormatError {
        FormatError::at(self.src, offset, message)
    }

    /// Emits a token of `len` bytes at the current position and moves past it.
    fn emit(&mut self, ty: TokenType, len: usize) {
        let start = self.pos;
        let end = (start + len).min(self.src.len());
        self.tokens.push(Token {
            ty,
            start,
            text: self.src.get(start..end).unwrap_or(""),
            // Only spaces and tabs are ever skipped, one byte each; hclwrite
            // takes the byte distance as the number of spaces.
            spaces_before: start.saturating_sub(self.last_end),
        });
        self.pos = end;
        self.last_end = end;
    }

    fn set_heredoc_start_of_line(&mut self, value: bool) {
        if let Some(Mode::Heredoc { start_of_line, .. }) =
            self.modes.iter_mut().rev().find(|m| matches!(m, Mode::Heredoc { .. }))
        {
            *start_of_line = value;
        }
    }

    /// `${` or `%{` (optionally followed by the `~` strip marker): enter `main`
    /// until the matching `}`.
    fn begin_template_sequence(&mut self, ty: TokenType) {
        let open = self.pos;
        let len = if self.byte_at(2) == Some(b'~') { 3 } else { 2 };
        self.emit(ty, len);
        self.braces += 1;
        self.ret_braces.push(self.braces);
        self.set_heredoc_start_of_line(false);
        self.modes.push(Mode::Main { interp: Some(open) });
    }

    /// `}` or `~}`: ends a template sequence when the brace depth matches the
    /// one recorded at its `${`, otherwise closes an object or block.
    fn close_brace(&mut self, len: usize) -> Result<(), FormatError> {
        if self.ret_braces.last() == Some(&self.braces) {
            self.emit(TokenType::TemplateSeqEnd, len);
            self.ret_braces.pop();
            self.modes.pop();
        } else if len == 2 {
            return Err(self.error_at(self.pos, "'~}' outside a template sequence"));
        } else {
            self.emit(TokenType::CBrace, len);
        }
        self.braces -= 1;
        Ok(())
    }

    fn scan_main(&mut self) -> Result<(), FormatError> {
        use TokenType as T;
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(());
        };
        let next = self.byte_at(1);
        match c {
            ' ' | '\t' => {
                let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                self.pos += n;
            }
            '\n' => self.emit(T::Newline, 1),
            '\r' if next == Some(b'\n') => self.emit(T::Newline, 2),
            '0'..='9' => self.emit(T::NumberLit, number_len(rest.as_bytes())),
            '#' => self.emit(T::Comment, line_comment_len(rest)),
            '/' if next == Some(b'/') => self.emit(T::Comment, line_comment_len(rest)),
            '/' if next == Some(b'*') => match rest.get(2..).and_then(|r| r.find("*/")) {
                Some(i) => self.emit(T::Comment, i + 4),
                None => return Err(self.error_at(self.pos, "unterminated comment")),
            },
            '"' => {
                let open = self.pos;
                self.emit(T::OQuote, 1);
                self.modes.push(Mode::Quoted { open });
            }
            '{' => {
                self.emit(T::OBrace, 1);
                self.braces += 1;
            }
            '}' => self.close_brace(1)?,
            '~' if next == Some(b'}') => self.close_brace(2)?,
            '<' => {
                if let Some((len, marker)) = heredoc_opener(rest) {
                    let open = self.pos;
                    self.emit(T::OHeredoc, len);
                    self.modes.push(Mode::Heredoc { marker, open, start_of_line: true });
                } else if next == Some(b'=') {
                    self.emit(T::LessThanEq, 2);
                } else {
                    self.emit(T::LessThan, 1);
                }
            }
            '>' if next == Some(b'=') => self.emit(T::GreaterThanEq, 2),
            '>' => self.emit(T::GreaterThan, 1),
            '=' if next == Some(b'=') => self.emit(T::EqualOp, 2),
            '=' if next == Some(b'>') => self.emit(T::FatArrow, 2),
            '=' => self.emit(T::Equal, 1),
            '!' if next == Some(b'=') => self.emit(T::NotEqual, 2),
            '!' => self.emit(T::Bang, 1),
            '&' if next == Some(b'&') => self.emit(T::And, 2),
            '|' if next == Some(b'|') => self.emit(T::Or, 2),
            ':' if next == Some(b':') => self.emit(T::DoubleColon, 2),
            ':' => self.emit(T::Colon, 1),
            '.' if rest.starts_with("...") => self.emit(T::Ellipsis, 3),
            '.' => self.emit(T::Dot, 1),
            '[' => self.emit(T::OBrack, 1),
            ']' => self.emit(T::CBrack, 1),
            '(' => self.emit(T::OParen, 1),
            ')' => self.emit(T::CParen, 1),
            ',' => self.emit(T::Comma, 1),
            '*' => self.emit(T::Star, 1),
            '/' => self.emit(T::Slash, 1),
            '%' => self.emit(T::Percent, 1),
            '+' => self.emit(T::Plus, 1),
            '-' => self.emit(T::Minus, 1),
            '?' => self.emit(T::Question, 1),
            c if is_id_start(c) => self.emit(T::Ident, ident_len(rest)),
            '&' | '|' | '~' | '^' => {
                return Err(self.error_at(self.pos, format!("unsupported operator {c:?}")));
            }
            '\'' => {
                return Err(self.error_at(self.pos, "invalid character '\\'' (strings use double quotes)"));
            }
            '\r' => return Err(self.error_at(self.pos, "carriage return without line feed")),
            c => return Err(self.error_at(self.pos, format!("invalid character {c:?}"))),
        }
        Ok(())
    }

    fn scan_quoted(&mut self) -> Result<(), FormatError> {
        let bytes = self.rest().as_bytes();
        match bytes {
            [b'"', ..] => {
                self.emit(TokenType::CQuote, 1);
                self.modes.pop();
            }
            [b'$', b'{', ..] => self.begin_template_sequence(TokenType::TemplateInterp),
            [b'%', b'{', ..] => self.begin_template_sequence(TokenType::TemplateControl),
            [b'\n' | b'\r', ..] => {
                let open = match self.modes.last() {
                    Some(Mode::Quoted { open }) => *open,
                    _ => self.pos,
                };
                return Err(
                    self.error_at(open, "unterminated string (quoted strings cannot span lines; use a heredoc)")
                );
            }
            _ => {
                // A run of literal text: stops at the closing quote, a line
                // break, or a `${`/`%{` that is not escaped as `$${`/`%%{`.
                // A backslash escapes the next character (so `\"` and `\${`
                // do not end the literal).
                let mut i = 0;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'"' | b'\n' | b'\r' => break,
                        b'\\' => match bytes.get(i + 1) {
                            Some(b'\n' | b'\r') | None => break,
                            Some(_) => i += 2,
                        },
                        b'$' | b'%' => match (bytes.get(i + 1), bytes.get(i + 2)) {
                            (Some(&b1), Some(b'{')) if b1 == b => i += 3,
                            (Some(b'{'), _) => break,
                            _ => i += 1,
                        },
                        _ => i += 1,
                    }
                }
                if i == 0 {
                    // Only a backslash at the end of the line or input.
                    return Err(self.error_at(self.pos, "unterminated string (trailing '\\')"));
                }
                self.emit(TokenType::QuotedLit, i);
            }
        }
        Ok(())
    }

    fn scan_heredoc(&mut self, marker: &str) -> Result<(), FormatError> {
        let bytes = self.rest().as_bytes();
        match bytes {
            [b'$', b'{', ..] => {
                self.begin_template_sequence(TokenType::TemplateInterp);
                return Ok(());
            }
            [b'%', b'{', ..] => {
                self.begin_template_sequence(TokenType::TemplateControl);
                return Ok(());
            }
            _ => {}
        }
        let start_of_line = matches!(self.modes.last(), Some(Mode::Heredoc { start_of_line: true, .. }));
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => {
                    let line = self.rest().get(..i).unwrap_or("");
                    if start_of_line && line.trim() == marker {
                        // The closing marker (with any surrounding spaces)
                        // and, as a separate token, the newline after it.
                        let nl = if line.ends_with('\r') { 2 } else { 1 };
                        self.emit(TokenType::CHeredoc, i + 1 - nl);
                        self.emit(TokenType::Newline, nl);
                        self.modes.pop();
                    } else {
                        self.emit(TokenType::StringLit, i + 1);
                        self.set_heredoc_start_of_line(true);
                    }
                    return Ok(());
                }
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                    return Err(self.error_at(self.pos + i, "carriage return without line feed in heredoc"));
                }
                b'$' | b'%' => match (bytes.get(i + 1), bytes.get(i + 2)) {
                    (Some(&b1), Some(b'{')) if b1 == b => i += 3,
                    (Some(b'{'), _) => break,
                    _ => i += 1,
                },
                _ => i += 1,
            }
        }
        // Text before a template sequence, or before the end of the input
        // (which then fails as an unterminated heredoc).
        self.emit(TokenType::StringLit, i);
        self.set_heredoc_start_of_line(false);
        Ok(())
    }
}

/// `NumberLit = digit (NumberLitContinue* (NumberLitContinue - '.'))?` where
/// a continuation is a digit, `.` or an exponent `e[+-]?digit`: the longest
/// such run that does not end in a dot (so `1.` is `1` then `.`).
fn number_len(bytes: &[u8]) -> usize {
    let mut i = 1;
    let mut good = 1;
    loop {
        match bytes.get(i) {
            Some(b'0'..=b'9') => {
                i += 1;
                good = i;
            }
            Some(b'.') => i += 1,
            Some(b'e' | b'E') => {
                let digit_at = if matches!(bytes.get(i + 1), Some(b'+' | b'-')) { i + 2 } else { i + 1 };
                if !matches!(bytes.get(digit_at), Some(b'0'..=b'9')) {
                    break;
                }
                i = digit_at + 1;
                good = i;
            }
            _ => break,
        }
    }
    good
}

/// A `#` or `//` comment runs through its line ending (`\n` or `\r\n`),
/// which is part of the token, or to the end of the input.
fn line_comment_len(rest: &str) -> usize {
    rest.find('\n').map_or(rest.len(), |i| i + 1)
}

/// `Ident = (ID_Start | '_') (ID_Continue | '-')*`.
fn ident_len(rest: &str) -> usize {
    // Nearly every identifier is ASCII: bytes first, characters only past the ASCII run.
    let bytes = rest.as_bytes();
    if bytes.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
        let ascii = bytes.iter().position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'));
        match ascii {
            None => return rest.len(),
            Some(end) if bytes[end].is_ascii() => return end,
            Some(end) => return end + ident_len_from(&rest[end..]),
        }
    }
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, c)) if is_id_start(c) => {}
        _ => return 0,
    }
    chars.find(|&(_, c)| !is_id_continue(c)).map_or(rest.len(), |(i, _)| i)
}

/// How many bytes at the start of `rest` continue an identifier.
fn ident_len_from(rest: &str) -> usize {
    rest.char_indices().find(|&(_, c)| !is_id_continue(c)).map_or(rest.len(), |(i, _)| i)
}

/// `<<` or `<<-`, an identifier and a line ending: the token length and the marker.
fn heredoc_opener(rest: &str) -> Option<(usize, &str)> {
    let after = rest.strip_prefix("<<")?;
    let after = after.strip_prefix('-').unwrap_or(after);
    let marker_len = ident_len(after);
    if marker_len == 0 {
        return None;
    }
    let (marker, tail) = after.split_at_checked(marker_len)?;
    let newline = if tail.starts_with('\n') {
        1
    } else if tail.starts_with("\r\n") {
        2
    } else {
        return None;
    };
    Some((rest.len() - tail.len() + newline, marker))
}

/// Unicode `ID_Start`, approximated from above for non-ASCII: every character
/// hclsyntax v2.14 accepts (Unicode 13 `ID_Start`) is accepted, plus a few
/// more; the extra ones can only appear in input HCL rejects anyway.
fn is_id_start(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic() || c == '_';
    }
    c.is_alphabetic() || matches!(c, '\u{1885}' | '\u{1886}' | '\u{2118}' | '\u{212E}' | '\u{309B}' | '\u{309C}')
}

/// `ID_Continue` or `-`, approximated from above like [`is_id_start`].
fn is_id_continue(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_' || c == '-';
    }
    is_id_start(c)
        || c.is_alphanumeric()
        || in_table(GRAPHEME_EXTEND, c)
        || matches!(
            c,
            '\u{00B7}'
                | '\u{0387}'
                | '\u{1369}'..='\u{1371}'
                | '\u{19DA}'
                | '\u{203F}'
                | '\u{2040}'
                | '\u{2054}'
                | '\u{FE33}'
                | '\u{FE34}'
                | '\u{FE4D}'..='\u{FE4F}'
                | '\u{FF3F}'
        )
}

// ---------------------------------------------------------------------------
// Formatter: hclwrite/format.go
// ---------------------------------------------------------------------------

/// One line of tokens split into cells, as index ranges into the token list.
/// `lead` is everything up to the others; `assign` starts at an attribute's
/// `=` (only when the rest of the line is bracket-balanced); `comment` is a
/// trailing comment on a line that has other tokens. The first token of each
/// cell is what gets aligned with neighbouring lines.
#[derive(Clone, Debug)]
struct FormatLine {
    lead: Range<usize>,
    assign: Option<Range<usize>>,
    comment: Option<Range<usize>>,
}

fn cell<'t, 'a>(tokens: &'t [Token<'a>], range: &Range<usize>) -> &'t [Token<'a>] {
    tokens.get(range.clone()).unwrap_or(&[])
}

fn set_spaces(tokens: &mut [Token<'_>], index: usize, spaces: usize) {
    if let Some(tok) = tokens.get_mut(index) {
        tok.spaces_before = spaces;
    }
}

/// `#` and `//` comments swallow their line ending, so they end a line too.
fn token_is_newline(tok: &Token<'_>) -> bool {
    match tok.ty {
        TokenType::Newline => true,
        TokenType::Comment => tok.text.ends_with('\n'),
        _ => false,
    }
}

/// Net bracket change; template sequences count as brackets.
fn token_bracket_change(ty: TokenType) -> i64 {
    use TokenType as T;
    match ty {
        T::OBrace | T::OBrack | T::OParen | T::TemplateControl | T::TemplateInterp => 1,
        T::CBrace | T::CBrack | T::CParen | T::TemplateSeqEnd => -1,
        _ => 0,
    }
}

fn lines_for_format(tokens: &[Token<'_>]) -> Vec<FormatLine> {
    // Put every token in the "lead" cell of its line first. The EOF token
    // belongs to no line; a heredoc is one line up to the newline after its
    // closing marker, since its body holds no newline tokens.
    let mut leads = Vec::new();
    let mut line_start = 0;
    let mut end = tokens.len();
    for (i, tok) in tokens.iter().enumerate() {
        if tok.ty == TokenType::Eof {
            end = i;
            break;
        }
        if token_is_newline(tok) {
            leads.push(line_start..i + 1);
            line_start = i + 1;
        }
    }
    leads.push(line_start..end);

    // Then move trailing comments and balanced attribute assignments out of
    // the lead into their own cells.
    leads
        .into_iter()
        .map(|mut lead| {
            let mut line = FormatLine { lead: lead.clone(), assign: None, comment: None };
            if lead.len() > 1 && cell(tokens, &lead).last().map(|t| t.ty) == Some(TokenType::Comment) {
                line.comment = Some(lead.end - 1..lead.end);
                lead.end -= 1;
            }
            let lead_tokens = cell(tokens, &lead);
            if let Some(i) = lead_tokens.iter().enumerate().position(|(i, t)| i > 0 && t.ty == TokenType::Equal) {
                // Only a whole expression goes into "assign": a net opening
                // bracket means a multi-line value starts here, and such a
                // line must not take part in `=` alignment.
                let net: i64 = lead_tokens.get(i..).unwrap_or(&[]).iter().map(|t| token_bracket_change(t.ty)).sum();
                if net == 0 {
                    line.assign = Some(lead.start + i..lead.end);
                    lead.end = lead.start + i;
                }
            }
            line.lead = lead;
            line
        })
        .collect()
}

/// Indentation: two spaces per entry of a stack of "indent levels". A line
/// with a net increase of open brackets pushes one level (remembering how
/// many brackets it opened), whatever the count; a line with a net decrease
/// pops levels until that many brackets are closed. The line that opens is
/// indented at the old level, a line that closes at the new one. Keeping
/// counts per level copes with lines like `foo({` (two opened, one level).
fn format_indent(tokens: &mut [Token<'_>], lines: &[FormatLine]) {
    let mut indents: Vec<i64> = Vec::with_capacity(10);
    for line in lines {
        let lead = cell(tokens, &line.lead);
        let Some(first) = lead.first() else {
            continue;
        };
        if first.ty == TokenType::Newline {
            // Blank line: never leave spaces before a newline.
            set_spaces(tokens, line.lead.start, 0);
            continue;
        }

        let mut net = 0;
        for tok in lead {
            net += token_bracket_change(tok.ty);
            if tok.ty == TokenType::OHeredoc {
                // The rest of the lead is heredoc content.
                break;
            }
        }
        if let Some(assign) = &line.assign {
            net += cell(tokens, assign).iter().map(|t| token_bracket_change(t.ty)).sum::<i64>();
        }

        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else {
                    break;
                };
                if closed >= *top {
                    closed -= *top;
                    indents.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        set_spaces(tokens, line.lead.start, 2 * indents.len());
        if net > 0 {
            indents.push(net);
        }
    }
}

/// Spacing between neighbouring tokens within the lead and assign cells.
fn format_spaces(tokens: &mut [Token<'_>], lines: &[FormatLine]) {
    for line in lines {
        if let Some(assign) = &line.assign {
            // The `=` always gets one space (alignment may widen it later).
            set_spaces(tokens, assign.start, 1);
        }
        for range in std::iter::once(&line.lead).chain(line.assign.as_ref()) {
            for i in range.clone() {
                if i + 1 >= range.end {
                    break;
                }
                let (Some(&subject), Some(&after)) = (tokens.get(i), tokens.get(i + 1)) else {
                    break;
                };
                let before =
                    if i > range.start { tokens.get(i - 1).copied().unwrap_or(Token::NIL) } else { Token::NIL };
                let spaces = usize::from(space_after_token(&subject, &before, &after));
                set_spaces(tokens, i + 1, spaces);
            }
        }
    }
}

/// Vertical alignment: in each run of consecutive lines that have an
/// "assign" cell, the `=` signs line up one column after the widest lead;
/// then in each run of consecutive lines with a trailing comment, the
/// comments line up one column after the widest lead+assign. Any line
/// without such a cell (blank, comment-only, block header, multi-line
/// value...) ends the run. Widths include indentation, so one run may span
/// lines at different nesting levels.
fn format_cells(tokens: &mut [Token<'_>], lines: &[FormatLine]) {
    fn align<'a>(
        tokens: &mut [Token<'a>],
        lines: &[FormatLine],
        cell_of: impl Fn(&FormatLine) -> Option<&Range<usize>>,
        width: impl Fn(&[Token<'a>], &FormatLine) -> usize,
    ) {
        let mut chain_start = None;
        let mut max_columns = 0;
        for i in 0..=lines.len() {
            let line = lines.get(i);
            if let Some(line) = line.filter(|l| cell_of(l).is_some()) {
                chain_start.get_or_insert(i);
                max_columns = max_columns.max(width(tokens, line));
                continue;
            }
            if let Some(start) = chain_start.take() {
                for chain_line in lines.get(start..i).unwrap_or(&[]) {
                    let columns = width(tokens, chain_line);
                    if let Some(range) = cell_of(chain_line) {
                        set_spaces(tokens, range.start, max_columns.saturating_sub(columns) + 1);
                    }
                }
                max_columns = 0;
            }
        }
    }

    // The "assign" cells first, since moving them also moves the comments.
    align(tokens, lines, |l| l.assign.as_ref(), |t, l| columns(cell(t, &l.lead)));
    align(
        tokens,
        lines,
        |l| l.comment.as_ref(),
        |t, l| columns(cell(t, &l.lead)) + l.assign.as_ref().map_or(0, |a| columns(cell(t, a))),
    );
}

/// Width of a token sequence: spaces plus grapheme clusters (as hclwrite's
/// `Tokens.Columns`, which also counts a newline inside a token as one).
fn columns(tokens: &[Token<'_>]) -> usize {
    tokens.iter().map(|t| t.spaces_before + grapheme_count(t.text)).sum()
}

/// Whether `subject` should have a space after it, given its neighbours
/// within the same cell (`before` is `Nil` for the first token of a cell).
/// The order of the cases matters: the first that matches decides.
fn space_after_token(subject: &Token<'_>, before: &Token<'_>, after: &Token<'_>) -> bool {
    use TokenType as T;
    let (s, a) = (subject.ty, after.ty);
    match () {
        // Never add spaces before a newline (trailing whitespace).
        _ if a == T::Newline || a == T::Nil => false,
        // Don't split a function name from the open paren of its call.
        _ if s == T::Ident && a == T::OParen => false,
        // Attribute access: `a.b`, `a.*.b`.
        _ if s == T::Dot || a == T::Dot => false,
        // Namespaces of provider-defined functions: `provider::aws::f`.
        _ if s == T::DoubleColon || a == T::DoubleColon => false,
        // No space right before a comma or the `...` of expansion/grouping.
        _ if a == T::Comma || a == T::Ellipsis => false,
        // Always a space after a comma.
        _ if s == T::Comma => true,
        // No extra spaces within templates: string and heredoc literals are
        // written exactly as they were.
        _ if matches!(s, T::QuotedLit | T::StringLit | T::OQuote | T::OHeredoc)
            || matches!(a, T::QuotedLit | T::StringLit | T::CQuote | T::CHeredoc) =>
        {
            false
        }
        // `for x in [foo]`: `in` is a keyword here, not a reference being
        // indexed, so keep it apart from the tuple constructor.
        _ if s == T::Ident && subject.text == "in" && before.ty == T::Ident => true,
        // Indexing: `foo[0]`, `foo()[0]`, `1[0]`.
        _ if a == T::OBrack && (s == T::Ident || s == T::NumberLit || token_bracket_change(s) < 0) => false,
        // Logical not: `!foo`.
        _ if s == T::Bang => false,
        // Minus is either subtraction (spaced) or negation (not): guess
        // negation when the token before cannot end an expression.
        _ if s == T::Minus => !matches!(
            before.ty,
            // Start of the cell.
            T::Nil
                // After an opening bracket or a separator.
                | T::OParen
                | T::OBrace
                | T::OBrack
                | T::Equal
                | T::Colon
                | T::Comma
                | T::Question
                // After another arithmetic operator.
                | T::Plus
                | T::Star
                | T::Slash
                | T::Percent
                | T::Minus
                // After a comparison operator.
                | T::EqualOp
                | T::NotEqual
                | T::GreaterThan
                | T::GreaterThanEq
                | T::LessThan
                | T::LessThanEq
                // After a logical operator (odd, but surely negation).
                | T::And
                | T::Or
                | T::Bang
        ),
        // Unlike other brackets, braces have spaces inside, for both
        // single-line blocks `foo { bar = baz }` and objects `{ a = b }`,
        // except that an empty pair stays `{}`.
        _ if s == T::OBrace || a == T::CBrace => !(s == T::OBrace && a == T::CBrace),
        // An interpolation that is just an object constructor: `${ {} }`.
        _ if matches!(s, T::TemplateInterp | T::TemplateControl) && a == T::OBrace => true,
        _ if s == T::CBrace && a == T::TemplateSeqEnd => true,
        // Adjacent template sequences stay together: `${a}${b}`.
        _ if s == T::TemplateSeqEnd && matches!(a, T::TemplateInterp | T::TemplateControl) => false,
        // No spaces after opening brackets (including `${` and `%{`)...
        _ if token_bracket_change(s) > 0 => false,
        // ... nor before closing ones.
        _ if token_bracket_change(a) < 0 => false,
        // Most tokens are space-separated.
        _ => true,
    }
}

// ---------------------------------------------------------------------------
// Grapheme clusters (for column widths), as go-textseg v13 counts them
// ---------------------------------------------------------------------------
//
// hclwrite measures widths with go-textseg, whose v13 grammar is not exactly
// UAX #29 (e.g. `ZWJ` + pictograph only glues after a Hangul, emoji or flag
// base, and `L LV T` is two clusters), so this follows that grammar instead
// of the standard. At each position the longest of these sequences is one
// cluster (a lone CR or LF, which match none, is one too):
//
//   Extension    = (Extend | SpacingMark | ZWJ | ZWJ ExtPict)*
//   CRLF         = CR LF
//   Control      = Control | U+FFFD
//   Hangul       = (L+ (((LV? V+ | LVT) T*)? | LV?) | LV V* T* | V+ T* | LVT T* | T+) Extension
//   Emoji        = ExtPict Extension
//   ZWJSeq       = ZWJ (ZWJ | Extend | SpacingMark)*
//   Flag         = RI RI? Extension
//   Other        = (any other character) (Extend | SpacingMark | ZWJ)*
//   PrependSeq   = Prepend+ (Hangul | Emoji | ZWJSeq | Flag | Other)?

/// Grapheme cluster classes. Extend and SpacingMark behave the same in
/// textseg's grammar, so they share `Extend`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GraphemeClass {
    Cr,
    Lf,
    Control,
    Extend,
    Zwj,
    RegionalIndicator,
    Prepend,
    ExtPict,
    L,
    V,
    T,
    Lv,
    Lvt,
    Other,
}

fn grapheme_class(c: char) -> GraphemeClass {
    use GraphemeClass as G;
    match c {
        '\r' => G::Cr,
        '\n' => G::Lf,
        ' '..='~' => G::Other,
        '\u{200D}' => G::Zwj,
        '\u{1100}'..='\u{115F}' | '\u{A960}'..='\u{A97C}' => G::L,
        '\u{1160}'..='\u{11A7}' | '\u{D7B0}'..='\u{D7C6}' => G::V,
        '\u{11A8}'..='\u{11FF}' | '\u{D7CB}'..='\u{D7FB}' => G::T,
        '\u{AC00}'..='\u{D7A3}' if (c as u32 - 0xAC00).is_multiple_of(28) => G::Lv,
        '\u{AC00}'..='\u{D7A3}' => G::Lvt,
        '\u{1F1E6}'..='\u{1F1FF}' => G::RegionalIndicator,
        c if in_table(GRAPHEME_CONTROL, c) => G::Control,
        c if in_table(GRAPHEME_EXTEND, c) => G::Extend,
        c if in_table(GRAPHEME_PREPEND, c) => G::Prepend,
        c if in_table(EXTENDED_PICTOGRAPHIC, c) => G::ExtPict,
        _ => G::Other,
    }
}

/// Number of grapheme clusters in `text`.
fn grapheme_count(text: &str) -> usize {
    if text.is_ascii() {
        // Only CR LF joins ASCII characters into one cluster.
        return text.len() - text.matches("\r\n").count();
    }
    let classes: Vec<GraphemeClass> = text.chars().map(grapheme_class).collect();
    let mut rest = classes.as_slice();
    let mut count = 0;
    while !rest.is_empty() {
        let len = cluster_len(rest).max(1);
        rest = rest.get(len..).unwrap_or(&[]);
        count += 1;
    }
    count
}

/// Length (in characters) of the cluster at the start of `s`.
fn cluster_len(s: &[GraphemeClass]) -> usize {
    use GraphemeClass as G;
    let at = |i: usize| s.get(i).copied();
    let run =
        |from: usize, class: GraphemeClass| s.get(from..).unwrap_or(&[]).iter().take_while(|&&c| c == class).count();
    let Some(first) = at(0) else {
        return 0;
    };
    match first {
        G::Cr if at(1) == Some(G::Lf) => 2,
        G::Cr | G::Lf | G::Control => 1,
        G::L | G::V | G::T | G::Lv | G::Lvt => {
            let mut i = match first {
                G::L => {
                    let mut i = run(0, G::L);
                    match at(i) {
                        Some(G::Lv) => {
                            i += 1;
                            let v = run(i, G::V);
                            if v > 0 {
                                i += v + run(i + v, G::T);
                            }
                        }
                        Some(G::V) => {
                            i += run(i, G::V);
                            i += run(i, G::T);
                        }
                        Some(G::Lvt) => i += 1 + run(i + 1, G::T),
                        _ => {}
                    }
                    i
                }
                G::Lv => {
                    let v = run(1, G::V);
                    1 + v + run(1 + v, G::T)
                }
                G::V => {
                    let v = run(0, G::V);
                    v + run(v, G::T)
                }
                G::Lvt => 1 + run(1, G::T),
                _ => run(0, G::T),
            };
            i += extension_len(s.get(i..).unwrap_or(&[]));
            i
        }
        G::ExtPict => 1 + extension_len(s.get(1..).unwrap_or(&[])),
        G::RegionalIndicator => {
            let pair = if at(1) == Some(G::RegionalIndicator) { 2 } else { 1 };
            pair + extension_len(s.get(pair..).unwrap_or(&[]))
        }
        G::Prepend => {
            let n = run(0, G::Prepend);
            match at(n) {
                None | Some(G::Cr | G::Lf | G::Control) => n,
                Some(_) => n + cluster_len(s.get(n..).unwrap_or(&[])),
            }
        }
        // ZWJSeq and Other: no pictograph glue after the ZWJ.
        G::Zwj | G::Extend | G::Other => {
            1 + s.get(1..).unwrap_or(&[]).iter().take_while(|&&c| matches!(c, G::Extend | G::Zwj)).count()
        }
    }
}

/// `(Extend | SpacingMark | ZWJ | ZWJ ExtPict)*`
fn extension_len(s: &[GraphemeClass]) -> usize {
    let mut i = 0;
    loop {
        match s.get(i) {
            Some(GraphemeClass::Extend) => i += 1,
            Some(GraphemeClass::Zwj) => {
                i += 1;
                if s.get(i) == Some(&GraphemeClass::ExtPict) {
                    i += 1;
                }
            }
            _ => return i,
        }
    }
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

// The tables below were derived from go-textseg v13 (Unicode 13, what
// hclwrite uses to count columns) by probing every code point: EXTEND are
// the characters that join a preceding "a" (Extend, SpacingMark and ZWJ),
// PREPEND those that join a following "a", CONTROL those that break before
// a combining mark (CR and LF excluded), EXTENDED_PICTOGRAPHIC those that
// glue after `U+1100 ZWJ` without being in EXTEND. Hangul and regional
// indicators are ranges in `grapheme_class`.

#[rustfmt::skip]
const GRAPHEME_EXTEND: &[(u32, u32)] = &[
    (0x300, 0x36F), (0x483, 0x489), (0x591, 0x5BD), (0x5BF, 0x5BF), (0x5C1, 0x5C2),
    (0x5C4, 0x5C5), (0x5C7, 0x5C7), (0x610, 0x61A), (0x64B, 0x65F), (0x670, 0x670),
    (0x6D6, 0x6DC), (0x6DF, 0x6E4), (0x6E7, 0x6E8), (0x6EA, 0x6ED), (0x711, 0x711),
    (0x730, 0x74A), (0x7A6, 0x7B0), (0x7EB, 0x7F3), (0x7FD, 0x7FD), (0x816, 0x819),
    (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82D), (0x859, 0x85B), (0x8D3, 0x8E1),
    (0x8E3, 0x903), (0x93A, 0x93C), (0x93E, 0x94F), (0x951, 0x957), (0x962, 0x963),
    (0x981, 0x983), (0x9BC, 0x9BC), (0x9BE, 0x9C4), (0x9C7, 0x9C8), (0x9CB, 0x9CD),
    (0x9D7, 0x9D7), (0x9E2, 0x9E3), (0x9FE, 0x9FE), (0xA01, 0xA03), (0xA3C, 0xA3C),
    (0xA3E, 0xA42), (0xA47, 0xA48), (0xA4B, 0xA4D), (0xA51, 0xA51), (0xA70, 0xA71),
    (0xA75, 0xA75), (0xA81, 0xA83), (0xABC, 0xABC), (0xABE, 0xAC5), (0xAC7, 0xAC9),
    (0xACB, 0xACD), (0xAE2, 0xAE3), (0xAFA, 0xAFF), (0xB01, 0xB03), (0xB3C, 0xB3C),
    (0xB3E, 0xB44), (0xB47, 0xB48), (0xB4B, 0xB4D), (0xB55, 0xB57), (0xB62, 0xB63),
    (0xB82, 0xB82), (0xBBE, 0xBC2), (0xBC6, 0xBC8), (0xBCA, 0xBCD), (0xBD7, 0xBD7),
    (0xC00, 0xC04), (0xC3E, 0xC44), (0xC46, 0xC48), (0xC4A, 0xC4D), (0xC55, 0xC56),
    (0xC62, 0xC63), (0xC81, 0xC83), (0xCBC, 0xCBC), (0xCBE, 0xCC4), (0xCC6, 0xCC8),
    (0xCCA, 0xCCD), (0xCD5, 0xCD6), (0xCE2, 0xCE3), (0xD00, 0xD03), (0xD3B, 0xD3C),
    (0xD3E, 0xD44), (0xD46, 0xD48), (0xD4A, 0xD4D), (0xD57, 0xD57), (0xD62, 0xD63),
    (0xD81, 0xD83), (0xDCA, 0xDCA), (0xDCF, 0xDD4), (0xDD6, 0xDD6), (0xDD8, 0xDDF),
    (0xDF2, 0xDF3), (0xE31, 0xE31), (0xE33, 0xE3A), (0xE47, 0xE4E), (0xEB1, 0xEB1),
    (0xEB3, 0xEBC), (0xEC8, 0xECD), (0xF18, 0xF19), (0xF35, 0xF35), (0xF37, 0xF37),
    (0xF39, 0xF39), (0xF3E, 0xF3F), (0xF71, 0xF84), (0xF86, 0xF87), (0xF8D, 0xF97),
    (0xF99, 0xFBC), (0xFC6, 0xFC6), (0x102D, 0x1037), (0x1039, 0x103E), (0x1056, 0x1059),
    (0x105E, 0x1060), (0x1071, 0x1074), (0x1082, 0x1082), (0x1084, 0x1086), (0x108D, 0x108D),
    (0x109D, 0x109D), (0x135D, 0x135F), (0x1712, 0x1714), (0x1732, 0x1734), (0x1752, 0x1753),
    (0x1772, 0x1773), (0x17B4, 0x17D3), (0x17DD, 0x17DD), (0x180B, 0x180D), (0x1885, 0x1886),
    (0x18A9, 0x18A9), (0x1920, 0x192B), (0x1930, 0x193B), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E),
    (0x1A60, 0x1A60), (0x1A62, 0x1A62), (0x1A65, 0x1A7C), (0x1A7F, 0x1A7F), (0x1AB0, 0x1AC0),
    (0x1B00, 0x1B04), (0x1B34, 0x1B44), (0x1B6B, 0x1B73), (0x1B80, 0x1B82), (0x1BA1, 0x1BAD),
    (0x1BE6, 0x1BF3), (0x1C24, 0x1C37), (0x1CD0, 0x1CD2), (0x1CD4, 0x1CE8), (0x1CED, 0x1CED),
    (0x1CF4, 0x1CF4), (0x1CF7, 0x1CF9), (0x1DC0, 0x1DF9), (0x1DFB, 0x1DFF), (0x200C, 0x200D),
    (0x20D0, 0x20F0), (0x2CEF, 0x2CF1), (0x2D7F, 0x2D7F), (0x2DE0, 0x2DFF), (0x302A, 0x302F),
    (0x3099, 0x309A), (0xA66F, 0xA672), (0xA674, 0xA67D), (0xA69E, 0xA69F), (0xA6F0, 0xA6F1),
    (0xA802, 0xA802), (0xA806, 0xA806), (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA82C, 0xA82C),
    (0xA880, 0xA881), (0xA8B4, 0xA8C5), (0xA8E0, 0xA8F1), (0xA8FF, 0xA8FF), (0xA926, 0xA92D),
    (0xA947, 0xA953), (0xA980, 0xA983), (0xA9B3, 0xA9C0), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36),
    (0xAA43, 0xAA43), (0xAA4C, 0xAA4D), (0xAA7C, 0xAA7C), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4),
    (0xAAB7, 0xAAB8), (0xAABE, 0xAABF), (0xAAC1, 0xAAC1), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF6),
    (0xABE3, 0xABEA), (0xABEC, 0xABED), (0xFB1E, 0xFB1E), (0xFE00, 0xFE0F), (0xFE20, 0xFE2F),
    (0xFF9E, 0xFF9F), (0x101FD, 0x101FD), (0x102E0, 0x102E0), (0x10376, 0x1037A),
    (0x10A01, 0x10A03), (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x10A38, 0x10A3A),
    (0x10A3F, 0x10A3F), (0x10AE5, 0x10AE6), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x10F46, 0x10F50), (0x11000, 0x11002), (0x11038, 0x11046), (0x1107F, 0x11082),
    (0x110B0, 0x110BA), (0x11100, 0x11102), (0x11127, 0x11134), (0x11145, 0x11146),
    (0x11173, 0x11173), (0x11180, 0x11182), (0x111B3, 0x111C0), (0x111C9, 0x111CC),
    (0x111CE, 0x111CF), (0x1122C, 0x11237), (0x1123E, 0x1123E), (0x112DF, 0x112EA),
    (0x11300, 0x11303), (0x1133B, 0x1133C), (0x1133E, 0x11344), (0x11347, 0x11348),
    (0x1134B, 0x1134D), (0x11357, 0x11357), (0x11362, 0x11363), (0x11366, 0x1136C),
    (0x11370, 0x11374), (0x11435, 0x11446), (0x1145E, 0x1145E), (0x114B0, 0x114C3),
    (0x115AF, 0x115B5), (0x115B8, 0x115C0), (0x115DC, 0x115DD), (0x11630, 0x11640),
    (0x116AB, 0x116B7), (0x1171D, 0x1172B), (0x1182C, 0x1183A), (0x11930, 0x11935),
    (0x11937, 0x11938), (0x1193B, 0x1193E), (0x11940, 0x11940), (0x11942, 0x11943),
    (0x119D1, 0x119D7), (0x119DA, 0x119E0), (0x119E4, 0x119E4), (0x11A01, 0x11A0A),
    (0x11A33, 0x11A39), (0x11A3B, 0x11A3E), (0x11A47, 0x11A47), (0x11A51, 0x11A5B),
    (0x11A8A, 0x11A99), (0x11C2F, 0x11C36), (0x11C38, 0x11C3F), (0x11C92, 0x11CA7),
    (0x11CA9, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A), (0x11D3C, 0x11D3D),
    (0x11D3F, 0x11D45), (0x11D47, 0x11D47), (0x11D8A, 0x11D8E), (0x11D90, 0x11D91),
    (0x11D93, 0x11D97), (0x11EF3, 0x11EF6), (0x16AF0, 0x16AF4), (0x16B30, 0x16B36),
    (0x16F4F, 0x16F4F), (0x16F51, 0x16F87), (0x16F8F, 0x16F92), (0x16FE4, 0x16FE4),
    (0x16FF0, 0x16FF1), (0x1BC9D, 0x1BC9E), (0x1D165, 0x1D169), (0x1D16D, 0x1D172),
    (0x1D17B, 0x1D182), (0x1D185, 0x1D18B), (0x1D1AA, 0x1D1AD), (0x1D242, 0x1D244),
    (0x1DA00, 0x1DA36), (0x1DA3B, 0x1DA6C), (0x1DA75, 0x1DA75), (0x1DA84, 0x1DA84),
    (0x1DA9B, 0x1DA9F), (0x1DAA1, 0x1DAAF), (0x1E000, 0x1E006), (0x1E008, 0x1E018),
    (0x1E01B, 0x1E021), (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E130, 0x1E136),
    (0x1E2EC, 0x1E2EF), (0x1E8D0, 0x1E8D6), (0x1E944, 0x1E94A), (0x1F3FB, 0x1F3FF),
    (0xE0020, 0xE007F), (0xE0100, 0xE01EF),
];
#[rustfmt::skip]
const GRAPHEME_PREPEND: &[(u32, u32)] = &[
    (0x600, 0x605), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x8E2, 0x8E2), (0xD4E, 0xD4E),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x111C2, 0x111C3), (0x1193F, 0x1193F),
    (0x11941, 0x11941), (0x11A3A, 0x11A3A), (0x11A84, 0x11A89), (0x11D46, 0x11D46),
];
#[rustfmt::skip]
const GRAPHEME_CONTROL: &[(u32, u32)] = &[
    (0x0, 0x9), (0xB, 0xC), (0xE, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x61C, 0x61C),
    (0x180E, 0x180E), (0x200B, 0x200B), (0x200E, 0x200F), (0x2028, 0x202E), (0x2060, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF0, 0xFFFB), (0xFFFD, 0xFFFD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE001F), (0xE0080, 0xE00FF),
    (0xE01F0, 0xE0FFF),
];
#[rustfmt::skip]
const EXTENDED_PICTOGRAPHIC: &[(u32, u32)] = &[
    (0xA9, 0xA9), (0xAE, 0xAE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x2388, 0x2388), (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
    (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734),
    (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
    (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenType> {
        lex_config(src).expect("lexes").iter().map(|t| t.ty).collect()
    }

    fn texts(src: &str) -> Vec<String> {
        lex_config(src).expect("lexes").iter().map(|t| t.text.to_string()).collect()
    }

    // --- tidy_blank_lines: our own rules, exact outputs ---

    #[test]
    fn tidy_collapses_runs_of_blank_lines() {
        let src = "a = 1\n\n\n\nb = 2\n   \n\t\nc = 3\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), "a = 1\n\nb = 2\n\nc = 3\n");
    }

    #[test]
    fn tidy_drops_blank_lines_after_openers_and_before_closers() {
        let src = "resource \"a\" \"b\" {\n\n  x = [\n\n    1,\n\n  ]\n\n  y = f(\n\n    2,\n  )\n\n}\n";
        let want = "resource \"a\" \"b\" {\n  x = [\n    1,\n  ]\n\n  y = f(\n    2,\n  )\n}\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), want);
    }

    #[test]
    fn tidy_opener_with_trailing_comment_still_opens() {
        let src = "a { # note\n\n  b = 1\n}\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), "a { # note\n  b = 1\n}\n");
    }

    #[test]
    fn tidy_keeps_blank_lines_between_blocks_and_around_comments() {
        let src = "a {}\n\n# about b\n\nb {}\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), src);
    }

    #[test]
    fn tidy_drops_leading_and_trailing_blank_lines_and_fixes_final_newline() {
        assert_eq!(tidy_blank_lines("\n\n  \na = 1\n\n\n").unwrap(), "a = 1\n");
        assert_eq!(tidy_blank_lines("a = 1").unwrap(), "a = 1\n");
        assert_eq!(tidy_blank_lines("a = 1 # c").unwrap(), "a = 1 # c\n");
        assert_eq!(tidy_blank_lines("").unwrap(), "");
        assert_eq!(tidy_blank_lines("\n \n\t\n").unwrap(), "");
    }

    #[test]
    fn tidy_never_touches_heredoc_bodies() {
        let src = "x = <<EOT\n\n\n  {\n\n  }\n\nEOT\n\n\n\ny = <<-EOT\n\n  EOT\n";
        let want = "x = <<EOT\n\n\n  {\n\n  }\n\nEOT\n\ny = <<-EOT\n\n  EOT\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), want);
    }

    #[test]
    fn tidy_keeps_nested_heredocs_verbatim() {
        let src = "x = <<A\n\n\n${<<B\n\n\nB\n}\n\n\nA\n\n\ny = 1\n";
        let want = "x = <<A\n\n\n${<<B\n\n\nB\n}\n\n\nA\n\ny = 1\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), want);
    }

    #[test]
    fn tidy_blank_line_before_closer_after_heredoc_is_dropped() {
        let src = "a {\n  x = <<EOT\nbody\nEOT\n\n}\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), "a {\n  x = <<EOT\nbody\nEOT\n}\n");
    }

    #[test]
    fn tidy_never_touches_block_comment_interiors() {
        let src = "/*\n\n\n*/\n\n\na = 1\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), "/*\n\n\n*/\n\na = 1\n");
    }

    #[test]
    fn tidy_keeps_crlf_endings_and_drops_bom() {
        let src = "\u{FEFF}a = 1\r\n\r\n\r\nb = 2\r\n";
        assert_eq!(tidy_blank_lines(src).unwrap(), "a = 1\r\n\r\nb = 2\r\n");
    }

    #[test]
    fn tidy_rejects_untokenizable_input() {
        assert!(tidy_blank_lines("a = \"oops\n").is_err());
    }

    #[test]
    fn canonicalize_tidies_then_formats() {
        let src =
            "\n\nresource \"a\" \"b\" {\n\n  x=1\n  long_name=\"v\"\n\n\n\n  tags = {\n\n    A=\"1\"\n\n  }\n\n}\n\n";
        let want =
            "resource \"a\" \"b\" {\n  x         = 1\n  long_name = \"v\"\n\n  tags = {\n    A = \"1\"\n  }\n}\n";
        assert_eq!(canonicalize(src).unwrap().text, want);
    }

    #[test]
    fn canonicalize_is_format_of_tidy_at_every_edge_of_a_file() {
        for src in [
            "",
            "\n\n",
            " \t",
            "a = 1",
            "a = 1 \t",
            "a = 1\n  ",
            "a = 1 # c",
            "a = 1 // c",
            "a = 1 /* c */",
            "/*\n\n*/",
            "x = <<EOT\n\n\nEOT\n  ",
            "x = <<EOT\n${\n\n\na\n}\nEOT\n\n\n",
            "\u{FEFF}a = 1\r\n\r\n\r\nb {\r\n\r\n}\r\n",
            "b {\n  \n\n  c = \"${\n\n  d}\"\n\n}\n# e",
        ] {
            let two_passes = format_hcl(&tidy_blank_lines(src).unwrap()).unwrap();
            let canonical = canonicalize(src).unwrap();
            assert_eq!(canonical.text, two_passes, "{src:?}");
            assert_eq!(canonical.blocks, top_level_blocks(&two_passes), "{src:?}");
        }
    }

    // --- errors ---

    #[test]
    fn errors_name_line_and_column() {
        let err = format_hcl("a = 1\nb = 2\nc = \"x\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 5));
        assert!(err.to_string().starts_with("3:5: unterminated string"), "{err}");

        let err = format_hcl("x = <<EOT\nbody\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 5));
        assert!(err.message.contains("unterminated heredoc"), "{err}");

        let err = format_hcl("a = 1 /* open").unwrap_err();
        assert_eq!(err.to_string(), "1:7: unterminated comment");

        let err = format_hcl("a = \"${x\n").unwrap_err();
        assert!(err.message.contains("unterminated"), "{err}");

        let err = format_hcl("a = \"${ x }").unwrap_err();
        assert!(err.message.contains("unterminated string"), "{err}");

        let err = format_hcl("  é = @\n").unwrap_err();
        assert_eq!(err.to_string(), "1:7: invalid character '@'");

        assert!(format_hcl("a = 'x'\n").is_err());
        assert!(format_hcl("a = b & c\n").is_err());
        assert!(format_hcl("a = 1 ~}\n").is_err());
        assert!(format_hcl("a = 1\rb = 2\n").is_err());
        assert!(format_hcl("a = \"x\\\n").is_err());
    }

    // --- lexer details that matter for formatting ---

    #[test]
    fn identifiers_end_where_the_characters_that_continue_them_end() {
        for (text, len) in [
            ("abc", 3),
            ("a-b_c9 x", 6),
            ("_x.y", 2),
            ("caf\u{e9}s = 1", 6),
            ("\u{e9}t\u{e9}", 5),
            ("ab\u{2014}c", 2),
            ("9a", 0),
            ("-a", 0),
            ("", 0),
        ] {
            assert_eq!(ident_len(text), len, "{text:?}");
        }
    }

    #[test]
    fn lexes_identifiers_numbers_and_operators() {
        use TokenType as T;
        assert_eq!(
            kinds("a-b - 1.5e3 1. ... => == != <= >= && || ::"),
            vec![
                T::Ident,
                T::Minus,
                T::NumberLit,
                T::NumberLit,
                T::Dot,
                T::Ellipsis,
                T::FatArrow,
                T::EqualOp,
                T::NotEqual,
                T::LessThanEq,
                T::GreaterThanEq,
                T::And,
                T::Or,
                T::DoubleColon,
                T::Eof,
            ]
        );
        assert_eq!(texts("1.5e+3x 2E5.a"), ["1.5e+3", "x", "2E5", ".", "a", ""]);
    }

    #[test]
    fn line_comments_include_their_newline() {
        assert_eq!(texts("# a\r\n// b\n/* c */"), ["# a\r\n", "// b\n", "/* c */", ""]);
    }

    #[test]
    fn lexes_templates_with_escapes_and_nesting() {
        use TokenType as T;
        assert_eq!(
            kinds(r#""$${a} %%{b} \"${c}" "${ "x${d}" }""#),
            vec![
                T::OQuote,
                T::QuotedLit,
                T::TemplateInterp,
                T::Ident,
                T::TemplateSeqEnd,
                T::CQuote,
                T::OQuote,
                T::TemplateInterp,
                T::OQuote,
                T::QuotedLit,
                T::TemplateInterp,
                T::Ident,
                T::TemplateSeqEnd,
                T::CQuote,
                T::TemplateSeqEnd,
                T::CQuote,
                T::Eof,
            ]
        );
        // A `}` inside an interpolation closes an object first.
        assert_eq!(
            kinds(r#""${ {a=1} }""#),
            vec![
                T::OQuote,
                T::TemplateInterp,
                T::OBrace,
                T::Ident,
                T::Equal,
                T::NumberLit,
                T::CBrace,
                T::TemplateSeqEnd,
                T::CQuote,
                T::Eof,
            ]
        );
    }

    #[test]
    fn lexes_heredocs_as_one_formatting_line() {
        use TokenType as T;
        let src = "x = <<-EOT\n  a ${b}\n  EOT\ny = 1\n";
        assert_eq!(
            kinds(src),
            vec![
                T::Ident,
                T::Equal,
                T::OHeredoc,
                T::StringLit,
                T::TemplateInterp,
                T::Ident,
                T::TemplateSeqEnd,
                T::StringLit,
                T::CHeredoc,
                T::Newline,
                T::Ident,
                T::Equal,
                T::NumberLit,
                T::Newline,
                T::Eof,
            ]
        );
        assert_eq!(texts(src).get(8).map(String::as_str), Some("  EOT"));
        // The marker must stand alone on its line.
        assert!(format_hcl("x = <<EOT\nEOT2\nEOT x\n").is_err());
    }

    // --- formatting rules (cross-checked with hclfmt) ---

    #[test]
    fn namespaced_function_calls_stay_together() {
        assert_eq!(format_hcl("a = provider :: aws :: arn_parse( x )\n").unwrap(), "a = provider::aws::arn_parse(x)\n");
    }

    #[test]
    fn keeps_whitespace_before_eof_like_hclwrite() {
        // hclwrite never touches the EOF token's leading spaces (tabs count as one).
        assert_eq!(format_hcl("a=1 \t").unwrap(), "a = 1  ");
        assert_eq!(format_hcl("\u{FEFF}").unwrap(), "   ");
        assert_eq!(format_hcl("").unwrap(), "");
    }

    #[test]
    fn aligns_by_grapheme_clusters() {
        // A flag is one column, so `"🇫🇷"` is narrower than `"ab"` (as hclfmt has it).
        let src = "x = {\n\"🇫🇷\" = 1\n\"ab\" = 2\n}\n";
        assert_eq!(format_hcl(src).unwrap(), "x = {\n  \"🇫🇷\"  = 1\n  \"ab\" = 2\n}\n");
    }

    #[test]
    fn counts_graphemes_like_textseg() {
        assert_eq!(grapheme_count("abc"), 3);
        assert_eq!(grapheme_count("a\r\nb"), 3);
        assert_eq!(grapheme_count("e\u{301}"), 1);
        assert_eq!(grapheme_count("🇫🇷🇩"), 2);
        assert_eq!(grapheme_count("👨\u{200D}👩\u{200D}👧"), 1);
        assert_eq!(grapheme_count("❤\u{FE0F}"), 1);
        assert_eq!(grapheme_count("한국어"), 3);
        assert_eq!(grapheme_count("\u{1100}\u{1161}\u{11A8}"), 1);
        // textseg quirks: `L LV T` splits, and ZWJ glues a pictograph only
        // after a Hangul/emoji/flag base.
        assert_eq!(grapheme_count("\u{1100}\u{AC00}\u{11A8}"), 2);
        assert_eq!(grapheme_count("a\u{200D}©"), 2);
        assert_eq!(grapheme_count("\u{1100}\u{200D}©"), 1);
        assert_eq!(grapheme_count("\u{600}a"), 1);
    }

    // --- robustness ---

    /// xorshift64*, so the "random" inputs are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }

    fn exercise(src: &str) {
        // Any result is fine; panicking is not.
        let formatted = format_hcl(src);
        let _ = tidy_blank_lines(src);
        if let Ok(out) = formatted {
            // What formats once must format again.
            assert!(format_hcl(&out).is_ok(), "reformatting failed for {src:?}");
            // And to the same tokens: formatting changes only the spaces between them.
            // (Not in input that does not parse: like hclwrite, the formatter writes `! ==`
            // as `!==`, which lexes as `!=` `=`.)
            if hcl_edit::parser::parse_body(src).is_ok() {
                let tokens =
                    |text| lex_config(text).map(|t| t.iter().map(|t| (t.ty, t.text.to_string())).collect::<Vec<_>>());
                assert_eq!(tokens(&out), tokens(src), "formatting changed the tokens of {src:?}");
            }
        }
        let canonical = canonicalize(src);
        if let Ok(canonical) = &canonical {
            // What `Canonical::blocks` stands on.
            assert_eq!(canonical.blocks, top_level_blocks(&canonical.text), "{src:?}");
        }
        // Tidying and formatting the same tokens is formatting the tidied text.
        let two_passes = tidy_blank_lines(src).and_then(|tidy| format_hcl(&tidy));
        assert_eq!(canonical.map(|c| c.text), two_passes, "{src:?}");
    }

    #[test]
    fn canonicalize_equals_two_passes_on_hcl_with_random_blank_lines() {
        // Valid HCL of every kind of line tidying treats apart, with runs of blank lines,
        // spaces and a missing final newline thrown in at random.
        let lines = [
            "# header\n",
            "resource \"a\" \"b\" { # opens\n",
            "  x = [\n",
            "    1,\n",
            "  ]\n",
            "  y = <<-EOT\n",
            "    body\n",
            "\n",
            "    ${f(\n",
            "\n",
            "    )}\n",
            "    EOT\n",
            "  z = \"${g(\n",
            "\n",
            "  )}\"\n",
            "  /* a\n",
            "\n",
            "  */\n",
            "}\r\n",
            "m \"n\" {}\n",
            "k = 1 // c\n",
        ];
        let mut rng = Rng(0x5EED_0FB1_A2C3_D4E5);
        for _ in 0..2000 {
            let mut src = String::new();
            for line in lines {
                for _ in 0..rng.below(3) {
                    src.push_str(["\n", "  \n", "\t\r\n"][rng.below(3)]);
                }
                src.push_str(line);
            }
            for _ in 0..rng.below(3) {
                src.push_str(["\n", "  ", "\t\n"][rng.below(3)]);
            }
            if rng.below(2) == 0 {
                src = src.trim_end_matches(['\n', '\r', ' ', '\t']).to_string();
            }
            let two_passes = format_hcl(&tidy_blank_lines(&src).expect("tidies")).expect("formats");
            let canonical = canonicalize(&src).expect("canonicalizes");
            assert_eq!(canonical.text, two_passes, "{src:?}");
            assert_eq!(canonical.blocks, top_level_blocks(&two_passes), "{src:?}");
        }
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        for _ in 0..3000 {
            let len = rng.below(200);
            let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 56) as u8).collect();
            exercise(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn random_hcl_fragments_never_panic() {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            "(",
            ")",
            "\"",
            "${",
            "%{",
            "~}",
            "$${",
            "<<EOT\n",
            "<<-EOT\n",
            "EOT\n",
            "  EOT\r\n",
            "\n",
            "\r\n",
            "\r",
            " ",
            "\t",
            "=",
            "==",
            "-",
            "!",
            "*",
            ".",
            "...",
            ":",
            "::",
            "?",
            ",",
            "a",
            "in",
            "1.5e",
            "#",
            "//",
            "/*",
            "*/",
            "\\",
            "é",
            "\u{301}",
            "🇫🇷",
            "\u{200D}",
            "\u{FEFF}",
            "\u{1100}",
            "@",
            "'",
        ];
        let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
        for _ in 0..5000 {
            let mut src = String::new();
            for _ in 0..rng.below(40) {
                src.push_str(PIECES[rng.below(PIECES.len())]);
            }
            exercise(&src);
        }
    }
}
