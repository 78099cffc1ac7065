// The receiver of the RTP payload format for SFrame on arbitrary packets: no panic; whatever
// it hands out is the smallest S…E run of the latest packets of those sequence numbers, their
// descriptors removed, within the size limit; and a genuine frame sent afterwards on sequence
// numbers the input left alone arrives whole.
use callseal::rtp_sframe::{packetize, Descriptor, PayloadOrigin, Reassembler, RtpFields};
use callseal::session::Packets;
use callseal::Ssrc;
use std::collections::HashMap;

const MAX_FRAME: usize = 4096;

/// The fuzz target body: runs one input.
pub fn depacketize(data: &[u8]) {
    let mut rx = Reassembler::new(MAX_FRAME, 4 * MAX_FRAME, 64).unwrap();
    // The latest packet of every sequence number, as the model remembers it.
    let mut latest: HashMap<u16, Vec<u8>> = HashMap::new();
    // Every sequence number the input used.
    let mut seen = std::collections::HashSet::new();
    let mut rest = data;
    // The input is a sequence of length-prefixed packets.
    while let Some((&len, tail)) = rest.split_first() {
        let len = (len as usize * 4).min(tail.len());
        let p = &tail[..len];
        rest = &tail[len..];
        // Every packet of a run handed out was taken (pushed without an error) last of its
        // sequence number.
        if p.len() >= 4 {
            seen.insert(u16::from_be_bytes([p[2], p[3]]));
        }
        let pushed = rx.push(p);
        if pushed.is_ok() {
            latest.insert(u16::from_be_bytes([p[2], p[3]]), p.to_vec());
        }
        let Ok(Some(r)) = pushed else { continue };
        assert!(r.payload.len() <= MAX_FRAME);
        let (first, last) = r.seqs;
        let mut expected = Vec::new();
        let count = last.wrapping_sub(first) as usize + 1;
        for k in 0..count {
            let seq = first.wrapping_add(k as u16);
            let q = &latest[&seq];
            // No padding in what the model checks: a padded packet's payload ends earlier.
            let body = &q[12 + 4 * (q[0] & 0x0f) as usize..];
            let body = if q[0] & 0x10 != 0 {
                let ext = 4 + 4 * u16::from_be_bytes([body[2], body[3]]) as usize;
                &body[ext..]
            } else {
                body
            };
            let body = if q[0] & 0x20 != 0 {
                &body[..body.len() - q[q.len() - 1] as usize]
            } else {
                body
            };
            let d = Descriptor::from_byte(body[0]);
            assert_eq!(d.start, k == 0, "S on the first packet only");
            assert_eq!(d.end, k + 1 == count, "E on the last packet only");
            assert_eq!(d.origin, r.origin);
            assert_eq!(u32::from_be_bytes([q[4], q[5], q[6], q[7]]), r.timestamp);
            expected.extend_from_slice(&body[1..]);
        }
        assert_eq!(r.payload, &expected[..]);
    }
    // A genuine frame of four packets (297 bytes of fragment and 3 more) on sequence numbers
    // the input never used, and none after them.
    let Some(seq) = (0..=u16::MAX)
        .step_by(4)
        .find(|s| (0..5).all(|k| !seen.contains(&s.wrapping_add(k))))
    else {
        return;
    };
    let fields = RtpFields {
        ssrc: Ssrc(1),
        payload_type: 96,
        timestamp: 77,
        marker: true,
    };
    let frame: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
    let mut out = Packets::new();
    packetize(&fields, seq, &frame, PayloadOrigin::Raw, 112, &mut out).unwrap();
    let mut got = None;
    for p in out.iter() {
        if let Some(r) = rx.push(p).unwrap() {
            got = Some(r.payload.to_vec());
        }
    }
    assert_eq!(got, Some(frame), "the genuine frame arrives whole");
}
