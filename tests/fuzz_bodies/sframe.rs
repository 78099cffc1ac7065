// The SFrame header decoder and open for every suite. Whatever the bytes: no panic, and a
// failed open changes nothing, so a genuine frame still opens after it.
use callseal::sframe::{FrameOptions, Header, SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, SframeSuite};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The genuine frame sealed for each suite and KID, once per process: a process builds one
/// sender per suite, KID and key, and the same input must behave the same every time.
fn genuine(suite: SframeSuite, kid: KeyId) -> Vec<u8> {
    type Sealed = HashMap<(u16, u64), Vec<u8>>;
    static SEALED: OnceLock<Mutex<Sealed>> = OnceLock::new();
    let mut map = SEALED.get_or_init(Default::default).lock().unwrap();
    map.entry((suite.id(), kid.0))
        .or_insert_with(|| {
            let mut tx = SframeSender::new(&SframeConfig::new(suite), kid, &[9; 32]).unwrap();
            let mut sealed = [0u8; 64];
            let n = tx.seal_into(b"a genuine frame", &mut sealed, FrameOptions::NONE).unwrap();
            sealed[..n].to_vec()
        })
        .clone()
}

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
    let mut rx = SframeReceiver::new(config).unwrap();
    rx.install_key(kid, Epoch(0), &[9; 32]).unwrap();
    let frame = b"a genuine frame";
    let mut sealed = genuine(suite, kid);
    let mut buf = input.to_vec();
    if rx.open(&mut buf, FrameOptions::NONE).is_ok() {
        assert_eq!(input, &sealed[..]);
        return;
    }
    assert_eq!(rx.open(&mut sealed, FrameOptions::NONE).unwrap(), frame);
}
