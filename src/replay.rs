//! The replay window shared by SRTP, SRTCP and SFrame receivers.
//!
//! Use is in two steps, so that state changes only after authentication:
//! [`ReplayWindow::check`] before the cipher runs (screen), [`ReplayWindow::commit`] after the tag
//! verified (record). `check` never changes anything.

use crate::error::{Error, Result};

/// The default window: 128 packets or frames.
pub const DEFAULT_REPLAY_WINDOW: u32 = 128;
/// The smallest window that can be configured.
pub const MIN_REPLAY_WINDOW: u32 = 64;
/// The largest window that can be configured.
pub const MAX_REPLAY_WINDOW: u32 = 32768;

/// A sliding window over 64-bit indices: remembers which of the last `size` indices below the
/// highest seen were received. The bitmap is allocated once, at creation.
#[derive(Debug, Clone)]
pub(crate) struct ReplayWindow {
    size: u64,
    /// The highest index recorded plus one; 0 before the first. (A plain integer rather than an
    /// `Option`: every byte of the window is always defined, also before the first index.)
    top_plus_one: u64,
    bits: Box<[u64]>,
}

impl ReplayWindow {
    /// A window of `size` entries (`MIN_REPLAY_WINDOW..=MAX_REPLAY_WINDOW`).
    pub(crate) fn new(size: u32) -> Result<Self> {
        if !(MIN_REPLAY_WINDOW..=MAX_REPLAY_WINDOW).contains(&size) {
            return Err(Error::InvalidConfig);
        }
        // A power-of-two bitmap, so the bit of an index is found with a mask, not a division.
        let words = (size as usize).div_ceil(64).next_power_of_two();
        Ok(ReplayWindow {
            size: size as u64,
            top_plus_one: 0,
            bits: vec![0u64; words].into_boxed_slice(),
        })
    }

    /// The highest index recorded so far.
    #[inline(always)]
    pub(crate) fn top(&self) -> Option<u64> {
        self.top_plus_one.checked_sub(1)
    }

    #[inline]
    fn capacity(&self) -> u64 {
        self.bits.len() as u64 * 64
    }

    #[inline]
    fn bit(&self, idx: u64) -> (usize, u64) {
        let pos = idx & (self.capacity() - 1);
        ((pos / 64) as usize, 1u64 << (pos % 64))
    }

    /// Screen: `Ok` when `idx` is new and inside the window (or ahead of it).
    #[inline(always)]
    pub(crate) fn check(&self, idx: u64) -> Result<()> {
        let Some(top) = self.top() else {
            return Ok(());
        };
        if idx > top {
            return Ok(());
        }
        if top - idx >= self.size {
            return Err(Error::TooOld);
        }
        let (w, m) = self.bit(idx);
        if self.bits[w] & m != 0 {
            Err(Error::Replay)
        } else {
            Ok(())
        }
    }

    /// Record: mark `idx` received. Call only after `check(idx)` passed and the packet
    /// authenticated.
    #[inline(always)]
    pub(crate) fn commit(&mut self, idx: u64) {
        match self.top() {
            Some(top) if idx <= top => {}
            Some(top) => {
                // The next index in order is the common case: nothing to forget.
                if idx - top > 1 {
                    self.forget_between(top, idx);
                }
                self.top_plus_one = idx + 1;
            }
            None => self.top_plus_one = idx + 1,
        }
        let (w, m) = self.bit(idx);
        self.bits[w] |= m;
    }

    /// Clear the bits of the indices skipped when the top moves from `top` to `idx`.
    #[cold]
    #[inline(never)]
    fn forget_between(&mut self, top: u64, idx: u64) {
        if idx - top >= self.capacity() {
            self.bits.iter_mut().for_each(|w| *w = 0);
        } else {
            for i in top + 1..idx {
                let (w, m) = self.bit(i);
                self.bits[w] &= !m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn sizes_checked() {
        assert!(ReplayWindow::new(63).is_err());
        assert!(ReplayWindow::new(32769).is_err());
        assert!(ReplayWindow::new(64).is_ok());
        assert!(ReplayWindow::new(100).is_ok());
    }

    #[test]
    fn basic() {
        let mut w = ReplayWindow::new(128).unwrap();
        assert!(w.check(1000).is_ok());
        w.commit(1000);
        assert_eq!(w.check(1000), Err(Error::Replay));
        assert!(w.check(999).is_ok());
        assert!(w.check(873).is_ok());
        assert_eq!(w.check(872), Err(Error::TooOld));
        w.commit(990);
        assert_eq!(w.check(990), Err(Error::Replay));
        w.commit(5000);
        assert_eq!(w.check(1000), Err(Error::TooOld));
        assert!(w.check(4999).is_ok());
    }

    proptest! {
        /// The window against a model: the set of every index seen.
        #[test]
        fn matches_model(size in 64u32..600, steps in proptest::collection::vec((0u64..3000, any::<bool>()), 1..400)) {
            let mut w = ReplayWindow::new(size).unwrap();
            let mut seen = BTreeSet::new();
            let mut top: Option<u64> = None;
            for (idx, accept) in steps {
                let expect = match top {
                    Some(t) if idx <= t && t - idx >= size as u64 => Err(Error::TooOld),
                    _ if seen.contains(&idx) => Err(Error::Replay),
                    _ => Ok(()),
                };
                prop_assert_eq!(w.check(idx), expect);
                if expect.is_ok() && accept {
                    w.commit(idx);
                    seen.insert(idx);
                    top = Some(top.map_or(idx, |t| t.max(idx)));
                }
            }
        }
    }
}
