//! The command-line options of `callseal demo`: the layers, the relay's attacks and the rest
//! of [`DemoArgs`].

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Layers on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum LayersArg {
    /// SRTP keyed end-to-end (peer to peer).
    Srtp,
    /// SFrame end-to-end, RTP in clear.
    Sframe,
    /// SFrame end-to-end inside hop-by-hop SRTP.
    Both,
}

/// What the relay does to the media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub(super) enum Attack {
    /// Send a copy of a packet with one bit flipped, ahead of the original.
    Tamper,
    /// Send an old packet again.
    Replay,
    /// Drop a packet.
    Drop,
    /// Hold a packet back and send it after later ones.
    Reorder,
    /// Send a copy of a packet back to its sender.
    Reflect,
}

impl Attack {
    pub(super) const ALL: [Attack; 5] = [
        Attack::Tamper,
        Attack::Replay,
        Attack::Drop,
        Attack::Reorder,
        Attack::Reflect,
    ];

    /// Where this attack is in [`Attack::ALL`], and so in the relay's counters.
    pub(super) fn index(self) -> usize {
        Attack::ALL.iter().position(|x| *x == self).expect("known")
    }
}

/// Arguments of `callseal demo`.
#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Seconds of call time (more than 0, at most 3600).
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = seconds)]
    pub(super) duration: f64,
    /// Run as fast as the machine allows instead of in real time.
    #[arg(long)]
    pub(super) fast: bool,
    /// Protection layers.
    #[arg(long, value_enum, default_value = "both")]
    pub(super) layers: LayersArg,
    /// Attacks the relay makes, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub(super) attack: Vec<Attack>,
    /// Bob has end-to-end encrypted calls off: the call falls back to standard encryption.
    #[arg(long)]
    pub(super) no_e2ee: bool,
    /// Alice requires end-to-end encryption: the call fails rather than fall back.
    #[arg(long)]
    pub(super) require_e2ee: bool,
    /// A policy store (JSON, as `callseal policy` writes it) instead of the built-in example.
    #[arg(long)]
    pub(super) policy: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub(super) json: bool,
    /// TCP port for signaling (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub(super) signal_port: u16,
    /// Seed of the media content and of the relay's attacks.
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
}

/// `--duration`: a positive number of seconds, at most an hour.
fn seconds(s: &str) -> Result<f64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if x.is_nan() || x <= 0.0 {
        return Err("duration must be a positive number of seconds".to_owned());
    }
    if x > 3600.0 {
        return Err("duration must be at most 3600 seconds (an hour)".to_owned());
    }
    Ok(x)
}
