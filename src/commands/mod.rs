//! One module per subcommand; each is a thin layer over the library.

pub mod ci;
pub mod completions;
pub mod cost;
pub mod diagram;
pub mod explain;
pub mod generate;
pub mod init;
pub mod presets;
pub mod schema;
pub mod show;

use std::io::Write;

use crate::Error;
use crate::config::Overrides;
use crate::diagnostic::Diagnostics;
use crate::workspace::{Environment, Workspace};

/// Loads and validates every named environment, reporting the errors of all of them
/// together and printing warnings to `err`.
pub(crate) fn load_all(
    workspace: &Workspace,
    names: &[String],
    overrides: &Overrides,
    err: &mut dyn Write,
) -> Result<Vec<Environment>, Error> {
    let mut environments = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        match workspace.load(name, overrides) {
            Ok(environment) => {
                for warning in &environment.loaded.warnings {
                    write_line(err, &warning.to_string())?;
                }
                environments.push(environment);
            }
            Err(Error::Invalid(Diagnostics(diagnostics))) => problems.extend(diagnostics),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() { Ok(environments) } else { Err(Error::Invalid(Diagnostics(problems))) }
}

/// Loads and validates one environment with its overrides, printing warnings to `err`.
pub(crate) fn load_one(args: &crate::cli::EnvironmentArgs, err: &mut dyn Write) -> Result<Environment, Error> {
    let workspace = Workspace::new(&args.environments);
    let mut environments = load_all(&workspace, std::slice::from_ref(&args.env), &args.overrides.overrides(), err)?;
    environments.pop().ok_or_else(|| Error::Internal("no environment was loaded".into()))
}

pub(crate) fn write_line(stream: &mut dyn Write, text: &str) -> Result<(), Error> {
    writeln!(stream, "{text}").map_err(output_error)
}

/// Writes a command's whole output.
pub(crate) fn write_text(stream: &mut dyn Write, text: &str) -> Result<(), Error> {
    stream.write_all(text.as_bytes()).map_err(output_error)
}

/// A reader that stopped reading (`infragen gen --all | head -1`) is not a failure of the
/// command: what it did is done, and nobody is left to tell.
fn output_error(error: std::io::Error) -> Error {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Error::OutputClosed
    } else {
        Error::Io(format!("cannot write output: {error}"))
    }
}
