//! Fixed-size secrets: zeroized on drop, never `Clone`, a `Debug` that prints no key bytes,
//! compared in constant time.
//!
//! Key bytes live in a heap block of their own that is wiped in place before it is freed, so
//! moving a value that holds a secret (into a `Box`, out of an `Option`, between vectors) moves a
//! pointer and never leaves a copy of the key behind in memory the allocator hands out again.

use crate::error::{Error, Result};
use crate::types::SrtpSuite;
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A value that holds key material, kept in its own heap block and wiped in place when it is
/// dropped: moving the owner moves only the pointer.
pub(crate) struct Sealed<T: Zeroize>(Box<T>);

impl<T: Zeroize> Sealed<T> {
    pub(crate) fn new(value: T) -> Self {
        Sealed(Box::new(value))
    }
}

impl<T: Zeroize> core::ops::Deref for Sealed<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> core::ops::DerefMut for Sealed<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Zeroize> Drop for Sealed<T> {
    fn drop(&mut self) {
        let inner: &mut T = &mut self.0;
        inner.zeroize();
    }
}

/// `N` secret bytes. Zeroized on drop; `Debug` shows only the length.
pub struct Secret<const N: usize>(Sealed<[u8; N]>);

impl<const N: usize> Secret<N> {
    /// Take ownership of key bytes. The caller should zeroize its own copy.
    pub fn new(bytes: [u8; N]) -> Self {
        Secret(Sealed::new(bytes))
    }

    /// Copy from a slice of exactly `N` bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != N {
            return Err(Error::InvalidKeyLength);
        }
        let mut s = Secret::zero();
        s.0.copy_from_slice(bytes);
        Ok(s)
    }

    /// All zeros, to be filled in place.
    pub(crate) fn zero() -> Self {
        Secret(Sealed::new([0u8; N]))
    }

    /// The secret bytes. Dangerous: for test vectors and for keying another library; never
    /// log or store them.
    pub fn dangerous_expose(&self) -> &[u8; N] {
        &self.0
    }

    pub(crate) fn expose(&self) -> &[u8; N] {
        &self.0
    }

    pub(crate) fn expose_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Self) -> bool {
        self.0[..].ct_eq(&other.0[..]).into()
    }
}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret<{N}>(redacted)")
    }
}

/// An SRTP master key and master salt for one suite, from the key schedule or supplied by the
/// application (standard, hop-by-hop SRTP). Zeroized on drop.
pub struct SrtpMasterKey {
    suite: SrtpSuite,
    /// The most SRTP packets, and the most SRTCP packets, this key may protect.
    lifetime: u64,
    bytes: Sealed<MasterBytes>,
}

/// The longest key lifetime: 2^48 packets, SRTP's limit for one master key (RFC 3711 §9.2).
pub const MAX_KEY_LIFETIME: u64 = 1 << 48;

#[derive(Zeroize)]
struct MasterBytes {
    key: [u8; 32],
    salt: [u8; 14],
}

impl SrtpMasterKey {
    /// Build from key and salt of the lengths `suite` wants (16, 24 or 32; 12 or 14). An
    /// all-zero key for a NULL-cipher suite is [`Error::WeakKey`].
    pub fn new(suite: SrtpSuite, key: &[u8], salt: &[u8]) -> Result<Self> {
        if key.len() != suite.key_len() || salt.len() != suite.salt_len() {
            return Err(Error::InvalidKeyLength);
        }
        if suite.is_null_cipher() && all_zero(key) {
            return Err(Error::WeakKey);
        }
        let mut k = SrtpMasterKey {
            suite,
            lifetime: MAX_KEY_LIFETIME,
            bytes: Sealed::new(MasterBytes {
                key: [0; 32],
                salt: [0; 14],
            }),
        };
        k.bytes.key[..key.len()].copy_from_slice(key);
        k.bytes.salt[..salt.len()].copy_from_slice(salt);
        Ok(k)
    }

    /// Split the SDP `a=crypto` inline form (master key ‖ master salt, already base64-decoded).
    pub fn from_concatenated(suite: SrtpSuite, key_and_salt: &[u8]) -> Result<Self> {
        if key_and_salt.len() != suite.key_len() + suite.salt_len() {
            return Err(Error::InvalidKeyLength);
        }
        let (k, s) = key_and_salt.split_at(suite.key_len());
        Self::new(suite, k, s)
    }

    /// The suite this key is for.
    pub fn suite(&self) -> SrtpSuite {
        self.suite
    }

    /// With a key lifetime (RFC 3711 §8.1, the `|2^20` of an SDES `a=crypto` key, RFC 4568
    /// §6.1): a sender protects at most `packets` SRTP packets and at most `packets` SRTCP
    /// packets with this key, then refuses with [`Error::KeyExpired`];
    /// [`SrtpSender::rekey_soon`](crate::srtp::SrtpSender::rekey_soon) turns true at 15/16 of
    /// it. 1..=2^48 ([`MAX_KEY_LIFETIME`], the default); anything else is
    /// [`Error::InvalidConfig`].
    pub fn with_lifetime(mut self, packets: u64) -> Result<Self> {
        if !(1..=MAX_KEY_LIFETIME).contains(&packets) {
            return Err(Error::InvalidConfig);
        }
        self.lifetime = packets;
        Ok(self)
    }

    /// The key lifetime in packets (2^48 unless [`SrtpMasterKey::with_lifetime`] set one).
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// The master key bytes. Dangerous: for handing the key to another SRTP stack (libsrtp,
    /// a DTLS-SRTP peer) and for test vectors; never log or store them.
    pub fn dangerous_key(&self) -> &[u8] {
        &self.bytes.key[..self.suite.key_len()]
    }

    /// The master salt bytes (12 or 14). Dangerous, as [`SrtpMasterKey::dangerous_key`].
    pub fn dangerous_salt(&self) -> &[u8] {
        &self.bytes.salt[..self.suite.salt_len()]
    }
}

/// Whether every byte of `bytes` is zero, in time independent of where a non-zero byte is.
pub(crate) fn all_zero(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |acc, b| acc | b) == 0
}

impl fmt::Debug for SrtpMasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SrtpMasterKey({}, redacted)", self.suite.name())
    }
}

/// Run `f` on a stack zeroed below the caller, and zero it again afterwards: the key
/// schedules, HKDF states and copies of key bytes that the crypto libraries leave in their
/// stack frames are gone before other code reuses that memory, and the values `f` builds carry
/// no stray bytes of earlier secrets in their padding (values move to the heap with their
/// padding). As libsodium's `sodium_stackzero`, in safe code: the closure runs in a frame of
/// its own, and the zeroing function's frame starts where that one does.
#[inline(always)]
pub(crate) fn scrubbed<T>(f: impl FnOnce() -> T) -> T {
    zero_stack();
    let r = run(f);
    zero_stack();
    r
}

/// For the ML-KEM operations, whose frames are far deeper than a key setup (their polynomial
/// matrices and the copies of keys and seeds live on the stack): overwrites
/// [`SCRUB_DEEP_BYTES`] below the caller after `f`. What `f` returns holds no padding (byte
/// arrays and sealed secrets), so the zeroing before it that [`scrubbed`] does is left out.
#[inline(always)]
pub(crate) fn scrubbed_deep<T>(f: impl FnOnce() -> T) -> T {
    let r = run(f);
    zero_stack_deep();
    r
}

/// Bytes of stack below the caller that [`scrubbed_deep`] overwrites: far more than an ML-KEM-768
/// key generation, encapsulation or decapsulation uses.
const SCRUB_DEEP_BYTES: usize = 128 * 1024;

#[inline(never)]
fn zero_stack_deep() {
    let mut area = [0u8; SCRUB_DEEP_BYTES];
    core::hint::black_box(&mut area);
}

#[inline(never)]
fn run<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Bytes of stack below the caller that [`scrubbed`] overwrites: far more than the deepest
/// key setup (ring's AES-GCM, the HKDF expansions) uses.
const SCRUB_BYTES: usize = 16 * 1024;

#[inline(never)]
fn zero_stack() {
    let mut area = [0u8; SCRUB_BYTES];
    // The stores must happen although nothing reads the area.
    core::hint::black_box(&mut area);
}

/// Overwrite the spare capacity of `v` with zeros. `remove` and `retain` shift the elements
/// after a removed one down and leave their old bytes behind the new end; for a vector of keys
/// those are copies of live key material that would outlive the keys themselves. Vectors of
/// keys are allocated at their largest size up front, so they never move on growth either.
pub(crate) fn wipe_spare<T>(v: &mut Vec<T>) {
    for slot in v.spare_capacity_mut() {
        *slot = core::mem::MaybeUninit::zeroed();
    }
    // The stores must happen although nothing reads the spare capacity.
    core::hint::black_box(v.spare_capacity_mut());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new([0xab; 32]);
        let d = format!("{s:?}");
        assert!(!d.contains("ab") && !d.contains("171"), "{d}");
        let m = SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[0xcd; 16], &[0xef; 12]).unwrap();
        let d = format!("{m:?}");
        assert!(
            !d.contains("cd") && !d.contains("205") && !d.contains("ef"),
            "{d}"
        );
        assert!(d.contains("AEAD_AES_128_GCM"));
    }

    #[test]
    fn lengths_checked() {
        assert_eq!(
            SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[0; 16], &[0; 14]).unwrap_err(),
            Error::InvalidKeyLength
        );
        assert!(SrtpMasterKey::from_concatenated(SrtpSuite::AesCm128HmacSha1_80, &[0; 30]).is_ok());
        assert!(Secret::<4>::from_slice(&[1, 2, 3]).is_err());
    }

    #[test]
    fn ct_eq_works() {
        assert!(Secret::new([1u8; 8]).ct_eq(&Secret::new([1u8; 8])));
        assert!(!Secret::new([1u8; 8]).ct_eq(&Secret::new([2u8; 8])));
    }
}
