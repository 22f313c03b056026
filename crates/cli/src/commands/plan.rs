//! `lbb plan DESIRED.toml` (issue 12).

use clap::Args;

use super::Ctx;
use crate::exit::Failure;

/// `lbb plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The desired-state file.
    #[arg(value_name = "DESIRED.toml")]
    pub file: Option<std::path::PathBuf>,
}

pub async fn run(_ctx: &Ctx, _args: PlanArgs) -> Result<u8, Failure> {
    Err(lb_backends::Error::invalid_input("not yet").into())
}
