//! Sealing and opening frames allocate nothing once the keys are set up. A counting global
//! allocator counts the allocations of this test's own thread.

mod common;

use callseal::sframe::{FrameOptions, SEAL_HEADROOM};
use callseal::sframe::{SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, SframeSuite};
use common::alloc::{self, counted};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

#[test]
fn counter_works() {
    let (v, n) = counted(|| vec![1u8; 10]);
    assert_eq!((v.len(), n), (10, 1));
}

#[test]
fn no_allocation_per_frame() {
    const SIZES: [usize; 5] = [0, 160, 1200, 16 * 1024, 100 * 1024];
    let max = *SIZES.iter().max().unwrap();
    let metadata = [0x11u8; 24];
    for suite in SframeSuite::ALL {
        let config = SframeConfig::new(suite);
        let base = [0x77u8; 32];
        let mut tx = SframeSender::new(&config, KeyId(1000), &base).unwrap();
        let mut rx = SframeReceiver::new(config).unwrap();
        rx.install_key(KeyId(1000), Epoch(0), &base).unwrap();
        rx.install_key(KeyId(1001), Epoch(1), &[0x78u8; 32])
            .unwrap();
        let frame = vec![0x5au8; max];
        let mut out = vec![0u8; max + suite.max_overhead()];
        let mut buf = vec![0u8; SEAL_HEADROOM + max + suite.tag_len()];

        let ((), allocations) = counted(|| {
            for round in 0..20 {
                for len in SIZES {
                    let opts = match round % 3 {
                        0 => FrameOptions::NONE,
                        1 => FrameOptions::default().with_metadata(&metadata),
                        _ => FrameOptions::default()
                            .with_metadata(&metadata)
                            .with_clear_prefix(len.min(10)),
                    };
                    let n = tx.seal_into(&frame[..len], &mut out, opts).unwrap();
                    let plain = rx.open(&mut out[..n], opts).unwrap();
                    assert_eq!(plain.len(), len);

                    buf[SEAL_HEADROOM..SEAL_HEADROOM + len].copy_from_slice(&frame[..len]);
                    let sealed = tx.seal_in_place(&mut buf, len, opts).unwrap();
                    let plain = rx.open(sealed, opts).unwrap();
                    assert_eq!(plain, &frame[..len]);

                    // Failures allocate nothing either.
                    let n = tx.seal_into(&frame[..len], &mut out, opts).unwrap();
                    out[n - 1] ^= 1;
                    assert!(rx.open(&mut out[..n], opts).is_err());
                    assert!(rx.open(&mut out[..n], opts).is_err());
                }
            }
        });
        assert_eq!(allocations, 0, "{}", suite.name());
    }
}
