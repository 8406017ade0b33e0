//! `infragen presets` (being written).

use std::io::Write;

use crate::cli::PresetsArgs;
use crate::{Error, Exit};

pub fn run(_args: &PresetsArgs, _out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    Err(Error::Usage("`infragen presets` is not available yet".into()))
}
