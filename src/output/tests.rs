use std::fs;

use super::*;

fn root(name: &str, files: &[(&str, &str)]) -> RenderedRoot {
    RenderedRoot::new(name, files.iter().map(|(p, c)| (format!("{name}/{p}"), c.to_string())).collect())
}

fn locked(out: &Path) -> OutputLock {
    OutputLock::acquire(out, true, &mut |_| {}).expect("lock").expect("created")
}

fn write(out: &Path, roots: &[RenderedRoot]) -> Plan {
    let plan = Plan::new(out, roots).expect("plan");
    plan.write(out, false).expect("write");
    plan
}

#[test]
fn a_new_root_moves_in_whole_unless_something_has_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("generated");
    write(&out, &[root("dev", &[("main.tf", "a\n")])]);
    // prod is new: it moves in as one directory.
    let roots = [root("dev", &[("main.tf", "a\n")]), root("prod", &[("main.tf", "p\n"), ("modules/x/main.tf", "x\n")])];
    write(&out, &roots);
    assert_eq!(fs::read_to_string(out.join("prod/main.tf")).unwrap(), "p\n");
    assert_eq!(fs::read_to_string(out.join("prod/modules/x/main.tf")).unwrap(), "x\n");
    // A directory of the user's where a new root goes: filled file by file, theirs kept.
    fs::create_dir_all(out.join("stage")).expect("mkdir");
    fs::write(out.join("stage/notes.md"), "mine\n").expect("write");
    let mut roots = roots.to_vec();
    roots.push(root("stage", &[("main.tf", "s\n")]));
    write(&out, &roots);
    assert_eq!(fs::read_to_string(out.join("stage/main.tf")).unwrap(), "s\n");
    assert_eq!(fs::read_to_string(out.join("stage/notes.md")).unwrap(), "mine\n");
    // A link where a new root goes is never followed nor replaced.
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, out.join("qa")).expect("symlink");
    roots.push(root("qa", &[("main.tf", "q\n")]));
    let plan = Plan::new(&out, &roots);
    let refused = plan.and_then(|plan| plan.write(&out, false));
    assert!(matches!(refused, Err(OutputError::Link { .. })), "{refused:?}");
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(Plan::new(&out, &roots[..3]).unwrap().is_up_to_date());
}

#[test]
fn a_write_returns_the_stamps_of_the_roots_that_moved_in_whole_as_they_are_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("generated");
    write(&out, &[root("dev", &[("main.tf", "a\n")])]);
    // dev changes file by file (each file renamed into place has a change time of its
    // own); prod and its module move in as one directory.
    let roots = [root("dev", &[("main.tf", "b\n")]), root("prod", &[("main.tf", "p\n"), ("modules/x/main.tf", "x\n")])];
    let plan = Plan::new(&out, &roots).expect("plan");
    let stamps = plan.write_locked(&mut locked(&out), false).expect("write");
    let mut keys: Vec<&str> = stamps.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["prod/main.tf", "prod/modules/x/main.tf"]);
    let mut tree = Tree::open(&out).expect("opens").expect("exists");
    for (path, stamp) in &stamps {
        assert_eq!(tree.stamp(path).expect("stat").as_ref(), Some(stamp), "{path}");
    }
}

#[test]
fn a_fresh_directory_is_written_and_then_up_to_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("generated");
    let roots = [root("dev", &[("main.tf", "a\n"), ("modules/network/main.tf", "b\n")])];
    let plan = write(&out, &roots);
    assert_eq!(plan.count(FileChange::Added), 2);
    assert_eq!(fs::read_to_string(out.join("dev/modules/network/main.tf")).unwrap(), "b\n");
    let manifest = Manifest::parse(&fs::read_to_string(out.join(MANIFEST_FILE)).unwrap()).unwrap();
    assert_eq!(manifest.files_of("dev").collect::<Vec<_>>(), ["dev/main.tf", "dev/modules/network/main.tf"]);
    assert_eq!(manifest.hash_of("dev/main.tf"), Some(hash::content_hash(b"a\n").as_str()));
    assert!(Plan::new(&out, &roots).unwrap().is_up_to_date());
    // No staging directory or journal is left behind; the lock file stays.
    let mut leftovers: Vec<_> = fs::read_dir(&out).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    leftovers.sort();
    assert_eq!(leftovers, [MANIFEST_FILE, LOCK_FILE, "dev"], "{leftovers:?}");
}

#[test]
fn changes_show_as_a_unified_diff_and_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    write(out, &[root("dev", &[("main.tf", "a\nb\n")])]);
    let roots = [root("dev", &[("main.tf", "a\nc\n")])];
    let plan = Plan::new(out, &roots).unwrap();
    assert_eq!(plan.files.get("dev/main.tf"), Some(&FileChange::Changed));
    let diff = plan.unified_diff(out);
    assert!(diff.contains("-b\n+c\n"), "{diff}");
    assert!(diff.contains(&format!("+++ b/{}/dev/main.tf", out.display())), "{diff}");
    plan.write(out, false).unwrap();
    assert_eq!(fs::read_to_string(out.join("dev/main.tf")).unwrap(), "a\nc\n");
}

#[test]
fn files_no_longer_generated_are_removed_and_others_never_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    write(
        out,
        &[root("dev", &[("main.tf", "a\n"), ("modules/old/main.tf", "x\n")]), root("prod", &[("main.tf", "p\n")])],
    );
    fs::write(out.join("dev/.terraform.lock.hcl"), "lock\n").unwrap();
    fs::create_dir_all(out.join("dev/.terraform")).unwrap();

    let plan = write(out, &[root("dev", &[("main.tf", "a\n")])]);
    assert_eq!(plan.files.get("dev/modules/old/main.tf"), Some(&FileChange::Removed));
    assert!(!out.join("dev/modules").exists(), "empty module directories are removed");
    assert_eq!(fs::read_to_string(out.join("dev/.terraform.lock.hcl")).unwrap(), "lock\n");
    assert!(out.join("dev/.terraform").is_dir());
    // Rendering only dev keeps prod's files and manifest entries.
    assert_eq!(fs::read_to_string(out.join("prod/main.tf")).unwrap(), "p\n");
    assert!(fs::read_to_string(out.join(MANIFEST_FILE)).unwrap().contains("prod/main.tf "));
}

#[test]
fn refuses_a_directory_infragen_did_not_create_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    fs::write(out.join("precious.txt"), "mine\n").unwrap();
    let roots = [root("dev", &[("main.tf", "a\n")])];
    let plan = Plan::new(out, &roots).unwrap();
    let error = plan.write(out, false).expect_err("refused");
    assert!(matches!(error, OutputError::NotOurs { .. }));
    assert!(!out.join("dev").exists());
    plan.write(out, true).expect("forced");
    assert_eq!(fs::read_to_string(out.join("precious.txt")).unwrap(), "mine\n");
}

#[test]
fn a_failure_while_staging_leaves_the_directory_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    write(out, &[root("dev", &[("main.tf", "old\n")])]);
    let before = fs::read_to_string(out.join(MANIFEST_FILE)).unwrap();
    // `x` cannot be both a file and a directory: staging fails half-way.
    let roots = [root("dev", &[("main.tf", "new\n"), ("x.tf", "file\n"), ("x.tf/y.tf", "nested\n")])];
    let plan = Plan::new(out, &roots).unwrap();
    assert!(plan.write(out, false).is_err());
    assert_eq!(fs::read_to_string(out.join("dev/main.tf")).unwrap(), "old\n");
    assert_eq!(fs::read_to_string(out.join(MANIFEST_FILE)).unwrap(), before);
    let names: Vec<String> = fs::read_dir(out)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(STAGING_PREFIX)), "{names:?}");
}

#[test]
fn a_stale_manifest_alone_makes_the_plan_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    let roots = [root("dev", &[("main.tf", "a\n")])];
    write(out, &roots);
    fs::write(out.join(MANIFEST_FILE), "dev/main.tf\n").unwrap();
    let plan = Plan::new(out, &roots).unwrap();
    assert!(!plan.is_up_to_date());
    assert_eq!(plan.count(FileChange::Changed), 0);
}

#[test]
fn rendered_paths_cannot_escape_the_output_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = RenderedRoot::new("dev", [("dev/../../etc".to_string(), String::new())].into());
    assert!(matches!(Plan::new(dir.path(), &[bad]), Err(OutputError::Invalid { .. })));
}

#[test]
fn a_failure_part_way_through_the_renames_puts_every_file_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    write(out, &[root("dev", &[("a.tf", "old a\n"), ("z.tf", "old z\n"), ("gone.tf", "gone\n")])]);
    let before = snapshot(out);
    let roots = [root("dev", &[("a.tf", "new a\n"), ("m.tf/x.tf", "new\n"), ("z.tf", "new z\n")])];
    let mut lock = locked(out);
    let plan = Plan::new(out, &roots).unwrap();
    // Planned, then something takes the place of a directory the run needs: the rename of
    // dev/m.tf/x.tf fails after dev/a.tf is in place.
    fs::write(out.join("dev/m.tf"), "in the way\n").unwrap();
    let error = plan.write_locked(&mut lock, false).expect_err("fails part-way");
    assert!(matches!(error, OutputError::RolledBack { .. }), "{error}");
    assert!(error.to_string().contains("nothing was changed"), "{error}");
    fs::remove_file(out.join("dev/m.tf")).unwrap();
    assert_eq!(snapshot(out), before);
}

#[test]
fn an_output_directory_that_is_a_link_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("elsewhere")).unwrap();
    let out = dir.path().join("generated");
    std::os::unix::fs::symlink("elsewhere", &out).unwrap();
    let error = OutputLock::acquire(&out, true, &mut |_| {}).expect_err("refused");
    assert!(matches!(&error, OutputError::Link { path } if *path == out.display().to_string()), "{error}");
    assert!(error.is_invalid_input());
    assert_eq!(fs::read_dir(dir.path().join("elsewhere")).unwrap().count(), 0);
}

#[test]
fn paths_infragen_may_own() {
    for good in ["dev/main.tf", "prod/modules/rds/README.md", "dev/deploy.sh"] {
        assert_eq!(owned_path(good), Ok(()), "{good}");
    }
    for bad in [
        "main.tf",
        "/etc/passwd.tf",
        "dev/../../x.tf",
        "dev/./main.tf",
        "dev//main.tf",
        "dev/.terraform/x.tf",
        "dev/.terraform.lock.hcl",
        "dev/terraform.tfstate",
        "dev/terraform.tfvars",
        "dev/override.tf",
        "dev/db_override.tf",
        "dev/ma in.tf",
        "dev/main.tf\n",
        "dev\\main.tf",
        "dev/-rf.tf",
        "dev/x",
    ] {
        assert!(owned_path(bad).is_err(), "{bad:?}");
    }
}

/// Every file under `dir` but the lock file, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                walk(root, &path, files);
            } else if relative != LOCK_FILE {
                files.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

#[test]
fn a_first_run_killed_by_an_earlier_infragen_does_not_need_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    // An earlier infragen named its staging directory after the process only.
    fs::create_dir_all(out.join(".infragen-staging-4242/dev")).unwrap();
    fs::write(out.join(".infragen-staging-4242/dev/main.tf"), "a\n").unwrap();
    write(out, &[root("dev", &[("main.tf", "a\n")])]);
    // Left alone: nothing proves it infragen's.
    assert!(out.join(".infragen-staging-4242/dev/main.tf").is_file());
    // A user's directory still needs --force.
    let other = tempfile::tempdir().expect("tempdir");
    fs::create_dir(other.path().join(".infragen-staging-notes")).unwrap();
    let plan = Plan::new(other.path(), &[root("dev", &[("main.tf", "a\n")])]).unwrap();
    assert!(matches!(plan.write(other.path(), false), Err(OutputError::NotOurs { .. })));
}
