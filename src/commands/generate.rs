//! `infragen gen`: render environments and write them, or check that they are current.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use super::{write_line, write_text};
use crate::cli::{GenArgs, OutputFormat, Selection};
use crate::config::Stage;
use crate::diagnostic::Diagnostics;
use crate::model::pipeline::{Pipeline, PipelineMember};
use crate::output::{
    FileChange, Freshness, FreshnessRecord, Guard, MANIFEST_FILE, Manifest, OutputLock, Plan, Review, RootReport,
    StagedRoot, Staging, StaleReference, Written, read_generated, review_markdown, stale_references,
    stale_references_of,
};
use crate::render::BootstrapInputs;
use crate::render::Renderer;
use crate::workspace::{Environment, Workspace};
use crate::workspace::{SharedClaims, check_shared_claims};
use crate::{Error, Exit};

pub fn run(args: &GenArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let workspace = Workspace::new(&args.selection.environments);
    let names = selected_names(&workspace, &args.selection, err)?;
    let overrides = args.overrides.overrides();
    let run_inputs = format!("{overrides:?}\n{:?}", args.allow_replace);
    // One run at a time in the directory, from reading the old tree to writing the new one;
    // taking the lock finishes what an interrupted run left. A directory that exists is
    // locked now, before its manifest and freshness record are read; a first run creates
    // and locks it only once the input is known to be valid (below).
    let mut lock = lock_output(&args.out, false, err)?;
    let mut plan = Plan::open(&args.out)?;
    let mut record = FreshnessRecord::read(&args.out)?;

    // Each environment is loaded and validated, and checked for freshness: a root whose
    // inputs and files are as infragen last wrote them is not rendered again, and its
    // model is dropped at once, so that memory does not grow with the number of fresh
    // environments. Both cores share the work.
    let loads = crate::parallel::map(&names, 8, |_, name| -> Result<Loaded, Error> {
        let environment = workspace.load(name, &overrides)?;
        let root = environment.architecture.environment.clone();
        let inputs = inputs_digest(&environment, &root, false, &run_inputs);
        let fresh = record.freshness(&args.out, plan.manifest(), &root, &inputs);
        Ok(Loaded {
            name: name.clone(),
            warnings: environment.loaded.warnings.iter().map(ToString::to_string).collect(),
            claims: SharedClaims::of(&environment.architecture),
            production: environment.architecture.stage == Stage::Production,
            shaped_by_flags: environment.loaded.shaped_by_flags(),
            bootstrap_inputs: inputs_digest(&environment, BOOTSTRAP_ROOT, true, &run_inputs),
            root,
            inputs,
            environment: (fresh == Freshness::Unknown).then(|| Box::new(environment)),
        })
    });
    let mut loaded = Vec::with_capacity(loads.len());
    let mut problems = Vec::new();
    for load in loads {
        match load {
            Ok(mut environment) => {
                // Said once, here, and not held through the run.
                for warning in std::mem::take(&mut environment.warnings) {
                    write_line(err, &warning)?;
                }
                loaded.push(environment);
            }
            Err(Error::Invalid(Diagnostics(diagnostics))) => problems.extend(diagnostics),
            Err(other) => return Err(other),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(Diagnostics(problems)));
    }
    let others = check_across_environments(&workspace, &loaded, err)?;
    // The pipeline's roles and the WAF log policies in the bootstrap cover every
    // environment, not only those selected.
    let every_claim = || loaded.iter().map(|l| &l.claims).chain(&others);
    let members: Vec<PipelineMember> = every_claim().filter_map(|c| c.pipeline.clone()).collect();
    let regions: BTreeSet<String> = every_claim().map(|c| c.region.clone()).collect();
    let pipeline = Pipeline::of_members(&members);

    if lock.is_none() && !args.check {
        lock = lock_output(&args.out, true, err)?;
        // Another run may have created the directory meanwhile: plan against what is there.
        plan = Plan::open(&args.out)?;
        record = FreshnessRecord::read(&args.out)?;
    }

    // The environments agree on the state settings (checked above); the bootstrap takes the
    // account from the first that names one, so that the state bucket is limited to it too.
    let any_production = loaded.iter().any(|e| e.production);
    // The models move into the jobs that render them, each shared by its environment's root
    // and, for one environment, the bootstrap's: the worker that renders the last of them
    // drops it, on its own core and as it goes, not all at the end of the run.
    let models: Vec<Option<Arc<Environment>>> =
        loaded.iter_mut().map(|l| l.environment.take().map(Arc::from)).collect();
    let mut jobs: Vec<Job> = loaded
        .iter()
        .zip(&models)
        .map(|(l, model)| Job {
            root: l.root.clone(),
            inputs: l.inputs.clone(),
            model: Mutex::new(model.clone()),
            bootstrap: None,
            production: l.production,
        })
        .collect();
    let bootstrap_source =
        loaded.iter().zip(&models).find(|(l, _)| l.claims.account_id.is_some()).or(loaded.iter().zip(&models).next());
    if let Some((source, model)) = bootstrap_source {
        let inputs = crate::output::inputs_digest(&[&source.bootstrap_inputs, &format!("{pipeline:?}\n{regions:?}")]);
        // The source of a bootstrap that needs rendering is loaded again if it was dropped.
        let model = match model {
            None if record.freshness(&args.out, plan.manifest(), BOOTSTRAP_ROOT, &inputs) == Freshness::Unknown => {
                Some(Arc::new(workspace.load(&source.name, &overrides)?))
            }
            model => model.clone(),
        };
        jobs.push(Job {
            root: BOOTSTRAP_ROOT.to_string(),
            // The bootstrap holds the pipeline's roles of every environment.
            inputs,
            model: Mutex::new(model),
            bootstrap: Some(BootstrapInputs { pipeline: pipeline.as_ref(), regions: &regions }),
            production: any_production,
        });
    }
    drop(models);

    // The roots that need it are rendered, compared and checked, each on its own, and
    // dropped when they change nothing.
    let renders = jobs.iter().filter(|job| job.has_model()).count();
    let renderer = if renders > 0 { Some(Renderer::new()?) } else { None };
    // Writing begins with the rendering: each root is staged by the worker that rendered
    // it (see `Staging`). Nothing in the tree changes before the plan is whole and passes
    // the checks below; a run that stops before that removes what it staged.
    let mut staging = match (lock.as_mut(), args.check) {
        (Some(lock), false) if renders > 0 => Some(plan.begin_write(lock, args.force)?),
        _ => None,
    };
    // A fresh root costs little: threads pay off for two roots to render, or many fresh ones.
    // Many roots to write are worth more workers than cores: creating their files is the
    // kernel's work and waits for the disk at times (an inode table or a directory to read),
    // and meanwhile another worker renders.
    let worth_threads = if renders >= 2 { 2 } else { 8 };
    let threads = if renders >= MANY_ROOTS && staging.is_some() {
        crate::parallel::writing_workers(renders)
    } else if jobs.len() >= worth_threads {
        crate::parallel::cores(jobs.len())
    } else {
        1
    };
    let mut handles = Vec::with_capacity(threads);
    for _ in 0..threads {
        handles.push(staging.as_ref().map(Staging::handles).transpose()?);
    }
    let render_all = || {
        crate::parallel::map_with(&jobs, handles, |handles, _, job| -> Result<Planned, Error> {
            let model = job.model.lock().unwrap_or_else(PoisonError::into_inner).take();
            let mut planned = match (&renderer, model) {
                (Some(renderer), Some(environment)) => {
                    job.plan(renderer, &environment, &args.out, plan.manifest(), &args.allow_replace, !args.check)?
                }
                _ => job.fresh(&args.out, plan.manifest())?,
            };
            if let (Some(handles), Some(part)) = (handles.as_mut(), planned.part.as_mut()) {
                planned.staged = Some(part.stage_root(handles)?);
                part.forget_texts();
            }
            Ok(planned)
        })
    };
    let results = match &staging {
        Some(staging) => staging.while_syncing(render_all),
        None => render_all(),
    };
    let mut planned = Vec::new();
    for result in results {
        let mut root = result?;
        match root.part.take() {
            Some(part) => plan.absorb(part),
            None => plan.add_fresh(&root.name),
        }
        if let (Some(staging), Some(staged)) = (staging.as_mut(), root.staged.take()) {
            staging.add(staged);
        }
        planned.push(root);
    }
    plan.finish(&args.out)?;
    let shaped_by_flags = loaded.iter().any(|l| l.shaped_by_flags);
    let inputs: Vec<String> = jobs.iter().map(|job| job.inputs.clone()).collect();
    drop(jobs);
    drop(loaded);
    // The workflow `infragen ci` wrote comes from the same environment files: it is checked
    // with the roots, never written (it lies outside the output directory).
    let pipeline_dir = args.selection.environments.parent().unwrap_or(Path::new("")).join(".github");
    // A run shaped by per-run flags is not what the files say: the pipeline is theirs.
    let pipeline_diff = if shaped_by_flags { None } else { stale_pipeline(pipeline.as_ref(), &pipeline_dir)? };
    let pipeline_stale = format!(
        "{} is stale: the pipeline `infragen ci` wrote differs from what these environment files give\n  = help: run `infragen ci` and commit the result",
        pipeline_dir.display()
    );

    let out_dir = args.out.display().to_string();
    for root in &planned {
        for stale in &root.stale {
            write_line(err, &format!("warning: {out_dir}/{stale}"))?;
        }
    }
    if args.check {
        if plan.is_current() && pipeline_diff.is_none() {
            match args.format {
                OutputFormat::Table => write_line(
                    out,
                    &format!("{out_dir} is up to date ({} files checked)", plan.count(FileChange::Unchanged)),
                )?,
                format => write_text(out, &report(format, &planned)?)?,
            }
            return Ok(Exit::Success);
        }
        if let Some(diff) = &pipeline_diff {
            write_line(err, &format!("error: {pipeline_stale}"))?;
            if plan.is_current() {
                return match write_text(out, diff) {
                    Ok(()) | Err(Error::OutputClosed) => Ok(Exit::Stale),
                    Err(error) => Err(error),
                };
            }
        }
        // What would destroy data first, then the resources, the summary, and the diff last.
        for guarded in &planned {
            for finding in guarded.guard.destructive() {
                let consequence = if guarded.production && !args.allow_replace.contains(&finding.address) {
                    "; `infragen gen` refuses it without --allow-replace"
                } else {
                    ""
                };
                write_line(err, &format!("warning: {out_dir}/{}: {finding}{consequence}", guarded.name))?;
            }
        }
        let (mut added, mut removed, mut changed) = (0, 0, 0);
        for root in &planned {
            let review = &root.review;
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
            OutputFormat::Table => plan.unified_diff(&args.out) + pipeline_diff.as_deref().unwrap_or_default(),
            format => report(format, &planned)?,
        };
        // The verdict is the exit status, whether or not the reader took the whole diff.
        match write_text(out, &stdout) {
            Ok(()) | Err(Error::OutputClosed) => {}
            Err(error) => return Err(error),
        }
        return Ok(Exit::Stale);
    }

    refuse_data_loss(&planned, &args.allow_replace, &out_dir)?;
    for guarded in planned.iter().filter(|g| !g.production) {
        for finding in guarded.guard.destructive() {
            write_line(err, &format!("warning: {out_dir}/{}: {finding}", guarded.name))?;
        }
    }
    let lock = lock.as_mut().expect("gen creates and locks the directory");
    let stamps = match staging {
        Some(staging) => plan.write_staged(lock, staging)?,
        None => plan.write_locked(lock, args.force)?,
    };
    // What was written is now known fresh: the next run need not render it.
    // A fresh root's record stands as it is (its files were not touched); every other
    // root was rendered and counted.
    let written: Vec<Written> = planned
        .iter()
        .zip(&inputs)
        .filter_map(|(root, inputs)| {
            let resources = root.resources.as_ref()?;
            Some(Written { root: &root.name, inputs, files: plan.hashes_of(&root.name).collect(), resources })
        })
        .collect();
    let recorded = record.set_all(lock, &written, &stamps);
    drop(written);
    if let Err(error) = recorded.and_then(|()| record.write(lock)) {
        write_line(err, &format!("warning: {error} (only the next run's speed suffers)"))?;
    }
    if pipeline_diff.is_some() {
        write_line(err, &format!("warning: {pipeline_stale}"))?;
    }
    if args.format == OutputFormat::Table {
        for root in &planned {
            write_summary(out, &out_dir, root, &plan, &record)?;
            for finding in &root.guard.findings {
                write_line(out, &format!("  {finding}"))?;
            }
        }
    } else {
        write_text(out, &report(args.format, &planned)?)?;
    }
    for address in &args.allow_replace {
        if !planned.iter().any(|g| g.guard.findings.iter().any(|f| f.address == *address)) {
            write_line(
                err,
                &format!(
                    "note: --allow-replace {address}: no resource holding data at that address is replaced or destroyed"
                ),
            )?;
        }
    }
    if shaped_by_flags {
        write_line(
            err,
            "note: written with per-run overrides; `infragen gen --check` reports these files stale until the environment files say the same",
        )?;
    }
    Ok(Exit::Success)
}

const BOOTSTRAP_ROOT: &str = crate::render::BOOTSTRAP_ROOT;

/// From how many roots to render and write a run takes more workers than cores (see
/// [`crate::parallel::writing_workers`]); a few roots gain nothing from them but memory.
const MANY_ROOTS: usize = 16;

/// An environment, loaded: what the run needs of it after loading, and its model while a
/// root of it still needs rendering.
struct Loaded {
    name: String,
    warnings: Vec<String>,
    claims: SharedClaims,
    production: bool,
    shaped_by_flags: bool,
    root: String,
    inputs: String,
    bootstrap_inputs: String,
    /// The model, until the jobs that render the environment's roots take it. Boxed: the
    /// model is large, and a `Loaded` of every environment is moved through the loading
    /// workers' result lists; the box keeps those lists small when models are dropped.
    environment: Option<Box<Environment>>,
}

/// What a root's files are a function of, besides this build of infragen: which root it
/// is, the environment file (its name, as headers show it, and its text), and this run's
/// overrides and `--allow-replace`.
fn inputs_digest(environment: &Environment, root: &str, bootstrap: bool, run_inputs: &str) -> String {
    let source = &environment.loaded.source;
    crate::output::inputs_digest(&[
        if bootstrap { "bootstrap" } else { "environment" },
        root,
        &environment.loaded.name,
        &source.name,
        &source.text,
        run_inputs,
    ])
}

/// The diff of the workflow in `dir` against the one `pipeline` gives, when `infragen ci`
/// wrote one there (it has infragen's manifest) and it is stale.
fn stale_pipeline(pipeline: Option<&Pipeline>, dir: &Path) -> Result<Option<String>, Error> {
    let Some(pipeline) = pipeline else { return Ok(None) };
    if !dir.join(MANIFEST_FILE).is_file() {
        return Ok(None);
    }
    let (_, plan) = super::ci::plan_pipeline(pipeline, dir)?;
    Ok((!plan.is_current()).then(|| plan.unified_diff(dir)))
}

/// Locks the output directory (see [`OutputLock::acquire`]), saying so when another run
/// makes it wait.
fn lock_output(out: &Path, create: bool, err: &mut dyn Write) -> Result<Option<OutputLock>, Error> {
    let mut waited = Ok(());
    let lock = OutputLock::acquire(out, create, &mut |message| {
        waited = write_line(err, &format!("note: {message}"));
    })?;
    waited?;
    Ok(lock)
}

/// One root to plan: an environment's, or the bootstrap rendered from an environment.
struct Job<'a> {
    root: String,
    inputs: String,
    /// The environment's model, when the root needs rendering: taken by the worker that
    /// renders it.
    model: Mutex<Option<Arc<Environment>>>,
    /// For the bootstrap: what it holds for all the environments.
    bootstrap: Option<BootstrapInputs<'a>>,
    /// Production data is refused to be destroyed; the state bootstrap counts as production
    /// when any environment does.
    production: bool,
}

/// A root, planned: its part of the plan (none when it is fresh: nothing to render), and
/// what the guard, the review and the scan of hand-written files found in it.
struct Planned {
    name: String,
    production: bool,
    part: Option<Plan>,
    guard: Guard,
    review: Review,
    /// Resources per module; `None` for a fresh root, whose counts the record holds.
    resources: Option<BTreeMap<String, usize>>,
    /// Its changed files, staged for the write by the worker that rendered it.
    staged: Option<StagedRoot>,
    stale: Vec<StaleReference>,
}

impl Job<'_> {
    /// Whether the root needs rendering.
    fn has_model(&self) -> bool {
        self.model.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// Renders the root and compares it with `out`. A production root first gets the
    /// `removed` blocks that keep the data of what leaves it (the guard finds it by
    /// comparing with the tree on disk). Every file to be written is parsed.
    fn plan(
        &self,
        renderer: &Renderer,
        environment: &Environment,
        out: &Path,
        manifest: &Manifest,
        allow_replace: &[String],
        count_resources: bool,
    ) -> Result<Planned, Error> {
        let arch = &environment.architecture;
        let mut root = if let Some(inputs) = self.bootstrap {
            renderer.bootstrap_unparsed(arch, inputs)?
        } else {
            renderer.environment_unparsed(arch, allow_replace)?
        };
        let mut part = Plan::of_root(out, manifest, &root)?;
        if self.bootstrap.is_none() && arch.stage == Stage::Production {
            let removed = Guard::keeping(&part, &root.name);
            if !removed.is_empty() {
                renderer.keep(arch, &mut root, &removed)?;
                part = Plan::of_root(out, manifest, &root)?;
            }
        }
        // Rendering itself parsed some files (see `RenderedRoot::needs_parse_check`).
        for (path, text) in part.unverified().filter(|(path, _)| root.needs_parse_check(path)) {
            root.check_parses_of(path, text)?;
        }
        let resources = if count_resources { root.resource_counts() } else { BTreeMap::new() };
        let planned = Planned {
            name: root.name.clone(),
            production: self.production,
            guard: Guard::of(&part, &root.name),
            review: Review::of(&part, &root),
            resources: Some(resources),
            stale: stale_references(out, &part, &root.name)?,
            part: None,
            staged: None,
        };
        part.forget_unchanged(&root.name);
        Ok(Planned { part: Some(part), ..planned })
    }

    /// A fresh root: every file as the manifest lists it, nothing to review or guard.
    fn fresh(&self, out: &Path, manifest: &Manifest) -> Result<Planned, Error> {
        let ours: BTreeSet<&str> = manifest.files_of(&self.root).collect();
        let stale = stale_references_of(out, &self.root, &ours, || {
            read_generated(out, ours.iter().copied().filter(|path| path.ends_with(".tf")))
        })?;
        Ok(Planned {
            name: self.root.clone(),
            production: self.production,
            part: None,
            guard: Guard::default(),
            review: Review::default(),
            resources: None,
            stale,
            staged: None,
        })
    }
}

/// In production, nothing that holds data is replaced or destroyed unless the user named
/// it with `--allow-replace`; nothing is written then.
fn refuse_data_loss(guards: &[Planned], allowed: &[String], out_dir: &str) -> Result<(), Error> {
    let refused: Vec<String> = guards
        .iter()
        .filter(|g| g.production)
        .flat_map(|g| {
            g.guard
                .destructive()
                .filter(|f| !allowed.contains(&f.address))
                .map(move |f| format!("  {out_dir}/{}: {f}", g.name))
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
/// not load is named, since it could not be checked against. Returns the others' claims
/// (their parts in the pipeline and their regions, which the bootstrap covers).
fn check_across_environments(
    workspace: &Workspace,
    selected: &[Loaded],
    err: &mut dyn Write,
) -> Result<Vec<SharedClaims>, Error> {
    let mut claims: Vec<SharedClaims> = selected.iter().map(|l| l.claims.clone()).collect();
    let first_other = claims.len();
    for name in workspace.environment_names()? {
        if selected.iter().any(|environment| environment.name == name) {
            continue;
        }
        match workspace.load(&name, &Default::default()) {
            Ok(environment) => claims.push(SharedClaims::of(&environment.architecture)),
            Err(_) => write_line(
                err,
                &format!(
                    "warning: {} has errors, so it was not checked against this run (state bucket, record names); `infragen gen --env {name}` shows them",
                    workspace.display_name(&name)
                ),
            )?,
        }
    }
    check_shared_claims(&claims)?;
    Ok(claims.split_off(first_other))
}

fn rerun_hint(selection: &Selection) -> String {
    if selection.all {
        "--all".to_string()
    } else {
        selection.env.iter().map(|e| format!("--env {e}")).collect::<Vec<_>>().join(" ")
    }
}

/// The review of every root for `--format json|markdown`.
fn report(format: OutputFormat, planned: &[Planned]) -> Result<String, Error> {
    let reports: Vec<RootReport> = planned
        .iter()
        .map(|root| RootReport::new(root.name.clone(), &root.guard.findings, root.review.clone()))
        .collect();
    match format {
        OutputFormat::Json => super::cost::json(&reports),
        _ => Ok(review_markdown(&reports)),
    }
}

fn write_summary(
    out: &mut dyn Write,
    out_dir: &str,
    root: &Planned,
    plan: &Plan,
    record: &FreshnessRecord,
) -> Result<(), Error> {
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
    let recorded;
    let resources = match &root.resources {
        Some(resources) => resources,
        None => {
            recorded = record.resources(&root.name);
            &recorded
        }
    };
    for (module, resources) in resources {
        write_line(out, &format!("  {module:<12} {resources:>3} resources"))?;
    }
    write_text(out, &root.review.to_string())?;
    Ok(())
}
