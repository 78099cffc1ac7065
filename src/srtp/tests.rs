//! Unit tests that need the crate's insides: cipher-level vectors, limits, MKI and error paths.

use super::cipher::KeyCipher;
use super::*;
use crate::error::Malformed;
use crate::secret::SrtpMasterKey;
use crate::types::{Roc, SrtpSuite, Ssrc};

fn load(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn master(suite: SrtpSuite, seed: u8) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &vec![seed; suite.key_len()],
        &vec![seed ^ 0x5a; suite.salt_len()],
    )
    .unwrap()
}

fn rtp(ssrc: u32, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&1234u32.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn rtcp(ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[7u8; 20]);
    p
}

/// RFC 7714 §16.x.3/16.x.4: GCM with the whole RTP packet as AAD and nothing to encrypt, with
/// the SRTP nonce; and §17.1 byte for byte from the SRTCP sender transform at index 1492.
#[test]
fn rfc7714_cipher_level() {
    for backend in crate::crypto::Backend::available() {
        let d = load("rfc7714-srtp-aes-gcm.json");
        let mut n = 0;
        for v in d["vectors"].as_array().unwrap() {
            let op = v["operation"].as_str().unwrap();
            if op != "tag_only" && op != "verify_tag" {
                continue;
            }
            let gcm = crate::crypto::AesGcm::new(&hx(&v["session_key"]), backend).unwrap();
            let salt: [u8; 12] = hx(&v["session_salt"]).try_into().unwrap();
            let ssrc = u32::from_str_radix(v["ssrc"].as_str().unwrap(), 16).unwrap();
            let nonce = super::cipher::gcm_nonce(&salt, ssrc, 0, v["seq"].as_u64().unwrap() as u16);
            assert_eq!(&nonce[..], &hx(&v["iv"])[..]);
            let tag = gcm.seal(nonce, &hx(&v["rtp_packet"]), &mut []).unwrap();
            assert_eq!(&tag[..], &hx(&v["tag"])[..]);
            gcm.open(nonce, &hx(&v["rtp_packet"]), &mut [], &tag)
                .unwrap();
            n += 1;
        }
        assert_eq!(n, 4);

        let d = load("rfc7714-srtcp-aes-gcm.json");
        let v = &d["vectors"][0];
        assert_eq!(v["operation"], "encrypt");
        let key = hx(&v["session_key"]);
        let salt = hx(&v["session_salt"]);
        let keys =
            SessionKeys::from_parts(SrtpSuite::AeadAes128Gcm, &key, &salt, &[], &key, &salt, &[])
                .unwrap();
        let c = KeyCipher::new(&keys, backend, false).unwrap();
        let packet = hx(&v["rtcp_packet"]);
        let mut buf = packet.clone();
        buf.resize(packet.len() + 20, 0);
        let ssrc = u32::from_str_radix(v["ssrc"].as_str().unwrap(), 16).unwrap();
        let out = c
            .protect_rtcp(
                &mut buf,
                packet.len(),
                ssrc,
                v["srtcp_index"].as_u64().unwrap() as u32,
                &[],
            )
            .unwrap();
        assert_eq!(&buf[..out], &hx(&v["srtcp_packet"])[..]);
    }
}

#[test]
fn config_is_checked() {
    let k = master(SrtpSuite::AeadAes128Gcm, 1);
    for bad in [
        SrtpConfig {
            replay_window: 63,
            ..Default::default()
        },
        SrtpConfig {
            replay_window: 32769,
            ..Default::default()
        },
        SrtpConfig {
            max_streams: 0,
            ..Default::default()
        },
        SrtpConfig {
            mki_len: 5,
            ..Default::default()
        },
        SrtpConfig {
            soft_limit: 0,
            ..Default::default()
        },
        SrtpConfig {
            soft_limit: (1 << 48) + 1,
            ..Default::default()
        },
    ] {
        assert_eq!(
            SrtpSender::new(&k, bad).unwrap_err(),
            Error::InvalidConfig,
            "{bad:?}"
        );
        assert_eq!(
            SrtpReceiver::new(&k, bad).unwrap_err(),
            Error::InvalidConfig,
            "{bad:?}"
        );
    }
    // MKI configured but a constructor without MKI, and the other way round.
    let c = SrtpConfig {
        mki_len: 1,
        ..Default::default()
    };
    assert_eq!(SrtpSender::new(&k, c).unwrap_err(), Error::MkiMismatch);
    assert_eq!(SrtpReceiver::new(&k, c).unwrap_err(), Error::MkiMismatch);
    assert_eq!(
        SrtpSender::new_with_mki(Mki(0), &k, SrtpConfig::default()).unwrap_err(),
        Error::MkiMismatch
    );
    assert_eq!(
        SrtpSender::new_with_mki(Mki(256), &k, c).unwrap_err(),
        Error::MkiTooLong
    );
    assert!(SrtpSender::new_with_mki(Mki(255), &k, c).is_ok());
}

#[test]
fn debug_shows_no_key_material() {
    let k = master(SrtpSuite::AesCm128HmacSha1_80, 0xab);
    let tx = SrtpSender::new(&k, SrtpConfig::default()).unwrap();
    let rx = SrtpReceiver::new(&k, SrtpConfig::default()).unwrap();
    for d in [format!("{tx:?}"), format!("{rx:?}")] {
        assert!(d.contains("AesCm128HmacSha1_80"), "{d}");
        assert!(
            !d.contains("171") && !d.to_lowercase().contains("abab"),
            "{d}"
        );
    }
}

#[test]
fn buffer_and_parse_errors_change_nothing() {
    for suite in SrtpSuite::ALL {
        let mut tx = SrtpSender::new(&master(suite, 2), SrtpConfig::default()).unwrap();
        let p = rtp(9, 1, b"abc");
        let mut buf = p.clone();
        assert_eq!(
            tx.protect_rtp(&mut buf, p.len()),
            Err(Error::BufferTooSmall {
                needed: p.len() + suite.srtp_overhead()
            })
        );
        assert_eq!(buf, p);
        assert_eq!(
            tx.protect_rtp(&mut buf, p.len() + 1),
            Err(Error::BufferTooSmall {
                needed: p.len() + 1 + suite.srtp_overhead()
            })
        );
        let mut short = vec![0x80u8; 40];
        assert_eq!(
            tx.protect_rtp(&mut short, 11),
            Err(Error::Malformed(Malformed::Truncated))
        );
        assert_eq!(
            tx.protect_rtcp(&mut short, 7),
            Err(Error::Malformed(Malformed::Truncated))
        );
        assert_eq!(tx.stream_count(), 0);
        let c = rtcp(9);
        let mut buf = c.clone();
        assert_eq!(
            tx.protect_rtcp(&mut buf, c.len()),
            Err(Error::BufferTooSmall {
                needed: c.len() + suite.srtcp_overhead()
            })
        );
        let mut rx = SrtpReceiver::new(&master(suite, 2), SrtpConfig::default()).unwrap();
        for len in 0..12 + suite.srtp_tag_len() {
            let mut b = vec![0x80u8; len];
            assert_eq!(
                rx.unprotect_rtp(&mut b).unwrap_err(),
                Error::Malformed(Malformed::Truncated),
                "{suite} {len}"
            );
        }
        for len in 0..12 + suite.srtcp_tag_len() {
            let mut b = vec![0x80u8; len];
            assert_eq!(
                rx.unprotect_rtcp(&mut b).unwrap_err(),
                Error::Malformed(Malformed::Truncated)
            );
        }
        assert_eq!(rx.stream_count(), 0);
    }
}

/// What a failed unprotect leaves in the buffer, as documented on `SrtpReceiver`.
#[test]
fn failed_unprotect_buffer_contents() {
    for suite in SrtpSuite::ALL {
        let mut tx = SrtpSender::new(&master(suite, 3), SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&master(suite, 3), SrtpConfig::default()).unwrap();
        let good = tx.protect_rtp_vec(&rtp(5, 10, &[0x33; 40])).unwrap();
        let mut bad = good.clone();
        *bad.last_mut().unwrap() ^= 0x80;
        let before = bad.clone();
        assert_eq!(rx.unprotect_rtp(&mut bad), Err(Error::Authentication));
        if suite.is_aead() {
            // ring zeroes the encrypted payload; header and tag stay.
            assert_eq!(&bad[..12], &before[..12]);
            assert!(bad[12..52].iter().all(|&b| b == 0));
            assert_eq!(&bad[52..], &before[52..]);
        } else {
            assert_eq!(bad, before);
        }
        assert_eq!(rx.stream_count(), 0);
        assert_eq!(
            rx.unprotect_rtp_vec(&good).unwrap(),
            rtp(5, 10, &[0x33; 40])
        );
    }
}

/// An SRTCP packet with E = 0 (authentication only) is accepted, and a forged one leaves the
/// buffer exactly as it was, for both families.
#[test]
fn srtcp_unencrypted_round_trip_and_intact_on_failure() {
    for backend in crate::crypto::Backend::available() {
        for suite in [SrtpSuite::AeadAes128Gcm, SrtpSuite::AesCm128HmacSha1_32] {
            let keys = SessionKeys::derive(&master(suite, 4));
            let c = KeyCipher::new(&keys, backend, false).unwrap();
            let packet = rtcp(0x1234);
            // Build an E = 0 packet by hand: the cipher layer's sender always sets E = 1, so
            // protect, then recompute the tag over the clear packet with the same transform.
            let mut buf = packet.clone();
            buf.resize(packet.len() + suite.srtcp_overhead(), 0);
            let n = if suite.is_aead() {
                let gcm = crate::crypto::AesGcm::new(keys.dangerous_srtcp_key(), backend).unwrap();
                let salt: [u8; 12] = keys.dangerous_srtcp_salt().try_into().unwrap();
                let nonce = super::cipher::gcm_nonce(&salt, 0x1234, 0, 0);
                let nonce = super::cipher::xor_tail(nonce, 77);
                let mut aad = packet.clone();
                aad.extend_from_slice(&77u32.to_be_bytes());
                let tag = gcm.seal(nonce, &aad, &mut []).unwrap();
                buf[packet.len()..packet.len() + 16].copy_from_slice(&tag);
                buf[packet.len() + 16..packet.len() + 20].copy_from_slice(&77u32.to_be_bytes());
                packet.len() + 20
            } else {
                let mac = crate::crypto::HmacSha1::new(keys.dangerous_srtcp_auth_key());
                let mut m = mac.start();
                hmac::Mac::update(&mut m, &packet);
                hmac::Mac::update(&mut m, &77u32.to_be_bytes());
                let full = hmac::Mac::finalize(m).into_bytes();
                buf[packet.len()..packet.len() + 4].copy_from_slice(&77u32.to_be_bytes());
                buf[packet.len() + 4..packet.len() + 14].copy_from_slice(&full[..10]);
                packet.len() + 14
            };
            buf.truncate(n);
            let _ = c;
            let mut rx = SrtpReceiver::from_session_keys(&keys, SrtpConfig::default()).unwrap();
            let mut forged = buf.clone();
            forged[9] ^= 1;
            let before = forged.clone();
            assert_eq!(rx.unprotect_rtcp(&mut forged), Err(Error::Authentication));
            assert_eq!(forged, before, "{suite}");
            assert_eq!(rx.unprotect_rtcp_vec(&buf).unwrap(), packet, "{suite}");
            assert_eq!(rx.srtcp_index(Ssrc(0x1234)).unwrap().0, 77);
        }
    }
}

#[test]
fn sender_refuses_index_reuse() {
    let mut tx =
        SrtpSender::new(&master(SrtpSuite::AeadAes128Gcm, 5), SrtpConfig::default()).unwrap();
    tx.protect_rtp_vec(&rtp(1, 1000, b"a")).unwrap();
    tx.protect_rtp_vec(&rtp(1, 1002, b"b")).unwrap();
    assert_eq!(tx.protect_rtp_vec(&rtp(1, 1000, b"c")), Err(Error::Replay));
    // Out of order but never used: fine.
    tx.protect_rtp_vec(&rtp(1, 1001, b"d")).unwrap();
    tx.protect_rtp_vec(&rtp(1, 1500, b"e")).unwrap();
    assert_eq!(tx.protect_rtp_vec(&rtp(1, 1100, b"f")), Err(Error::TooOld));
    assert_eq!(tx.highest_index(Ssrc(1)).unwrap().0, 1500);
}

#[test]
fn index_and_srtcp_limits() {
    for suite in SrtpSuite::ALL {
        let mut tx = SrtpSender::new(&master(suite, 6), SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&master(suite, 6), SrtpConfig::default()).unwrap();
        tx.set_roc(Ssrc(3), Roc(u32::MAX)).unwrap();
        rx.set_roc(Ssrc(3), Roc(u32::MAX)).unwrap();
        for seq in [65534u16, 65535] {
            let p = tx.protect_rtp_vec(&rtp(3, seq, b"x")).unwrap();
            rx.unprotect_rtp_vec(&p).unwrap();
        }
        assert_eq!(tx.roc(Ssrc(3)), Some(Roc(u32::MAX)));
        // The next index would be 2^48: exhausted on both sides, nothing changes.
        assert_eq!(
            tx.protect_rtp_vec(&rtp(3, 0, b"x")),
            Err(Error::LimitReached)
        );
        assert_eq!(tx.highest_index(Ssrc(3)).unwrap().0, (1 << 48) - 1);
        let other = SrtpSender::new(&master(suite, 6), SrtpConfig::default());
        let mut other = other.unwrap();
        other.set_roc(Ssrc(3), Roc(u32::MAX)).unwrap();
        // A packet with index ROC 2^32-1 SEQ 0 from a sender that started there decrypts fine,
        // but the receiver at SEQ 65535 estimates ROC 2^32 for SEQ 0: refused as exhausted.
        let p = other.protect_rtp_vec(&rtp(3, 0, b"x")).unwrap();
        assert_eq!(rx.unprotect_rtp_vec(&p), Err(Error::LimitReached));
        // set_roc only before the first packet.
        assert_eq!(tx.set_roc(Ssrc(3), Roc(0)), Err(Error::StreamStarted));
        assert_eq!(rx.set_roc(Ssrc(3), Roc(0)), Err(Error::StreamStarted));
    }
}

#[test]
fn srtcp_index_limit() {
    let mut tx =
        SrtpSender::new(&master(SrtpSuite::AeadAes128Gcm, 7), SrtpConfig::default()).unwrap();
    tx.protect_rtcp_vec(&rtcp(8)).unwrap();
    tx.streams_for_test(8, |s| s.srtcp_last = (1 << 31) - 2);
    let p = tx.protect_rtcp_vec(&rtcp(8)).unwrap();
    assert_eq!(&p[p.len() - 4..], &[0xff, 0xff, 0xff, 0xff]);
    assert_eq!(tx.protect_rtcp_vec(&rtcp(8)), Err(Error::LimitReached));
    assert_eq!(tx.srtcp_index(Ssrc(8)).unwrap().0, (1 << 31) - 1);
}

#[test]
fn soft_limit_and_rekey() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let cfg = SrtpConfig {
        soft_limit: 3,
        ..Default::default()
    };
    let mut tx = SrtpSender::new(&master(suite, 8), cfg).unwrap();
    let mut rx = SrtpReceiver::new(&master(suite, 8), cfg).unwrap();
    for seq in 65533..=65535u16 {
        assert!(!tx.rekey_soon());
        let p = tx.protect_rtp_vec(&rtp(4, seq, b"old")).unwrap();
        rx.unprotect_rtp_vec(&p).unwrap();
    }
    assert!(tx.rekey_soon());
    tx.rekey(&master(suite, 9)).unwrap();
    assert!(!tx.rekey_soon());
    let p = tx.protect_rtp_vec(&rtp(4, 0, b"new")).unwrap();
    // The receiver still has the old key: the new packet fails and changes nothing.
    assert_eq!(rx.unprotect_rtp_vec(&p), Err(Error::Authentication));
    assert_eq!(rx.roc(Ssrc(4)), Some(Roc(0)));
    rx.rekey(&master(suite, 9)).unwrap();
    assert_eq!(rx.unprotect_rtp_vec(&p).unwrap(), rtp(4, 0, b"new"));
    // The ROC carried over the rekey on both sides.
    assert_eq!(rx.roc(Ssrc(4)), Some(Roc(1)));
    assert_eq!(tx.roc(Ssrc(4)), Some(Roc(1)));
    assert_eq!(rx.unprotect_rtp_vec(&p), Err(Error::Replay));
    // Rekeying to another suite is refused.
    assert_eq!(
        tx.rekey(&master(SrtpSuite::AeadAes128Gcm, 9)),
        Err(Error::SuiteMismatch)
    );
}

#[test]
fn too_many_streams() {
    let suite = SrtpSuite::AeadAes256Gcm;
    let cfg = SrtpConfig {
        max_streams: 2,
        ..Default::default()
    };
    let mut tx = SrtpSender::new(&master(suite, 10), SrtpConfig::default()).unwrap();
    let mut small_tx = SrtpSender::new(&master(suite, 10), cfg).unwrap();
    let mut rx = SrtpReceiver::new(&master(suite, 10), cfg).unwrap();
    let a = tx.protect_rtp_vec(&rtp(1, 1, b"a")).unwrap();
    let b = tx.protect_rtcp_vec(&rtcp(2)).unwrap();
    let c = tx.protect_rtp_vec(&rtp(3, 1, b"c")).unwrap();
    rx.unprotect_rtp_vec(&a).unwrap();
    rx.unprotect_rtcp_vec(&b).unwrap();
    assert_eq!(rx.unprotect_rtp_vec(&c), Err(Error::TooManyStreams));
    assert!(rx.remove_stream(Ssrc(2)).unwrap());
    rx.unprotect_rtp_vec(&c).unwrap();
    small_tx.protect_rtp_vec(&rtp(1, 1, b"a")).unwrap();
    small_tx.protect_rtp_vec(&rtp(2, 1, b"a")).unwrap();
    assert_eq!(
        small_tx.protect_rtp_vec(&rtp(3, 1, b"a")),
        Err(Error::TooManyStreams)
    );
    assert_eq!(
        small_tx.protect_rtcp_vec(&rtcp(4)),
        Err(Error::TooManyStreams)
    );
    assert_eq!(
        small_tx.set_roc(Ssrc(5), Roc(1)),
        Err(Error::TooManyStreams)
    );
}

/// MKI: several keys at once, picked by the packet's MKI; state shared across keys.
#[test]
fn mki_epochs() {
    for suite in SrtpSuite::ALL {
        let cfg = SrtpConfig {
            mki_len: 1,
            ..Default::default()
        };
        let mut tx = SrtpSender::new_with_mki(Mki(0), &master(suite, 20), cfg).unwrap();
        let mut rx = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
        assert_eq!(tx.srtp_overhead(), suite.srtp_overhead() + 1);
        assert_eq!(tx.srtcp_overhead(), suite.srtcp_overhead() + 1);
        let first = tx.protect_rtp_vec(&rtp(7, 65534, b"epoch 0")).unwrap();
        let old = tx.protect_rtp_vec(&rtp(7, 65535, b"epoch 0")).unwrap();
        let old_rtcp = tx.protect_rtcp_vec(&rtcp(7)).unwrap();
        assert_eq!(rx.unprotect_rtp_vec(&old), Err(Error::UnknownKey));
        rx.add_key(Mki(0), &master(suite, 20)).unwrap();
        rx.unprotect_rtp_vec(&first).unwrap();
        tx.add_key(Mki(1), &master(suite, 21)).unwrap();
        rx.add_key(Mki(1), &master(suite, 21)).unwrap();
        assert_eq!(rx.keys().collect::<Vec<_>>(), vec![Mki(0), Mki(1)]);
        assert_eq!(
            tx.add_key(Mki(1), &master(suite, 22)),
            Err(Error::DuplicateMki)
        );
        assert_eq!(
            tx.add_key(Mki(300), &master(suite, 22)),
            Err(Error::MkiTooLong)
        );
        tx.set_active_key(Mki(1)).unwrap();
        assert_eq!(tx.active_key(), Some(Mki(1)));
        let new = tx.protect_rtp_vec(&rtp(7, 0, b"epoch 1")).unwrap();
        let new_rtcp = tx.protect_rtcp_vec(&rtcp(7)).unwrap();
        // Where the MKI sits: before the tag for AES-CM, at the very end for AES-GCM.
        let at = if suite.is_aead() {
            new.len() - 1
        } else {
            new.len() - 1 - suite.srtp_tag_len()
        };
        assert_eq!(new[at], 1);
        let at = if suite.is_aead() {
            new_rtcp.len() - 1
        } else {
            new_rtcp.len() - 11
        };
        assert_eq!(new_rtcp[at], 1);
        // New epoch first, then the late old-epoch packet: both decrypt, one shared window.
        assert_eq!(rx.unprotect_rtp_vec(&new).unwrap(), rtp(7, 0, b"epoch 1"));
        assert_eq!(
            rx.unprotect_rtp_vec(&old).unwrap(),
            rtp(7, 65535, b"epoch 0")
        );
        assert_eq!(rx.unprotect_rtp_vec(&old), Err(Error::Replay));
        assert_eq!(rx.roc(Ssrc(7)), Some(Roc(1)));
        assert_eq!(rx.unprotect_rtcp_vec(&new_rtcp).unwrap(), rtcp(7));
        assert_eq!(rx.unprotect_rtcp_vec(&old_rtcp).unwrap(), rtcp(7));
        // A packet whose MKI byte is changed to the other key's fails authentication; to an
        // unknown one, UnknownKey.
        let mut swapped = new.clone();
        let at = if suite.is_aead() {
            new.len() - 1
        } else {
            new.len() - 1 - suite.srtp_tag_len()
        };
        swapped[at] = 0;
        let mut rx2 = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
        rx2.add_key(Mki(0), &master(suite, 20)).unwrap();
        rx2.add_key(Mki(1), &master(suite, 21)).unwrap();
        rx2.unprotect_rtp_vec(&first).unwrap();
        assert_eq!(rx2.unprotect_rtp_vec(&swapped), Err(Error::Authentication));
        swapped[at] = 9;
        assert_eq!(rx2.unprotect_rtp_vec(&swapped), Err(Error::UnknownKey));
        // Retire the old epoch.
        assert_eq!(tx.remove_key(Mki(1)), Err(Error::RemoveActiveKey));
        tx.remove_key(Mki(0)).unwrap();
        rx.remove_key(Mki(0)).unwrap();
        assert_eq!(rx.remove_key(Mki(0)), Err(Error::UnknownKey));
        assert_eq!(
            rx2.unprotect_rtp_vec(&old).unwrap(),
            rtp(7, 65535, b"epoch 0")
        );
        let mut rx3 = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
        rx3.add_key(Mki(1), &master(suite, 21)).unwrap();
        assert_eq!(rx3.unprotect_rtp_vec(&old), Err(Error::UnknownKey));
        assert_eq!(tx.set_active_key(Mki(0)), Err(Error::UnknownKey));
        assert_eq!(tx.rekey(&master(suite, 1)), Err(Error::MkiMismatch));
    }
}

#[test]
fn mki_four_bytes_big_endian() {
    let suite = SrtpSuite::AeadAes128Gcm;
    let cfg = SrtpConfig {
        mki_len: 4,
        ..Default::default()
    };
    let mut tx = SrtpSender::new_with_mki(Mki(0x01020304), &master(suite, 1), cfg).unwrap();
    let p = tx.protect_rtp_vec(&rtp(1, 1, b"x")).unwrap();
    assert_eq!(&p[p.len() - 4..], &[1, 2, 3, 4]);
    let mut rx = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
    rx.add_key(Mki(0x01020304), &master(suite, 1)).unwrap();
    assert_eq!(rx.unprotect_rtp_vec(&p).unwrap(), rtp(1, 1, b"x"));
}

/// Removing a stream keeps every other stream's state attached to its SSRC.
#[test]
fn remove_stream_keeps_the_others() {
    let suite = SrtpSuite::AeadAes128Gcm;
    let mut tx = SrtpSender::new(&master(suite, 30), SrtpConfig::default()).unwrap();
    let mut rx = SrtpReceiver::new(&master(suite, 30), SrtpConfig::default()).unwrap();
    let mut sent = vec![];
    for ssrc in [10u32, 20, 30, 40] {
        let p = tx
            .protect_rtp_vec(&rtp(ssrc, 100 + ssrc as u16, b"x"))
            .unwrap();
        rx.unprotect_rtp_vec(&p).unwrap();
        sent.push(p);
    }
    assert!(rx.remove_stream(Ssrc(10)).unwrap());
    assert!(!rx.remove_stream(Ssrc(10)).unwrap());
    assert!(tx.remove_stream(Ssrc(20)).unwrap());
    assert_eq!(rx.stream_count(), 3);
    for (i, ssrc) in [20u32, 30, 40].into_iter().enumerate() {
        assert_eq!(
            rx.unprotect_rtp_vec(&sent[i + 1]),
            Err(Error::Replay),
            "{ssrc}"
        );
        assert_eq!(rx.highest_index(Ssrc(ssrc)).unwrap().0, 100 + ssrc as u64);
    }
    // The removed SSRC does not start over under the same key: its old packets would open
    // again (receiver), its indices would repeat (sender).
    assert_eq!(rx.unprotect_rtp_vec(&sent[0]), Err(Error::KeyReuse));
    assert_eq!(tx.protect_rtp_vec(&rtp(20, 1, b"x")), Err(Error::KeyReuse));
    assert_eq!(tx.highest_index(Ssrc(30)).unwrap().0, 130);
    assert_eq!(tx.highest_index(Ssrc(20)), None);
    // Under a new key it does.
    rx.rekey(&master(suite, 31)).unwrap();
    tx.rekey(&master(suite, 31)).unwrap();
    let again = tx.protect_rtp_vec(&rtp(10, 1, b"y")).unwrap();
    assert_eq!(rx.unprotect_rtp_vec(&again).unwrap(), rtp(10, 1, b"y"));
    tx.protect_rtp_vec(&rtp(20, 1, b"x")).unwrap();
}
