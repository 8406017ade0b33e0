//! `gen` skips what has not changed (content hashes in the manifest, the freshness record
//! in `.infragen-cache`) without losing a guarantee: a tree that differs from what rendering
//! gives is still found, whatever the record or the manifest say.

mod common;

use common::Test;
use infragen::output::{FRESHNESS_FILE, MANIFEST_FILE, hash::content_hash};

/// The manifest with the hash of `path` replaced by the hash of `content`.
fn manifest_claiming(manifest: &str, path: &str, content: &str) -> String {
    manifest
        .lines()
        .map(|line| match line.split_once(' ') {
            Some((p, _)) if p == path => format!("{p} {}\n", content_hash(content.as_bytes())),
            _ => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn gen_records_what_it_wrote_and_check_reads_without_writing() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let record = test.read(&format!("generated/{FRESHNESS_FILE}"));
    for root in ["dev", "prod", "bootstrap"] {
        assert!(record.lines().any(|line| line.starts_with(&format!("{root} "))), "{record}");
    }
    // Every file is listed with the hash of its content.
    let manifest = test.read(&format!("generated/{MANIFEST_FILE}"));
    let main = test.read("generated/dev/main.tf");
    assert!(manifest.contains(&format!("dev/main.tf {}\n", content_hash(main.as_bytes()))), "{manifest}");

    // A fresh run prints what a full one does, the resources per module included, and
    // changes nothing on disk: no staging directory comes and goes, no record is rewritten.
    let full = test.run_args(&["gen", "--all"]).status(0).stdout;
    let stamp = |path: &str| {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(test.path().join(path)).expect("stat");
        (meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.ctime(), meta.ctime_nsec())
    };
    let before = (stamp("generated"), stamp(&format!("generated/{FRESHNESS_FILE}")));
    assert_eq!(test.run_args(&["gen", "--all"]).status(0).stdout, full);
    assert_eq!((stamp("generated"), stamp(&format!("generated/{FRESHNESS_FILE}"))), before);
    // Fresh roots are counted from the manifest, rendered ones from the plan: the same.
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("is up to date (136 files checked)");
    std::fs::remove_file(test.path().join("generated").join(FRESHNESS_FILE)).expect("remove the record");
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("is up to date (136 files checked)");
    assert!(!test.path().join("generated").join(FRESHNESS_FILE).exists(), "--check writes nothing");
    assert_eq!(test.run_args(&["gen", "--all"]).status(0).stdout, full);
}

#[test]
fn a_file_changed_together_with_its_manifest_hash_is_still_stale() {
    // What a merge or a hand edit can leave: a file and the manifest agree with each other,
    // but not with what rendering gives.
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let edited = test.read("generated/dev/variables.tf") + "# hand edit\n";
    test.write("generated/dev/variables.tf", &edited);
    let manifest = test.read(&format!("generated/{MANIFEST_FILE}"));
    test.write(&format!("generated/{MANIFEST_FILE}"), &manifest_claiming(&manifest, "dev/variables.tf", &edited));
    test.run_args(&["gen", "--all", "--check"]).status(1).stderr_contains("error: generated is stale: 1 file differs");
    test.run_args(&["gen", "--all"]).status(0);
    assert!(!test.read("generated/dev/variables.tf").contains("# hand edit"));
    test.run_args(&["gen", "--all", "--check"]).status(0);
}

#[test]
fn a_changed_environment_file_or_a_garbled_record_renders_again() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    test.write(&format!("generated/{FRESHNESS_FILE}"), "dev 0 0 -\nnot a record\n");
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("is up to date");
    let dev = test.read("environments/dev.toml");
    test.write("environments/dev.toml", &dev.replace("backup_retention_days = 7", "backup_retention_days = 8"));
    test.run_args(&["gen", "--all", "--check"]).status(1).stderr_contains("error: generated is stale: 3 files differ");
}

#[test]
fn a_manifest_of_an_earlier_version_is_current_and_gains_hashes() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let manifest = test.read(&format!("generated/{MANIFEST_FILE}"));
    // The format before content hashes: one path a line.
    let old = common::without_hashes(&manifest);
    test.write(&format!("generated/{MANIFEST_FILE}"), &old);
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("is up to date");
    test.run_args(&["gen", "--all"]).status(0);
    assert_eq!(test.read(&format!("generated/{MANIFEST_FILE}")), manifest);
}

#[test]
fn only_the_files_rendering_parsed_skip_the_check_before_writing() {
    // A module's variables.tf and outputs.tf are parsed for its README, in their final
    // form, and a file the root shares with an earlier one (the modules' versions.tf) is
    // parsed once for both: `gen` does not parse them again. Every other .tf file still
    // needs the check.
    let renderer = infragen::render::Renderer::new().expect("templates");
    let workspace =
        infragen::workspace::Workspace::new(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let environment = workspace.load("prod", &Default::default()).expect("loads");
    let mut root = renderer.environment_unparsed(&environment.architecture, &[]).expect("renders");
    renderer.keep(&environment.architecture, &mut root, &["module.cache".to_string()]).expect("renders");
    let (checked, parsed): (Vec<&String>, Vec<&String>) =
        root.files().keys().filter(|path| path.ends_with(".tf")).partition(|path| root.needs_parse_check(path));
    assert!(checked.iter().any(|path| path.as_str() == "prod/removed.tf"), "{checked:?}");
    assert!(checked.iter().any(|path| path.as_str() == "prod/variables.tf"), "{checked:?}");
    assert!(checked.iter().any(|path| path.as_str() == "prod/modules/rds/main.tf"), "{checked:?}");
    assert!(parsed.len() > 10, "{parsed:?}");
    let files = root.files();
    for path in parsed {
        assert!(path.starts_with("prod/modules/"), "{path}");
        let shared = files.iter().any(|(other, text)| other != path && other.ends_with(".tf") && *text == files[path]);
        assert!(path.ends_with("/variables.tf") || path.ends_with("/outputs.tf") || shared, "{path}");
    }
}

#[test]
fn a_file_roots_share_is_parsed_once_whichever_root_parses_it() {
    // Two roots rendered side by side share their module files through the memo. The
    // first to render a file leaves it for the check before writing; once either root
    // has parsed it (the other while rendering, or this one before writing), neither
    // parses it again.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    let test = Test::new();
    test.write("customers/dev.toml", &std::fs::read_to_string(shipped.join("dev.toml")).expect("reads"));
    let load = |dir: &std::path::Path| {
        infragen::workspace::Workspace::new(dir).load("dev", &Default::default()).expect("loads")
    };
    let (ours, theirs) = (load(&shipped), load(&test.path().join("customers")));
    let path = "dev/modules/rds/main.tf";

    // This root parses the file before writing: the root that shares it need not.
    let renderer = infragen::render::Renderer::new().expect("templates");
    let first = renderer.environment_unparsed(&ours.architecture, &[]).expect("renders");
    assert!(first.needs_parse_check(path));
    first.check_parses_of(path, &first.files()[path]).expect("parses");
    assert!(!first.needs_parse_check(path));
    let second = renderer.environment_unparsed(&theirs.architecture, &[]).expect("renders");
    assert!(!second.needs_parse_check(path));
    assert_ne!(first.files()[path], second.files()[path], "each under its own header");

    // The root that shares the file parses it while rendering: the first need not.
    let renderer = infragen::render::Renderer::new().expect("templates");
    let first = renderer.environment_unparsed(&ours.architecture, &[]).expect("renders");
    assert!(first.needs_parse_check(path));
    let second = renderer.environment_unparsed(&theirs.architecture, &[]).expect("renders");
    assert!(!second.needs_parse_check(path));
    assert!(!first.needs_parse_check(path));
    // A file no other root has is still checked.
    let prod = infragen::workspace::Workspace::new(&shipped).load("prod", &Default::default()).expect("loads");
    let other = renderer.environment_unparsed(&prod.architecture, &[]).expect("renders");
    assert!(other.needs_parse_check("prod/main.tf"));

    // A text that is not the root's own (never the case in `gen`) says nothing of the
    // shared file.
    let renderer = infragen::render::Renderer::new().expect("templates");
    let first = renderer.environment_unparsed(&ours.architecture, &[]).expect("renders");
    first.check_parses_of(path, "# another text\n").expect("parses");
    assert!(first.needs_parse_check(path));
}

#[test]
fn roots_that_share_a_renderer_render_what_each_renders_alone() {
    // One renderer formats and parses the files roots share once (`render::memo`): every
    // root must come out byte for byte as it does from a renderer of its own, under its
    // own header, through every variant of the environments. Every second root of the
    // shared renderer goes through the modules in reverse (so that two workers meet
    // halfway), so both orders are compared with a renderer's first root.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    let test = Test::new();
    for name in ["dev", "prod"] {
        test.write(
            &format!("customers/{name}.toml"),
            &std::fs::read_to_string(shipped.join(format!("{name}.toml"))).expect("reads"),
        );
    }
    let workspaces = [
        infragen::workspace::Workspace::new(&shipped),
        infragen::workspace::Workspace::new(&test.path().join("customers")),
    ];
    let shared = infragen::render::Renderer::new().expect("templates");
    let mut roots = 0;
    for workspace in &workspaces {
        for (variant, env, overrides) in common::variants() {
            let environment = workspace.load(&env, &overrides).unwrap_or_else(|e| panic!("{variant}: {e}"));
            let arch = &environment.architecture;
            let alone = infragen::render::Renderer::new().expect("templates").environment(arch).expect("renders");
            let together = shared.environment(arch).expect("renders");
            assert_eq!(together.files(), alone.files(), "{variant} from {}", arch.source_name);
            roots += 1;
        }
    }
    assert!(roots > 20);

    // The copies under `customers/` differ from the shipped files in every header, and
    // still found every module file in the memo, already parsed.
    let environment = workspaces[1].load("dev", &Default::default()).expect("loads");
    let root = shared.environment_unparsed(&environment.architecture, &[]).expect("renders");
    assert!(root.files()["dev/modules/rds/main.tf"].starts_with("# Generated by infragen from customers/dev.toml."));
    let unparsed: Vec<&String> =
        root.files().keys().filter(|path| path.contains("/modules/") && root.needs_parse_check(path)).collect();
    assert!(unparsed.is_empty(), "{unparsed:?}");
}

#[test]
fn the_lexer_lists_the_top_level_blocks_the_parser_finds() {
    // Counting and listing resources reads the lexer's tokens instead of parsing: it must
    // agree with hcl-rs on every generated file. And a rendered root keeps the blocks of
    // each file from the lex that formatted it: they must be those of the final text.
    let renderer = infragen::render::Renderer::new().expect("templates");
    let workspace =
        infragen::workspace::Workspace::new(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let mut files = 0;
    for name in ["dev", "prod"] {
        let environment = workspace.load(name, &Default::default()).expect("loads");
        let arch = &environment.architecture;
        let mut environment_root = renderer.environment(arch).expect("renders");
        // What `gen` adds to a production root that lets resources holding data go.
        renderer.keep(arch, &mut environment_root, &["module.cache".to_string()]).expect("renders");
        let pipeline = infragen::model::pipeline::Pipeline::new(&[arch]);
        let regions = std::collections::BTreeSet::from([arch.region.clone()]);
        let inputs = infragen::render::BootstrapInputs { pipeline: pipeline.as_ref(), regions: &regions };
        let roots = [environment_root, renderer.bootstrap(arch, inputs).expect("renders")];
        for root in &roots {
            for (path, text) in root.files() {
                let lexed = infragen::render::format::top_level_blocks(text);
                if !path.ends_with(".tf") {
                    assert_eq!(root.blocks(path), None, "{path}");
                    continue;
                }
                assert_eq!(root.blocks(path), Some(lexed.as_slice()), "{path}: the blocks kept are not the file's");
                let body = hcl::parse(text).expect("parses");
                let parsed: Vec<(String, Vec<String>)> = body
                    .blocks()
                    .map(|b| (b.identifier().to_string(), b.labels().iter().map(|l| l.as_str().to_string()).collect()))
                    .collect();
                let lexed: Vec<(String, Vec<String>)> =
                    lexed.into_iter().map(|block| (block.kind, block.labels)).collect();
                assert_eq!(lexed, parsed, "{path}");
                files += 1;
            }
        }
    }
    assert!(files > 100, "{files}");
}
