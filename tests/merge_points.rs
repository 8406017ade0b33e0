//! The model's merge points for what an application adds to the architecture: secret
//! environment variables by reference (`service.secrets`) and extra tags per module
//! (`tags.modules`). Checked on the parsed Terraform of a rendered root.

use std::collections::BTreeMap;
use std::path::Path;

use infragen::config::Overrides;

/// The files of `environment` rendered with `--set` flags.
fn render(environment: &str, set: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let workspace = infragen::workspace::Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let overrides = Overrides { set: set.iter().map(|s| s.to_string()).collect(), ..Overrides::default() };
    let arch = workspace.load(environment, &overrides).map_err(|e| format!("{e:?}"))?.architecture;
    let root = infragen::render::Renderer::new().expect("templates").environment(&arch).expect("renders");
    Ok(root.files.into_iter().map(|(path, text)| (path.to_string(), text)).collect())
}

fn parse(files: &BTreeMap<String, String>, path: &str) -> hcl::Body {
    hcl::parse(&files[path]).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Blocks with this identifier and these labels, anywhere below `body`.
fn blocks<'b>(body: &'b hcl::Body, identifier: &str, labels: &[&str]) -> Vec<&'b hcl::Block> {
    let mut found = Vec::new();
    for block in body.blocks() {
        let block_labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        if block.identifier() == identifier && (labels.is_empty() || block_labels == labels) {
            found.push(block);
        }
        found.extend(blocks(block.body(), identifier, labels));
    }
    found
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
fn another_accounts_secret_needs_its_customer_managed_key() {
    let foreign = "arn:aws:secretsmanager:ap-northeast-1:210987654321:secret:shared/api-AbCdEf";
    refused(&format!("service.secrets={{API_KEY=\"{foreign}\"}}"), "customer-managed KMS key");
    let kms = format!("service.secrets_kms_key_arns=[\"{KEY}\"]");
    assert!(render("dev", &[&format!("service.secrets={{API_KEY=\"{foreign}\"}}"), &kms]).is_ok());
}
