//! The media relay between the endpoints, one thread a direction: a UDP forwarder standing for
//! the TURN/SFU hop that sees every packet, looks for plaintext in it and makes the attacks
//! asked for.

use super::args::Attack;
use super::media::MARKER;
use super::Shared;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Duration;

/// One direction of the relay: from `from` (the side that sent) to the other side.
pub(super) struct RelayDir {
    pub(super) inbound: Arc<UdpSocket>,
    pub(super) outbound: Arc<UdpSocket>,
    pub(super) from: usize,
    pub(super) sender_addr: SocketAddr,
    pub(super) receiver_addr: SocketAddr,
    pub(super) attacks: Vec<Attack>,
    pub(super) seed: u64,
    pub(super) shared: Arc<Shared>,
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub(super) fn run_relay(r: RelayDir) -> anyhow::Result<()> {
    let sh = &r.shared;
    let to = 1 - r.from;
    let mut rng = ChaCha8Rng::seed_from_u64(r.seed ^ (0x5eed + r.from as u64));
    let mut history: VecDeque<Vec<u8>> = VecDeque::with_capacity(64);
    let mut held: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut buf = vec![0u8; 65_536];
    r.inbound.set_read_timeout(Some(Duration::from_millis(3)))?;
    let has = |a: Attack| r.attacks.contains(&a);
    let count = |a: Attack| sh.attacks[a.index()].fetch_add(1, SeqCst);
    // What the relay passed on, for replays: a replay of a packet the receiver never got is
    // indistinguishable from a late packet, so only forwarded packets are replayed.
    let forward = |p: &[u8], history: &mut VecDeque<Vec<u8>>| -> anyhow::Result<()> {
        r.outbound.send_to(p, r.receiver_addr)?;
        sh.relayed_to[to].fetch_add(1, SeqCst);
        if history.len() == 64 {
            history.pop_front();
        }
        history.push_back(p.to_vec());
        Ok(())
    };
    let inject = |p: &[u8]| -> anyhow::Result<()> {
        r.outbound.send_to(p, r.receiver_addr)?;
        sh.relayed_to[to].fetch_add(1, SeqCst);
        Ok(())
    };
    loop {
        let n = match r.inbound.recv_from(&mut buf) {
            Ok((n, _)) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // Idle: let held packets go.
                for (_, p) in held.drain(..) {
                    forward(&p, &mut history)?;
                    sh.held_for[to].fetch_sub(1, SeqCst);
                }
                if sh.stop.load(SeqCst) {
                    return Ok(());
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let p = &buf[..n];
        sh.relay_packets.fetch_add(1, SeqCst);
        if contains(p, MARKER) {
            sh.plaintext_seen.fetch_add(1, SeqCst);
        }
        let roll = |rng: &mut ChaCha8Rng, percent: u32| rng.next_u32() % 100 < percent;
        if has(Attack::Tamper) && roll(&mut rng, 2) {
            let mut t = p.to_vec();
            let bit = rng.next_u32() as usize % (t.len() * 8);
            t[bit / 8] ^= 1 << (bit % 8);
            inject(&t)?;
            count(Attack::Tamper);
        }
        if has(Attack::Reflect) && roll(&mut rng, 2) {
            r.inbound.send_to(p, r.sender_addr)?;
            sh.relayed_to[r.from].fetch_add(1, SeqCst);
            count(Attack::Reflect);
        }
        if has(Attack::Replay) && roll(&mut rng, 2) && !history.is_empty() {
            let i = rng.next_u32() as usize % history.len();
            inject(&history[i])?;
            count(Attack::Replay);
        }
        if has(Attack::Drop) && roll(&mut rng, 2) {
            count(Attack::Drop);
        } else if has(Attack::Reorder) && roll(&mut rng, 5) {
            held.push((1 + rng.next_u32() % 5, p.to_vec()));
            sh.held_for[to].fetch_add(1, SeqCst);
            count(Attack::Reorder);
        } else {
            forward(p, &mut history)?;
            // Packets held back go out after a few later ones.
            let mut i = 0;
            while i < held.len() {
                held[i].0 -= 1;
                if held[i].0 == 0 {
                    let (_, q) = held.swap_remove(i);
                    forward(&q, &mut history)?;
                    sh.held_for[to].fetch_sub(1, SeqCst);
                } else {
                    i += 1;
                }
            }
        }
        sh.relayed_from[r.from].fetch_add(1, SeqCst);
    }
}
