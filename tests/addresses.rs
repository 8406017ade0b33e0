//! Stable addresses: the resource addresses of every shipped environment and of every
//! variant `.ci/verify-variants` checks are pinned. A change of an address destroys the
//! resource and creates another on the next apply, unless infragen also writes a `moved`
//! block for it (`data/moved.toml`, see CHANGELOG.md).
//!
//! After an intended change: add the rename to `data/moved.toml`, then accept the new
//! list with `INSTA_UPDATE=always cargo test --test addresses`.

use std::collections::BTreeSet;
use std::path::Path;

use infragen::render::{BootstrapInputs, Renderer, moved};
use infragen::workspace::Workspace;

mod common;
use common::variants;

/// Every variant's addresses, one `variant address` per line.
fn rendered_addresses() -> String {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let renderer = Renderer::new().expect("templates");
    let mut text = String::new();
    for (name, env, overrides) in variants() {
        let environment = workspace.load(&env, &overrides).unwrap_or_else(|e| panic!("{name}: {e}"));
        for address in renderer.environment(&environment.architecture).expect("renders").addresses() {
            text.push_str(&format!("{name} {address}\n"));
        }
        if name == "prod" {
            let pipeline = infragen::model::pipeline::Pipeline::new(&[&environment.architecture]);
            let regions = BTreeSet::from([environment.architecture.region.clone()]);
            let inputs = BootstrapInputs { pipeline: pipeline.as_ref(), regions: &regions };
            for address in renderer.bootstrap(&environment.architecture, inputs).expect("renders").addresses() {
                text.push_str(&format!("bootstrap {address}\n"));
            }
        }
    }
    text
}

#[test]
fn addresses_are_pinned() {
    insta::assert_snapshot!("addresses", rendered_addresses());
}

/// An address that disappears from a variant needs a `moved` entry whose new address the
/// variant has; otherwise the next apply destroys the resource.
#[test]
fn a_pinned_address_that_disappears_has_a_moved_block() {
    let pinned = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/addresses__addresses.snap"),
    )
    .expect("the pinned addresses");
    let now: BTreeSet<String> = rendered_addresses().lines().map(str::to_string).collect();
    let mut missing = Vec::new();
    // The snapshot is a `---` fenced header, then the list.
    let list = pinned.splitn(3, "---\n").nth(2).expect("an insta snapshot");
    for line in list.lines() {
        let Some((variant, address)) = line.split_once(' ') else { continue };
        if now.contains(line) {
            continue;
        }
        let moved = moved::all().iter().any(|m| {
            (address == m.from || address.starts_with(&format!("{}.", m.from)))
                && now.iter().any(|l| l.starts_with(&format!("{variant} {}", m.to)))
        });
        if !moved {
            missing.push(line.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "these addresses disappeared without a moved block (add them to data/moved.toml):\n{}",
        missing.join("\n")
    );
}
