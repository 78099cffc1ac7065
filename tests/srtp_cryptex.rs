//! Cryptex (RFC 9335): the Appendix A vectors (AES-CM and AES-GCM, one- and two-byte
//! extensions, CSRCs, empty extensions) both ways, a packet with CSRCs and no extension, and
//! round trips of every suite with both extension profiles.

use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender, CRYPTEX_OVERHEAD};
use callseal::{Error, Malformed, SrtpMasterKey, SrtpSuite};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn cryptex() -> SrtpConfig {
    SrtpConfig::default().with_cryptex(true)
}

#[test]
fn rfc9335_appendix_a() {
    let d = load("rfc9335-cryptex.json");
    let mut checked = 0;
    for set in d["sets"].as_array().unwrap() {
        let suite: SrtpSuite = set["suite"].as_str().unwrap().parse().unwrap();
        let key = || {
            SrtpMasterKey::new(suite, &hx(&set["master_key"]), &hx(&set["master_salt"])).unwrap()
        };
        for v in set["packets"].as_array().unwrap() {
            let (rtp, srtp) = (hx(&v["rtp_packet"]), hx(&v["srtp_packet"]));
            let name = v["section"].as_str().unwrap();
            let mut tx = SrtpSender::new(&key(), cryptex()).unwrap();
            assert_eq!(tx.protect_rtp_vec(&rtp).unwrap(), srtp, "{name} protect");
            let mut rx = SrtpReceiver::new(&key(), cryptex()).unwrap();
            assert_eq!(
                rx.unprotect_rtp_vec(&srtp).unwrap(),
                rtp,
                "{name} unprotect"
            );

            // A tampered extension header is caught.
            let mut forged = srtp.clone();
            let at = 12 + 4 * (rtp[0] & 0x0f) as usize + 3;
            forged[at] ^= 1;
            let mut rx = SrtpReceiver::new(&key(), cryptex()).unwrap();
            assert!(rx.unprotect_rtp_vec(&forged).is_err(), "{name}");

            // A packet with the CSRCs and no extension becomes the empty one-byte case.
            if name.ends_with(".5") {
                let ext_at = 12 + 4 * (rtp[0] & 0x0f) as usize;
                let mut bare = rtp.clone();
                bare[0] &= !0x10;
                bare.drain(ext_at..ext_at + 4);
                let mut tx = SrtpSender::new(&key(), cryptex()).unwrap();
                assert_eq!(tx.protect_rtp_vec(&bare).unwrap(), srtp, "{name} no ext");
                assert_eq!(tx.srtp_overhead(), suite.srtp_overhead() + CRYPTEX_OVERHEAD);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}

fn packet(seq: u16, csrcs: u8, ext: Option<(u16, &[u8])>, payload: usize) -> Vec<u8> {
    let mut p = vec![0x80 | csrcs | if ext.is_some() { 0x10 } else { 0 }, 100];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44]);
    for c in 0..csrcs as u32 {
        p.extend_from_slice(&(0xc0c0_0000 + c).to_be_bytes());
    }
    if let Some((profile, body)) = ext {
        p.extend_from_slice(&profile.to_be_bytes());
        p.extend_from_slice(&((body.len() / 4) as u16).to_be_bytes());
        p.extend_from_slice(body);
    }
    p.extend((0..payload).map(|i| i as u8));
    p
}

/// Every suite, both profiles, with and without CSRCs: the CSRCs and extension bodies are
/// hidden on the wire and come back intact; without cryptex the receiver does not decrypt
/// them; a packet without CSRCs or extension is plain SRTP.
#[test]
fn every_suite_round_trips() {
    let one_byte: &[u8] = &[0x10, 0xaa, 0x21, 0xbb, 0xcc, 0, 0, 0];
    let two_byte: &[u8] = &[0x05, 0x02, 0xaa, 0xbb, 0x07, 0x00, 0, 0];
    for suite in SrtpSuite::ALL {
        let key = || {
            SrtpMasterKey::new(suite, &vec![9; suite.key_len()], &vec![8; suite.salt_len()])
                .unwrap()
        };
        let mut tx = SrtpSender::new(&key(), cryptex()).unwrap();
        let mut rx = SrtpReceiver::new(&key(), cryptex()).unwrap();
        let mut seq = 0;
        for (profile, body) in [(0xbede, one_byte), (0x1000, two_byte)] {
            for csrcs in [0u8, 3] {
                seq += 1;
                let p = packet(seq, csrcs, Some((profile, body)), 50);
                let s = tx.protect_rtp_vec(&p).unwrap();
                let ext_at = 12 + 4 * csrcs as usize;
                let marked = if profile == 0xbede { 0xc0de } else { 0xc2de };
                assert_eq!(s[ext_at..ext_at + 2], u16::to_be_bytes(marked), "{suite}");
                if csrcs > 0 {
                    assert_ne!(s[12..ext_at], p[12..ext_at], "{suite}: CSRCs hidden");
                }
                assert_ne!(s[ext_at + 4..ext_at + 12], p[ext_at + 4..ext_at + 12]);
                assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p, "{suite}");
                // A receiver without cryptex: AES-GCM fails (other associated data), AES-CM
                // leaves the extension encrypted.
                let mut other = SrtpReceiver::new(&key(), SrtpConfig::default()).unwrap();
                match other.unprotect_rtp_vec(&s) {
                    Ok(got) => assert!(!suite.is_aead() && got != p),
                    Err(e) => assert!(suite.is_aead() && e == Error::Authentication),
                }
            }
        }
        seq += 1;
        let p = packet(seq, 0, None, 30);
        let s = tx.protect_rtp_vec(&p).unwrap();
        let mut plain = SrtpSender::new(&key(), SrtpConfig::default()).unwrap();
        plain
            .set_roc(callseal::Ssrc(0x1122_3344), callseal::Roc(0))
            .unwrap();
        assert_eq!(s, plain.protect_rtp_vec(&p).unwrap(), "{suite}: plain SRTP");
        assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p);
    }
}

#[test]
fn what_cryptex_refuses() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let key = SrtpMasterKey::new(suite, &[1; 16], &[2; 14]).unwrap();
    let mut tx = SrtpSender::new(&key, cryptex()).unwrap();
    // A header extension that is not RFC 8285's: refused, nothing sent.
    let p = packet(1, 0, Some((0xabcd, &[1, 2, 3, 4])), 10);
    assert_eq!(
        tx.protect_rtp_vec(&p),
        Err(Error::Malformed(Malformed::Field))
    );
    assert_eq!(tx.highest_index(callseal::Ssrc(0x1122_3344)), None);
    // Not with RCC, not with the NULL cipher.
    let rcc = cryptex().with_rcc(callseal::srtp::RccMode::Mode1, 1);
    assert_eq!(
        SrtpSender::new(&key, rcc).unwrap_err(),
        Error::InvalidConfig
    );
    let null = SrtpMasterKey::new(SrtpSuite::NullHmacSha1_80, &[1; 16], &[2; 14]).unwrap();
    assert_eq!(
        SrtpSender::new(&null, cryptex().with_null_cipher_allowed()).unwrap_err(),
        Error::InvalidConfig
    );
}

/// With an MKI too: the MKI sits where the suite puts it, and the packets come back.
#[test]
fn with_an_mki() {
    use callseal::srtp::Mki;
    for suite in SrtpSuite::ALL {
        let key = SrtpMasterKey::new(suite, &vec![5; suite.key_len()], &vec![6; suite.salt_len()])
            .unwrap();
        let cfg = cryptex().with_mki_len(2);
        let mut tx = SrtpSender::new_with_mki(Mki(0x0102), &key, cfg).unwrap();
        let mut rx = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
        rx.add_key(Mki(0x0102), &key).unwrap();
        for (seq, csrcs) in [(1u16, 2u8), (2, 0)] {
            let p = packet(seq, csrcs, Some((0xbede, &[0x10, 0xaa, 0, 0])), 20);
            let s = tx.protect_rtp_vec(&p).unwrap();
            let mki_at = if suite.is_aead() {
                s.len() - 2
            } else {
                s.len() - 2 - suite.srtp_tag_len()
            };
            assert_eq!(s[mki_at..mki_at + 2], [1, 2], "{suite}");
            assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p, "{suite}");
        }
    }
}
