//! Snapshots of every generated root, rendered from the shipped environment files.
//!
//! A template or model change shows up here as a reviewable diff. After an intended
//! change, accept the new output with `INSTA_UPDATE=always cargo test --test snapshots`
//! (or `cargo insta review`) and regenerate `generated/` with `infragen gen --all`.

use std::collections::BTreeSet;
use std::path::Path;

use infragen::config::Overrides;
use infragen::render::{BootstrapInputs, RenderedRoot, Renderer};
use infragen::workspace::Workspace;

fn shipped(name: &str) -> infragen::model::Architecture {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    match workspace.load(name, &Overrides::default()) {
        Ok(environment) => environment.architecture,
        Err(error) => panic!("environments/{name}.toml: {error}"),
    }
}

/// A whole root as one text: each file under a `==> path <==` line.
fn tree(root: &RenderedRoot) -> String {
    root.files().iter().map(|(path, text)| format!("==> {path} <==\n{text}\n")).collect()
}

#[test]
fn dev() {
    let root = Renderer::new().expect("templates").environment(&shipped("dev")).expect("renders");
    insta::assert_snapshot!("dev", tree(&root));
}

#[test]
fn prod() {
    let root = Renderer::new().expect("templates").environment(&shipped("prod")).expect("renders");
    insta::assert_snapshot!("prod", tree(&root));
}

#[test]
fn bootstrap() {
    // The bootstrap of the shipped project: prod's state settings, every environment's roles.
    let (dev, prod) = (shipped("dev"), shipped("prod"));
    let pipeline = infragen::model::pipeline::Pipeline::new(&[&dev, &prod]);
    assert!(pipeline.is_some(), "the shipped environments name a repository");
    let regions = BTreeSet::from([dev.region.clone(), prod.region.clone()]);
    let inputs = BootstrapInputs { pipeline: pipeline.as_ref(), regions: &regions };
    let root = Renderer::new().expect("templates").bootstrap(&prod, inputs).expect("renders");
    insta::assert_snapshot!("bootstrap", tree(&root));
}

#[test]
fn bootstrap_with_the_accounts_github_oidc_provider() {
    // `ci.github_oidc_provider = "existing"`, in every environment as it must be.
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let overrides = Overrides { set: vec!["ci.github_oidc_provider=existing".into()], ..Overrides::default() };
    let load = |name: &str| workspace.load(name, &overrides).expect("loads").architecture;
    let (dev, prod) = (load("dev"), load("prod"));
    let pipeline = infragen::model::pipeline::Pipeline::new(&[&dev, &prod]);
    let regions = BTreeSet::from([dev.region.clone(), prod.region.clone()]);
    let inputs = BootstrapInputs { pipeline: pipeline.as_ref(), regions: &regions };
    let root = Renderer::new().expect("templates").bootstrap(&prod, inputs).expect("renders");
    insta::assert_snapshot!("bootstrap_existing_oidc_provider", root.files()["bootstrap/github.tf"].as_str());
}

#[test]
fn rendering_is_deterministic() {
    let renderer = Renderer::new().expect("templates");
    let arch = shipped("prod");
    assert_eq!(renderer.environment(&arch).expect("renders"), renderer.environment(&arch).expect("renders"));
}
