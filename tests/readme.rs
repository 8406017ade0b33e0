//! The README documents what infragen has: every preset and every module it can generate.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md")
}

#[test]
fn every_preset_is_in_the_readme() {
    let readme = readme();
    for preset in infragen::config::presets::PRESETS {
        assert!(
            readme.contains(&format!("| `{}` |", preset.name)),
            "README.md lacks a row for preset `{}`",
            preset.name
        );
    }
}

#[test]
fn every_module_is_in_the_readme() {
    let readme = readme();
    for module in infragen::render::context::MODULES {
        assert!(readme.contains(&format!("| `{}` |", module.name)), "README.md lacks module `{}`", module.name);
    }
}
