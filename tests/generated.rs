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
