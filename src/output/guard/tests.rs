use super::*;
use crate::render::RenderedRoot;

const ROOT: &str = r#"
module "rds" {
  source = "./modules/rds"

  identifier     = "acme-prod"
  instance_class = "db.t4g.medium"
  kms_key_arn    = module.kms.data_key_arn
}

module "cache" {
  source = "./modules/cache"

  name = "acme-prod"
}
"#;

const RDS: &str = r#"
variable "identifier" {
  type = string
}

variable "engine" {
  type    = string
  default = "postgres"
}

locals {
  log_prefix = "/aws/rds/instance/${var.identifier}"
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = var.engine
  instance_class = var.instance_class
  kms_key_id     = var.kms_key_arn
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(["postgresql"])

  name = "${local.log_prefix}/${each.key}"
}
"#;

const CACHE: &str = r#"
resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  security_group_ids   = [var.security_group_id]
}
"#;

const NETWORK: &str = r#"
resource "aws_security_group" "cache" {
  name_prefix = "cache-"
}
"#;

fn root(files: &[(&str, &str)]) -> RenderedRoot {
    RenderedRoot::new("prod", files.iter().map(|(p, c)| (format!("prod/{p}"), c.to_string())).collect())
}

fn seed() -> Vec<(&'static str, String)> {
    vec![
        ("main.tf", ROOT.to_string()),
        ("modules/rds/main.tf", RDS.to_string()),
        ("modules/cache/main.tf", CACHE.to_string()),
    ]
}

/// Writes `before`, then plans `after` over it and runs the guard.
fn guard(before: &[(&str, String)], after: &[(&str, String)]) -> (Guard, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let before: Vec<(&str, &str)> = before.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let after: Vec<(&str, &str)> = after.iter().map(|(p, c)| (*p, c.as_str())).collect();
    Plan::new(dir.path(), &[root(&before)]).unwrap().write(dir.path(), false).unwrap();
    let plan = Plan::new(dir.path(), &[root(&after)]).unwrap();
    (Guard::of(&plan, "prod"), Guard::keeping(&plan, "prod"))
}

fn lines(guard: &Guard) -> Vec<String> {
    guard.findings.iter().map(ToString::to_string).collect()
}

#[test]
fn the_table_parses_and_lists_the_stateful_types_infragen_writes() {
    let kinds: Vec<&str> = Stateful::all().iter().map(|s| s.kind.as_str()).collect();
    for required in [
        "aws_db_instance",
        "aws_kms_key",
        "aws_s3_bucket",
        "aws_backup_vault",
        "aws_elasticache_replication_group",
        "aws_ecr_repository",
        "aws_cloudwatch_log_group",
        "aws_route53_zone",
    ] {
        assert!(kinds.contains(&required), "{required} missing from data/stateful.toml");
    }
    let unique: BTreeSet<&str> = kinds.iter().copied().collect();
    assert_eq!(unique.len(), kinds.len(), "a type is listed twice");
    for stateful in Stateful::all() {
        assert!(!stateful.force_new.is_empty() && !stateful.loss.is_empty() && !stateful.source.is_empty());
        // Every type is one a template writes: the table describes infragen's output.
        let written = crate::render::TEMPLATES
            .iter()
            .any(|(_, source)| source.contains(&format!("resource \"{}\" ", stateful.kind)));
        assert!(written, "{} is in the table but no template writes it", stateful.kind);
    }
}

#[test]
fn an_unchanged_tree_has_no_findings() {
    let (guard, keeping) = guard(&seed(), &seed());
    assert!(guard.is_empty(), "{:?}", lines(&guard));
    assert!(keeping.is_empty());
}

#[test]
fn a_changed_literal_in_the_module_call_replaces_the_database() {
    let after = vec![
        ("main.tf", ROOT.replace("\"acme-prod\"\n  instance_class", "\"acme-prod2\"\n  instance_class")),
        ("modules/rds/main.tf", RDS.to_string()),
        ("modules/cache/main.tf", CACHE.to_string()),
    ];
    let (guard, _) = guard(&seed(), &after);
    let lines = lines(&guard);
    assert!(
        lines.contains(&"REPLACES module.rds.aws_db_instance.this (identifier \"acme-prod\" -> \"acme-prod2\"): the database and its data are destroyed".to_string()),
        "{lines:#?}"
    );
    // The log group's name goes through a local and a template: evaluated all the same,
    // but `each.key` is only known to Terraform, so the text is shown with its local.
    assert!(
        lines.contains(&"REPLACES module.rds.aws_cloudwatch_log_group.this (name \"${local.log_prefix}/${each.key}\" where local.log_prefix = \"/aws/rds/instance/acme-prod\" -> local.log_prefix = \"/aws/rds/instance/acme-prod2\"): the log group and the logs in it are destroyed".to_string()),
        "{lines:#?}"
    );
    assert_eq!(guard.destructive().count(), 2);
}

#[test]
fn an_argument_that_changes_in_place_is_not_reported() {
    let after = vec![
        ("main.tf", ROOT.replace("db.t4g.medium", "db.r6g.large")),
        ("modules/rds/main.tf", RDS.to_string()),
        ("modules/cache/main.tf", CACHE.to_string()),
    ];
    assert!(guard(&seed(), &after).0.is_empty());
}

#[test]
fn an_expression_it_cannot_evaluate_is_compared_as_text() {
    let after = vec![
        ("main.tf", ROOT.replace("module.kms.data_key_arn", "module.kms.logs_key_arn")),
        ("modules/rds/main.tf", RDS.to_string()),
        ("modules/cache/main.tf", CACHE.to_string()),
    ];
    let (guard, _) = guard(&seed(), &after);
    assert_eq!(
        lines(&guard),
        [
            "REPLACES module.rds.aws_db_instance.this (kms_key_id var.kms_key_arn where var.kms_key_arn = module.kms.data_key_arn -> var.kms_key_arn = module.kms.logs_key_arn): the database and its data are destroyed"
        ]
    );
}

#[test]
fn a_module_that_leaves_destroys_its_data_unless_a_removed_block_keeps_it() {
    let without_cache = vec![
        ("main.tf", ROOT[..ROOT.find("module \"cache\"").unwrap()].to_string()),
        ("modules/rds/main.tf", RDS.to_string()),
    ];
    let (guard_without, keeping) = guard(&seed(), &without_cache);
    assert_eq!(
        lines(&guard_without),
        ["DESTROYS module.cache.aws_elasticache_replication_group.this: the cache and its data are destroyed"]
    );
    assert_eq!(keeping, ["module.cache"]);

    // The cache's security group lives in another module; AWS would refuse to delete it
    // while the kept cache uses it, so it is kept too.
    let mut with_network = seed();
    with_network.push(("modules/network/main.tf", NETWORK.to_string()));
    let mut without_either = without_cache.clone();
    without_either.push(("modules/network/main.tf", String::new()));
    let (_, keeping) = guard(&with_network, &without_either);
    assert_eq!(keeping, ["module.cache", "module.network.aws_security_group.cache"]);

    let mut kept = without_cache.clone();
    kept.push((
        "removed.tf",
        "removed {\n  from = module.cache\n\n  lifecycle {\n    destroy = false\n  }\n}\n".into(),
    ));
    let (guard_kept, _) = guard(&seed(), &kept);
    assert_eq!(guard_kept.destructive().count(), 0, "{:?}", lines(&guard_kept));
    assert!(
        lines(&guard_kept)[0].starts_with(
            "KEEPS module.cache.aws_elasticache_replication_group.this: `removed { from = module.cache }`"
        )
    );
    // The next run renders the root without it again: the block on disk is carried over
    // for as long as the module stays away.
    let (_, keeping) = guard(&kept, &without_cache);
    assert_eq!(keeping, ["module.cache"]);

    // Once the module is back, its removed block goes.
    let (_, keeping) = guard(&kept, &seed());
    assert!(keeping.is_empty(), "{keeping:?}");
}

#[test]
fn a_removed_block_a_module_has_itself_is_not_repeated_in_the_root() {
    // A module template that forgets a resource it used to have (destroy = false): the
    // block is in the rendered module on both sides, so the root needs none of its own.
    let mut forgets = seed();
    forgets[1].1.push_str("\nremoved {\n  from = aws_iam_role.old\n\n  lifecycle {\n    destroy = false\n  }\n}\n");
    let mut changed = forgets.clone();
    changed[1].1.push_str("\n# changed\n");
    let (_, keeping) = guard(&forgets, &changed);
    assert!(keeping.is_empty(), "{keeping:?}");
}

#[test]
fn a_new_address_needs_a_moved_block() {
    let renamed = vec![
        ("main.tf", ROOT.to_string()),
        ("modules/rds/main.tf", RDS.replace("\"aws_db_instance\" \"this\"", "\"aws_db_instance\" \"main\"")),
        ("modules/cache/main.tf", CACHE.to_string()),
    ];
    let (guard_renamed, _) = guard(&seed(), &renamed);
    assert_eq!(
        lines(&guard_renamed),
        [
            "REPLACES module.rds.aws_db_instance.this (its address becomes module.rds.aws_db_instance.main without a `moved` block): the database and its data are destroyed"
        ]
    );
    let mut moved = renamed.clone();
    moved.push((
        "moved.tf",
        "moved {\n  from = module.rds.aws_db_instance.this\n  to   = module.rds.aws_db_instance.main\n}\n".into(),
    ));
    assert!(guard(&seed(), &moved).0.is_empty());
}

#[test]
fn a_nested_block_argument_is_compared() {
    let ecr = |key: &str| {
        format!(
            "resource \"aws_ecr_repository\" \"backend\" {{\n  name = \"acme\"\n\n  encryption_configuration {{\n    encryption_type = \"KMS\"\n    kms_key         = \"{key}\"\n  }}\n}}\n"
        )
    };
    let (guard, _) = guard(&[("modules/ecs/main.tf", ecr("a"))], &[("modules/ecs/main.tf", ecr("b"))]);
    let lines = lines(&guard);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("encryption_configuration.kms_key \"a\" -> \"b\""), "{lines:?}");
}
