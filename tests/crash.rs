//! Kill and heal: a run that dies at any point leaves a tree that the next run (any
//! command that takes the output directory's lock) turns into exactly the old tree or
//! exactly the new one, and a plain `gen` afterwards just works, also after a first run
//! that died. Debug builds stop dead (like SIGKILL) before the Nth change to the file
//! system with `INFRAGEN_CRASH_AT=N`, so a sweep reaches every stage of a write; real
//! SIGKILLs at random moments check the same without the hook.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Test, snapshot};
use infragen::output::OutputLock;

type Snapshot = BTreeMap<String, Vec<u8>>;

/// With a cache, more NAT, a bigger tier: adds a module and rewrites files in others.
const WITH_CACHE: &[&str] =
    &["gen", "--env", "dev", "--set", "cache.enabled=true", "--without-preset", "no-nat", "--set", "tier=medium"];
const PLAIN: &[&str] = &["gen", "--env", "dev"];

fn gen_status(test: &Test, args: &[&str], crash_at: Option<u64>) -> i32 {
    let mut command = Command::new(env!("CARGO_BIN_EXE_infragen"));
    command.args(args).current_dir(test.path()).stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(step) = crash_at {
        command.env("INFRAGEN_CRASH_AT", step.to_string());
    }
    command.status().expect("infragen runs").code().unwrap_or(-1)
}

/// What a reader sees once the directory's lock has been taken (which heals it).
fn healed(out: &Path) -> Snapshot {
    drop(OutputLock::acquire(out, false, &mut |_| {}).expect("heals"));
    let seen = snapshot(out);
    let leftovers: Vec<&String> =
        seen.keys().filter(|p| p.starts_with(".infragen-staging") || p.starts_with(".infragen-journal")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    seen
}

/// Puts `tree` back as the output directory.
fn restore(out: &Path, tree: &Snapshot) {
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out).unwrap();
    for (path, content) in tree {
        if let Some(dir) = path.strip_suffix('/') {
            fs::create_dir_all(out.join(dir)).unwrap();
        } else {
            fs::create_dir_all(out.join(path).parent().unwrap()).unwrap();
            fs::write(out.join(path), content).unwrap();
        }
    }
}

fn describe(seen: &Snapshot, old: &Snapshot, new: &Snapshot) -> String {
    let differ = |other: &Snapshot| -> Vec<String> {
        seen.iter()
            .filter(|(p, c)| other.get(*p) != Some(c))
            .map(|(p, _)| p.clone())
            .chain(other.keys().filter(|p| !seen.contains_key(*p)).cloned())
            .take(8)
            .collect()
    };
    format!("a mixed tree: unlike the old in {:?}, unlike the new in {:?}", differ(old), differ(new))
}

#[test]
fn a_change_killed_at_any_step_heals_to_the_old_or_the_new_tree() {
    change_killed_every(&[(3, 17), (8, 19)]);
}

/// Every step, both ways (a few minutes): `cargo test --test crash -- --ignored`.
#[test]
#[ignore]
fn a_change_killed_at_every_single_step_heals_to_the_old_or_the_new_tree() {
    change_killed_every(&[(0, 1), (0, 1)]);
}

/// Kills a change (both ways) at steps `first`, `first + stride`, ... until a run ends.
fn change_killed_every(sweeps: &[(u64, u64); 2]) {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: release builds have no INFRAGEN_CRASH_AT");
        return;
    }
    let test = Test::with_fixture_environments();
    let out = test.path().join("generated");
    assert_eq!(gen_status(&test, WITH_CACHE, None), 0);
    let with_cache = snapshot(&out);
    assert_eq!(gen_status(&test, PLAIN, None), 0);
    let plain = snapshot(&out);
    assert_ne!(with_cache, plain);

    // Both ways: one removes a module, the other adds it; both rewrite files.
    for (from, to, args, (first, stride)) in
        [(&with_cache, &plain, PLAIN, sweeps[0]), (&plain, &with_cache, WITH_CACHE, sweeps[1])]
    {
        let (mut old_seen, mut new_seen) = (0, 0);
        let mut step = first;
        loop {
            restore(&out, from);
            let status = gen_status(&test, args, Some(step));
            if status == 0 {
                break;
            }
            assert_eq!(status, 137, "step {step}");
            // Every other time the healing dies too, in the middle.
            if step % 2 == 0 {
                let status = gen_status(&test, &["gen", "--env", "dev", "--check"], Some(step % 7));
                assert!([0, 1, 137].contains(&status), "step {step}: {status}");
            }
            let seen = healed(&out);
            if seen == *from {
                old_seen += 1;
            } else if seen == *to {
                new_seen += 1;
            } else {
                panic!("killed at step {step}: {}", describe(&seen, from, to));
            }
            step += stride;
        }
        let seen = snapshot(&out);
        assert!(seen == *to, "a run that is not killed writes the new tree: {}", describe(&seen, from, to));
        // The sweep reached both sides of the commit.
        assert!(old_seen > 0 && new_seen > 0, "old {old_seen}, new {new_seen}");
    }
}

#[test]
fn a_first_run_killed_at_any_step_heals_and_a_plain_gen_then_works() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: release builds have no INFRAGEN_CRASH_AT");
        return;
    }
    let test = Test::with_fixture_environments();
    let out = test.path().join("generated");
    assert_eq!(gen_status(&test, PLAIN, None), 0);
    let full = snapshot(&out);
    let (mut none_seen, mut all_seen) = (0, 0);
    // Kills the first run at `step`; false when the run ended before it.
    let mut killed_at = |step: u64, look: bool| -> bool {
        fs::remove_dir_all(&out).unwrap();
        let status = gen_status(&test, PLAIN, Some(step));
        if status == 0 {
            return false;
        }
        assert_eq!(status, 137, "step {step}");
        if look {
            // What a reader sees: nothing, or everything. (When not looked at, the plain
            // gen below heals the directory itself.)
            let seen = healed(&out);
            if seen.is_empty() {
                none_seen += 1;
            } else if seen == full {
                all_seen += 1;
            } else {
                panic!("killed at step {step}: {}", describe(&seen, &BTreeMap::new(), &full));
            }
        }
        // A plain gen, without --force, takes the directory over again.
        assert_eq!(gen_status(&test, PLAIN, None), 0, "after a kill at step {step}");
        let seen = snapshot(&out);
        assert!(seen == full, "gen after a kill at step {step}: {}", describe(&seen, &BTreeMap::new(), &full));
        true
    };
    // Every 41st step until the run ends, then each of the ten before that: a new root
    // moves into place in one rename, so all that follows the commit is a few steps.
    let mut end = 1;
    while killed_at(end, end % 2 == 0) {
        end += 41;
    }
    // The first step the run does not reach lies after the last one it did: halve.
    let mut reached = end.saturating_sub(41);
    while reached + 1 < end {
        let middle = (reached + end) / 2;
        let probe = |step| {
            fs::remove_dir_all(&out).unwrap();
            gen_status(&test, PLAIN, Some(step)) != 0
        };
        if probe(middle) { reached = middle } else { end = middle }
    }
    for step in end.saturating_sub(10).max(1)..end {
        assert!(killed_at(step, true), "the run reaches step {step}");
    }
    assert!(none_seen > 0 && all_seen > 0, "nothing {none_seen}, everything {all_seen}");
}

#[test]
fn real_sigkills_at_random_moments_heal_to_the_old_or_the_new_tree() {
    let test = Test::with_fixture_environments();
    let out = test.path().join("generated");
    assert_eq!(gen_status(&test, WITH_CACHE, None), 0);
    let with_cache = snapshot(&out);
    let start = Instant::now();
    assert_eq!(gen_status(&test, PLAIN, None), 0);
    let took = start.elapsed();
    let plain = snapshot(&out);

    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..4 {
        let (from, to, args) =
            if round % 2 == 0 { (&plain, &with_cache, WITH_CACHE) } else { (&with_cache, &plain, PLAIN) };
        restore(&out, from);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // Mostly late in the run, where the writing is.
        let delay = took.mul_f64(0.4 + (rng % 1000) as f64 / 1000.0 * 0.8);
        let mut child = Command::new(env!("CARGO_BIN_EXE_infragen"))
            .args(args)
            .current_dir(test.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay.min(Duration::from_secs(5)));
        let _ = child.kill();
        let _ = child.wait();
        // Healed by a `gen --check` (the next run to take the lock), or by taking it here.
        let seen = if round % 2 == 0 {
            assert!([0, 1].contains(&gen_status(&test, &["gen", "--env", "dev", "--check"], None)));
            let seen = snapshot(&out);
            assert!(!seen.keys().any(|p| p.starts_with(".infragen-staging") || p.starts_with(".infragen-journal")));
            seen
        } else {
            healed(&out)
        };
        assert!(seen == *from || seen == *to, "killed after {delay:?}: {}", describe(&seen, from, to));
    }
    assert_eq!(gen_status(&test, PLAIN, None), 0);
    assert!(snapshot(&out) == plain);
}
