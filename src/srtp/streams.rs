//! The per-SSRC streams of a context: each stream's RTP index state (alike in both directions)
//! with the direction's SRTCP state, kept in a vector and found through a hash index, and the
//! records of SSRCs removed while keys were held, which may not start over.

use super::index::estimate;
use super::keyring::KeyRing;
use super::SrtpConfig;
#[cfg(doc)]
use super::{SrtpReceiver, SrtpSender};
use crate::error::{Error, Result};
use crate::replay::ReplayWindow;
use crate::types::{PacketIndex, Roc, SrtcpIndex};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A direction's SRTCP state of one stream.
pub(super) trait SrtcpState: Sized {
    /// The state of a new stream, under a context whose replay window is `window` packets.
    fn start(window: u32) -> Result<Self>;

    /// The last SRTCP index sent, or the highest received.
    fn srtcp_index(&self) -> Option<SrtcpIndex>;
}

/// Per-SSRC state: the RTP packet indices, and the SRTCP state `C` of the direction.
pub(super) struct Stream<C> {
    /// The RTP indices already used, so that the sender never uses one twice (nonce reuse), or
    /// received, so that the receiver refuses replays.
    pub(super) rtp: ReplayWindow,
    /// The ROC of the first packet (set with [`SrtpSender::set_roc`] or
    /// [`SrtpReceiver::set_roc`]).
    pub(super) first_roc: u32,
    /// The SRTCP state of the direction.
    pub(super) rtcp: C,
}

impl<C> Stream<C> {
    /// The index of the RTP packet with sequence number `seq` (RFC 3711 Appendix A, relative to
    /// the highest index so far), refused if already used or behind the window.
    #[inline]
    pub(super) fn rtp_index(&self, seq: u16) -> Result<u64> {
        let i = estimate(self.rtp.top(), self.first_roc, seq)?;
        self.rtp.check(i)?;
        Ok(i)
    }

    /// The current rollover counter (the first ROC before any packet).
    pub(super) fn roc(&self) -> Roc {
        self.rtp
            .top()
            .map_or(Roc(self.first_roc), |i| PacketIndex(i).roc())
    }
}

/// The streams of a context: a state per SSRC, at most [`SrtpConfig::max_streams`] of them,
/// and the SSRCs removed while keys were held.
pub(super) struct Streams<C> {
    map: StreamMap<Stream<C>>,
    retired: Retired,
    /// [`SrtpConfig::max_streams`].
    max: usize,
    /// [`SrtpConfig::replay_window`].
    window: u32,
    /// [`SrtpConfig::initial_roc`].
    initial_roc: u32,
}

/// The stream of an SSRC, or the room to start one: from [`Streams::entry`].
pub(super) enum Entry<'a, C> {
    /// The SSRC has a stream.
    Occupied(&'a mut Stream<C>),
    /// The SSRC (the `u32`) has none, and may start one.
    Vacant(&'a mut Streams<C>, u32),
}

impl<'a, C: SrtcpState> Entry<'a, C> {
    /// The index of the RTP packet `seq`: relative to the stream's, or for a new stream with
    /// the configured initial ROC. Refused if already used or behind the window.
    #[inline]
    pub(super) fn rtp_index(&self, seq: u16) -> Result<u64> {
        match self {
            Entry::Occupied(s) => s.rtp_index(seq),
            Entry::Vacant(streams, _) => Ok(((streams.initial_roc as u64) << 16) | seq as u64),
        }
    }

    /// Refuse the index `i` if the stream already had it or it is behind the window.
    #[inline]
    pub(super) fn check_index(&self, i: u64) -> Result<()> {
        match self {
            Entry::Occupied(s) => s.rtp.check(i),
            Entry::Vacant(..) => Ok(()),
        }
    }

    /// The stream, if the SSRC has one.
    #[inline]
    pub(super) fn get(&self) -> Option<&Stream<C>> {
        match self {
            Entry::Occupied(s) => Some(s),
            Entry::Vacant(..) => None,
        }
    }

    /// The stream, started now (ROC 0) if the SSRC had none.
    #[inline]
    pub(super) fn or_start(self) -> Result<&'a mut Stream<C>> {
        match self {
            Entry::Occupied(s) => Ok(s),
            Entry::Vacant(streams, ssrc) => {
                let s = Stream {
                    rtp: ReplayWindow::new(streams.window)?,
                    first_roc: streams.initial_roc,
                    rtcp: C::start(streams.window)?,
                };
                Ok(streams.map.insert(ssrc, s))
            }
        }
    }
}

impl<C> Streams<C> {
    pub(super) fn new(config: &SrtpConfig) -> Self {
        let mut map = StreamMap::default();
        map.reserve(config.max_streams.min(16));
        Streams {
            map,
            retired: Retired::default(),
            max: config.max_streams,
            window: config.replay_window,
            initial_roc: config.initial_roc.0,
        }
    }

    /// How many SSRCs have a stream.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    /// The stream of `ssrc`.
    pub(super) fn get(&self, ssrc: u32) -> Option<&Stream<C>> {
        self.map.get(&ssrc)
    }

    /// The stream of `ssrc`, or the room to start one: [`Error::TooManyStreams`] when there
    /// are [`SrtpConfig::max_streams`] already, [`Error::KeyReuse`] when `ssrc` was removed
    /// while a key held now was held.
    #[inline]
    pub(super) fn entry(&mut self, ssrc: u32, keys: &KeyRing) -> Result<Entry<'_, C>> {
        let n = self.map.len();
        match self.map.find(&ssrc) {
            Some(i) => Ok(Entry::Occupied(&mut self.map.states[i])),
            None if n >= self.max => Err(Error::TooManyStreams),
            None if self.retired.blocks(ssrc, keys) => Err(Error::KeyReuse),
            None => Ok(Entry::Vacant(self, ssrc)),
        }
    }

    /// Forget the stream of `ssrc`; returns whether it existed. The SSRC is remembered as
    /// removed under the keys held now; past [`SrtpConfig::max_streams`] removed SSRCs that is
    /// [`Error::TooManyStreams`] and nothing changes.
    pub(super) fn remove(&mut self, ssrc: u32, keys: &KeyRing) -> Result<bool> {
        if self.map.get(&ssrc).is_none() {
            return Ok(false);
        }
        self.retired.record(ssrc, keys, self.max)?;
        Ok(self.map.remove(&ssrc).is_some())
    }

    /// Forget the removed SSRCs whose keys are all gone.
    pub(super) fn purge_retired(&mut self, keys: &KeyRing) {
        self.retired.purge(keys);
    }
}

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
struct StreamMap<S> {
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
    fn reserve(&mut self, n: usize) {
        self.ssrcs.reserve(n);
        self.states.reserve(n);
        self.index.reserve(n);
    }

    #[inline]
    fn len(&self) -> usize {
        self.states.len()
    }

    /// Where the state of `ssrc` is in `states`.
    #[inline]
    fn find(&mut self, ssrc: &u32) -> Option<usize> {
        if self.ssrcs.get(self.last) != Some(ssrc) {
            self.last = *self.index.get(ssrc)?;
        }
        Some(self.last)
    }

    fn get(&self, ssrc: &u32) -> Option<&S> {
        self.states.get(*self.index.get(ssrc)?)
    }

    /// Add a state for an SSRC that has none; returns it.
    fn insert(&mut self, ssrc: u32, state: S) -> &mut S {
        let i = self.states.len();
        self.index.insert(ssrc, i);
        self.ssrcs.push(ssrc);
        self.states.push(state);
        &mut self.states[i]
    }

    fn remove(&mut self, ssrc: &u32) -> Option<S> {
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
struct Retired(Vec<(u32, u64)>);

impl Retired {
    /// Whether `ssrc` may not start a new stream with the keys now held.
    #[inline]
    fn blocks(&self, ssrc: u32, keys: &KeyRing) -> bool {
        !self.0.is_empty()
            && self
                .0
                .iter()
                .any(|&(s, bound)| s == ssrc && keys.holds_serial_up_to(bound))
    }

    /// Forget the SSRCs whose keys are all gone.
    fn purge(&mut self, keys: &KeyRing) {
        self.0.retain(|&(_, bound)| keys.holds_serial_up_to(bound));
    }

    /// Remember `ssrc`, at most `max` of them ([`Error::TooManyStreams`] beyond).
    fn record(&mut self, ssrc: u32, keys: &KeyRing, max: usize) -> Result<()> {
        self.purge(keys);
        self.0.retain(|&(s, _)| s != ssrc);
        if self.0.len() >= max {
            return Err(Error::TooManyStreams);
        }
        self.0.push((ssrc, keys.newest_serial()));
        Ok(())
    }
}
