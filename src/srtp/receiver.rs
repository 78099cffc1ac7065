//! The receiving side: [`SrtpReceiver`], its packet paths and key list, and its per-SSRC SRTCP
//! state (a replay window).

use super::cipher::SRTCP_E_BIT;
use super::context::Context;
use super::cryptex::decrypted_profile;
use super::hdrext;
use super::header::{RtcpHeader, RtpHeader, RTCP_HEADER_LEN, RTP_FIXED_HEADER_LEN};
use super::kdf::SessionKeys;
use super::keyring::PreparedKey;
use super::streams::SrtcpState;
#[cfg(doc)]
use super::SrtpSender;
use super::{Mki, Rcc, SrtpConfig};
#[cfg(doc)]
use crate::error::Error;
use crate::error::{Malformed, Result};
use crate::replay::ReplayWindow;
use crate::secret::SrtpMasterKey;
use crate::types::{PacketIndex, Roc, SrtcpIndex, SrtpSuite, Ssrc};
use core::fmt;

/// Per-SSRC SRTCP state of the receiver: the replay window of the SRTCP indices.
impl SrtcpState for ReplayWindow {
    fn start(window: u32) -> Result<Self> {
        ReplayWindow::new(window)
    }

    fn srtcp_index(&self) -> Option<SrtcpIndex> {
        self.top().map(|i| SrtcpIndex(i as u32))
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
///
/// # Example
///
/// A replayed packet and a forged one are refused; neither changes the receiver.
///
/// ```
/// use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
/// use callseal::{Error, SrtpMasterKey, SrtpSuite};
///
/// let key = SrtpMasterKey::new(SrtpSuite::AesCm128HmacSha1_80, &[3; 16], &[4; 14])?;
/// let mut tx = SrtpSender::new(&key, SrtpConfig::default())?;
/// let mut rx = SrtpReceiver::new(&key, SrtpConfig::default())?;
/// let rtp = [0x80, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3];
/// let srtp = tx.protect_rtp_vec(&rtp)?;
///
/// let mut forged = srtp.clone();
/// forged[13] ^= 1;
/// assert_eq!(rx.unprotect_rtp(&mut forged).unwrap_err(), Error::Authentication);
/// assert_eq!(rx.unprotect_rtp_vec(&srtp)?, rtp);
/// assert_eq!(rx.unprotect_rtp_vec(&srtp), Err(Error::Replay));
/// # Ok::<(), callseal::Error>(())
/// ```
pub struct SrtpReceiver {
    ctx: Context<ReplayWindow>,
}

impl fmt::Debug for SrtpReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ctx.debug("SrtpReceiver", f)
    }
}

impl SrtpReceiver {
    /// A receiver with one master key and no MKI (`config.mki_len` must be 0).
    pub fn new(key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        Context::new(key, config).map(|ctx| SrtpReceiver { ctx })
    }

    /// A receiver with MKI (`config.mki_len` 1..=4) and no key yet: add them with
    /// [`SrtpReceiver::add_key`]. Until then every packet is [`Error::UnknownKey`].
    pub fn new_with_mki(suite: SrtpSuite, config: SrtpConfig) -> Result<Self> {
        Context::with_mki(suite, config).map(|ctx| SrtpReceiver { ctx })
    }

    /// A receiver keyed with session keys directly, skipping the key derivation (no MKI).
    pub fn from_session_keys(keys: &SessionKeys, config: SrtpConfig) -> Result<Self> {
        Context::from_session_keys(keys, config).map(|ctx| SrtpReceiver { ctx })
    }

    /// The suite.
    pub fn suite(&self) -> SrtpSuite {
        self.ctx.keys.suite
    }

    /// The configuration.
    pub fn config(&self) -> &SrtpConfig {
        &self.ctx.config
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
        if let Some(rcc) = self.ctx.layout.rcc {
            return self.unprotect_rtp_rcc(buf, rcc);
        }
        let ctx = &mut self.ctx;
        let total = buf.len();
        let m = ctx.keys.mki_len;
        let trailer = ctx.layout.srtp_tag + m;
        if total < RTP_FIXED_HEADER_LEN + trailer {
            return Err(Malformed::Truncated.into());
        }
        let hdr = RtpHeader::parse(&buf[..total - trailer])?;
        let (hdr_len, ssrc, seq) = (hdr.header_len(), hdr.ssrc().0, hdr.sequence_number().0);
        let cryptex = match ctx.config.cryptex {
            true => hdr.extension_profile().and_then(decrypted_profile),
            false => None,
        };
        let ext_at = RTP_FIXED_HEADER_LEN + 4 * hdr.csrc_count() as usize;
        let ids = ctx.config.encrypted_extensions;
        let ext = match ids.is_empty() {
            true => None,
            false => hdrext::block(&buf[..total - trailer]),
        };
        if let Some(b) = ext {
            hdrext::check(buf, b, ids)?;
        }
        let mki_at = ctx.layout.srtp_mki_at(total, m);
        let slot = ctx.keys.for_packet(&buf[mki_at..mki_at + m])?;
        let stream = ctx.streams.entry(ssrc, &ctx.keys)?;
        let index = stream.rtp_index(seq)?;
        let plain = match cryptex {
            None => slot.cipher.unprotect_rtp(buf, hdr_len, ssrc, index, m)?,
            Some(profile) => {
                let body = total - trailer;
                let tag = ctx.layout.srtp_tag;
                slot.cipher
                    .unprotect_rtp_cryptex(buf, ext_at, body, ssrc, index, tag, profile)?;
                body
            }
        };
        if let Some(b) = ext {
            slot.cipher.crypt_extensions(buf, b, ids, ssrc, index);
        }
        stream.or_start()?.rtp.commit(index);
        Ok(&mut buf[..plain])
    }

    /// [`SrtpReceiver::unprotect_rtp`] with the ROC carried in band: a packet that carries it
    /// is placed by that ROC, the others as usual; the replay check comes first, the state
    /// changes only once the packet is accepted.
    fn unprotect_rtp_rcc<'a>(&mut self, buf: &'a mut [u8], rcc: Rcc) -> Result<&'a mut [u8]> {
        let ctx = &mut self.ctx;
        let total = buf.len();
        let m = ctx.keys.mki_len;
        if total < RTP_FIXED_HEADER_LEN {
            return Err(Malformed::Truncated.into());
        }
        let seq = u16::from_be_bytes([buf[2], buf[3]]);
        let t = rcc.trailer(seq, ctx.layout.srtp_tag);
        if total < RTP_FIXED_HEADER_LEN + m + t.len() {
            return Err(Malformed::Truncated.into());
        }
        let body = total - m - t.len();
        let hdr = RtpHeader::parse(&buf[..body])?;
        let (hdr_len, ssrc) = (hdr.header_len(), hdr.ssrc().0);
        let slot = ctx.keys.for_packet(&buf[body..body + m])?;
        let stream = ctx.streams.entry(ssrc, &ctx.keys)?;
        let index = if t.roc {
            let at = body + m;
            let roc = u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
            let i = ((roc as u64) << 16) | seq as u64;
            stream.check_index(i)?;
            i
        } else {
            stream.rtp_index(seq)?
        };
        slot.cipher
            .unprotect_rtp_rcc(buf, hdr_len, body, ssrc, index, t)?;
        stream.or_start()?.rtp.commit(index);
        Ok(&mut buf[..body])
    }

    /// Unprotect the SRTCP packet that fills `buf`, in place; returns the RTCP packet. Packets
    /// sent unencrypted (E = 0) are authenticated and returned as they are.
    ///
    /// Errors as [`SrtpReceiver::unprotect_rtp`], with the replay window over the SRTCP index.
    #[inline]
    pub fn unprotect_rtcp<'a>(&mut self, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
        let ctx = &mut self.ctx;
        let total = buf.len();
        let m = ctx.keys.mki_len;
        if total < RTCP_HEADER_LEN + 4 + ctx.layout.srtcp_tag + m {
            return Err(Malformed::Truncated.into());
        }
        let ssrc = RtcpHeader::parse(buf)?.ssrc().0;
        let mki_at = ctx.layout.srtcp_mki_at(total, m);
        let slot = ctx.keys.for_packet(&buf[mki_at..mki_at + m])?;
        let w = ctx.layout.srtcp_word_at(total, m);
        let word = u32::from_be_bytes([buf[w], buf[w + 1], buf[w + 2], buf[w + 3]]);
        let index = (word & !SRTCP_E_BIT) as u64;
        let stream = ctx.streams.entry(ssrc, &ctx.keys)?;
        if let Some(s) = stream.get() {
            s.rtcp.check(index)?;
        }
        let plain = slot.cipher.unprotect_rtcp(buf, ssrc, word, m)?;
        stream.or_start()?.rtcp.commit(index);
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
    /// windows. A key of another suite is [`Error::SuiteMismatch`]; on a context with MKI,
    /// [`Error::MkiMismatch`].
    pub fn rekey(&mut self, key: &SrtpMasterKey) -> Result<()> {
        self.ctx.rekey(key)
    }

    /// Accept packets whose MKI is `mki` with this key (contexts with MKI). Streams keep one
    /// ROC and replay state across all keys. Errors as [`SrtpSender::add_key`].
    pub fn add_key(&mut self, mki: Mki, key: &SrtpMasterKey) -> Result<()> {
        self.ctx.add_key(mki, key)
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
        let i = self.ctx.keys.find(mki)?;
        self.ctx.remove_key_at(i);
        Ok(())
    }

    /// Derive and check a key for [`SrtpReceiver::commit_key`] without touching the receiver.
    pub(crate) fn prepare_key(&self, mki: Mki, key: &SrtpMasterKey) -> Result<PreparedKey> {
        self.ctx.prepare_key(mki, key)
    }

    /// Add a key from [`SrtpReceiver::prepare_key`]; nothing may have been added in between.
    pub(crate) fn commit_key(&mut self, key: PreparedKey) {
        self.ctx.keys.push(key.0);
    }

    /// How many keys are held.
    pub fn key_count(&self) -> usize {
        self.ctx.keys.slots.len()
    }

    /// The MKIs of the keys held, in the order they were added.
    pub fn keys(&self) -> impl Iterator<Item = Mki> + '_ {
        (0..self.ctx.keys.slots.len()).map(|i| self.ctx.keys.mki_of(i))
    }

    /// Expect the stream `ssrc` to start at rollover counter `roc` (joining a stream sent
    /// earlier). Only before its first RTP packet ([`Error::StreamStarted`] after);
    /// [`Error::TooManyStreams`] past the bound.
    pub fn set_roc(&mut self, ssrc: Ssrc, roc: Roc) -> Result<()> {
        self.ctx.set_roc(ssrc, roc)
    }

    /// The highest packet index received on `ssrc`.
    pub fn highest_index(&self, ssrc: Ssrc) -> Option<PacketIndex> {
        self.ctx.highest_index(ssrc)
    }

    /// The current rollover counter of `ssrc`.
    pub fn roc(&self, ssrc: Ssrc) -> Option<Roc> {
        self.ctx.roc(ssrc)
    }

    /// The highest SRTCP index received on `ssrc`.
    pub fn srtcp_index(&self, ssrc: Ssrc) -> Option<SrtcpIndex> {
        self.ctx.srtcp_index(ssrc)
    }

    /// Forget the stream `ssrc`; returns whether it existed.
    ///
    /// The SSRC may not start over under a key held now: a fresh replay window would accept
    /// its old packets again. Until every key held at removal is gone, its packets are
    /// [`Error::KeyReuse`]. At most [`SrtpConfig::max_streams`] removed SSRCs are remembered;
    /// past that, removing is [`Error::TooManyStreams`] and changes nothing.
    pub fn remove_stream(&mut self, ssrc: Ssrc) -> Result<bool> {
        self.ctx.remove_stream(ssrc)
    }

    /// How many SSRCs the receiver tracks.
    pub fn stream_count(&self) -> usize {
        self.ctx.streams.len()
    }
}
