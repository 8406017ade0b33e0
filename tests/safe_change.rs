//! End-to-end: regenerating a live environment never destroys data by surprise, and
//! what users add by hand survives.

mod common;

use common::Test;

/// Every address the guard names in `stderr` for a root, e.g. `generated/prod`.
fn addresses(stderr: &str, root: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.trim().strip_prefix(&format!("{root}: ")))
        .filter_map(|rest| rest.split_whitespace().nth(1))
        .map(str::to_string)
        .collect()
}

fn rename_project(test: &Test, to: &str) {
    for env in ["dev", "prod"] {
        let path = format!("environments/{env}.toml");
        test.write(&path, &test.read(&path).replace("project = \"acme\"", &format!("project = \"{to}\"")));
    }
}

#[test]
fn renaming_the_project_is_refused_in_production_unless_allowed() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let before = test.tree("generated");
    rename_project(&test, "acme2");

    let refused = test
        .run_args(&["gen", "--all"])
        .status(2)
        .stderr_contains("error: refusing to write: the change destroys data in production (nothing was written)")
        .stderr_contains("generated/prod: REPLACES module.rds.aws_db_instance.this (identifier \"acme-prod\" -> \"acme2-prod\"): the database and its data are destroyed")
        .stderr_contains("--allow-replace ADDRESS");
    assert_eq!(test.tree("generated"), before, "nothing was written");
    // --check says the same, and that gen would refuse.
    test.run_args(&["gen", "--all", "--check"])
        .status(1)
        .stderr_contains("warning: generated/prod: REPLACES module.rds.aws_db_instance.this")
        .stderr_contains("`infragen gen` refuses it without --allow-replace");

    // Allowing every address the guard named lets it through; development only warns.
    let allowed = addresses(&refused.stderr, "generated/prod");
    assert!(allowed.contains(&"module.rds.aws_db_instance.this".to_string()), "{allowed:?}");
    let mut args = vec!["gen", "--all"];
    for address in &allowed {
        args.extend(["--allow-replace", address.as_str()]);
    }
    test.run_args(&args)
        .status(0)
        .stderr_contains("warning: generated/dev: REPLACES module.rds.aws_db_instance.this")
        .stdout_contains("  REPLACES module.rds.aws_db_instance.this (identifier \"acme-prod\" -> \"acme2-prod\")");
    assert!(test.read("generated/prod/main.tf").contains("identifier             = \"acme2-prod\""));
    // The run that replaces the database leaves prevent_destroy off it, so that Terraform
    // can apply the replacement; the next run puts it back.
    let rds = "generated/prod/modules/rds/main.tf";
    let instance = |text: &str| text[text.find("resource \"aws_db_instance\"").expect("instance")..].to_string();
    assert!(!instance(&test.read(rds)).contains("prevent_destroy"));
    // The next run compares with what is now on disk: nothing left to allow.
    test.run_args(&["gen", "--all"]).status(0);
    assert!(instance(&test.read(rds)).contains("prevent_destroy = true"));
}

#[test]
fn an_allowance_for_an_address_that_is_not_replaced_is_pointed_out() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    test.run_args(&["gen", "--all", "--allow-replace", "module.rds.aws_db_instance.this"])
        .status(0)
        .stderr_contains("note: --allow-replace module.rds.aws_db_instance.this: no resource holding data at that address is replaced or destroyed");
}

#[test]
fn switching_the_cache_off_in_production_keeps_its_data() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    assert!(test.path().join("generated/prod/modules/cache/main.tf").exists());
    let prod = test.read("environments/prod.toml");
    test.write("environments/prod.toml", &format!("{prod}\n[cache]\nenabled = false\n"));

    let output = test.run_args(&["gen", "--all"]).status(0);
    output.stdout_contains("  KEEPS module.cache.aws_elasticache_replication_group.this: `removed { from = module.cache }` takes it out of the Terraform state without destroying it");
    let removed = test.read("generated/prod/removed.tf");
    assert!(
        removed.contains("removed {\n  from = module.cache\n\n  lifecycle {\n    destroy = false\n  }\n}\n"),
        "{removed}"
    );
    assert!(!test.path().join("generated/prod/modules/cache").exists(), "the module itself is gone");
    // The block stays on later runs (the tree on disk no longer has the cache, but has the
    // block), and the tree is current.
    test.run_args(&["gen", "--all"]).status(0);
    assert_eq!(test.read("generated/prod/removed.tf"), removed);
    test.run_args(&["gen", "--all", "--check"]).status(0);

    // Switched on again, the cache is managed again and the block goes.
    test.write("environments/prod.toml", &prod);
    test.run_args(&["gen", "--all"]).status(0);
    assert!(!test.path().join("generated/prod/removed.tf").exists());
}

#[test]
fn in_development_a_removed_cache_is_destroyed_with_a_warning() {
    let test = Test::with_shipped_environments();
    let dev = test.read("environments/dev.toml");
    test.write("environments/dev.toml", &format!("{dev}\n[cache]\nenabled = true\n"));
    test.run_args(&["gen", "--env", "dev"]).status(0);
    test.write("environments/dev.toml", &dev);
    test.run_args(&["gen", "--env", "dev"])
        .status(0)
        .stderr_contains("warning: generated/dev: DESTROYS module.cache.aws_elasticache_replication_group.this: the cache and its data are destroyed");
    assert!(!test.path().join("generated/dev/removed.tf").exists());
}

#[test]
fn hand_written_and_override_files_survive_gen_and_stale_ones_are_reported() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    let alerts = "resource \"aws_sns_topic_subscription\" \"pager\" {\n  topic_arn = module.monitoring.alarm_topic_arn\n  protocol  = \"https\"\n  endpoint  = \"https://pager.example.com/hook\"\n}\n";
    let rds_override = "module \"rds\" {\n  instance_class = \"db.r6g.large\"\n}\n";
    let cache_override = "module \"cache\" {\n  node_type = \"cache.r7g.large\"\n}\n";
    test.write("generated/prod/alerts.tf", alerts);
    test.write("generated/prod/rds_override.tf", rds_override);
    test.write("generated/prod/cache_override.tf", cache_override);

    // A change that rewrites the root leaves them alone, and nothing is stale about them.
    let prod = test.read("environments/prod.toml");
    test.write("environments/prod.toml", &prod.replace("backup_retention_days = 14", "backup_retention_days = 21"));
    let output = test.run_args(&["gen", "--all"]).status(0);
    assert!(!output.stderr.contains("no longer has"), "{}", output.stderr);
    assert_eq!(test.read("generated/prod/alerts.tf"), alerts);
    assert_eq!(test.read("generated/prod/rds_override.tf"), rds_override);
    test.run_args(&["gen", "--all", "--check"]).status(0);

    // Without the cache, the override of its module has nothing left to override.
    test.write("environments/prod.toml", &format!("{prod}\n[cache]\nenabled = false\n"));
    test.run_args(&["gen", "--all", "--check"])
        .status(1)
        .stderr_contains("warning: generated/prod/cache_override.tf overrides module.cache, which the generated root no longer has (Terraform rejects an override without its base block)");
    test.run_args(&["gen", "--all"])
        .status(0)
        .stderr_contains("warning: generated/prod/cache_override.tf overrides module.cache");
    assert_eq!(test.read("generated/prod/cache_override.tf"), cache_override, "infragen never touches it");
}
