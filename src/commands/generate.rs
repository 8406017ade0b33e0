//! `infragen gen`: render environments and write them, or check that they are current.

use std::io::Write;

use super::{load_all, write_line};
use crate::cli::{GenArgs, Selection};
use crate::config::Overrides;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::output::{FileChange, Plan, Review};
use crate::render::{RenderedRoot, Renderer};
use crate::workspace::{Environment, Workspace};
use crate::{Error, Exit};

pub fn run(args: &GenArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let workspace = Workspace::new(&args.selection.environments);
    let names = selected_names(&workspace, &args.selection)?;
    let environments = load_all(&workspace, &names, &args.overrides.overrides(), err)?;
    check_shared_state(&environments)?;

    let renderer = Renderer::new()?;
    let mut roots = Vec::new();
    for environment in &environments {
        roots.push(renderer.environment(&environment.architecture)?);
    }
    // The environments agree on the state settings (checked above); the bootstrap takes the
    // account from the first that names one, so that the state bucket is limited to it too.
    let bootstrap_source = environments.iter().find(|e| e.architecture.account_id.is_some()).or(environments.first());
    if let Some(source) = bootstrap_source {
        roots.push(renderer.bootstrap(&source.architecture)?);
    }

    let plan = Plan::new(&args.out, &roots)?;
    let out_dir = args.out.display().to_string();
    if args.check {
        if plan.is_up_to_date() {
            write_line(out, &format!("{out_dir} is up to date ({} files checked)", plan.count(FileChange::Unchanged)))?;
            return Ok(Exit::Success);
        }
        write!(out, "{}", plan.unified_diff(&args.out)).map_err(|e| Error::Io(e.to_string()))?;
        for root in &roots {
            let review = Review::of(&plan, &root.name);
            if !review.is_empty() {
                write!(err, "{out_dir}/{} would change:\n{review}", root.name).map_err(|e| Error::Io(e.to_string()))?;
            }
        }
        let stale = plan.count(FileChange::Added) + plan.count(FileChange::Changed) + plan.count(FileChange::Removed);
        write_line(
            err,
            &format!(
                "error: {out_dir} is stale: {} to add, {} changed, {} to remove{}\n  = help: run `infragen gen {}` and commit the result",
                plan.count(FileChange::Added),
                plan.count(FileChange::Changed),
                plan.count(FileChange::Removed),
                if stale == 0 { " (only the manifest differs)" } else { "" },
                rerun_hint(&args.selection),
            ),
        )?;
        return Ok(Exit::Stale);
    }

    plan.write(&args.out, args.force)?;
    for root in &roots {
        write_summary(out, &out_dir, root, &plan)?;
    }
    if args.overrides.overrides() != Overrides::default() {
        write_line(
            err,
            "note: written with per-run overrides; `infragen gen --check` reports these files stale until the environment files say the same",
        )?;
    }
    Ok(Exit::Success)
}

fn selected_names(workspace: &Workspace, selection: &Selection) -> Result<Vec<String>, Error> {
    if selection.all {
        let names = workspace.environment_names()?;
        if names.is_empty() {
            return Err(Error::Usage(format!(
                "no environment files (*.toml) in {}\n  = help: run `infragen init` to create starter files",
                selection.environments.display()
            )));
        }
        return Ok(names);
    }
    let mut names = selection.env.clone();
    names.dedup();
    Ok(names)
}

fn rerun_hint(selection: &Selection) -> String {
    if selection.all {
        "--all".to_string()
    } else {
        selection.env.iter().map(|e| format!("--env {e}")).collect::<Vec<_>>().join(" ")
    }
}

/// Every environment's backend points at the one bucket the bootstrap root creates, so
/// they must agree on it; and environments sharing a DNS zone need names of their own.
fn check_shared_state(environments: &[Environment]) -> Result<(), Error> {
    let Some(first) = environments.first() else { return Ok(()) };
    let reference = &first.architecture;
    let mut problems = Vec::new();
    for environment in &environments[1..] {
        let arch = &environment.architecture;
        let pairs = [
            ("project", &reference.project, &arch.project),
            ("state.bucket", &reference.state.bucket, &arch.state.bucket),
            ("state.region", &reference.state.region, &arch.state.region),
        ];
        for (field, expected, found) in pairs {
            if expected != found {
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `{field}`: {} has \"{expected}\", {} has \"{found}\"",
                        reference.source_name, arch.source_name
                    ))
                    .help("every environment keeps its state in the one bucket generated/bootstrap creates; use the same value in every file"),
                );
            }
        }
    }
    // The state bucket and its key live in one account, and the backends reach them with the
    // environment's own credentials: environments naming different accounts could not share it.
    let mut accounts = environments.iter().filter_map(|e| e.architecture.account_id.as_ref().map(|id| (e, id)));
    if let Some((first_named, expected)) = accounts.next() {
        for (environment, found) in accounts {
            if found != expected {
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `account_id`: {} has \"{expected}\", {} has \"{found}\"",
                        first_named.architecture.source_name, environment.architecture.source_name
                    ))
                    .help("the state bucket generated/bootstrap creates lives in one account and every backend reaches it with the environment's own credentials; use one account for the environments that share it"),
                );
            }
        }
    }
    // Environments that share a zone must not claim the same names in it.
    for (i, first) in environments.iter().enumerate() {
        for second in &environments[i + 1..] {
            let (a, b) = (&first.architecture, &second.architecture);
            if a.dns.zone != b.dns.zone {
                continue;
            }
            for (field_a, name_a) in a.record_names() {
                if let Some((field_b, _)) = b.record_names().into_iter().find(|(_, name_b)| *name_b == name_a) {
                    problems.push(
                        Diagnostic::error(format!(
                            "{} and {} both create {name_a} in the zone {}",
                            a.source_name, b.source_name, a.dns.zone
                        ))
                        .note(format!("from `{field_a}` in {} and `{field_b}` in {}", a.source_name, b.source_name))
                        .help("give each environment names of its own, e.g. api and api-dev"),
                    );
                }
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(Diagnostics(problems))) }
}

fn write_summary(out: &mut dyn Write, out_dir: &str, root: &RenderedRoot, plan: &Plan) -> Result<(), Error> {
    let count = |change| plan.files_of(&root.name, change).count();
    write_line(
        out,
        &format!(
            "{out_dir}/{}: {} written, {} unchanged, {} removed",
            root.name,
            count(FileChange::Added) + count(FileChange::Changed),
            count(FileChange::Unchanged),
            count(FileChange::Removed),
        ),
    )?;
    for (module, resources) in root.resource_counts() {
        write_line(out, &format!("  {module:<12} {resources:>3} resources"))?;
    }
    write!(out, "{}", Review::of(plan, &root.name)).map_err(|e| Error::Io(e.to_string()))?;
    Ok(())
}
