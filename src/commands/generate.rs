//! `infragen gen`: render environments and write them, or check that they are current.

use std::io::Write;

use super::{load_all, write_line, write_text};
use crate::cli::{GenArgs, Selection};
use crate::output::{FileChange, Plan, Review};
use crate::render::{RenderedRoot, Renderer};
use crate::workspace::check_shared_state;
use crate::workspace::{Environment, Workspace};
use crate::{Error, Exit};

pub fn run(args: &GenArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let workspace = Workspace::new(&args.selection.environments);
    let names = selected_names(&workspace, &args.selection, err)?;
    let environments = load_all(&workspace, &names, &args.overrides.overrides(), err)?;
    check_across_environments(&workspace, &environments, err)?;

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
        // What changes first, in resources, then the summary, then the diff itself.
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
        // The verdict is the exit status, whether or not the reader took the whole diff.
        match write_text(out, &plan.unified_diff(&args.out)) {
            Ok(()) | Err(Error::OutputClosed) => {}
            Err(error) => return Err(error),
        }
        return Ok(Exit::Stale);
    }

    plan.write(&args.out, args.force)?;
    for root in &roots {
        write_summary(out, &out_dir, root, &plan)?;
    }
    if environments.iter().any(|environment| environment.loaded.shaped_by_flags()) {
        write_line(
            err,
            "note: written with per-run overrides; `infragen gen --check` reports these files stale until the environment files say the same",
        )?;
    }
    Ok(Exit::Success)
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
/// not load is named, since it could not be checked against.
fn check_across_environments(
    workspace: &Workspace,
    selected: &[Environment],
    err: &mut dyn Write,
) -> Result<(), Error> {
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
    check_shared_state(&all)
}

fn rerun_hint(selection: &Selection) -> String {
    if selection.all {
        "--all".to_string()
    } else {
        selection.env.iter().map(|e| format!("--env {e}")).collect::<Vec<_>>().join(" ")
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
