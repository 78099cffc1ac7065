//! SDP security descriptions (RFC 4568): the RFC's example lines parse, every suite survives a
//! round trip through its line, and an offer and answer key two SRTP ends that hear each other.

use callseal::keying::{
    sdes_packet_keys, CryptoAttribute, FecOrder, Lifetime, SdesMki, SdesPart, SessionParam,
};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Error, SrtpMasterKey, SrtpSuite};
use proptest::prelude::*;

/// The `a=crypto` lines of RFC 4568's examples (§3.1, §5.1's offer and answer, §6.1's key
/// parameter with a decimal MKI and no lifetime).
#[test]
fn the_rfc_4568_examples_parse() {
    let a = CryptoAttribute::parse(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
    )
    .unwrap();
    assert_eq!((a.tag, a.suite), (1, SrtpSuite::AesCm128HmacSha1_80));
    assert_eq!(a.keys[0].lifetime, Some(Lifetime::PowerOfTwo(20)));
    assert_eq!(a.keys[0].mki, Some(SdesMki { value: 1, len: 32 }));
    // The inline value is key ‖ salt in base64, 30 bytes.
    assert_eq!(a.keys[0].master.dangerous_key(), b"=-n@%^x!Bjufr9)?");
    assert_eq!(a.keys[0].master.dangerous_salt(), b",#5h\\`=&]{qiPQ");

    let offer = CryptoAttribute::parse(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP",
    )
    .unwrap();
    assert_eq!(offer.keys[0].mki, Some(SdesMki { value: 1, len: 4 }));
    assert_eq!(offer.params, [SessionParam::FecOrder(FecOrder::FecSrtp)]);
    // The offer's second line names F8, a suite callseal does not implement: the suite is the
    // part refused.
    assert_eq!(
        CryptoAttribute::parse(
            "a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP"
        )
        .err(),
        Some(Error::Sdes(SdesPart::Suite))
    );
    // The same two keys under a suite callseal has: two MKIs of one length.
    let two = CryptoAttribute::parse(
        "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP",
    )
    .unwrap();
    assert_eq!(two.keys.len(), 2);
    assert_eq!(two.keys[1].mki, Some(SdesMki { value: 2, len: 4 }));
    assert_eq!(two.keys[0].master.dangerous_key(), b"123456789ABCDE01");

    let answer = CryptoAttribute::parse(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
    )
    .unwrap();
    assert_eq!(answer.keys[0].mki, Some(SdesMki { value: 1, len: 4 }));

    let decimal = CryptoAttribute::parse(
        "1 AES_CM_128_HMAC_SHA1_80 inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4",
    )
    .unwrap();
    assert_eq!(decimal.keys[0].lifetime, None);
    assert_eq!(
        decimal.keys[0].mki,
        Some(SdesMki {
            value: 1066,
            len: 4
        })
    );
}

fn suite() -> impl Strategy<Value = SrtpSuite> {
    prop::sample::select(SrtpSuite::ALL.to_vec())
}

proptest! {
    /// Every suite, any key, lifetime, MKI and session parameters: the line reads back to the
    /// same attribute, and its text to the same text.
    #[test]
    fn every_suite_round_trips(
        suite in suite(),
        tag in 1u32..=999_999_999,
        bytes in prop::collection::vec(any::<u8>(), 46),
        lifetime in prop::option::of(prop_oneof![
            (0u8..=48).prop_map(Lifetime::PowerOfTwo),
            (1u64..=1 << 48).prop_map(Lifetime::Packets),
        ]),
        mki in prop::option::of((1u8..=4).prop_flat_map(|len| {
            (0..=(u64::from(u32::MAX) >> (32 - 8 * u32::from(len)))).prop_map(move |value| SdesMki { value, len })
        })),
        wsh in prop::option::of(64u32..=32_768),
    ) {
        let key = &bytes[..suite.key_len()];
        let salt = &bytes[32..32 + suite.salt_len()];
        let mut a = CryptoAttribute::new(tag, SrtpMasterKey::new(suite, key, salt).unwrap());
        a.keys[0].lifetime = lifetime;
        a.keys[0].mki = mki;
        a.params.push(SessionParam::Kdr(0));
        if let Some(w) = wsh {
            a.params.push(SessionParam::Wsh(w));
        }
        let line = a.to_line();
        let b = CryptoAttribute::parse(&line).unwrap();
        prop_assert_eq!((b.tag, b.suite), (tag, suite));
        prop_assert_eq!(b.keys[0].master.dangerous_key(), key);
        prop_assert_eq!(b.keys[0].master.dangerous_salt(), salt);
        prop_assert_eq!(b.keys[0].lifetime, lifetime);
        prop_assert_eq!(b.keys[0].mki, mki);
        prop_assert_eq!(&b.params, &a.params);
        prop_assert_eq!(b.replay_window(), wsh);
        prop_assert_eq!(&*b.to_line(), &*line);
    }
}

/// The offerer sends with its line's key, the answerer with its own: each side's packet keys
/// from the two lines, and packets cross both ways.
#[test]
fn offer_and_answer_key_both_directions() {
    for suite in SrtpSuite::ALL {
        let n = suite.key_len() + suite.salt_len();
        let offer = CryptoAttribute::new(
            1,
            SrtpMasterKey::from_concatenated(suite, &vec![0x11; n]).unwrap(),
        );
        let answer = CryptoAttribute::new(
            1,
            SrtpMasterKey::from_concatenated(suite, &vec![0x22; n]).unwrap(),
        );
        // What travels is the text of the lines.
        let offer_seen = CryptoAttribute::parse(&offer.to_line()).unwrap();
        let answer_seen = CryptoAttribute::parse(&answer.to_line()).unwrap();
        let offerer = sdes_packet_keys(&offer, &answer_seen).unwrap();
        let answerer = sdes_packet_keys(&answer, &offer_seen).unwrap();
        let mut tx = SrtpSender::new(&offerer.outbound, SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&answerer.inbound, SrtpConfig::default()).unwrap();
        let plain = [0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3];
        let mut p = tx.protect_rtp_vec(&plain).unwrap();
        assert_eq!(rx.unprotect_rtp(&mut p).unwrap(), &plain[..]);
        let mut tx = SrtpSender::new(&answerer.outbound, SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&offerer.inbound, SrtpConfig::default()).unwrap();
        let mut p = tx.protect_rtp_vec(&plain).unwrap();
        assert_eq!(rx.unprotect_rtp(&mut p).unwrap(), &plain[..]);
    }
    let cm = CryptoAttribute::new(
        1,
        SrtpMasterKey::from_concatenated(SrtpSuite::AesCm128HmacSha1_80, &[1; 30]).unwrap(),
    );
    let gcm = CryptoAttribute::new(
        1,
        SrtpMasterKey::from_concatenated(SrtpSuite::AeadAes128Gcm, &[1; 28]).unwrap(),
    );
    assert_eq!(
        sdes_packet_keys(&cm, &gcm).err(),
        Some(Error::SuiteMismatch)
    );
}
