//! Facts about the committed generated/ tree that the issues name outright, checked on
//! the parsed Terraform rather than on text.

mod common;

use std::path::Path;

use common::blocks;

fn module_argument(root: &str, module: &str, argument: &str) -> hcl::Expression {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join("main.tf");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = hcl::parse(&text).expect("generated main.tf parses");
    let block = body
        .blocks()
        .find(|b| b.identifier() == "module" && b.labels().first().is_some_and(|l| l.as_str() == module))
        .unwrap_or_else(|| panic!("{root}/main.tf calls module {module}"));
    block
        .body()
        .attributes()
        .find(|a| a.key() == argument)
        .map(|a| a.expr().clone())
        .unwrap_or_else(|| panic!("module {module} in {root} sets {argument}"))
}

#[test]
fn the_production_database_is_multi_az_and_development_is_not() {
    assert_eq!(module_argument("prod", "rds", "multi_az"), hcl::Expression::Bool(true));
    assert_eq!(module_argument("dev", "rds", "multi_az"), hcl::Expression::Bool(false));
}

#[test]
fn the_production_database_is_protected_and_keeps_a_final_snapshot() {
    assert_eq!(module_argument("prod", "rds", "deletion_protection"), hcl::Expression::Bool(true));
    assert_eq!(module_argument("prod", "rds", "skip_final_snapshot"), hcl::Expression::Bool(false));
    assert_eq!(module_argument("prod", "alb", "deletion_protection"), hcl::Expression::Bool(true));
}

#[test]
fn production_runs_at_least_two_tasks() {
    let hcl::Expression::Number(min) = module_argument("prod", "ecs", "min_count") else { panic!("a number") };
    assert!(min.as_u64().is_some_and(|n| n >= 2), "{min}");
}

fn parse(root: &str, file: &str) -> hcl::Body {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn attribute(body: &hcl::Body, key: &str) -> Option<hcl::Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr().clone())
}

#[test]
fn task_policy_arns_are_attached_to_the_task_role_as_they_are() {
    use infragen::config::Overrides;
    let workspace = infragen::workspace::Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let arns = ["arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/backend-sqs"];
    let overrides = Overrides {
        set: vec![format!("service.task_policy_arns=[\"{}\", \"{}\"]", arns[0], arns[1])],
        ..Overrides::default()
    };
    let arch = workspace.load("dev", &overrides).expect("loads").architecture;
    let root = infragen::render::Renderer::new().expect("templates").environment(&arch).expect("renders");
    let main = hcl::parse(&root.files()["dev/main.tf"]).expect("parses");
    let ecs = main.blocks().find(|b| b.labels().first().is_some_and(|l| l.as_str() == "ecs")).expect("ecs module");
    let passed = ecs.body().attributes().find(|a| a.key() == "task_policy_arns").expect("passed to the module");
    assert_eq!(
        *passed.expr(),
        hcl::Expression::Array(arns.iter().map(|a| hcl::Expression::String(a.to_string())).collect())
    );
    let module = hcl::parse(&root.files()["dev/modules/ecs/main.tf"]).expect("parses");
    let attachment = module
        .blocks()
        .find(|b| b.identifier() == "resource" && b.labels().iter().any(|l| l.as_str() == "task_extra"))
        .expect("an attachment per policy");
    let role = attachment.body().attributes().find(|a| a.key() == "role").expect("role");
    assert_eq!(hcl::format::to_string(role.expr()).unwrap(), "aws_iam_role.task.name");
    // Without any, nothing is added: the committed roots have no such resource.
    assert!(
        !std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("generated/prod/modules/ecs/main.tf"))
            .unwrap()
            .contains("task_extra")
    );
}

/// Every resource block of a root that holds data (data/stateful.toml), by address, with
/// whether it has `lifecycle { prevent_destroy = true }`.
fn stateful_protection(files: &[(String, String)]) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    for (path, text) in files {
        let body = hcl::parse(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        for block in body.blocks().filter(|b| b.identifier() == "resource") {
            let [kind, name] = block.labels() else { continue };
            if infragen::output::Stateful::of(kind.as_str()).is_none() {
                continue;
            }
            let protected = block.body().blocks().filter(|b| b.identifier() == "lifecycle").any(|lifecycle| {
                lifecycle
                    .body()
                    .attributes()
                    .any(|a| a.key() == "prevent_destroy" && *a.expr() == hcl::Expression::Bool(true))
            });
            found.push((format!("{path}: {}.{}", kind.as_str(), name.as_str()), protected));
        }
    }
    found
}

fn strings(expr: &hcl::Expression) -> Vec<String> {
    match expr {
        hcl::Expression::Array(items) => items.iter().flat_map(strings).collect(),
        hcl::Expression::String(s) => vec![s.clone()],
        other => vec![other.to_string()],
    }
}

#[test]
fn every_provider_block_is_limited_to_the_environments_account() {
    for root in ["dev", "prod", "bootstrap"] {
        let providers = parse(root, "providers.tf");
        let aws = blocks(&providers, "provider", &["aws"]);
        assert!(!aws.is_empty(), "{root}");
        for provider in aws {
            let alias = attribute(provider.body(), "alias").map(|a| a.to_string()).unwrap_or_default();
            let allowed = attribute(provider.body(), "allowed_account_ids")
                .unwrap_or_else(|| panic!("{root}: provider {alias} lacks allowed_account_ids"));
            assert_eq!(strings(&allowed), ["123456789012"], "{root} {alias}");
        }
    }
    // prod has aliases (the backup copy region): they are limited too.
    assert!(blocks(&parse("prod", "providers.tf"), "provider", &["aws"]).len() > 1);
}

#[test]
fn the_state_is_written_with_the_bootstraps_key_and_nothing_else_is_accepted() {
    let alias_name = "alias/acme-tfstate";
    for root in ["dev", "prod"] {
        let backend = parse(root, "backend.tf");
        let s3 = blocks(&backend, "backend", &["s3"]);
        assert_eq!(s3.len(), 1, "{root}");
        assert_eq!(attribute(s3[0].body(), "encrypt"), Some(hcl::Expression::Bool(true)), "{root}");
        assert_eq!(attribute(s3[0].body(), "kms_key_id"), Some(hcl::Expression::String(alias_name.into())), "{root}");
        assert_eq!(attribute(s3[0].body(), "use_lockfile"), Some(hcl::Expression::Bool(true)), "{root}");
    }
    let bootstrap = parse("bootstrap", "main.tf");
    let alias = blocks(&bootstrap, "resource", &["aws_kms_alias", "state"]);
    assert_eq!(attribute(alias[0].body(), "name"), Some(hcl::Expression::String(alias_name.into())));

    let policy = blocks(&bootstrap, "data", &["aws_iam_policy_document", "state_bucket"]);
    let statements = blocks(policy[0].body(), "statement", &[]);
    let deny = |sid: &str, variable: &str| {
        let statement = statements
            .iter()
            .find(|s| attribute(s.body(), "sid") == Some(hcl::Expression::String(sid.into())))
            .unwrap_or_else(|| panic!("statement {sid}"));
        assert_eq!(attribute(statement.body(), "effect"), Some(hcl::Expression::String("Deny".into())));
        assert_eq!(strings(&attribute(statement.body(), "actions").expect("actions")), ["s3:PutObject"]);
        let condition = blocks(statement.body(), "condition", &[]);
        assert_eq!(condition.len(), 1);
        // IfExists: the parts of a multipart upload and requests relying on the bucket's
        // default (this key) carry no header and must still pass.
        assert_eq!(
            attribute(condition[0].body(), "test"),
            Some(hcl::Expression::String("StringNotEqualsIfExists".into()))
        );
        assert_eq!(attribute(condition[0].body(), "variable"), Some(hcl::Expression::String(variable.into())));
        strings(&attribute(condition[0].body(), "values").expect("values"))
    };
    assert_eq!(deny("DenyOtherEncryption", "s3:x-amz-server-side-encryption"), ["aws:kms"]);
    let keys = deny("DenyOtherKeys", "s3:x-amz-server-side-encryption-aws-kms-key-id");
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().any(|k| k.contains("aws_kms_key.state.arn")), "{keys:?}");

    // Lock files leave a noncurrent version and a delete marker per run: both expire.
    let lifecycle = blocks(&bootstrap, "resource", &["aws_s3_bucket_lifecycle_configuration", "state"]);
    let expiration = blocks(lifecycle[0].body(), "expiration", &[]);
    assert_eq!(expiration.len(), 1);
    assert_eq!(attribute(expiration[0].body(), "expired_object_delete_marker"), Some(hcl::Expression::Bool(true)));
    assert_eq!(blocks(lifecycle[0].body(), "noncurrent_version_expiration", &[]).len(), 1);
}

/// Every key policy: the account root administers the key but may not use it, so that the
/// statements granting use are the only way to use it.
#[test]
fn key_policies_give_the_account_root_administration_but_no_use() {
    let usage = ["kms:*", "kms:Decrypt", "kms:Encrypt", "kms:CreateGrant", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
    let mut checked = 0;
    for (root, file) in [
        ("dev", "modules/kms/main.tf"),
        ("prod", "modules/kms/main.tf"),
        ("prod", "modules/backup/main.tf"),
        ("bootstrap", "main.tf"),
    ] {
        let body = parse(root, file);
        let kms_locals =
            blocks(&body, "locals", &[]).into_iter().find_map(|l| attribute(l.body(), "key_administration_actions"));
        for document in blocks(&body, "data", &[]) {
            for statement in blocks(document.body(), "statement", &[]) {
                if attribute(statement.body(), "sid") != Some(hcl::Expression::String("AccountAdministration".into())) {
                    continue;
                }
                let actions = attribute(statement.body(), "actions").expect("actions");
                let actions = match (&actions, &kms_locals) {
                    (hcl::Expression::Traversal(_), Some(local)) => strings(local),
                    _ => strings(&actions),
                };
                assert!(actions.contains(&"kms:PutKeyPolicy".to_string()), "{root}/{file}: the key stays manageable");
                assert!(actions.contains(&"kms:ScheduleKeyDeletion".to_string()), "{root}/{file}");
                for forbidden in usage {
                    assert!(!actions.contains(&forbidden.to_string()), "{root}/{file}: the root may {forbidden}");
                }
                checked += 1;
            }
        }
    }
    // dev and prod: logs, data, alarms; prod: the backup copy key; the state key.
    assert_eq!(checked, 3 + 3 + 1 + 1);
}

#[test]
fn amplify_comes_up_on_its_own() {
    for root in ["dev", "prod"] {
        let amplify = parse(root, "modules/amplify/main.tf");
        let app = blocks(&amplify, "resource", &["aws_amplify_app", "this"]);
        // The token is used once and not stored: it never shows up in a plan again.
        let lifecycle = blocks(app[0].body(), "lifecycle", &[]);
        let ignored = attribute(lifecycle[0].body(), "ignore_changes").expect("ignore_changes");
        assert_eq!(strings(&ignored), ["access_token"], "{root}");
        // SSR logs need a service role with CloudWatch Logs permissions.
        assert_eq!(
            attribute(app[0].body(), "iam_service_role_arn").map(|e| e.to_string()),
            Some("aws_iam_role.service.arn".to_string()),
            "{root}"
        );
        let logs = blocks(&amplify, "data", &["aws_iam_policy_document", "ssr_logs"]);
        let actions: Vec<String> = blocks(logs[0].body(), "statement", &[])
            .iter()
            .flat_map(|s| strings(&attribute(s.body(), "actions").expect("actions")))
            .collect();
        for action in ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups"] {
            assert!(actions.contains(&action.to_string()), "{root}: {action}");
        }
        // The apply waits for the domain; every record it needs is Terraform's.
        let domain = blocks(&amplify, "resource", &["aws_amplify_domain_association", "this"]);
        assert_eq!(attribute(domain[0].body(), "wait_for_verification"), Some(hcl::Expression::Bool(true)), "{root}");
        let certificate = blocks(domain[0].body(), "certificate_settings", &[]);
        assert_eq!(attribute(certificate[0].body(), "type"), Some(hcl::Expression::String("CUSTOM".into())));
        assert_eq!(blocks(&amplify, "resource", &["aws_acm_certificate_validation", "frontend"]).len(), 1);
        let record = blocks(&amplify, "resource", &["aws_route53_record", "frontend"]);
        assert_eq!(attribute(record[0].body(), "type"), Some(hcl::Expression::String("CNAME".into())), "{root}");
        // The first build is started by the generated script, which the root's outputs feed.
        let script = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join("frontend-release.sh"),
        )
        .expect("frontend-release.sh");
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("--job-type RELEASE"));
        assert!(script.contains("set -eu"));
        let outputs = parse(root, "outputs.tf");
        for output in ["amplify_app_id", "amplify_branch"] {
            assert_eq!(blocks(&outputs, "output", &[output]).len(), 1, "{root}: {output}");
        }
        // The variable says exactly what token Amplify needs.
        let variables = parse(root, "variables.tf");
        let token = blocks(&variables, "variable", &["amplify_access_token"]);
        let description = attribute(token[0].body(), "description").expect("description").to_string();
        for needed in ["classic", "admin:repo_hook", "Amplify GitHub App", "admin of"] {
            assert!(description.contains(needed), "{root}: {needed} in {description}");
        }
    }
}

#[test]
fn each_generated_readme_lists_the_prerequisites_a_newcomer_cannot_guess() {
    for root in ["dev", "prod"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join("README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
        for needed in [
            "## Prerequisites",
            "## Frontend",
            "AWS credentials of account 123456789012",
            "allowed_account_ids",
            "A public Route53 hosted zone `example.com` in this account",
            "https://github.com/apps/aws-amplify-ap-northeast-1/installations/new",
            "personal access token (classic)",
            "`admin:repo_hook`",
            "admin of the repository",
            "TF_VAR_amplify_access_token",
            "confirmation",
            "Committing `.terraform.lock.hcl`",
            "sh frontend-release.sh",
            "alias/acme-tfstate",
        ] {
            assert!(readme.contains(needed), "{root}/README.md lacks {needed:?}");
        }
    }
    let bootstrap =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("generated/bootstrap/README.md"))
            .expect("README");
    for needed in ["kms_key_id = \"alias/acme-tfstate\"", "AES256", "delete markers", "account 123456789012"] {
        assert!(bootstrap.contains(needed), "bootstrap/README.md lacks {needed:?}");
    }
}

fn committed_tf_files(root: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, files: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "tf") {
                files.push((path.display().to_string(), std::fs::read_to_string(&path).expect("text")));
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root), &mut files);
    files
}

#[test]
fn every_resource_holding_data_in_production_has_prevent_destroy_and_development_none() {
    let prod = stateful_protection(&committed_tf_files("prod"));
    assert!(prod.len() >= 10, "{prod:?}");
    let unprotected: Vec<_> = prod.iter().filter(|(_, protected)| !protected).collect();
    assert!(unprotected.is_empty(), "without prevent_destroy in production: {unprotected:?}");
    let dev = stateful_protection(&committed_tf_files("dev"));
    assert!(!dev.is_empty() && dev.iter().all(|(_, protected)| !protected), "{dev:?}");
}

#[test]
fn optional_resources_holding_data_are_protected_in_production_too() {
    use infragen::config::Overrides;
    let workspace = infragen::workspace::Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let overrides = Overrides {
        enable_presets: vec!["images-cdn".into()],
        set: vec!["dns.create_zone=true".into()],
        ..Overrides::default()
    };
    let arch = workspace.load("prod", &overrides).expect("loads").architecture;
    let renderer = infragen::render::Renderer::new().expect("templates");
    let root = renderer.environment(&arch).expect("renders");
    let files: Vec<(String, String)> =
        root.into_files().into_iter().filter(|(path, _)| path.ends_with(".tf")).collect();
    let found = stateful_protection(&files);
    for needed in ["aws_s3_bucket.images", "aws_route53_zone.this"] {
        assert!(
            found.iter().any(|(address, protected)| address.ends_with(needed) && *protected),
            "{needed}: {found:?}"
        );
    }
    // --allow-replace leaves it off exactly the named resource, for the run that replaces it.
    let root =
        renderer.environment_replacing(&arch, &["module.rds.aws_db_instance.this".to_string()]).expect("renders");
    let files: Vec<(String, String)> =
        root.into_files().into_iter().filter(|(path, _)| path.ends_with(".tf")).collect();
    let found = stateful_protection(&files);
    let unprotected: Vec<&String> = found.iter().filter(|(_, p)| !p).map(|(a, _)| a).collect();
    assert_eq!(unprotected.len(), 1, "{unprotected:?}");
    assert!(unprotected[0].ends_with("rds/main.tf: aws_db_instance.this"), "{unprotected:?}");
}

/// The grants (inline policies and attachments) of the backend's execution and task roles
/// in an ECS module, by address.
fn backend_role_grants(ecs: &hcl::Body) -> Vec<String> {
    let mut grants = Vec::new();
    for block in blocks(ecs, "resource", &[]) {
        let [kind, name] = block.labels() else { continue };
        if !matches!(kind.as_str(), "aws_iam_role_policy" | "aws_iam_role_policy_attachment") {
            continue;
        }
        let role = attribute(block.body(), "role").expect("role").to_string();
        if role.starts_with("aws_iam_role.execution.") || role.starts_with("aws_iam_role.task.") {
            grants.push(format!("{}.{}", kind.as_str(), name.as_str()));
        }
    }
    grants.sort();
    grants
}

fn depends_on(block: &hcl::Block) -> Vec<String> {
    let mut found: Vec<String> = match attribute(block.body(), "depends_on") {
        Some(hcl::Expression::Array(items)) => items.iter().map(|i| i.to_string()).collect(),
        Some(other) => panic!("depends_on is a list: {other}"),
        None => Vec::new(),
    };
    found.sort();
    found
}

/// ECS starts the service's tasks and deploy.sh's migration task with the execution role
/// (image pull, logs, secrets) and runs them with the task role: both wait for every grant
/// of those roles, which IAM applies apart from the roles themselves, and the service is
/// destroyed before them (a policy removed first leaves it stuck draining).
#[test]
fn tasks_start_only_after_the_grants_of_their_roles() {
    let check = |label: &str, ecs: &hcl::Body| {
        let grants = backend_role_grants(ecs);
        assert!(grants.contains(&"aws_iam_role_policy.execution".to_string()), "{label}: {grants:?}");
        assert!(grants.contains(&"aws_iam_role_policy.task".to_string()), "{label}: {grants:?}");
        for address in [["aws_ecs_service", "backend"], ["aws_ecs_task_definition", "migrate"]] {
            let found = blocks(ecs, "resource", &address);
            assert_eq!(found.len(), 1, "{label}: {address:?}");
            assert_eq!(depends_on(found[0]), grants, "{label}: {address:?}");
        }
        // The database setup task has a role of its own, whose grant is not theirs.
        assert!(!grants.iter().any(|g| g.contains("db_setup")), "{label}: {grants:?}");
        grants
    };
    for root in ["dev", "prod"] {
        check(root, &parse(root, "modules/ecs/main.tf"));
    }
    // With policies attached from the environment file, those are waited for too.
    use infragen::config::Overrides;
    let workspace = infragen::workspace::Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let overrides = Overrides {
        set: vec!["service.task_policy_arns=[\"arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess\"]".into()],
        ..Overrides::default()
    };
    let arch = workspace.load("dev", &overrides).expect("loads").architecture;
    let root = infragen::render::Renderer::new().expect("templates").environment(&arch).expect("renders");
    let ecs = hcl::parse(&root.files()["dev/modules/ecs/main.tf"]).expect("parses");
    let grants = check("dev with task_policy_arns", &ecs);
    assert!(grants.contains(&"aws_iam_role_policy_attachment.task_extra".to_string()), "{grants:?}");
}
