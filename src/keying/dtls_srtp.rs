//! DTLS-SRTP keying (RFC 5764 §4.2): the SRTP master keys of both directions from the output
//! of the DTLS exporter. The DTLS handshake itself is the application's (callseal stays
//! sans-IO): it negotiates `use_srtp`, exports [`exporter_len`] bytes with the label
//! [`EXPORTER_LABEL`] and no context, and hands them in with its DTLS role.

use crate::error::{Error, Result};
use crate::secret::SrtpMasterKey;
use crate::session::PacketKeys;
use crate::types::SrtpSuite;

/// The exporter label of DTLS-SRTP (RFC 5764 §4.2).
pub const EXPORTER_LABEL: &str = "EXTRACTOR-dtls_srtp";

/// This side's role in the DTLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtlsRole {
    /// The DTLS client: it sends with the client write key.
    Client,
    /// The DTLS server: it sends with the server write key.
    Server,
}

names!(DtlsRole, crate::Error::UnknownName, "`client` or `server`.", {
    Client => "client",
    Server => "server",
});

/// How many bytes to export for `suite`: `2 * (key length + salt length)`.
pub fn exporter_len(suite: SrtpSuite) -> usize {
    2 * (suite.key_len() + suite.salt_len())
}

/// The hop-by-hop SRTP keys of this side from the DTLS exporter output, laid out as RFC 5764
/// §4.2 says: `client_write_SRTP_master_key ‖ server_write_SRTP_master_key ‖
/// client_write_SRTP_master_salt ‖ server_write_SRTP_master_salt`. The client sends with the
/// client's key and salt and receives with the server's; the server the other way round.
/// `suite` is the negotiated protection profile ([`SrtpSuite::from_id`] reads its number).
///
/// [`Error::InvalidKeyLength`] when `exporter` is not [`exporter_len`] bytes long;
/// [`Error::UnsupportedSuite`] for a suite that has no DTLS-SRTP protection profile (the
/// RFC 6188 AES-192/256-CM suites).
///
/// ```
/// use callseal::keying::{dtls_srtp_keys, exporter_len, DtlsRole};
/// use callseal::SrtpSuite;
///
/// let suite = SrtpSuite::from_id(0x0007)?; // SRTP_AEAD_AES_128_GCM
/// let exported = [7u8; 56]; // from the DTLS stack: export_keying_material("EXTRACTOR-dtls_srtp", 56)
/// assert_eq!(exporter_len(suite), exported.len());
/// let client = dtls_srtp_keys(suite, &exported, DtlsRole::Client)?;
/// let server = dtls_srtp_keys(suite, &exported, DtlsRole::Server)?;
/// assert_eq!(client.outbound.dangerous_key(), server.inbound.dangerous_key());
/// # Ok::<(), callseal::Error>(())
/// ```
pub fn dtls_srtp_keys(suite: SrtpSuite, exporter: &[u8], role: DtlsRole) -> Result<PacketKeys> {
    if suite.id().is_none() {
        return Err(Error::UnsupportedSuite);
    }
    if exporter.len() != exporter_len(suite) {
        return Err(Error::InvalidKeyLength);
    }
    let (k, s) = (suite.key_len(), suite.salt_len());
    let (keys, salts) = exporter.split_at(2 * k);
    let client = SrtpMasterKey::new(suite, &keys[..k], &salts[..s])?;
    let server = SrtpMasterKey::new(suite, &keys[k..], &salts[s..])?;
    Ok(match role {
        DtlsRole::Client => PacketKeys::new(client, server),
        DtlsRole::Server => PacketKeys::new(server, client),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exporter_splits_as_rfc_5764_says() {
        let profiled = SrtpSuite::ALL.into_iter().chain(SrtpSuite::NULL);
        for suite in profiled.filter(|s| s.id().is_some()) {
            let (k, s) = (suite.key_len(), suite.salt_len());
            // Every byte says where it is: 0x1? client key, 0x2? server key, 0x3? client
            // salt, 0x4? server salt.
            let mut out = Vec::new();
            for (tag, n) in [(0x10u8, k), (0x20, k), (0x30, s), (0x40, s)] {
                out.extend((0..n).map(|i| tag | (i as u8 & 0x0f)));
            }
            assert_eq!(out.len(), exporter_len(suite));
            let c = dtls_srtp_keys(suite, &out, DtlsRole::Client).unwrap();
            let v = dtls_srtp_keys(suite, &out, DtlsRole::Server).unwrap();
            assert!(c.outbound.dangerous_key().iter().all(|b| b >> 4 == 1));
            assert!(c.outbound.dangerous_salt().iter().all(|b| b >> 4 == 3));
            assert!(c.inbound.dangerous_key().iter().all(|b| b >> 4 == 2));
            assert!(c.inbound.dangerous_salt().iter().all(|b| b >> 4 == 4));
            assert_eq!(v.outbound.dangerous_key(), c.inbound.dangerous_key());
            assert_eq!(v.outbound.dangerous_salt(), c.inbound.dangerous_salt());
            assert_eq!(v.inbound.dangerous_key(), c.outbound.dangerous_key());
            assert_eq!(c.outbound.suite(), suite);
            for bad in [0, out.len() - 1, out.len() + 1] {
                let mut b = out.clone();
                b.resize(bad, 0);
                assert_eq!(
                    dtls_srtp_keys(suite, &b, DtlsRole::Client).err(),
                    Some(Error::InvalidKeyLength)
                );
            }
        }
    }

    #[test]
    fn suites_without_a_profile_are_refused() {
        for suite in SrtpSuite::ALL.into_iter().filter(|s| s.id().is_none()) {
            let out = vec![0x5a; exporter_len(suite)];
            assert_eq!(
                dtls_srtp_keys(suite, &out, DtlsRole::Client).err(),
                Some(Error::UnsupportedSuite),
                "{suite:?}"
            );
        }
    }
}
