//! The SRTP key derivation (RFC 3711 §4.3): AES-CM as the PRF, key derivation rate 0.

use crate::error::{Error, Result};
use crate::secret::{Sealed, SrtpMasterKey};
use crate::types::SrtpSuite;
use aes::cipher::{BlockEncrypt, KeyInit};
use core::fmt;
use zeroize::Zeroize;

/// RFC 3711 §4.3.2 labels.
const LABEL_SRTP_ENCRYPTION: u8 = 0;
const LABEL_SRTP_AUTH: u8 = 1;
const LABEL_SRTP_SALT: u8 = 2;
const LABEL_SRTCP_ENCRYPTION: u8 = 3;
const LABEL_SRTCP_AUTH: u8 = 4;
const LABEL_SRTCP_SALT: u8 = 5;
/// RFC 6904 §5: the header extension encryption key and salt.
const LABEL_SRTP_HEADER_ENCRYPTION: u8 = 6;
const LABEL_SRTP_HEADER_SALT: u8 = 7;

/// Length of the HMAC-SHA1 authentication keys of the AES-CM suites.
pub(crate) const AUTH_KEY_LEN: usize = 20;

/// The session keys of one master key: cipher key, salt and (for the AES-CM suites)
/// authentication key, for SRTP and for SRTCP.
///
/// Normally derived with [`SessionKeys::derive`]; [`SessionKeys::from_parts`] takes them
/// directly, as RFC 7714's examples and some test setups give them. Zeroized on drop; `Debug`
/// shows only the suite.
pub struct SessionKeys {
    suite: SrtpSuite,
    /// Whether the RFC 6904 header extension key and salt were derived (not by `from_parts`).
    has_header_keys: bool,
    b: Sealed<SessionBytes>,
}

#[derive(Zeroize)]
struct SessionBytes {
    srtp_key: [u8; 32],
    srtp_salt: [u8; 14],
    srtp_auth: [u8; AUTH_KEY_LEN],
    srtcp_key: [u8; 32],
    srtcp_salt: [u8; 14],
    srtcp_auth: [u8; AUTH_KEY_LEN],
    srtp_header_key: [u8; 32],
    srtp_header_salt: [u8; 14],
}

/// One run of the AES-CM PRF: `out` is the keystream for the IV `(master_salt ^ label) * 2^16`.
fn prf<C: BlockEncrypt<BlockSize = aes::cipher::consts::U16>>(
    cipher: &C,
    master_salt: &[u8; 14],
    label: u8,
    out: &mut [u8],
) {
    let mut x = [0u8; 16];
    x[..14].copy_from_slice(master_salt);
    // key_id = label || r (48 bits, 0 for kdr 0), right-aligned with the 112-bit salt.
    x[7] ^= label;
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        let mut block = x;
        block[14..].copy_from_slice(&(i as u16).to_be_bytes());
        cipher.encrypt_block((&mut block).into());
        chunk.copy_from_slice(&block[..chunk.len()]);
        block.zeroize();
    }
    x.zeroize();
}

impl SessionKeys {
    /// Derive the six session keys from a master key (key derivation rate 0).
    ///
    /// The AES-GCM suites' 12-byte master salt is zero-padded on the right to 14 bytes before
    /// the PRF, as libsrtp does (RFC 7714 errata 4938); their session salts are 12 bytes.
    /// The PRF is AES with the master key's length: AES-128, AES-192 for the AES-192-CM suites
    /// and AES-256 for AEAD_AES_256_GCM and the AES-256-CM suites (RFC 6188 §5.2).
    pub fn derive(master: &SrtpMasterKey) -> Self {
        crate::secret::scrubbed(|| Self::derive_unscrubbed(master))
    }

    fn derive_unscrubbed(master: &SrtpMasterKey) -> Self {
        let suite = master.suite();
        let mut salt = [0u8; 14];
        salt[..master.dangerous_salt().len()].copy_from_slice(master.dangerous_salt());
        let mut k = SessionKeys::zero(suite);
        let key = master.dangerous_key();
        // The PRF is AES of the master key's size (RFC 3711 §4.3.3, RFC 6188 §5.2 and §7).
        match key.len() {
            32 => k.fill(
                &aes::Aes256Enc::new_from_slice(key).expect("32-byte key"),
                &salt,
            ),
            24 => k.fill(
                &aes::Aes192Enc::new_from_slice(key).expect("24-byte key"),
                &salt,
            ),
            _ => k.fill(
                &aes::Aes128Enc::new_from_slice(key).expect("16-byte key"),
                &salt,
            ),
        }
        salt.zeroize();
        k
    }

    fn zero(suite: SrtpSuite) -> Self {
        SessionKeys {
            suite,
            has_header_keys: false,
            b: Sealed::new(SessionBytes {
                srtp_key: [0; 32],
                srtp_salt: [0; 14],
                srtp_auth: [0; AUTH_KEY_LEN],
                srtcp_key: [0; 32],
                srtcp_salt: [0; 14],
                srtcp_auth: [0; AUTH_KEY_LEN],
                srtp_header_key: [0; 32],
                srtp_header_salt: [0; 14],
            }),
        }
    }

    fn fill<C: BlockEncrypt<BlockSize = aes::cipher::consts::U16>>(
        &mut self,
        c: &C,
        salt: &[u8; 14],
    ) {
        let (kl, sl) = (self.suite.key_len(), self.suite.salt_len());
        prf(c, salt, LABEL_SRTP_ENCRYPTION, &mut self.b.srtp_key[..kl]);
        prf(c, salt, LABEL_SRTP_SALT, &mut self.b.srtp_salt[..sl]);
        prf(c, salt, LABEL_SRTCP_ENCRYPTION, &mut self.b.srtcp_key[..kl]);
        prf(c, salt, LABEL_SRTCP_SALT, &mut self.b.srtcp_salt[..sl]);
        if !self.suite.is_aead() {
            prf(c, salt, LABEL_SRTP_AUTH, &mut self.b.srtp_auth);
            prf(c, salt, LABEL_SRTCP_AUTH, &mut self.b.srtcp_auth);
            let h = &mut self.b.srtp_header_key[..kl];
            prf(c, salt, LABEL_SRTP_HEADER_ENCRYPTION, h);
            prf(
                c,
                salt,
                LABEL_SRTP_HEADER_SALT,
                &mut self.b.srtp_header_salt,
            );
            self.has_header_keys = true;
        }
    }

    /// Take session keys as they are. Keys are `suite.key_len()` bytes, salts
    /// `suite.salt_len()` bytes; the authentication keys are 20 bytes for the AES-CM suites and
    /// empty for AES-GCM. Anything else is [`Error::InvalidKeyLength`]; an all-zero
    /// authentication key of a NULL-cipher suite is [`Error::WeakKey`].
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        suite: SrtpSuite,
        srtp_key: &[u8],
        srtp_salt: &[u8],
        srtp_auth_key: &[u8],
        srtcp_key: &[u8],
        srtcp_salt: &[u8],
        srtcp_auth_key: &[u8],
    ) -> Result<Self> {
        let auth_len = if suite.is_aead() { 0 } else { AUTH_KEY_LEN };
        if srtp_key.len() != suite.key_len()
            || srtcp_key.len() != suite.key_len()
            || srtp_salt.len() != suite.salt_len()
            || srtcp_salt.len() != suite.salt_len()
            || srtp_auth_key.len() != auth_len
            || srtcp_auth_key.len() != auth_len
        {
            return Err(Error::InvalidKeyLength);
        }
        if suite.is_null_cipher()
            && (crate::secret::all_zero(srtp_auth_key) || crate::secret::all_zero(srtcp_auth_key))
        {
            return Err(Error::WeakKey);
        }
        let mut k = SessionKeys::zero(suite);
        k.b.srtp_key[..srtp_key.len()].copy_from_slice(srtp_key);
        k.b.srtp_salt[..srtp_salt.len()].copy_from_slice(srtp_salt);
        k.b.srtp_auth[..auth_len].copy_from_slice(srtp_auth_key);
        k.b.srtcp_key[..srtcp_key.len()].copy_from_slice(srtcp_key);
        k.b.srtcp_salt[..srtcp_salt.len()].copy_from_slice(srtcp_salt);
        k.b.srtcp_auth[..auth_len].copy_from_slice(srtcp_auth_key);
        Ok(k)
    }

    /// The suite these keys are for.
    pub fn suite(&self) -> SrtpSuite {
        self.suite
    }

    fn auth_len(&self) -> usize {
        if self.suite.is_aead() {
            0
        } else {
            AUTH_KEY_LEN
        }
    }

    /// The SRTP cipher key (label 0). Dangerous: for test vectors and tools; never log or
    /// store it.
    pub fn dangerous_srtp_key(&self) -> &[u8] {
        &self.b.srtp_key[..self.suite.key_len()]
    }

    /// The SRTP session salt (label 2): 14 bytes for AES-CM, 12 for AES-GCM.
    pub fn dangerous_srtp_salt(&self) -> &[u8] {
        &self.b.srtp_salt[..self.suite.salt_len()]
    }

    /// The SRTP authentication key (label 1): 20 bytes for AES-CM, empty for AES-GCM.
    pub fn dangerous_srtp_auth_key(&self) -> &[u8] {
        &self.b.srtp_auth[..self.auth_len()]
    }

    /// The RFC 6904 header extension key (label 6) and salt (label 7) of the AES-CM suites;
    /// `None` for AES-GCM and for keys given with [`SessionKeys::from_parts`].
    pub(crate) fn srtp_header_key_and_salt(&self) -> Option<(&[u8], &[u8])> {
        self.has_header_keys.then(|| {
            (
                &self.b.srtp_header_key[..self.suite.key_len()],
                &self.b.srtp_header_salt[..],
            )
        })
    }

    /// The SRTCP cipher key (label 3). Do not log it.
    pub fn dangerous_srtcp_key(&self) -> &[u8] {
        &self.b.srtcp_key[..self.suite.key_len()]
    }

    /// The SRTCP session salt (label 5).
    pub fn dangerous_srtcp_salt(&self) -> &[u8] {
        &self.b.srtcp_salt[..self.suite.salt_len()]
    }

    /// The SRTCP authentication key (label 4): 20 bytes for AES-CM, empty for AES-GCM.
    pub fn dangerous_srtcp_auth_key(&self) -> &[u8] {
        &self.b.srtcp_auth[..self.auth_len()]
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionKeys({}, redacted)", self.suite.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let m =
            SrtpMasterKey::new(SrtpSuite::AesCm128HmacSha1_80, &[0xab; 16], &[0xcd; 14]).unwrap();
        let k = SessionKeys::derive(&m);
        let d = format!("{k:?}");
        assert_eq!(d, "SessionKeys(AES_CM_128_HMAC_SHA1_80, redacted)");
    }

    #[test]
    fn lengths_follow_the_suite() {
        for suite in SrtpSuite::ALL {
            let m =
                SrtpMasterKey::new(suite, &vec![1; suite.key_len()], &vec![2; suite.salt_len()])
                    .unwrap();
            let k = SessionKeys::derive(&m);
            assert_eq!(k.dangerous_srtp_key().len(), suite.key_len());
            assert_eq!(k.dangerous_srtcp_salt().len(), suite.salt_len());
            assert_eq!(
                k.dangerous_srtp_auth_key().len(),
                if suite.is_aead() { 0 } else { 20 }
            );
            assert_ne!(k.dangerous_srtp_key(), k.dangerous_srtcp_key());
        }
        assert_eq!(
            SessionKeys::from_parts(
                SrtpSuite::AeadAes128Gcm,
                &[0; 16],
                &[0; 12],
                &[0; 20],
                &[0; 16],
                &[0; 12],
                &[]
            )
            .unwrap_err(),
            Error::InvalidKeyLength
        );
    }
}
