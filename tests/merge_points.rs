//! The model's merge points for what an application adds to the architecture: secret
//! environment variables by reference (`service.secrets`) and extra tags per module
//! (`tags.modules`). Checked on the parsed Terraform of a rendered root.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::blocks;
use infragen::config::Overrides;

/// The files of `environment` rendered with `--set` flags.
fn render(environment: &str, set: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let workspace = infragen::workspace::Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let overrides = Overrides { set: set.iter().map(|s| s.to_string()).collect(), ..Overrides::default() };
    let arch = workspace.load(environment, &overrides).map_err(|e| format!("{e:?}"))?.architecture;
    let root = infragen::render::Renderer::new().expect("templates").environment(&arch).expect("renders");
    Ok(root.into_files().into_iter().map(|(path, text)| (path.to_string(), text)).collect())
}

fn parse(files: &BTreeMap<String, String>, path: &str) -> hcl::Body {
    hcl::parse(&files[path]).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn attribute(body: &hcl::Body, key: &str) -> Option<String> {
    body.attributes().find(|a| a.key() == key).map(|a| hcl::format::to_string(a.expr()).expect("formats"))
}

/// The strings of an array attribute.
fn strings(body: &hcl::Body, key: &str) -> Vec<String> {
    match body.attributes().find(|a| a.key() == key).map(|a| a.expr()) {
        Some(hcl::Expression::Array(items)) => items
            .iter()
            .map(|item| match item {
                hcl::Expression::String(s) => s.clone(),
                other => panic!("{key}: not a string: {other:?}"),
            })
            .collect(),
        other => panic!("{key}: not an array: {other:?}"),
    }
}

/// The statements of the execution role's policy, by sid: (actions, resources).
fn execution_statements(files: &BTreeMap<String, String>) -> BTreeMap<String, (String, String)> {
    let module = parse(files, "dev/modules/ecs/main.tf");
    let document = blocks(&module, "data", &["aws_iam_policy_document", "execution"]);
    let document = document.first().expect("the execution role's policy");
    blocks(document.body(), "statement", &[])
        .into_iter()
        .map(|s| {
            let sid = attribute(s.body(), "sid").expect("sid").trim_matches('"').to_string();
            let actions = strings(s.body(), "actions").join(",");
            (sid, (actions, attribute(s.body(), "resources").unwrap()))
        })
        .collect()
}

const PARAMETER: &str = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/shop/dev/stripe-key";
const SECRET: &str = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shop/dev/mail-AbCdEf";
const KEY: &str = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

#[test]
fn secrets_reach_both_containers_and_the_execution_role_reads_exactly_them() {
    let set = format!(
        "service.secrets={{STRIPE_KEY=\"{PARAMETER}\", MAIL_USER=\"{SECRET}:username::\", MAIL_PASSWORD=\"{SECRET}:password::\"}}"
    );
    let kms = format!("service.secrets_kms_key_arns=[\"{KEY}\"]");
    let files = render("dev", &[&set, &kms]).expect("valid");

    // The root passes the references, and the IAM resources without JSON keys, once each.
    let main = parse(&files, "dev/main.tf");
    let ecs = blocks(&main, "module", &["ecs"]);
    let ecs = ecs.first().expect("ecs module").body();
    let secrets = attribute(ecs, "secrets").expect("secrets passed");
    assert!(secrets.contains(&format!("\"{SECRET}:password::\"")) && secrets.contains(PARAMETER), "{secrets}");
    assert_eq!(strings(ecs, "secret_arns"), [SECRET]);
    assert_eq!(strings(ecs, "secret_parameter_arns"), [PARAMETER]);

    // Exactly these, with the actions ECS needs, and the key only through the services.
    let statements = execution_statements(&files);
    assert_eq!(statements["ReadContainerParameters"], ("ssm:GetParameters".into(), "var.secret_parameter_arns".into()));
    assert_eq!(statements["ReadContainerSecrets"], ("secretsmanager:GetSecretValue".into(), "var.secret_arns".into()));
    assert_eq!(statements["DecryptContainerSecrets"].1, "var.secrets_kms_key_arns");
    let module = &files["dev/modules/ecs/main.tf"];
    assert!(module.contains(
        "values   = [\"secretsmanager.ap-northeast-1.amazonaws.com\", \"ssm.ap-northeast-1.amazonaws.com\"]"
    ));

    // One container description serves the service and the migration task.
    let module_body = parse(&files, "dev/modules/ecs/main.tf");
    let locals = blocks(&module_body, "locals", &[]);
    let container = locals
        .iter()
        .find_map(|l| l.body().attributes().find(|a| a.key() == "backend_container"))
        .expect("local.backend_container");
    let container = hcl::format::to_string(container.expr()).unwrap();
    assert!(container.contains("valueFrom = arn"), "{container}");
    for task in ["backend", "migrate"] {
        let definition = blocks(&module_body, "resource", &["aws_ecs_task_definition", task]);
        let definitions = attribute(definition[0].body(), "container_definitions").unwrap();
        assert!(definitions.contains("merge(local.backend_container"), "{task}: {definitions}");
    }

    // dev has no NAT gateway: the tasks reach SSM through an endpoint of their own.
    let endpoints = attribute(ecs, "secrets")
        .map(|_| attribute(blocks(&main, "module", &["network"])[0].body(), "interface_endpoints"));
    assert!(endpoints.flatten().is_some_and(|e| e.contains("com.amazonaws.ap-northeast-1.ssm")));
}

#[test]
fn without_secrets_nothing_is_added() {
    let files = render("dev", &[]).expect("valid");
    let statements = execution_statements(&files);
    assert!(statements.keys().all(|sid| !sid.contains("Container")), "{statements:?}");
    let main = parse(&files, "dev/main.tf");
    assert_eq!(attribute(blocks(&main, "module", &["ecs"])[0].body(), "secrets"), None);
    assert!(!files["dev/main.tf"].contains(".ssm\""));
}

#[track_caller]
fn refused(set: &str, expected: &str) {
    let error = render("dev", &[set]).expect_err("refused");
    assert!(error.contains(expected), "expected {expected:?} in\n{error}");
}

#[test]
fn wrong_secret_references_are_refused_precisely() {
    refused("service.secrets={API_KEY=\"/shop/dev/api-key\"}", "is not an ARN");
    refused(
        "service.secrets={API_KEY=\"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:api\"}",
        "six characters Secrets Manager adds",
    );
    refused(
        &format!("service.secrets={{API_KEY=\"{SECRET}:key\"}}"),
        "exactly `:<json-key>:<version-stage>:<version-id>`",
    );
    refused(&format!("service.secrets={{\"1KEY\"=\"{PARAMETER}\"}}"), "is not an environment variable name");
    refused(&format!("service.secrets={{DATABASE_PASSWORD=\"{PARAMETER}\"}}"), "is set by infragen");
    refused(&format!("service.secrets={{RUST_LOG=\"{PARAMETER}\"}}"), "also a plain variable in `service.environment`");
    // dev reaches AWS through VPC endpoints of its own region only.
    refused(
        "service.secrets={API_KEY=\"arn:aws:ssm:us-east-1:123456789012:parameter/api\"}",
        "lives in another region",
    );
    refused(
        "service.secrets_kms_key_arns=[\"arn:aws:kms:ap-northeast-1:123456789012:alias/app\"]",
        "not a KMS key ARN",
    );
    refused(&format!("service.secrets_kms_key_arns=[\"{KEY}\"]"), "references nothing they could decrypt");
}

#[test]
fn a_credential_in_plain_variables_is_pointed_to_service_secrets() {
    refused("service.environment={STRIPE_SECRET=\"sk_live_abc\"}", "move it to `[service.secrets]` by the ARN");
}

#[test]
fn another_accounts_parameter_is_refused() {
    refused(
        "service.secrets={API_KEY=\"arn:aws:ssm:ap-northeast-1:210987654321:parameter/api\"}",
        "ECS reads SSM parameters of the task's own account only",
    );
}

#[test]
fn another_accounts_secret_needs_its_customer_managed_key() {
    let foreign = "arn:aws:secretsmanager:ap-northeast-1:210987654321:secret:shared/api-AbCdEf";
    refused(&format!("service.secrets={{API_KEY=\"{foreign}\"}}"), "customer-managed KMS key");
    let kms = format!("service.secrets_kms_key_arns=[\"{KEY}\"]");
    assert!(render("dev", &[&format!("service.secrets={{API_KEY=\"{foreign}\"}}"), &kms]).is_ok());
}

/// Resource types of the AWS provider (6.25) without a `tags` argument, among those the
/// modules create: everything else must carry a module's extra tags.
const UNTAGGABLE: &[&str] = &[
    "aws_acm_certificate_validation",
    "aws_amplify_domain_association",
    "aws_appautoscaling_policy",
    "aws_appautoscaling_scheduled_action",
    "aws_backup_selection",
    "aws_cloudfront_origin_access_control",
    "aws_cloudwatch_dashboard",
    "aws_cloudwatch_log_resource_policy",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_pull_through_cache_rule",
    "aws_ecs_cluster_capacity_providers",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_alias",
    "aws_route",
    "aws_route53_record",
    "aws_route_table_association",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_sns_topic_policy",
    "aws_sns_topic_subscription",
    "aws_wafv2_web_acl_association",
    "aws_wafv2_web_acl_logging_configuration",
    "terraform_data",
];

const MODULES: [&str; 13] = [
    "kms",
    "network",
    "dns",
    "alb",
    "waf",
    "rds",
    "ecs",
    "cache",
    "images",
    "api_cdn",
    "backup",
    "amplify",
    "monitoring",
];

#[test]
fn module_tags_reach_every_taggable_resource_of_their_module() {
    let tables: Vec<String> = MODULES.iter().map(|m| format!("{m}={{CostCenter=\"cc-{m}\"}}")).collect();
    let set = format!("module_tags={{{}}}", tables.join(","));
    let files = render(
        "prod",
        &[
            &set,
            "cdn.images=true",
            "cdn.api=true",
            "dns.create_zone=true",
            "monitoring.slack={workspace_id=\"T01ABCDEF23\",channel_id=\"C01ABCDEF23\"}",
        ],
    )
    .expect("valid");
    let main = parse(&files, "prod/main.tf");
    let mut tagged = 0;
    for module in MODULES {
        let call = blocks(&main, "module", &[module]);
        assert_eq!(
            attribute(call[0].body(), "tags").as_deref(),
            Some(format!("{{\n  CostCenter = \"cc-{module}\"\n}}").as_str()),
            "{module}: the root passes the module its tags"
        );
        let variables = parse(&files, &format!("prod/modules/{module}/variables.tf"));
        assert_eq!(blocks(&variables, "variable", &["tags"]).len(), 1, "{module} declares `tags`");
        for (path, _) in
            files.iter().filter(|(p, _)| p.starts_with(&format!("prod/modules/{module}/")) && p.ends_with(".tf"))
        {
            let body = parse(&files, path);
            for resource in blocks(&body, "resource", &[]) {
                let kind = resource.labels()[0].as_str();
                let tags = attribute(resource.body(), "tags");
                if UNTAGGABLE.contains(&kind) {
                    assert_eq!(tags, None, "{path}: {kind} takes no tags");
                    continue;
                }
                let tags =
                    tags.unwrap_or_else(|| panic!("{path}: {kind}.{} has no tags", resource.labels()[1].as_str()));
                assert!(tags == "var.tags" || tags.starts_with("merge(var.tags, {"), "{path}: {kind}: {tags}");
                tagged += 1;
            }
        }
    }
    assert!(tagged > 80, "{tagged}");
}

#[test]
fn modules_without_extra_tags_are_unchanged() {
    let files = render("dev", &["module_tags={rds={CostCenter=\"db\"}}"]).expect("valid");
    let committed = |path: &str| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(path)).unwrap()
    };
    assert_eq!(files["dev/modules/ecs/main.tf"], committed("dev/modules/ecs/main.tf"));
    assert_eq!(files["dev/modules/network/main.tf"], committed("dev/modules/network/main.tf"));
    assert_ne!(files["dev/modules/rds/main.tf"], committed("dev/modules/rds/main.tf"));
}

#[test]
fn module_tags_are_checked_like_tags() {
    refused("module_tags={rdss={CostCenter=\"db\"}}", "did you mean `rds`?");
    refused("module_tags={cache={CostCenter=\"db\"}}", "a module this environment does not have");
    refused("module_tags={rds={\"aws:cost\"=\"db\"}}", "reserved by AWS");
    refused("module_tags={rds={Project=\"db\"}}", "set by infragen on every resource");
    // 50 per resource: three of infragen's, Name and Tier, and 45 from both tables.
    let global: Vec<String> = (0..40).map(|i| format!("G{i}=\"x\"")).collect();
    let module: Vec<String> = (0..6).map(|i| format!("M{i}=\"x\"")).collect();
    let both = [format!("tags={{{}}}", global.join(",")), format!("module_tags={{rds={{{}}}}}", module.join(","))];
    let error = render("dev", &[&both[0], &both[1]]).expect_err("46 user tags");
    assert!(error.contains("together have 46 tags"), "{error}");
    let fewer = format!("module_tags={{rds={{{}}}}}", module[..5].join(","));
    assert!(render("dev", &[&both[0], &fewer]).is_ok());
    // A key of both tables counts once: the module's value wins on its resources.
    let same = format!("module_tags={{rds={{G0=\"y\",{}}}}}", module[..5].join(","));
    assert!(render("dev", &[&both[0], &same]).is_ok());
}
