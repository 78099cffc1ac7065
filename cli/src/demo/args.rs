//! The command-line options of `callseal demo`: the layers, the attacks and the rest of
//! [`DemoArgs`].

use callseal::session::Layers;
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

impl From<LayersArg> for Layers {
    fn from(layers: LayersArg) -> Layers {
        match layers {
            LayersArg::Srtp => Layers::Srtp,
            LayersArg::Sframe => Layers::Sframe,
            LayersArg::Both => Layers::Both,
        }
    }
}

/// An attack: the relay's on the media, or a man in the middle on the signaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub(super) enum Attack {
    /// The relay sends a copy of a packet with one bit flipped, ahead of the original.
    Tamper,
    /// The relay sends an old packet again.
    Replay,
    /// The relay drops a packet (a loss: no encryption stops a relay from dropping).
    Drop,
    /// The relay holds a packet back and sends it after later ones.
    Reorder,
    /// The relay sends a copy of a packet back to its sender.
    Reflect,
    /// A man in the middle on the signaling runs a handshake with each side; the security
    /// codes differ and no media is sent.
    Mitm,
}

impl Attack {
    /// The relay's attacks on the media, in the order of its counters.
    pub(super) const ON_MEDIA: [Attack; 5] = [
        Attack::Tamper,
        Attack::Replay,
        Attack::Drop,
        Attack::Reorder,
        Attack::Reflect,
    ];

    /// Where this attack is in [`Attack::ON_MEDIA`], and so in the relay's counters.
    pub(super) fn index(self) -> usize {
        Attack::ON_MEDIA
            .iter()
            .position(|x| *x == self)
            .expect("an attack on the media")
    }
}

/// Arguments of `callseal demo`.
#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Participants: 2 (alice calls bob) or 3 (alice calls bob, then adds carol through a
    /// forwarding unit and later removes her: a group call keyed by MLS).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=3))]
    pub(super) participants: u8,
    /// Seconds of call time (more than 0, at most 3600).
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = seconds)]
    pub(super) duration: f64,
    /// Run as fast as the machine allows instead of in real time.
    #[arg(long)]
    pub(super) fast: bool,
    /// Protection layers of an end-to-end call [default: both]. A standard call runs
    /// hop-by-hop SRTP whatever this says.
    #[arg(long, value_enum)]
    pub(super) layers: Option<LayersArg>,
    /// Attacks, comma-separated: the relay's on the media (tamper, replay, drop, reorder,
    /// reflect) or a man in the middle on the signaling (mitm, on its own).
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
    /// Also print each stream's latency (protect, unprotect) and throughput.
    #[arg(long)]
    pub(super) stats: bool,
    /// TCP port for signaling (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub(super) signal_port: u16,
    /// Seed of the media content and of the relay's attacks.
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
    /// The hybrid post-quantum handshake (version 2: X25519 and ML-KEM-768) [default: on].
    #[arg(long, overrides_with = "no_pq")]
    pub(super) pq: bool,
    /// The X25519-only handshake (version 1) instead.
    #[arg(long, overrides_with = "pq")]
    pub(super) no_pq: bool,
    /// Keep the secrets retained from each call in FILE (JSON; created when missing) and offer
    /// them on the next: the second run says `continued`, a corrupted file `mismatch`. Needs
    /// the post-quantum handshake (version 2).
    #[arg(long, value_name = "FILE")]
    pub(super) continuity: Option<PathBuf>,
}

impl DemoArgs {
    /// The handshake's post-quantum setting: on unless `--no-pq`.
    pub(super) fn post_quantum(&self) -> callseal::handshake::PostQuantum {
        if self.no_pq {
            callseal::handshake::PostQuantum::Off
        } else {
            callseal::handshake::PostQuantum::On
        }
    }

    /// The man in the middle on the signaling is asked for.
    pub(super) fn mitm(&self) -> bool {
        self.attack.contains(&Attack::Mitm)
    }
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
