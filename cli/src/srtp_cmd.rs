//! `callseal srtp encrypt|decrypt`: SRTP over pcap captures.

use clap::Subcommand;
use std::process::ExitCode;

/// SRTP capture commands.
#[derive(Subcommand)]
pub(crate) enum SrtpCommand {}

pub(crate) fn run(c: SrtpCommand) -> anyhow::Result<ExitCode> {
    match c {}
}
