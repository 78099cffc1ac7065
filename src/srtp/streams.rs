//! The per-SSRC streams of a context: states kept in a vector and found through a hash index,
//! and the records of SSRCs removed while keys were held, which may not start over.

use super::keyring::KeyRing;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes an SSRC with one multiplication. SSRCs are chosen by the peer, but a stream entry is
/// only created after its first packet authenticated (or by our own sender), and the table is
/// bounded by [`SrtpConfig::max_streams`], so collisions cannot be forced by an outsider.
#[derive(Default, Clone, Copy)]
struct SsrcHasher(u64);

impl Hasher for SsrcHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// Per-SSRC states in a vector, found through a hash index, with the last one found kept at
/// hand: packets mostly come in runs of one SSRC.
pub(super) struct StreamMap<S> {
    ssrcs: Vec<u32>,
    states: Vec<S>,
    index: HashMap<u32, usize, BuildHasherDefault<SsrcHasher>>,
    last: usize,
}

impl<S> Default for StreamMap<S> {
    fn default() -> Self {
        StreamMap {
            ssrcs: Vec::new(),
            states: Vec::new(),
            index: HashMap::default(),
            last: 0,
        }
    }
}

impl<S> StreamMap<S> {
    pub(super) fn reserve(&mut self, n: usize) {
        self.ssrcs.reserve(n);
        self.states.reserve(n);
        self.index.reserve(n);
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.states.len()
    }

    #[inline]
    pub(super) fn get_mut(&mut self, ssrc: &u32) -> Option<&mut S> {
        let i = if self.ssrcs.get(self.last) == Some(ssrc) {
            self.last
        } else {
            let i = *self.index.get(ssrc)?;
            self.last = i;
            i
        };
        self.states.get_mut(i)
    }

    pub(super) fn get(&self, ssrc: &u32) -> Option<&S> {
        self.states.get(*self.index.get(ssrc)?)
    }

    /// Add a state for an SSRC that has none.
    pub(super) fn insert(&mut self, ssrc: u32, state: S) {
        self.index.insert(ssrc, self.states.len());
        self.ssrcs.push(ssrc);
        self.states.push(state);
    }

    pub(super) fn remove(&mut self, ssrc: &u32) -> Option<S> {
        let i = self.index.remove(ssrc)?;
        self.ssrcs.swap_remove(i);
        let state = self.states.swap_remove(i);
        if let Some(&moved) = self.ssrcs.get(i) {
            self.index.insert(moved, i);
        }
        self.last = 0;
        Some(state)
    }
}

/// SSRCs removed from a context while keys were held, with the newest key serial at the time:
/// such an SSRC may not start over (index, ROC and replay window from scratch) while any of
/// those keys is still held, or it would repeat nonces (sender) or accept old packets again
/// (receiver).
#[derive(Default)]
pub(super) struct Retired(Vec<(u32, u64)>);

impl Retired {
    /// Whether `ssrc` may not start a new stream with the keys now held.
    #[inline]
    pub(super) fn blocks(&self, ssrc: u32, keys: &KeyRing) -> bool {
        !self.0.is_empty()
            && self
                .0
                .iter()
                .any(|&(s, bound)| s == ssrc && keys.holds_serial_up_to(bound))
    }

    /// Forget the SSRCs whose keys are all gone.
    pub(super) fn purge(&mut self, keys: &KeyRing) {
        self.0.retain(|&(_, bound)| keys.holds_serial_up_to(bound));
    }

    /// Remember `ssrc`, at most `max` of them ([`Error::TooManyStreams`] beyond).
    pub(super) fn record(&mut self, ssrc: u32, keys: &KeyRing, max: usize) -> Result<()> {
        self.purge(keys);
        self.0.retain(|&(s, _)| s != ssrc);
        if self.0.len() >= max {
            return Err(Error::TooManyStreams);
        }
        self.0.push((ssrc, keys.newest_serial()));
        Ok(())
    }
}
