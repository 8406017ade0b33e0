//! Fitting the habits of Terraform users: `infragen completions SHELL` for the four shells
//! (syntax-checked by the shell itself where installed), and the pre-commit hook.

mod common;

use std::process::Command;

use common::Test;

#[test]
fn completions_for_the_four_shells() {
    let test = Test::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = test.run_args(&["completions", shell]).status(0).stdout;
        // Flags without their dashes: fish writes `-l diff`.
        for word in ["infragen", "gen", "cost", "completions", "diff", "format", "markdown", "output", "without-preset"]
        {
            assert!(script.contains(word), "the {shell} script lacks {word:?}");
        }
        // The shell parses it without running it, when it is installed here.
        let (program, args): (&str, &[&str]) = match shell {
            "bash" => ("bash", &["-n"]),
            "zsh" => ("zsh", &["-n"]),
            "fish" => ("fish", &["--no-execute"]),
            _ => ("pwsh", &["-NoProfile", "-Command", "$null = [scriptblock]::Create((Get-Content -Raw $args[0]))"]),
        };
        let path = test.path().join(format!("infragen.{shell}"));
        std::fs::write(&path, &script).expect("write the script");
        match Command::new(program).args(args).arg(&path).output() {
            Ok(output) => assert!(
                output.status.success(),
                "{program} rejects the {shell} script: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(_) => eprintln!("note: {program} is not installed; the {shell} script is not syntax-checked"),
        }
    }
    test.run_args(&["completions", "tcsh"]).status(2).stderr_contains("invalid value 'tcsh'");
}

/// The pre-commit hook this repository offers runs the staleness check.
#[test]
fn the_pre_commit_hook_runs_gen_check() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect(".pre-commit-hooks.yaml");
    let hooks: Vec<serde_json::Value> = serde_yaml_ng::from_str(&text).expect("YAML");
    let hook = hooks.iter().find(|h| h["id"] == "infragen-check").expect("the infragen-check hook");
    assert_eq!(hook["entry"], "infragen gen --all --check");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["pass_filenames"], false);
    let files = regex_like(hook["files"].as_str().expect("files"));
    for path in ["environments/dev.toml", "generated/dev/main.tf"] {
        assert!(files.iter().any(|prefix| path.starts_with(prefix)), "{path} triggers the hook");
    }
}

/// The prefixes of a `^(a/|b/)` pattern.
fn regex_like(pattern: &str) -> Vec<String> {
    let inner = pattern.trim_start_matches("^(").trim_end_matches(')');
    inner.split('|').map(|p| p.replace('\\', "")).collect()
}
