//! `infragen completions SHELL`: a completion script for the shell, generated from the
//! command-line definitions (clap_complete), so it never lags behind them.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell, CompletionsArgs};
use crate::{Error, Exit};

pub fn run(args: &CompletionsArgs, out: &mut dyn Write) -> Result<Exit, Error> {
    super::write_text(out, &script(args.shell))?;
    Ok(Exit::Success)
}

/// The completion script for `shell`.
pub fn script(shell: CompletionShell) -> String {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::PowerShell => Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "infragen", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}
