//! The database login, the image lifecycle and failing deployments (issue 8, items 1 to 3),
//! checked on the parsed generated Terraform: the committed generated/ tree, and fresh
//! renderings of every preset switched on and off.

use std::collections::BTreeMap;
use std::path::Path;

use hcl::{Block, Body, Expression};
use infragen::config::Overrides;
use infragen::render::Renderer;
use infragen::workspace::Workspace;

/// Every file of a committed generated root, by path relative to it.
fn committed(root: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root);
    let mut files = BTreeMap::new();
    collect(&dir, &dir, &mut files);
    files
}

fn collect(base: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(base, &path, files);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            let relative = path.strip_prefix(base).expect("inside").to_string_lossy().replace('\\', "/");
            files.insert(relative, text);
        }
    }
}

/// A fresh rendering of a shipped environment with per-run overrides, by path relative to
/// its root.
fn rendered(environment: &str, overrides: &Overrides) -> BTreeMap<String, String> {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let loaded = workspace.load(environment, overrides).expect("the variant is valid");
    let root = Renderer::new().expect("templates").environment(&loaded.architecture).expect("renders");
    let prefix = format!("{environment}/");
    root.into_files()
        .into_iter()
        .map(|(path, text)| (path.strip_prefix(&prefix).unwrap_or(&path).to_string(), text))
        .collect()
}

fn parse(files: &BTreeMap<String, String>, path: &str) -> Body {
    let text = files.get(path).unwrap_or_else(|| panic!("{path} is generated"));
    hcl::parse(text).unwrap_or_else(|e| panic!("{path} parses: {e}"))
}

fn find<'a>(body: &'a Body, kind: &str, labels: &[&str]) -> Option<&'a Block> {
    body.blocks().find(|b| {
        b.identifier() == kind
            && b.labels().len() == labels.len()
            && b.labels().iter().zip(labels).all(|(l, want)| l.as_str() == *want)
    })
}

fn block<'a>(body: &'a Body, kind: &str, labels: &[&str]) -> &'a Block {
    find(body, kind, labels).unwrap_or_else(|| panic!("{kind} {labels:?} exists"))
}

fn attribute<'a>(block: &'a Block, key: &str) -> &'a Expression {
    block
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr())
        .unwrap_or_else(|| panic!("{} {:?} sets {key}", block.identifier(), block.labels()))
}

fn nested<'a>(block: &'a Block, kind: &str) -> &'a Block {
    block.body().blocks().find(|b| b.identifier() == kind).unwrap_or_else(|| panic!("a {kind} block"))
}

/// An expression as HCL on one line, single spaces.
fn text(expression: &Expression) -> String {
    let formatted = hcl::format::to_string(expression).expect("formats");
    formatted.split_whitespace().collect::<Vec<_>>().join(" ").replace("[ ", "[").replace(" ]", "]")
}

fn string(expression: &Expression) -> &str {
    match expression {
        Expression::String(s) => s,
        other => panic!("a string literal, found {}", text(other)),
    }
}

fn every_preset_on_and_off() -> Vec<(String, Overrides)> {
    let presets = ["no-nat", "single-az-db", "min-ecs", "min-logs", "night-scale-down", "images-cdn", "graviton"];
    let mut variants = vec![("dev".to_string(), Overrides::default()), ("prod".to_string(), Overrides::default())];
    for preset in presets {
        variants
            .push(("dev".to_string(), Overrides { disable_presets: vec![preset.to_string()], ..Overrides::default() }));
        if !["single-az-db", "min-ecs", "night-scale-down"].contains(&preset) {
            variants.push((
                "prod".to_string(),
                Overrides { enable_presets: vec![preset.to_string()], ..Overrides::default() },
            ));
        }
    }
    variants
}

#[test]
fn the_backend_never_logs_in_as_the_master_user() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let main = parse(&files, "main.tf");
        let app_user = string(attribute(block(&main, "module", &["ecs"]), "database_username")).to_string();
        let master = string(attribute(block(&main, "module", &["rds"]), "username")).to_string();
        assert_ne!(app_user, master, "{root}: the backend has a role of its own");

        let ecs = parse(&files, "modules/ecs/main.tf");
        let definitions =
            text(attribute(block(&ecs, "resource", &["aws_ecs_task_definition", "backend"]), "container_definitions"));
        assert!(definitions.contains("merge(local.backend_container"), "{root}: {definitions}");
        let locals = ecs.blocks().find(|b| b.identifier() == "locals").expect("locals");
        // The container the service and the migration task share (no `service.secrets`
        // in the shipped environments).
        let backend = format!("{definitions}{}", text(attribute(locals, "backend_container")));
        assert!(
            !backend.contains("secrets") && !backend.contains("PASSWORD"),
            "{root}: no secret in the backend task: {backend}"
        );
        assert!(backend.contains("local.environment"), "{root}: {backend}");
        let environment = text(attribute(locals, "environment"));
        assert!(
            environment.contains("DATABASE_AUTH = \"iam\""),
            "{root}: the backend uses IAM authentication: {environment}"
        );
        assert!(environment.contains("DATABASE_USERNAME = var.database_username"), "{root}: {environment}");

        // The backend's execution role may not read the master secret; only the setup
        // task's may.
        let execution =
            text(&Expression::from(block(&ecs, "data", &["aws_iam_policy_document", "execution"]).body().clone()));
        assert!(!execution.contains("secretsmanager"), "{root}: {execution}");
        let setup = text(&Expression::from(
            block(&ecs, "data", &["aws_iam_policy_document", "db_setup_execution"]).body().clone(),
        ));
        assert!(
            setup.contains("secretsmanager:GetSecretValue") && setup.contains("var.database_secret_arns"),
            "{root}: {setup}"
        );
        let setup_task = block(&ecs, "resource", &["aws_ecs_task_definition", "db_setup"]);
        assert_eq!(text(attribute(setup_task, "execution_role_arn")), "aws_iam_role.db_setup_execution.arn");
    }
}

#[test]
fn the_task_role_may_connect_as_the_backend_role_only() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let connects: Vec<&String> =
            files.iter().filter(|(p, t)| p.ends_with(".tf") && t.contains("rds-db:connect")).map(|(p, _)| p).collect();
        assert_eq!(connects, ["modules/ecs/main.tf"], "{root}");
        let ecs = parse(&files, "modules/ecs/main.tf");
        let task = block(&ecs, "data", &["aws_iam_policy_document", "task"]);
        let statement = task
            .body()
            .blocks()
            .find(|b| b.identifier() == "statement" && text(attribute(b, "actions")).contains("rds-db:connect"))
            .expect("a connect statement");
        let Expression::Array(resources) = attribute(statement, "resources") else { panic!("a list") };
        assert_eq!(resources.len(), 1, "{root}");
        assert!(text(&resources[0]).contains(":dbuser:${var.database_resource_id}/${var.database_username}"), "{root}");
    }
}

#[test]
fn the_database_setup_task_exists_in_every_preset_variant() {
    for (environment, overrides) in every_preset_on_and_off() {
        let files = rendered(&environment, &overrides);
        let label = format!("{environment} {overrides:?}");
        let ecs = parse(&files, "modules/ecs/main.tf");
        let setup = block(&ecs, "resource", &["aws_ecs_task_definition", "db_setup"]);
        let container = text(attribute(setup, "container_definitions"));
        assert!(container.contains("aws_ecr_repository.postgres_client.repository_url"), "{label}: {container}");
        for statement in ["CREATE ROLE", "GRANT rds_iam", "CONNECT ON DATABASE"] {
            let main = text(attribute(block(&parse(&files, "main.tf"), "module", &["ecs"]), "db_setup_statements"));
            assert!(main.contains(statement), "{label}: {statement}");
        }
        // The image comes through the pull-through cache from ECR Public, reached through
        // the ECR endpoints (no-nat) or the NAT gateway.
        let rule = block(&ecs, "resource", &["aws_ecr_pull_through_cache_rule", "ecr_public"]);
        assert_eq!(string(attribute(rule, "upstream_registry_url")), "public.ecr.aws", "{label}");
        let network = text(attribute(block(&parse(&files, "main.tf"), "module", &["network"]), "s3_endpoint_service"));
        assert!(network.contains(".s3"), "{label}");
        if let Some(endpoints) = find(&parse(&files, "main.tf"), "module", &["network"])
            .and_then(|m| m.body().attributes().find(|a| a.key() == "interface_endpoints"))
        {
            let endpoints = text(endpoints.expr());
            for service in ["ecr.api", "ecr.dkr", "secretsmanager", "logs"] {
                assert!(endpoints.contains(service), "{label}: the setup task needs {service}: {endpoints}");
            }
        }
    }
}

#[test]
fn the_image_tag_lives_in_ssm_and_has_no_latest_default() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let variables = parse(&files, "variables.tf");
        assert!(find(&variables, "variable", &["backend_image_tag"]).is_none(), "{root}: no image tag variable");
        for (path, text) in &files {
            if path.ends_with(".tf") {
                assert!(!text.contains("\"latest\""), "{root}/{path} mentions latest");
            }
        }
        let ecs = parse(&files, "modules/ecs/main.tf");
        for name in ["image_tag", "migrate_image_tag"] {
            let parameter = block(&ecs, "resource", &["aws_ssm_parameter", name]);
            assert_eq!(text(attribute(parameter, "insecure_value")), "var.no_image_tag", "{root} {name}");
            let lifecycle = nested(parameter, "lifecycle");
            assert_eq!(text(attribute(lifecycle, "ignore_changes")), "[insecure_value]", "{root} {name}");
        }
        let backend =
            text(attribute(block(&ecs, "resource", &["aws_ecs_task_definition", "backend"]), "container_definitions"));
        assert!(backend.contains("${local.image_tag}"), "{root}: {backend}");
        let locals = ecs.blocks().find(|b| b.identifier() == "locals").expect("locals");
        assert_eq!(text(attribute(locals, "image_tag")), "aws_ssm_parameter.image_tag.insecure_value");
        // No service before the first image: it would only crash-loop.
        assert_eq!(text(attribute(locals, "service_count")), "local.image_tag == var.no_image_tag ? 0 : 1");
        let service = block(&ecs, "resource", &["aws_ecs_service", "backend"]);
        assert_eq!(text(attribute(service, "count")), "local.service_count");
        let target = block(&ecs, "resource", &["aws_appautoscaling_target", "backend"]);
        assert_eq!(text(attribute(target, "count")), "local.service_count");
        let main = parse(&files, "main.tf");
        assert_eq!(string(attribute(block(&main, "module", &["ecs"]), "no_image_tag")), "none");
        assert!(files.contains_key("deploy.sh"), "{root}: the deploy script is generated");
    }
}

#[test]
fn failed_deployments_fail_the_apply_and_roll_back_on_alarms() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let ecs = parse(&files, "modules/ecs/main.tf");
        let service = block(&ecs, "resource", &["aws_ecs_service", "backend"]);
        assert_eq!(attribute(service, "wait_for_steady_state"), &Expression::Bool(true), "{root}");
        let breaker = nested(service, "deployment_circuit_breaker");
        assert_eq!(attribute(breaker, "rollback"), &Expression::Bool(true), "{root}");
        let alarms = nested(service, "alarms");
        assert_eq!(attribute(alarms, "enable"), &Expression::Bool(true), "{root}");
        assert_eq!(attribute(alarms, "rollback"), &Expression::Bool(true), "{root}");
        let names = text(attribute(alarms, "alarm_names"));
        for alarm in ["deployment_target_5xx", "deployment_unhealthy_hosts"] {
            assert!(names.contains(&format!("aws_cloudwatch_metric_alarm.{alarm}.alarm_name")), "{root}: {names}");
            let resource = block(&ecs, "resource", &["aws_cloudwatch_metric_alarm", alarm]);
            // Target metrics only: with no task at night the load balancer's own 503s
            // (ELB 5XX) must not roll anything back.
            assert!(!string(attribute(resource, "metric_name")).starts_with("HTTPCode_ELB"), "{root}");
            assert_eq!(string(attribute(resource, "treat_missing_data")), "notBreaching", "{root}");
        }
    }
}

#[test]
fn the_database_never_logs_statement_text() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let rds = parse(&files, "modules/rds/main.tf");
        let group = block(&rds, "resource", &["aws_db_parameter_group", "this"]);
        let parameters: BTreeMap<String, String> = group
            .body()
            .blocks()
            .filter(|b| b.identifier() == "parameter")
            .map(|b| (string(attribute(b, "name")).to_string(), text(attribute(b, "value"))))
            .collect();
        assert_eq!(parameters.get("log_statement").map(String::as_str), Some("\"none\""), "{root}");
        assert_eq!(parameters.get("log_min_duration_statement").map(String::as_str), Some("\"-1\""), "{root}");
        assert_eq!(parameters.get("log_min_error_statement").map(String::as_str), Some("\"panic\""), "{root}");
        for name in ["log_duration_sample", "log_min_duration_sample", "auto_explain.log_min_duration", "pgaudit.log"] {
            assert!(!parameters.contains_key(name), "{root}: {name}");
        }
        let instance = block(&rds, "resource", &["aws_db_instance", "this"]);
        assert_eq!(attribute(instance, "iam_database_authentication_enabled"), &Expression::Bool(true), "{root}");
    }
}

#[test]
fn the_deploy_script_runs_one_off_tasks_and_fails_on_their_exit_code() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let script = files.get("deploy.sh").expect("deploy.sh is generated");
        assert!(script.starts_with("#!/usr/bin/env bash\n"), "{root}");
        assert!(script.contains("set -euo pipefail"), "{root}");
        for needed in [
            "aws ecs run-task",
            "aws ecs wait tasks-stopped",
            "containers[0].exitCode",
            "if [[ $code != 0 ]]",
            "aws ssm put-parameter",
            "-target=module.ecs.aws_ecs_task_definition.migrate",
            "output db_setup_task_definition_arn",
            "output migrate_task_definition_arn",
            "output run_task_network_configuration",
        ] {
            assert!(script.contains(needed), "{root}: deploy.sh lacks {needed}");
        }
        // Every output the script reads exists in the root.
        let outputs = parse(&files, "outputs.tf");
        for line in script.lines() {
            for part in line.split("$(output ").skip(1) {
                let name = part.split(')').next().expect("a name");
                assert!(find(&outputs, "output", &[name]).is_some(), "{root}: deploy.sh reads a missing output {name}");
            }
        }
        if let Ok(status) = std::process::Command::new("bash")
            .arg("-n")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join("deploy.sh"))
            .status()
        {
            assert!(status.success(), "{root}: deploy.sh is valid bash");
        }
    }
}

#[test]
fn the_readme_lists_the_steps_in_order_from_an_empty_account_to_a_serving_system() {
    for root in ["dev", "prod"] {
        let files = committed(root);
        let readme = files.get("README.md").expect("README");
        let steps = [
            "**Bootstrap**",
            "**First apply**",
            "**Database role**",
            "**First image**",
            "**Migrations**",
            "**Rollout**",
            "**First frontend build**",
        ];
        let positions: Vec<usize> =
            steps.iter().map(|s| readme.find(s).unwrap_or_else(|| panic!("{root}: README lacks {s}"))).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{root}: the steps are in order: {positions:?}");
        for command in ["deploy.sh setup-database", "deploy.sh push", "deploy.sh migrate", "deploy.sh rollout"] {
            assert!(readme.contains(command), "{root}: {command}");
        }
    }
}
