// A structured attacker between two ends of a call: it edits, drops, duplicates, reorders and
// delivers packets, and the ends rekey. Everything delivered equals what was sent, and nothing
// is delivered twice.
use arbitrary::{Arbitrary, Unstructured};
use callseal::session::{Layers, Packets};
use callseal::MediaKind;
use std::collections::HashSet;
use std::time::Duration;

#[derive(Arbitrary, Debug)]
enum Action {
    Send { kind: u8, len: u16 },
    Deliver { pick: u8 },
    Duplicate { pick: u8 },
    Flip { pick: u8, bit: u16 },
    Drop { pick: u8 },
    Rekey { callee: bool },
    Tick,
}

fn frame_of(id: u32, kind: MediaKind, len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len.max(9)];
    f[..4].copy_from_slice(&id.to_be_bytes());
    f[4] = kind as u8;
    f[5..9].copy_from_slice(&(len as u32).to_be_bytes());
    for (i, b) in f[9..].iter_mut().enumerate() {
        *b = (id as usize * 31 + i) as u8;
    }
    f
}

/// The fuzz target body: runs one input.
pub fn attacker(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(sel) = u8::arbitrary(&mut u) else { return };
    let layers = [Layers::Both, Layers::Srtp, Layers::Sframe][(sel % 3) as usize];
    let (mut a, mut b) = super::session::call_pair(layers, 2);
    let mut in_flight: Vec<Vec<u8>> = Vec::new();
    let mut reflected: Vec<Vec<u8>> = Vec::new();
    let mut delivered = HashSet::new();
    let mut next_id = 0u32;
    let mut now = Duration::ZERO;
    let mut packets = Packets::new();
    for _ in 0..200 {
        let Ok(action) = Action::arbitrary(&mut u) else { break };
        let pick = |p: u8, n: usize| p as usize % n;
        match action {
            Action::Send { kind, len } => {
                let kind = MediaKind::ALL[(kind % 3) as usize];
                let f = frame_of(next_id, kind, len as usize % 20_000);
                next_id += 1;
                packets.clear();
                a.send_frame(kind, &f, next_id, now, &mut packets).unwrap();
                in_flight.extend(packets.iter().map(<[u8]>::to_vec));
                // The callee answers, so epochs can move on both sides.
                packets.clear();
                b.send_frame(MediaKind::Audio, &[1; 40], next_id, now, &mut packets).unwrap();
                reflected.extend(packets.iter().map(<[u8]>::to_vec));
            }
            Action::Deliver { pick: p } if !in_flight.is_empty() => {
                let mut pkt = in_flight.remove(pick(p, in_flight.len()));
                if let Ok(Some(r)) = b.receive_packet(&mut pkt, now) {
                    let f = r.frame;
                    assert!(f.len() >= 9, "a frame shorter than any sent");
                    let id = u32::from_be_bytes(f[..4].try_into().unwrap());
                    let len = u32::from_be_bytes(f[5..9].try_into().unwrap()) as usize;
                    assert!(id < next_id);
                    assert_eq!(f, &frame_of(id, r.kind, len)[..], "a frame differs from the one sent");
                    assert!(delivered.insert(id), "frame {id} delivered twice");
                }
                for mut q in reflected.drain(..) {
                    let _ = a.receive_packet(&mut q, now);
                }
            }
            Action::Duplicate { pick: p } if !in_flight.is_empty() => {
                let q = in_flight[pick(p, in_flight.len())].clone();
                in_flight.push(q);
            }
            Action::Flip { pick: p, bit } if !in_flight.is_empty() => {
                let i = pick(p, in_flight.len());
                let n = in_flight[i].len() * 8;
                let bit = bit as usize % n;
                in_flight[i][bit / 8] ^= 1 << (bit % 8);
            }
            Action::Drop { pick: p } if !in_flight.is_empty() => {
                in_flight.remove(pick(p, in_flight.len()));
            }
            Action::Rekey { callee } => {
                let _ = if callee { b.rekey(now) } else { a.rekey(now) };
            }
            Action::Tick => now += Duration::from_millis(20),
            _ => {}
        }
    }
}
