//! The `callseal` command: the demo call, the cipher bench, the SRTP capture tool, the E2EE
//! policy admin and the protocol test vectors.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bench;
mod demo;
mod demo_policy;
mod policy_cmd;
mod policy_file;
mod srtp_cmd;
mod vectors;

/// End-to-end encrypted one-to-one calls.
#[derive(Parser)]
#[command(name = "callseal", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a complete end-to-end encrypted call on this machine.
    Demo(demo::DemoArgs),
    /// Measure protect and unprotect throughput of every suite.
    Bench(bench::BenchArgs),
    /// Protect or unprotect the RTP and RTCP packets of a pcap capture.
    #[command(subcommand)]
    Srtp(srtp_cmd::SrtpCommand),
    /// Administer the end-to-end encryption policy store.
    Policy(policy_cmd::PolicyArgs),
    /// Print protocol test vectors.
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Srtp(c) => srtp_cmd::run(c),
        Command::Policy(a) => policy_cmd::run(a),
        Command::Vectors(c) => vectors::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callseal: {e:#}");
            ExitCode::FAILURE
        }
    }
}
