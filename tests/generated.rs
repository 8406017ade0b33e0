//! Facts about the committed generated/ tree that the issues name outright, checked on
//! the parsed Terraform rather than on text.

use std::path::Path;

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
    let main = hcl::parse(&root.files["dev/main.tf"]).expect("parses");
    let ecs = main.blocks().find(|b| b.labels().first().is_some_and(|l| l.as_str() == "ecs")).expect("ecs module");
    let passed = ecs.body().attributes().find(|a| a.key() == "task_policy_arns").expect("passed to the module");
    assert_eq!(
        *passed.expr(),
        hcl::Expression::Array(arns.iter().map(|a| hcl::Expression::String(a.to_string())).collect())
    );
    let module = hcl::parse(&root.files["dev/modules/ecs/main.tf"]).expect("parses");
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
    let files: Vec<(String, String)> = root.files.into_iter().filter(|(path, _)| path.ends_with(".tf")).collect();
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
    let files: Vec<(String, String)> = root.files.into_iter().filter(|(path, _)| path.ends_with(".tf")).collect();
    let found = stateful_protection(&files);
    let unprotected: Vec<&String> = found.iter().filter(|(_, p)| !p).map(|(a, _)| a).collect();
    assert_eq!(unprotected.len(), 1, "{unprotected:?}");
    assert!(unprotected[0].ends_with("rds/main.tf: aws_db_instance.this"), "{unprotected:?}");
}
