//! The RTP payload format for SFrame (IETF AVTCORE `draft-ietf-avtcore-rtp-sframe-02`,
//! January 2026): a one-byte payload descriptor in front of every RTP payload, and the
//! receiver algorithm that puts SFrame ciphertexts back together from RTP packets.
//!
//! ```text
//!  0 1 2 3 4 5 6 7
//! +-+-+-+-+-+-+-+-+
//! |S|E|T|0 0 0 0 0|  S: first packet of the ciphertext, E: last, T: raw (0) or packetized (1)
//! +-+-+-+-+-+-+-+-+
//! ```
//!
//! - **Per-frame SFrame** (T = 0): a whole frame is sealed once, and the ciphertext is cut over
//!   consecutive RTP packets that share the frame's timestamp, payload type and SSRC; S is set
//!   on the first, E (and the RTP marker bit) on the last.
//! - **Per-packet SFrame** (T = 1): the frame is first cut by the media packetization, and each
//!   packet payload is sealed alone, so every RTP packet holds one whole ciphertext (S = E = 1)
//!   that opens as soon as it arrives. callseal's media packetization for opaque frames is the
//!   same descriptor byte (with T = 0) over plain frame fragments, so the opened payloads go
//!   through the same receiver once more.
//! - **Without SFrame** (the SRTP-only layer), the plain frame is cut with the same descriptor
//!   (T = 0): one receiver serves every layer.
//!
//! The receiver ([`Reassembler`], and the call session inside) follows the draft: packets are
//! indexed by sequence number; the smallest run of consecutive sequence numbers from an S
//! packet to an E packet is a ciphertext once its packets agree on the T bit and the payload
//! type (and, as the draft's RTP header rules imply, the timestamp); then it is concatenated
//! and opened. Its memory is one byte log of a fixed budget and one index of fixed size,
//! allocated when it is made: a packet, genuine or forged, costs the bytes it carries and
//! never more, whatever its bits claim.

mod depacketize;
mod descriptor;
mod reassembler;
mod ssrc_key;

pub(crate) use depacketize::{Assembled, Depacketizer, Log, PacketInfo, Pushed};
pub use descriptor::{plan, Descriptor, PayloadOrigin, DESCRIPTOR_LEN, RTP_HEADER_LEN};
pub use reassembler::{Reassembled, Reassembler};
pub use ssrc_key::{
    // per-SSRC keys and a=sframe
    parse_sframe_attribute,
    ssrc_base_key,
    SsrcBaseKey,
    SFRAME_ATTRIBUTE,
    SSRC_KEY_LABEL,
};

use crate::error::{Malformed, Result};
use crate::session::Packets;
use crate::srtp::SrtpSender;
use crate::types::Ssrc;

/// How a sender carries SFrame over RTP; a receiver follows what each packet's T bit says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SframeMode {
    /// Per-frame SFrame (T = 0): one ciphertext per frame, cut over as many packets as needed.
    #[default]
    PerFrame,
    /// Per-packet SFrame (T = 1): the frame is cut first, each packet holds one ciphertext.
    PerPacket,
}

names!(SframeMode, crate::Error::UnknownName, "`frame` or `packet`.", {
    PerFrame => "frame",
    PerPacket => "packet",
});

/// Where a call's SFrame keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SframeKeying {
    /// callseal's KID scheme: each stream's keys from its own stream secret (the default).
    #[default]
    Streams,
    /// The draft's per-SSRC derivation on top: each stream's base key is
    /// [`ssrc_base_key`]`(suite, stream secret, SSRC)`. The KIDs stay those of the KID scheme.
    PerSsrc,
}

names!(SframeKeying, crate::Error::UnknownName, "`streams` or `per-ssrc`.", {
    Streams => "streams",
    PerSsrc => "per-ssrc",
});

/// The RTP header fields of the packets of one SFrame ciphertext, taken from the media
/// packetization as the draft says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpFields {
    /// The stream's SSRC.
    pub ssrc: Ssrc,
    /// The payload type of the media format.
    pub payload_type: u8,
    /// The frame's RTP timestamp.
    pub timestamp: u32,
    /// Whether the media packetization marked the frame (then the marker bit is E).
    pub marker: bool,
}

/// The RTP header and descriptor of one packet.
fn head(fields: &RtpFields, seq: u16, d: Descriptor) -> [u8; RTP_HEADER_LEN + DESCRIPTOR_LEN] {
    let mut h = [0u8; RTP_HEADER_LEN + DESCRIPTOR_LEN];
    h[0] = 0x80;
    h[1] = (fields.payload_type & 0x7f) | if fields.marker && d.end { 0x80 } else { 0 };
    h[2..4].copy_from_slice(&seq.to_be_bytes());
    h[4..8].copy_from_slice(&fields.timestamp.to_be_bytes());
    h[8..12].copy_from_slice(&fields.ssrc.0.to_be_bytes());
    h[RTP_HEADER_LEN] = d.to_byte();
    h
}

/// Write the RTP header and descriptor of one packet at the start of `p`, which must hold
/// them.
pub(crate) fn write_head(p: &mut [u8], fields: &RtpFields, seq: u16, d: Descriptor) {
    p[..RTP_HEADER_LEN + DESCRIPTOR_LEN].copy_from_slice(&head(fields, seq, d));
}

/// Append one RTP packet (12-byte header, descriptor, fragment) and `room` zero bytes behind it
/// (for a trailer) to `out`, writing every byte once.
pub(crate) fn append_packet(
    out: &mut Vec<u8>,
    fields: &RtpFields,
    seq: u16,
    d: Descriptor,
    fragment: &[u8],
    room: usize,
) {
    out.extend_from_slice(&head(fields, seq, d));
    out.extend_from_slice(fragment);
    out.resize(out.len() + room, 0);
}

/// Cut `payload` (an SFrame ciphertext, or a plain frame) into RTP packets of at most
/// `max_packet` bytes with sequence numbers from `first_seq`, appending them to `out`; returns
/// the next sequence number. Errors: [`crate::Error::InvalidConfig`] when `max_packet` leaves
/// no room for a byte of payload.
pub fn packetize(
    fields: &RtpFields,
    first_seq: u16,
    payload: &[u8],
    origin: PayloadOrigin,
    max_packet: usize,
    out: &mut Packets,
) -> Result<u16> {
    packetize_protected(fields, first_seq, payload, origin, max_packet, None, out)
}

/// [`packetize`] with the packet layer: each packet is protected by `srtp` (when given) as it
/// is cut, in place, so the batch holds SRTP packets of at most `max_packet` bytes, trailer
/// included. Errors: those of [`packetize`] and of
/// [`SrtpSender::protect_rtp`](crate::srtp::SrtpSender::protect_rtp); on an error nothing of
/// `payload` is appended. Allocates nothing once `out` has grown to the largest payload.
pub fn packetize_protected(
    fields: &RtpFields,
    first_seq: u16,
    payload: &[u8],
    origin: PayloadOrigin,
    max_packet: usize,
    mut srtp: Option<&mut SrtpSender>,
    out: &mut Packets,
) -> Result<u16> {
    let overhead = srtp.as_ref().map_or(0, |s| s.srtp_overhead());
    let room = max_packet
        .checked_sub(RTP_HEADER_LEN + overhead)
        .ok_or(crate::Error::InvalidConfig)?;
    let (count, chunk) = plan(payload.len(), room)?;
    let first = out.len();
    let mut seq = first_seq;
    for (i, fragment) in chunks(payload, chunk, count).enumerate() {
        let start = out.data.len();
        append_packet(
            &mut out.data,
            fields,
            seq,
            Descriptor::nth(i, count, origin),
            fragment,
            overhead,
        );
        let plain = RTP_HEADER_LEN + DESCRIPTOR_LEN + fragment.len();
        if let Err(e) = finish_packet(&mut seq, srtp.as_deref_mut(), out, start, plain) {
            out.truncate(first);
            return Err(e);
        }
    }
    Ok(seq)
}

/// Protect the packet of `plain_len` bytes at `out.data[start..]` (packet layer), keep it in
/// `out` and move the stream to the next sequence number.
pub(crate) fn finish_packet(
    seq: &mut u16,
    srtp: Option<&mut SrtpSender>,
    out: &mut Packets,
    start: usize,
    plain_len: usize,
) -> Result<()> {
    let n = match srtp {
        Some(ctx) => ctx.protect_rtp(&mut out.data[start..], plain_len)?,
        None => plain_len,
    };
    out.data.truncate(start + n);
    out.ends.push(start + n);
    *seq = seq.wrapping_add(1);
    Ok(())
}

/// The `count` fragments of `payload` of `chunk` bytes (one empty fragment for an empty payload).
pub(crate) fn chunks(payload: &[u8], chunk: usize, count: usize) -> impl Iterator<Item = &[u8]> {
    (0..count).map(move |i| {
        let from = (i * chunk).min(payload.len());
        &payload[from..(from + chunk).min(payload.len())]
    })
}

/// Length of the RTP header (fixed part, CSRCs and extension) of a packet of at least 12 bytes.
pub(crate) fn rtp_header_len(p: &[u8]) -> Result<usize> {
    let first = *p.first().ok_or(Malformed::Truncated)?;
    let cc = (first & 0x0f) as usize;
    let mut len = RTP_HEADER_LEN + 4 * cc;
    if first & 0x10 != 0 {
        let ext = p.get(len + 2..len + 4).ok_or(Malformed::Truncated)?;
        len += 4 + 4 * u16::from_be_bytes([ext[0], ext[1]]) as usize;
    }
    if len > p.len() {
        return Err(Malformed::Truncated.into());
    }
    Ok(len)
}

/// The payload of an RTP packet, RTP padding removed (RFC 3550 §5.1): its range in `p`.
pub(crate) fn rtp_payload(p: &[u8]) -> Result<core::ops::Range<usize>> {
    let from = rtp_header_len(p)?;
    let mut to = p.len();
    if p[0] & 0x20 != 0 {
        let pad = p[to - 1] as usize;
        if pad == 0 || pad > to - from {
            return Err(Malformed::Field.into());
        }
        to -= pad;
    }
    Ok(from..to)
}

/// The receiver's view of one RTP packet: its header fields and descriptor, and the range of
/// the fragment behind the descriptor.
pub(crate) fn packet_info(p: &[u8]) -> Result<(PacketInfo, core::ops::Range<usize>)> {
    if p.len() < RTP_HEADER_LEN || p[0] >> 6 != 2 {
        return Err(Malformed::Truncated.into());
    }
    let payload = rtp_payload(p)?;
    let (d, _) = Descriptor::split(&p[payload.clone()])?;
    let info = PacketInfo {
        seq: u16::from_be_bytes([p[2], p[3]]),
        timestamp: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
        pt: p[1] & 0x7f,
        start: d.start,
        end: d.end,
        origin: d.origin,
    };
    Ok((info, payload.start + DESCRIPTOR_LEN..payload.end))
}
