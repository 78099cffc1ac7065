//! What the demo checks every delivered frame against, and the packet latencies it reports, in
//! memory fixed when the call starts: an hour-long call holds what a minute-long one does.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Frames of each stream whose originals are kept and whose delivery is remembered: about
/// 80 s of audio, 2 min of video and far more of screen share. A frame that arrives more than
/// this many frames of its stream after it was sent can no longer be checked, and counts as
/// mismatched; the demo's network delays it by milliseconds.
pub(super) const WINDOW: u32 = 4096;

/// A frame's id: (sender, kind, number in its stream).
pub(super) type FrameId = (u8, u8, u32);

/// A stream's ring of originals: the number and SHA-256 of a frame, in slot number % WINDOW.
type Ring = Vec<Option<(u32, [u8; 32])>>;

/// The SHA-256 of the newest [`WINDOW`] frames sent on each stream (sender, kind).
#[derive(Default)]
pub(super) struct Originals {
    streams: HashMap<(u8, u8), Ring>,
}

impl Originals {
    /// Remember frame `id` as sent.
    pub(super) fn record(&mut self, id: FrameId, frame: &[u8]) {
        let ring = self
            .streams
            .entry((id.0, id.1))
            .or_insert_with(|| vec![None; WINDOW as usize]);
        ring[(id.2 % WINDOW) as usize] = Some((id.2, Sha256::digest(frame).into()));
    }

    /// Whether `frame` is frame `id` as it was sent.
    pub(super) fn matches(&self, id: FrameId, frame: &[u8]) -> bool {
        let Some(ring) = self.streams.get(&(id.0, id.1)) else {
            return false;
        };
        match ring[(id.2 % WINDOW) as usize] {
            Some((n, hash)) if n == id.2 => hash == <[u8; 32]>::from(Sha256::digest(frame)),
            _ => false,
        }
    }
}

/// What a receiver makes of a frame it got, by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arrival {
    First,
    Again,
    /// Older than the newest [`WINDOW`] frames of its stream: not checked.
    TooOld,
}

/// Which of the newest [`WINDOW`] frames of each stream (sender, kind) a receiver got.
#[derive(Default)]
pub(super) struct Seen {
    streams: HashMap<(u8, u8), Window>,
}

struct Window {
    newest: u32,
    got: Vec<bool>,
}

impl Seen {
    /// Note frame `id` as delivered.
    pub(super) fn arrive(&mut self, id: FrameId) -> Arrival {
        let n = id.2;
        let w = self.streams.entry((id.0, id.1)).or_insert_with(|| Window {
            newest: n,
            got: vec![false; WINDOW as usize],
        });
        if n > w.newest {
            // Frames after the newest, this one included, have not come (yet).
            for m in (w.newest + 1).max(n.saturating_sub(WINDOW - 1))..=n {
                w.got[(m % WINDOW) as usize] = false;
            }
            w.newest = n;
        } else if w.newest - n >= WINDOW {
            return Arrival::TooOld;
        }
        let slot = &mut w.got[(n % WINDOW) as usize];
        if std::mem::replace(slot, true) {
            Arrival::Again
        } else {
            Arrival::First
        }
    }
}

/// Latencies in nanoseconds, in a fixed histogram: 64 buckets per power of two, so a
/// percentile is within 1/64 (1.6%) of the exact one.
pub(super) struct Latencies {
    counts: Vec<u64>,
    total: u64,
}

const SUB: u32 = 64;
const SUB_BITS: u32 = SUB.trailing_zeros();

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            counts: vec![0; (64 * SUB) as usize],
            total: 0,
        }
    }
}

impl Latencies {
    fn bucket(v: u64) -> usize {
        if v < u64::from(SUB) {
            return v as usize;
        }
        let exp = 63 - v.leading_zeros() - SUB_BITS;
        let mantissa = (v >> exp) as u32 - SUB;
        ((exp + 1) * SUB + mantissa) as usize
    }

    /// The smallest value of bucket `i`.
    fn low(i: usize) -> u64 {
        let (row, col) = (i as u32 / SUB, i as u32 % SUB);
        if row == 0 {
            return u64::from(col);
        }
        u64::from(SUB + col) << (row - 1)
    }

    pub(super) fn push(&mut self, ns: u64) {
        self.counts[Self::bucket(ns)] += 1;
        self.total += 1;
    }

    /// The `p` quantile (0 to 1), as the smallest value of its bucket; 0 with no samples.
    pub(super) fn percentile(&self, p: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        // The sample at this rank, counting from 0, in sorted order.
        let rank = ((self.total - 1) as f64 * p).round() as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return Self::low(i);
            }
        }
        unreachable!("the counts add up to the total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originals_keep_the_newest_window_of_each_stream() {
        let mut o = Originals::default();
        for n in 0..3 * WINDOW {
            o.record((1, 0, n), &n.to_be_bytes());
        }
        o.record((2, 0, 5), b"other stream");
        let newest = 3 * WINDOW - 1;
        assert!(o.matches((1, 0, newest), &newest.to_be_bytes()));
        assert!(o.matches((1, 0, 2 * WINDOW), &(2 * WINDOW).to_be_bytes()));
        // Too old: its slot holds a newer frame.
        assert!(!o.matches((1, 0, WINDOW), &WINDOW.to_be_bytes()));
        // Altered, or on another stream.
        assert!(!o.matches((1, 0, newest), b"altered"));
        assert!(!o.matches((1, 1, newest), &newest.to_be_bytes()));
        assert!(o.matches((2, 0, 5), b"other stream"));
        assert_eq!(o.streams[&(1, 0)].len(), WINDOW as usize);
    }

    #[test]
    fn seen_tells_first_arrivals_copies_and_frames_too_old() {
        let mut s = Seen::default();
        assert_eq!(s.arrive((1, 0, 10)), Arrival::First);
        assert_eq!(s.arrive((1, 0, 10)), Arrival::Again);
        // Out of order, within the window.
        assert_eq!(s.arrive((1, 0, 12)), Arrival::First);
        assert_eq!(s.arrive((1, 0, 11)), Arrival::First);
        assert_eq!(s.arrive((1, 0, 11)), Arrival::Again);
        // Another stream is apart.
        assert_eq!(s.arrive((1, 1, 11)), Arrival::First);
        // A jump past the window forgets what was there: 12 + WINDOW's slot was 12's.
        let far = 12 + WINDOW;
        assert_eq!(s.arrive((1, 0, far)), Arrival::First);
        assert_eq!(s.arrive((1, 0, 12)), Arrival::TooOld);
        assert_eq!(s.arrive((1, 0, far - WINDOW + 1)), Arrival::First);
        assert_eq!(s.arrive((1, 0, far)), Arrival::Again);
        // A long run stays in its fixed window.
        for n in far + 1..far + 5 * WINDOW {
            assert_eq!(s.arrive((1, 0, n)), Arrival::First);
        }
        assert_eq!(s.streams[&(1, 0)].got.len(), WINDOW as usize);
    }

    #[test]
    fn percentiles_are_within_a_sixty_fourth_of_the_exact_ones() {
        let mut l = Latencies::default();
        assert_eq!(l.percentile(0.5), 0);
        let mut exact: Vec<u64> = (0..10_000u64).map(|i| 37 + i * i % 99_991).collect();
        for &v in &exact {
            l.push(v);
        }
        l.push(u64::MAX);
        exact.push(u64::MAX);
        exact.sort_unstable();
        for p in [0.0, 0.01, 0.5, 0.9, 0.99, 1.0] {
            let want = exact[((exact.len() - 1) as f64 * p).round() as usize];
            let got = l.percentile(p);
            assert!(
                got <= want && want - got <= want / 64,
                "p{p}: {got} for {want}"
            );
        }
        for v in [0, 1, 63, 64, 65, 127, 128, 1000, 1 << 40] {
            assert!(Latencies::low(Latencies::bucket(v)) <= v);
            assert!(Latencies::low(Latencies::bucket(v) + 1) > v);
        }
    }
}
