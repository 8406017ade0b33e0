//! `infragen diagram`: the architecture of one environment, drawn from its resolved model.

use std::io::Write;

use super::load_one;
use crate::cli::{DiagramArgs, DiagramFormat};
use crate::{Error, Exit, diagram};

pub fn run(args: &DiagramArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let environment = load_one(&args.environment, err)?;
    let drawing = match args.format {
        DiagramFormat::Mermaid => diagram::mermaid(&environment.architecture),
        DiagramFormat::Ascii => diagram::ascii(&environment.architecture),
    };
    super::write_text(out, &drawing)?;
    Ok(Exit::Success)
}
