//! infragen: a typed, validated model of one AWS web architecture, rendered into Terraform.
//!
//! The pipeline, one module per stage:
//!
//! - [`config`]: environment files as written, layered (defaults < tier < presets < file <
//!   flags) with the origin of every value;
//! - [`model`]: the validated [`model::Architecture`], every error collected;
//! - [`render`]: templates + the `terraform fmt` formatter → files in memory;
//! - [`output`]: atomic writes, `--check` diffs, the manifest;
//! - [`cost`]: the offline monthly cost estimate, from the model and the price table.
//!
//! [`run`] is what the binary calls; the commands live in [`commands`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod cost;
pub mod diagnostic;
pub mod diagram;
pub mod model;
pub mod output;
mod parallel;
pub mod render;
pub mod workspace;

use std::io::Write;

use diagnostic::Diagnostics;

/// The exit status contract scripts rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    /// `gen --check`: the generated files differ from what the environment files produce.
    Stale = 1,
    /// An environment file or a flag is invalid; nothing was written.
    InvalidInput = 2,
    /// Reading or writing files failed.
    Io = 3,
    /// A bug in infragen: valid input that it failed to render.
    Internal = 4,
}

impl Exit {
    /// `cost`, `cost --diff`: the estimate breaks a `[budget]` limit. A failed check, like
    /// stale files: the pipeline stops on it.
    pub const OVER_BUDGET: Exit = Exit::Stale;
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(Diagnostics),
    #[error("error: {0}")]
    Usage(String),
    #[error("error: {0}")]
    Io(String),
    #[error("internal error: {0}\n  = help: this is a bug in infragen; please report it with the environment file")]
    Internal(String),
    /// Whoever read the standard output stopped reading; the command's work is done.
    #[error("standard output closed")]
    OutputClosed,
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Invalid(_) | Error::Usage(_) => Exit::InvalidInput,
            Error::Io(_) => Exit::Io,
            Error::Internal(_) => Exit::Internal,
            Error::OutputClosed => Exit::Success,
        }
    }
}

impl From<render::RenderError> for Error {
    fn from(error: render::RenderError) -> Self {
        Error::Internal(error.to_string())
    }
}

impl From<output::OutputError> for Error {
    fn from(error: output::OutputError) -> Self {
        if error.is_invalid_input() { Error::Usage(error.to_string()) } else { Error::Io(error.to_string()) }
    }
}

/// Runs a parsed command line, writing its output to `out` and diagnostics to `err`.
pub fn run(cli: cli::Cli, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let result = match &cli.command {
        cli::Command::Gen(args) => commands::generate::run(args, out, err),
        cli::Command::Show(args) => commands::show::run(args, out, err),
        cli::Command::Explain(args) => commands::explain::run(args, out, err),
        cli::Command::Init(args) => commands::init::run(args, out, err),
        cli::Command::Presets(args) => commands::presets::run(args, out, err),
        cli::Command::Cost(args) => commands::cost::run(args, out, err),
        cli::Command::Diagram(args) => commands::diagram::run(args, out, err),
        cli::Command::Schema(args) => commands::schema::run(args, out, err),
        cli::Command::Ci(args) => commands::ci::run(args, out, err),
        cli::Command::Completions(args) => commands::completions::run(args, out),
    };
    match result {
        Ok(exit) => exit,
        Err(Error::OutputClosed) => Exit::Success,
        Err(error) => {
            // Nothing sensible is left to do when stderr itself fails.
            let _ = writeln!(err, "{error}");
            error.exit()
        }
    }
}
