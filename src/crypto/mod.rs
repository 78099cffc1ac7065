//! Crate-private cipher building blocks. Every context here is built once per key and reused
//! for every packet or frame; nothing in here allocates.
//!
//! AES-GCM comes from the [`Backend`] a context is built with: ring by default, or RustCrypto's
//! `aes-gcm` (cargo feature `rustcrypto`). AES-CTR, HMAC-SHA1 and HMAC-SHA256 come from RustCrypto
//! whatever the backend (ring does not expose them). All pick hardware acceleration at run time.
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

/// Where the AES-GCM of a context comes from. Every backend gives the same bytes; they differ in
/// speed (`callseal bench` and the criterion benches show both side by side) and in what they
/// are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Backend {
    /// ring: BoringSSL's assembly. The default.
    #[default]
    Ring,
    /// RustCrypto's `aes-gcm`, pure Rust with AES-NI/PCLMULQDQ (and wider) instructions
    /// picked at run time. Needs the cargo feature `rustcrypto`; without it, building a context
    /// with it is [`Error::UnsupportedBackend`].
    RustCrypto,
}

impl Backend {
    /// Every backend, whether built in or not.
    pub const ALL: [Backend; 2] = [Backend::Ring, Backend::RustCrypto];

    /// Whether this build has it.
    pub const fn is_available(self) -> bool {
        match self {
            Backend::Ring => true,
            Backend::RustCrypto => cfg!(feature = "rustcrypto"),
        }
    }

    /// The backends this build has.
    pub fn available() -> impl Iterator<Item = Backend> {
        Self::ALL.into_iter().filter(|b| b.is_available())
    }

    /// `ring` or `rustcrypto`.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Ring => "ring",
            Backend::RustCrypto => "rustcrypto",
        }
    }
}

impl core::fmt::Display for Backend {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Backend {
    type Err = Error;

    /// From `ring` or `rustcrypto` (known to the crate, built in or not).
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or(Error::UnsupportedBackend)
    }
}

/// AES-GCM with a 16-byte tag, 128- or 256-bit key, from one [`Backend`]. Wiped on drop.
/// ring's key stays inline (see the module docs); RustCrypto's contexts are boxed.
#[allow(clippy::large_enum_variant)]
pub(crate) enum AesGcm {
    Ring(RingGcm),
    #[cfg(feature = "rustcrypto")]
    RustCrypto128(Box<aes_gcm::Aes128Gcm>),
    #[cfg(feature = "rustcrypto")]
    RustCrypto256(Box<aes_gcm::Aes256Gcm>),
}

/// ring's AES-GCM key, kept inline (see the module docs), wiped on drop.
pub(crate) struct RingGcm {
    key: aead::LessSafeKey,
}

impl Drop for RingGcm {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl RingGcm {
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
}

/// RustCrypto's contexts zeroize themselves on drop (feature `zeroize` of `aes-gcm`); a failed
/// open leaves the ciphertext as it was, so it is zeroed here, as ring does.
#[cfg(feature = "rustcrypto")]
mod rustcrypto {
    use crate::error::{Error, Result};
    use aes_gcm::aead::AeadInOut;

    #[inline]
    pub(super) fn seal<A>(
        a: &A,
        nonce: [u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &mut [u8; 16],
    ) -> Result<()>
    where
        A: AeadInOut<TagSize = aes_gcm::aead::consts::U16>
            + aes_gcm::aead::AeadCore<NonceSize = aes_gcm::aead::consts::U12>,
    {
        let t = a
            .encrypt_inout_detached(&nonce.into(), aad, in_out.into())
            .map_err(|_| Error::LimitReached)?;
        tag.copy_from_slice(&t);
        Ok(())
    }

    #[inline]
    pub(super) fn open<A>(
        a: &A,
        nonce: [u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<()>
    where
        A: AeadInOut<TagSize = aes_gcm::aead::consts::U16>
            + aes_gcm::aead::AeadCore<NonceSize = aes_gcm::aead::consts::U12>,
    {
        match a.decrypt_inout_detached(&nonce.into(), aad, in_out.into(), tag.into()) {
            Ok(()) => Ok(()),
            Err(_) => {
                in_out.fill(0);
                Err(Error::Authentication)
            }
        }
    }
}

impl AesGcm {
    /// A context for `key` (16 or 32 bytes) from `backend`.
    pub(crate) fn new(key: &[u8], backend: Backend) -> Result<Self> {
        if !matches!(key.len(), 16 | 32) {
            return Err(Error::InvalidKeyLength);
        }
        match backend {
            Backend::Ring => {
                let alg = if key.len() == 16 {
                    &aead::AES_128_GCM
                } else {
                    &aead::AES_256_GCM
                };
                scrubbed(|| {
                    let unbound =
                        aead::UnboundKey::new(alg, key).map_err(|_| Error::InvalidKeyLength)?;
                    Ok(AesGcm::Ring(RingGcm {
                        key: aead::LessSafeKey::new(unbound),
                    }))
                })
            }
            #[cfg(feature = "rustcrypto")]
            Backend::RustCrypto => {
                use aes_gcm::KeyInit;
                scrubbed(|| {
                    Ok(if key.len() == 16 {
                        AesGcm::RustCrypto128(Box::new(
                            aes_gcm::Aes128Gcm::new_from_slice(key)
                                .map_err(|_| Error::InvalidKeyLength)?,
                        ))
                    } else {
                        AesGcm::RustCrypto256(Box::new(
                            aes_gcm::Aes256Gcm::new_from_slice(key)
                                .map_err(|_| Error::InvalidKeyLength)?,
                        ))
                    })
                })
            }
            #[allow(unreachable_patterns)]
            _ => Err(Error::UnsupportedBackend),
        }
    }

    /// Encrypt `in_out` in place and return the tag.
    #[inline]
    pub(crate) fn seal(&self, nonce: [u8; 12], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; 16]> {
        let mut tag = [0u8; 16];
        self.seal_to(nonce, aad, in_out, &mut tag)?;
        Ok(tag)
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
        match self {
            AesGcm::Ring(r) => {
                let sealed = r.key.seal_in_place_separate_tag(
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
            #[cfg(feature = "rustcrypto")]
            AesGcm::RustCrypto128(a) => rustcrypto::seal(&**a, nonce, aad, in_out, tag),
            #[cfg(feature = "rustcrypto")]
            AesGcm::RustCrypto256(a) => rustcrypto::seal(&**a, nonce, aad, in_out, tag),
        }
    }

    /// Decrypt `in_out` in place after checking `tag`. On failure the bytes of `in_out` are
    /// unspecified (callers document this).
    #[inline]
    pub(crate) fn open(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        let tag: [u8; 16] = tag.try_into().map_err(|_| Error::Authentication)?;
        match self {
            AesGcm::Ring(r) => r
                .key
                .open_in_place_separate_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(aad),
                    aead::Tag::from(tag),
                    in_out,
                    0..,
                )
                .map(|_| ())
                .map_err(|_| Error::Authentication),
            #[cfg(feature = "rustcrypto")]
            AesGcm::RustCrypto128(a) => rustcrypto::open(&**a, nonce, aad, in_out, &tag),
            #[cfg(feature = "rustcrypto")]
            AesGcm::RustCrypto256(a) => rustcrypto::open(&**a, nonce, aad, in_out, &tag),
        }
    }

    /// Decrypt in place a ciphertext followed by its 16-byte tag, after checking the tag. On
    /// failure the ciphertext bytes are zeroed.
    #[inline]
    pub(crate) fn open_tagged(&self, nonce: [u8; 12], aad: &[u8], in_out: &mut [u8]) -> Result<()> {
        match self {
            AesGcm::Ring(r) => match r.key.open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                in_out,
            ) {
                Ok(_) => Ok(()),
                Err(_) => Err(Error::Authentication),
            },
            #[cfg(feature = "rustcrypto")]
            _ => {
                let at = in_out.len().checked_sub(16).ok_or(Error::Authentication)?;
                let (body, tag) = in_out.split_at_mut(at);
                self.open(nonce, aad, body, tag)
            }
        }
    }
}

/// AES in counter mode with a 128-bit big-endian counter block (SRTP AES-CM, SFrame AES-CTR),
/// for AES-128, AES-192 or AES-256 (`C`). The expanded key is kept and copied per message,
/// never re-expanded.
pub(crate) struct AesCtr<C> {
    cipher: Box<C>,
}

/// AES-128 in counter mode.
pub(crate) type Aes128Ctr = AesCtr<aes::Aes128>;

impl<C> AesCtr<C>
where
    C: aes::cipher::KeyInit
        + aes::cipher::BlockCipher
        + aes::cipher::BlockEncrypt
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>
        + Clone,
{
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        scrubbed(|| {
            Ok(AesCtr {
                cipher: Box::new(C::new_from_slice(key).map_err(|_| Error::InvalidKeyLength)?),
            })
        })
    }

    /// XOR the keystream starting at counter block `iv` into `buf`.
    #[inline]
    pub(crate) fn apply(&self, iv: &[u8; 16], buf: &mut [u8]) {
        use ctr::cipher::InnerIvInit;
        let core = ctr::CtrCore::<C, ctr::flavors::Ctr128BE>::inner_iv_init(
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
        let k = AesGcm::new(&[7u8; 16], Backend::Ring).unwrap();
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
        assert!(AesGcm::new(&[0; 20], Backend::Ring).is_err());
    }

    /// Every backend gives the same bytes, and a failed open leaves the ciphertext zeroed.
    #[test]
    fn backends_agree() {
        let backends: Vec<Backend> = Backend::available().collect();
        assert_eq!(
            backends.len(),
            1 + usize::from(cfg!(feature = "rustcrypto"))
        );
        for key_len in [16, 32] {
            let key: Vec<u8> = (0..key_len as u8).collect();
            for len in [0usize, 1, 15, 16, 17, 160, 1200, 4099] {
                let plain: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut outs = Vec::new();
                for &b in &backends {
                    let k = AesGcm::new(&key, b).unwrap();
                    let mut buf = plain.clone();
                    let tag = k.seal([len as u8; 12], b"aad", &mut buf).unwrap();
                    let mut back = buf.clone();
                    k.open([len as u8; 12], b"aad", &mut back, &tag).unwrap();
                    assert_eq!(back, plain, "{b}");
                    let mut tagged = [buf.clone(), tag.to_vec()].concat();
                    tagged[0] ^= u8::from(len > 0);
                    let r = k.open_tagged([len as u8; 12], b"aad", &mut tagged);
                    if len > 0 {
                        assert_eq!(r, Err(Error::Authentication), "{b}");
                        assert!(tagged[..len].iter().all(|&x| x == 0), "{b}: zeroed");
                    } else {
                        assert_eq!(r, Ok(()));
                    }
                    outs.push((buf, tag));
                }
                assert!(outs.windows(2).all(|w| w[0] == w[1]));
            }
        }
    }

    #[test]
    fn backend_names_and_availability() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>(), Ok(b));
        }
        assert_eq!("openssl".parse::<Backend>(), Err(Error::UnsupportedBackend));
        assert_eq!(
            AesGcm::new(&[1; 16], Backend::RustCrypto).is_ok(),
            cfg!(feature = "rustcrypto")
        );
    }

    #[test]
    fn gcm_wipe_leaves_the_all_zero_key() {
        for len in [16, 32] {
            let mut k = AesGcm::new(&[7u8; 32][..len], Backend::Ring).unwrap();
            let zero = AesGcm::new(&[0u8; 32][..len], Backend::Ring).unwrap();
            let (mut a, mut b) = ([1u8; 20], [1u8; 20]);
            let before = k.seal([2; 12], b"x", &mut a).unwrap();
            #[allow(irrefutable_let_patterns)]
            if let AesGcm::Ring(r) = &mut k {
                r.wipe();
            }
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
