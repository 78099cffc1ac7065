//! The randomness each side of a handshake consumes: the ephemeral X25519 key, and in version
//! 2 the ML-KEM seeds (the caller's key-generation seeds `d` and `z`, the callee's
//! encapsulation randomness `m`). From the operating system in calls; from any generator the
//! application chooses (a seeded one in tests) through `new`.

use crate::error::{Error, Result};
use crate::secret::Secret;
use core::fmt;

/// A secret of 32 bytes from the operating system.
fn os_secret() -> Result<Secret<32>> {
    let mut s = Secret::<32>::zero();
    getrandom::fill(s.expose_mut()).map_err(|_| Error::RandomUnavailable)?;
    Ok(s)
}

/// The caller's randomness: the X25519 key and, for a version-2 Offer, the FIPS 203
/// key-generation seeds `d` and `z` of its ML-KEM-768 key. Wiped when dropped; `Debug` shows
/// none of it.
pub struct CallerRandom {
    pub(super) x25519: Secret<32>,
    pub(super) kem_d: Secret<32>,
    pub(super) kem_z: Secret<32>,
}

impl CallerRandom {
    /// Bytes the application drew from a cryptographically secure generator, for this
    /// handshake only.
    pub fn new(x25519: Secret<32>, kem_d: Secret<32>, kem_z: Secret<32>) -> Self {
        CallerRandom {
            x25519,
            kem_d,
            kem_z,
        }
    }

    /// From the operating system; [`Error::RandomUnavailable`] when it has none to give.
    pub fn from_os() -> Result<Self> {
        Ok(CallerRandom::new(os_secret()?, os_secret()?, os_secret()?))
    }
}

/// The callee's randomness: the X25519 key and, for a version-2 Answer, the FIPS 203
/// encapsulation randomness `m`. Wiped when dropped; `Debug` shows none of it.
pub struct CalleeRandom {
    pub(super) x25519: Secret<32>,
    pub(super) kem_m: Secret<32>,
}

impl CalleeRandom {
    /// Bytes the application drew from a cryptographically secure generator, for this
    /// handshake only.
    pub fn new(x25519: Secret<32>, kem_m: Secret<32>) -> Self {
        CalleeRandom { x25519, kem_m }
    }

    /// From the operating system; [`Error::RandomUnavailable`] when it has none to give.
    pub fn from_os() -> Result<Self> {
        Ok(CalleeRandom::new(os_secret()?, os_secret()?))
    }
}

impl fmt::Debug for CallerRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallerRandom(..)")
    }
}

impl fmt::Debug for CalleeRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CalleeRandom(..)")
    }
}
