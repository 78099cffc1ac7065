//! ML-KEM-768 (FIPS 203) for the version-2 handshake, from `libcrux-ml-kem`: deterministic key
//! generation from the seeds `d ‖ z` and encapsulation from `m`, so the seeds can come from
//! any generator (the operating system in calls, a seeded one in test vectors).

use crate::error::{Malformed, Result};
use crate::secret::Secret;
use libcrux_ml_kem::mlkem768;

/// Length of an ML-KEM-768 encapsulation key.
pub(crate) const EK_LEN: usize = 1184;
/// Length of an ML-KEM-768 ciphertext.
pub(crate) const CT_LEN: usize = 1088;
/// Length of an ML-KEM-768 decapsulation key.
const DK_LEN: usize = 2400;

/// The caller's key pair: the decapsulation key, kept sealed (wiped in place when dropped),
/// and the encapsulation key that goes into the Offer.
pub(crate) struct KemKeyPair {
    dk: Secret<DK_LEN>,
    pub(crate) ek: [u8; EK_LEN],
}

impl KemKeyPair {
    /// `ML-KEM.KeyGen_internal(d, z)` of FIPS 203.
    pub(crate) fn generate(d: &[u8; 32], z: &[u8; 32]) -> KemKeyPair {
        crate::secret::scrubbed_deep(|| {
            let mut seed = [0u8; 64];
            seed[..32].copy_from_slice(d);
            seed[32..].copy_from_slice(z);
            let pair = mlkem768::generate_key_pair(seed);
            zeroize::Zeroize::zeroize(&mut seed);
            let mut dk = Secret::<DK_LEN>::zero();
            dk.expose_mut().copy_from_slice(pair.sk());
            // The library's copy of the key lives in this frame, which is scrubbed on return.
            KemKeyPair { dk, ek: *pair.pk() }
        })
    }

    /// `ML-KEM.Decaps_internal(dk, c)`: never fails (a forged ciphertext gives the implicit
    /// rejection secret, and the MAC over the transcript then fails).
    pub(crate) fn decapsulate(&self, ct: &[u8; CT_LEN]) -> Secret<32> {
        crate::secret::scrubbed_deep(|| {
            let dk = mlkem768::MlKem768PrivateKey::from(self.dk.expose());
            let ct = mlkem768::MlKem768Ciphertext::from(ct);
            let mut ss = mlkem768::decapsulate(&dk, &ct);
            let out = Secret::new(ss);
            zeroize::Zeroize::zeroize(&mut ss);
            out
        })
    }
}

/// `ML-KEM.Encaps_internal(ek, m)` after the encapsulation key check of FIPS 203 §7.2 (every
/// coefficient below q); a key that fails it is [`Malformed::Field`].
pub(crate) fn encapsulate(ek: &[u8; EK_LEN], m: &[u8; 32]) -> Result<([u8; CT_LEN], Secret<32>)> {
    crate::secret::scrubbed_deep(|| {
        let ek = mlkem768::MlKem768PublicKey::from(ek);
        if !mlkem768::validate_public_key(&ek) {
            return Err(Malformed::Field.into());
        }
        let (ct, mut ss) = mlkem768::encapsulate(&ek, *m);
        let out = Secret::new(ss);
        zeroize::Zeroize::zeroize(&mut ss);
        Ok((*ct.as_slice(), out))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_sizes() {
        let pair = KemKeyPair::generate(&[1; 32], &[2; 32]);
        let (ct, ss) = encapsulate(&pair.ek, &[3; 32]).unwrap();
        assert!(pair.decapsulate(&ct).ct_eq(&ss));
        // Deterministic from the seeds.
        let again = KemKeyPair::generate(&[1; 32], &[2; 32]);
        assert_eq!(pair.ek, again.ek);
        let (ct2, _) = encapsulate(&pair.ek, &[3; 32]).unwrap();
        assert_eq!(ct, ct2);
        // A changed ciphertext gives another secret (implicit rejection), not an error.
        let mut bad = ct;
        bad[0] ^= 1;
        assert!(!pair.decapsulate(&bad).ct_eq(&ss));
    }

    #[test]
    fn encapsulation_key_check() {
        let pair = KemKeyPair::generate(&[1; 32], &[2; 32]);
        // A coefficient of 0xfff (≥ q = 3329) in the first 12-bit slot.
        let mut ek = pair.ek;
        ek[0] = 0xff;
        ek[1] |= 0x0f;
        assert_eq!(
            encapsulate(&ek, &[3; 32]).err(),
            Some(Malformed::Field.into())
        );
    }
}
