//! Splitting frames into RTP packets and putting them back together.
//!
//! The payload of every packet starts with a 6-byte fragment header:
//! `u16be index ‖ u16be count ‖ u16be chunk`, where every fragment but the last carries exactly
//! `chunk` bytes, so fragment `index` belongs at byte `index * chunk` of the frame. The RTP marker
//! bit is set on the last fragment. Fragments of one frame share the RTP timestamp. Reassembly
//! tolerates loss, reordering and duplicates; buffers are kept and reused.

use crate::error::{Error, Malformed, Result};

/// Bytes of the fragment header.
pub(crate) const FRAGMENT_HEADER_LEN: usize = 6;
/// Fixed RTP header length the session writes (no CSRCs, no extension).
pub(crate) const RTP_HEADER_LEN: usize = 12;

/// Where one fragment of a frame lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fragment {
    pub(crate) index: u16,
    pub(crate) count: u16,
    pub(crate) chunk: u16,
}

impl Fragment {
    /// How a frame of `len` bytes is cut for payloads of at most `max_payload` bytes.
    pub(crate) fn plan(len: usize, max_payload: usize) -> Result<(u16, u16)> {
        let chunk = max_payload
            .checked_sub(FRAGMENT_HEADER_LEN)
            .filter(|c| *c > 0)
            .ok_or(Error::InvalidConfig)?
            .min(u16::MAX as usize);
        let count = len.div_ceil(chunk).max(1);
        let count = u16::try_from(count).map_err(|_| Error::BufferTooSmall {
            needed: chunk * u16::MAX as usize,
        })?;
        Ok((count, chunk as u16))
    }

    pub(crate) fn write(&self, out: &mut [u8]) {
        out[0..2].copy_from_slice(&self.index.to_be_bytes());
        out[2..4].copy_from_slice(&self.count.to_be_bytes());
        out[4..6].copy_from_slice(&self.chunk.to_be_bytes());
    }

    pub(crate) fn read(payload: &[u8]) -> Result<(Fragment, &[u8])> {
        if payload.len() < FRAGMENT_HEADER_LEN {
            return Err(Malformed::Truncated.into());
        }
        let f = Fragment {
            index: u16::from_be_bytes([payload[0], payload[1]]),
            count: u16::from_be_bytes([payload[2], payload[3]]),
            chunk: u16::from_be_bytes([payload[4], payload[5]]),
        };
        let body = &payload[FRAGMENT_HEADER_LEN..];
        let last = u32::from(f.index) + 1 == u32::from(f.count);
        let ok = f.count > 0
            && f.index < f.count
            && f.chunk > 0
            && if last {
                body.len() <= f.chunk as usize
            } else {
                body.len() == f.chunk as usize
            };
        if !ok {
            return Err(Malformed::Field.into());
        }
        Ok((f, body))
    }
}

/// One frame being put back together.
#[derive(Debug, Default)]
struct Slot {
    in_use: bool,
    timestamp: u32,
    count: u16,
    chunk: u16,
    received: u16,
    total: Option<usize>,
    seen: Vec<u64>,
    data: Vec<u8>,
    age: u64,
}

impl Slot {
    fn start(&mut self, timestamp: u32, f: Fragment, age: u64) {
        self.in_use = true;
        self.timestamp = timestamp;
        self.count = f.count;
        self.chunk = f.chunk;
        self.received = 0;
        self.total = None;
        self.age = age;
        let words = (f.count as usize).div_ceil(64);
        self.seen.clear();
        self.seen.resize(words, 0);
        self.data.clear();
        self.data.resize(f.count as usize * f.chunk as usize, 0);
    }
}

/// What a fragment did to reassembly.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reassembled {
    /// More fragments are needed.
    Pending,
    /// A duplicate of a fragment already held.
    Duplicate,
    /// The frame is complete: it is in the slot with this number until the next call.
    Complete(usize),
}

/// Reassembly of one receive stream: a few frames in flight at once, buffers reused.
#[derive(Debug)]
pub(crate) struct Reassembler {
    slots: Vec<Slot>,
    max_frame: usize,
    clock: u64,
    evicted: u64,
    last_taken: usize,
}

impl Reassembler {
    /// `in_flight` frames at once, none larger than `max_frame` bytes (a bound on what a
    /// hostile sender can make the receiver reserve).
    pub(crate) fn new(in_flight: usize, max_frame: usize) -> Self {
        Reassembler {
            slots: (0..in_flight.max(1)).map(|_| Slot::default()).collect(),
            max_frame,
            clock: 0,
            evicted: 0,
            last_taken: 0,
        }
    }

    /// Frames dropped incomplete because newer frames needed their slot.
    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Add one fragment of the frame with RTP `timestamp`.
    pub(crate) fn push(&mut self, timestamp: u32, payload: &[u8]) -> Result<Reassembled> {
        let (f, body) = Fragment::read(payload)?;
        if f.count as usize * f.chunk as usize > self.max_frame + f.chunk as usize {
            return Err(Malformed::Oversized.into());
        }
        self.clock += 1;
        let slot = match self
            .slots
            .iter()
            .position(|s| s.in_use && s.timestamp == timestamp)
        {
            Some(i) => {
                let s = &self.slots[i];
                if s.count != f.count || s.chunk != f.chunk {
                    return Err(Malformed::Field.into());
                }
                i
            }
            None => {
                let i = match self.slots.iter().position(|s| !s.in_use) {
                    Some(i) => i,
                    None => {
                        self.evicted += 1;
                        self.slots
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, s)| s.age)
                            .map(|(i, _)| i)
                            .expect("at least one slot")
                    }
                };
                self.slots[i].start(timestamp, f, self.clock);
                i
            }
        };
        let s = &mut self.slots[slot];
        let (w, bit) = (f.index as usize / 64, 1u64 << (f.index % 64));
        if s.seen[w] & bit != 0 {
            return Ok(Reassembled::Duplicate);
        }
        s.seen[w] |= bit;
        s.received += 1;
        let at = f.index as usize * f.chunk as usize;
        s.data[at..at + body.len()].copy_from_slice(body);
        if u32::from(f.index) + 1 == u32::from(f.count) {
            s.total = Some(at + body.len());
        }
        if s.received == s.count {
            Ok(Reassembled::Complete(slot))
        } else {
            Ok(Reassembled::Pending)
        }
    }

    /// The completed frame in `slot`, mutable for in-place decryption; the slot is free again
    /// after this call, and its bytes stay readable through [`Reassembler::completed`] until
    /// the next fragment arrives.
    pub(crate) fn take(&mut self, slot: usize) -> &mut [u8] {
        self.last_taken = slot;
        let s = &mut self.slots[slot];
        s.in_use = false;
        let total = s.total.unwrap_or(0);
        &mut s.data[..total]
    }
}

impl Reassembler {
    /// Bytes `start..end` of the frame last returned by [`Reassembler::take`].
    pub(crate) fn completed(&self, start: usize, end: usize) -> &[u8] {
        &self.slots[self.last_taken].data[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(frame: &[u8], max_payload: usize) -> Vec<Vec<u8>> {
        let (count, chunk) = Fragment::plan(frame.len(), max_payload).unwrap();
        (0..count)
            .map(|i| {
                let start = i as usize * chunk as usize;
                let end = (start + chunk as usize).min(frame.len());
                let mut p = vec![0u8; FRAGMENT_HEADER_LEN];
                Fragment {
                    index: i,
                    count,
                    chunk,
                }
                .write(&mut p);
                p.extend_from_slice(&frame[start..end]);
                p
            })
            .collect()
    }

    #[test]
    fn reorder_duplicates_and_empty_frames() {
        let frame: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let mut parts = cut(&frame, 1200);
        parts.reverse();
        let mut r = Reassembler::new(4, 1 << 20);
        let mut done = None;
        for (n, p) in parts.iter().enumerate() {
            match r.push(9, p).unwrap() {
                Reassembled::Complete(s) => done = Some(s),
                Reassembled::Pending => assert!(n + 1 < parts.len()),
                Reassembled::Duplicate => panic!(),
            }
            if n == 1 {
                assert_eq!(r.push(9, p).unwrap(), Reassembled::Duplicate);
            }
        }
        assert_eq!(r.take(done.unwrap()), &frame[..]);
        let empty = cut(&[], 1200);
        assert_eq!(empty.len(), 1);
        let Reassembled::Complete(s) = r.push(10, &empty[0]).unwrap() else {
            panic!()
        };
        assert!(r.take(s).is_empty());
    }

    #[test]
    fn bad_headers_rejected() {
        let mut r = Reassembler::new(2, 1 << 20);
        assert!(r.push(1, &[0, 0, 0]).is_err());
        assert!(r.push(1, &[0, 1, 0, 1, 0, 0]).is_err()); // chunk 0
        assert!(r.push(1, &[0, 2, 0, 2, 0, 4, 1, 2, 3, 4]).is_err()); // index >= count
        assert!(r.push(1, &[0, 0, 0, 2, 0, 4, 1, 2, 3]).is_err()); // short middle fragment
        assert!(r.push(1, &[0, 1, 0, 2, 0, 4, 1, 2, 3, 4, 5]).is_err()); // long last fragment
                                                                         // Index and count at their maximum (found by fuzzing: an overflow in the last-fragment
                                                                         // test).
        assert!(r.push(1, &[0xff, 0xff, 0xff, 0xff, 0, 1, 7]).is_err());
        assert_eq!(
            r.push(1, &[0xff, 0xfe, 0xff, 0xff, 0, 1, 7]),
            Ok(Reassembled::Pending)
        );
        let mut huge = vec![0, 0, 0xff, 0xff, 0xff, 0xff];
        huge.extend(std::iter::repeat_n(0u8, 0xffff));
        assert_eq!(
            r.push(1, &huge),
            Err(Error::Malformed(Malformed::Oversized))
        );
    }

    #[test]
    fn eviction_counts_lost_frames() {
        let frame = vec![7u8; 3000];
        let mut r = Reassembler::new(2, 1 << 20);
        for ts in 0..3u32 {
            let parts = cut(&frame, 1200);
            assert_eq!(r.push(ts, &parts[0]).unwrap(), Reassembled::Pending);
        }
        assert_eq!(r.evicted(), 1);
    }
}
