//! After warm-up, a call sends and receives frames without allocating: a counting global
//! allocator proves it.

use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::{Intent, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn no_allocation_per_frame_after_warm_up() {
    for layers in [Layers::Both, Layers::Srtp, Layers::Sframe] {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let cfg = HandshakeConfig::new(Intent::On);
        let (mut caller, offer) = Caller::offer(&cfg, b"alloc", &mut rng).unwrap();
        let (mut callee, answer) = Callee::accept(&cfg, b"alloc", &offer, &mut rng).unwrap();
        let (confirm, a) = caller.finish(&answer).unwrap();
        let b = callee.confirm(&confirm).unwrap();
        let k = |x: u8| SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[x; 16], &[x; 12]).unwrap();
        let hop = |o, i| (layers == Layers::Both).then(|| PacketKeys::new(k(o), k(i)));
        let mut a = Call::new(
            a,
            CallConfig::new(Role::Caller).with_layers(layers),
            hop(1, 2),
        )
        .unwrap();
        let mut b = Call::new(
            b,
            CallConfig::new(Role::Callee).with_layers(layers),
            hop(2, 1),
        )
        .unwrap();
        let frames: Vec<(MediaKind, Vec<u8>)> = vec![
            (MediaKind::Audio, vec![1; 120]),
            (MediaKind::Video, vec![2; 30_000]),
            (MediaKind::Screen, vec![3; 100_000]),
        ];
        let mut packets = Packets::new();
        let mut buf = vec![0u8; 2048];
        let mut ts = 0u32;
        let mut run = |a: &mut Call, b: &mut Call| {
            for (kind, f) in &frames {
                ts += 1;
                packets.clear();
                a.send_frame(*kind, f, ts, Duration::ZERO, &mut packets)
                    .unwrap();
                let mut got = 0;
                for p in packets.iter() {
                    buf[..p.len()].copy_from_slice(p);
                    if let Some(r) = b
                        .receive_packet(&mut buf[..p.len()], Duration::ZERO)
                        .unwrap()
                    {
                        got = r.frame.len();
                    }
                }
                assert_eq!(got, f.len());
            }
        };
        // Warm-up: buffers grow to the largest frame once.
        for _ in 0..20 {
            run(&mut a, &mut b);
        }
        let before = ALLOCS.load(Ordering::SeqCst);
        for _ in 0..50 {
            run(&mut a, &mut b);
        }
        assert_eq!(ALLOCS.load(Ordering::SeqCst) - before, 0, "{layers:?}");
    }
}
