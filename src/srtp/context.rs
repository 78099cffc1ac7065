//! The SRTP/SRTCP sender and receiver contexts.

use super::cipher::{KeyCipher, Layout, SRTCP_E_BIT};
use super::header::{RtcpHeader, RtpHeader, RTCP_HEADER_LEN, RTP_FIXED_HEADER_LEN};
use super::index::estimate;
use super::kdf::SessionKeys;
use super::keyring::{KeyRing, PreparedKey};
use super::streams::{Retired, StreamMap};
use super::{Mki, SrtpConfig};
use crate::error::{Error, Malformed, Result};
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

/// Per-SSRC state of the receiver.
struct RecvStream {
    rtp: ReplayWindow,
    first_roc: u32,
    rtcp: ReplayWindow,
}

fn mki_len_checked(config: &SrtpConfig, with_mki: bool) -> Result<()> {
    config.validate()?;
    if with_mki != (config.mki_len != 0) {
        return Err(Error::InvalidConfig);
    }
    Ok(())
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

/// The receiving side of SRTP and SRTCP: unprotects the packets of every remote SSRC.
///
/// A packet from an unknown SSRC is processed with a fresh state (index = SEQ, ROC 0, or the
/// ROC given with [`SrtpReceiver::set_roc`]) and its state is created only once it
/// authenticated, so forged packets cannot fill the table.
///
/// Each unprotect follows *screen, authenticate, then record*: the packet index is estimated
/// (RFC 3711 Appendix A) and checked against the SSRC's replay window before any cryptography,
/// and the window and ROC move only after the tag verified. After any error the receiver's
/// state is exactly as before.
///
/// What an error leaves in the caller's buffer: with the AES-CM suites the tag is verified
/// before decryption, so the buffer is untouched. With the AES-GCM suites an authentication
/// failure comes from ring's `open`, which overwrites the encrypted payload with zeros (the
/// header, tag and MKI are left alone); keep a copy if a failed packet must be retried. Errors
/// found before the cipher runs (parse, replay, unknown key, too many streams) never touch the
/// buffer.
pub struct SrtpReceiver {
    config: SrtpConfig,
    layout: Layout,
    keys: KeyRing,
    streams: StreamMap<RecvStream>,
    retired: Retired,
}

impl fmt::Debug for SrtpReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpReceiver")
            .field("suite", &self.keys.suite)
            .field("config", &self.config)
            .field("keys", &self.keys.slots.len())
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

impl SrtpReceiver {
    fn empty(suite: SrtpSuite, config: SrtpConfig) -> Self {
        let mut streams = StreamMap::default();
        streams.reserve(config.max_streams.min(16));
        SrtpReceiver {
            layout: Layout::new(suite),
            keys: KeyRing::new(suite, config.mki_len),
            streams,
            retired: Retired::default(),
            config,
        }
    }

    /// A receiver with one master key and no MKI (`config.mki_len` must be 0).
    pub fn new(key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            mki_len_checked(&config, false)?;
            let mut s = Self::empty(key.suite(), config);
            let c = s.keys.cipher_for(key)?;
            s.keys.replace_single(c)?;
            Ok(s)
        })
    }

    /// A receiver with MKI (`config.mki_len` 1..=4) and no key yet: add them with
    /// [`SrtpReceiver::add_key`]. Until then every packet is [`Error::UnknownKey`].
    pub fn new_with_mki(suite: SrtpSuite, config: SrtpConfig) -> Result<Self> {
        mki_len_checked(&config, true)?;
        Ok(Self::empty(suite, config))
    }

    /// A receiver keyed with session keys directly, skipping the key derivation (no MKI).
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

    /// Unprotect the SRTP packet that fills `buf`, in place; returns the RTP packet (a prefix
    /// of `buf`).
    ///
    /// Errors: [`Error::Malformed`], [`Error::UnknownKey`] (MKI names no key),
    /// [`Error::Replay`], [`Error::TooOld`], [`Error::LimitReached`] (the index would pass
    /// 2^48 − 1), [`Error::TooManyStreams`], [`Error::Authentication`]. See the type's
    /// documentation for what an error leaves in `buf`.
    #[inline]
    pub fn unprotect_rtp<'a>(&mut self, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
        let total = buf.len();
        let m = self.keys.mki_len;
        let trailer = self.layout.srtp_tag + m;
        if total < RTP_FIXED_HEADER_LEN + trailer {
            return Err(Malformed::Truncated.into());
        }
        let hdr = RtpHeader::parse(&buf[..total - trailer])?;
        let (hdr_len, ssrc, seq) = (hdr.header_len(), hdr.ssrc().0, hdr.sequence_number().0);
        let mki_at = self.layout.srtp_mki_at(total, m);
        let slot = self.keys.for_packet(&buf[mki_at..mki_at + m])?;
        let n = self.streams.len();
        let stream = self.streams.get_mut(&ssrc);
        let index = match stream.as_deref() {
            Some(s) => {
                let i = estimate(s.rtp.top(), s.first_roc, seq)?;
                s.rtp.check(i)?;
                i
            }
            None if n >= self.config.max_streams => return Err(Error::TooManyStreams),
            None if self.retired.blocks(ssrc, &self.keys) => return Err(Error::KeyReuse),
            None => seq as u64,
        };
        let plain = slot.cipher.unprotect_rtp(buf, hdr_len, ssrc, index, m)?;
        match stream {
            Some(s) => s.rtp.commit(index),
            None => {
                let mut s = RecvStream {
                    rtp: ReplayWindow::new(self.config.replay_window)?,
                    first_roc: 0,
                    rtcp: ReplayWindow::new(self.config.replay_window)?,
                };
                s.rtp.commit(index);
                self.streams.insert(ssrc, s);
            }
        }
        Ok(&mut buf[..plain])
    }

    /// Unprotect the SRTCP packet that fills `buf`, in place; returns the RTCP packet. Packets
    /// sent unencrypted (E = 0) are authenticated and returned as they are.
    ///
    /// Errors as [`SrtpReceiver::unprotect_rtp`], with the replay window over the SRTCP index.
    #[inline]
    pub fn unprotect_rtcp<'a>(&mut self, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
        let total = buf.len();
        let m = self.keys.mki_len;
        if total < RTCP_HEADER_LEN + 4 + self.layout.srtcp_tag + m {
            return Err(Malformed::Truncated.into());
        }
        let ssrc = RtcpHeader::parse(buf)?.ssrc().0;
        let mki_at = self.layout.srtcp_mki_at(total, m);
        let slot = self.keys.for_packet(&buf[mki_at..mki_at + m])?;
        let w = self.layout.srtcp_word_at(total, m);
        let word = u32::from_be_bytes([buf[w], buf[w + 1], buf[w + 2], buf[w + 3]]);
        let index = (word & !SRTCP_E_BIT) as u64;
        let n = self.streams.len();
        let stream = self.streams.get_mut(&ssrc);
        match stream.as_deref() {
            Some(s) => s.rtcp.check(index)?,
            None if n >= self.config.max_streams => return Err(Error::TooManyStreams),
            None if self.retired.blocks(ssrc, &self.keys) => return Err(Error::KeyReuse),
            None => {}
        }
        let plain = slot.cipher.unprotect_rtcp(buf, ssrc, word, m)?;
        match stream {
            Some(s) => s.rtcp.commit(index),
            None => {
                let mut s = RecvStream {
                    rtp: ReplayWindow::new(self.config.replay_window)?,
                    first_roc: 0,
                    rtcp: ReplayWindow::new(self.config.replay_window)?,
                };
                s.rtcp.commit(index);
                self.streams.insert(ssrc, s);
            }
        }
        Ok(&mut buf[..plain])
    }

    /// [`SrtpReceiver::unprotect_rtp`] of a copy, into a new `Vec`; `packet` is never changed.
    pub fn unprotect_rtp_vec(&mut self, packet: &[u8]) -> Result<Vec<u8>> {
        let mut v = packet.to_vec();
        let n = self.unprotect_rtp(&mut v)?.len();
        v.truncate(n);
        Ok(v)
    }

    /// [`SrtpReceiver::unprotect_rtcp`] of a copy, into a new `Vec`.
    pub fn unprotect_rtcp_vec(&mut self, packet: &[u8]) -> Result<Vec<u8>> {
        let mut v = packet.to_vec();
        let n = self.unprotect_rtcp(&mut v)?.len();
        v.truncate(n);
        Ok(v)
    }

    /// Replace the master key (contexts without MKI), keeping every SSRC's ROC and replay
    /// windows. A key of another suite, or a context with MKI, is [`Error::InvalidConfig`].
    pub fn rekey(&mut self, key: &SrtpMasterKey) -> Result<()> {
        crate::secret::scrubbed(|| {
            if self.keys.mki_len != 0 {
                return Err(Error::InvalidConfig);
            }
            let c = self.keys.cipher_for(key)?;
            self.keys.replace_single(c)?;
            self.retired.purge(&self.keys);
            Ok(())
        })
    }

    /// Accept packets whose MKI is `mki` with this key (contexts with MKI). Streams keep one
    /// ROC and replay state across all keys. Errors as [`SrtpSender::add_key`].
    pub fn add_key(&mut self, mki: Mki, key: &SrtpMasterKey) -> Result<()> {
        crate::secret::scrubbed(|| {
            let c = self.keys.cipher_for(key)?;
            self.keys.add(mki, c).map(|_| ())
        })
    }

    /// Stop accepting the key named `mki` (then [`Error::UnknownKey`]); its cipher contexts and
    /// derived keys are dropped.
    ///
    /// What is wiped: the session keys are derived into buffers that live only while the
    /// cipher contexts are built and are zeroized then; every cipher context is wiped in place
    /// before its memory is freed: the AES-CM key schedules by the `aes` crate (its `zeroize`
    /// feature), ring's AES-GCM key schedules and GHASH tables and the keyed HMAC-SHA1 states
    /// by callseal (overwritten with those of an all-zero key), and the session salts. The same
    /// holds for the key that [`SrtpReceiver::rekey`] replaces.
    pub fn remove_key(&mut self, mki: Mki) -> Result<()> {
        let i = self.keys.find(mki)?;
        drop(self.keys.slots.remove(i));
        wipe_spare(&mut self.keys.slots);
        self.retired.purge(&self.keys);
        Ok(())
    }

    /// Derive and check a key for [`SrtpReceiver::commit_key`] without touching the receiver.
    pub(crate) fn prepare_key(&self, mki: Mki, key: &SrtpMasterKey) -> Result<PreparedKey> {
        crate::secret::scrubbed(|| {
            let c = self.keys.cipher_for(key)?;
            Ok(PreparedKey(self.keys.check_add(mki, c)?))
        })
    }

    /// Add a key from [`SrtpReceiver::prepare_key`]; nothing may have been added in between.
    pub(crate) fn commit_key(&mut self, key: PreparedKey) {
        self.keys.push(key.0);
    }

    /// How many keys are held.
    pub fn key_count(&self) -> usize {
        self.keys.slots.len()
    }

    /// The MKIs of the keys held, in the order they were added.
    pub fn keys(&self) -> impl Iterator<Item = Mki> + '_ {
        (0..self.keys.slots.len()).map(|i| self.keys.mki_of(i))
    }

    /// Expect the stream `ssrc` to start at rollover counter `roc` (joining a stream sent
    /// earlier). Only before its first RTP packet ([`Error::InvalidConfig`] after);
    /// [`Error::TooManyStreams`] past the bound.
    pub fn set_roc(&mut self, ssrc: Ssrc, roc: Roc) -> Result<()> {
        if let Some(s) = self.streams.get_mut(&ssrc.0) {
            if s.rtp.top().is_some() {
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
        let s = RecvStream {
            rtp: ReplayWindow::new(self.config.replay_window)?,
            first_roc: roc.0,
            rtcp: ReplayWindow::new(self.config.replay_window)?,
        };
        self.streams.insert(ssrc.0, s);
        Ok(())
    }

    /// The highest packet index received on `ssrc`.
    pub fn highest_index(&self, ssrc: Ssrc) -> Option<PacketIndex> {
        self.streams.get(&ssrc.0)?.rtp.top().map(PacketIndex)
    }

    /// The current rollover counter of `ssrc`.
    pub fn roc(&self, ssrc: Ssrc) -> Option<Roc> {
        let s = self.streams.get(&ssrc.0)?;
        Some(
            s.rtp
                .top()
                .map_or(Roc(s.first_roc), |i| PacketIndex(i).roc()),
        )
    }

    /// The highest SRTCP index received on `ssrc`.
    pub fn srtcp_index(&self, ssrc: Ssrc) -> Option<SrtcpIndex> {
        self.streams
            .get(&ssrc.0)?
            .rtcp
            .top()
            .map(|i| SrtcpIndex(i as u32))
    }

    /// Forget the stream `ssrc`; returns whether it existed.
    ///
    /// The SSRC may not start over under a key held now: a fresh replay window would accept
    /// its old packets again. Until every key held at removal is gone, its packets are
    /// [`Error::KeyReuse`]. At most [`SrtpConfig::max_streams`] removed SSRCs are remembered;
    /// past that, removing is [`Error::TooManyStreams`] and changes nothing.
    pub fn remove_stream(&mut self, ssrc: Ssrc) -> Result<bool> {
        if self.streams.get(&ssrc.0).is_none() {
            return Ok(false);
        }
        self.retired
            .record(ssrc.0, &self.keys, self.config.max_streams)?;
        Ok(self.streams.remove(&ssrc.0).is_some())
    }

    /// How many SSRCs the receiver tracks.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }
}
