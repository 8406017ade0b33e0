//! Day-2 behaviour of the committed generated/ tree (night schedules, the firewall's
//! rules, destroy, backups, DNS, versions), checked on the parsed Terraform rather than on
//! text, like tests/generated.rs.

use std::path::Path;

use hcl::{Block, Body, Expression};

/// A file of a generated root, parsed.
fn parse(root: &str, file: &str) -> Body {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `resource "kind" "name"` block of a module's main.tf, if there is one.
fn find_resource(root: &str, module: &str, kind: &str, name: &str) -> Option<Block> {
    parse(root, &format!("modules/{module}/main.tf"))
        .into_blocks()
        .find(|b| b.identifier() == "resource" && b.labels().iter().map(|l| l.as_str()).eq([kind, name]))
}

#[track_caller]
fn resource(root: &str, module: &str, kind: &str, name: &str) -> Block {
    find_resource(root, module, kind, name).unwrap_or_else(|| panic!("{root}: module {module} has {kind}.{name}"))
}

/// Nested blocks by identifier.
fn blocks<'b>(body: &'b Body, identifier: &'b str) -> impl Iterator<Item = &'b Block> + 'b {
    body.blocks().filter(move |b| b.identifier() == identifier)
}

fn attribute(body: &Body, key: &str) -> Option<Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr().clone())
}

/// An expression as Terraform text, for comparisons.
fn text(expression: &Expression) -> String {
    hcl::format::to_string(expression).expect("formats")
}

/// The names in `lifecycle { ignore_changes = [...] }`, empty without one.
fn ignored_changes(block: &Block) -> Vec<String> {
    blocks(block.body(), "lifecycle")
        .filter_map(|lifecycle| attribute(lifecycle.body(), "ignore_changes"))
        .flat_map(|list| match list {
            Expression::Array(items) => items.iter().map(text).collect::<Vec<_>>(),
            other => vec![text(&other)],
        })
        .collect()
}

#[test]
fn the_night_schedule_owns_the_scalable_range_and_terraform_leaves_it_alone() {
    // dev scales to zero at night: a plan at night must not "restore" min/max.
    let dev = resource("dev", "ecs", "aws_appautoscaling_target", "backend");
    assert_eq!(ignored_changes(&dev), ["min_capacity", "max_capacity"]);
    assert!(find_resource("dev", "ecs", "aws_appautoscaling_scheduled_action", "night_stop").is_some());
    // prod has no schedule, so Terraform keeps owning the range there.
    let prod = resource("prod", "ecs", "aws_appautoscaling_target", "backend");
    assert_eq!(ignored_changes(&prod), Vec::<String>::new());
    assert!(find_resource("prod", "ecs", "aws_appautoscaling_scheduled_action", "night_stop").is_none());
}

/// The metric names and the expression of the API 5xx alarm.
fn api_5xx_alarm(root: &str) -> (Vec<String>, String) {
    let alarm = resource(root, "monitoring", "aws_cloudwatch_metric_alarm", "alb_5xx");
    let mut metrics = Vec::new();
    let mut expression = String::new();
    for query in blocks(alarm.body(), "metric_query") {
        if let Some(e) = attribute(query.body(), "expression") {
            expression = text(&e);
        }
        for metric in blocks(query.body(), "metric") {
            metrics.push(text(&attribute(metric.body(), "metric_name").expect("metric_name")));
        }
    }
    (metrics, expression)
}

#[test]
fn no_alarm_fires_because_dev_has_no_task_at_night() {
    // No zero-task alarm where zero tasks is the plan.
    assert!(find_resource("dev", "monitoring", "aws_cloudwatch_metric_alarm", "running_tasks").is_none());
    assert!(find_resource("prod", "monitoring", "aws_cloudwatch_metric_alarm", "running_tasks").is_some());
    // The load balancer's own 503s (no registered target) are what every request at night
    // gets: the 5xx alarm subtracts them in dev, and counts them in prod.
    let (metrics, expression) = api_5xx_alarm("dev");
    assert_eq!(metrics, ["\"HTTPCode_ELB_5XX_Count\"", "\"HTTPCode_ELB_503_Count\"", "\"HTTPCode_Target_5XX_Count\""]);
    assert_eq!(expression, "\"FILL(elb, 0) - FILL(elb_no_target, 0) + FILL(targets, 0)\"");
    let (metrics, expression) = api_5xx_alarm("prod");
    assert_eq!(metrics, ["\"HTTPCode_ELB_5XX_Count\"", "\"HTTPCode_Target_5XX_Count\""]);
    assert_eq!(expression, "\"FILL(elb, 0) + FILL(targets, 0)\"");
}

#[test]
fn every_root_and_module_needs_terraform_1_11_for_s3_native_locking() {
    let mut files = vec![("bootstrap".to_string(), "versions.tf".to_string())];
    for root in ["dev", "prod"] {
        files.push((root.to_string(), "versions.tf".to_string()));
        let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join("modules");
        for entry in std::fs::read_dir(modules).expect("modules/") {
            let module = entry.expect("entry").file_name().to_string_lossy().into_owned();
            files.push((root.to_string(), format!("modules/{module}/versions.tf")));
        }
    }
    assert!(files.len() > 20, "{files:?}");
    for (root, file) in files {
        let body = parse(&root, &file);
        let terraform = blocks(&body, "terraform").next().unwrap_or_else(|| panic!("{root}/{file}: terraform {{}}"));
        let version = attribute(terraform.body(), "required_version").expect("required_version");
        assert_eq!(text(&version), "\">= 1.11\"", "{root}/{file}");
    }
    // use_lockfile is what needs it.
    let backend = parse("prod", "backend.tf");
    let terraform = blocks(&backend, "terraform").next().expect("terraform {}");
    let s3 = blocks(terraform.body(), "backend").next().expect("backend \"s3\"");
    assert_eq!(attribute(s3.body(), "use_lockfile"), Some(Expression::Bool(true)));
}

/// Per managed group of the web ACL: the rules overridden, with their action.
fn waf_overrides(root: &str) -> Vec<(String, Vec<(String, String)>)> {
    let acl = resource(root, "waf", "aws_wafv2_web_acl", "this");
    let mut groups = Vec::new();
    for rule in blocks(acl.body(), "rule") {
        for statement in blocks(rule.body(), "statement") {
            for group in blocks(statement.body(), "managed_rule_group_statement") {
                let name = text(&attribute(group.body(), "name").expect("name"));
                let overrides = blocks(group.body(), "rule_action_override")
                    .map(|o| {
                        let rule = text(&attribute(o.body(), "name").expect("name"));
                        let action = blocks(o.body(), "action_to_use")
                            .flat_map(|a| a.body().blocks().map(|b| b.identifier().to_string()))
                            .collect::<Vec<_>>()
                            .join(",");
                        (rule, action)
                    })
                    .collect();
                groups.push((name, overrides));
            }
        }
    }
    groups
}

#[test]
fn the_waf_counts_large_json_bodies_and_missing_user_agents_instead_of_blocking() {
    for root in ["dev", "prod"] {
        let groups = waf_overrides(root);
        assert_eq!(groups.len(), 4, "{root}: {groups:?}");
        for (group, overrides) in groups {
            let expected: Vec<(String, String)> = if group == "\"AWSManagedRulesCommonRuleSet\"" {
                vec![
                    ("\"SizeRestrictions_BODY\"".into(), "count".into()),
                    ("\"NoUserAgent_HEADER\"".into(), "count".into()),
                ]
            } else {
                Vec::new()
            };
            assert_eq!(overrides, expected, "{root}: {group}");
        }
    }
}

#[test]
fn no_aaaa_record_points_at_the_ipv4_only_load_balancer() {
    for root in ["dev", "prod"] {
        let body = parse(root, "modules/dns/main.tf");
        let mut alb_records = 0;
        for record in body.blocks().filter(|b| {
            b.identifier() == "resource" && b.labels().first().is_some_and(|l| l.as_str() == "aws_route53_record")
        }) {
            let Some(alias) = blocks(record.body(), "alias").next() else { continue };
            if text(&attribute(alias.body(), "name").expect("alias name")) != "var.alb_dns_name" {
                continue;
            }
            alb_records += 1;
            assert_eq!(attribute(record.body(), "type").map(|t| text(&t)).as_deref(), Some("\"A\""), "{root}");
            assert!(attribute(record.body(), "for_each").is_none(), "{root}: one record, type A");
        }
        assert_eq!(alb_records, 1, "{root}");
        // The A record of the earlier A/AAAA pair is moved, not recreated.
        let moved = blocks(&body, "moved").next().expect("a moved block");
        assert_eq!(text(&attribute(moved.body(), "from").expect("from")), "aws_route53_record.api[\"A\"]");
        assert_eq!(text(&attribute(moved.body(), "to").expect("to")), "aws_route53_record.api");
    }
}
