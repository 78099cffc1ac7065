//! The rollover counter carried in band (RFC 4771, "RCC"): every R-th SRTP packet (sequence
//! number ≡ 0 mod R) carries the sender's ROC in its tag, so a receiver that joins late, or
//! missed a wrap, resynchronises without signalling.
//!
//! ```text
//! ROC-carrying packet (SEQ mod R = 0), AES-CM: header | encrypted payload | MKI | ROC (4) | MAC_tr
//! ```
//!
//! `MAC_tr` is the HMAC-SHA1 of the authenticated portion ‖ ROC, as always, cut to the suite's
//! tag length less the 4 ROC bytes, so the tag keeps its length. The three modes differ in
//! what the other packets carry and in what is authenticated:
//!
//! | mode | SEQ mod R = 0 | other packets |
//! |---|---|---|
//! | [`RccMode::Mode1`] | ROC ‖ MAC_tr | the suite's full tag |
//! | [`RccMode::Mode2`] | ROC ‖ MAC_tr | no tag: **not authenticated** |
//! | [`RccMode::Mode3`] | ROC alone | no tag: **nothing is authenticated** |
//!
//! Modes 2 and 3 give up integrity protection (RFC 4771 §4 allows them where the transport or
//! the application protects integrity otherwise); a forged packet of theirs is accepted, and in
//! mode 3 a forged ROC is taken as it is. RCC applies to SRTP only (SRTCP carries its index in
//! every packet) and only to the HMAC-SHA1 suites; modes 1 and 2 need a tag longer than the
//! ROC, so not the _32 suites.

use super::cipher::KeyCipher;
use crate::error::{Error, Result};
use crate::types::SrtpSuite;

/// Length of the ROC carried in a tag.
pub(super) const ROC_LEN: usize = 4;

/// An RFC 4771 transform mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RccMode {
    /// RCCm1: every packet is authenticated; every R-th carries the ROC in its tag.
    Mode1,
    /// RCCm2: only the packets that carry the ROC are authenticated; the others have no tag.
    Mode2,
    /// RCCm3: no packet is authenticated; every R-th carries the ROC as its tag.
    Mode3,
}

/// The ROC carried in band: the mode and the rate R (every packet whose sequence number is a
/// multiple of R carries the ROC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rcc {
    /// The transform mode.
    pub mode: RccMode,
    /// R, 1..=65535: the packets with SEQ mod R = 0 carry the ROC.
    pub rate: u16,
}

impl Rcc {
    /// Whether `suite` can carry the ROC in this mode: an HMAC-SHA1 suite, with a tag longer
    /// than the ROC for modes 1 and 2; and R is not 0.
    pub(super) fn check(self, suite: SrtpSuite) -> Result<()> {
        let tag = suite.srtp_tag_len();
        let ok =
            self.rate != 0 && !suite.is_aead() && (self.mode == RccMode::Mode3 || tag > ROC_LEN);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidConfig)
        }
    }

    /// What a packet with sequence number `seq` carries after its MKI: whether the ROC, and
    /// how many bytes of MAC.
    #[inline]
    pub(super) fn trailer(self, seq: u16, tag_len: usize) -> Trailer {
        let carries = seq % self.rate == 0;
        let mac = match (self.mode, carries) {
            (RccMode::Mode1, false) => tag_len,
            (RccMode::Mode1 | RccMode::Mode2, true) => tag_len - ROC_LEN,
            (RccMode::Mode2 | RccMode::Mode3, false) | (RccMode::Mode3, true) => 0,
        };
        Trailer { roc: carries, mac }
    }

    /// The most bytes a tag takes (without MKI).
    pub(super) fn max_tag(self, tag_len: usize) -> usize {
        match self.mode {
            RccMode::Mode1 | RccMode::Mode2 => tag_len,
            RccMode::Mode3 => ROC_LEN,
        }
    }
}

/// The tag of one packet under RCC.
#[derive(Clone, Copy)]
pub(super) struct Trailer {
    /// It carries the ROC.
    pub(super) roc: bool,
    /// Bytes of MAC after it (0: not authenticated).
    pub(super) mac: usize,
}

impl Trailer {
    /// Bytes after the MKI.
    #[inline]
    pub(super) fn len(self) -> usize {
        self.mac + if self.roc { ROC_LEN } else { 0 }
    }
}

impl KeyCipher {
    /// Protect the RTP packet `buf[..len]` in place with the RCC trailer `t`: encrypt, then
    /// MKI, the ROC if carried, and the MAC over the packet ‖ ROC cut to `t.mac` bytes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn protect_rtp_rcc(
        &self,
        buf: &mut [u8],
        hdr_len: usize,
        len: usize,
        ssrc: u32,
        index: u64,
        mki: &[u8],
        t: Trailer,
    ) -> Result<usize> {
        let KeyCipher::Cm(k) = self else {
            return Err(Error::InvalidConfig);
        };
        let roc = (index >> 16) as u32;
        k.rtp_crypt(&mut buf[hdr_len..len], ssrc, index);
        let mut at = len;
        buf[at..at + mki.len()].copy_from_slice(mki);
        at += mki.len();
        if t.roc {
            buf[at..at + ROC_LEN].copy_from_slice(&roc.to_be_bytes());
            at += ROC_LEN;
        }
        if t.mac > 0 {
            let full = k.rtp_tag(&buf[..len], roc);
            buf[at..at + t.mac].copy_from_slice(&full[..t.mac]);
            at += t.mac;
        }
        Ok(at)
    }

    /// Authenticate (when `t.mac` > 0) and decrypt the SRTP packet `buf` in place, whose RTP
    /// part is `buf[..body]`, at packet index `index`. `buf` is untouched on failure.
    pub(super) fn unprotect_rtp_rcc(
        &self,
        buf: &mut [u8],
        hdr_len: usize,
        body: usize,
        ssrc: u32,
        index: u64,
        t: Trailer,
    ) -> Result<()> {
        let KeyCipher::Cm(k) = self else {
            return Err(Error::InvalidConfig);
        };
        if t.mac > 0 {
            let tag = &buf[buf.len() - t.mac..];
            k.verify_rtp(&buf[..body], (index >> 16) as u32, tag)?;
        }
        k.rtp_crypt(&mut buf[hdr_len..body], ssrc, index);
        Ok(())
    }
}
