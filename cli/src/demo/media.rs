//! The media the endpoints send: Opus-like audio, video with key frames, screen share in
//! bursts. Every frame starts with [`MARKER`] and its id, so the receiver can check it against
//! the original and the relay can look for plaintext.

use super::side;
use callseal::{MediaKind, Role};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Bytes every frame starts with; the relay looks for them in every packet.
pub(super) const MARKER: &[u8; 16] = b"PLAINTEXT-MEDIA!";

/// The media an endpoint sends: sizes and timing like Opus audio, a video encoder with key
/// frames every 2 s, and screen share in bursts when the content changes.
pub(super) struct MediaGen {
    rng: ChaCha8Rng,
    dir: u8,
    numbers: [u32; 3],
    screen_burst: u32,
}

impl MediaGen {
    pub(super) fn new(seed: u64, role: Role) -> Self {
        Self::with_sender(seed, side(role), role.send_direction() as u8)
    }

    /// The media of participant `index` (its random stream), whose frames carry `sender`
    /// where a two-party call's carry their direction.
    pub(super) fn with_sender(seed: u64, index: usize, sender: u8) -> Self {
        MediaGen {
            rng: ChaCha8Rng::seed_from_u64(seed ^ ((index as u64 + 1) * 0x9e37_79b9)),
            dir: sender,
            numbers: [0; 3],
            screen_burst: 0,
        }
    }

    fn range(&mut self, lo: u32, hi: u32) -> usize {
        (lo + self.rng.next_u32() % (hi - lo + 1)) as usize
    }

    /// Frames due at `tick`: (kind, bytes, RTP timestamp).
    pub(super) fn frames(&mut self, tick: u64, out: &mut Vec<(MediaKind, Vec<u8>, u32)>) {
        out.clear();
        let t_ms = tick * 20;
        out.push((
            MediaKind::Audio,
            self.frame(MediaKind::Audio, 60, 160),
            (tick * 960) as u32,
        ));
        // 30 frames per second: a frame whenever the 30 Hz clock moved during this tick.
        if (t_ms * 30 / 1000) != ((t_ms + 20) * 30 / 1000) || tick == 0 {
            let key = (t_ms % 2000) < 20;
            let (lo, hi) = if key {
                (24_000, 40_000)
            } else {
                (2_000, 6_000)
            };
            out.push((
                MediaKind::Video,
                self.frame(MediaKind::Video, lo, hi),
                (t_ms * 90) as u32,
            ));
        }
        // Screen share: the content changes every 1.5 s; each change sends a burst of large
        // frames on consecutive ticks, then a small refresh once a second.
        if t_ms.is_multiple_of(1500) {
            self.screen_burst = 3;
        }
        if self.screen_burst > 0 {
            self.screen_burst -= 1;
            out.push((
                MediaKind::Screen,
                self.frame(MediaKind::Screen, 60_000, 150_000),
                (t_ms * 90) as u32,
            ));
        } else if t_ms % 1000 == 500 {
            out.push((
                MediaKind::Screen,
                self.frame(MediaKind::Screen, 500, 1_500),
                (t_ms * 90) as u32,
            ));
        }
    }

    fn frame(&mut self, kind: MediaKind, lo: u32, hi: u32) -> Vec<u8> {
        let len = self.range(lo, hi);
        let mut f = vec![0u8; len];
        self.rng.fill_bytes(&mut f);
        f[..16].copy_from_slice(MARKER);
        f[16] = self.dir;
        f[17] = kind as u8;
        let n = self.numbers[kind as usize];
        self.numbers[kind as usize] += 1;
        f[18..22].copy_from_slice(&n.to_be_bytes());
        f
    }
}

pub(super) fn frame_id(f: &[u8]) -> Option<(u8, u8, u32)> {
    if f.len() < 22 || &f[..16] != MARKER {
        return None;
    }
    Some((
        f[16],
        f[17],
        u32::from_be_bytes([f[18], f[19], f[20], f[21]]),
    ))
}
