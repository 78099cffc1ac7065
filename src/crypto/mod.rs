//! Crate-private cipher building blocks. Every context here is built once per key and reused
//! for every packet or frame; nothing in here allocates.
//!
//! AES-GCM comes from ring; AES-CTR, HMAC-SHA1 and HMAC-SHA256 from RustCrypto (ring does not
//! expose them), all with hardware acceleration picked at run time.
//!
//! Wiping: the `aes` crate zeroizes its key schedules itself. ring's AES-GCM keys and the keyed
//! HMAC states do not wipe themselves, and both are plain values with no heap part, so on drop
//! each is overwritten in place by the context of an all-zero key: the secret-dependent bytes
//! (round keys, GHASH powers, HMAC inner and outer states) are gone before the memory is freed.
//!
//! The AES-CTR and HMAC contexts live in heap blocks of their own, so the structures that hold
//! them can be moved without copying key schedules around. ring's AES-GCM key stays inline:
//! its assembly reads a few bytes of the key structure it never initialized (the GHASH code
//! loads its table in wide words), and those bytes must come with the structure they belong to
//! rather than from a fresh heap block. The structures that hold one are built on the stack and
//! moved once into their place (a call, a key list); the key lists wipe their whole buffer,
//! padding included, when they are dropped.

use crate::error::{Error, Result};
use crate::secret::scrubbed;
use aes::cipher::StreamCipher;
use hmac::Mac;
use ring::aead;

/// AES-GCM with a 16-byte tag, 128- or 256-bit key. Wiped on drop.
pub(crate) struct AesGcm {
    key: aead::LessSafeKey,
}

impl Drop for AesGcm {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl AesGcm {
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        let alg = match key.len() {
            16 => &aead::AES_128_GCM,
            32 => &aead::AES_256_GCM,
            _ => return Err(Error::InvalidKeyLength),
        };
        scrubbed(|| {
            let unbound = aead::UnboundKey::new(alg, key).map_err(|_| Error::InvalidKeyLength)?;
            Ok(AesGcm {
                key: aead::LessSafeKey::new(unbound),
            })
        })
    }

    /// Overwrite the key in place with the all-zero key of the same algorithm (ring keeps its
    /// round keys and GHASH table inline and never clears them).
    fn wipe(&mut self) {
        let alg = self.key.algorithm();
        let zero = [0u8; 32];
        if let Some(Ok(k)) = zero
            .get(..alg.key_len())
            .map(|z| aead::UnboundKey::new(alg, z))
        {
            self.key = aead::LessSafeKey::new(k);
        }
        // The store must happen even though the memory is freed right after.
        core::hint::black_box(&mut self.key);
    }

    /// Encrypt `in_out` in place and return the tag.
    #[inline]
    pub(crate) fn seal(&self, nonce: [u8; 12], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; 16]> {
        let tag = self
            .key
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                in_out,
            )
            .map_err(|_| Error::LimitReached)?;
        let mut out = [0u8; 16];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Encrypt `in_out` in place and write the tag straight to `tag` (no intermediate copy of
    /// the tag through a `Result`, which costs a store-forwarding stall per call).
    #[inline]
    pub(crate) fn seal_to(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &mut [u8; 16],
    ) -> Result<()> {
        let sealed = self.key.seal_in_place_separate_tag(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(aad),
            in_out,
        );
        // Copy the tag out of the result where it lies, in one piece.
        match &sealed {
            Ok(t) => {
                tag.copy_from_slice(t.as_ref());
                Ok(())
            }
            Err(_) => Err(Error::LimitReached),
        }
    }

    /// Decrypt `in_out` in place after checking `tag`. On failure ring leaves the bytes of
    /// `in_out` unspecified (callers document this).
    #[inline]
    pub(crate) fn open(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        let tag: [u8; 16] = tag.try_into().map_err(|_| Error::Authentication)?;
        self.key
            .open_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                aead::Tag::from(tag),
                in_out,
                0..,
            )
            .map(|_| ())
            .map_err(|_| Error::Authentication)
    }

    /// Decrypt in place a ciphertext followed by its 16-byte tag, after checking the tag. On
    /// failure ring zeroes the ciphertext bytes.
    #[inline]
    pub(crate) fn open_tagged(&self, nonce: [u8; 12], aad: &[u8], in_out: &mut [u8]) -> Result<()> {
        match self.key.open_in_place(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(aad),
            in_out,
        ) {
            Ok(_) => Ok(()),
            Err(_) => Err(Error::Authentication),
        }
    }
}

/// AES-128 in counter mode with a 128-bit big-endian counter block (SRTP AES-CM, SFrame
/// AES-CTR). The expanded key is kept and copied per message, never re-expanded.
pub(crate) struct Aes128Ctr {
    cipher: Box<aes::Aes128>,
}

impl Aes128Ctr {
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        use aes::cipher::KeyInit;
        scrubbed(|| {
            Ok(Aes128Ctr {
                cipher: Box::new(
                    aes::Aes128::new_from_slice(key).map_err(|_| Error::InvalidKeyLength)?,
                ),
            })
        })
    }

    /// XOR the keystream starting at counter block `iv` into `buf`.
    #[inline]
    pub(crate) fn apply(&self, iv: &[u8; 16], buf: &mut [u8]) {
        use ctr::cipher::InnerIvInit;
        let core = ctr::CtrCore::<aes::Aes128, ctr::flavors::Ctr128BE>::inner_iv_init(
            (*self.cipher).clone(),
            iv.into(),
        );
        let mut c = ctr::cipher::StreamCipherCoreWrapper::from_core(core);
        c.apply_keystream(buf);
    }
}

/// An HMAC whose keyed inner and outer states are computed once; each message starts from a
/// copy of them. Wiped on drop.
pub(crate) struct KeyedHmac<M: Mac + hmac::digest::KeyInit + Clone> {
    state: Box<M>,
}

impl<M: Mac + hmac::digest::KeyInit + Clone> Drop for KeyedHmac<M> {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl<M: Mac + hmac::digest::KeyInit + Clone> KeyedHmac<M> {
    /// Overwrite the keyed states in place with those of the empty key.
    fn wipe(&mut self) {
        if let Ok(m) = <M as Mac>::new_from_slice(&[]) {
            *self.state = m;
        }
        core::hint::black_box(&mut *self.state);
    }

    pub(crate) fn new(key: &[u8]) -> Self {
        scrubbed(|| KeyedHmac {
            state: Box::new(
                <M as Mac>::new_from_slice(key).expect("HMAC takes keys of any length"),
            ),
        })
    }

    /// A fresh MAC computation, already keyed.
    #[inline]
    pub(crate) fn start(&self) -> M {
        (*self.state).clone()
    }
}

/// Overwrite a keyed HKDF state (an HMAC keyed with a PRK: as good as the PRK for expanding)
/// in place with the state of an empty key. The hkdf crate never clears it itself.
pub(crate) fn wipe_hkdf<H, I>(hk: &mut hkdf::Hkdf<H, I>)
where
    H: hmac::digest::OutputSizeUser,
    I: hkdf::HmacImpl<H>,
{
    *hk = hkdf::Hkdf::new(None, &[]);
    core::hint::black_box(hk);
}

/// Overwrite a keyed MAC state in place with that of the empty key.
pub(crate) fn wipe_mac<M: Mac + hmac::digest::KeyInit>(m: &mut M) {
    if let Ok(z) = <M as Mac>::new_from_slice(&[]) {
        *m = z;
    }
    core::hint::black_box(m);
}

/// Finish a MAC and compare its first `tag.len()` bytes with `tag` in constant time.
#[inline]
pub(crate) fn verify_truncated<M: Mac>(mac: M, tag: &[u8]) -> Result<()> {
    let full = mac.finalize().into_bytes();
    if tag.len() > full.len() || tag.is_empty() {
        return Err(Error::Authentication);
    }
    if subtle::ConstantTimeEq::ct_eq(&full[..tag.len()], tag).into() {
        Ok(())
    } else {
        Err(Error::Authentication)
    }
}

/// HMAC-SHA1 as SRTP AES-CM uses it.
pub(crate) type HmacSha1 = KeyedHmac<hmac::Hmac<sha1::Sha1>>;
/// HMAC-SHA256 as SFrame AES-CTR-HMAC uses it.
pub(crate) type HmacSha256 = KeyedHmac<hmac::Hmac<sha2::Sha256>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_round_trip_and_tamper() {
        let k = AesGcm::new(&[7u8; 16]).unwrap();
        let mut buf = *b"hello world";
        let tag = k.seal([1; 12], b"aad", &mut buf).unwrap();
        assert_ne!(&buf, b"hello world");
        let mut b2 = buf;
        k.open([1; 12], b"aad", &mut b2, &tag).unwrap();
        assert_eq!(&b2, b"hello world");
        let mut b3 = buf;
        assert_eq!(
            k.open([1; 12], b"aaD", &mut b3, &tag),
            Err(Error::Authentication)
        );
        assert!(AesGcm::new(&[0; 20]).is_err());
    }

    #[test]
    fn gcm_wipe_leaves_the_all_zero_key() {
        for len in [16, 32] {
            let mut k = AesGcm::new(&[7u8; 32][..len]).unwrap();
            let zero = AesGcm::new(&[0u8; 32][..len]).unwrap();
            let (mut a, mut b) = ([1u8; 20], [1u8; 20]);
            let before = k.seal([2; 12], b"x", &mut a).unwrap();
            k.wipe();
            let mut c = [1u8; 20];
            let after = k.seal([2; 12], b"x", &mut c).unwrap();
            assert_ne!(before, after);
            assert_eq!(after, zero.seal([2; 12], b"x", &mut b).unwrap());
            assert_eq!(c, b);
        }
    }

    #[test]
    fn hmac_wipe_leaves_the_empty_key() {
        let mut h = HmacSha256::new(b"secret");
        let tag = |h: &HmacSha256| {
            let mut m = h.start();
            m.update(b"msg");
            m.finalize().into_bytes()
        };
        let before = tag(&h);
        h.wipe();
        assert_ne!(before, tag(&h));
        assert_eq!(tag(&h), tag(&HmacSha256::new(b"")));
    }

    #[test]
    fn ctr_is_involution() {
        let c = Aes128Ctr::new(&[3u8; 16]).unwrap();
        let mut buf = [9u8; 100];
        c.apply(&[0xff; 16], &mut buf);
        assert_ne!(buf, [9u8; 100]);
        c.apply(&[0xff; 16], &mut buf);
        assert_eq!(buf, [9u8; 100]);
    }

    #[test]
    fn hmac_truncated_verify() {
        let h = HmacSha1::new(b"key");
        let mut m = h.start();
        m.update(b"msg");
        let full = m.finalize().into_bytes();
        let mut m = h.start();
        m.update(b"msg");
        assert!(verify_truncated(m, &full[..10]).is_ok());
        let mut m = h.start();
        m.update(b"msg");
        let mut bad = full[..4].to_vec();
        bad[0] ^= 1;
        assert_eq!(verify_truncated(m, &bad), Err(Error::Authentication));
    }
}
