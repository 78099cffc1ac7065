//! `callseal vectors sframe-rtp`: frames of each media kind sealed with SFrame and carried in
//! the RTP payload format for SFrame (draft-ietf-avtcore-rtp-sframe-02), as JSON, so an
//! independent implementation can check the packetization byte for byte.
//!
//! Test-only: every key, SSRC, first sequence number and frame byte is drawn from ChaCha20
//! (rand_chacha's `ChaCha20Rng`) keyed with the seed, in the order the record lists them.

use anyhow::Context as _;
use callseal::rtp_sframe::{
    packetize, plan, Descriptor, PayloadOrigin, RtpFields, SframeMode, DESCRIPTOR_LEN,
    RTP_HEADER_LEN,
};
use callseal::session::{CallConfig, Packets};
use callseal::sframe::{FrameOptions, SframeConfig, SframeSender};
use callseal::{KeyId, MediaKind, Role, SframeSuite, Ssrc};
use clap::Args;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

/// The draft the record follows.
pub(crate) const DRAFT: &str = "draft-ietf-avtcore-rtp-sframe-02";

/// Arguments of `vectors sframe-rtp`.
#[derive(Args)]
pub(crate) struct SframeRtpArgs {
    /// 32-byte seed in hex: the key of the ChaCha20 stream everything is drawn from.
    #[arg(long)]
    seed: String,
    /// Per-frame SFrame (T = 0: one ciphertext a frame) or per-packet (T = 1: one a packet).
    #[arg(long, default_value = "frame", value_parser = ["frame", "packet"])]
    mode: String,
    /// The largest RTP packet, header included (100 to 65,535).
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u16).range(100..))]
    mtu: u16,
}

/// Frames of each kind: (kind, RTP clock ticks a frame, frame sizes).
const FRAMES: [(MediaKind, u32, &[usize]); 3] = [
    (MediaKind::Audio, 960, &[120, 0, 160]),
    (MediaKind::Video, 3000, &[4000, 900, 2500]),
    (MediaKind::Screen, 9000, &[6000, 300]),
];

pub(crate) fn run(a: &SframeRtpArgs) -> anyhow::Result<Value> {
    let seed: [u8; 32] = hex::decode(&a.seed)
        .context("--seed is not hex")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("--seed must be 32 bytes (64 hex digits)"))?;
    let mode: SframeMode = a.mode.parse().map_err(anyhow::Error::msg)?;
    let mtu = usize::from(a.mtu);
    let suite = SframeSuite::Aes128GcmSha256_128;
    let config = SframeConfig::new(suite);
    let payload_types = CallConfig::new(Role::Caller).payload_types;
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut streams = Vec::new();
    for (kind, ticks, sizes) in FRAMES {
        let mut base_key = [0u8; 32];
        rng.fill_bytes(&mut base_key);
        let ssrc = Ssrc(rng.next_u32());
        let mut seq = rng.next_u32() as u16;
        let mut timestamp = rng.next_u32();
        let kid = KeyId(kind as u64 + 1);
        let mut sender = SframeSender::new(&config, kid, &base_key)?;
        let first_seq = seq;
        let first_timestamp = timestamp;
        let mut frames = Vec::new();
        for &len in sizes {
            let mut frame = vec![0u8; len];
            rng.fill_bytes(&mut frame);
            let fields = RtpFields {
                ssrc,
                payload_type: payload_types[kind as usize],
                timestamp,
                marker: true,
            };
            let mut packets = Packets::new();
            let mut ciphertexts = Vec::new();
            let mut seal = |plain: &[u8]| -> anyhow::Result<Vec<u8>> {
                let mut out = vec![0u8; plain.len() + sender.max_overhead()];
                let n = sender.seal_into(plain, &mut out, FrameOptions::NONE)?;
                out.truncate(n);
                Ok(out)
            };
            match mode {
                SframeMode::PerFrame => {
                    let ct = seal(&frame)?;
                    seq = packetize(&fields, seq, &ct, PayloadOrigin::Raw, mtu, &mut packets)?;
                    ciphertexts.push(ct);
                }
                SframeMode::PerPacket => {
                    // callseal's media packetization (descriptor ‖ fragment, T = 0), each
                    // payload sealed alone and sent whole (S = E = T = 1).
                    let room = mtu - RTP_HEADER_LEN - 2 * DESCRIPTOR_LEN - suite.max_overhead();
                    let (count, chunk) = plan(frame.len(), room + DESCRIPTOR_LEN)?;
                    for i in 0..count {
                        let from = (i * chunk).min(frame.len());
                        let fragment = &frame[from..(from + chunk).min(frame.len())];
                        let mut inner =
                            vec![Descriptor::nth(i, count, PayloadOrigin::Raw).to_byte()];
                        inner.extend_from_slice(fragment);
                        let ct = seal(&inner)?;
                        // The marker bit of the media packetization: the frame's last.
                        let marked = RtpFields {
                            marker: i + 1 == count,
                            ..fields
                        };
                        seq = packetize(
                            &marked,
                            seq,
                            &ct,
                            PayloadOrigin::Packetized,
                            mtu,
                            &mut packets,
                        )?;
                        ciphertexts.push(ct);
                    }
                }
            }
            frames.push(json!({
                "timestamp": timestamp,
                "frame": hex::encode(&frame),
                "sframe_ciphertexts": ciphertexts.iter().map(hex::encode).collect::<Vec<_>>(),
                "rtp_packets": packets.iter().map(hex::encode).collect::<Vec<_>>(),
            }));
            timestamp = timestamp.wrapping_add(ticks);
        }
        streams.push(json!({
            "kind": kind.name(),
            "ssrc": ssrc.0,
            "payload_type": payload_types[kind as usize],
            "first_sequence_number": first_seq,
            "first_timestamp": first_timestamp,
            "kid": kid.0,
            "base_key": hex::encode(base_key),
            "frames": frames,
        }));
    }
    Ok(json!({
        "source": DRAFT,
        "description": "Frames sealed with SFrame (RFC 9605) and carried in RTP: every payload starts with the descriptor S E T x x x x x; the marker bit is E. Per-packet mode seals callseal's media packetization (a descriptor with T = 0 and a fragment of the frame) once a packet.",
        "seed": hex::encode(seed),
        "mode": mode.name(),
        "mtu": mtu,
        "cipher_suite": suite.id(),
        "streams": streams,
    }))
}
