//! The write path against a hostile output tree: links anywhere below `--output`, manifest
//! and journal lines infragen never writes, look-alike staging directories, a directory
//! that refuses a write part-way, and another run holding the lock.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Test, snapshot};

/// A change that adds a module (cache) and rewrites files in several others.
const CHANGE: &[&str] = &["--set", "cache.enabled=true", "--without-preset", "no-nat", "--set", "tier=medium"];

fn changed() -> Vec<&'static str> {
    let mut args = vec!["gen", "--env", "dev"];
    args.extend(CHANGE);
    args
}

fn generated() -> Test {
    let test = Test::with_fixture_environments();
    test.run_args(&["gen", "--env", "dev"]).status(0);
    test
}

#[test]
fn a_directory_replaced_by_a_link_is_refused_and_nothing_behind_it_is_touched() {
    let test = generated();
    let (modules, elsewhere) = (test.path().join("generated/dev/modules"), test.path().join("elsewhere"));
    fs::rename(&modules, &elsewhere).unwrap();
    fs::write(elsewhere.join("keep.tf"), "# not infragen's\n").unwrap();
    symlink("../../elsewhere", &modules).unwrap();
    let (before, behind) = (snapshot(&test.path().join("generated")), snapshot(&elsewhere));

    for args in [changed(), vec!["gen", "--env", "dev", "--check"]] {
        test.run_args(&args)
            .status(2)
            .stderr_contains("generated/dev/modules is a symbolic link; infragen never reads or writes through a link");
        assert_eq!(snapshot(&test.path().join("generated")), before);
        assert_eq!(snapshot(&elsewhere), behind);
    }
}

#[test]
fn a_root_replaced_by_a_link_is_refused_like_any_directory_below_it() {
    // A root that is not there is planned without reading a file of it; a link at its
    // place is there, and refused by name.
    let test = generated();
    let (root, elsewhere) = (test.path().join("generated/dev"), test.path().join("elsewhere"));
    fs::rename(&root, &elsewhere).unwrap();
    symlink("../elsewhere", &root).unwrap();
    let (before, behind) = (snapshot(&test.path().join("generated")), snapshot(&elsewhere));

    for args in [vec!["gen", "--env", "dev"], vec!["gen", "--env", "dev", "--check"]] {
        test.run_args(&args)
            .status(2)
            .stderr_contains("generated/dev is a symbolic link; infragen never reads or writes through a link");
        assert_eq!(snapshot(&test.path().join("generated")), before);
        assert_eq!(snapshot(&elsewhere), behind);
    }
}
#[test]
fn the_output_directory_or_a_file_in_it_as_a_link_is_refused() {
    let test = Test::with_fixture_environments().file("elsewhere/keep.txt", "mine\n");
    symlink("elsewhere", test.path().join("generated")).unwrap();
    test.run_args(&["gen", "--env", "dev"]).status(2).stderr_contains("error: generated is a symbolic link");
    assert_eq!(snapshot(&test.path().join("elsewhere")).len(), 1);

    let test = generated().file("victim.tf", "# precious\n");
    fs::remove_file(test.path().join("generated/dev/main.tf")).unwrap();
    symlink("../../victim.tf", test.path().join("generated/dev/main.tf")).unwrap();
    test.run_args(&changed()).status(2).stderr_contains("generated/dev/main.tf is a symbolic link");
    assert_eq!(test.read("victim.tf"), "# precious\n");

    // Links of the user's own elsewhere in the tree are neither touched nor followed.
    let test = generated().file("outside/extra.tf", "# hand-written\n").file("outside/module/x.tf", "# cached\n");
    fs::create_dir_all(test.path().join("generated/dev/.terraform")).unwrap();
    symlink("../../../outside/module", test.path().join("generated/dev/.terraform/modules")).unwrap();
    symlink("../../outside/extra.tf", test.path().join("generated/dev/extra.tf")).unwrap();
    let before = snapshot(&test.path().join("outside"));
    test.run_args(&changed()).status(0);
    assert_eq!(snapshot(&test.path().join("outside")), before);
    assert!(fs::symlink_metadata(test.path().join("generated/dev/extra.tf")).unwrap().file_type().is_symlink());
    assert!(fs::symlink_metadata(test.path().join("generated/dev/.terraform/modules")).unwrap().is_symlink());

    let test = generated();
    fs::remove_file(test.path().join("generated/.infragen.lock")).unwrap();
    symlink("../victim", test.path().join("generated/.infragen.lock")).unwrap();
    test.run_args(&changed()).status(2).stderr_contains("generated/.infragen.lock is a symbolic link");
    assert!(!test.path().join("victim").exists());
}

#[test]
fn a_manifest_line_removes_only_what_infragen_may_own() {
    let test = generated()
        .file("outside/victim.tf", "# outside\n")
        .file("generated/dev/terraform.tfstate", "{}\n")
        .file("generated/dev/db_override.tf", "# the user's\n");
    symlink("../../outside", test.path().join("generated/dev/escape")).unwrap();
    let manifest = test.read("generated/.infragen-manifest");
    let outside = test.path().join("outside/victim.tf").display().to_string();
    for (line, says) in [
        ("dev/escape/victim.tf", "generated/dev/escape is a symbolic link"),
        ("dev/../../outside/victim.tf", "is not a normalised relative path"),
        (outside.as_str(), "is not a normalised relative path"),
        ("dev/terraform.tfstate", "is not a kind of file infragen generates"),
        ("dev/db_override.tf", "is a Terraform override file"),
    ] {
        test.write("generated/.infragen-manifest", &format!("{manifest}{line}\n"));
        test.run_args(&["gen", "--env", "dev"]).status(2).stderr_contains(says);
    }
    assert_eq!(test.read("outside/victim.tf"), "# outside\n");
    assert_eq!(test.read("generated/dev/terraform.tfstate"), "{}\n");
    assert_eq!(test.read("generated/dev/db_override.tf"), "# the user's\n");
}

#[test]
fn a_journal_infragen_did_not_write_is_refused() {
    let test = generated();
    let before = snapshot(&test.path().join("generated"));
    for staging in [".infragen-staging-notes", ".infragen-staging-1-0123456789abcdef"] {
        fs::create_dir_all(test.path().join("generated").join(staging).join("new")).unwrap();
        fs::write(test.path().join("generated").join(staging).join("keep.txt"), "mine\n").unwrap();
        test.write(
            "generated/.infragen-journal",
            &format!("infragen journal 1\nstaging {staging}\ndirection forward\nremove dev/main.tf\nend\n"),
        );
        test.run_args(&["gen", "--env", "dev"]).status(2).stderr_contains("generated/.infragen-journal: ");
        fs::remove_file(test.path().join("generated/.infragen-journal")).unwrap();
        fs::remove_dir_all(test.path().join("generated").join(staging)).unwrap();
    }
    assert_eq!(snapshot(&test.path().join("generated")), before);
}

#[test]
fn only_infragen_s_own_staging_directories_are_cleaned() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: release builds have no INFRAGEN_CRASH_AT");
        return;
    }
    let test = generated()
        .file("generated/.infragen-staging-notes/notes.md", "mine\n")
        .file("generated/.infragen-staging-1-0123456789abcdef/notes.md", "mine too\n")
        .file("generated/.infragen-staging-2", "a file\n");
    // A run that dies right after marking its staging directory leaves a real one.
    let crashed = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(changed())
        .env("INFRAGEN_CRASH_AT", "3")
        .current_dir(test.path())
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(crashed.code(), Some(137));
    let leftovers = |test: &Test| {
        let mut names: Vec<String> = fs::read_dir(test.path().join("generated"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".infragen-staging"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(leftovers(&test).len(), 4, "{:?}", leftovers(&test));
    test.run_args(&changed()).status(0);
    assert_eq!(
        leftovers(&test),
        [".infragen-staging-1-0123456789abcdef", ".infragen-staging-2", ".infragen-staging-notes"]
    );
    assert_eq!(test.read("generated/.infragen-staging-notes/notes.md"), "mine\n");
    assert_eq!(test.read("generated/.infragen-staging-1-0123456789abcdef/notes.md"), "mine too\n");
}

#[test]
fn a_directory_that_refuses_a_write_part_way_leaves_the_old_tree() {
    let test = generated();
    let rds = test.path().join("generated/dev/modules/rds");
    // Root ignores permissions; the immutable attribute stops it too.
    let as_root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let locked = if as_root {
        Command::new("chattr").arg("+i").arg(&rds).status().is_ok_and(|s| s.success())
    } else {
        Command::new("chmod").arg("555").arg(&rds).status().is_ok_and(|s| s.success())
    };
    if !locked || fs::write(rds.join("probe"), "").is_ok() {
        eprintln!("skipped: cannot make a directory read-only here");
        return;
    }
    let before = snapshot(&test.path().join("generated"));
    let output = test.run_args(&changed());
    if as_root {
        Command::new("chattr").arg("-i").arg(&rds).status().unwrap();
    } else {
        Command::new("chmod").arg("755").arg(&rds).status().unwrap();
    }
    let output = output.status(3).stderr_contains("generated/dev/modules/rds/");
    assert!(output.stderr.contains("nothing was changed: the files already moved into place were put back"));
    assert_eq!(snapshot(&test.path().join("generated")), before);
    test.run_args(&changed()).status(0);
}

#[test]
fn a_read_only_output_directory_can_still_be_checked() {
    let test = generated();
    let out = test.path().join("generated");
    let as_root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let (tool, on, off) = if as_root { ("chattr", "+i", "-i") } else { ("chmod", "555", "755") };
    if !Command::new(tool).arg(on).arg(&out).status().is_ok_and(|s| s.success())
        || fs::write(out.join("probe"), "").is_ok()
    {
        eprintln!("skipped: cannot make a directory read-only here");
        return;
    }
    let check = test.run_args(&["gen", "--env", "dev", "--check"]);
    // Without a lock file at all, too.
    Command::new(tool).arg(off).arg(&out).status().unwrap();
    fs::remove_file(out.join(".infragen.lock")).unwrap();
    Command::new(tool).arg(on).arg(&out).status().unwrap();
    let without = test.run_args(&["gen", "--env", "dev", "--check"]);
    Command::new(tool).arg(off).arg(&out).status().unwrap();
    check.status(0);
    without.status(0);
}

#[test]
fn a_run_waits_for_the_lock_and_gives_up_clearly() {
    let test = generated();
    let out = test.path().join("generated");
    let lock = infragen::output::OutputLock::acquire(&out, false, &mut |_| {}).unwrap().unwrap();
    let run = |timeout: &str| {
        Command::new(env!("CARGO_BIN_EXE_infragen"))
            .args(changed())
            .env("INFRAGEN_LOCK_TIMEOUT", timeout)
            .current_dir(test.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let before = snapshot(&out);
    let output = run("2").wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("note: waiting for another infragen run to finish writing generated (up to 2 s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: generated: another infragen run is still writing here after 2 s of waiting"),
        "{stderr}"
    );
    assert_eq!(snapshot(&out), before);

    // Released only once the second run says it waits (rendering first takes a while).
    let mut waiting = run("30");
    let mut stderr = std::io::BufReader::new(waiting.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("note: waiting for another infragen run") {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() == 0 {
            panic!("the run ended without waiting: {said}");
        }
        said.push_str(&line);
    }
    std::thread::sleep(Duration::from_millis(200));
    drop(lock);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = waiting.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{said}{rest}");
    assert!(out.join("dev/modules/cache/main.tf").is_file());
}
