//! `callseal vectors handshake`: one complete handshake run as JSON.

use clap::Subcommand;
use std::process::ExitCode;

/// Test vector commands.
#[derive(Subcommand)]
pub(crate) enum VectorsCommand {}

pub(crate) fn run(c: VectorsCommand) -> anyhow::Result<ExitCode> {
    match c {}
}
