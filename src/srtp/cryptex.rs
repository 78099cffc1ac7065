//! Cryptex (RFC 9335): the RTP header extensions and the CSRCs encrypted with the payload.
//!
//! ```text
//! header (12) | CSRCs | 0xC0DE or 0xC2DE | length | extension body | payload | [MKI] tag
//!               ^^^^^   (4 bytes, in the clear)      ^^^^^^^^^^^^^^^^^^^^^^^^ encrypted
//! ```
//!
//! The encrypted bytes are the CSRCs, the extension body and the payload, as one stream (the
//! 4-byte extension header in between takes no keystream); with AES-GCM the 12-byte fixed
//! header and the extension header are the associated data. A packet with CSRCs and no
//! extension gets an empty one (`0xC0DE 0000`), so the receiver knows its CSRCs are encrypted:
//! that is the 4 bytes of [`CRYPTEX_OVERHEAD`].
//!
//! Both ciphers see contiguous bytes: the extension header is moved in front of the CSRCs,
//! the packet is protected with a 16-byte "header", and the bytes are moved back. No copy of
//! the packet is made and nothing is allocated.

use super::cipher::KeyCipher;
use super::header::RTP_FIXED_HEADER_LEN;
use crate::error::{Malformed, Result};

/// The most bytes cryptex adds to a packet: the empty extension of a packet with CSRCs only.
pub const CRYPTEX_OVERHEAD: usize = 4;
const GCM_TAG_LEN: usize = 16;
/// RFC 8285 one-byte and two-byte extension profiles, and RFC 9335's encrypted forms.
const ONE_BYTE: u16 = 0xbede;
const TWO_BYTE: u16 = 0x1000;
const CRYPTEX_ONE_BYTE: u16 = 0xc0de;
const CRYPTEX_TWO_BYTE: u16 = 0xc2de;

/// The plain profile of a cryptex extension profile, if it is one.
#[inline]
pub(super) fn decrypted_profile(profile: u16) -> Option<u16> {
    match profile {
        CRYPTEX_ONE_BYTE => Some(ONE_BYTE),
        CRYPTEX_TWO_BYTE => Some(TWO_BYTE),
        _ => None,
    }
}

/// Make the RTP packet `buf[..len]` ready for cryptex: an empty extension for CSRCs without
/// one, the extension profile replaced by its encrypted form. Returns the new length and
/// where the extension header starts. The caller checked that `buf` holds 4 more bytes.
/// A packet without CSRCs or extension is returned as it is (`None`); an extension that is
/// not RFC 8285's one- or two-byte form is [`Malformed::Field`], as RFC 9335 §5.1 requires.
pub(super) fn prepare(buf: &mut [u8], len: usize) -> Result<Option<(usize, usize)>> {
    let cc = (buf[0] & 0x0f) as usize;
    let ext_at = RTP_FIXED_HEADER_LEN + 4 * cc;
    if buf[0] & 0x10 == 0 {
        if cc == 0 {
            return Ok(None);
        }
        buf.copy_within(ext_at..len, ext_at + 4);
        buf[ext_at..ext_at + 4].copy_from_slice(&[0xc0, 0xde, 0, 0]);
        buf[0] |= 0x10;
        return Ok(Some((len + 4, ext_at)));
    }
    let profile = u16::from_be_bytes([buf[ext_at], buf[ext_at + 1]]);
    let encrypted = match profile {
        ONE_BYTE => CRYPTEX_ONE_BYTE,
        TWO_BYTE => CRYPTEX_TWO_BYTE,
        _ => return Err(Malformed::Field.into()),
    };
    buf[ext_at..ext_at + 2].copy_from_slice(&encrypted.to_be_bytes());
    Ok(Some((len, ext_at)))
}

/// Move the 4-byte extension header at `ext_at` in front of the CSRCs (`front`), or back.
#[inline]
fn rotate(buf: &mut [u8], ext_at: usize, front: bool) {
    let region = &mut buf[RTP_FIXED_HEADER_LEN..ext_at + 4];
    if front {
        region.rotate_right(4);
    } else {
        region.rotate_left(4);
    }
}

/// The first byte after the fixed header and the moved extension header.
const MOVED: usize = RTP_FIXED_HEADER_LEN + 4;

impl KeyCipher {
    /// Protect the prepared packet `buf[..len]` (extension header at `ext_at`) with cryptex and
    /// append MKI and tag in the suite's layout. The caller checked the room.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn protect_rtp_cryptex(
        &self,
        buf: &mut [u8],
        ext_at: usize,
        len: usize,
        ssrc: u32,
        index: u64,
        mki: &[u8],
        tag_len: usize,
    ) -> Result<usize> {
        rotate(buf, ext_at, true);
        match self {
            KeyCipher::Gcm(k) => {
                let r = k.seal_rtp(buf, MOVED, len, ssrc, index);
                rotate(buf, ext_at, false);
                r?;
                let at = len + GCM_TAG_LEN;
                buf[at..at + mki.len()].copy_from_slice(mki);
                Ok(at + mki.len())
            }
            KeyCipher::Cm(k) => {
                k.rtp_crypt(&mut buf[MOVED..len], ssrc, index);
                rotate(buf, ext_at, false);
                let full = k.rtp_tag(&buf[..len], (index >> 16) as u32);
                let m = mki.len();
                buf[len..len + m].copy_from_slice(mki);
                buf[len + m..len + m + tag_len].copy_from_slice(&full[..tag_len]);
                Ok(len + m + tag_len)
            }
        }
    }

    /// Authenticate and decrypt the cryptex packet `buf` whose RTP part is `buf[..body]`
    /// (extension header at `ext_at`), and give the extension back its plain profile. With
    /// AES-CM the tag is checked first and `buf` is untouched on failure; with AES-GCM the
    /// encrypted bytes are unspecified on failure, as for any AES-GCM packet.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn unprotect_rtp_cryptex(
        &self,
        buf: &mut [u8],
        ext_at: usize,
        body: usize,
        ssrc: u32,
        index: u64,
        tag_len: usize,
        plain_profile: u16,
    ) -> Result<()> {
        match self {
            KeyCipher::Gcm(k) => {
                rotate(buf, ext_at, true);
                let r = k.open_rtp(buf, MOVED, body, ssrc, index);
                rotate(buf, ext_at, false);
                r?;
            }
            KeyCipher::Cm(k) => {
                let tag = &buf[buf.len() - tag_len..];
                k.verify_rtp(&buf[..body], (index >> 16) as u32, tag)?;
                rotate(buf, ext_at, true);
                k.rtp_crypt(&mut buf[MOVED..body], ssrc, index);
                rotate(buf, ext_at, false);
            }
        }
        buf[ext_at..ext_at + 2].copy_from_slice(&plain_profile.to_be_bytes());
        Ok(())
    }
}
