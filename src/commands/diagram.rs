//! `infragen diagram` (being written).

use std::io::Write;

use crate::cli::DiagramArgs;
use crate::{Error, Exit};

pub fn run(_args: &DiagramArgs, _out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    Err(Error::Usage("`infragen diagram` is not available yet".into()))
}
