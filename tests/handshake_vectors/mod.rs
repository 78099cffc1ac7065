//! What the handshake vector tests of both versions check alike: hex fields, and the media
//! secrets and stream keys of epochs 0 and 1 of a run.

use callseal::schedule::CallKeys;
use callseal::{Direction, MediaKind};
use serde_json::Value;

pub fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// The run's three messages and both ephemeral public keys in them.
pub fn check_messages(offer: &[u8], answer: &[u8], confirm: &[u8], r: &Value) {
    assert_eq!(offer, hex_of(&r["offer"]));
    assert_eq!(answer, hex_of(&r["answer"]));
    assert_eq!(confirm, hex_of(&r["confirm"]));
    assert_eq!(&offer[3..35], &hex_of(&r["caller"]["ephemeral_public"])[..]);
    assert_eq!(
        &answer[3..35],
        &hex_of(&r["callee"]["ephemeral_public"])[..]
    );
}

/// The run's `media_secret` and `streams` against `keys` and the epoch after them.
pub fn check_epochs(keys: CallKeys, r: &Value) {
    let streams = r["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 12);
    let mut keys = Some(keys);
    for epoch in 0..2u32 {
        let k = keys.take().unwrap();
        assert_eq!(k.epoch().0, epoch);
        assert_eq!(
            k.media_secret().dangerous_expose().to_vec(),
            hex_of(&r["media_secret"][epoch as usize])
        );
        for s in streams.iter().filter(|s| s["epoch"] == epoch) {
            let d = Direction::ALL
                .into_iter()
                .find(|d| d.name() == s["direction"])
                .unwrap();
            let m = MediaKind::ALL
                .into_iter()
                .find(|m| m.name() == s["kind"])
                .unwrap();
            let ss = k.stream(d, m);
            assert_eq!(
                ss.secret().dangerous_expose().to_vec(),
                hex_of(&s["stream_secret"])
            );
            let mk = ss.into_srtp_master_key(k.srtp_suite()).unwrap();
            assert_eq!(mk.dangerous_key().to_vec(), hex_of(&s["srtp_master_key"]));
            assert_eq!(mk.dangerous_salt().to_vec(), hex_of(&s["srtp_master_salt"]));
        }
        keys = Some(k.next_epoch().unwrap());
    }
}
