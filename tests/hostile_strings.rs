//! Hostile strings in every string field of an environment file (found from the JSON
//! schema, so a new field is covered the day it is added), as values and as map keys:
//! whatever the model accepts must reach the generated files only escaped. HCL must
//! parse, and the payload must sit inside string literals (or a comment line), never in
//! code; Markdown must not gain a heading, a table cell, HTML or a link; shell scripts
//! must keep the payload quoted; no file may hold a control or bidirectional character.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use infragen::config::{Overrides, load_environment};
use infragen::diagnostic::SourceFile;
use infragen::model::Architecture;
use infragen::model::pipeline::Pipeline;
use infragen::render::{BootstrapInputs, Renderer};

const HOSTILE: &[&str] = &[
    "pwned\"\n}\nresource \"null_resource\" \"pwned\" {\n  x = \"",
    "${pwned()}",
    "%{ if true }pwned%{ endif }",
    "pwned\\\" = 1 # \\",
    "pwned | cell |\n# pwned heading\n<script>pwned()</script>",
    "`pwned` [x](javascript:pwned) <!-- pwned",
    "pwned\u{0}\u{1b}[31m\u{202e}\u{2066}",
    "$(pwned) `pwned` 'pwned' \"pwned\"; pwned",
    "pwned\r\nX-Injected: pwned",
];

/// Every string field of the schema, as a path of keys where `[]` is an array item and
/// `{}` a map entry.
fn string_fields() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("environments/schema.json"))
        .expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut fields = Vec::new();
    walk(&schema, &schema, &mut Vec::new(), &mut fields, 0);
    fields.sort();
    fields.dedup();
    fields
}

fn walk(
    root: &serde_json::Value,
    node: &serde_json::Value,
    path: &mut Vec<String>,
    fields: &mut Vec<Vec<String>>,
    depth: usize,
) {
    if depth > 12 {
        return;
    }
    let mut node = node;
    while let Some(reference) = node.get("$ref").and_then(|r| r.as_str()) {
        let name = reference.rsplit('/').next().expect("name");
        node = &root["$defs"][name];
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for option in node.get(key).and_then(|v| v.as_array()).into_iter().flatten() {
            walk(root, option, path, fields, depth + 1);
        }
    }
    let types: Vec<&str> = match node.get("type") {
        Some(serde_json::Value::String(t)) => vec![t.as_str()],
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => Vec::new(),
    };
    if let Some(properties) = node.get("properties").and_then(|p| p.as_object()) {
        for (key, value) in properties {
            path.push(key.clone());
            walk(root, value, path, fields, depth + 1);
            path.pop();
        }
    }
    if types.contains(&"string") {
        fields.push(path.clone());
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        path.push("[]".into());
        walk(root, items, path, fields, depth + 1);
        path.pop();
    }
    if let Some(values) = node.get("additionalProperties").filter(|a| a.is_object()) {
        path.push("{}".into());
        walk(root, values, path, fields, depth + 1);
        path.pop();
        // The key itself is a string from input too.
        path.push("{key}".into());
        fields.push(path.clone());
        path.pop();
    }
}

/// `table` with `value` at `path`.
fn with_value(table: &toml::Table, path: &[String], value: &str) -> toml::Table {
    fn build(rest: &[String], value: &str) -> toml::Value {
        match rest.first().map(String::as_str) {
            None => toml::Value::String(value.to_string()),
            Some("[]") => toml::Value::Array(vec![build(&rest[1..], value)]),
            Some("{}") => {
                toml::Value::Table([("PWNED_KEY".to_string(), build(&rest[1..], value))].into_iter().collect())
            }
            Some("{key}") => {
                toml::Value::Table([(value.to_string(), toml::Value::String("x".into()))].into_iter().collect())
            }
            Some(key) => toml::Value::Table([(key.to_string(), build(&rest[1..], value))].into_iter().collect()),
        }
    }
    fn set(table: &mut toml::Table, path: &[String], value: &str) {
        let key = &path[0];
        let rest = &path[1..];
        let nested = rest.first().is_some_and(|next| !next.starts_with(['[', '{']));
        match table.get_mut(key) {
            Some(toml::Value::Table(inner)) if nested => set(inner, rest, value),
            _ => {
                table.insert(key.clone(), build(rest, value));
            }
        }
    }
    let mut table = table.clone();
    set(&mut table, path, value);
    table
}

#[test]
fn hostile_strings_in_every_field_reach_the_output_only_escaped() {
    let renderer = Renderer::new().expect("templates");
    let fields = string_fields();
    assert!(fields.len() > 40, "the schema lists the string fields: {fields:?}");
    let mut work = Vec::new();
    for base in ["dev", "prod"] {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("environments/{base}.toml")))
                .expect("shipped file");
        let table: toml::Table = text.parse().expect("toml");
        for field in &fields {
            for hostile in HOSTILE {
                work.push((base, field.clone(), *hostile, with_value(&table, field, hostile)));
            }
        }
    }
    // Spread over threads: each case loads, validates and (when accepted) renders.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
    let chunk = work.len().div_ceil(threads);
    let results: Vec<(BTreeMap<String, usize>, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = work.chunks(chunk).map(|cases| scope.spawn(|| try_cases(&renderer, cases))).collect();
        handles.into_iter().map(|h| h.join().expect("no panic")).collect()
    });
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (counts, problems) in results {
        for (field, n) in counts {
            *accepted.entry(field).or_default() += n;
        }
        failures.extend(problems);
    }
    eprintln!("fields that accept some hostile string: {accepted:?}");
    // The test reaches output: free-form fields take hostile strings as values and keys.
    for field in ["service.migrate_command.[]", "service.environment.{}", "frontend.environment.{}"] {
        assert!(accepted.contains_key(field), "{field} accepts none of the hostile strings: {accepted:?}");
    }
    assert!(failures.is_empty(), "{} escapes:\n{}", failures.len(), failures[..failures.len().min(40)].join("\n"));
}

type Case<'a> = (&'a str, Vec<String>, &'a str, toml::Table);

fn try_cases(renderer: &Renderer, cases: &[Case<'_>]) -> (BTreeMap<String, usize>, Vec<String>) {
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (base, field, hostile, edited) in cases {
        let source = SourceFile::new(format!("environments/{base}.toml"), toml::to_string(edited).expect("toml"));
        let Ok(loaded) = load_environment(base, source, &Overrides::default()) else { continue };
        let Ok(arch) = Architecture::from_environment(&loaded) else { continue };
        *accepted.entry(field.join(".")).or_default() += 1;
        let mut files = renderer.environment(&arch).expect("an accepted file renders").into_files();
        let pipeline = Pipeline::new(&[&arch]);
        let regions = BTreeSet::from([arch.region.clone()]);
        let inputs = BootstrapInputs { pipeline: pipeline.as_ref(), regions: &regions };
        files.extend(renderer.bootstrap(&arch, inputs).expect("bootstrap renders").into_files());
        if let Some(pipeline) = &pipeline {
            files.extend(renderer.pipeline(pipeline).expect("the pipeline renders").into_files());
        }
        for (path, content) in &files {
            if let Err(problem) = check(path, content) {
                failures.push(format!("{} = {hostile:?}: {path}: {problem}", field.join(".")));
            }
        }
    }
    (accepted, failures)
}

fn check(path: &str, content: &str) -> Result<(), String> {
    if let Some(c) = content.chars().find(|c| (c.is_control() && *c != '\n') || is_bidi(*c)) {
        return Err(format!("holds the character U+{:04X}", c as u32));
    }
    if !content.contains("pwned") {
        return Ok(());
    }
    if path.ends_with(".tf") {
        hcl::parse(content).map_err(|e| format!("does not parse: {e}"))?;
        let code = hcl_code(content);
        if code.contains("pwned") {
            let line = code.lines().find(|l| l.contains("pwned")).unwrap_or_default();
            return Err(format!("the payload is code: {line:?}"));
        }
    } else if path.ends_with(".md") {
        for line in content.lines().filter(|l| l.contains("pwned")) {
            // In a code span the payload is only text; outside one, it must be escaped.
            let text = outside_code_spans(line);
            let bad = text.contains("pwned")
                && (text.trim_start().starts_with('#')
                    || text.contains("<script")
                    || text.contains("<!--")
                    || text.contains("](")
                    || text.contains("pwned | cell")
                    || text.contains('`'));
            // A line break in the payload would start a line of its own.
            let broken = ["# pwned heading", "X-Injected", "resource \"null_resource\""]
                .iter()
                .any(|start| line.trim_start().starts_with(start));
            if bad || broken {
                return Err(format!("the payload is Markdown: {line:?}"));
            }
        }
    } else if path.ends_with(".yml") {
        let document: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(content).map_err(|e| format!("does not parse: {e}"))?;
        if let Some(script) = run_scripts(&document).into_iter().find(|script| script.contains("pwned")) {
            return Err(format!("the payload is in a workflow script: {script:?}"));
        }
    } else if path.ends_with(".sh") {
        let code = shell_code(content);
        if code.contains("pwned") {
            let line = code.lines().find(|l| l.contains("pwned")).unwrap_or_default();
            return Err(format!("the payload is shell code: {line:?}"));
        }
    }
    Ok(())
}

/// A line of Markdown without its code spans (CommonMark: a run of N backticks up to the
/// next run of exactly N).
fn outside_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            text.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '`').count();
        let mut j = i + run;
        let mut closed = None;
        while j < chars.len() {
            let other = chars[j..].iter().take_while(|c| **c == '`').count();
            if other == run {
                closed = Some(j + other);
                break;
            }
            j += other.max(1);
        }
        match closed {
            Some(end) => i = end,
            None => {
                text.extend(&chars[i..i + run]);
                i += run;
            }
        }
    }
    text
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The text of an HCL file outside string literals, heredoc bodies and comments (but with
/// what interpolations hold): where a payload would be code.
fn hcl_code(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::new();
    let mut i = 0;
    // Each entry: inside a quoted string (true) or an interpolation's code (false).
    let mut stack: Vec<bool> = Vec::new();
    let mut depth: Vec<usize> = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if stack.last() == Some(&true) {
            match c {
                '\\' => i += 1,
                '"' => {
                    stack.pop();
                }
                '$' | '%' if next == Some(c) && chars.get(i + 2) == Some(&'{') => i += 2,
                '$' | '%' if next == Some('{') => {
                    stack.push(false);
                    depth.push(0);
                    i += 1;
                }
                _ => {}
            }
        } else {
            match c {
                '"' => stack.push(true),
                '#' => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    code.push('\n');
                }
                '/' if next == Some('/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    code.push('\n');
                }
                '<' if next == Some('<') && stack.is_empty() => {
                    // A heredoc: its body is literal.
                    let rest: String = chars[i + 2..].iter().collect();
                    let rest = rest.strip_prefix('-').unwrap_or(&rest);
                    let marker: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if !marker.is_empty() {
                        // Skip to the line that is the marker alone.
                        while i < chars.len() {
                            let line_start = i;
                            while i < chars.len() && chars[i] != '\n' {
                                i += 1;
                            }
                            let line: String = chars[line_start..i].iter().collect();
                            i += 1;
                            if line.trim() == marker && line_start > 0 {
                                break;
                            }
                        }
                        code.push('\n');
                        continue;
                    }
                    code.push(c);
                }
                '{' if !depth.is_empty() => {
                    *depth.last_mut().expect("depth") += 1;
                    code.push(c);
                }
                '}' if !depth.is_empty() => {
                    if depth.last() == Some(&0) {
                        depth.pop();
                        stack.pop();
                    } else {
                        *depth.last_mut().expect("depth") -= 1;
                        code.push(c);
                    }
                }
                _ => code.push(c),
            }
        }
        i += 1;
    }
    code
}

/// The text of a shell script outside single- and double-quoted strings and comments; a
/// `$(`, backtick or `$` inside double quotes counts as code.
fn shell_code(text: &str) -> String {
    let mut code = String::new();
    let mut chars = text.chars().peekable();
    let (mut single, mut double) = (false, false);
    while let Some(c) = chars.next() {
        if single {
            if c == '\'' {
                single = false;
            }
            continue;
        }
        if double {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => double = false,
                '$' | '`' => {
                    // Expansion inside double quotes: what follows is code.
                    code.push(c);
                    if let Some(&n) = chars.peek() {
                        code.push(n);
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => single = true,
            '"' => double = true,
            '#' if code.ends_with(|p: char| p.is_whitespace()) || code.is_empty() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                code.push('\n');
            }
            _ => code.push(c),
        }
    }
    code
}

/// The only other strings that reach output paths are environment names: hostile ones are
/// refused before anything is written.
#[test]
fn hostile_environment_names_write_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("environments")).expect("mkdir");
    let names = HOSTILE.iter().copied().chain(["../dev", "dev/../../x", ".hidden", "-rf", "a b"]);
    for name in names {
        if name.contains('\0') {
            continue; // not an argument a process can be given
        }
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_infragen"))
            .args(["gen", "--env", name])
            .current_dir(dir.path())
            .output()
            .expect("infragen runs");
        assert_eq!(output.status.code(), Some(2), "{name:?}");
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(entries, ["environments"], "{name:?}");
    }
}

/// Every `run:` script of a workflow: input may reach a step only through `env:`.
fn run_scripts(value: &serde_yaml_ng::Value) -> Vec<String> {
    let mut scripts = Vec::new();
    match value {
        serde_yaml_ng::Value::Mapping(map) => {
            for (key, item) in map {
                match (key.as_str(), item.as_str()) {
                    (Some("run"), Some(script)) => scripts.push(script.to_string()),
                    _ => scripts.extend(run_scripts(item)),
                }
            }
        }
        serde_yaml_ng::Value::Sequence(items) => scripts.extend(items.iter().flat_map(run_scripts)),
        _ => {}
    }
    scripts
}
