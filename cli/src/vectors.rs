//! `callseal vectors handshake`: one complete handshake run as JSON.
//!
//! Test-only: the ephemeral secrets are drawn from ChaCha20 (rand_chacha's `ChaCha20Rng`) keyed
//! with the seed, so a run is reproducible. The caller's secret is the first 32 bytes of that
//! stream and the callee's the next 32; in version 2 bytes 64..96 are the caller's ML-KEM seed
//! `d`, 96..128 its `z`, and 128..160 the callee's encapsulation randomness `m`. Real calls draw
//! them from the operating system.

use anyhow::{bail, Context as _};
use callseal::handshake::{
    Callee, CalleeRandom, Caller, CallerRandom, Established, HandshakeConfig, PostQuantum, Retained,
};
use callseal::schedule::CallKeys;
use callseal::{Direction, Intent, MediaKind, Secret};
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
    /// The protocol version: 1 (X25519) or 2 (X25519 and ML-KEM-768, with key continuity).
    #[arg(long, default_value = "1", value_parser = ["1", "2"])]
    version: String,
    /// Version 2: the secrets the caller retained for the callee, 32 bytes in hex each,
    /// newest first (at most two, comma-separated).
    #[arg(long, value_name = "HEX[,HEX]")]
    caller_retained: Option<String>,
    /// Version 2: the secrets the callee retained for the caller, 32 bytes in hex each, newest
    /// first (at most two, comma-separated).
    #[arg(long, value_name = "HEX[,HEX]")]
    callee_retained: Option<String>,
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

/// The retained secrets of `--caller-retained` or `--callee-retained`, as given (hex) and as
/// the record the handshake takes.
fn parse_retained(arg: &Option<String>, flag: &str) -> anyhow::Result<(Vec<String>, Retained)> {
    let Some(list) = arg else {
        return Ok((Vec::new(), Retained::none()));
    };
    let mut secrets = Vec::new();
    for part in list.split(',') {
        let bytes: [u8; 32] = hex::decode(part)
            .with_context(|| format!("{flag} is not hex"))?
            .try_into()
            .map_err(|_| anyhow::anyhow!("{flag}: each secret must be 32 bytes (64 hex digits)"))?;
        secrets.push(bytes);
    }
    if secrets.len() > 2 {
        bail!("{flag}: at most two secrets (the newest and the previous)");
    }
    let hexes = secrets.iter().map(hex::encode).collect();
    let mut it = secrets.into_iter().map(Secret::new);
    Ok((hexes, Retained::new(it.next(), it.next(), false)))
}

fn handshake_run(a: &HandshakeArgs) -> anyhow::Result<Value> {
    let seed: [u8; 32] = hex::decode(&a.seed)
        .context("--seed is not hex")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("--seed must be 32 bytes (64 hex digits)"))?;
    let caller_intent = str::parse::<Intent>(&a.caller_intent).map_err(anyhow::Error::msg)?;
    let callee_intent = str::parse::<Intent>(&a.callee_intent).map_err(anyhow::Error::msg)?;
    let context = a.context.as_bytes();
    let v2 = a.version == "2";
    if !v2 && (a.caller_retained.is_some() || a.callee_retained.is_some()) {
        bail!("retained secrets belong to version 2: add --version 2");
    }
    let (caller_retained_hex, caller_retained) =
        parse_retained(&a.caller_retained, "--caller-retained")?;
    let (callee_retained_hex, callee_retained) =
        parse_retained(&a.callee_retained, "--callee-retained")?;

    // The stream's first 160 bytes: both X25519 secrets, then d, z and m.
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut drawn = [[0u8; 32]; 5];
    for s in &mut drawn {
        rand_chacha::rand_core::RngCore::fill_bytes(&mut rng, s);
    }
    let [caller_x, callee_x, kem_d, kem_z, kem_m] = drawn;

    let pq = if v2 {
        PostQuantum::On
    } else {
        PostQuantum::Off
    };
    let caller_cfg = HandshakeConfig::new(caller_intent).with_post_quantum(pq);
    let callee_cfg = HandshakeConfig::new(callee_intent).with_post_quantum(pq);
    let caller_random = CallerRandom::new(
        Secret::new(caller_x),
        Secret::new(kem_d),
        Secret::new(kem_z),
    );
    let (mut caller, offer) =
        Caller::offer_with(&caller_cfg, context, &caller_retained, caller_random)?;
    let callee_random = CalleeRandom::new(Secret::new(callee_x), Secret::new(kem_m));
    let (mut callee, answer) = match Callee::accept_with(
        &callee_cfg,
        context,
        &offer,
        &callee_retained,
        callee_random,
    ) {
        Ok(x) => x,
        Err(callseal::Error::E2eeRequired) => {
            bail!("the intents give no call: one side requires end-to-end encryption and the other has it off")
        }
        Err(e) => return Err(e.into()),
    };
    let (confirm, mut at_caller) = caller.finish(&answer)?;
    let mut at_callee = callee.confirm(&confirm)?;
    if at_caller.security_code() != at_callee.security_code()
        || at_caller.transcript_hash() != at_callee.transcript_hash()
        || at_caller.continuity() != at_callee.continuity()
    {
        bail!("the two sides disagree");
    }

    let caller_public = &offer[3..35];
    let callee_public = &answer[3..35];
    let shared = x25519_dalek_shared(&caller_x, callee_public);
    let continuity = if v2 {
        Some(continuity_json(
            &offer,
            &answer,
            &mut at_caller,
            &mut at_callee,
        )?)
    } else {
        None
    };

    let (media, streams) = match at_caller.into_outcome() {
        callseal::handshake::Outcome::EndToEnd { keys, .. } => epochs_json(keys)?,
        callseal::handshake::Outcome::Standard => (Value::Null, Value::Array(vec![])),
    };
    let mut v = json!({
        "seed": hex::encode(seed),
        "context": hex::encode(context),
        "srtp_suite": at_callee.srtp_suite().name(),
        "sframe_suite": at_callee.sframe_suite().name(),
        "caller": {
            "ephemeral_secret": hex::encode(caller_x),
            "ephemeral_public": hex::encode(caller_public),
            "intent": caller_intent.name(),
        },
        "callee": {
            "ephemeral_secret": hex::encode(callee_x),
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
    });
    if v2 {
        let ek = &offer[35..35 + 1184];
        let ct = &answer[35..35 + 1088];
        let kem_ss = kem_shared_secret(&kem_d, &kem_z, ek, ct)?;
        let o = v.as_object_mut().expect("an object");
        // The version first after the seed and context, the KEM values beside each side's.
        let mut out = serde_json::Map::new();
        for (k, val) in std::mem::take(o) {
            let is_caller = k == "caller";
            let is_callee = k == "callee";
            let is_shared = k == "shared_secret";
            out.insert(k.clone(), val);
            if k == "context" {
                out.insert("version".into(), json!(2));
            }
            if is_caller {
                let c = out["caller"].as_object_mut().expect("an object");
                c.insert("kem_d".into(), json!(hex::encode(kem_d)));
                c.insert("kem_z".into(), json!(hex::encode(kem_z)));
                c.insert("kem_ek".into(), json!(hex::encode(ek)));
                c.insert("retained".into(), json!(caller_retained_hex));
            }
            if is_callee {
                let c = out["callee"].as_object_mut().expect("an object");
                c.insert("kem_m".into(), json!(hex::encode(kem_m)));
                c.insert("retained".into(), json!(callee_retained_hex));
            }
            if is_shared {
                out.insert("kem_ct".into(), json!(hex::encode(ct)));
                out.insert("kem_shared_secret".into(), json!(hex::encode(kem_ss)));
            }
        }
        out.insert("continuity".into(), continuity.expect("version 2"));
        *o = out;
    }
    Ok(v)
}

/// The continuity object: the ids the Offer carries, the one the callee matched, the outcome,
/// and the next retained secret (both sides hold the same; null unless end-to-end).
fn continuity_json(
    offer: &[u8],
    answer: &[u8],
    at_caller: &mut Established,
    at_callee: &mut Established,
) -> anyhow::Result<Value> {
    // The ids sit after the two suite lists, behind their count.
    let mut at = 35 + 1184;
    for _ in 0..2 {
        at += 1 + 2 * offer[at] as usize;
    }
    let ids: Vec<String> = offer[at + 1..].chunks(8).map(hex::encode).collect();
    let matched = answer[35 + 1088 + 4];
    let matched_id = match matched {
        0 => Value::Null,
        n => json!(ids[n as usize - 1]),
    };
    let status = at_callee
        .continuity()
        .context("a version-2 handshake reports its continuity")?;
    let next = match (at_caller.take_retained(), at_callee.take_retained()) {
        (Some(a), Some(b)) => {
            let (a, b) = (a.newest().expect("set"), b.newest().expect("set"));
            if !a.ct_eq(b) {
                bail!("the two sides' next retained secrets differ");
            }
            json!(hex::encode(a.dangerous_expose()))
        }
        (None, None) => Value::Null,
        _ => bail!("only one side released a retained secret"),
    };
    Ok(json!({
        "offered_ids": ids,
        "matched_id": matched_id,
        "status": status.name(),
        "next_retained_secret": next,
    }))
}

/// The ML-KEM-768 shared secret, recomputed from the caller's seeds and the ciphertext (the
/// library never exposes it); the encapsulation key must be the Offer's.
fn kem_shared_secret(d: &[u8; 32], z: &[u8; 32], ek: &[u8], ct: &[u8]) -> anyhow::Result<[u8; 32]> {
    use libcrux_ml_kem::mlkem768;
    let mut seed = [0u8; 64];
    seed[..32].copy_from_slice(d);
    seed[32..].copy_from_slice(z);
    let pair = mlkem768::generate_key_pair(seed);
    if pair.pk()[..] != ek[..] {
        bail!("the Offer's encapsulation key is not the one of d and z");
    }
    let ct = mlkem768::MlKem768Ciphertext::try_from(ct).context("a 1,088-byte ciphertext")?;
    Ok(mlkem768::decapsulate(pair.private_key(), &ct))
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
