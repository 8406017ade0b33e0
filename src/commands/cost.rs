//! `infragen cost` (being written).

use std::io::Write;

use crate::cli::CostArgs;
use crate::{Error, Exit};

pub fn run(_args: &CostArgs, _out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    Err(Error::Usage("`infragen cost` is not available yet".into()))
}
