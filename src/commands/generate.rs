//! `infragen gen`: render environments and write them, or check that they are current.

use std::io::Write;

use super::{load_all, write_line};
use crate::cli::{GenArgs, Selection};
use crate::config::{Overrides, Stage};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::output::{FileChange, Guard, Plan, Review, stale_references};
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
        roots.push(renderer.environment_replacing(&environment.architecture, &args.allow_replace)?);
    }
    if let Some(first) = environments.first() {
        roots.push(renderer.bootstrap(&first.architecture)?);
    }

    let plan = keep_data(&renderer, &environments, &mut roots, &args.out)?;
    let guards = guard(&plan, &environments, &roots);
    let out_dir = args.out.display().to_string();
    for root in &roots {
        for stale in stale_references(&args.out, &plan, &root.name)? {
            write_line(err, &format!("warning: {out_dir}/{stale}"))?;
        }
    }
    if args.check {
        if plan.is_up_to_date() {
            write_line(out, &format!("{out_dir} is up to date ({} files checked)", plan.count(FileChange::Unchanged)))?;
            return Ok(Exit::Success);
        }
        write!(out, "{}", plan.unified_diff(&args.out)).map_err(|e| Error::Io(e.to_string()))?;
        for guarded in &guards {
            for finding in guarded.guard.destructive() {
                let consequence = if guarded.production && !args.allow_replace.contains(&finding.address) {
                    "; `infragen gen` refuses it without --allow-replace"
                } else {
                    ""
                };
                write_line(err, &format!("warning: {out_dir}/{}: {finding}{consequence}", guarded.root))?;
            }
        }
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

    refuse_data_loss(&guards, &args.allow_replace, &out_dir)?;
    for guarded in guards.iter().filter(|g| !g.production) {
        for finding in guarded.guard.destructive() {
            write_line(err, &format!("warning: {out_dir}/{}: {finding}", guarded.root))?;
        }
    }
    plan.write(&args.out, args.force)?;
    for (root, guarded) in roots.iter().zip(&guards) {
        write_summary(out, &out_dir, root, &plan)?;
        for finding in &guarded.guard.findings {
            write_line(out, &format!("  {finding}"))?;
        }
    }
    for address in &args.allow_replace {
        if !guards.iter().any(|g| g.guard.findings.iter().any(|f| f.address == *address)) {
            write_line(
                err,
                &format!(
                    "note: --allow-replace {address}: no resource holding data at that address is replaced or destroyed"
                ),
            )?;
        }
    }
    if args.overrides.overrides() != Overrides::default() {
        write_line(
            err,
            "note: written with per-run overrides; `infragen gen --check` reports these files stale until the environment files say the same",
        )?;
    }
    Ok(Exit::Success)
}

/// A root and what the guard found in it.
struct Guarded {
    root: String,
    /// Production data is refused to be destroyed; the state bootstrap counts as production
    /// when any environment does.
    production: bool,
    guard: Guard,
}

/// Plans the roots, first giving every production root the `removed` blocks that keep
/// the data of what leaves it (the guard finds it by comparing with the tree on disk).
fn keep_data(
    renderer: &Renderer,
    environments: &[Environment],
    roots: &mut [RenderedRoot],
    out: &std::path::Path,
) -> Result<Plan, Error> {
    let plan = Plan::new(out, roots)?;
    let mut kept = false;
    for (root, environment) in roots.iter_mut().zip(environments) {
        if environment.architecture.stage == Stage::Production {
            let removed = Guard::keeping(&plan, &root.name);
            if !removed.is_empty() {
                renderer.keep(&environment.architecture, root, &removed)?;
                kept = true;
            }
        }
    }
    if kept { Ok(Plan::new(out, roots)?) } else { Ok(plan) }
}

fn guard(plan: &Plan, environments: &[Environment], roots: &[RenderedRoot]) -> Vec<Guarded> {
    let any_production = environments.iter().any(|e| e.architecture.stage == Stage::Production);
    roots
        .iter()
        .map(|root| {
            let production = match environments.iter().find(|e| e.architecture.environment == root.name) {
                Some(environment) => environment.architecture.stage == Stage::Production,
                None => any_production,
            };
            Guarded { root: root.name.clone(), production, guard: Guard::of(plan, &root.name) }
        })
        .collect()
}

/// In production, nothing that holds data is replaced or destroyed unless the user named
/// it with `--allow-replace`; nothing is written then.
fn refuse_data_loss(guards: &[Guarded], allowed: &[String], out_dir: &str) -> Result<(), Error> {
    let refused: Vec<String> = guards
        .iter()
        .filter(|g| g.production)
        .flat_map(|g| {
            g.guard
                .destructive()
                .filter(|f| !allowed.contains(&f.address))
                .map(move |f| format!("  {out_dir}/{}: {f}", g.root))
        })
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "refusing to write: the change destroys data in production (nothing was written)\n{}\n  = help: to keep the data, undo the change in the environment file; to replace it on purpose, take a snapshot or backup first and rerun with `--allow-replace ADDRESS` for each address above",
        refused.join("\n")
    )))
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
