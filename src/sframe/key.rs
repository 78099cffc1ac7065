//! Key and salt derivation (RFC 9605 §4.4.2) and the AEADs of the five suites (§4.4.3,
//! §4.5.1), each keyed once and reused for every frame.

use crate::crypto::{verify_truncated, wipe_hkdf, Aes128Ctr, AesGcm, Backend, HmacSha256};
use crate::error::{Error, Malformed, Result};
use crate::secret::Sealed;
use crate::sframe::header::Header;
use crate::types::{FrameCounter, KeyId, SframeSuite};
use core::fmt;
use hkdf::Hkdf;
use hmac::Mac;
use sha2::{Sha256, Sha512};
use zeroize::Zeroize;

/// The SFrame nonce length, `AEAD.Nn`, for every suite.
pub const NONCE_LEN: usize = 12;

/// The most bytes of application metadata plus clear prefix one frame may carry. Both are
/// authenticated as additional data, never encrypted.
pub const MAX_CLEAR_BYTES: usize = 1024;

/// The shortest base key accepted: 128 bits.
pub const MIN_BASE_KEY_LEN: usize = 16;

/// The longest base key accepted: 512 bits (an MLS exporter secret of SHA-512 is 64 bytes).
pub const MAX_BASE_KEY_LEN: usize = 64;

const KEY_LABEL: &[u8] = b"SFrame 1.0 Secret key ";
const SALT_LABEL: &[u8] = b"SFrame 1.0 Secret salt ";

/// The `sframe_key` and `sframe_salt` of one KID (RFC 9605 §4.4.2):
///
/// ```text
/// sframe_secret = HKDF-Extract("", base_key)
/// sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  ‖ KID ‖ suite, Nk)
/// sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " ‖ KID ‖ suite, Nn)
/// ```
///
/// with KID as 8 big-endian bytes, the suite id as 2, and the suite's hash (SHA-256, or
/// SHA-512 for `AES_256_GCM_SHA512_128`). Zeroized on drop; `Debug` shows the suite only.
pub struct DerivedKey {
    suite: SframeSuite,
    b: Sealed<DerivedBytes>,
}

#[derive(Zeroize)]
struct DerivedBytes {
    key: [u8; 48],
    salt: [u8; NONCE_LEN],
}

impl DerivedKey {
    /// Derive the key and salt of `kid` from `base_key` ([`MIN_BASE_KEY_LEN`] to
    /// [`MAX_BASE_KEY_LEN`] bytes, else [`Error::InvalidKeyLength`]).
    pub fn derive(suite: SframeSuite, kid: KeyId, base_key: &[u8]) -> Result<Self> {
        crate::secret::scrubbed(|| Self::derive_unscrubbed(suite, kid, base_key))
    }

    fn derive_unscrubbed(suite: SframeSuite, kid: KeyId, base_key: &[u8]) -> Result<Self> {
        if !(MIN_BASE_KEY_LEN..=MAX_BASE_KEY_LEN).contains(&base_key.len()) {
            return Err(Error::InvalidKeyLength);
        }
        let mut d = DerivedKey {
            suite,
            b: Sealed::new(DerivedBytes {
                key: [0; 48],
                salt: [0; NONCE_LEN],
            }),
        };
        let kid = kid.0.to_be_bytes();
        let id = suite.id().to_be_bytes();
        let nk = suite.key_len();
        let b = &mut *d.b;
        match suite {
            SframeSuite::Aes256GcmSha512_128 => {
                let mut hk = Hkdf::<Sha512>::new(None, base_key);
                let r = hk
                    .expand_multi_info(&[KEY_LABEL, &kid, &id], &mut b.key[..nk])
                    .and_then(|()| hk.expand_multi_info(&[SALT_LABEL, &kid, &id], &mut b.salt));
                wipe_hkdf(&mut hk);
                r
            }
            _ => {
                let mut hk = Hkdf::<Sha256>::new(None, base_key);
                let r = hk
                    .expand_multi_info(&[KEY_LABEL, &kid, &id], &mut b.key[..nk])
                    .and_then(|()| hk.expand_multi_info(&[SALT_LABEL, &kid, &id], &mut b.salt));
                wipe_hkdf(&mut hk);
                r
            }
        }
        .map_err(|_| Error::InvalidKeyLength)?;
        Ok(d)
    }

    /// The suite.
    pub fn suite(&self) -> SframeSuite {
        self.suite
    }

    /// `sframe_key`, `Nk` bytes (for the AES-CTR-HMAC suites the encryption key followed by
    /// the authentication key). Dangerous: for test vectors; never log or store it.
    pub fn dangerous_key(&self) -> &[u8] {
        &self.b.key[..self.suite.key_len()]
    }

    /// `sframe_salt`. Dangerous: for test vectors; never log or store it.
    pub fn dangerous_salt(&self) -> &[u8; NONCE_LEN] {
        &self.b.salt
    }

    /// The nonce of frame `ctr`: the salt XOR the counter as a 12-byte big-endian integer.
    pub fn nonce(&self, ctr: FrameCounter) -> [u8; NONCE_LEN] {
        nonce(&self.b.salt, ctr)
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivedKey({}, redacted)", self.suite.name())
    }
}

#[inline]
fn nonce(salt: &[u8; NONCE_LEN], ctr: FrameCounter) -> [u8; NONCE_LEN] {
    let mut n = *salt;
    let mut low = [0u8; 8];
    low.copy_from_slice(&n[NONCE_LEN - 8..]);
    let low = u64::from_be_bytes(low) ^ ctr.0;
    n[NONCE_LEN - 8..].copy_from_slice(&low.to_be_bytes());
    n
}

/// The additional data of a frame, `header ‖ metadata ‖ clear prefix`, in up to three
/// pieces.
#[derive(Clone, Copy)]
pub(crate) struct AadParts<'a> {
    pub(crate) header: &'a [u8],
    pub(crate) metadata: &'a [u8],
    pub(crate) prefix: &'a [u8],
}

impl AadParts<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.header.len() + self.metadata.len() + self.prefix.len()
    }
}

/// Room for the largest contiguous AAD ring is given: the longest header plus
/// [`MAX_CLEAR_BYTES`].
const AAD_STACK: usize = Header::MAX_LEN + MAX_CLEAR_BYTES;

/// Run `f` on the AAD as one slice: the header itself when it is alone, else a stack copy.
#[inline(always)]
fn with_contiguous<R>(aad: AadParts<'_>, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
    if aad.metadata.is_empty() && aad.prefix.is_empty() {
        return f(aad.header);
    }
    joined(aad, f)
}

#[inline(never)]
fn joined<R>(aad: AadParts<'_>, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
    let len = aad.len();
    if len > AAD_STACK {
        return Err(Error::Malformed(Malformed::Oversized));
    }
    let mut buf = [0u8; AAD_STACK];
    let (h, m) = (aad.header.len(), aad.metadata.len());
    buf[..h].copy_from_slice(aad.header);
    buf[h..h + m].copy_from_slice(aad.metadata);
    buf[h + m..len].copy_from_slice(aad.prefix);
    f(&buf[..len])
}

// One per key, never per frame: the size difference between the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Cipher {
    Gcm(AesGcm),
    CtrHmac { enc: Aes128Ctr, auth: HmacSha256 },
}

/// The AEAD of one SFrame suite under one `sframe_key`, built once: ring's AES-GCM, or the
/// AES-CTR + HMAC-SHA256 composition of RFC 9605 §4.5.1 (encrypt-then-MAC, with the tag
/// computed over `len(aad) ‖ len(ct) ‖ Nt ‖ nonce ‖ aad ‖ ct` as 8-byte big-endian lengths,
/// truncated to `Nt` bytes). Nothing here allocates.
///
/// Only opening is public: sealing needs a fresh nonce for every frame, which only
/// [`crate::sframe::SframeSender`] guarantees.
pub struct SframeAead {
    suite: SframeSuite,
    cipher: Cipher,
}

impl SframeAead {
    /// Key the AEAD of `suite` with `key` (`Nk` bytes: 16, 32, or 48 for AES-CTR-HMAC), AES-GCM
    /// from the default backend.
    pub fn new(suite: SframeSuite, key: &[u8]) -> Result<Self> {
        Self::with_backend(suite, key, Backend::Ring)
    }

    /// As [`SframeAead::new`], AES-GCM from `backend` ([`Error::UnsupportedBackend`] when this
    /// build lacks it).
    pub fn with_backend(suite: SframeSuite, key: &[u8], backend: Backend) -> Result<Self> {
        if key.len() != suite.key_len() {
            return Err(Error::InvalidKeyLength);
        }
        let cipher = match suite {
            SframeSuite::Aes128GcmSha256_128 | SframeSuite::Aes256GcmSha512_128 => {
                Cipher::Gcm(AesGcm::new(key, backend)?)
            }
            _ => {
                let (enc, auth) = key.split_at(16);
                Cipher::CtrHmac {
                    enc: Aes128Ctr::new(enc)?,
                    auth: HmacSha256::new(auth),
                }
            }
        };
        Ok(SframeAead { suite, cipher })
    }

    /// The suite.
    pub fn suite(&self) -> SframeSuite {
        self.suite
    }

    /// `AEAD.Decrypt(key, nonce, aad, ct)` in place: `ct` is the ciphertext followed by the
    /// `Nt`-byte tag; returns the plaintext, a prefix of `ct`.
    ///
    /// Errors: [`Error::Authentication`] when the tag does not verify (or `ct` is shorter than
    /// the tag). On that error the AES-CTR-HMAC suites leave `ct` untouched (the tag is
    /// checked before decrypting); the AES-GCM suites leave the ciphertext bytes zeroed
    /// (ring wipes unauthenticated plaintext).
    pub fn open_in_place<'a>(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ct: &'a mut [u8],
    ) -> Result<&'a mut [u8]> {
        let n = ct
            .len()
            .checked_sub(self.suite.tag_len())
            .ok_or(Error::Authentication)?;
        let parts = AadParts {
            header: aad,
            metadata: &[],
            prefix: &[],
        };
        self.open_parts(nonce, parts, ct)?;
        Ok(&mut ct[..n])
    }

    /// Encrypt `body` in place and write the `Nt`-byte tag to `tag`. The caller guarantees
    /// that `nonce` is never used twice with this key.
    #[inline]
    pub(crate) fn seal_parts(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: AadParts<'_>,
        body: &mut [u8],
        tag: &mut [u8],
    ) -> Result<()> {
        match &self.cipher {
            Cipher::Gcm(gcm) => {
                let tag: &mut [u8; 16] = tag.try_into().map_err(|_| Error::InvalidKeyLength)?;
                with_contiguous(aad, |a| gcm.seal_to(*nonce, a, body, tag))
            }
            Cipher::CtrHmac { enc, auth } => {
                ctr_hmac_seal(enc, auth, self.suite, nonce, aad, body, tag);
                Ok(())
            }
        }
    }

    /// Verify the tag at the end of `ct` and decrypt the rest in place. The usual frame
    /// (AES-GCM, the header as the whole AAD) is opened inline in the caller; metadata, a
    /// clear prefix and the AES-CTR-HMAC suites go out of line.
    #[inline(always)]
    pub(crate) fn open_parts(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: AadParts<'_>,
        ct: &mut [u8],
    ) -> Result<()> {
        match &self.cipher {
            Cipher::Gcm(gcm) if aad.metadata.is_empty() && aad.prefix.is_empty() => {
                gcm.open_tagged(*nonce, aad.header, ct)
            }
            _ => self.open_parts_general(nonce, aad, ct),
        }
    }

    #[inline(never)]
    fn open_parts_general(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: AadParts<'_>,
        ct: &mut [u8],
    ) -> Result<()> {
        match &self.cipher {
            Cipher::Gcm(gcm) => with_contiguous(aad, |a| gcm.open_tagged(*nonce, a, ct)),
            Cipher::CtrHmac { enc, auth } => {
                let n = ct
                    .len()
                    .checked_sub(self.suite.tag_len())
                    .ok_or(Error::Authentication)?;
                let (body, tag) = ct.split_at_mut(n);
                ctr_hmac_open(enc, auth, self.suite, nonce, aad, body, tag)
            }
        }
    }
}

#[inline]
fn ctr_iv(nonce: &[u8; NONCE_LEN]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..NONCE_LEN].copy_from_slice(nonce);
    iv
}

/// `HMAC(auth_key, len(aad) ‖ len(ct) ‖ Nt ‖ nonce ‖ aad ‖ ct)`, lengths as 8 bytes BE.
#[inline]
fn ctr_hmac_mac(
    auth: &HmacSha256,
    suite: SframeSuite,
    nonce: &[u8; NONCE_LEN],
    aad: AadParts<'_>,
    ct: &[u8],
) -> hmac::Hmac<Sha256> {
    let mut lens = [0u8; 24 + NONCE_LEN];
    lens[..8].copy_from_slice(&(aad.len() as u64).to_be_bytes());
    lens[8..16].copy_from_slice(&(ct.len() as u64).to_be_bytes());
    lens[16..24].copy_from_slice(&(suite.tag_len() as u64).to_be_bytes());
    lens[24..].copy_from_slice(nonce);
    let mut m = auth.start();
    m.update(&lens);
    m.update(aad.header);
    m.update(aad.metadata);
    m.update(aad.prefix);
    m.update(ct);
    m
}

// Out of line, so the AES-GCM path keeps a small stack frame.
#[inline(never)]
fn ctr_hmac_seal(
    enc: &Aes128Ctr,
    auth: &HmacSha256,
    suite: SframeSuite,
    nonce: &[u8; NONCE_LEN],
    aad: AadParts<'_>,
    body: &mut [u8],
    tag: &mut [u8],
) {
    enc.apply(&ctr_iv(nonce), body);
    let full = ctr_hmac_mac(auth, suite, nonce, aad, body)
        .finalize()
        .into_bytes();
    tag.copy_from_slice(&full[..tag.len()]);
}

#[inline(never)]
fn ctr_hmac_open(
    enc: &Aes128Ctr,
    auth: &HmacSha256,
    suite: SframeSuite,
    nonce: &[u8; NONCE_LEN],
    aad: AadParts<'_>,
    body: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    verify_truncated(ctr_hmac_mac(auth, suite, nonce, aad, body), tag)?;
    enc.apply(&ctr_iv(nonce), body);
    Ok(())
}

impl fmt::Debug for SframeAead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SframeAead({}, redacted)", self.suite.name())
    }
}

/// The per-KID state both ends hold: the keyed AEAD and the salt.
pub(crate) struct FrameKey {
    aead: SframeAead,
    salt: Sealed<SaltWords>,
}

/// The salt as the two words the nonce is stored in: bytes 0..8 and 8..12, big-endian.
#[derive(Zeroize)]
struct SaltWords {
    hi: u64,
    lo: u32,
}

impl FrameKey {
    pub(crate) fn derive(
        suite: SframeSuite,
        kid: KeyId,
        base_key: &[u8],
        backend: Backend,
    ) -> Result<Self> {
        let d = DerivedKey::derive(suite, kid, base_key)?;
        let mut hi = [0u8; 8];
        let mut lo = [0u8; 4];
        hi.copy_from_slice(&d.dangerous_salt()[..8]);
        lo.copy_from_slice(&d.dangerous_salt()[8..]);
        let k = FrameKey {
            aead: SframeAead::with_backend(suite, d.dangerous_key(), backend)?,
            salt: Sealed::new(SaltWords {
                hi: u64::from_be_bytes(hi),
                lo: u32::from_be_bytes(lo),
            }),
        };
        hi.zeroize();
        lo.zeroize();
        Ok(k)
    }

    /// `salt XOR CTR`, written as one 8-byte and one 4-byte store, the widths the AEAD reads
    /// it back with.
    #[inline]
    pub(crate) fn nonce(&self, ctr: FrameCounter) -> [u8; NONCE_LEN] {
        let mut n = [0u8; NONCE_LEN];
        let salt = &*self.salt;
        n[..8].copy_from_slice(&(salt.hi ^ (ctr.0 >> 32)).to_be_bytes());
        n[8..].copy_from_slice(&(salt.lo ^ ctr.0 as u32).to_be_bytes());
        n
    }

    #[inline]
    pub(crate) fn aead(&self) -> &SframeAead {
        &self.aead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &serde_json::Value, k: &str) -> Vec<u8> {
        hex::decode(v[k].as_str().unwrap()).unwrap()
    }

    /// RFC 9605 C.2 in the sealing direction, which the public API does not expose.
    #[test]
    fn ctr_hmac_seal_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/rfc9605-sframe.json")).unwrap();
        let cases = v["aes_ctr_hmac"].as_array().unwrap();
        assert_eq!(cases.len(), 3);
        for c in cases {
            let suite = SframeSuite::from_id(c["cipher_suite"].as_u64().unwrap() as u16).unwrap();
            let aead = SframeAead::new(suite, &h(c, "key")).unwrap();
            let nonce: [u8; 12] = h(c, "nonce").try_into().unwrap();
            let aad = h(c, "aad");
            let mut body = h(c, "pt");
            let mut tag = vec![0u8; suite.tag_len()];
            let parts = AadParts {
                header: &aad[..3],
                metadata: &aad[3..7],
                prefix: &aad[7..],
            };
            aead.seal_parts(&nonce, parts, &mut body, &mut tag).unwrap();
            body.extend_from_slice(&tag);
            assert_eq!(body, h(c, "ct"), "{}", suite.name());
        }
    }

    #[test]
    fn aad_pieces_are_one_string() {
        for suite in SframeSuite::ALL {
            let aead = SframeAead::new(suite, &[9u8; 48][..suite.key_len()]).unwrap();
            let n = [3u8; 12];
            let mut a = *b"plaintext!";
            let mut ta = [0u8; 16];
            let whole = AadParts {
                header: b"headmetapre",
                metadata: &[],
                prefix: &[],
            };
            aead.seal_parts(&n, whole, &mut a, &mut ta[..suite.tag_len()])
                .unwrap();
            let mut b = *b"plaintext!";
            let mut tb = [0u8; 16];
            let split = AadParts {
                header: b"head",
                metadata: b"meta",
                prefix: b"pre",
            };
            aead.seal_parts(&n, split, &mut b, &mut tb[..suite.tag_len()])
                .unwrap();
            assert_eq!((a, ta), (b, tb));
            let big = [0u8; AAD_STACK + 1];
            let over = AadParts {
                header: b"h",
                metadata: &big[1..],
                prefix: b"p",
            };
            let r = aead.seal_parts(&n, over, &mut b, &mut tb[..suite.tag_len()]);
            if matches!(
                suite,
                SframeSuite::Aes128GcmSha256_128 | SframeSuite::Aes256GcmSha512_128
            ) {
                assert_eq!(r, Err(Error::Malformed(Malformed::Oversized)));
            }
        }
    }

    #[test]
    fn short_base_key_and_debug() {
        assert_eq!(
            DerivedKey::derive(SframeSuite::Aes128GcmSha256_128, KeyId(1), &[1; 15]).err(),
            Some(Error::InvalidKeyLength)
        );
        let d = DerivedKey::derive(SframeSuite::Aes128GcmSha256_128, KeyId(1), &[1; 16]).unwrap();
        let dbg = format!(
            "{d:?} {:?}",
            SframeAead::new(d.suite(), d.dangerous_key()).unwrap()
        );
        assert!(
            !dbg.contains(&hex::encode(&d.dangerous_key()[..4])),
            "{dbg}"
        );
        assert!(
            !dbg.contains(&hex::encode(&d.dangerous_salt()[..4])),
            "{dbg}"
        );
        assert!(dbg.contains("AES_128_GCM_SHA256_128"));
        assert!(SframeAead::new(SframeSuite::Aes256GcmSha512_128, &[0; 16]).is_err());
    }
}
