//! `infragen gen`: render environments and write them, or check that they are current.

use std::io::Write;

use super::{load_all, write_line, write_text};
use crate::cli::{GenArgs, OutputFormat, Selection};
use crate::config::Stage;
use crate::model::Architecture;
use crate::model::pipeline::Pipeline;
use crate::output::{FileChange, Guard, OutputLock, Plan, Review, RootReport, review_markdown, stale_references};
use crate::render::{RenderedRoot, Renderer};
use crate::workspace::check_shared_state;
use crate::workspace::{Environment, Workspace};
use crate::{Error, Exit};

pub fn run(args: &GenArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let workspace = Workspace::new(&args.selection.environments);
    let names = selected_names(&workspace, &args.selection, err)?;
    let environments = load_all(&workspace, &names, &args.overrides.overrides(), err)?;
    let others = check_across_environments(&workspace, &environments, err)?;
    // The pipeline's roles in the bootstrap cover every environment, not only those selected.
    let every: Vec<&Architecture> = environments.iter().chain(&others).map(|e| &e.architecture).collect();
    let pipeline = Pipeline::new(&every);

    let renderer = Renderer::new()?;
    let mut roots = Vec::new();
    for environment in &environments {
        roots.push(renderer.environment_replacing(&environment.architecture, &args.allow_replace)?);
    }
    // The environments agree on the state settings (checked above); the bootstrap takes the
    // account from the first that names one, so that the state bucket is limited to it too.
    let bootstrap_source = environments.iter().find(|e| e.architecture.account_id.is_some()).or(environments.first());
    if let Some(source) = bootstrap_source {
        roots.push(renderer.bootstrap(&source.architecture, pipeline.as_ref())?);
    }

    // One run at a time in the directory, from reading the old tree to writing the new one;
    // taking the lock finishes what an interrupted run left.
    let mut waited = Ok(());
    let lock = OutputLock::acquire(&args.out, !args.check, &mut |message| {
        waited = write_line(err, &format!("note: {message}"));
    })?;
    waited?;
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
            match args.format {
                OutputFormat::Table => write_line(
                    out,
                    &format!("{out_dir} is up to date ({} files checked)", plan.count(FileChange::Unchanged)),
                )?,
                format => write_text(out, &report(format, &roots, &guards, &plan)?)?,
            }
            return Ok(Exit::Success);
        }
        // What would destroy data first, then the resources, the summary, and the diff last.
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
        let (mut added, mut removed, mut changed) = (0, 0, 0);
        for root in &roots {
            let review = Review::of(&plan, &root.name);
            (added, removed, changed) = (
                added + review.resources_added.len(),
                removed + review.resources_removed.len(),
                changed + review.resources_changed.len(),
            );
            if !review.is_empty() {
                write!(err, "{out_dir}/{} would change:\n{review}", root.name).map_err(|e| Error::Io(e.to_string()))?;
            }
        }
        let files = plan.count(FileChange::Added) + plan.count(FileChange::Changed) + plan.count(FileChange::Removed);
        let files_summary = match files {
            0 => "only the manifest differs".to_string(),
            1 => "1 file differs".to_string(),
            n => format!("{n} files differ"),
        };
        write_line(
            err,
            &format!(
                "error: {out_dir} is stale: {files_summary}; resources: {added} added, {changed} changed, {removed} removed\n  = help: run `infragen gen {}` and commit the result",
                rerun_hint(&args.selection),
            ),
        )?;
        let stdout = match args.format {
            OutputFormat::Table => plan.unified_diff(&args.out),
            format => report(format, &roots, &guards, &plan)?,
        };
        // The verdict is the exit status, whether or not the reader took the whole diff.
        match write_text(out, &stdout) {
            Ok(()) | Err(Error::OutputClosed) => {}
            Err(error) => return Err(error),
        }
        return Ok(Exit::Stale);
    }

    refuse_data_loss(&guards, &args.allow_replace, &out_dir)?;
    for guarded in guards.iter().filter(|g| !g.production) {
        for finding in guarded.guard.destructive() {
            write_line(err, &format!("warning: {out_dir}/{}: {finding}", guarded.root))?;
        }
    }
    plan.write_locked(&mut lock.expect("gen creates and locks the directory"), args.force)?;
    if args.format == OutputFormat::Table {
        for (root, guarded) in roots.iter().zip(&guards) {
            write_summary(out, &out_dir, root, &plan)?;
            for finding in &guarded.guard.findings {
                write_line(out, &format!("  {finding}"))?;
            }
        }
    } else {
        write_text(out, &report(args.format, &roots, &guards, &plan)?)?;
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
    if environments.iter().any(|environment| environment.loaded.shaped_by_flags()) {
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

fn selected_names(workspace: &Workspace, selection: &Selection, err: &mut dyn Write) -> Result<Vec<String>, Error> {
    if selection.all {
        let names = workspace.environment_names()?;
        for skipped in workspace.skipped_entries() {
            write_line(err, &format!("warning: --all skips {skipped}"))?;
        }
        if names.is_empty() {
            return Err(Error::Usage(format!(
                "no environment files (*.toml) in {}\n  = help: run `infragen init` to create starter files",
                selection.environments.display()
            )));
        }
        return Ok(names);
    }
    // Each environment once, in the order first given (`--env dev --env prod --env dev`).
    let mut names: Vec<String> = Vec::new();
    for name in &selection.env {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    Ok(names)
}

/// The checks that span environments (one state bucket, distinct names in a shared zone)
/// run against every environment file, not only the selected ones: `gen --env dev` must
/// not take prod's record name, nor `gen --env prod` move the bucket dev's backend uses.
/// The others are loaded as their files say, without this run's overrides; one that does
/// not load is named, since it could not be checked against. Returns the others.
fn check_across_environments(
    workspace: &Workspace,
    selected: &[Environment],
    err: &mut dyn Write,
) -> Result<Vec<Environment>, Error> {
    let mut others = Vec::new();
    for name in workspace.environment_names()? {
        if selected.iter().any(|environment| environment.loaded.name == name) {
            continue;
        }
        match workspace.load(&name, &Default::default()) {
            Ok(environment) => others.push(environment),
            Err(_) => write_line(
                err,
                &format!(
                    "warning: {} has errors, so it was not checked against this run (state bucket, record names); `infragen gen --env {name}` shows them",
                    workspace.display_name(&name)
                ),
            )?,
        }
    }
    let all: Vec<&Environment> = selected.iter().chain(&others).collect();
    check_shared_state(&all)?;
    Ok(others)
}

fn rerun_hint(selection: &Selection) -> String {
    if selection.all {
        "--all".to_string()
    } else {
        selection.env.iter().map(|e| format!("--env {e}")).collect::<Vec<_>>().join(" ")
    }
}

/// The review of every root for `--format json|markdown`.
fn report(format: OutputFormat, roots: &[RenderedRoot], guards: &[Guarded], plan: &Plan) -> Result<String, Error> {
    let reports: Vec<RootReport> = roots
        .iter()
        .zip(guards)
        .map(|(root, guarded)| {
            RootReport::new(root.name.clone(), &guarded.guard.findings, Review::of(plan, &root.name))
        })
        .collect();
    match format {
        OutputFormat::Json => super::cost::json(&reports),
        _ => Ok(review_markdown(&reports)),
    }
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
    write_text(out, &Review::of(plan, &root.name).to_string())?;
    Ok(())
}
