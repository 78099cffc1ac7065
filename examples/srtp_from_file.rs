//! SRTP alone, as a media pipeline uses it: master keys read from a file (as SDES or a key
//! server would hand them over), a sender and a receiver per direction, RTP and RTCP protected
//! in place on the pipeline's own buffers across a sequence-number wrap, and what the receiver
//! does with a replayed and a tampered packet.
//!
//! `cargo run --example srtp_from_file [KEY_FILE]` (default `examples/srtp-keys.txt`)

use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Direction, Error, SrtpMasterKey, SrtpSuite, Ssrc};

/// The key of each direction, from lines `SUITE DIRECTION KEY_HEX SALT_HEX`.
fn read_keys(path: &str) -> Result<Vec<(Direction, SrtpMasterKey)>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let [suite, direction, key, salt] = f[..] else {
            return Err(format!("{path}:{}: expected 4 fields", n + 1).into());
        };
        let suite: SrtpSuite = suite.parse()?;
        let direction: Direction = direction.parse()?;
        let key = SrtpMasterKey::new(suite, &hex::decode(key)?, &hex::decode(salt)?)?;
        keys.push((direction, key));
    }
    Ok(keys)
}

/// An RTP packet: 12-byte header, `payload`, and room behind it for the SRTP trailer.
fn rtp(ssrc: u32, seq: u16, payload: &[u8], room: usize) -> Vec<u8> {
    let mut p = vec![0x80, 111];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p.resize(p.len() + room, 0);
    p
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/srtp-keys.txt").into());
    let keys = read_keys(&path)?;
    println!("{} keys from {path}", keys.len());
    for (direction, key) in &keys {
        let suite = key.suite();
        // Each end holds the sender of its direction; the other end the receiver.
        let mut tx = SrtpSender::new(key, SrtpConfig::default())?;
        let mut rx = SrtpReceiver::new(key, SrtpConfig::default())?;
        let ssrc = 0x5eed_0001;
        let room = suite.srtp_overhead();
        // 70,000 packets: the sequence number wraps and the rollover counter moves to 1.
        let mut wire = Vec::new();
        for seq in 0..70_000u32 {
            let mut p = rtp(ssrc, seq as u16, &[seq as u8; 160], room);
            let n = tx.protect_rtp(&mut p, 12 + 160)?;
            p.truncate(n);
            let plain_len = rx.unprotect_rtp(&mut p)?.len();
            assert_eq!(plain_len, 12 + 160);
            wire = p;
        }
        println!(
            "{direction} {suite}: 70000 packets, rollover counter {}",
            rx.roc(Ssrc(ssrc)).expect("stream").0
        );

        // What a hostile network gets.
        let mut replayed = wire.clone();
        let mut last = rtp(ssrc, 70_000u32 as u16, b"last", room);
        let n = tx.protect_rtp(&mut last, 12 + 4)?;
        last.truncate(n);
        let mut tampered = last.clone();
        tampered[14] ^= 1;
        println!(
            "  replayed: {:?}, tampered: {:?}",
            rx.unprotect_rtp(&mut replayed)
                .map(|p| p.len())
                .unwrap_err(),
            rx.unprotect_rtp(&mut tampered)
                .map(|p| p.len())
                .unwrap_err()
        );
        // The genuine packet still goes through after the forged one.
        assert_eq!(
            rx.unprotect_rtp(&mut last)?,
            &rtp(ssrc, 70_000u32 as u16, b"last", 0)[..]
        );
        assert_eq!(rx.unprotect_rtp(&mut wire.clone()), Err(Error::Replay));

        // RTCP (a receiver report) under the same key.
        let mut rtcp = vec![0x81, 201, 0, 1, 0x5e, 0xed, 0, 1];
        rtcp.resize(8 + suite.srtcp_overhead(), 0);
        let n = tx.protect_rtcp(&mut rtcp, 8)?;
        rtcp.truncate(n);
        assert_eq!(rx.unprotect_rtcp(&mut rtcp)?.len(), 8);
        println!("  RTCP: {n} bytes on the wire");
    }
    Ok(())
}
