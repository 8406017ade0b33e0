//! No password, token or key material ever appears in what infragen generates: the
//! database password lives in an RDS-managed secret, the Amplify token in a sensitive
//! variable. This scans the committed generated/ tree and a fresh rendering of both
//! environments.

use std::fs;
use std::path::Path;

use infragen::config::Overrides;
use infragen::render::Renderer;
use infragen::workspace::Workspace;

/// Patterns of secret material, each with what it would be.
fn findings(path: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        let compact: String = lower.split_whitespace().collect();
        let mut report = |what: &str| found.push(format!("{path}:{}: {what}: {line}", number + 1));
        // An attribute assigned a string literal, where only a reference or a managed
        // secret may appear.
        if ["password=\"", "access_token=\"", "secret_string=\"", "token=\""].iter().any(|a| compact.contains(a)) {
            report("a literal credential");
        }
        if line.contains("-----BEGIN") {
            report("PEM key material");
        }
        if lower.contains("aws_secret_access_key") || contains_word_with_prefix(line, &["AKIA", "ASIA"], 20) {
            report("an AWS access key");
        }
        if contains_word_with_prefix(line, &["ghp_", "gho_", "ghs_", "github_pat_", "glpat-"], 20) {
            report("a Git hosting token");
        }
        if contains_word_with_prefix(line, &["xoxb-", "xoxp-", "xoxa-"], 15) {
            report("a Slack token");
        }
    }
    found
}

/// Whether a word starting with one of `prefixes` and at least `min_len` long occurs.
fn contains_word_with_prefix(line: &str, prefixes: &[&str], min_len: usize) -> bool {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .any(|word| word.len() >= min_len && prefixes.iter().any(|p| word.starts_with(p)))
}

fn scan_dir(dir: &Path, found: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            scan_dir(&path, found);
        } else if let Ok(text) = fs::read_to_string(&path) {
            found.extend(findings(&path.display().to_string(), &text));
        }
    }
}

#[test]
fn the_committed_generated_tree_holds_no_secrets() {
    let mut found = Vec::new();
    scan_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("generated"), &mut found);
    assert!(found.is_empty(), "secret material in generated/:\n{}", found.join("\n"));
}

#[test]
fn fresh_renderings_hold_no_secrets_and_use_managed_ones() {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let renderer = Renderer::new().expect("templates");
    for name in ["dev", "prod"] {
        let environment = workspace.load(name, &Overrides::default()).expect("shipped file is valid");
        let root = renderer.environment(&environment.architecture).expect("renders");
        let mut found = Vec::new();
        for (path, text) in root.files() {
            found.extend(findings(path, text));
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
        let rds = &root.files()[&format!("{name}/modules/rds/main.tf")];
        assert!(rds.contains("manage_master_user_password         = true"), "RDS manages the password");
        let variables = &root.files()[&format!("{name}/variables.tf")];
        let token = variables.split("variable \"amplify_access_token\"").nth(1).expect("token variable");
        assert!(token.contains("sensitive   = true"), "the Amplify token is sensitive");
        assert!(!token.split("variable ").next().unwrap_or_default().contains("default"), "and has no default");
    }
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let sample = "password = \"hunter2\"\naccess_token = \"abc\"\n-----BEGIN RSA PRIVATE KEY-----\nkey = \"AKIAIOSFODNN7EXAMPLE\"\ntoken = ghp_abcdefghijklmnopqrstuvwxyz0123456789\n";
    assert_eq!(findings("sample", sample).len(), 5, "{:#?}", findings("sample", sample));
    assert!(findings("ok", "access_token = var.amplify_access_token\nmanage_master_user_password = true\n").is_empty());
}
