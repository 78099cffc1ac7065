//! The draft's receiver for one RTP stream, on its own: RTP packets in, SFrame ciphertexts (or
//! plain frames) out, in a budget fixed when it is made.

use super::depacketize::{Assembled, Depacketizer, Log, Pushed};
use super::descriptor::PayloadOrigin;
use crate::error::{Error, Malformed, Result};

/// A ciphertext (or plain frame) put back together by [`Reassembler::push`].
#[derive(Debug, PartialEq, Eq)]
pub struct Reassembled<'a> {
    /// The RTP timestamp its packets share.
    pub timestamp: u32,
    /// The RTP payload type its packets share.
    pub payload_type: u8,
    /// The T bit its packets share.
    pub origin: PayloadOrigin,
    /// The sequence numbers of its first and last packets.
    pub seqs: (u16, u16),
    /// The concatenated fragments, descriptors removed.
    pub payload: &'a [u8],
}

/// The receiver algorithm of the RTP payload format for SFrame for one stream: packets are
/// indexed by sequence number, and the smallest S…E run of consecutive sequence numbers whose
/// packets agree on T, payload type and timestamp is handed out once, whole.
///
/// Memory is fixed when it is made: a byte log of `budget` bytes, one buffer of `max_frame`
/// bytes for a run that has to be copied to be made whole, and an index of 64 to 32,768
/// entries of 40 bytes (room for two runs of `max_packets`). Packets, genuine or forged, cost
/// the bytes they carry: when the log is full the oldest bytes are given up, and the runs
/// they belonged to are lost ([`Reassembler::incomplete`]).
///
/// ```
/// use callseal::rtp_sframe::{packetize, PayloadOrigin, Reassembler, RtpFields};
/// use callseal::session::Packets;
/// use callseal::Ssrc;
///
/// let fields = RtpFields { ssrc: Ssrc(7), payload_type: 96, timestamp: 9000, marker: true };
/// let frame = vec![0xab; 3000];
/// let mut packets = Packets::new();
/// packetize(&fields, 65534, &frame, PayloadOrigin::Raw, 1200, &mut packets)?;
/// assert_eq!(packets.len(), 3); // sequence numbers 65534, 65535, 0
///
/// let mut rx = Reassembler::new(1 << 16, 1 << 18, 64)?;
/// let mut got = None;
/// for i in [2, 0, 1] {
///     if let Some(r) = rx.push(packets.get(i))? {
///         got = Some(r.payload.to_vec());
///     }
/// }
/// assert_eq!(got, Some(frame));
/// # Ok::<(), callseal::Error>(())
/// ```
#[derive(Debug)]
pub struct Reassembler {
    log: Log,
    index: Depacketizer,
    buf: Vec<u8>,
    max_frame: usize,
}

impl Reassembler {
    /// A receiver for runs of at most `max_frame` bytes and `max_packets` packets, holding at
    /// most `budget` bytes of packets in flight. [`Error::InvalidConfig`] unless `max_frame` is
    /// not 0, `budget` is at least twice `max_frame`, and `max_packets` is 1 to 16,384.
    pub fn new(max_frame: usize, budget: usize, max_packets: usize) -> Result<Self> {
        if max_frame == 0
            || budget < max_frame.saturating_mul(2)
            || !(1..=1 << 14).contains(&max_packets)
        {
            return Err(Error::InvalidConfig);
        }
        Ok(Reassembler {
            log: Log::new(budget),
            index: Depacketizer::new((2 * max_packets).next_power_of_two().clamp(64, 1 << 15)),
            buf: vec![0; max_frame],
            max_frame,
        })
    }

    /// Runs given up with packets missing so far.
    pub fn incomplete(&self) -> u64 {
        self.index.incomplete()
    }

    /// Take one RTP packet (already unprotected, if SRTP is in use): returns the run it
    /// completes, if any. Errors, with nothing recorded: [`Malformed::Truncated`] for a packet
    /// without an RTP header or a descriptor, [`Malformed::Field`] for bad RTP padding or a run
    /// whose packets disagree (its packets are dropped), [`Malformed::Oversized`] for a run
    /// over `max_frame`, [`Error::Replay`] for a sequence number already delivered.
    ///
    /// A packet still waiting for the rest of its run is replaced by a later packet with its
    /// sequence number. A run of one packet is recorded as delivered at once, so a copy of it
    /// is a replay. A receiver that authenticates what it gets (SFrame) should use
    /// [`Reassembler::push_unconfirmed`] instead, so that a forged copy arriving first cannot
    /// lock the genuine packet out.
    pub fn push<'a>(&'a mut self, packet: &'a [u8]) -> Result<Option<Reassembled<'a>>> {
        self.take(packet, true)
    }

    /// [`Reassembler::push`], except that a run of one packet is not recorded as delivered:
    /// the caller records it with [`Reassembler::confirm`] once its frame authenticated. Until
    /// then a copy of it is handed out again, so a forged copy that came first (and failed to
    /// open) does not make the genuine packet a replay. Runs of several packets are recorded
    /// as they complete, as with `push`.
    pub fn push_unconfirmed<'a>(&'a mut self, packet: &'a [u8]) -> Result<Option<Reassembled<'a>>> {
        self.take(packet, false)
    }

    /// Record the run `seqs` handed out by [`Reassembler::push_unconfirmed`] as delivered, once
    /// it authenticated: a copy of it is then an [`Error::Replay`]. Call it before the next
    /// push; a run of several packets was recorded already and is left as it is.
    pub fn confirm(&mut self, seqs: (u16, u16)) {
        if seqs.0 == seqs.1 {
            self.index.single(seqs.0, &self.log);
        }
    }

    fn take<'a>(&'a mut self, packet: &'a [u8], record: bool) -> Result<Option<Reassembled<'a>>> {
        let (info, body) = super::packet_info(packet)?;
        let done = |payload, seqs| Reassembled {
            timestamp: info.timestamp,
            payload_type: info.pt,
            origin: info.origin,
            seqs,
            payload,
        };
        if info.start && info.end {
            if body.len() > self.max_frame {
                return Err(Malformed::Oversized.into());
            }
            self.index.check(&info, &self.log)?;
            if record {
                self.index.single(info.seq, &self.log);
            }
            return Ok(Some(done(&packet[body], (info.seq, info.seq))));
        }
        let Pushed::Complete { start, end } =
            self.index.push(&info, &packet[body], &mut self.log)?
        else {
            return Ok(None);
        };
        match self
            .index
            .assemble(start, end, &self.log, &mut self.buf, self.max_frame)?
        {
            Assembled::Log(r) => Ok(Some(done(self.log.bytes(r), (start, end)))),
            Assembled::Buffer(n) => Ok(Some(done(&self.buf[..n], (start, end)))),
            Assembled::Lost => Ok(None),
        }
    }
}
