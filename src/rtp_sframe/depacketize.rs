//! The receiver algorithm of the RTP payload format for SFrame, as a jitter buffer does it:
//! packets are indexed by sequence number; a frame (an SFrame ciphertext, or a plain frame in
//! the SRTP-only layer) is the smallest run of consecutive sequence numbers from a packet whose
//! descriptor has S set to one that has E set; its packets must agree on the T bit, the payload
//! type (as the draft asks) and the timestamp (as the RTP header rules of the draft imply), or
//! the run is dropped. Nothing is allocated per packet.
//!
//! Payload bytes go into one log per call ([`Log`]): a ring of bytes allocated once, written in
//! arrival order and wrapping at its end, so a packet costs exactly its own bytes and the
//! oldest bytes are given up first. A packet's index entry ([`Slot`]) remembers where in the
//! log its bytes are; once newer bytes have overwritten them the entry is dead. Nothing a
//! packet claims (its S and E bits, its place in a run) ever sizes a buffer: a forged packet holds
//! its own bytes in the log and one index entry, and pushes out as many of the oldest bytes.
//!
//! A frame whose packets lie one after the other in the log (the usual case: the packets of a
//! frame arrive together and in order) is opened where it lies; any other frame is copied once
//! into the call's frame buffer. A frame of one packet never enters the log at all: it is
//! opened in the caller's packet buffer.

use super::descriptor::PayloadOrigin;
use crate::error::{Error, Malformed, Result};

/// What the receiver needs of one packet: its RTP header fields and its descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PacketInfo {
    pub(crate) seq: u16,
    pub(crate) timestamp: u32,
    /// The RTP payload type.
    pub(crate) pt: u8,
    /// S: the first packet of a frame.
    pub(crate) start: bool,
    /// E: the last packet of a frame.
    pub(crate) end: bool,
    /// T: what the frame holds.
    pub(crate) origin: PayloadOrigin,
}

/// Received payload bytes: a ring allocated once at its full size.
#[derive(Debug)]
pub(crate) struct Log {
    buf: Vec<u8>,
    /// Logical position of the next byte written (it only grows; `head % len` is physical).
    head: u64,
}

impl Log {
    pub(crate) fn new(bytes: usize) -> Self {
        Log {
            buf: vec![0; bytes],
            head: 0,
        }
    }

    fn capacity(&self) -> u64 {
        self.buf.len() as u64
    }

    /// Append `bytes` (at most the capacity); returns their logical position. A payload never
    /// straddles the end of the ring: it starts again at the front instead.
    fn append(&mut self, bytes: &[u8]) -> u64 {
        let cap = self.capacity();
        let len = bytes.len() as u64;
        let phys = self.head % cap;
        if phys + len > cap {
            self.head += cap - phys;
        }
        let at = self.head;
        let p = (at % cap) as usize;
        self.buf[p..p + bytes.len()].copy_from_slice(bytes);
        self.head += len;
        at
    }

    /// Whether the bytes written at `at` are still there.
    fn holds(&self, at: u64) -> bool {
        self.head - at <= self.capacity()
    }

    fn range(&self, at: u64, len: u32) -> core::ops::Range<usize> {
        let p = (at % self.capacity()) as usize;
        p..p + len as usize
    }

    pub(crate) fn bytes_mut(&mut self, range: core::ops::Range<usize>) -> &mut [u8] {
        &mut self.buf[range]
    }

    pub(crate) fn bytes(&self, range: core::ops::Range<usize>) -> &[u8] {
        &self.buf[range]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum State {
    Empty,
    /// Bytes in the log, waiting for the rest of the frame.
    Held,
    /// Delivered (or the single packet of a frame): only remembered to spot duplicates.
    Consumed,
}

/// One index entry. Laid out without padding: every byte of the index is written, so no
/// undefined byte is ever copied around with it.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Slot {
    /// The stream's arrival count when the packet came: an entry more than a ring's worth of
    /// arrivals old is dead, whatever its sequence number.
    arrival: u64,
    at: u64,
    timestamp: u32,
    len: u32,
    seq: u16,
    run_start: u16,
    state: State,
    start: bool,
    end: bool,
    /// Every packet from the frame's start to this one is held.
    continuous: bool,
    pt: u8,
    packetized: bool,
    reserved: [u8; 6],
}

const EMPTY: Slot = Slot {
    arrival: 0,
    at: 0,
    timestamp: 0,
    len: 0,
    seq: 0,
    run_start: 0,
    state: State::Empty,
    start: false,
    end: false,
    continuous: false,
    pt: 0,
    packetized: false,
    reserved: [0; 6],
};

/// What one packet did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Held until the rest of its frame arrives.
    Pending,
    /// It completed the frame of sequence numbers `start..=end`.
    Complete { start: u16, end: u16 },
}

/// Where a completed frame lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Assembled {
    /// In the log, in one piece.
    Log(core::ops::Range<usize>),
    /// Copied to the start of the frame buffer.
    Buffer(usize),
    /// Gone: newer bytes overwrote the first packets of the frame while the rest arrived
    /// (more frames were in flight than the log holds). Counted as incomplete.
    Lost,
}

/// The index of one receive stream: one entry per sequence number modulo its size.
#[derive(Debug)]
pub(crate) struct Depacketizer {
    slots: Box<[Slot]>,
    mask: u16,
    arrivals: u64,
    /// Frames given up with packets missing (their start was overwritten by a newer packet).
    incomplete: u64,
    /// Held packets replaced by a later one with the same sequence number.
    replaced: u64,
}

impl Depacketizer {
    /// An index of `entries` packets (a power of two, 2..=32768); a frame may span at most half.
    pub(crate) fn new(entries: usize) -> Self {
        debug_assert!(entries.is_power_of_two() && (2..=1 << 15).contains(&entries));
        Depacketizer {
            slots: vec![EMPTY; entries].into_boxed_slice(),
            mask: (entries - 1) as u16,
            arrivals: 0,
            incomplete: 0,
            replaced: 0,
        }
    }

    /// The most packets one frame may have.
    pub(crate) fn max_packets(&self) -> usize {
        self.slots.len() / 2
    }

    /// Held packets replaced by a later copy of their sequence number so far.
    pub(crate) fn replaced(&self) -> u64 {
        self.replaced
    }

    /// Frames given up incomplete so far.
    pub(crate) fn incomplete(&self) -> u64 {
        self.incomplete
    }

    fn at(&self, seq: u16) -> usize {
        (seq & self.mask) as usize
    }

    /// Whether an entry still stands for its packet.
    fn live(&self, s: &Slot, log: &Log) -> bool {
        match s.state {
            State::Empty => false,
            State::Consumed => self.arrivals - s.arrival <= self.slots.len() as u64,
            State::Held => self.arrivals - s.arrival <= self.slots.len() as u64 && log.holds(s.at),
        }
    }

    /// [`Error::Replay`] when the packet `p.seq` was already delivered. A packet that is only
    /// held (not yet authenticated as part of a frame) is replaced by a newer one with its
    /// sequence number: a forged copy that came first must not lock the genuine packet out.
    pub(crate) fn check(&self, p: &PacketInfo, log: &Log) -> Result<()> {
        let old = &self.slots[self.at(p.seq)];
        if self.live(old, log) && old.seq == p.seq && old.state == State::Consumed {
            return Err(Error::Replay);
        }
        Ok(())
    }

    /// Take the entry for `seq` (checked with [`Depacketizer::check`]); a live entry of
    /// another frame that held its start counts that frame lost.
    fn take(&mut self, seq: u16, log: &Log) -> usize {
        let i = self.at(seq);
        let old = self.slots[i];
        if self.live(&old, log) && old.state == State::Held {
            if old.seq == seq {
                self.replaced += 1;
            } else if old.start {
                self.incomplete += 1;
            }
        }
        self.arrivals += 1;
        i
    }

    /// A frame of one packet, opened in the packet itself after [`Depacketizer::check`]:
    /// remembered once it authenticated, to spot a copy of it.
    pub(crate) fn single(&mut self, seq: u16, log: &Log) {
        let i = self.take(seq, log);
        self.slots[i] = Slot {
            state: State::Consumed,
            seq,
            arrival: self.arrivals,
            ..EMPTY
        };
    }

    /// Hold one packet of a multi-packet frame. Its payload must fit the log.
    pub(crate) fn push(&mut self, p: &PacketInfo, payload: &[u8], log: &mut Log) -> Result<Pushed> {
        if payload.len() as u64 > log.capacity() {
            return Err(Malformed::Oversized.into());
        }
        self.check(p, log)?;
        let i = self.take(p.seq, log);
        let at = log.append(payload);
        self.slots[i] = Slot {
            state: State::Held,
            seq: p.seq,
            timestamp: p.timestamp,
            start: p.start,
            end: p.end,
            pt: p.pt,
            packetized: p.origin == PayloadOrigin::Packetized,
            arrival: self.arrivals,
            at,
            len: payload.len() as u32,
            continuous: false,
            run_start: p.seq,
            reserved: [0; 6],
        };
        // Continuous from the frame's start?
        let run_start = if p.start {
            Some(p.seq)
        } else {
            let prev = self.slots[self.at(p.seq.wrapping_sub(1))];
            (self.live(&prev, log)
                && prev.state == State::Held
                && prev.seq == p.seq.wrapping_sub(1)
                && prev.continuous
                && !prev.end)
                .then_some(prev.run_start)
        };
        let Some(run_start) = run_start else {
            return Ok(Pushed::Pending);
        };
        // Carry the run forward over the packets that were waiting for this one. Each entry is
        // marked continuous once, so a frame costs its packet count in all.
        let mut seq = p.seq;
        loop {
            let j = self.at(seq);
            self.slots[j].continuous = true;
            self.slots[j].run_start = run_start;
            if self.slots[j].end {
                return Ok(Pushed::Complete {
                    start: run_start,
                    end: seq,
                });
            }
            let next_seq = seq.wrapping_add(1);
            if next_seq.wrapping_sub(run_start) as usize >= self.max_packets() {
                return Ok(Pushed::Pending);
            }
            let n = self.slots[self.at(next_seq)];
            let joins =
                self.live(&n, log) && n.state == State::Held && n.seq == next_seq && !n.start;
            if !joins {
                return Ok(Pushed::Pending);
            }
            seq = next_seq;
        }
    }

    /// Put the frame `start..=end` together (where it lies in the log, or copied into `buf`)
    /// and mark its packets delivered. The packets must agree on the T bit, the payload type
    /// and the timestamp ([`Malformed::Field`] otherwise, and the packets are dropped). `max`
    /// bounds the frame's length.
    pub(crate) fn assemble(
        &mut self,
        start: u16,
        end: u16,
        log: &Log,
        buf: &mut [u8],
        max: usize,
    ) -> Result<Assembled> {
        let count = end.wrapping_sub(start) as usize + 1;
        let mut ok = true;
        let mut held = true;
        let mut total = 0usize;
        let mut contiguous = true;
        let first = self.slots[self.at(start)];
        let mut expect_at = first.at;
        for k in 0..count {
            let seq = start.wrapping_add(k as u16);
            let s = &self.slots[self.at(seq)];
            // The smallest S…E run: S on the first only, E on the last only (a packet replaced
            // since the run was found may have changed that), one T bit, payload type and
            // timestamp.
            ok &= s.start == (k == 0)
                && s.end == (k + 1 == count)
                && s.packetized == first.packetized
                && s.pt == first.pt
                && s.timestamp == first.timestamp;
            // The first packets of a long frame may have been overwritten since they came, in
            // the log or in the index (by a packet of another sequence number).
            held &= log.holds(s.at) && s.seq == seq && s.state == State::Held;
            contiguous &= s.at == expect_at;
            expect_at = s.at + u64::from(s.len);
            total += s.len as usize;
        }
        // One after the other in arrival order, and in one piece in the ring: a packet that
        // ends exactly at the ring's end is followed, at the next logical position, by one at
        // its front.
        contiguous &= log.range(first.at, 0).start as u64 + total as u64 <= log.capacity();
        let result = if !held {
            self.incomplete += 1;
            Ok(Assembled::Lost)
        } else if !ok {
            Err(Malformed::Field.into())
        } else if total > max || (total > buf.len() && !contiguous) {
            Err(Malformed::Oversized.into())
        } else if contiguous {
            let r = log.range(first.at, 0);
            Ok(Assembled::Log(r.start..r.start + total))
        } else {
            let mut n = 0;
            for k in 0..count {
                let s = &self.slots[self.at(start.wrapping_add(k as u16))];
                let src = log.bytes(log.range(s.at, s.len));
                buf[n..n + src.len()].copy_from_slice(src);
                n += src.len();
            }
            Ok(Assembled::Buffer(n))
        };
        for k in 0..count {
            let seq = start.wrapping_add(k as u16);
            let j = self.at(seq);
            // Only this run's own entries: another packet's entry stays as it is.
            if self.slots[j].seq == seq {
                self.slots[j].state = State::Consumed;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(seq: u16, ts: u32, index: u16, count: u16) -> PacketInfo {
        PacketInfo {
            seq,
            timestamp: ts,
            pt: 96,
            start: index == 0,
            end: index + 1 == count,
            origin: PayloadOrigin::Raw,
        }
    }

    /// Push `frame` cut in `n`-byte pieces starting at `seq0`, in the given order; returns the
    /// frame when it completes.
    fn run(
        d: &mut Depacketizer,
        log: &mut Log,
        seq0: u16,
        frame: &[u8],
        n: usize,
        order: &[usize],
    ) -> Option<Vec<u8>> {
        let parts: Vec<&[u8]> = frame.chunks(n).collect();
        let count = parts.len() as u16;
        let mut buf = vec![0u8; 1 << 16];
        for &k in order {
            let p = info(seq0.wrapping_add(k as u16), 7, k as u16, count);
            if let Pushed::Complete { start, end } = d.push(&p, parts[k], log).unwrap() {
                return match d.assemble(start, end, log, &mut buf, 1 << 16).unwrap() {
                    Assembled::Log(r) => Some(log.bytes(r).to_vec()),
                    Assembled::Buffer(len) => Some(buf[..len].to_vec()),
                    Assembled::Lost => None,
                };
            }
        }
        None
    }

    #[test]
    fn in_order_frames_open_where_they_lie() {
        let mut log = Log::new(1 << 16);
        let mut d = Depacketizer::new(64);
        let frame: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        assert_eq!(
            run(&mut d, &mut log, 10, &frame, 1000, &[0, 1, 2, 3, 4]).unwrap(),
            frame
        );
        // Reordered and across the sequence-number wrap: copied, still equal.
        assert_eq!(
            run(&mut d, &mut log, 65534, &frame, 1000, &[3, 1, 4, 0, 2]).unwrap(),
            frame
        );
    }

    #[test]
    fn duplicates_and_a_missing_packet() {
        let mut log = Log::new(1 << 16);
        let mut d = Depacketizer::new(64);
        let p = info(1, 7, 0, 3);
        assert_eq!(d.push(&p, b"abc", &mut log), Ok(Pushed::Pending));
        // A copy of a held packet takes its place.
        assert_eq!(d.push(&p, b"abc", &mut log), Ok(Pushed::Pending));
        assert_eq!(
            d.push(&info(3, 7, 2, 3), b"ghi", &mut log),
            Ok(Pushed::Pending)
        );
        assert_eq!(
            d.push(&info(2, 7, 1, 3), b"def", &mut log),
            Ok(Pushed::Complete { start: 1, end: 3 })
        );
    }

    /// The smallest S…E run: a later S starts the frame again, the first E ends it.
    #[test]
    fn the_smallest_run_from_s_to_e() {
        let mut log = Log::new(1 << 16);
        let mut d = Depacketizer::new(64);
        d.push(&info(10, 7, 0, 4), b"a", &mut log).unwrap();
        d.push(&info(11, 7, 1, 4), b"b", &mut log).unwrap();
        // Seq 12 carries S again: the run starts over there.
        d.push(&info(12, 7, 0, 2), b"c", &mut log).unwrap();
        assert_eq!(
            d.push(&info(13, 7, 1, 2), b"d", &mut log),
            Ok(Pushed::Complete { start: 12, end: 13 })
        );
    }

    #[test]
    fn runs_that_disagree_on_t_pt_or_timestamp_are_dropped() {
        let mut buf = [0u8; 100];
        let cases: [fn(&mut PacketInfo); 3] = [
            |p| p.origin = PayloadOrigin::Packetized,
            |p| p.pt = 97,
            |p| p.timestamp = 8,
        ];
        for change in cases {
            let mut log = Log::new(1 << 16);
            let mut d = Depacketizer::new(64);
            d.push(&info(1, 7, 0, 2), b"a", &mut log).unwrap();
            let mut last = info(2, 7, 1, 2);
            change(&mut last);
            let Pushed::Complete { start, end } = d.push(&last, b"b", &mut log).unwrap() else {
                panic!("a complete run")
            };
            assert_eq!(
                d.assemble(start, end, &log, &mut buf, 100),
                Err(Error::Malformed(Malformed::Field))
            );
            // Dropped: a copy of a packet of the run is a duplicate, not a new frame.
            assert_eq!(d.push(&last, b"b", &mut log), Err(Error::Replay));
        }
    }

    /// A frame whose first packets the log overwrote while its last ones arrived is lost, never
    /// put together from the bytes that took their place.
    #[test]
    fn a_frame_overwritten_while_in_flight_is_lost_not_corrupted() {
        let mut log = Log::new(1000);
        let mut d = Depacketizer::new(64);
        let mut buf = [0u8; 2000];
        // The first two packets arrive: continuous from the start.
        assert_eq!(
            d.push(&info(1, 7, 0, 3), &[1; 300], &mut log),
            Ok(Pushed::Pending)
        );
        assert_eq!(
            d.push(&info(2, 7, 1, 3), &[2; 300], &mut log),
            Ok(Pushed::Pending)
        );
        // Other traffic fills the log and wraps over the first packet, not the second.
        for (seq, len) in [(100u16, 300usize), (102, 100), (104, 50)] {
            d.push(&info(seq, 8, 0, 2), &vec![9; len], &mut log)
                .unwrap();
        }
        // The last packet completes the run, but its first bytes are gone.
        let Pushed::Complete { start, end } =
            d.push(&info(3, 7, 2, 3), &[3; 100], &mut log).unwrap()
        else {
            panic!("the run is continuous")
        };
        assert_eq!(
            d.assemble(start, end, &log, &mut buf, 2000),
            Ok(Assembled::Lost)
        );
        assert_eq!(d.incomplete(), 1);
    }

    /// A frame whose first packet ends exactly at the end of the ring, and whose second
    /// starts again at its front: logically one after the other, physically not. It is
    /// copied, not handed out as one range (that range would run past the ring).
    #[test]
    fn a_frame_across_the_end_of_the_ring_is_copied() {
        let mut log = Log::new(100);
        let mut d = Depacketizer::new(64);
        let mut buf = [0u8; 200];
        // 60 bytes of another frame, then 40 that end exactly at byte 100.
        d.push(&info(1, 7, 0, 2), &[9; 60], &mut log).unwrap();
        d.push(&info(10, 8, 0, 2), &[1; 40], &mut log).unwrap();
        let Pushed::Complete { start, end } =
            d.push(&info(11, 8, 1, 2), &[2; 30], &mut log).unwrap()
        else {
            panic!("a complete run")
        };
        let frame = match d.assemble(start, end, &log, &mut buf, 200).unwrap() {
            Assembled::Buffer(n) => buf[..n].to_vec(),
            other => panic!("{other:?}"),
        };
        assert_eq!(frame, [[1u8; 40].as_slice(), &[2; 30]].concat());
    }

    #[test]
    fn the_log_forgets_the_oldest_bytes() {
        let mut log = Log::new(100);
        let mut d = Depacketizer::new(64);
        d.push(&info(1, 7, 0, 2), &[1; 60], &mut log).unwrap();
        // 60 more bytes do not fit behind: they start again at the front, over the first.
        d.push(&info(5, 8, 0, 2), &[2; 60], &mut log).unwrap();
        assert_eq!(
            d.push(&info(2, 7, 1, 2), &[3; 10], &mut log),
            Ok(Pushed::Pending)
        );
        assert_eq!(
            d.push(&info(9, 9, 0, 2), &[0; 101], &mut log),
            Err(Error::Malformed(Malformed::Oversized))
        );
    }
}
