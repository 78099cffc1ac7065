//! Key lifetime (RFC 3711 §8.1, the `|2^20` of an SDES key): a sender stops protecting with a
//! key at its lifetime, with the "rekey soon" signal before it, and a new key carries on.

use callseal::srtp::{Mki, SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Error, SrtpMasterKey, SrtpSuite, Ssrc, MAX_KEY_LIFETIME};

fn key(suite: SrtpSuite, seed: u8) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &vec![seed; suite.key_len()],
        &vec![!seed; suite.salt_len()],
    )
    .unwrap()
}

fn rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 9]);
    p.extend_from_slice(b"payload");
    p
}

fn rtcp() -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6, 0, 0, 0, 9];
    p.extend_from_slice(&[5; 20]);
    p
}

#[test]
fn lifetime_range() {
    let k = || key(SrtpSuite::AesCm128HmacSha1_80, 1);
    assert_eq!(k().lifetime(), MAX_KEY_LIFETIME);
    assert_eq!(k().with_lifetime(0).unwrap_err(), Error::InvalidConfig);
    assert_eq!(
        k().with_lifetime(MAX_KEY_LIFETIME + 1).unwrap_err(),
        Error::InvalidConfig
    );
    assert_eq!(
        k().with_lifetime(MAX_KEY_LIFETIME).unwrap().lifetime(),
        MAX_KEY_LIFETIME
    );
    assert_eq!(k().with_lifetime(1 << 20).unwrap().lifetime(), 1 << 20);
}

/// A key of lifetime 32 protects 32 RTP and 32 RTCP packets; "rekey soon" turns true at 30
/// (15/16); the 33rd packet is refused with nothing changed; a rekey carries on the stream.
#[test]
fn expiry_soft_signal_and_rekey() {
    for suite in SrtpSuite::ALL {
        let mut tx = SrtpSender::new(
            &key(suite, 1).with_lifetime(32).unwrap(),
            SrtpConfig::default(),
        )
        .unwrap();
        let mut rx = SrtpReceiver::new(&key(suite, 1), SrtpConfig::default()).unwrap();
        for seq in 0..32u16 {
            assert_eq!(tx.rekey_soon(), seq >= 30, "{suite} before packet {seq}");
            let p = tx.protect_rtp_vec(&rtp(seq)).unwrap();
            assert_eq!(rx.unprotect_rtp_vec(&p).unwrap(), rtp(seq));
        }
        assert!(tx.rekey_soon());
        let mut buf = vec![0u8; 64];
        buf[..rtp(32).len()].copy_from_slice(&rtp(32));
        let before = buf.clone();
        assert_eq!(
            tx.protect_rtp(&mut buf, rtp(32).len()),
            Err(Error::KeyExpired),
            "{suite}"
        );
        assert_eq!(buf, before, "{suite}: the refused packet is untouched");
        assert_eq!(tx.highest_index(Ssrc(9)).unwrap().0, 31);

        // SRTCP counts on its own: 32 packets, then the same error.
        for _ in 0..32 {
            let p = tx.protect_rtcp_vec(&rtcp()).unwrap();
            assert_eq!(rx.unprotect_rtcp_vec(&p).unwrap(), rtcp());
        }
        assert_eq!(tx.protect_rtcp_vec(&rtcp()), Err(Error::KeyExpired));
        assert_eq!(tx.srtcp_index(Ssrc(9)).unwrap().0, 32);

        // A new key carries on from the same index.
        tx.rekey(&key(suite, 2).with_lifetime(1000).unwrap())
            .unwrap();
        rx.rekey(&key(suite, 2)).unwrap();
        assert!(!tx.rekey_soon());
        let p = tx.protect_rtp_vec(&rtp(32)).unwrap();
        assert_eq!(rx.unprotect_rtp_vec(&p).unwrap(), rtp(32));
    }
}

/// With MKI each key has its own lifetime: the expired one refuses, switching to another key
/// carries on, and switching back still refuses.
#[test]
fn each_mki_key_has_its_own_lifetime() {
    let suite = SrtpSuite::AeadAes128Gcm;
    let cfg = SrtpConfig::default().with_mki_len(1);
    let short = key(suite, 1).with_lifetime(4).unwrap();
    let mut tx = SrtpSender::new_with_mki(Mki(1), &short, cfg).unwrap();
    tx.add_key(Mki(2), &key(suite, 2)).unwrap();
    let mut rx = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
    rx.add_key(Mki(1), &key(suite, 1)).unwrap();
    rx.add_key(Mki(2), &key(suite, 2)).unwrap();
    for seq in 0..4 {
        let p = tx.protect_rtp_vec(&rtp(seq)).unwrap();
        rx.unprotect_rtp_vec(&p).unwrap();
    }
    assert_eq!(tx.protect_rtp_vec(&rtp(4)), Err(Error::KeyExpired));
    tx.set_active_key(Mki(2)).unwrap();
    assert!(!tx.rekey_soon());
    let p = tx.protect_rtp_vec(&rtp(4)).unwrap();
    assert_eq!(rx.unprotect_rtp_vec(&p).unwrap(), rtp(4));
    tx.set_active_key(Mki(1)).unwrap();
    assert!(tx.rekey_soon());
    assert_eq!(tx.protect_rtp_vec(&rtp(5)), Err(Error::KeyExpired));
}

/// The configured soft limit still applies when it comes before 15/16 of the lifetime.
#[test]
fn the_earlier_soft_limit_wins() {
    let suite = SrtpSuite::AesCm128HmacSha1_32;
    let mut tx = SrtpSender::new(
        &key(suite, 3).with_lifetime(100).unwrap(),
        SrtpConfig::default().with_soft_limit(10),
    )
    .unwrap();
    for seq in 0..10 {
        assert!(!tx.rekey_soon());
        tx.protect_rtp_vec(&rtp(seq)).unwrap();
    }
    assert!(tx.rekey_soon());
}
