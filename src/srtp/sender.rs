//! The sending side: [`SrtpSender`], its packet paths and active key, and its per-SSRC SRTCP
//! state.

use super::context::Context;
use super::cryptex::{self, CRYPTEX_OVERHEAD};
use super::hdrext;
use super::header::{RtcpHeader, RtpHeader};
use super::kdf::SessionKeys;
use super::keyring::PreparedKey;
use super::streams::SrtcpState;
#[cfg(doc)]
use super::SrtpReceiver;
use super::{Mki, SrtpConfig};
use crate::error::{Error, Result};
use crate::secret::SrtpMasterKey;
use crate::types::{PacketIndex, Roc, SrtcpIndex, SrtpSuite, Ssrc};
use core::fmt;

/// Packets one master key may protect with SRTCP, and the largest SRTCP index + 1.
const SRTCP_KEY_LIMIT: u64 = 1 << 31;
/// The largest SRTCP index.
const SRTCP_INDEX_MAX: u32 = (1 << 31) - 1;
/// Where the SRTCP side of [`SrtpSender::rekey_soon`] starts (1M packets before the limit).
const SRTCP_SOFT_LIMIT: u64 = SRTCP_KEY_LIMIT - (1 << 20);

/// Per-SSRC SRTCP state of the sender.
pub(crate) struct SendRtcp {
    /// The last SRTCP index used; 0 before the first (libsrtp numbers from 1).
    pub(crate) srtcp_last: u32,
}

impl SrtcpState for SendRtcp {
    fn start(_window: u32) -> Result<Self> {
        Ok(SendRtcp { srtcp_last: 0 })
    }

    fn srtcp_index(&self) -> Option<SrtcpIndex> {
        (self.srtcp_last != 0).then_some(SrtcpIndex(self.srtcp_last))
    }
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
///
/// # Example
///
/// ```
/// use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
/// use callseal::{SrtpMasterKey, SrtpSuite};
///
/// let suite = SrtpSuite::AeadAes128Gcm;
/// let key = SrtpMasterKey::new(suite, &[1; 16], &[2; 12])?; // from DTLS-SRTP or SDES
/// let mut tx = SrtpSender::new(&key, SrtpConfig::default())?;
/// let mut rx = SrtpReceiver::new(&key, SrtpConfig::default())?;
///
/// // An RTP packet in a buffer with room for the trailer.
/// let rtp = [0x80, 111, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe, b'h', b'i'];
/// let mut buf = [0u8; 14 + 16];
/// buf[..14].copy_from_slice(&rtp);
/// let n = tx.protect_rtp(&mut buf, 14)?;
/// assert_eq!(n, 14 + suite.srtp_overhead());
/// assert_eq!(rx.unprotect_rtp(&mut buf[..n])?, &rtp[..]);
/// # Ok::<(), callseal::Error>(())
/// ```
pub struct SrtpSender {
    ctx: Context<SendRtcp>,
    /// Where in the key ring the key that protects is.
    active: usize,
}

impl fmt::Debug for SrtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ctx.debug("SrtpSender", f)
    }
}

impl SrtpSender {
    /// A sender with one master key and no MKI (`config.mki_len` must be 0).
    pub fn new(key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        let ctx = Context::new(key, config)?;
        Ok(SrtpSender { ctx, active: 0 })
    }

    /// A sender with MKI (`config.mki_len` 1..=4) whose first, active key is `key` named `mki`.
    pub fn new_with_mki(mki: Mki, key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            let mut ctx = Context::with_mki(key.suite(), config)?;
            let c = ctx.keys.cipher_for(key)?;
            ctx.keys.add(mki, c)?;
            Ok(SrtpSender { ctx, active: 0 })
        })
    }

    /// A sender keyed with session keys directly, skipping the key derivation (no MKI).
    pub fn from_session_keys(keys: &SessionKeys, config: SrtpConfig) -> Result<Self> {
        let ctx = Context::from_session_keys(keys, config)?;
        Ok(SrtpSender { ctx, active: 0 })
    }

    /// The suite.
    pub fn suite(&self) -> SrtpSuite {
        self.ctx.keys.suite
    }

    /// The configuration.
    pub fn config(&self) -> &SrtpConfig {
        &self.ctx.config
    }

    /// The most bytes [`SrtpSender::protect_rtp`] adds: the suite's tag plus the MKI (with
    /// [`SrtpConfig::rcc`] mode 3, the 4-byte ROC in place of the tag).
    pub fn srtp_overhead(&self) -> usize {
        let cryptex = if self.ctx.config.cryptex {
            CRYPTEX_OVERHEAD
        } else {
            0
        };
        self.ctx.layout.srtp_max_tag + self.ctx.keys.mki_len + cryptex
    }

    /// The most bytes [`SrtpSender::protect_rtcp`] adds: tag, E‖index word and MKI.
    pub fn srtcp_overhead(&self) -> usize {
        self.ctx.keys.suite.srtcp_overhead() + self.ctx.keys.mki_len
    }

    /// Protect the RTP packet `buf[..len]` in place; `buf` must have room for
    /// [`SrtpSender::srtp_overhead`] more bytes. Returns the length of the SRTP packet.
    ///
    /// Errors (nothing changes, `buf` is untouched): [`Error::BufferTooSmall`],
    /// [`Error::Malformed`] for a bad header, [`Error::Replay`] / [`Error::TooOld`] for an index
    /// already used or behind the window, [`Error::LimitReached`] when the stream's index is
    /// exhausted, [`Error::KeyExpired`] when the key has protected its lifetime's worth of
    /// packets (2^48 unless [`SrtpMasterKey::with_lifetime`] says fewer),
    /// [`Error::TooManyStreams`] for a new SSRC past the bound.
    #[inline]
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let Some(packet) = buf.get(..len) else {
            return Err(Error::BufferTooSmall {
                needed: len + self.srtp_overhead(),
            });
        };
        let hdr = RtpHeader::parse(packet)?;
        let (hdr_len, ssrc, seq) = (hdr.header_len(), hdr.ssrc().0, hdr.sequence_number().0);
        let ctx = &mut self.ctx;
        let m = ctx.keys.mki_len;
        let needed = len + ctx.layout.srtp_max_tag + m;
        let needed = needed
            + if ctx.config.cryptex {
                CRYPTEX_OVERHEAD
            } else {
                0
            };
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let slot = &ctx.keys.slots[self.active];
        if slot.srtp_used >= slot.lifetime {
            return Err(Error::KeyExpired);
        }
        let stream = ctx.streams.entry(ssrc, &ctx.keys)?;
        let index = stream.rtp_index(seq)?;
        let slot = &mut ctx.keys.slots[self.active];
        let mki = &slot.mki[..m];
        let ids = ctx.config.encrypted_extensions;
        let ext = match ids.is_empty() {
            true => None,
            false => hdrext::block(&buf[..len]),
        };
        if let Some(b) = ext {
            hdrext::check(buf, b, ids)?;
            slot.cipher.crypt_extensions(buf, b, ids, ssrc, index);
        }
        let prepared = match ctx.config.cryptex {
            true => cryptex::prepare(buf, len)?,
            false => None,
        };
        let out = match (ctx.layout.rcc, prepared) {
            (_, Some((len, ext_at))) => {
                let tag = ctx.layout.srtp_tag;
                slot.cipher
                    .protect_rtp_cryptex(buf, ext_at, len, ssrc, index, mki, tag)?
            }
            (None, None) => slot
                .cipher
                .protect_rtp(buf, hdr_len, len, ssrc, index, mki)?,
            (Some(rcc), None) => {
                let t = rcc.trailer(seq, ctx.layout.srtp_tag);
                slot.cipher
                    .protect_rtp_rcc(buf, hdr_len, len, ssrc, index, mki, t)?
            }
        };
        slot.srtp_used += 1;
        stream.or_start()?.rtp.commit(index);
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
        let ctx = &mut self.ctx;
        let m = ctx.keys.mki_len;
        let needed = len + ctx.layout.srtcp_tag + 4 + m;
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let slot = &ctx.keys.slots[self.active];
        if slot.srtcp_used >= slot.lifetime {
            return Err(Error::KeyExpired);
        }
        if slot.srtcp_used >= SRTCP_KEY_LIMIT {
            return Err(Error::LimitReached);
        }
        let stream = ctx.streams.entry(ssrc, &ctx.keys)?;
        let last = stream.get().map_or(0, |s| s.rtcp.srtcp_last);
        let slot = &mut ctx.keys.slots[self.active];
        if last >= SRTCP_INDEX_MAX {
            return Err(Error::LimitReached);
        }
        let index = last + 1;
        let out = slot
            .cipher
            .protect_rtcp(buf, len, ssrc, index, &slot.mki[..m])?;
        slot.srtcp_used += 1;
        stream.or_start()?.rtcp.srtcp_last = index;
        Ok(out)
    }

    /// [`SrtpSender::protect_rtp`] into a new `Vec`.
    pub fn protect_rtp_vec(&mut self, packet: &[u8]) -> Result<Vec<u8>> {
        self.protect_vec(packet, self.srtp_overhead(), Self::protect_rtp)
    }

    /// [`SrtpSender::protect_rtcp`] into a new `Vec`.
    pub fn protect_rtcp_vec(&mut self, packet: &[u8]) -> Result<Vec<u8>> {
        self.protect_vec(packet, self.srtcp_overhead(), Self::protect_rtcp)
    }

    /// `protect` of `packet` copied into a new `Vec` with room for `overhead` more bytes.
    fn protect_vec(
        &mut self,
        packet: &[u8],
        overhead: usize,
        protect: impl FnOnce(&mut Self, &mut [u8], usize) -> Result<usize>,
    ) -> Result<Vec<u8>> {
        let mut v = vec![0u8; packet.len() + overhead];
        v[..packet.len()].copy_from_slice(packet);
        let n = protect(self, &mut v, packet.len())?;
        v.truncate(n);
        Ok(v)
    }

    /// Replace the master key (contexts without MKI), keeping every SSRC's index, ROC, used
    /// indices and SRTCP index. The new key's packet counts start at zero. A key of another
    /// suite is [`Error::SuiteMismatch`]; on a context with MKI it is [`Error::MkiMismatch`] (use
    /// [`SrtpSender::add_key`] and [`SrtpSender::set_active_key`] there).
    pub fn rekey(&mut self, key: &SrtpMasterKey) -> Result<()> {
        self.ctx.rekey(key)?;
        self.active = 0;
        Ok(())
    }

    /// Add a master key under `mki` (contexts with MKI). It is not used until
    /// [`SrtpSender::set_active_key`] selects it. A duplicate MKI, an MKI that does not fit in
    /// Errors: [`Error::DuplicateMki`], [`Error::MkiTooLong`] (the MKI does not fit in
    /// `mki_len` bytes), [`Error::SuiteMismatch`], [`Error::TooManyKeys`] (more than 16), and
    /// [`Error::MkiMismatch`] on a context without MKI.
    pub fn add_key(&mut self, mki: Mki, key: &SrtpMasterKey) -> Result<()> {
        self.ctx.add_key(mki, key)
    }

    /// Drop the key named `mki` (see [`SrtpReceiver::remove_key`] for what is wiped).
    /// The active key cannot be removed ([`Error::RemoveActiveKey`]); an unknown MKI is
    /// [`Error::UnknownKey`].
    pub fn remove_key(&mut self, mki: Mki) -> Result<()> {
        let i = self.ctx.keys.find(mki)?;
        if i == self.active {
            return Err(Error::RemoveActiveKey);
        }
        self.ctx.remove_key_at(i);
        if i < self.active {
            self.active -= 1;
        }
        Ok(())
    }

    /// Derive and check a key for [`SrtpSender::switch_key`] without touching the sender.
    pub(crate) fn prepare_key(&self, mki: Mki, key: &SrtpMasterKey) -> Result<PreparedKey> {
        self.ctx.prepare_key(mki, key)
    }

    /// Add a prepared key, protect with it from now on, and drop every other key. Cannot fail:
    /// the key was checked against the ring by [`SrtpSender::prepare_key`] and nothing was
    /// added since.
    pub(crate) fn switch_key(&mut self, key: PreparedKey) {
        self.ctx.keys.clear();
        self.ctx.keys.push(key.0);
        self.active = 0;
        self.ctx.streams.purge_retired(&self.ctx.keys);
    }

    /// Protect from now on with the key named `mki` ([`Error::UnknownKey`] if none).
    pub fn set_active_key(&mut self, mki: Mki) -> Result<()> {
        self.active = self.ctx.keys.find(mki)?;
        Ok(())
    }

    /// The MKI of the key packets are protected with, for contexts with MKI.
    pub fn active_key(&self) -> Option<Mki> {
        (self.ctx.keys.mki_len != 0).then(|| self.ctx.keys.mki_of(self.active))
    }

    /// "Rekey soon": the active key has protected at least `min(soft_limit, lifetime −
    /// lifetime/16)` SRTP packets, or at least `min(soft_limit, 2^31 − 2^20, lifetime −
    /// lifetime/16)` SRTCP packets ([`SrtpConfig::soft_limit`],
    /// [`SrtpMasterKey::with_lifetime`]). Once the key has protected its lifetime's worth of
    /// SRTP or of SRTCP packets (2^48 by default), protect fails with [`Error::KeyExpired`];
    /// past 2^31 SRTCP packets with [`Error::LimitReached`].
    pub fn rekey_soon(&self) -> bool {
        let s = &self.ctx.keys.slots[self.active];
        let soft = self.ctx.config.soft_limit.min(s.lifetime - s.lifetime / 16);
        s.srtp_used >= soft || s.srtcp_used >= soft.min(SRTCP_SOFT_LIMIT)
    }

    /// Start the stream `ssrc` at rollover counter `roc` (for a stream that continues one sent
    /// earlier). Only before its first RTP packet ([`Error::StreamStarted`] after);
    /// [`Error::TooManyStreams`] past the bound.
    pub fn set_roc(&mut self, ssrc: Ssrc, roc: Roc) -> Result<()> {
        self.ctx.set_roc(ssrc, roc)
    }

    /// The highest packet index sent on `ssrc`.
    pub fn highest_index(&self, ssrc: Ssrc) -> Option<PacketIndex> {
        self.ctx.highest_index(ssrc)
    }

    /// The current rollover counter of `ssrc` (its first ROC before any packet).
    pub fn roc(&self, ssrc: Ssrc) -> Option<Roc> {
        self.ctx.roc(ssrc)
    }

    /// The last SRTCP index sent on `ssrc`.
    pub fn srtcp_index(&self, ssrc: Ssrc) -> Option<SrtcpIndex> {
        self.ctx.srtcp_index(ssrc)
    }

    /// Forget the stream `ssrc` (for example after its RTCP BYE); returns whether it existed.
    ///
    /// The SSRC may not start over under a key held now: its indices would begin again and
    /// repeat nonces. Until every key held at removal is gone ([`SrtpSender::rekey`], or
    /// [`SrtpSender::remove_key`] of each), protecting a packet of it is [`Error::KeyReuse`].
    /// The sender remembers at most [`SrtpConfig::max_streams`] removed SSRCs; past that,
    /// removing is [`Error::TooManyStreams`] and changes nothing.
    pub fn remove_stream(&mut self, ssrc: Ssrc) -> Result<bool> {
        self.ctx.remove_stream(ssrc)
    }

    /// How many SSRCs the sender tracks.
    pub fn stream_count(&self) -> usize {
        self.ctx.streams.len()
    }

    #[cfg(test)]
    pub(crate) fn streams_for_test(&mut self, ssrc: u32, f: impl FnOnce(&mut SendRtcp)) {
        let Ok(super::streams::Entry::Occupied(s)) = self.ctx.streams.entry(ssrc, &self.ctx.keys)
        else {
            panic!("no stream {ssrc}");
        };
        f(&mut s.rtcp)
    }
}
