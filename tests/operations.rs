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

/// One filter of the WAF log: its behaviour, its requirement and the actions of its
/// conditions.
type LogFilter = (String, String, Vec<String>);

/// The WAF log's filter: its default behaviour and its filters; `None` when the log keeps
/// every request.
fn waf_log_filter(root: &str) -> Option<(String, Vec<LogFilter>)> {
    let logging = resource(root, "waf", "aws_wafv2_web_acl_logging_configuration", "this");
    let filter = blocks(logging.body(), "logging_filter").next()?;
    let default = text(&attribute(filter.body(), "default_behavior").expect("default_behavior"));
    let filters = blocks(filter.body(), "filter")
        .map(|f| {
            let actions = blocks(f.body(), "condition")
                .flat_map(|c| blocks(c.body(), "action_condition"))
                .map(|a| text(&attribute(a.body(), "action").expect("action")))
                .collect();
            let behavior = text(&attribute(f.body(), "behavior").expect("behavior"));
            (behavior, text(&attribute(f.body(), "requirement").expect("requirement")), actions)
        })
        .collect();
    Some((default, filters))
}

#[test]
fn dev_logs_only_what_a_waf_rule_blocked_or_counted_and_prod_every_request() {
    // dev's min-logs: every request a rule blocked or counted, the counted managed rules
    // (dev counts two, as rule action overrides) included, and nothing else.
    let (default, filters) = waf_log_filter("dev").expect("dev filters its WAF log");
    assert_eq!(default, "\"DROP\"");
    assert_eq!(
        filters,
        [(
            "\"KEEP\"".to_string(),
            "\"MEETS_ANY\"".to_string(),
            vec!["\"BLOCK\"".to_string(), "\"COUNT\"".to_string(), "\"EXCLUDED_AS_COUNT\"".to_string()]
        )]
    );
    assert!(!waf_overrides("dev").iter().all(|(_, overrides)| overrides.is_empty()));
    assert_eq!(waf_log_filter("prod"), None);
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

#[test]
fn every_final_snapshot_gets_a_new_name_that_stays_put_between_plans() {
    let db = resource("prod", "rds", "aws_db_instance", "this");
    let name = text(&attribute(db.body(), "final_snapshot_identifier").expect("final_snapshot_identifier"));
    assert_eq!(
        name,
        "var.skip_final_snapshot ? null : \"${var.identifier}-final-${terraform_data.final_snapshot_suffix[0].output}\""
    );
    let suffix = resource("prod", "rds", "terraform_data", "final_snapshot_suffix");
    // The creation time, recorded once: later plans must not see a new timestamp().
    assert_eq!(text(&attribute(suffix.body(), "input").expect("input")), "formatdate(\"YYYYMMDDhhmmss\", timestamp())");
    assert_eq!(ignored_changes(&suffix), ["input"]);
    // A replaced instance gets a name of its own.
    let triggers = text(&attribute(suffix.body(), "triggers_replace").expect("triggers_replace"));
    for input in ["var.identifier", "var.db_name", "var.username", "var.kms_key_arn"] {
        assert!(triggers.contains(input), "{triggers}");
    }
    // Only the built-in provider: nothing to install beyond hashicorp/aws.
    let versions = parse("prod", "modules/rds/versions.tf");
    let terraform = blocks(&versions, "terraform").next().expect("terraform {}");
    let providers = blocks(terraform.body(), "required_providers").next().expect("required_providers");
    assert_eq!(providers.body().attributes().map(|a| a.key().to_string()).collect::<Vec<_>>(), ["aws"]);
}

/// A module argument of a root's main.tf, as a string literal.
fn module_string(root: &str, module: &str, argument: &str) -> String {
    let body = parse(root, "main.tf");
    let block = blocks(&body, "module")
        .find(|b| b.labels().first().is_some_and(|l| l.as_str() == module))
        .unwrap_or_else(|| panic!("{root}: module {module}"));
    match attribute(block.body(), argument) {
        Some(Expression::String(s)) => s,
        other => panic!("{root}: module {module}: {argument} = {other:?}"),
    }
}

/// `hh:mm` as minutes of the day.
fn minutes(clock: &str) -> u32 {
    let (h, m) = clock.split_once(':').expect("hh:mm");
    h.parse::<u32>().expect("hour") * 60 + m.parse::<u32>().expect("minute")
}

#[test]
fn aws_backup_runs_clear_of_the_database_backup_and_maintenance_windows() {
    for root in ["dev", "prod"] {
        let schedule = module_string(root, "backup", "schedule");
        let fields: Vec<&str> = schedule.trim_start_matches("cron(").trim_end_matches(')').split(' ').collect();
        assert_eq!(fields[2..], ["*", "*", "?", "*"], "{root}: a daily schedule, {schedule}");
        let start = fields[1].parse::<u32>().expect("hour") * 60 + fields[0].parse::<u32>().expect("minute");
        let plan = resource(root, "backup", "aws_backup_plan", "this");
        let rule = blocks(plan.body(), "rule").next().expect("rule");
        let window = |key: &str| match attribute(rule.body(), key) {
            Some(Expression::Number(n)) => n.as_u64().expect("minutes") as u32,
            other => panic!("{key} = {other:?}"),
        };
        let (start_window, completion_window) = (window("start_window"), window("completion_window"));
        // RDS's automated backup: its window and the hour it may run on past it.
        let rds = module_string(root, "rds", "backup_window");
        let (from, to) = rds.split_once('-').expect("hh:mm-hh:mm");
        let (rds_from, rds_to) = (minutes(from), minutes(to) + 60);
        for day in [-1440_i64, 0, 1440] {
            let (a, b) = (rds_from as i64 + day, rds_to as i64 + day);
            assert!(
                start as i64 + completion_window as i64 <= a || b <= start as i64,
                "{root}: AWS Backup {start}+{completion_window} min vs RDS {rds}"
            );
        }
        // The maintenance window (Saturday here), and the hour before it: no start then.
        let maintenance = module_string(root, "rds", "maintenance_window");
        let (from, to) = maintenance.split_once('-').expect("ddd:hh:mm-ddd:hh:mm");
        let (from_day, from_clock) = from.split_once(':').expect("day");
        let (to_day, to_clock) = to.split_once(':').expect("day");
        assert_eq!((from_day, to_day), ("sat", "sat"), "{root}: {maintenance}");
        let (blocked_from, blocked_to) = (minutes(from_clock) - 60, minutes(to_clock));
        assert!(
            start + start_window <= blocked_from || blocked_to <= start,
            "{root}: AWS Backup starts {start}+{start_window} min vs maintenance {maintenance}"
        );
    }
}

#[test]
fn certificate_validation_records_hold_what_acm_returns_and_nothing_made_up() {
    for root in ["dev", "prod"] {
        let text_of = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("generated").join(root).join("modules/dns/main.tf"),
        )
        .expect("dns main.tf");
        assert!(!text_of.contains("try("), "{root}: no fallback values");
        let record = resource(root, "dns", "aws_route53_record", "certificate_validation");
        assert_eq!(text(&attribute(record.body(), "for_each").expect("for_each")), "local.validation_options");
        assert_eq!(text(&attribute(record.body(), "name").expect("name")), "each.value.resource_record_name");
        assert_eq!(
            attribute(record.body(), "records"),
            Some(Expression::Array(vec![
                hcl::expr::Traversal::builder(hcl::expr::Variable::unchecked("each"))
                    .attr("value")
                    .attr("resource_record_value")
                    .build()
                    .into()
            ]))
        );
    }
}
