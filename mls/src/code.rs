//! The group security code: what every member shows so that all can check they are in the
//! same group with the same members.

use callseal::handshake::SecurityCode;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

/// The HKDF-Expand label of the group code.
pub const GROUP_CODE_LABEL: &[u8] = b"callseal v1 group security code";

/// The group security code of an MLS epoch:
/// `HKDF-Expand(HKDF-Extract("", epoch_authenticator), "callseal v1 group security code", 20)`,
/// formatted as the handshake's code (four 5-byte big-endian integers mod 100000,
/// `"ddddd ddddd ddddd ddddd"`).
///
/// The epoch authenticator (RFC 9420 §8.7) is equal on every member that agrees on the group
/// state, membership included, and changes at every epoch.
pub fn group_code(epoch_authenticator: &[u8]) -> SecurityCode {
    let mut bytes = [0u8; 20];
    Hkdf::<Sha256>::new(None, epoch_authenticator)
        .expand(GROUP_CODE_LABEL, &mut bytes)
        .expect("20 bytes is a valid HKDF-SHA256 length");
    let code = SecurityCode::from_bytes(&bytes);
    bytes.zeroize();
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_the_hkdf_of_the_authenticator() {
        let auth = [0x42u8; 32];
        let mut bytes = [0u8; 20];
        let prk = hkdf::Hkdf::<Sha256>::new(Some(&[0u8; 32]), &auth);
        prk.expand(GROUP_CODE_LABEL, &mut bytes).unwrap();
        assert_eq!(group_code(&auth), SecurityCode::from_bytes(&bytes));
        assert_ne!(group_code(&auth), group_code(&[0x43u8; 32]));
        assert_eq!(group_code(&auth).as_str().len(), 23);
    }
}
