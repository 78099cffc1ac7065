//! `callseal vectors handshake`: one complete handshake run as JSON.
//!
//! Test-only: the ephemeral secrets are drawn from ChaCha20 (rand_chacha's `ChaCha20Rng`) keyed
//! with the seed, so a run is reproducible. The caller's secret is the first 32 bytes of that
//! stream and the callee's the next 32. Real calls draw them from the operating system.

use anyhow::{bail, Context as _};
use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::schedule::CallKeys;
use callseal::{Direction, Intent, MediaKind};
use clap::{Args, Subcommand};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use std::process::ExitCode;

/// The context used when `--context` is not given.
pub(crate) const DEFAULT_CONTEXT: &str =
    "callseal test vector | call 0001 | caller@example.com | callee@example.com";

/// Test vector commands.
#[derive(Subcommand)]
pub(crate) enum VectorsCommand {
    /// Print one complete handshake run as JSON (test-only deterministic secrets).
    Handshake(HandshakeArgs),
    /// Print frames of each media kind, their SFrame ciphertexts and the exact RTP packets of
    /// the RTP payload format for SFrame as JSON (test-only deterministic keys and frames).
    SframeRtp(crate::vectors_sframe_rtp::SframeRtpArgs),
}

/// Arguments of `vectors handshake`.
#[derive(Args)]
pub(crate) struct HandshakeArgs {
    /// 32-byte seed in hex: the key of the ChaCha20 stream the ephemeral secrets are drawn from.
    #[arg(long)]
    seed: String,
    /// The caller's intent: off, on or required.
    #[arg(long, default_value = "on", value_parser = ["off", "on", "required"])]
    caller_intent: String,
    /// The callee's intent: off, on or required.
    #[arg(long, default_value = "on", value_parser = ["off", "on", "required"])]
    callee_intent: String,
    /// The call context bound into the transcript (UTF-8 text).
    #[arg(long, default_value = DEFAULT_CONTEXT)]
    context: String,
}

pub(crate) fn run(c: VectorsCommand) -> anyhow::Result<ExitCode> {
    match c {
        VectorsCommand::Handshake(a) => {
            let v = handshake_run(&a)?;
            crate::output::print(&(serde_json::to_string_pretty(&v)? + "\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        VectorsCommand::SframeRtp(a) => {
            let v = crate::vectors_sframe_rtp::run(&a)?;
            crate::output::print(&(serde_json::to_string_pretty(&v)? + "\n"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn handshake_run(a: &HandshakeArgs) -> anyhow::Result<Value> {
    let seed: [u8; 32] = hex::decode(&a.seed)
        .context("--seed is not hex")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("--seed must be 32 bytes (64 hex digits)"))?;
    let caller_intent = str::parse::<Intent>(&a.caller_intent).map_err(anyhow::Error::msg)?;
    let callee_intent = str::parse::<Intent>(&a.callee_intent).map_err(anyhow::Error::msg)?;
    let context = a.context.as_bytes();

    // The secrets the handshake will draw, read from a clone of the same stream.
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut preview = rng.clone();
    let mut secrets = [[0u8; 32]; 2];
    for s in &mut secrets {
        rand_chacha::rand_core::RngCore::fill_bytes(&mut preview, s);
    }

    let caller_cfg = HandshakeConfig::new(caller_intent);
    let callee_cfg = HandshakeConfig::new(callee_intent);
    let (mut caller, offer) = Caller::offer_with_random(&caller_cfg, context, random(&mut rng))?;
    let (mut callee, answer) = match Callee::accept_with_random(
        &callee_cfg,
        context,
        &offer,
        random(&mut rng),
    ) {
        Ok(x) => x,
        Err(callseal::Error::E2eeRequired) => {
            bail!("the intents give no call: one side requires end-to-end encryption and the other has it off")
        }
        Err(e) => return Err(e.into()),
    };
    let (confirm, at_caller) = caller.finish(&answer)?;
    let at_callee = callee.confirm(&confirm)?;
    if at_caller.security_code() != at_callee.security_code()
        || at_caller.transcript_hash() != at_callee.transcript_hash()
    {
        bail!("the two sides disagree");
    }

    let caller_public = &offer[3..35];
    let callee_public = &answer[3..35];
    let shared = x25519_dalek_shared(&secrets[0], callee_public);

    let (media, streams) = match at_caller.into_outcome() {
        callseal::handshake::Outcome::EndToEnd { keys, .. } => epochs_json(keys)?,
        callseal::handshake::Outcome::Standard => (Value::Null, Value::Array(vec![])),
    };
    Ok(json!({
        "seed": hex::encode(seed),
        "context": hex::encode(context),
        "srtp_suite": at_callee.srtp_suite().name(),
        "sframe_suite": at_callee.sframe_suite().name(),
        "caller": {
            "ephemeral_secret": hex::encode(secrets[0]),
            "ephemeral_public": hex::encode(caller_public),
            "intent": caller_intent.name(),
        },
        "callee": {
            "ephemeral_secret": hex::encode(secrets[1]),
            "ephemeral_public": hex::encode(callee_public),
            "intent": callee_intent.name(),
        },
        "offer": hex::encode(&offer),
        "answer": hex::encode(&answer),
        "confirm": hex::encode(&confirm),
        "transcript_hash": hex::encode(at_callee.transcript_hash()),
        "shared_secret": hex::encode(shared),
        "security_code": at_callee.security_code().map(|c| c.as_str().to_owned()),
        "outcome": if at_callee.is_end_to_end() { "end_to_end" } else { "standard" },
        "media_secret": media,
        "streams": streams,
    }))
}

/// X25519(secret, peer) as printed in the vector (the library never exposes it).
fn x25519_dalek_shared(secret: &[u8; 32], peer: &[u8]) -> [u8; 32] {
    let peer: [u8; 32] = peer.try_into().expect("32-byte public key");
    x25519_dalek::x25519(*secret, peer)
}

/// Media secrets of epochs 0 and 1, and the six streams of each.
fn epochs_json(keys: CallKeys) -> anyhow::Result<(Value, Value)> {
    let suite = keys.srtp_suite();
    let mut media = Vec::new();
    let mut streams = Vec::new();
    let mut keys = Some(keys);
    for _ in 0..2 {
        let k = keys.take().expect("present");
        media.push(json!(hex::encode(k.media_secret().dangerous_expose())));
        for direction in Direction::ALL {
            for kind in MediaKind::ALL {
                let s = k.stream(direction, kind);
                let stream_secret = hex::encode(s.secret().dangerous_expose());
                let m = s.into_srtp_master_key(suite)?;
                streams.push(json!({
                    "epoch": k.epoch().0,
                    "direction": direction.name(),
                    "kind": kind.name(),
                    "stream_secret": stream_secret,
                    "srtp_master_key": hex::encode(m.dangerous_key()),
                    "srtp_master_salt": hex::encode(m.dangerous_salt()),
                }));
            }
        }
        keys = Some(k.next_epoch().expect("far below the last epoch"));
    }
    Ok((Value::Array(media), Value::Array(streams)))
}

/// The 32 random bytes of one side's ephemeral key, from the seeded generator.
fn random(rng: &mut impl rand_chacha::rand_core::RngCore) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
