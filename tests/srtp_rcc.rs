//! The ROC carried in band (RFC 4771): the three RCC modes round-trip, each packet's layout is
//! checked against the plain RFC 3711 transform, a receiver that joins at ROC 3 resynchronises
//! at the first packet that carries the ROC, and the modes' integrity guarantees are what the
//! documentation says. (No libsrtp here implements RFC 4771, so there is no live peer.)

use callseal::srtp::{RccMode, SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Error, Roc, SrtpMasterKey, SrtpSuite, Ssrc};

const SSRC: u32 = 0x0bad_cafe;

fn key(suite: SrtpSuite) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &vec![0x17; suite.key_len()],
        &vec![0x71; suite.salt_len()],
    )
    .unwrap()
}

fn rtp(seq: u16, len: usize) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 1, 0]);
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend((0..len).map(|i| (i as u8) ^ (seq as u8)));
    p
}

fn cm_suites() -> impl Iterator<Item = SrtpSuite> {
    SrtpSuite::ALL.into_iter().filter(|s| !s.is_aead())
}

fn modes_for(suite: SrtpSuite) -> Vec<RccMode> {
    if suite.srtp_tag_len() > 4 {
        vec![RccMode::Mode1, RccMode::Mode2, RccMode::Mode3]
    } else {
        vec![RccMode::Mode3]
    }
}

/// Every mode and rate, every suite that can carry the ROC: packets across two wraps
/// round-trip, and each is the plain transform's packet with the RCC trailer.
#[test]
fn modes_round_trip_with_the_rfc_layout() {
    for suite in cm_suites() {
        let tag = suite.srtp_tag_len();
        for mode in modes_for(suite) {
            for rate in [1u16, 16, 1000] {
                let cfg = SrtpConfig::default().with_rcc(mode, rate);
                let mut tx = SrtpSender::new(&key(suite), cfg).unwrap();
                let mut plain_tx = SrtpSender::new(&key(suite), SrtpConfig::default()).unwrap();
                let mut rx = SrtpReceiver::new(&key(suite), cfg).unwrap();
                tx.set_roc(Ssrc(SSRC), Roc(7)).unwrap();
                plain_tx.set_roc(Ssrc(SSRC), Roc(7)).unwrap();
                rx.set_roc(Ssrc(SSRC), Roc(7)).unwrap();
                let max = match mode {
                    RccMode::Mode3 => 4,
                    _ => tag,
                };
                assert_eq!(tx.srtp_overhead(), max);
                for i in 0..3000u32 {
                    let seq = 64_000u16.wrapping_add((i * 23) as u16);
                    let p = rtp(seq, (i % 90) as usize);
                    let ours = tx.protect_rtp_vec(&p).unwrap();
                    let plain = plain_tx.protect_rtp_vec(&p).unwrap();
                    let roc = tx.roc(Ssrc(SSRC)).unwrap().0.to_be_bytes();
                    let body = &plain[..plain.len() - tag];
                    let full_tag = &plain[plain.len() - tag..];
                    let carries = seq % rate == 0;
                    let mut want = body.to_vec();
                    match (mode, carries) {
                        (RccMode::Mode1, false) => want.extend_from_slice(full_tag),
                        (RccMode::Mode1 | RccMode::Mode2, true) => {
                            want.extend_from_slice(&roc);
                            want.extend_from_slice(&full_tag[..tag - 4]);
                        }
                        (RccMode::Mode3, true) => want.extend_from_slice(&roc),
                        (RccMode::Mode2 | RccMode::Mode3, false) => {}
                    }
                    assert_eq!(ours, want, "{suite} {mode:?} R={rate} seq {seq}");
                    assert_eq!(rx.unprotect_rtp_vec(&ours).unwrap(), p);
                    assert_eq!(rx.unprotect_rtp_vec(&ours), Err(Error::Replay));
                }
                assert_eq!(rx.roc(Ssrc(SSRC)), tx.roc(Ssrc(SSRC)));
                assert!(tx.roc(Ssrc(SSRC)).unwrap().0 >= 8);
            }
        }
    }
}

/// A receiver that joins a stream at ROC 3, SEQ 60,000 without being told the ROC: packets
/// before the first ROC-carrying one fail (mode 1) and change nothing; from that packet on,
/// everything decodes, across the next wrap too.
#[test]
fn a_late_receiver_resynchronises() {
    for suite in [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::Aes256CmHmacSha1_80,
    ] {
        let cfg = SrtpConfig::default().with_rcc(RccMode::Mode1, 64);
        let mut tx = SrtpSender::new(&key(suite), cfg).unwrap();
        tx.set_roc(Ssrc(SSRC), Roc(3)).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite), cfg).unwrap();
        let mut synced = false;
        for i in 0..8000u32 {
            let seq = 60_000u16.wrapping_add(i as u16);
            let p = rtp(seq, 50);
            let srtp = tx.protect_rtp_vec(&p).unwrap();
            let r = rx.unprotect_rtp_vec(&srtp);
            synced |= seq % 64 == 0;
            if synced {
                assert_eq!(r.unwrap(), p, "{suite} seq {seq}");
            } else {
                assert_eq!(r, Err(Error::Authentication), "{suite} seq {seq}");
                assert_eq!(rx.stream_count(), 0);
            }
        }
        assert_eq!(rx.roc(Ssrc(SSRC)), Some(Roc(4)));
    }
}

/// Mode 1 authenticates the carried ROC and every other packet; mode 2 only the ROC-carrying
/// packets; mode 3 nothing, so a forged ROC is believed.
#[test]
fn what_each_mode_authenticates() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    for mode in [RccMode::Mode1, RccMode::Mode2, RccMode::Mode3] {
        let cfg = SrtpConfig::default().with_rcc(mode, 4);
        let mut tx = SrtpSender::new(&key(suite), cfg).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite), cfg).unwrap();
        let carrying = tx.protect_rtp_vec(&rtp(8, 20)).unwrap();
        let other = tx.protect_rtp_vec(&rtp(9, 20)).unwrap();
        // A forged ROC in the carrying packet.
        let mut forged = carrying.clone();
        let roc_at = 12 + 20 + 3;
        forged[roc_at] ^= 1;
        // A changed payload byte in a packet that carries no ROC.
        let mut changed = other.clone();
        changed[14] ^= 1;
        match mode {
            RccMode::Mode1 => {
                assert_eq!(rx.unprotect_rtp_vec(&forged), Err(Error::Authentication));
                assert_eq!(rx.unprotect_rtp_vec(&changed), Err(Error::Authentication));
            }
            RccMode::Mode2 => {
                assert_eq!(rx.unprotect_rtp_vec(&forged), Err(Error::Authentication));
                let got = rx.unprotect_rtp_vec(&changed).unwrap();
                assert_ne!(got, rtp(9, 20), "accepted unauthenticated, as documented");
            }
            RccMode::Mode3 => {
                rx.unprotect_rtp_vec(&forged).unwrap();
                assert_eq!(rx.roc(Ssrc(SSRC)), Some(Roc(1)), "the forged ROC is taken");
            }
        }
        assert_eq!(
            carrying.len(),
            12 + 20 + if mode == RccMode::Mode3 { 4 } else { 10 }
        );
    }
}

#[test]
fn suites_and_rates_that_cannot_carry_the_roc_are_refused() {
    let k = |s| key(s);
    for (suite, mode, rate) in [
        (SrtpSuite::AeadAes128Gcm, RccMode::Mode1, 1),
        (SrtpSuite::AeadAes256Gcm, RccMode::Mode3, 1),
        (SrtpSuite::AesCm128HmacSha1_32, RccMode::Mode1, 1),
        (SrtpSuite::Aes256CmHmacSha1_32, RccMode::Mode2, 1),
        (SrtpSuite::AesCm128HmacSha1_80, RccMode::Mode1, 0),
    ] {
        let cfg = SrtpConfig::default().with_rcc(mode, rate);
        assert_eq!(
            SrtpSender::new(&k(suite), cfg).unwrap_err(),
            Error::InvalidConfig
        );
        assert_eq!(
            SrtpReceiver::new(&k(suite), cfg).unwrap_err(),
            Error::InvalidConfig
        );
    }
    let cfg = SrtpConfig::default().with_rcc(RccMode::Mode3, 1);
    assert!(SrtpSender::new(&k(SrtpSuite::AesCm128HmacSha1_32), cfg).is_ok());
}

/// SRTCP is unchanged by RCC (it carries its index in every packet).
#[test]
fn srtcp_is_unchanged() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let cfg = SrtpConfig::default().with_rcc(RccMode::Mode1, 1);
    let mut tx = SrtpSender::new(&key(suite), cfg).unwrap();
    let mut plain = SrtpSender::new(&key(suite), SrtpConfig::default()).unwrap();
    let mut rx = SrtpReceiver::new(&key(suite), cfg).unwrap();
    let mut rtcp = vec![0x80, 200, 0, 6];
    rtcp.extend_from_slice(&SSRC.to_be_bytes());
    rtcp.extend_from_slice(&[3; 20]);
    let a = tx.protect_rtcp_vec(&rtcp).unwrap();
    assert_eq!(a, plain.protect_rtcp_vec(&rtcp).unwrap());
    assert_eq!(rx.unprotect_rtcp_vec(&a).unwrap(), rtcp);
}
