use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = infragen::cli::Cli::parse();
    let exit = infragen::run(cli, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(exit as u8)
}
