//! The NULL-cipher suites (RFC 5764 NULL_HMAC_SHA1_80/_32: authentication only): strictly
//! opt-in at the SRTP layer, never with an all-zero key, never offered or accepted by the
//! handshake, and refused by the call session.

mod common;

use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::session::{Call, CallConfig, PacketKeys};
use callseal::srtp::{SessionKeys, SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Error, Intent, Role, SrtpMasterKey, SrtpSuite};

fn key(suite: SrtpSuite, seed: u8) -> SrtpMasterKey {
    SrtpMasterKey::new(suite, &[seed; 16], &[seed ^ 0x33; 14]).unwrap()
}

fn rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"readable by anyone");
    p
}

#[test]
fn null_suites_are_outside_the_suite_list() {
    for s in SrtpSuite::NULL {
        assert!(s.is_null_cipher());
        assert!(!SrtpSuite::ALL.contains(&s));
        assert!(!SrtpSuite::HANDSHAKE.contains(&s));
    }
    assert!(SrtpSuite::ALL.iter().all(|s| !s.is_null_cipher()));
}

/// Without `allow_null_cipher`, no SRTP context takes a NULL-cipher key.
#[test]
fn contexts_need_consent() {
    for suite in SrtpSuite::NULL {
        let no = SrtpConfig::default();
        assert_eq!(
            SrtpSender::new(&key(suite, 1), no).unwrap_err(),
            Error::InvalidConfig
        );
        assert_eq!(
            SrtpReceiver::new(&key(suite, 1), no).unwrap_err(),
            Error::InvalidConfig
        );
        assert_eq!(
            SrtpReceiver::new_with_mki(suite, no.with_mki_len(1)).unwrap_err(),
            Error::InvalidConfig
        );
        let keys = SessionKeys::derive(&key(suite, 1));
        assert_eq!(
            SrtpSender::from_session_keys(&keys, no).unwrap_err(),
            Error::InvalidConfig
        );
        // A NULL key never joins a context of another suite either.
        let mut tx = SrtpSender::new(
            &key(SrtpSuite::AesCm128HmacSha1_80, 1),
            SrtpConfig::default(),
        )
        .unwrap();
        assert_eq!(tx.rekey(&key(suite, 2)), Err(Error::SuiteMismatch));
    }
}

#[test]
fn never_with_an_all_zero_key() {
    for suite in SrtpSuite::NULL {
        assert_eq!(
            SrtpMasterKey::new(suite, &[0; 16], &[7; 14]).unwrap_err(),
            Error::WeakKey
        );
        assert_eq!(
            SrtpMasterKey::from_concatenated(suite, &[0; 30]).unwrap_err(),
            Error::WeakKey
        );
        let mut one_bit = [0u8; 16];
        one_bit[15] = 1;
        assert!(SrtpMasterKey::new(suite, &one_bit, &[0; 14]).is_ok());
        let auth = [0u8; 20];
        assert_eq!(
            SessionKeys::from_parts(suite, &[1; 16], &[1; 14], &auth, &[1; 16], &[1; 14], &[2; 20])
                .unwrap_err(),
            Error::WeakKey
        );
    }
    // Other suites keep taking any key (an all-zero one is the caller's business).
    assert!(SrtpMasterKey::new(SrtpSuite::AesCm128HmacSha1_80, &[0; 16], &[0; 14]).is_ok());
}

/// With consent: the payload travels in the clear, the tag is checked, SRTCP says E = 0.
#[test]
fn with_consent_packets_are_authenticated_not_encrypted() {
    for suite in SrtpSuite::NULL {
        let cfg = SrtpConfig::default().with_null_cipher_allowed();
        let mut tx = SrtpSender::new(&key(suite, 4), cfg).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite, 4), cfg).unwrap();
        let p = rtp(1);
        let s = tx.protect_rtp_vec(&p).unwrap();
        assert_eq!(&s[..p.len()], &p[..], "{suite}: not encrypted");
        assert_eq!(s.len(), p.len() + suite.srtp_tag_len());
        let mut forged = s.clone();
        forged[15] ^= 1;
        assert_eq!(rx.unprotect_rtp_vec(&forged), Err(Error::Authentication));
        let mut other_key = SrtpReceiver::new(&key(suite, 5), cfg).unwrap();
        assert_eq!(other_key.unprotect_rtp_vec(&s), Err(Error::Authentication));
        assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p);

        let mut rtcp = vec![0x80, 200, 0, 6, 0, 0, 0, 5];
        rtcp.extend_from_slice(&[9; 20]);
        let s = tx.protect_rtcp_vec(&rtcp).unwrap();
        assert_eq!(&s[..rtcp.len()], &rtcp[..]);
        assert_eq!(s[rtcp.len()] & 0x80, 0, "E = 0");
        assert_eq!(s.len(), rtcp.len() + 4 + 10);
        assert_eq!(rx.unprotect_rtcp_vec(&s).unwrap(), rtcp);
    }
}

/// The handshake neither offers nor accepts a NULL-cipher suite: a configuration naming one
/// is refused, an offer listing one gets the next suite, and an answer naming one is refused.
#[test]
fn the_handshake_never_chooses_one() {
    let mut seed = 0u8;
    let mut random = || {
        seed += 1;
        [seed; 32]
    };
    for suite in SrtpSuite::NULL {
        let bad = HandshakeConfig::new(Intent::On).with_srtp_suites(&[suite]);
        assert_eq!(
            Caller::offer_with_random(&bad, b"ctx", random()).err(),
            Some(Error::InvalidConfig)
        );
        let good = HandshakeConfig::new(Intent::On);
        let (mut caller, mut offer) = Caller::offer_with_random(&good, b"ctx", random()).unwrap();
        assert_eq!(
            Callee::accept_with_random(&bad, b"ctx", &offer, random()).err(),
            Some(Error::InvalidConfig)
        );
        // The offer's SRTP list starts at byte 35 (count, then ids): put the NULL suite first.
        let id = suite.id().unwrap().to_be_bytes();
        offer[36..38].copy_from_slice(&id);
        let (_, mut answer) = Callee::accept_with_random(&good, b"ctx", &offer, random()).unwrap();
        assert_ne!(&answer[35..37], &id, "the callee skipped the NULL suite");
        // An answer that names it anyway is refused.
        answer[35..37].copy_from_slice(&id);
        assert!(caller.finish(&answer).is_err());
    }
}

/// The call session refuses NULL-cipher hop-by-hop keys before it starts.
#[test]
fn the_call_session_refuses_one() {
    for suite in SrtpSuite::NULL {
        let (a, _) = common::handshake(9, Intent::On, Intent::Off);
        let keys = PacketKeys::new(key(suite, 1), key(suite, 2));
        assert_eq!(
            Call::new(a, CallConfig::new(Role::Caller), Some(keys)).err(),
            Some(Error::UnsupportedSuite)
        );
    }
}
