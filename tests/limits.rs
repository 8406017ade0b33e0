//! Hostile and oversized input: every run ends, quickly, with a bounded amount of output
//! and the exit status of the contract, whatever the environment files and flags hold.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::Test;

/// Runs infragen in `test`'s directory and kills it if it has not ended after `limit`:
/// a hang fails the test instead of stalling the suite.
fn run_bounded(test: &Test, args: &[&str], limit: Duration) -> (i32, String, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(args)
        .current_dir(test.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("infragen runs");
    let id = child.id();
    // The output is read as it comes (a full pipe would stall the child), on a thread that
    // reports when the child has ended.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let Ok(output) = finished.recv_timeout(limit) else {
        let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
        panic!("infragen {args:?} still ran after {limit:?}");
    };
    let output = output.expect("output");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn special_files_are_refused_not_read() {
    let test = Test::with_shipped_environments();
    let environments = test.path().join("environments");
    let status = Command::new("mkfifo").arg(environments.join("fifo.toml")).status().expect("mkfifo");
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", environments.join("zero.toml")).expect("symlink");
    std::os::unix::fs::symlink("/nonexistent/file", environments.join("dangling.toml")).expect("symlink");
    std::fs::create_dir(environments.join("dir.toml")).expect("mkdir");
    for env in ["fifo", "zero"] {
        let (status, _, stderr) = run_bounded(&test, &["gen", "--env", env], LIMIT);
        assert_eq!(status, 2, "{stderr}");
        assert!(stderr.contains(&format!("environments/{env}.toml cannot be an environment file: not a regular file")));
    }
    // --all names what it skips.
    let (status, _, stderr) = run_bounded(&test, &["gen", "--all"], LIMIT);
    assert_eq!(status, 0, "{stderr}");
    for skipped in ["dangling.toml: a link to nothing", "dir.toml: not a regular file", "fifo.toml: not a regular file"]
    {
        assert!(stderr.contains(&format!("warning: --all skips environments/{skipped}")), "{stderr}");
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let test = Test::with_shipped_environments();
    test.write("environments/huge.toml", &"# padding\n".repeat(120_000));
    let (status, _, stderr) = run_bounded(&test, &["gen", "--env", "huge"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("environments/huge.toml cannot be an environment file: larger than 1024 KiB"), "{stderr}");
}

#[test]
fn thousands_of_mistakes_print_a_bounded_report() {
    let test = Test::new().file("environments/zones.toml", &"[dns]\nzone = \"x\"\n".repeat(5_000));
    let (status, stdout, stderr) = run_bounded(&test, &["show", "--env", "zones"], LIMIT);
    assert_eq!(status, 2);
    assert_eq!(stdout, "");
    assert!(stderr.len() < 50_000, "{} bytes of diagnostics", stderr.len());
    assert!(stderr.contains("... and "), "{stderr}");
}

#[test]
fn a_long_line_is_shown_as_a_window_around_the_mistake() {
    let value = "a".repeat(100_000);
    let test = Test::new().file("environments/long.toml", &format!("project = \"{value}\"\nnot_a_key = 1\n"));
    let (status, _, stderr) = run_bounded(&test, &["show", "--env", "long"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.len() < 5_000, "{stderr}");
    // A long value in a valid file is shown by `show`, not a panic.
    let test = Test::with_shipped_environments();
    let dev = test.read("environments/dev.toml");
    test.write("environments/dev.toml", &dev.replace("project = \"acme\"", &format!("project = \"{value}\"")));
    let (status, stdout, stderr) = run_bounded(&test, &["show", "--env", "dev"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(stdout.contains(&value), "show prints the settings even when they do not validate");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn many_tags_are_merged_quickly_and_capped_at_what_aws_allows() {
    let test = Test::with_shipped_environments();
    let dev = test.read("environments/dev.toml");
    let tags: String = (0..64_000).map(|i| format!("k{i} = \"v\"\n")).collect();
    test.write("environments/dev.toml", &format!("{dev}\n[tags]\n{tags}"));
    let (status, _, stderr) = run_bounded(&test, &["gen", "--env", "dev"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("error: `tags` has 64000 tags; AWS allows 50 on a resource"), "{stderr}");
    assert!(stderr.contains("1 error found"), "{stderr}");
}

#[test]
fn a_set_flag_sets_the_field_it_names_and_nothing_else() {
    let test = Test::with_shipped_environments();
    for assignment in ["service.cpu=256\nproject=\"evil\"", "frontend.repository=\"x\"\nproject=\"evil\"", "a b=1"] {
        let (status, stdout, stderr) = run_bounded(&test, &["show", "--env", "dev", "--set", assignment], LIMIT);
        assert_eq!(status, 2, "{assignment:?}: {stderr}");
        assert!(!stdout.contains("evil"), "{stdout}");
    }
}

#[test]
fn odd_selections_are_usage_errors() {
    let test = Test::with_shipped_environments();
    // The same environment twice is the same environment, not a conflict with itself.
    let (status, _, stderr) = run_bounded(&test, &["gen", "--env", "dev", "--env", "prod", "--env", "dev"], LIMIT);
    assert_eq!(status, 0, "{stderr}");
    let (status, _, stderr) = run_bounded(&test, &["gen", "--all", "--environments", "environments/dev.toml"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("environments/dev.toml is not a directory"), "{stderr}");
    let long = "x".repeat(300);
    let (status, _, stderr) = run_bounded(&test, &["gen", "--env", &long], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("an environment name has 1 to 64 characters"), "{stderr}");
    assert!(stderr.len() < 500, "{stderr}");
    let (status, _, stderr) = run_bounded(&test, &["gen", "--env", "../dev"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
}

#[test]
fn hostile_strings_never_reach_the_generated_files_raw() {
    let test = Test::with_shipped_environments();
    let dev = test.read("environments/dev.toml");
    for repository in [
        "https://github.com/acme/web\\\"",
        "https://github.com/acme/${file(\\\"/etc/passwd\\\")}",
        "https://github.com/acme/web\\\\",
    ] {
        let line = format!("repository = \"{repository}\"");
        test.write("environments/dev.toml", &dev.replace("repository = \"https://github.com/acme/web\"", &line));
        let (status, _, stderr) = run_bounded(&test, &["gen", "--env", "dev"], LIMIT);
        assert_eq!(status, 2, "{line}: {stderr}");
        assert!(stderr.contains("`frontend.repository` must be the HTTPS URL of a Git repository"), "{stderr}");
    }
    test.write("environments/dev.toml", &dev);

    // A directory name with a newline and a comment terminator stays inside the headers.
    let hostile = "envs\nlocals { injected = 1 }\n-->";
    std::fs::create_dir(test.path().join(hostile)).expect("mkdir");
    for name in ["dev", "prod"] {
        std::fs::copy(
            test.path().join(format!("environments/{name}.toml")),
            test.path().join(hostile).join(format!("{name}.toml")),
        )
        .expect("copy");
    }
    let (status, _, stderr) =
        run_bounded(&test, &["gen", "--all", "--environments", hostile, "--output", "out"], LIMIT);
    assert_eq!(status, 0, "{stderr}");
    for file in ["out/dev/main.tf", "out/dev/modules/network/main.tf", "out/bootstrap/main.tf"] {
        let text = test.read(file);
        assert!(text.lines().filter(|l| l.contains("injected")).all(|l| l.starts_with("# ")), "{file}: {text}");
        hcl::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let readme = test.read("out/dev/README.md");
    assert_eq!(readme.lines().next().map(|l| l.matches("-->").count()), Some(1), "{readme}");
}

#[test]
fn credentials_in_plain_fields_are_refused_and_never_repeated() {
    let secrets = [
        ("DB_PASSWORD", "hunter2-very-secret"),
        ("AWS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("GITHUB", "ghp_0123456789abcdef0123456789abcdef0123"),
        ("DATABASE_URL", "postgres://app:pa55word@db.internal:5432/app"),
        ("TLS_KEY", "-----BEGIN PRIVATE KEY-----MIIEv"),
    ];
    let test = Test::with_shipped_environments();
    let dev = test.read("environments/dev.toml");
    let lines: String = secrets.iter().map(|(name, value)| format!("{name} = \"{value}\"\n")).collect();
    test.write(
        "environments/dev.toml",
        &format!("{dev}\n[service.environment]\n{lines}\n[frontend.environment]\nAPI_TOKEN = \"xoxb-1234-abcd\"\n"),
    );
    for args in [&["gen", "--env", "dev"][..], &["show", "--env", "dev"]] {
        let (status, stdout, stderr) = run_bounded(&test, args, LIMIT);
        assert_eq!(status, 2, "{args:?}: {stderr}");
        for (name, value) in secrets.iter().chain(&[("API_TOKEN", "xoxb-1234-abcd")]) {
            assert!(!stdout.contains(value) && !stderr.contains(value), "{args:?} repeats {name}:\n{stdout}\n{stderr}");
        }
        assert!(stderr.contains("`service.environment.DB_PASSWORD` looks like a credential"), "{stderr}");
        assert!(stderr.contains("`frontend.environment.API_TOKEN` looks like a credential"), "{stderr}");
    }
    assert!(!test.path().join("generated").exists(), "nothing is written");

    // A token in the repository URL is refused without being repeated.
    test.write(
        "environments/dev.toml",
        &dev.replace("https://github.com/acme/web", "https://ghp_tokentokentoken@github.com/acme/web"),
    );
    let (status, stdout, stderr) = run_bounded(&test, &["gen", "--env", "dev"], LIMIT);
    assert_eq!(status, 2, "{stderr}");
    assert!(!stdout.contains("ghp_") && !stderr.contains("ghp_"), "{stderr}");
}

#[test]
fn many_environments_are_written_within_a_small_limit_of_open_files() {
    // Twenty environments hold 280 directories: more than the 128 files this run may open.
    // They are also enough roots to be written by more workers than cores.
    let test = Test::new();
    let dev = common::shipped_environments().remove("dev.toml").expect("dev.toml");
    let write_all = |suffix: &str| {
        for i in 0..20 {
            let text = dev
                .replace("api_record = \"api-dev\"", &format!("api_record = \"api-e{i}\""))
                .replace("frontend_record = \"dev\"", &format!("frontend_record = \"web-e{i}{suffix}\""));
            assert_ne!(text, dev);
            test.write(&format!("environments/e{i}.toml"), &text);
        }
    };
    let limited = |args: &str| {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n 128 && exec \"$0\" {args}"))
            .arg(env!("CARGO_BIN_EXE_infragen"))
            .current_dir(test.path())
            .output()
            .expect("sh runs");
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    write_all("");
    let (status, stderr) = limited("gen --all");
    assert_eq!(status, Some(0), "{stderr}");
    // Every root changes: each file is replaced, with a backup linked in the staging directory.
    write_all("x");
    let (status, stderr) = limited("gen --all");
    assert_eq!(status, Some(0), "{stderr}");
    let (status, stderr) = limited("gen --all --check");
    assert_eq!(status, Some(0), "{stderr}");
    assert!(test.read("generated/e19/main.tf").contains("web-e19x"));
}
