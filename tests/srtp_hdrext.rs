//! Encrypted header extensions (RFC 6904): exactly the data of the chosen elements changes,
//! in both RFC 8285 forms; malformed blocks are refused with nothing changed; and the
//! configurations RFC 6904 cannot take are refused, cryptex with it first of all. (The live
//! libsrtp runs are in interop/: libsrtp.rs and libsrtp_debian.rs.)

use callseal::srtp::{ExtensionIds, SessionKeys, SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Error, Malformed, SrtpMasterKey, SrtpSuite};

fn key(suite: SrtpSuite) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &vec![0x42; suite.key_len()],
        &vec![0x24; suite.salt_len()],
    )
    .unwrap()
}

/// A packet with a one-byte block: elements 1 (2 bytes), 2 (3 bytes), padding, 3 (1 byte),
/// padding to the word.
fn one_byte() -> Vec<u8> {
    let mut p = vec![0x90, 96, 0, 7, 0, 0, 0, 1, 0, 0, 0, 9, 0xbe, 0xde, 0, 3];
    p.extend_from_slice(&[0x11, 0xa1, 0xa2, 0x22, 0xb1, 0xb2, 0xb3, 0x00, 0x30, 0xc1]);
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(b"payload");
    p
}

/// The same elements in a two-byte block (profile 0x1000, element 2 empty).
fn two_byte() -> Vec<u8> {
    let mut p = vec![0x90, 96, 0, 8, 0, 0, 0, 1, 0, 0, 0, 9, 0x10, 0x00, 0, 3];
    p.extend_from_slice(&[1, 2, 0xa1, 0xa2, 2, 0, 0, 3, 3, 0xc1, 0xc2, 0xc3]);
    p.extend_from_slice(b"payload");
    p
}

fn config(ids: &[u8]) -> SrtpConfig {
    ids.iter()
        .fold(SrtpConfig::default(), |c, &i| c.with_encrypted_extension(i))
}

/// Elements 1 and 3 encrypted, 2 not: only their data bytes differ on the wire.
#[test]
fn only_the_chosen_elements_data_changes() {
    for suite in [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::Aes192CmHmacSha1_32,
        SrtpSuite::Aes256CmHmacSha1_80,
    ] {
        for (p, chosen) in [
            (one_byte(), &[17usize, 18, 25][..]),
            (two_byte(), &[18, 19, 25, 26, 27][..]),
        ] {
            let mut tx = SrtpSender::new(&key(suite), config(&[1, 3])).unwrap();
            let mut rx = SrtpReceiver::new(&key(suite), config(&[1, 3])).unwrap();
            let s = tx.protect_rtp_vec(&p).unwrap();
            for i in 0..28 {
                assert_eq!(s[i] != p[i], chosen.contains(&i), "{suite} byte {i}");
            }
            let mut forged = s.clone();
            forged[chosen[0]] ^= 1;
            assert_eq!(rx.unprotect_rtp_vec(&forged), Err(Error::Authentication));
            assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p);
            // A receiver that does not decrypt extensions sees the ciphertext.
            let mut plain_rx = SrtpReceiver::new(&key(suite), SrtpConfig::default()).unwrap();
            assert_ne!(plain_rx.unprotect_rtp_vec(&s).unwrap(), p);
        }
    }
}

/// An element that runs past its block is refused before anything changes.
#[test]
fn malformed_blocks_change_nothing() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let mut p = one_byte();
    p[24] = 0x3f; // element 3 claims 16 bytes
    let mut tx = SrtpSender::new(&key(suite), config(&[1, 3])).unwrap();
    let mut buf = p.clone();
    buf.resize(p.len() + 10, 0);
    let before = buf.clone();
    assert_eq!(
        tx.protect_rtp(&mut buf, p.len()),
        Err(Error::Malformed(Malformed::Length))
    );
    assert_eq!(buf, before);
    assert_eq!(tx.stream_count(), 0);
    // The receiver refuses it too, with nothing changed, even when the tag is right.
    let mut plain_tx = SrtpSender::new(&key(suite), SrtpConfig::default()).unwrap();
    let s = plain_tx.protect_rtp_vec(&p).unwrap();
    let mut rx = SrtpReceiver::new(&key(suite), config(&[1, 3])).unwrap();
    let mut got = s.clone();
    assert_eq!(
        rx.unprotect_rtp(&mut got).unwrap_err(),
        Error::Malformed(Malformed::Length)
    );
    assert_eq!(got, s);
    assert_eq!(rx.stream_count(), 0);
}

#[test]
fn configurations_rfc6904_cannot_take() {
    let ids = config(&[1]);
    for (suite, cfg) in [
        (SrtpSuite::AeadAes128Gcm, ids),
        (SrtpSuite::AesCm128HmacSha1_80, ids.with_cryptex(true)),
        (
            SrtpSuite::AesCm128HmacSha1_80,
            ids.with_rcc(callseal::srtp::RccMode::Mode1, 1),
        ),
        (SrtpSuite::NullHmacSha1_80, ids.with_null_cipher_allowed()),
    ] {
        assert_eq!(
            SrtpSender::new(&key(suite), cfg).unwrap_err(),
            Error::InvalidConfig,
            "{suite} {cfg:?}"
        );
        assert_eq!(
            SrtpReceiver::new(&key(suite), cfg).unwrap_err(),
            Error::InvalidConfig
        );
    }
    // Session keys given directly carry no header extension key.
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let k = SessionKeys::from_parts(
        suite, &[1; 16], &[2; 14], &[3; 20], &[4; 16], &[5; 14], &[6; 20],
    )
    .unwrap();
    assert_eq!(
        SrtpSender::from_session_keys(&k, ids).unwrap_err(),
        Error::InvalidConfig
    );
}

#[test]
fn extension_id_sets() {
    let ids = ExtensionIds::NONE.with(1).with(14).with(255).with(0);
    assert!(ids.contains(1) && ids.contains(14) && ids.contains(255));
    assert!(!ids.contains(0) && !ids.contains(2) && !ids.contains(64));
    assert!(ExtensionIds::NONE.is_empty() && !ids.is_empty());
    assert_eq!(format!("{ids:?}"), "{1, 14, 255}");
}
