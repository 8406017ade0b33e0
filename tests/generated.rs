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
