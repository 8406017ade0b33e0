//! A small builder for end-to-end tests: a temporary project directory, the real binary,
//! and assertions on its status and output.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
}

pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The repository's own environment files.
pub fn shipped_environments() -> BTreeMap<String, String> {
    environment_files("environments")
}

/// A frozen copy of a valid dev and prod, for tests that pin line numbers: editing the
/// shipped files must not move them.
pub fn fixture_environments() -> BTreeMap<String, String> {
    environment_files("tests/fixtures/environments")
}

fn environment_files(dir: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(&dir).expect("environments/ exists") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name").to_string_lossy().into_owned();
        files.insert(name, fs::read_to_string(&path).expect("readable"));
    }
    files
}

impl Test {
    pub fn new() -> Self {
        Test { dir: tempfile::tempdir().expect("temp dir"), args: Vec::new() }
    }

    /// A project with the repository's environment files.
    pub fn with_shipped_environments() -> Self {
        Test::with_environments(shipped_environments())
    }

    /// A project with the frozen fixture environment files.
    pub fn with_fixture_environments() -> Self {
        Test::with_environments(fixture_environments())
    }

    fn with_environments(files: BTreeMap<String, String>) -> Self {
        let test = Test::new();
        for (name, text) in files {
            test.write(&format!("environments/{name}"), &text);
        }
        test
    }

    pub fn file(self, path: &str, text: &str) -> Self {
        self.write(path, text);
        self
    }

    pub fn write(&self, path: &str, text: &str) {
        let full = self.dir.path().join(path);
        fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        fs::write(full, text).expect("write");
    }

    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.dir.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    pub fn run(&self) -> Output {
        self.run_args(&self.args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    pub fn run_args(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_infragen"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("infragen runs");
        Output {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Every file under `dir`, by relative path, for before/after comparisons.
    pub fn tree(&self, dir: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let root = self.dir.path().join(dir);
        collect(&root, &root, &mut files);
        files
    }
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("inside root").to_path_buf();
            files.insert(relative, fs::read(&path).expect("readable"));
        }
    }
}

impl Output {
    #[track_caller]
    pub fn status(self, expected: i32) -> Self {
        assert_eq!(
            self.status, expected,
            "unexpected exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(self, needle: &str) -> Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}\n--- stderr\n{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn stdout_contains(self, needle: &str) -> Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}\n--- stdout\n{}", self.stdout);
        self
    }
}

/// Every entry under `dir` by relative path, without following links (a link shows as
/// `-> target`, an empty directory as `/`), leaving out infragen's lock file and its
/// freshness record (a cache of the run that wrote last): what a reader of the directory
/// sees.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        let mut empty = true;
        for entry in entries {
            empty = false;
            let path = entry.expect("entry").path();
            let relative = path.strip_prefix(root).expect("inside").display().to_string();
            let kind = fs::symlink_metadata(&path).expect("metadata").file_type();
            if kind.is_symlink() {
                let target = fs::read_link(&path).expect("link");
                files.insert(relative, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                walk(root, &path, files);
            } else if relative != ".infragen.lock" && relative != ".infragen-cache" {
                files.insert(relative, fs::read(&path).expect("readable"));
            }
        }
        if empty && dir != root {
            files.insert(format!("{}/", dir.strip_prefix(root).expect("inside").display()), Vec::new());
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The variants of `.ci/verify-variants` (name, environment, flags), read from the script
/// so that the list lives in one place.
pub fn variants() -> Vec<(String, String, infragen::config::Overrides)> {
    let script = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/verify-variants"))
        .expect(".ci/verify-variants");
    let mut variants = vec![
        ("dev".to_string(), "dev".to_string(), infragen::config::Overrides::default()),
        ("prod".to_string(), "prod".to_string(), infragen::config::Overrides::default()),
    ];
    for line in script.lines() {
        let line = line.trim();
        let Some(entry) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) else { continue };
        let mut fields = entry.splitn(3, '|');
        let (Some(name), Some(env), Some(flags)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let flags = flags.replace("\\\"", "\"");
        let words: Vec<&str> = flags.split_whitespace().collect();
        let mut overrides = infragen::config::Overrides::default();
        for pair in words.chunks(2) {
            match pair {
                ["--preset", value] => overrides.enable_presets.push(value.to_string()),
                ["--without-preset", value] => overrides.disable_presets.push(value.to_string()),
                ["--set", value] => overrides.set.push(value.to_string()),
                other => panic!(".ci/verify-variants: {name}: flags this test does not know: {other:?}"),
            }
        }
        variants.push((name.to_string(), env.to_string(), overrides));
    }
    assert!(variants.len() > 10, "the variants of .ci/verify-variants were not found");
    variants
}

/// A manifest as versions before content hashes wrote it: one path a line.
pub fn without_hashes(manifest: &str) -> String {
    manifest
        .lines()
        .map(|line| match line.split_once(' ') {
            Some((path, _)) if !line.starts_with('#') => format!("{path}\n"),
            _ => format!("{line}\n"),
        })
        .collect()
}

/// Blocks with this identifier and, when given, these labels, anywhere below `body`.
pub fn blocks<'b>(body: &'b hcl::Body, identifier: &str, labels: &[&str]) -> Vec<&'b hcl::Block> {
    let mut found = Vec::new();
    for block in body.blocks() {
        let block_labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        if block.identifier() == identifier && (labels.is_empty() || block_labels == labels) {
            found.push(block);
        }
        found.extend(blocks(block.body(), identifier, labels));
    }
    found
}
