//! Property tests of the SRTP layer: round trips, tampering, the replay window and ROC
//! estimation against simple models.

use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Error, SrtpMasterKey, SrtpSuite, Ssrc};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn suite() -> impl Strategy<Value = SrtpSuite> {
    prop::sample::select(SrtpSuite::ALL.to_vec())
}

fn key(suite: SrtpSuite, bytes: &[u8]) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &bytes[..suite.key_len()],
        &bytes[32..32 + suite.salt_len()],
    )
    .unwrap()
}

/// An RTP packet with `csrcs` CSRCs, an optional extension of `ext` words, and `payload`.
fn rtp(ssrc: u32, seq: u16, marker: bool, csrcs: u8, ext: Option<u16>, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80 | csrcs | if ext.is_some() { 0x10 } else { 0 }];
    p.push(96 | if marker { 0x80 } else { 0 });
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&0x1122_3344u32.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    for i in 0..csrcs as u32 {
        p.extend_from_slice(&(0x1000 + i).to_be_bytes());
    }
    if let Some(words) = ext {
        p.extend_from_slice(&[0xbe, 0xde]);
        p.extend_from_slice(&words.to_be_bytes());
        p.resize(p.len() + 4 * words as usize, 0x5a);
    }
    p.extend_from_slice(payload);
    p
}

fn rtcp(ssrc: u32, body: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(body);
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random keys and packets round-trip through protect and unprotect, RTP and RTCP.
    #[test]
    fn round_trip(
        suite in suite(),
        k in prop::collection::vec(any::<u8>(), 46),
        ssrc in any::<u32>(),
        seq in any::<u16>(),
        marker in any::<bool>(),
        csrcs in 0u8..16,
        ext in prop::option::of(0u16..8),
        payload in prop::collection::vec(any::<u8>(), 0..1400),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut tx = SrtpSender::new(&key(suite, &k), SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite, &k), SrtpConfig::default()).unwrap();
        let p = rtp(ssrc, seq, marker, csrcs, ext, &payload);
        let s = tx.protect_rtp_vec(&p).unwrap();
        prop_assert_eq!(s.len(), p.len() + suite.srtp_overhead());
        if payload.len() >= 16 {
            prop_assert_ne!(&s[p.len() - payload.len()..p.len()], &payload[..]);
        }
        prop_assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p);
        let c = rtcp(ssrc, &body);
        let sc = tx.protect_rtcp_vec(&c).unwrap();
        prop_assert_eq!(sc.len(), c.len() + suite.srtcp_overhead());
        prop_assert_eq!(rx.unprotect_rtcp_vec(&sc).unwrap(), c);
    }

    /// Any single flipped bit of a protected packet gives an authentication or parse error (or
    /// an unknown key, replay or too-old verdict when the flip hits the fields those come
    /// from), never a plaintext, and leaves the receiver able to take the genuine packet.
    #[test]
    fn any_flipped_bit_is_refused(
        suite in suite(),
        k in prop::collection::vec(any::<u8>(), 46),
        seq in any::<u16>(),
        csrcs in 0u8..4,
        ext in prop::option::of(0u16..3),
        payload in prop::collection::vec(any::<u8>(), 0..300),
        bit in any::<prop::sample::Index>(),
        rtcp_bit in any::<prop::sample::Index>(),
        warm in any::<bool>(),
    ) {
        let mut tx = SrtpSender::new(&key(suite, &k), SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite, &k), SrtpConfig::default()).unwrap();
        if warm {
            // A stream with state, so the flip is judged against an existing window too.
            let w = tx.protect_rtp_vec(&rtp(7, seq.wrapping_sub(1), false, 0, None, b"w")).unwrap();
            rx.unprotect_rtp_vec(&w).unwrap();
            let w = tx.protect_rtcp_vec(&rtcp(7, b"w")).unwrap();
            rx.unprotect_rtcp_vec(&w).unwrap();
        }
        let p = rtp(7, seq, false, csrcs, ext, &payload);
        let s = tx.protect_rtp_vec(&p).unwrap();
        let i = bit.index(s.len() * 8);
        let mut bad = s.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let before = (rx.highest_index(Ssrc(7)), rx.stream_count());
        let r = rx.unprotect_rtp_vec(&bad);
        prop_assert!(
            matches!(r, Err(Error::Authentication | Error::Malformed(_) | Error::Replay | Error::TooOld)),
            "bit {} gave {:?}", i, r
        );
        prop_assert_eq!((rx.highest_index(Ssrc(7)), rx.stream_count()), before);
        prop_assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), p);

        let c = rtcp(7, &payload[..payload.len().min(40)]);
        let sc = tx.protect_rtcp_vec(&c).unwrap();
        let i = rtcp_bit.index(sc.len() * 8);
        let mut bad = sc.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let before = rx.srtcp_index(Ssrc(7));
        let r = rx.unprotect_rtcp_vec(&bad);
        prop_assert!(
            matches!(r, Err(Error::Authentication | Error::Malformed(_) | Error::Replay | Error::TooOld | Error::TooManyStreams)),
            "rtcp bit {} gave {:?}", i, r
        );
        prop_assert_eq!(rx.srtcp_index(Ssrc(7)), before);
        prop_assert_eq!(rx.unprotect_rtcp_vec(&sc).unwrap(), c);
    }

    /// The receiver's replay verdicts against a model: the set of indices accepted so far and
    /// the highest of them. Packets are protected in index order and delivered shuffled,
    /// duplicated and dropped.
    #[test]
    fn replay_window_matches_model(
        window in prop::sample::select(vec![64u32, 100, 128, 256, 1000]),
        start in 0u16..3000,
        order in prop::collection::vec((0usize..1500, any::<bool>()), 1..600),
    ) {
        let suite = SrtpSuite::AeadAes128Gcm;
        let k = [3u8; 46];
        let cfg = SrtpConfig::default().with_replay_window(window);
        let mut tx = SrtpSender::new(&key(suite, &k), cfg.with_replay_window(32768)).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite, &k), cfg).unwrap();
        let protected: Vec<Vec<u8>> = (0..1500u32)
            .map(|i| tx.protect_rtp_vec(&rtp(1, start.wrapping_add(i as u16), false, 0, None, &i.to_be_bytes())).unwrap())
            .collect();
        let mut seen = BTreeSet::new();
        let mut top: Option<u64> = None;
        for (i, tamper) in order {
            let idx = start as u64 + i as u64;
            let expect = match top {
                Some(t) if idx <= t && t - idx >= window as u64 => Err(Error::TooOld),
                _ if seen.contains(&idx) => Err(Error::Replay),
                _ if tamper => Err(Error::Authentication),
                _ => Ok(()),
            };
            let mut pkt = protected[i].clone();
            if tamper {
                pkt[13] ^= 1;
            }
            let got = rx.unprotect_rtp_vec(&pkt).map(|_| ());
            prop_assert_eq!(got, expect, "index {}", idx);
            if got.is_ok() {
                seen.insert(idx);
                top = Some(top.map_or(idx, |t| t.max(idx)));
            }
        }
    }

    /// ROC estimation against the true index under random loss bursts of up to 2^15 − 1
    /// packets, with late packets from within the window mixed in.
    #[test]
    fn roc_estimation_under_loss(
        start in any::<u32>().prop_map(|x| x as u64 % (1 << 40)),
        steps in prop::collection::vec((1u64..32768, 0u64..100), 1..200),
    ) {
        let suite = SrtpSuite::AesCm128HmacSha1_32;
        let k = [9u8; 46];
        let mut tx = SrtpSender::new(&key(suite, &k), SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&key(suite, &k), SrtpConfig::default().with_replay_window(32768)).unwrap();
        let roc0 = callseal::Roc((start >> 16) as u32);
        tx.set_roc(Ssrc(5), roc0).unwrap();
        rx.set_roc(Ssrc(5), roc0).unwrap();
        let mut index = start;
        let s = tx.protect_rtp_vec(&rtp(5, index as u16, false, 0, None, b"s")).unwrap();
        prop_assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), rtp(5, index as u16, false, 0, None, b"s"));
        let mut sent = vec![index];
        for (gap, late) in steps {
            // The sender skips `gap - 1` indices (they are "lost"): protect only this one.
            index += gap;
            let mut tx2 = SrtpSender::new(&key(suite, &k), SrtpConfig::default()).unwrap();
            tx2.set_roc(Ssrc(5), callseal::Roc((index >> 16) as u32)).unwrap();
            let s = tx2.protect_rtp_vec(&rtp(5, index as u16, false, 0, None, b"p")).unwrap();
            prop_assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), rtp(5, index as u16, false, 0, None, b"p"));
            prop_assert_eq!(rx.highest_index(Ssrc(5)).unwrap().0, index);
            // A late packet, `late` behind the newest, is placed at its true index too.
            let late_index = index - late - 1;
            if late_index > start && !sent.contains(&late_index) {
                let mut tx3 = SrtpSender::new(&key(suite, &k), SrtpConfig::default()).unwrap();
                tx3.set_roc(Ssrc(5), callseal::Roc((late_index >> 16) as u32)).unwrap();
                let s = tx3.protect_rtp_vec(&rtp(5, late_index as u16, false, 0, None, b"l")).unwrap();
                prop_assert_eq!(rx.unprotect_rtp_vec(&s).unwrap(), rtp(5, late_index as u16, false, 0, None, b"l"));
                prop_assert_eq!(rx.highest_index(Ssrc(5)).unwrap().0, index);
                sent.push(late_index);
            }
            sent.push(index);
        }
    }

    /// Arbitrary bytes, with and without a plausible RTP/RTCP first byte, never panic, never
    /// authenticate and never change a receiver that already has state.
    #[test]
    fn garbage_is_refused(
        suite in suite(),
        mki_len in 0usize..=4,
        first in prop::sample::select(vec![0x80u8, 0x90, 0x8f, 0x9f, 0x00, 0xff]),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let k = [5u8; 46];
        let cfg = SrtpConfig::default().with_mki_len(mki_len);
        let mut rx = if mki_len == 0 {
            SrtpReceiver::new(&key(suite, &k), cfg).unwrap()
        } else {
            let mut r = SrtpReceiver::new_with_mki(suite, cfg).unwrap();
            r.add_key(callseal::srtp::Mki(0), &key(suite, &k)).unwrap();
            r
        };
        let mut tx = if mki_len == 0 {
            SrtpSender::new(&key(suite, &k), cfg).unwrap()
        } else {
            SrtpSender::new_with_mki(callseal::srtp::Mki(0), &key(suite, &k), cfg).unwrap()
        };
        let genuine = tx.protect_rtp_vec(&rtp(1, 10, false, 0, None, b"x")).unwrap();
        rx.unprotect_rtp_vec(&genuine).unwrap();
        let mut p = bytes.clone();
        if let Some(b) = p.first_mut() {
            *b = first;
        }
        let before = (rx.highest_index(Ssrc(1)), rx.srtcp_index(Ssrc(1)), rx.stream_count());
        prop_assert!(rx.unprotect_rtp_vec(&p).is_err());
        prop_assert!(rx.unprotect_rtcp_vec(&p).is_err());
        prop_assert_eq!((rx.highest_index(Ssrc(1)), rx.srtcp_index(Ssrc(1)), rx.stream_count()), before);
        // The sender refuses or protects; it never panics.
        let mut buf = p.clone();
        buf.resize(p.len() + 40, 0);
        let _ = tx.protect_rtp(&mut buf, p.len());
        let _ = tx.protect_rtcp(&mut buf, p.len());
    }
}
