//! Per-SSRC key derivation and the `a=sframe` SDP attribute of the draft.
//!
//! `ssrc_key = HKDF-Expand(HKDF-Extract(SSRC, base_key), "SFrame 1.0 RTP Stream", Nh)`: the
//! SSRC as 4 big-endian bytes is the salt of HKDF-Extract, the hash is the suite's (SHA-256,
//! or SHA-512 for AES-256-GCM), `Nh` its output length. The result is the base key the
//! stream's SFrame keys are then derived from (RFC 9605 `derive_key_salt`), so every stream
//! has keys of its own while all of them share one base key.

use crate::error::{Error, Malformed, Result};
use crate::types::{SframeSuite, Ssrc};
use core::fmt;
use hkdf::Hkdf;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

/// The HKDF-Expand label of the per-SSRC key.
pub const SSRC_KEY_LABEL: &[u8] = b"SFrame 1.0 RTP Stream";

/// A per-SSRC base key: `Nh` bytes (32, or 64 for the SHA-512 suite), zeroized on drop.
pub struct SsrcBaseKey {
    bytes: Zeroizing<[u8; 64]>,
    len: usize,
}

impl SsrcBaseKey {
    /// The key bytes. Dangerous: for test vectors and for handing the key to another SFrame
    /// implementation; never log or store them.
    pub fn dangerous_expose(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl fmt::Debug for SsrcBaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SsrcBaseKey({} bytes, redacted)", self.len)
    }
}

/// The per-SSRC base key of the stream `ssrc` under the session's `base_key`.
pub fn ssrc_base_key(suite: SframeSuite, base_key: &[u8], ssrc: Ssrc) -> SsrcBaseKey {
    let salt = ssrc.0.to_be_bytes();
    let mut key = SsrcBaseKey {
        bytes: Zeroizing::new([0u8; 64]),
        len: 32,
    };
    // Expanding Nh bytes from an Nh-byte PRK cannot fail.
    match suite {
        SframeSuite::Aes256GcmSha512_128 => {
            key.len = 64;
            let _ = Hkdf::<Sha512>::new(Some(&salt), base_key)
                .expand(SSRC_KEY_LABEL, &mut key.bytes[..]);
        }
        _ => {
            let _ = Hkdf::<Sha256>::new(Some(&salt), base_key)
                .expand(SSRC_KEY_LABEL, &mut key.bytes[..32]);
        }
    }
    key
}

/// The media-level SDP attribute that says an endpoint expects SFrame packets (it takes no
/// value).
pub const SFRAME_ATTRIBUTE: &str = "a=sframe";

/// Whether the media section `sdp` (its lines, as text) carries `a=sframe`.
/// [`Malformed::Field`] for an `a=sframe` with a value (`a=sframe:…`), which the draft does
/// not define. Lines may end in CRLF or LF.
pub fn parse_sframe_attribute(sdp: &str) -> Result<bool> {
    let mut found = false;
    for line in sdp.lines().map(str::trim_end) {
        if line == SFRAME_ATTRIBUTE {
            found = true;
        } else if line.starts_with("a=sframe:") {
            return Err(Error::Malformed(Malformed::Field));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute() {
        let video = "m=video 50002 RTP/SAVPF 100 101\r\na=sframe\r\na=rtpmap:100 H264/90000\r\n";
        assert_eq!(parse_sframe_attribute(video), Ok(true));
        assert_eq!(
            parse_sframe_attribute("m=audio 9 RTP/SAVPF 111\na=sframes\n"),
            Ok(false)
        );
        assert!(parse_sframe_attribute("a=sframe:1\n").is_err());
    }

    /// Values computed apart from this code (HMAC-based HKDF of RFC 5869 from Python's
    /// standard library), for the SHA-256 and the SHA-512 suites.
    #[test]
    fn each_ssrc_its_key() {
        let base: Vec<u8> = (0..16).collect();
        let a = ssrc_base_key(SframeSuite::Aes128GcmSha256_128, &base, Ssrc(0x1234_5678));
        assert_eq!(
            a.dangerous_expose(),
            hex("f309f118aecdacfbc165cc080022b297100bbb55e483b002d762000a0faa684d")
        );
        let b = ssrc_base_key(SframeSuite::Aes128GcmSha256_128, &base, Ssrc(0x1234_5679));
        assert_ne!(a.dangerous_expose(), b.dangerous_expose());
        let base: Vec<u8> = (0..32).collect();
        let c = ssrc_base_key(SframeSuite::Aes256GcmSha512_128, &base, Ssrc(0xdead_beef));
        assert_eq!(
            c.dangerous_expose(),
            hex(concat!(
                "e54402e3e416fe2292c305e78091fb6e57b23ead47cc499d9a21f11d8dedae0c",
                "730008f36652de62a31efa160463d6e12d22fa86f9083e8af78e9ec78f5c1521"
            ))
        );
        assert_eq!(format!("{c:?}"), "SsrcBaseKey(64 bytes, redacted)");
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
