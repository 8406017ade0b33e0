//! Golden tests for `format_hcl` against output of HashiCorp's own formatter.
//!
//! Every `tests/fixtures/format/<case>.in.tf` has a `<case>.out.tf` produced by
//! `hclfmt` (HCL v2.14.1, i.e. `hclwrite.Format`, what `terraform fmt` applies);
//! see `tests/fixtures/format/README.md`. These tests only read the committed
//! pairs; they do not need hclfmt.
//!
//! `differential_fuzz_against_hclfmt` (ignored by default) compares against a
//! real hclfmt binary on generated input:
//! `HCLFMT=/path/to/hclfmt cargo test --test format -- --ignored`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use infragen::render::format::format_hcl;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format")
}

/// `(case name, input, expected output)` for every golden pair.
fn golden_cases() -> Vec<(String, String, String)> {
    let dir = fixtures_dir();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".in.tf"))
        .collect();
    inputs.sort();
    inputs
        .into_iter()
        .map(|input| {
            let name = input
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".in.tf"))
                .expect("fixture name")
                .to_string();
            let output = dir.join(format!("{name}.out.tf"));
            let read =
                |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (name, read(&input), read(&output))
        })
        .collect()
}

/// A unified diff with whitespace made visible, since that is all the
/// formatter changes.
fn visible_diff(expected: &str, actual: &str) -> String {
    let show = |s: &str| s.replace(' ', "·").replace('\t', "→").replace('\r', "␍");
    let (expected, actual) = (show(expected), show(actual));
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(2)
        .header("expected (hclfmt)", "actual (format_hcl)")
        .to_string()
}

#[test]
fn golden_cases_match_hclfmt() {
    let cases = golden_cases();
    assert!(cases.len() >= 25, "expected at least 25 golden cases, found {}", cases.len());

    let mut failures = String::new();
    for (name, input, expected) in &cases {
        match format_hcl(input) {
            Ok(actual) if actual == *expected => {}
            Ok(actual) => {
                let _ = writeln!(
                    failures,
                    "\n=== case `{name}`: output differs from hclfmt\n{}",
                    visible_diff(expected, &actual)
                );
            }
            Err(e) => {
                let _ = writeln!(failures, "\n=== case `{name}`: unexpected error {e}");
            }
        }
    }
    assert!(failures.is_empty(), "golden mismatches:{failures}");
}

#[test]
fn formatting_is_idempotent_on_golden_outputs() {
    let mut failures = String::new();
    for (name, _, expected) in golden_cases() {
        match format_hcl(&expected) {
            Ok(again) if again == expected => {}
            Ok(again) => {
                let _ = writeln!(
                    failures,
                    "\n=== case `{name}`: formatting the .out.tf changed it\n{}",
                    visible_diff(&expected, &again)
                );
            }
            Err(e) => {
                let _ = writeln!(failures, "\n=== case `{name}`: unexpected error {e}");
            }
        }
    }
    assert!(failures.is_empty(), "not idempotent:{failures}");
}

// ---------------------------------------------------------------------------
// Differential fuzzing against a real hclfmt (opt-in)
// ---------------------------------------------------------------------------

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Random whitespace: nothing, spaces or tabs.
fn ws(rng: &mut Rng) -> &'static str {
    ["", "", " ", " ", "  ", "   ", "\t", " \t "][rng.below(8)]
}

fn gen_expr(rng: &mut Rng, depth: usize, out: &mut String) {
    let leaf = depth > 3 || rng.below(3) == 0;
    if leaf {
        let atom = rng.pick(&[
            "1",
            "-1",
            "2.5e3",
            "var.x",
            "local.a-b",
            "true",
            "null",
            "\"s\"",
            "\"${var.x}\"",
            "\"a%{if x}b%{endif}\"",
            "foo[0]",
            "foo[*].id",
            "foo.*.bar",
            "x",
            "in",
        ]);
        out.push_str(atom);
        return;
    }
    match rng.below(10) {
        0 => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                    out.push_str(ws(rng));
                }
                if rng.below(4) == 0 {
                    out.push('\n');
                }
                gen_expr(rng, depth + 1, out);
            }
            if rng.below(3) == 0 {
                out.push_str(",\n");
            }
            out.push(']');
        }
        1 => {
            out.push('{');
            out.push_str(ws(rng));
            let multi = rng.below(2) == 0;
            for i in 0..rng.below(4) {
                if multi {
                    out.push('\n');
                } else if i > 0 {
                    out.push(',');
                }
                out.push_str(ws(rng));
                out.push_str(rng.pick(&["a", "bb", "\"key\"", "(k)", "long_name"]));
                out.push_str(ws(rng));
                out.push_str(rng.pick(&["=", ":"]));
                out.push_str(ws(rng));
                gen_expr(rng, depth + 1, out);
                if multi && rng.below(4) == 0 {
                    out.push_str(" # c");
                }
            }
            if multi {
                out.push('\n');
            }
            out.push('}');
        }
        2 => {
            out.push_str(rng.pick(&["max", "f", "jsonencode", "merge"]));
            out.push('(');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                    out.push_str(ws(rng));
                }
                if rng.below(5) == 0 {
                    out.push('\n');
                }
                gen_expr(rng, depth + 1, out);
            }
            if rng.below(6) == 0 {
                out.push_str("...");
            }
            out.push(')');
        }
        3 => {
            gen_expr(rng, depth + 1, out);
            out.push_str(ws(rng));
            out.push_str(rng.pick(&["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"]));
            out.push_str(ws(rng));
            gen_expr(rng, depth + 1, out);
        }
        4 => {
            out.push_str(rng.pick(&["-", "!"]));
            out.push_str(ws(rng));
            gen_expr(rng, depth + 1, out);
        }
        5 => {
            gen_expr(rng, depth + 1, out);
            out.push_str(ws(rng));
            out.push('?');
            out.push_str(ws(rng));
            gen_expr(rng, depth + 1, out);
            out.push_str(ws(rng));
            out.push(':');
            out.push_str(ws(rng));
            gen_expr(rng, depth + 1, out);
        }
        6 => {
            let object = rng.below(2) == 0;
            out.push(if object { '{' } else { '[' });
            out.push_str(ws(rng));
            out.push_str("for k, v in ");
            gen_expr(rng, depth + 1, out);
            out.push_str(ws(rng));
            out.push(':');
            out.push_str(ws(rng));
            gen_expr(rng, depth + 1, out);
            if object {
                out.push_str(ws(rng));
                out.push_str("=>");
                out.push_str(ws(rng));
                gen_expr(rng, depth + 1, out);
                if rng.below(2) == 0 {
                    out.push_str("...");
                }
            }
            if rng.below(2) == 0 {
                out.push_str(" if ");
                gen_expr(rng, depth + 1, out);
            }
            out.push(if object { '}' } else { ']' });
        }
        7 => {
            out.push('"');
            for _ in 0..rng.below(4) {
                match rng.below(4) {
                    0 => out.push_str(rng.pick(&["text ", "$${lit}", "%%{lit}", "\\\"q\\\"", "50% $5"])),
                    1 => {
                        out.push_str("${");
                        out.push_str(ws(rng));
                        gen_expr(rng, depth + 1, out);
                        out.push_str(ws(rng));
                        out.push('}');
                    }
                    2 => out.push_str("%{ if x }y%{ else }z%{ endif }"),
                    _ => out.push_str("%{~ for a in b ~}${ a }%{~ endfor ~}"),
                }
            }
            out.push('"');
        }
        8 => {
            out.push_str(rng.pick(&["<<EOT\n", "<<-EOT\n"]));
            for _ in 0..rng.below(4) {
                out.push_str(rng.pick(&[
                    "  line {\n",
                    "}\n",
                    "\n",
                    "  ${ var.x }\n",
                    "%{ if a }b%{ endif }\n",
                    "    $${esc}\n",
                    "[ ( \n",
                ]));
            }
            out.push_str(rng.pick(&["EOT\n", "  EOT\n"]));
        }
        _ => {
            out.push('(');
            out.push_str(ws(rng));
            gen_expr(rng, depth + 1, out);
            out.push_str(ws(rng));
            out.push(')');
        }
    }
}

fn gen_body(rng: &mut Rng, depth: usize, out: &mut String) {
    for _ in 0..rng.below(7) + 1 {
        out.push_str(ws(rng));
        match rng.below(8) {
            0..=3 => {
                out.push_str(rng.pick(&["a", "bb", "name", "long_attribute", "x1"]));
                out.push_str(ws(rng));
                out.push('=');
                out.push_str(ws(rng));
                gen_expr(rng, 0, out);
                if rng.below(4) == 0 {
                    out.push_str(ws(rng));
                    out.push_str(rng.pick(&["# hash", "// slash", "/* block */"]));
                }
            }
            4 if depth < 3 => {
                out.push_str(rng.pick(&["block", "resource \"t\" \"n\"", "dynamic \"d\""]));
                out.push_str(ws(rng));
                out.push('{');
                if rng.below(5) == 0 {
                    out.push('}');
                } else {
                    out.push('\n');
                    gen_body(rng, depth + 1, out);
                    out.push_str(ws(rng));
                    out.push('}');
                }
            }
            5 => out.push_str(rng.pick(&["# comment", "// comment", "/* multi\n   line */"])),
            6 => {}
            _ => out.push_str("single { a = 1 }"),
        }
        out.push_str(ws(rng));
        out.push('\n');
    }
}

/// Structurally meaningless but (mostly) lexable input: hclwrite formats any
/// token stream, so this exercises the indent stack and spacing rules on
/// combinations no valid file has.
fn gen_soup(rng: &mut Rng, out: &mut String) {
    for _ in 0..rng.below(60) + 1 {
        out.push_str(rng.pick(&[
            "{",
            "}",
            "[",
            "]",
            "(",
            ")",
            "=",
            "==",
            "=>",
            "!",
            "!=",
            "-",
            "+",
            "*",
            "/",
            "%",
            "<",
            "<=",
            ">",
            ">=",
            "&&",
            "||",
            "?",
            ":",
            ",",
            ".",
            "...",
            "a",
            "in",
            "for",
            "if",
            "b-c",
            "1",
            "2.5",
            "\"s\"",
            "\"${x}\"",
            "\"${ {} }\"",
            "\"%{ if a }b%{ endif }\"",
            "# c\n",
            "// c\n",
            "/* c */",
            "/*\n*/",
            "\n",
            "\n",
            "\n",
            "<<EOT\n{\n${ a }\nEOT\n",
            "é",
            "\"🇫🇷\"",
        ]));
        out.push_str(ws(rng));
    }
}

#[test]
#[ignore = "needs a real hclfmt: HCLFMT=/path/to/hclfmt cargo test --test format -- --ignored"]
fn differential_fuzz_against_hclfmt() {
    let Some(hclfmt) = std::env::var_os("HCLFMT") else {
        eprintln!("HCLFMT is not set; skipping");
        return;
    };
    let iterations: usize = std::env::var("HCLFMT_FUZZ_ITERATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let dir = tempfile::tempdir().expect("temp dir");
    let seed: u64 =
        std::env::var("HCLFMT_FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    let mut failures = Vec::new();
    let mut rejected = 0;
    for i in 0..iterations {
        let mut input = String::new();
        if i % 2 == 0 {
            gen_body(&mut rng, 0, &mut input);
        } else {
            gen_soup(&mut rng, &mut input);
        }
        if input.contains("::") {
            // Lexed as one token on purpose (HCL v2.20+), unlike v2.14.
            continue;
        }
        if std::env::var_os("HCLFMT_FUZZ_SHOW").is_some() {
            eprintln!("--- input {i}:\n{input}");
        }
        let path = dir.path().join(format!("case{i}.tf"));
        std::fs::write(&path, &input).expect("write case");
        let result = std::process::Command::new(&hclfmt).arg(&path).output().expect("run hclfmt");
        let expected = String::from_utf8(result.stdout).expect("hclfmt output is UTF-8");
        match format_hcl(&input) {
            Ok(actual) if actual == expected => {}
            Ok(actual) => failures.push(format!("--- input {i}:\n{input}\n{}", visible_diff(&expected, &actual))),
            // Token soup may not even lex (e.g. a stray `~`); we reject that.
            Err(_) if i % 2 == 1 => rejected += 1,
            Err(e) => failures.push(format!("--- input {i}:\n{input}\nerror: {e}")),
        }
    }
    eprintln!("{rejected} token-soup inputs rejected by the lexer");
    assert!(
        failures.is_empty(),
        "{} of {iterations} differ:\n{}",
        failures.len(),
        failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}
