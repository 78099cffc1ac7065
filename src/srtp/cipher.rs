//! The per-key cipher contexts of the suites, built once per master key, and the packet
//! transforms on caller-owned buffers.
//!
//! Protected packet layouts (`m` is the MKI length, 0 without MKI):
//!
//! ```text
//! SRTP   AES-CM : header | encrypted payload | MKI (m) | tag (10 or 4)       RFC 3711 §3.1
//! SRTP   AES-GCM: header | encrypted payload | tag (16) | MKI (m)            RFC 7714 §8, libsrtp
//! SRTCP  AES-CM : header (8) | encrypted rest | E‖index | MKI (m) | tag (10)  RFC 3711 §3.4
//! SRTCP  AES-GCM: header (8) | encrypted rest | tag (16) | E‖index | MKI (m)  RFC 7714 §9, libsrtp
//! ```

use super::hdrext::{Block, ExtensionIds, HeaderCipher};
use super::kdf::SessionKeys;
use super::rcc::Rcc;
use crate::crypto::{verify_truncated, Aes128Ctr, AesCtr, AesGcm, Backend, HmacSha1};
use crate::error::Result;
use crate::secret::Secret;
use crate::types::SrtpSuite;
use hmac::Mac;

/// The E flag of the SRTCP E‖index word.
pub(crate) const SRTCP_E_BIT: u32 = 0x8000_0000;
const GCM_TAG_LEN: usize = 16;
const RTCP_HDR: usize = super::header::RTCP_HEADER_LEN;

pub(crate) struct GcmKeys {
    pub(super) rtp: AesGcm,
    pub(super) rtp_salt: Secret<12>,
    rtcp: AesGcm,
    rtcp_salt: Secret<12>,
}

/// AES counter mode with the suite's key size, or the NULL cipher.
pub(crate) enum CmCipher {
    Aes128(Aes128Ctr),
    Aes192(AesCtr<aes::Aes192>),
    Aes256(AesCtr<aes::Aes256>),
    /// The NULL cipher of the NULL_HMAC_SHA1 suites: the payload stays as it is.
    Null,
}

impl CmCipher {
    fn new(suite: SrtpSuite, key: &[u8]) -> Result<Self> {
        if suite.is_null_cipher() {
            return Ok(CmCipher::Null);
        }
        Ok(match key.len() {
            32 => CmCipher::Aes256(AesCtr::new(key)?),
            24 => CmCipher::Aes192(AesCtr::new(key)?),
            _ => CmCipher::Aes128(AesCtr::new(key)?),
        })
    }

    /// XOR the keystream starting at counter block `iv` into `buf`.
    #[inline]
    pub(super) fn apply(&self, iv: &[u8; 16], buf: &mut [u8]) {
        match self {
            CmCipher::Aes128(c) => c.apply(iv, buf),
            CmCipher::Aes192(c) => c.apply(iv, buf),
            CmCipher::Aes256(c) => c.apply(iv, buf),
            CmCipher::Null => {}
        }
    }
}

pub(crate) struct CmKeys {
    pub(super) rtp: CmCipher,
    pub(super) rtp_salt: Secret<14>,
    pub(super) rtp_mac: HmacSha1,
    rtp_tag_len: usize,
    /// The RFC 6904 header extension cipher, when the context encrypts extensions.
    pub(super) header: Option<HeaderCipher>,
    rtcp: CmCipher,
    rtcp_salt: Secret<14>,
    rtcp_mac: HmacSha1,
}

impl GcmKeys {
    /// The RFC 7714 §8.1 nonce of the RTP packet `index`.
    #[inline]
    fn rtp_nonce(&self, ssrc: u32, index: u64) -> [u8; 12] {
        gcm_nonce(
            self.rtp_salt.expose(),
            ssrc,
            (index >> 16) as u32,
            index as u16,
        )
    }

    /// Seal `buf[aad..len]` in place with `buf[..aad]` as associated data and write the tag at
    /// `buf[len..]` (RFC 7714 §8.1 nonce of `index`).
    #[inline]
    pub(super) fn seal_rtp(
        &self,
        buf: &mut [u8],
        aad: usize,
        len: usize,
        ssrc: u32,
        index: u64,
    ) -> Result<()> {
        let nonce = self.rtp_nonce(ssrc, index);
        let (head, rest) = buf.split_at_mut(aad);
        let (payload, trailer) = rest.split_at_mut(len - aad);
        let tag: &mut [u8; GCM_TAG_LEN] = (&mut trailer[..GCM_TAG_LEN])
            .try_into()
            .expect("the trailer holds the tag");
        self.rtp.seal_to(nonce, head, payload, tag)
    }

    /// Open `buf[aad..body]` in place with `buf[..aad]` as associated data and the tag at
    /// `buf[body..]`.
    #[inline]
    pub(super) fn open_rtp(
        &self,
        buf: &mut [u8],
        aad: usize,
        body: usize,
        ssrc: u32,
        index: u64,
    ) -> Result<()> {
        let nonce = self.rtp_nonce(ssrc, index);
        let (head, rest) = buf.split_at_mut(aad);
        let (payload, trailer) = rest.split_at_mut(body - aad);
        self.rtp.open(nonce, head, payload, &trailer[..GCM_TAG_LEN])
    }
}

impl CmKeys {
    /// XOR the RTP keystream of `index` (RFC 3711 §4.1.1) into `data`.
    #[inline]
    pub(super) fn rtp_crypt(&self, data: &mut [u8], ssrc: u32, index: u64) {
        self.rtp
            .apply(&cm_iv(self.rtp_salt.expose(), ssrc, index), data);
    }

    /// The HMAC-SHA1 state over `packet` ‖ ROC (RFC 3711 §4.2).
    #[inline]
    fn rtp_mac_over(&self, packet: &[u8], roc: u32) -> hmac::Hmac<sha1::Sha1> {
        let mut mac = self.rtp_mac.start();
        mac.update(packet);
        mac.update(&roc.to_be_bytes());
        mac
    }

    /// The HMAC-SHA1 of `packet` ‖ ROC.
    #[inline]
    pub(super) fn rtp_tag(&self, packet: &[u8], roc: u32) -> [u8; 20] {
        self.rtp_mac_over(packet, roc)
            .finalize()
            .into_bytes()
            .into()
    }

    /// Check `tag` (a prefix of the HMAC-SHA1 of `packet` ‖ ROC) in constant time.
    #[inline]
    pub(super) fn verify_rtp(&self, packet: &[u8], roc: u32, tag: &[u8]) -> Result<()> {
        verify_truncated(self.rtp_mac_over(packet, roc), tag)
    }
}

/// The cipher contexts of one master key. Held in the context's key list (on the heap), so the
/// variants' sizes do not matter; boxing would add an indirection per packet.
#[allow(clippy::large_enum_variant)]
pub(crate) enum KeyCipher {
    Gcm(GcmKeys),
    Cm(CmKeys),
}

/// RFC 3711 §4.1.1 counter block: `(salt * 2^16) ^ (SSRC * 2^64) ^ (index * 2^16)`.
#[inline]
pub(super) fn cm_iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    let s = ssrc.to_be_bytes();
    for i in 0..4 {
        iv[4 + i] ^= s[i];
    }
    let x = (index << 16).to_be_bytes();
    for i in 0..6 {
        iv[8 + i] ^= x[i];
    }
    iv
}

/// RFC 7714 §8.1 / §9.1 nonce: `(0x0000 ‖ SSRC ‖ word1 ‖ word2) ^ salt`.
#[inline]
pub(crate) fn gcm_nonce(salt: &[u8; 12], ssrc: u32, mid: u32, low: u16) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[2..6].copy_from_slice(&ssrc.to_be_bytes());
    n[6..10].copy_from_slice(&mid.to_be_bytes());
    n[10..12].copy_from_slice(&low.to_be_bytes());
    for (b, s) in n.iter_mut().zip(salt) {
        *b ^= s;
    }
    n
}

impl KeyCipher {
    pub(crate) fn new(keys: &SessionKeys, backend: Backend, header_ext: bool) -> Result<Self> {
        let suite = keys.suite();
        let header = match (header_ext, keys.srtp_header_key_and_salt()) {
            (false, _) => None,
            (true, Some((k, s))) if !suite.is_aead() => Some(HeaderCipher {
                cipher: CmCipher::new(suite, k)?,
                salt: Secret::from_slice(s)?,
            }),
            (true, _) => return Err(crate::error::Error::InvalidConfig),
        };
        if suite.is_aead() {
            Ok(KeyCipher::Gcm(GcmKeys {
                rtp: AesGcm::new(keys.dangerous_srtp_key(), backend)?,
                rtp_salt: Secret::from_slice(keys.dangerous_srtp_salt())?,
                rtcp: AesGcm::new(keys.dangerous_srtcp_key(), backend)?,
                rtcp_salt: Secret::from_slice(keys.dangerous_srtcp_salt())?,
            }))
        } else {
            Ok(KeyCipher::Cm(CmKeys {
                rtp: CmCipher::new(suite, keys.dangerous_srtp_key())?,
                rtp_salt: Secret::from_slice(keys.dangerous_srtp_salt())?,
                rtp_mac: HmacSha1::new(keys.dangerous_srtp_auth_key()),
                rtp_tag_len: suite.srtp_tag_len(),
                header,
                rtcp: CmCipher::new(suite, keys.dangerous_srtcp_key())?,
                rtcp_salt: Secret::from_slice(keys.dangerous_srtcp_salt())?,
                rtcp_mac: HmacSha1::new(keys.dangerous_srtcp_auth_key()),
            }))
        }
    }

    /// XOR the RFC 6904 keystream into the chosen elements of the extension block `b` (checked
    /// by the caller); nothing for a key without a header extension cipher.
    #[inline]
    pub(crate) fn crypt_extensions(
        &self,
        buf: &mut [u8],
        b: Block,
        ids: ExtensionIds,
        ssrc: u32,
        index: u64,
    ) {
        if let KeyCipher::Cm(CmKeys {
            header: Some(h), ..
        }) = self
        {
            h.apply(buf, b, ids, ssrc, index);
        }
    }

    /// Protect the RTP packet `buf[..len]` (header `hdr_len` bytes) in place and append the
    /// trailer. The caller has checked that `buf` holds `len + tag + mki.len()` bytes.
    #[inline]
    pub(crate) fn protect_rtp(
        &self,
        buf: &mut [u8],
        hdr_len: usize,
        len: usize,
        ssrc: u32,
        index: u64,
        mki: &[u8],
    ) -> Result<usize> {
        match self {
            KeyCipher::Gcm(k) => {
                k.seal_rtp(buf, hdr_len, len, ssrc, index)?;
                let at = len + GCM_TAG_LEN;
                buf[at..at + mki.len()].copy_from_slice(mki);
                Ok(at + mki.len())
            }
            KeyCipher::Cm(k) => {
                k.rtp_crypt(&mut buf[hdr_len..len], ssrc, index);
                let full = k.rtp_tag(&buf[..len], (index >> 16) as u32);
                let m = mki.len();
                buf[len..len + m].copy_from_slice(mki);
                buf[len + m..len + m + k.rtp_tag_len].copy_from_slice(&full[..k.rtp_tag_len]);
                Ok(len + m + k.rtp_tag_len)
            }
        }
    }

    /// Authenticate and decrypt the SRTP packet `buf` (its whole length) in place; returns the
    /// length of the RTP packet. With AES-CM the tag is checked before anything is decrypted,
    /// so `buf` is untouched on failure; with AES-GCM ring's open leaves the payload bytes
    /// unspecified on failure.
    #[inline]
    pub(crate) fn unprotect_rtp(
        &self,
        buf: &mut [u8],
        hdr_len: usize,
        ssrc: u32,
        index: u64,
        mki_len: usize,
    ) -> Result<usize> {
        let total = buf.len();
        match self {
            KeyCipher::Gcm(k) => {
                let body = total - mki_len - GCM_TAG_LEN;
                k.open_rtp(buf, hdr_len, body, ssrc, index)?;
                Ok(body)
            }
            KeyCipher::Cm(k) => {
                let body = total - mki_len - k.rtp_tag_len;
                let tag = &buf[total - k.rtp_tag_len..];
                k.verify_rtp(&buf[..body], (index >> 16) as u32, tag)?;
                k.rtp_crypt(&mut buf[hdr_len..body], ssrc, index);
                Ok(body)
            }
        }
    }

    /// Protect the RTCP packet `buf[..len]` in place with SRTCP index `index` (E = 1; E = 0
    /// with the NULL cipher) and append the trailer. The caller has checked the room.
    #[inline]
    pub(crate) fn protect_rtcp(
        &self,
        buf: &mut [u8],
        len: usize,
        ssrc: u32,
        index: u32,
        mki: &[u8],
    ) -> Result<usize> {
        let word = (SRTCP_E_BIT | index).to_be_bytes();
        let m = mki.len();
        match self {
            KeyCipher::Gcm(k) => {
                let nonce = gcm_nonce(k.rtcp_salt.expose(), ssrc, 0, 0);
                // The index sits in the last four nonce bytes: 0x0000 ‖ SSRC ‖ 0x0000 ‖ index.
                let nonce = xor_tail(nonce, index);
                let mut aad = [0u8; RTCP_HDR + 4];
                aad[..RTCP_HDR].copy_from_slice(&buf[..RTCP_HDR]);
                aad[RTCP_HDR..].copy_from_slice(&word);
                let tag = k.rtcp.seal(nonce, &aad, &mut buf[RTCP_HDR..len])?;
                buf[len..len + GCM_TAG_LEN].copy_from_slice(&tag);
                buf[len + GCM_TAG_LEN..len + GCM_TAG_LEN + 4].copy_from_slice(&word);
                buf[len + GCM_TAG_LEN + 4..len + GCM_TAG_LEN + 4 + m].copy_from_slice(mki);
                Ok(len + GCM_TAG_LEN + 4 + m)
            }
            KeyCipher::Cm(k) => {
                // The NULL cipher sends E = 0: the packet is not encrypted (as libsrtp does).
                let word = match k.rtcp {
                    CmCipher::Null => index.to_be_bytes(),
                    _ => word,
                };
                let iv = cm_iv(k.rtcp_salt.expose(), ssrc, index as u64);
                k.rtcp.apply(&iv, &mut buf[RTCP_HDR..len]);
                buf[len..len + 4].copy_from_slice(&word);
                let mut mac = k.rtcp_mac.start();
                mac.update(&buf[..len + 4]);
                let full = mac.finalize().into_bytes();
                buf[len + 4..len + 4 + m].copy_from_slice(mki);
                buf[len + 4 + m..len + 4 + m + 10].copy_from_slice(&full[..10]);
                Ok(len + 4 + m + 10)
            }
        }
    }

    /// Authenticate and (when E = 1) decrypt the SRTCP packet `buf` in place; `word` is its
    /// E‖index word, already read by the caller. Returns the RTCP packet length. With AES-CM
    /// and with E = 0, `buf` is untouched on failure; with AES-GCM and E = 1 ring's open leaves
    /// the encrypted bytes unspecified on failure.
    #[inline]
    pub(crate) fn unprotect_rtcp(
        &self,
        buf: &mut [u8],
        ssrc: u32,
        word: u32,
        mki_len: usize,
    ) -> Result<usize> {
        let total = buf.len();
        let index = word & !SRTCP_E_BIT;
        let encrypted = word & SRTCP_E_BIT != 0;
        match self {
            KeyCipher::Gcm(k) => {
                let word_at = total - mki_len - 4;
                let body = word_at - GCM_TAG_LEN;
                let nonce = xor_tail(gcm_nonce(k.rtcp_salt.expose(), ssrc, 0, 0), index);
                if encrypted {
                    let mut aad = [0u8; RTCP_HDR + 4];
                    aad[..RTCP_HDR].copy_from_slice(&buf[..RTCP_HDR]);
                    aad[RTCP_HDR..].copy_from_slice(&word.to_be_bytes());
                    let (payload, trailer) = buf[RTCP_HDR..].split_at_mut(body - RTCP_HDR);
                    k.rtcp.open(nonce, &aad, payload, &trailer[..GCM_TAG_LEN])?;
                } else {
                    // RFC 7714 §9.2, E = 0: the AAD is the whole RTCP packet followed by the
                    // E‖index word, and the tag sits between them on the wire. Move the word
                    // next to the packet for the check, then put the bytes back.
                    let mut tag = [0u8; GCM_TAG_LEN];
                    tag.copy_from_slice(&buf[body..word_at]);
                    buf.copy_within(word_at..word_at + 4, body);
                    let r = k.rtcp.open(nonce, &buf[..body + 4], &mut [], &tag);
                    buf.copy_within(body..body + 4, word_at);
                    buf[body..word_at].copy_from_slice(&tag);
                    r?;
                }
                Ok(body)
            }
            KeyCipher::Cm(k) => {
                let auth_end = total - mki_len - 10;
                let body = auth_end - 4;
                let mut mac = k.rtcp_mac.start();
                mac.update(&buf[..auth_end]);
                verify_truncated(mac, &buf[total - 10..])?;
                if encrypted {
                    let iv = cm_iv(k.rtcp_salt.expose(), ssrc, index as u64);
                    k.rtcp.apply(&iv, &mut buf[RTCP_HDR..body]);
                }
                Ok(body)
            }
        }
    }
}

#[inline]
pub(crate) fn xor_tail(mut nonce: [u8; 12], index: u32) -> [u8; 12] {
    for (b, x) in nonce[8..].iter_mut().zip(index.to_be_bytes()) {
        *b ^= x;
    }
    nonce
}

/// Where the MKI and the E‖index word sit in a protected packet of `total` bytes.
pub(crate) struct Layout {
    pub(crate) aead: bool,
    pub(crate) srtp_tag: usize,
    pub(crate) srtcp_tag: usize,
    /// The ROC carried in band, if it is.
    pub(crate) rcc: Option<Rcc>,
    /// The longest SRTP tag (without MKI): `srtp_tag`, or what RCC makes of it.
    pub(crate) srtp_max_tag: usize,
}

impl Layout {
    pub(crate) fn new(suite: SrtpSuite, rcc: Option<Rcc>) -> Self {
        let srtp_tag = suite.srtp_tag_len();
        Layout {
            aead: suite.is_aead(),
            srtp_tag,
            srtcp_tag: suite.srtcp_tag_len(),
            rcc,
            srtp_max_tag: rcc.map_or(srtp_tag, |r| r.max_tag(srtp_tag)),
        }
    }

    /// Start of the MKI in an SRTP packet (the caller checked `total >= tag + m`).
    #[inline]
    pub(crate) fn srtp_mki_at(&self, total: usize, m: usize) -> usize {
        if self.aead {
            total - m
        } else {
            total - m - self.srtp_tag
        }
    }

    /// Start of the MKI in an SRTCP packet (the caller checked the minimum length).
    #[inline]
    pub(crate) fn srtcp_mki_at(&self, total: usize, m: usize) -> usize {
        if self.aead {
            total - m
        } else {
            total - m - self.srtcp_tag
        }
    }

    /// Start of the E‖index word in an SRTCP packet.
    #[inline]
    pub(crate) fn srtcp_word_at(&self, total: usize, m: usize) -> usize {
        if self.aead {
            total - m - 4
        } else {
            total - m - self.srtcp_tag - 4
        }
    }
}
