//! `infragen ci`: the GitHub Actions pipeline of the project, written into the repository's
//! `.github/workflows/` and listed in `.github/.infragen-manifest` like every generated file,
//! so that `--check` keeps it current.

use std::io::Write;
use std::path::Path;

use super::{load_all, write_line, write_text};
use crate::cli::CiArgs;
use crate::model::Architecture;
use crate::model::pipeline::Pipeline;
use crate::output::{FileChange, Plan};
use crate::render::{RenderedRoot, Renderer};
use crate::workspace::{Workspace, check_shared_state};
use crate::{Error, Exit};

pub fn run(args: &CiArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let workspace = Workspace::new(&args.environments);
    let names = workspace.environment_names()?;
    let environments = load_all(&workspace, &names, &Default::default(), err)?;
    check_shared_state(&environments.iter().collect::<Vec<_>>())?;
    let architectures: Vec<&Architecture> = environments.iter().map(|e| &e.architecture).collect();
    let Some(pipeline) = Pipeline::new(&architectures) else {
        return Err(Error::Usage(format!(
            "no environment in {} names a repository: the pipeline has nothing to run in\n  = help: set `[ci] repository = \"owner/name\"` in the environment files",
            args.environments.display()
        )));
    };
    let (root, plan) = plan_pipeline(&pipeline, &args.output)?;
    let out_dir = args.output.display().to_string();
    if args.check {
        if plan.is_current() {
            write_line(out, &format!("{out_dir} is up to date ({} files checked)", plan.count(FileChange::Unchanged)))?;
            return Ok(Exit::Success);
        }
        write_line(
            err,
            &format!("error: the pipeline in {out_dir} is stale\n  = help: run `infragen ci` and commit the result"),
        )?;
        match write_text(out, &plan.unified_diff(&args.output)) {
            Ok(()) | Err(Error::OutputClosed) => {}
            Err(error) => return Err(error),
        }
        return Ok(Exit::Stale);
    }
    plan.write(&args.output, args.force)?;
    for path in root.files().keys() {
        write_line(out, &format!("{out_dir}/{path}"))?;
    }
    let skipped: Vec<&str> =
        environments.iter().filter(|e| e.architecture.ci.is_none()).map(|e| e.loaded.name.as_str()).collect();
    if !skipped.is_empty() {
        write_line(
            err,
            &format!("note: {} name no `[ci] repository`: the pipeline leaves them out", skipped.join(", ")),
        )?;
    }
    Ok(Exit::Success)
}

/// The workflow `pipeline` gives and its plan against `dir` (the repository's `.github`):
/// what `infragen ci` writes, and what `ci --check` and `gen --check` both judge with
/// [`Plan::is_current`], so that they agree on the same tree.
pub(super) fn plan_pipeline(pipeline: &Pipeline, dir: &Path) -> Result<(RenderedRoot, Plan), Error> {
    let root = Renderer::for_pipeline()?.pipeline(pipeline)?;
    let plan = Plan::new(dir, std::slice::from_ref(&root))?;
    Ok((root, plan))
}
