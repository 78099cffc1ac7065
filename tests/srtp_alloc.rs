//! Zero allocations per packet: a counting global allocator around protect and unprotect,
//! once each stream exists.

mod common;

use callseal::srtp::{Mki, RccMode};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{SrtpMasterKey, SrtpSuite};
use common::alloc::{self, allocations};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// An RTP packet; every third has a CSRC, every fifth a one-byte header extension.
fn rtp(ssrc: u32, seq: u16, buf: &mut [u8], payload_len: usize) -> usize {
    let csrc = seq % 3 == 0;
    let ext = seq % 5 == 0;
    buf[0] = 0x80 | if csrc { 1 } else { 0 } | if ext { 0x10 } else { 0 };
    buf[1] = 96;
    buf[2..4].copy_from_slice(&seq.to_be_bytes());
    buf[4..8].copy_from_slice(&[0, 0, 1, 0]);
    buf[8..12].copy_from_slice(&ssrc.to_be_bytes());
    let mut at = 12;
    if csrc {
        buf[at..at + 4].copy_from_slice(&[0xc5, 0xc0, 0, 1]);
        at += 4;
    }
    if ext {
        buf[at..at + 8].copy_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]);
        at += 8;
    }
    for (i, b) in buf[at..at + payload_len].iter_mut().enumerate() {
        *b = i as u8;
    }
    at + payload_len
}

fn rtcp(ssrc: u32, buf: &mut [u8]) -> usize {
    buf[..4].copy_from_slice(&[0x80, 200, 0, 6]);
    buf[4..8].copy_from_slice(&ssrc.to_be_bytes());
    buf[8..28].fill(3);
    28
}

/// One test function, so no other test thread allocates while we count. Every suite, with
/// and without MKI, with cryptex, and with the ROC carried in band and encrypted header
/// extensions where the suite can.
#[test]
fn no_allocation_per_packet() {
    for suite in SrtpSuite::ALL {
        let rcc = (!suite.is_aead() && suite.srtp_tag_len() > 4)
            .then(|| SrtpConfig::default().with_rcc(RccMode::Mode1, 16));
        let hdrext = (!suite.is_aead()).then(|| SrtpConfig::default().with_encrypted_extension(1));
        let configs = [
            Some(SrtpConfig::default()),
            Some(SrtpConfig::default().with_mki_len(1)),
            Some(SrtpConfig::default().with_cryptex(true)),
            rcc,
            hdrext,
        ];
        for cfg in configs.into_iter().flatten() {
            let mki_len = cfg.mki_len;
            let key = || {
                SrtpMasterKey::new(suite, &vec![1; suite.key_len()], &vec![2; suite.salt_len()])
                    .unwrap()
            };
            let (mut tx, mut rx) = if mki_len == 0 {
                (
                    SrtpSender::new(&key(), cfg).unwrap(),
                    SrtpReceiver::new(&key(), cfg).unwrap(),
                )
            } else {
                let tx = SrtpSender::new_with_mki(Mki(4), &key(), cfg).unwrap();
                let mut rx = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
                rx.add_key(Mki(4), &key()).unwrap();
                (tx, rx)
            };
            let mut buf = vec![0u8; 1600];
            let ssrcs = [0x1111_1111u32, 0x2222_2222, 0x3333_3333];
            // Create every stream (this may allocate).
            for &ssrc in &ssrcs {
                let n = rtp(ssrc, 0, &mut buf, 100);
                let n = tx.protect_rtp(&mut buf, n).unwrap();
                rx.unprotect_rtp(&mut buf[..n]).unwrap();
                let n = rtcp(ssrc, &mut buf);
                let n = tx.protect_rtcp(&mut buf, n).unwrap();
                rx.unprotect_rtcp(&mut buf[..n]).unwrap();
            }
            let before = allocations();
            for seq in 1..1000u16 {
                for &ssrc in &ssrcs {
                    let n = rtp(
                        ssrc,
                        seq.wrapping_mul(23).wrapping_add(60000),
                        &mut buf,
                        (seq as usize * 7) % 1400,
                    );
                    let n = tx.protect_rtp(&mut buf, n).unwrap();
                    rx.unprotect_rtp(&mut buf[..n]).unwrap();
                    // Failures allocate nothing either.
                    assert!(rx.unprotect_rtp(&mut buf[..n]).is_err());
                    if seq % 10 == 0 {
                        let n = rtcp(ssrc, &mut buf);
                        let n = tx.protect_rtcp(&mut buf, n).unwrap();
                        rx.unprotect_rtcp(&mut buf[..n]).unwrap();
                        buf[n - 1] ^= 1;
                        assert!(rx.unprotect_rtcp(&mut buf[..n]).is_err());
                    }
                }
            }
            let after = allocations();
            assert_eq!(
                after - before,
                0,
                "{suite} {cfg:?}: allocations in the hot path"
            );
        }
    }
}
