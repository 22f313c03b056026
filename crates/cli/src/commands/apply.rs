//! `lbb apply DESIRED.toml` (issue 12).

use clap::Args;

use super::Ctx;
use crate::exit::Failure;

/// `lbb apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The desired-state file.
    #[arg(value_name = "DESIRED.toml")]
    pub file: std::path::PathBuf,
}

pub async fn run(_ctx: &Ctx, _args: ApplyArgs) -> Result<u8, Failure> {
    Err(lb_backends::Error::invalid_input("not yet").into())
}
