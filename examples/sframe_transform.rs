//! SFrame as the frame transform of an existing WebRTC stack (the way Insertable Streams or
//! a native encoder hook uses it): the stack keeps its own RTP packetization, jitter buffer,
//! congestion control and DTLS-SRTP with the SFU; callseal only agrees the end-to-end keys
//! over the app's signaling and seals each encoded frame after the encoder and opens it before
//! the decoder. The SFU routes the sealed frames and can read neither them nor the VP8 payload
//! descriptor's protected bits; the first byte stays in clear so it can still switch layers.
//!
//! `cargo run --example sframe_transform`

use callseal::handshake::{Callee, Caller, Established, HandshakeConfig, Outcome};
use callseal::schedule::CallKeys;
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::{Direction, Error, Intent, MediaKind, Role};

/// One end's transform: a sender per outgoing stream, one receiver for the incoming ones.
struct Transform {
    send: [SframeSender; 3],
    recv: SframeReceiver,
    /// Scratch for the sealed frame, sized once.
    out: Vec<u8>,
}

/// Bytes of each encoded frame left readable by the SFU (a VP8 payload descriptor's first).
const CLEAR: usize = 1;

impl Transform {
    fn new(keys: &CallKeys, role: Role) -> Result<Self, Error> {
        let config = SframeConfig::new(keys.sframe_suite());
        let sender =
            |kind| SframeSender::for_stream(&config, &keys.stream(role.send_direction(), kind));
        let mut recv = SframeReceiver::new(config)?;
        recv.install_call_keys(keys, role.recv_direction())?;
        Ok(Transform {
            send: [
                sender(MediaKind::Audio)?,
                sender(MediaKind::Video)?,
                sender(MediaKind::Screen)?,
            ],
            recv,
            out: Vec::with_capacity(64 * 1024),
        })
    }

    /// After the encoder: the sealed frame the stack packetizes instead.
    fn seal(&mut self, kind: MediaKind, frame: &[u8]) -> Result<&[u8], Error> {
        let tx = &mut self.send[kind as usize];
        self.out.resize(frame.len() + tx.max_overhead(), 0);
        let opts = FrameOptions::NONE.with_clear_prefix(CLEAR.min(frame.len()));
        let n = tx.seal_into(frame, &mut self.out, opts)?;
        Ok(&self.out[..n])
    }

    /// Before the decoder: the frame the stack reassembled, opened in place.
    fn open<'a>(&mut self, sealed: &'a mut [u8]) -> Result<&'a [u8], Error> {
        let opts = FrameOptions::NONE.with_clear_prefix(CLEAR.min(sealed.len()));
        self.recv.open(sealed, opts).map(|plain| &*plain)
    }
}

/// The media keys of an end-to-end handshake.
fn keys(e: Established) -> CallKeys {
    match e.into_outcome() {
        Outcome::EndToEnd { keys, .. } => keys,
        _ => panic!("both users have end-to-end encryption on"),
    }
}

fn main() -> Result<(), Error> {
    // The handshake rides on the app's signaling (a data channel, the call's SIP messages).
    let context = b"conference 12 | alice | bob";
    let config = HandshakeConfig::new(Intent::On);
    let (mut caller, offer) = Caller::offer(&config, context)?;
    let (mut callee, answer) = Callee::accept(&config, context, &offer)?;
    let (confirm, alice) = caller.finish(&answer)?;
    let bob = callee.confirm(&confirm)?;
    println!(
        "security code: {}",
        alice.security_code().expect("end-to-end")
    );
    let (alice, bob) = (keys(alice), keys(bob));

    let mut alice_tx = Transform::new(&alice, Role::Caller)?;
    let mut bob_rx = Transform::new(&bob, Role::Callee)?;
    for (i, (kind, len)) in [
        (MediaKind::Audio, 90),
        (MediaKind::Video, 14_000),
        (MediaKind::Screen, 180_000),
    ]
    .into_iter()
    .enumerate()
    {
        let frame: Vec<u8> = (0..len).map(|j| (i * 31 + j) as u8).collect();
        let sealed = alice_tx.seal(kind, &frame)?;
        let overhead = sealed.len() - frame.len();
        // What the SFU forwards: it sees the clear first byte, never the rest.
        let mut forwarded = sealed.to_vec();
        assert_eq!(forwarded[0], frame[0]);
        let opened = bob_rx.open(&mut forwarded)?;
        assert_eq!(opened, &frame[..]);
        println!("{kind}: {len} B frame, {overhead} B of SFrame, opened by bob");

        // An SFU that alters a frame is caught.
        let mut altered = alice_tx.seal(kind, &frame)?.to_vec();
        *altered.last_mut().expect("not empty") ^= 1;
        assert_eq!(bob_rx.open(&mut altered), Err(Error::Authentication));
    }

    // Rekey: both ends move to the next epoch's keys, derived from the same handshake.
    let next_a = alice.next_epoch()?;
    let next_b = bob.next_epoch()?;
    let mut alice_tx = Transform::new(&next_a, Role::Caller)?;
    bob_rx
        .recv
        .install_call_keys(&next_b, Direction::CallerToCallee)?;
    let sealed = alice_tx.seal(MediaKind::Audio, b"after the rekey")?;
    let mut forwarded = sealed.to_vec();
    assert_eq!(bob_rx.open(&mut forwarded)?, b"after the rekey");
    println!("epoch {} frames open too", next_a.epoch().0);
    Ok(())
}
