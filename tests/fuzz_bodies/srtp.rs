// SRTP and SRTCP unprotect for every suite, with and without an MKI, plain or with cryptex,
// the ROC carried in band (RCC mode 1) or encrypted header extensions, and the RTP and RTCP
// header views. Whatever the bytes: no panic, and a failed unprotect changes nothing, so the
// genuine packets sent before and after still unprotect.
use callseal::srtp::{Mki, RccMode, RtcpHeader, RtpHeader, SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{SrtpMasterKey, SrtpSuite};

fn key(suite: SrtpSuite) -> SrtpMasterKey {
    SrtpMasterKey::new(suite, &[0x11; 32][..suite.key_len()], &[0x22; 14][..suite.salt_len()])
        .unwrap()
}

/// The options of selector bits 4 and 5 that `suite` takes: none, cryptex, RCC mode 1 every
/// 4 packets, or header extension 1 encrypted.
fn options(suite: SrtpSuite, sel: u8) -> SrtpConfig {
    let c = SrtpConfig::default();
    let cm = !suite.is_aead();
    match (sel >> 4) & 3 {
        1 => c.with_cryptex(true),
        2 if cm && suite.srtp_tag_len() > 4 => c.with_rcc(RccMode::Mode1, 4),
        3 if cm => c.with_encrypted_extension(1),
        _ => c,
    }
}

fn pair(suite: SrtpSuite, mki: bool, base: SrtpConfig) -> (SrtpSender, SrtpReceiver) {
    if mki {
        let config = base.with_mki_len(1);
        let tx = SrtpSender::new_with_mki(Mki(7), &key(suite), config).unwrap();
        let mut rx = SrtpReceiver::new_with_mki(suite, config).unwrap();
        rx.add_key(Mki(7), &key(suite)).unwrap();
        (tx, rx)
    } else {
        let config = base;
        (
            SrtpSender::new(&key(suite), config).unwrap(),
            SrtpReceiver::new(&key(suite), config).unwrap(),
        )
    }
}

const RTP: [u8; 20] = [
    0x80, 96, 0, 1, 0, 0, 0, 9, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8,
];
const RTCP: [u8; 28] = [
    0x80, 200, 0, 6, 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0,
    0, 0, 5,
];

/// The fuzz target body: runs one input.
pub fn srtp(data: &[u8]) {
    let Some((&sel, input)) = data.split_first() else { return };
    let _ = RtpHeader::parse(input).map(|h| assert!(h.header_len() <= input.len()));
    let _ = RtcpHeader::parse(input);
    let suite = SrtpSuite::ALL[((sel & 3) | (sel >> 4 & 4)) as usize];
    let (mut tx, mut rx) = pair(suite, sel & 4 != 0, options(suite, sel));
    let mut genuine = [0u8; 64];
    genuine[..RTP.len()].copy_from_slice(&RTP);
    let n = tx.protect_rtp(&mut genuine, RTP.len()).unwrap();
    let mut genuine_rtcp = [0u8; 80];
    genuine_rtcp[..RTCP.len()].copy_from_slice(&RTCP);
    let m = tx.protect_rtcp(&mut genuine_rtcp, RTCP.len()).unwrap();
    let mut buf = input.to_vec();
    if sel & 8 == 0 {
        if rx.unprotect_rtp(&mut buf).is_ok() {
            // Only a genuine packet can pass; the fuzzer cannot have made one.
            assert_eq!(input, &genuine[..n]);
            return;
        }
        assert_eq!(rx.unprotect_rtp(&mut genuine[..n]).unwrap(), &RTP[..]);
    } else {
        if rx.unprotect_rtcp(&mut buf).is_ok() {
            assert_eq!(input, &genuine_rtcp[..m]);
            return;
        }
        assert_eq!(rx.unprotect_rtcp(&mut genuine_rtcp[..m]).unwrap(), &RTCP[..]);
    }
}
