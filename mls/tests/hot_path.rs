//! Sealing and opening group frames allocate nothing.

#[path = "../../tests/common/alloc.rs"]
#[allow(dead_code)]
mod alloc;
mod common;

use callseal::sframe::FrameOptions;
use callseal::MediaKind;
use common::Harness;

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

#[test]
fn seal_and_open_allocate_nothing() {
    let mut h = Harness::new(3);
    let frame = [0x5au8; 1200];
    let mut buf = [0u8; 1200 + 64];
    let mut frames = 0;
    let ((), allocations) = alloc::counted(|| {
        for round in 0..50 {
            for from in 0..3 {
                let kind = MediaKind::ALL[round % 3];
                let n = h.members[from]
                    .seal_into(kind, &frame, &mut buf, FrameOptions::NONE)
                    .unwrap();
                let to = (from + 1 + round % 2) % 3;
                let opened = h.members[to]
                    .open(&mut buf[..n], FrameOptions::NONE)
                    .unwrap();
                assert_eq!(opened.frame.len(), frame.len());
                frames += 1;
            }
        }
    });
    assert_eq!(frames, 150);
    assert_eq!(allocations, 0);
}
