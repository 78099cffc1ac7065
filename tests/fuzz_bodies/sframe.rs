// The SFrame header decoder and open for every suite. Whatever the bytes: no panic, and a
// failed open changes nothing, so a genuine frame still opens after it.
use callseal::sframe::{FrameOptions, Header, SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, SframeSuite};

/// The fuzz target body: runs one input.
pub fn sframe(data: &[u8]) {
    let Some((&sel, input)) = data.split_first() else { return };
    if let Ok((h, len)) = Header::decode(input) {
        assert!(len <= input.len() && len <= Header::MAX_LEN);
        let mut again = [0u8; 17];
        let n = h.encode(&mut again).unwrap();
        assert_eq!(Header::decode(&again[..n]).unwrap().0, h);
    }
    let suite = SframeSuite::ALL[(sel % 5) as usize];
    let config = SframeConfig::new(suite);
    let kid = KeyId(u64::from(sel >> 4));
    let mut tx = SframeSender::new(&config, kid, &[9; 32]).unwrap();
    let mut rx = SframeReceiver::new(config).unwrap();
    rx.install_key(kid, Epoch(0), &[9; 32]).unwrap();
    let frame = b"a genuine frame";
    let mut sealed = [0u8; 64];
    let n = tx.seal_into(frame, &mut sealed, FrameOptions::NONE).unwrap();
    let mut buf = input.to_vec();
    if rx.open(&mut buf, FrameOptions::NONE).is_ok() {
        assert_eq!(input, &sealed[..n]);
        return;
    }
    assert_eq!(rx.open(&mut sealed[..n], FrameOptions::NONE).unwrap(), frame);
}
