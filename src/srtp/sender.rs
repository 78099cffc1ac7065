//! The sending side: [`SrtpSender`] and its per-SSRC state.

use super::cipher::{KeyCipher, Layout};
use super::context::mki_len_checked;
use super::header::{RtcpHeader, RtpHeader};
use super::index::estimate;
use super::kdf::SessionKeys;
use super::keyring::{KeyRing, PreparedKey};
use super::streams::{Retired, StreamMap};
use super::{Mki, SrtpConfig};
use crate::error::{Error, Result};
use crate::replay::ReplayWindow;
use crate::secret::{wipe_spare, SrtpMasterKey};
use crate::types::{PacketIndex, Roc, SrtcpIndex, SrtpSuite, Ssrc};
use core::fmt;

/// Packets one master key may protect with SRTP (RFC 3711 §9.2).
const SRTP_KEY_LIMIT: u64 = 1 << 48;
/// Packets one master key may protect with SRTCP, and the largest SRTCP index + 1.
const SRTCP_KEY_LIMIT: u64 = 1 << 31;
/// The largest SRTCP index.
const SRTCP_INDEX_MAX: u32 = (1 << 31) - 1;
/// Where the SRTCP side of [`SrtpSender::rekey_soon`] starts (1M packets before the limit).
const SRTCP_SOFT_LIMIT: u64 = SRTCP_KEY_LIMIT - (1 << 20);

/// Per-SSRC state of the sender.
pub(crate) struct SendStream {
    /// The indices already used, so that none is ever used twice (nonce reuse).
    sent: ReplayWindow,
    /// The ROC of the first packet (set with [`SrtpSender::set_roc`]).
    first_roc: u32,
    /// The last SRTCP index used; 0 before the first (libsrtp numbers from 1).
    pub(crate) srtcp_last: u32,
}

/// The sending side of SRTP and SRTCP: protects the RTP and RTCP packets of every local SSRC
/// under one or more master keys.
///
/// callseal keeps the two directions in separate types: a key is only ever used to protect by
/// one side, so a [`SrtpSender`] cannot unprotect and a [`SrtpReceiver`] cannot protect. Each
/// keeps its own per-SSRC state, bounded by [`SrtpConfig::max_streams`].
///
/// Per SSRC, the sender derives the packet index from the sequence number the application put
/// in the packet (RFC 3711 Appendix A, relative to the highest index sent) and refuses to use
/// an index twice ([`Error::Replay`]) or one older than the replay window ([`Error::TooOld`]):
/// a repeated index would repeat the keystream. The index never wraps: at ROC 2^32 − 1, SEQ
/// 65535 the stream is exhausted ([`Error::LimitReached`]). SRTCP indices count from 1 per SSRC
/// (as libsrtp does) up to 2^31 − 1.
///
/// Nothing here allocates per packet; a new SSRC allocates its state once.
pub struct SrtpSender {
    config: SrtpConfig,
    layout: Layout,
    keys: KeyRing,
    active: usize,
    streams: StreamMap<SendStream>,
    retired: Retired,
}

impl fmt::Debug for SrtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpSender")
            .field("suite", &self.keys.suite)
            .field("config", &self.config)
            .field("keys", &self.keys.slots.len())
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

impl SrtpSender {
    fn empty(suite: SrtpSuite, config: SrtpConfig) -> Self {
        let mut streams = StreamMap::default();
        streams.reserve(config.max_streams.min(16));
        SrtpSender {
            layout: Layout::new(suite),
            keys: KeyRing::new(suite, config.mki_len),
            active: 0,
            streams,
            retired: Retired::default(),
            config,
        }
    }

    /// A sender with one master key and no MKI (`config.mki_len` must be 0).
    pub fn new(key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            mki_len_checked(&config, false)?;
            let mut s = Self::empty(key.suite(), config);
            let c = s.keys.cipher_for(key)?;
            s.keys.replace_single(c)?;
            Ok(s)
        })
    }

    /// A sender with MKI (`config.mki_len` 1..=4) whose first, active key is `key` named `mki`.
    pub fn new_with_mki(mki: Mki, key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            mki_len_checked(&config, true)?;
            let mut s = Self::empty(key.suite(), config);
            let c = s.keys.cipher_for(key)?;
            s.keys.add(mki, c)?;
            Ok(s)
        })
    }

    /// A sender keyed with session keys directly, skipping the key derivation (no MKI).
    pub fn from_session_keys(keys: &SessionKeys, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            mki_len_checked(&config, false)?;
            let mut s = Self::empty(keys.suite(), config);
            s.keys.replace_single(KeyCipher::new(keys)?)?;
            Ok(s)
        })
    }

    /// The suite.
    pub fn suite(&self) -> SrtpSuite {
        self.keys.suite
    }

    /// The configuration.
    pub fn config(&self) -> &SrtpConfig {
        &self.config
    }

    /// The most bytes [`SrtpSender::protect_rtp`] adds: the suite's tag plus the MKI.
    pub fn srtp_overhead(&self) -> usize {
        self.keys.suite.srtp_overhead() + self.keys.mki_len
    }

    /// The most bytes [`SrtpSender::protect_rtcp`] adds: tag, E‖index word and MKI.
    pub fn srtcp_overhead(&self) -> usize {
        self.keys.suite.srtcp_overhead() + self.keys.mki_len
    }

    /// Protect the RTP packet `buf[..len]` in place; `buf` must have room for
    /// [`SrtpSender::srtp_overhead`] more bytes. Returns the length of the SRTP packet.
    ///
    /// Errors (nothing changes, `buf` is untouched): [`Error::BufferTooSmall`],
    /// [`Error::Malformed`] for a bad header, [`Error::Replay`] / [`Error::TooOld`] for an index
    /// already used or behind the window, [`Error::LimitReached`] when the stream's index or the
    /// key's packet count is exhausted, [`Error::TooManyStreams`] for a new SSRC past the bound.
    #[inline]
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let Some(packet) = buf.get(..len) else {
            return Err(Error::BufferTooSmall {
                needed: len + self.srtp_overhead(),
            });
        };
        let hdr = RtpHeader::parse(packet)?;
        let (hdr_len, ssrc, seq) = (hdr.header_len(), hdr.ssrc().0, hdr.sequence_number().0);
        let m = self.keys.mki_len;
        let needed = len + self.layout.srtp_tag + m;
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        if self.keys.slots[self.active].srtp_used >= SRTP_KEY_LIMIT {
            return Err(Error::LimitReached);
        }
        let n = self.streams.len();
        let stream = self.streams.get_mut(&ssrc);
        let index = match stream.as_deref() {
            Some(s) => {
                let i = estimate(s.sent.top(), s.first_roc, seq)?;
                s.sent.check(i)?;
                i
            }
            None if n >= self.config.max_streams => return Err(Error::TooManyStreams),
            None if self.retired.blocks(ssrc, &self.keys) => return Err(Error::KeyReuse),
            None => seq as u64,
        };
        let slot = &mut self.keys.slots[self.active];
        let out = slot
            .cipher
            .protect_rtp(buf, hdr_len, len, ssrc, index, &slot.mki[..m])?;
        slot.srtp_used += 1;
        match stream {
            Some(s) => s.sent.commit(index),
            None => {
                let mut s = SendStream {
                    sent: ReplayWindow::new(self.config.replay_window)?,
                    first_roc: 0,
                    srtcp_last: 0,
                };
                s.sent.commit(index);
                self.streams.insert(ssrc, s);
            }
        }
        Ok(out)
    }

    /// Protect the RTCP packet `buf[..len]` in place (always encrypted, E = 1); `buf` must have
    /// room for [`SrtpSender::srtcp_overhead`] more bytes. Returns the SRTCP packet length.
    ///
    /// Errors as [`SrtpSender::protect_rtp`]; [`Error::LimitReached`] once the SSRC's SRTCP
    /// index would pass 2^31 − 1.
    #[inline]
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let Some(packet) = buf.get(..len) else {
            return Err(Error::BufferTooSmall {
                needed: len + self.srtcp_overhead(),
            });
        };
        let ssrc = RtcpHeader::parse(packet)?.ssrc().0;
        let m = self.keys.mki_len;
        let needed = len + self.layout.srtcp_tag + 4 + m;
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        if self.keys.slots[self.active].srtcp_used >= SRTCP_KEY_LIMIT {
            return Err(Error::LimitReached);
        }
        let n = self.streams.len();
        let stream = self.streams.get_mut(&ssrc);
        let last = match stream.as_deref() {
            Some(s) => s.srtcp_last,
            None if n >= self.config.max_streams => return Err(Error::TooManyStreams),
            None if self.retired.blocks(ssrc, &self.keys) => return Err(Error::KeyReuse),
            None => 0,
        };
        let slot = &mut self.keys.slots[self.active];
        if last >= SRTCP_INDEX_MAX {
            return Err(Error::LimitReached);
        }
        let index = last + 1;
        let out = slot
            .cipher
            .protect_rtcp(buf, len, ssrc, index, &slot.mki[..m])?;
        slot.srtcp_used += 1;
        match stream {
            Some(s) => s.srtcp_last = index,
            None => {
                self.streams.insert(
                    ssrc,
                    SendStream {
                        sent: ReplayWindow::new(self.config.replay_window)?,
                        first_roc: 0,
                        srtcp_last: index,
                    },
                );
            }
        }
        Ok(out)
    }

    /// [`SrtpSender::protect_rtp`] into a new `Vec`.
    pub fn protect_rtp_vec(&mut self, packet: &[u8]) -> Result<Vec<u8>> {
        let mut v = vec![0u8; packet.len() + self.srtp_overhead()];
        v[..packet.len()].copy_from_slice(packet);
        let n = self.protect_rtp(&mut v, packet.len())?;
        v.truncate(n);
        Ok(v)
    }

    /// [`SrtpSender::protect_rtcp`] into a new `Vec`.
    pub fn protect_rtcp_vec(&mut self, packet: &[u8]) -> Result<Vec<u8>> {
        let mut v = vec![0u8; packet.len() + self.srtcp_overhead()];
        v[..packet.len()].copy_from_slice(packet);
        let n = self.protect_rtcp(&mut v, packet.len())?;
        v.truncate(n);
        Ok(v)
    }

    /// Replace the master key (contexts without MKI), keeping every SSRC's index, ROC, used
    /// indices and SRTCP index. The new key's packet counts start at zero. A key of another
    /// suite, or a context with MKI, is [`Error::InvalidConfig`] (use
    /// [`SrtpSender::add_key`] and [`SrtpSender::set_active_key`] there).
    pub fn rekey(&mut self, key: &SrtpMasterKey) -> Result<()> {
        crate::secret::scrubbed(|| {
            if self.keys.mki_len != 0 {
                return Err(Error::InvalidConfig);
            }
            let c = self.keys.cipher_for(key)?;
            self.keys.replace_single(c)?;
            self.active = 0;
            self.retired.purge(&self.keys);
            Ok(())
        })
    }

    /// Add a master key under `mki` (contexts with MKI). It is not used until
    /// [`SrtpSender::set_active_key`] selects it. A duplicate MKI, an MKI that does not fit in
    /// `mki_len` bytes, a key of another suite or more than 16 keys: [`Error::InvalidConfig`].
    pub fn add_key(&mut self, mki: Mki, key: &SrtpMasterKey) -> Result<()> {
        crate::secret::scrubbed(|| {
            let c = self.keys.cipher_for(key)?;
            self.keys.add(mki, c).map(|_| ())
        })
    }

    /// Drop the key named `mki` (see [`SrtpReceiver::remove_key`] for what is wiped).
    /// The active key cannot be removed ([`Error::InvalidConfig`]); an unknown MKI is
    /// [`Error::UnknownKey`].
    pub fn remove_key(&mut self, mki: Mki) -> Result<()> {
        let i = self.keys.find(mki)?;
        if i == self.active {
            return Err(Error::InvalidConfig);
        }
        drop(self.keys.slots.remove(i));
        wipe_spare(&mut self.keys.slots);
        if i < self.active {
            self.active -= 1;
        }
        self.retired.purge(&self.keys);
        Ok(())
    }

    /// Derive and check a key for [`SrtpSender::switch_key`] without touching the sender.
    pub(crate) fn prepare_key(&self, mki: Mki, key: &SrtpMasterKey) -> Result<PreparedKey> {
        crate::secret::scrubbed(|| {
            let c = self.keys.cipher_for(key)?;
            Ok(PreparedKey(self.keys.check_add(mki, c)?))
        })
    }

    /// Add a prepared key, protect with it from now on, and drop every other key. Cannot fail:
    /// the key was checked against the ring by [`SrtpSender::prepare_key`] and nothing was
    /// added since.
    pub(crate) fn switch_key(&mut self, key: PreparedKey) {
        self.keys.slots.clear();
        wipe_spare(&mut self.keys.slots);
        self.keys.push(key.0);
        self.active = 0;
        self.retired.purge(&self.keys);
    }

    /// Protect from now on with the key named `mki` ([`Error::UnknownKey`] if none).
    pub fn set_active_key(&mut self, mki: Mki) -> Result<()> {
        self.active = self.keys.find(mki)?;
        Ok(())
    }

    /// The MKI of the key packets are protected with, for contexts with MKI.
    pub fn active_key(&self) -> Option<Mki> {
        (self.keys.mki_len != 0).then(|| self.keys.mki_of(self.active))
    }

    /// "Rekey soon": the active key has protected at least [`SrtpConfig::soft_limit`] SRTP
    /// packets, or at least `min(soft_limit, 2^31 − 2^20)` SRTCP packets. Past 2^48 SRTP or
    /// 2^31 SRTCP packets under one key, protect fails with [`Error::LimitReached`].
    pub fn rekey_soon(&self) -> bool {
        let s = &self.keys.slots[self.active];
        s.srtp_used >= self.config.soft_limit
            || s.srtcp_used >= self.config.soft_limit.min(SRTCP_SOFT_LIMIT)
    }

    /// Start the stream `ssrc` at rollover counter `roc` (for a stream that continues one sent
    /// earlier). Only before its first RTP packet ([`Error::InvalidConfig`] after);
    /// [`Error::TooManyStreams`] past the bound.
    pub fn set_roc(&mut self, ssrc: Ssrc, roc: Roc) -> Result<()> {
        if let Some(s) = self.streams.get_mut(&ssrc.0) {
            if s.sent.top().is_some() {
                return Err(Error::InvalidConfig);
            }
            s.first_roc = roc.0;
            return Ok(());
        }
        if self.streams.len() >= self.config.max_streams {
            return Err(Error::TooManyStreams);
        }
        if self.retired.blocks(ssrc.0, &self.keys) {
            return Err(Error::KeyReuse);
        }
        let s = SendStream {
            sent: ReplayWindow::new(self.config.replay_window)?,
            first_roc: roc.0,
            srtcp_last: 0,
        };
        self.streams.insert(ssrc.0, s);
        Ok(())
    }

    /// The highest packet index sent on `ssrc`.
    pub fn highest_index(&self, ssrc: Ssrc) -> Option<PacketIndex> {
        self.streams.get(&ssrc.0)?.sent.top().map(PacketIndex)
    }

    /// The current rollover counter of `ssrc` (its first ROC before any packet).
    pub fn roc(&self, ssrc: Ssrc) -> Option<Roc> {
        let s = self.streams.get(&ssrc.0)?;
        Some(
            s.sent
                .top()
                .map_or(Roc(s.first_roc), |i| PacketIndex(i).roc()),
        )
    }

    /// The last SRTCP index sent on `ssrc`.
    pub fn srtcp_index(&self, ssrc: Ssrc) -> Option<SrtcpIndex> {
        let s = self.streams.get(&ssrc.0)?;
        (s.srtcp_last != 0).then_some(SrtcpIndex(s.srtcp_last))
    }

    /// Forget the stream `ssrc` (for example after its RTCP BYE); returns whether it existed.
    ///
    /// The SSRC may not start over under a key held now: its indices would begin again and
    /// repeat nonces. Until every key held at removal is gone ([`SrtpSender::rekey`], or
    /// [`SrtpSender::remove_key`] of each), protecting a packet of it is [`Error::KeyReuse`].
    /// The sender remembers at most [`SrtpConfig::max_streams`] removed SSRCs; past that,
    /// removing is [`Error::TooManyStreams`] and changes nothing.
    pub fn remove_stream(&mut self, ssrc: Ssrc) -> Result<bool> {
        if self.streams.get(&ssrc.0).is_none() {
            return Ok(false);
        }
        self.retired
            .record(ssrc.0, &self.keys, self.config.max_streams)?;
        Ok(self.streams.remove(&ssrc.0).is_some())
    }

    /// How many SSRCs the sender tracks.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    #[cfg(test)]
    pub(crate) fn streams_for_test(&mut self, ssrc: u32, f: impl FnOnce(&mut SendStream)) {
        f(self.streams.get_mut(&ssrc).unwrap())
    }
}
