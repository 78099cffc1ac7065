//! The `callseal` command: the demo call, the cipher bench, the SRTP capture tool, the E2EE
//! policy admin and the protocol test vectors.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

mod bench;
mod continuity_file;
mod demo;
mod demo_policy;
mod locked_file;
mod output;
mod policy_cmd;
mod policy_file;
mod srtp_cmd;
mod vectors;
mod vectors_sframe_rtp;

/// callseal: end-to-end encrypted calls — demo, SRTP capture tools, policy admin, benchmarks,
/// test vectors.
#[derive(Parser)]
#[command(name = "callseal", version)]
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

/// The exit statuses of every command; `--help` lists them from here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    Success = 0,
    Failure = 1,
    Usage = 2,
    E2eeRequired = 3,
    CodesDiffer = 4,
    PacketsFailed = 5,
}

impl Exit {
    const ALL: [Exit; 6] = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::E2eeRequired,
        Exit::CodesDiffer,
        Exit::PacketsFailed,
    ];

    fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success (also when the reader of the output goes away: `| head`)",
            Exit::Failure => {
                "an error: a file that cannot be read or written, a bad capture, key or store, a \
                 demo call that went wrong"
            }
            Exit::Usage => "a usage error: an unknown option, a missing or invalid argument",
            Exit::E2eeRequired => {
                "the demo's call was refused: end-to-end encryption is required and the other \
                 side has it off"
            }
            Exit::CodesDiffer => "the demo's security codes differ (a man in the middle)",
            Exit::PacketsFailed => {
                "srtp: some packets failed (decrypt: authentication, replay…; encrypt: not \
                 protected) and were written unchanged; stderr counts them by reason per SSRC"
            }
        }
    }

    /// The `Exit status:` section of a help page.
    fn help(statuses: &[Exit]) -> String {
        let mut s = String::from("Exit status:\n");
        for e in statuses {
            s.push_str(&format!("  {}  {}\n", *e as u8, e.meaning()));
        }
        s
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// The command line, with the exit statuses on the help pages.
fn command() -> clap::Command {
    let srtp = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::PacketsFailed,
    ];
    let demo = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::E2eeRequired,
        Exit::CodesDiffer,
    ];
    Cli::command()
        .after_help(Exit::help(&Exit::ALL))
        .mut_subcommand("demo", |c| c.after_help(Exit::help(&demo)))
        .mut_subcommand("srtp", |c| {
            c.mut_subcommand("encrypt", |c| c.after_help(Exit::help(&srtp)))
                .mut_subcommand("decrypt", |c| c.after_help(Exit::help(&srtp)))
        })
}

fn main() -> ExitCode {
    output::quiet_closed_pipe_panics(Exit::Success as i32);
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Srtp(c) => srtp_cmd::run(c, &mut output::Stdout).map(|s| {
            if s.failed > 0 {
                Exit::PacketsFailed.into()
            } else {
                Exit::Success.into()
            }
        }),
        Command::Policy(a) => policy_cmd::run(a),
        Command::Vectors(c) => vectors::run(c),
    };
    match result {
        Ok(code) => code,
        Err(_) if output::closed() => Exit::Success.into(),
        Err(e) => {
            eprintln!("callseal: {e:#}");
            Exit::Failure.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_have_the_documented_status() {
        let e = command()
            .try_get_matches_from(["callseal", "--no-such-option"])
            .unwrap_err();
        assert_eq!(e.exit_code(), Exit::Usage as i32);
        command().debug_assert();
    }
}
