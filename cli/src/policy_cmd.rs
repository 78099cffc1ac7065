//! `callseal policy ...`: the E2EE policy admin.

use clap::Args;
use std::process::ExitCode;

/// Policy admin arguments.
#[derive(Args)]
pub(crate) struct PolicyArgs {}

pub(crate) fn run(_a: PolicyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
