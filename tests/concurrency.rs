//! Several `gen` processes writing different trees into one output directory at once: the
//! lock serialises them, so each ends with exit 0 and the directory holds exactly the tree
//! of one of them (the last to take the lock), never a mix.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use common::{Test, snapshot};

/// Four different trees from one environment file.
const VARIANTS: &[&[&str]] = &[
    &[],
    &["--set", "cache.enabled=true"],
    &["--without-preset", "no-nat", "--set", "tier=medium"],
    &["--set", "cache.enabled=true", "--without-preset", "min-logs"],
];

fn args(variant: &[&'static str], out: &'static str) -> Vec<&'static str> {
    let mut args = vec!["gen", "--env", "dev", "--output", out];
    args.extend(variant);
    args
}

#[test]
fn concurrent_runs_each_write_a_whole_tree_one_after_the_other() {
    let test = Test::with_fixture_environments();
    // Each variant's tree, written alone.
    let outs = ["alone-0", "alone-1", "alone-2", "alone-3"];
    let children: Vec<_> = VARIANTS.iter().zip(outs).map(|(variant, out)| spawn(&test, &args(variant, out))).collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let trees: Vec<BTreeMap<String, Vec<u8>>> = outs.iter().map(|out| snapshot(&test.path().join(out))).collect();
    for (i, tree) in trees.iter().enumerate() {
        assert!(trees.iter().skip(i + 1).all(|other| other != tree), "the variants write different trees");
    }

    for trial in 0..2 {
        // Eight at once into one directory, two of each variant.
        let children: Vec<_> =
            (0..8).map(|i| spawn(&test, &args(VARIANTS[(i + trial) % VARIANTS.len()], "generated"))).collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        }
        let seen = snapshot(&test.path().join("generated"));
        assert!(trees.contains(&seen), "trial {trial}: the tree is none of the runs' trees: {:?}", seen.keys());
    }
}

fn spawn(test: &Test, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(args)
        // Mutual exclusion is under test, not the wait: a slow machine must not time out.
        .env("INFRAGEN_LOCK_TIMEOUT", "300")
        .current_dir(test.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("infragen runs")
}
