//! The threading statement, checked at compile time: which types may move to another thread
//! (`Send`) and be shared by reference between threads (`Sync`).
//!
//! - Every public type of the library is `Send` and `Sync`: keys, the handshake states, the
//!   SRTP and SFrame senders and receivers, a [`Call`](crate::session::Call). None holds an
//!   `Rc`, a `Cell` or a thread-local; the library starts no threads and takes no locks.
//! - The packet and frame paths take `&mut self`: a sender or receiver is used by one thread
//!   at a time, and the compiler enforces it. There is no interior locking to pay for when
//!   one thread does all the work, which is the common case.
//! - Sharing between an app's audio and video threads, three ways, best first:
//!   1. **One context per thread.** Give the audio thread and the video thread each its own
//!      [`SrtpSender`](crate::srtp::SrtpSender) (and [`SrtpReceiver`](crate::srtp::SrtpReceiver))
//!      for their own SSRCs. Two SRTP senders must never hold the same master key with
//!      overlapping SSRCs (keystream reuse), so derive or negotiate a key per context (callseal's
//!      key schedule gives one per direction and media kind), or split the SSRCs between them.
//!   2. **One context behind a `Mutex`.** `Mutex<SrtpSender>` (or `Mutex<Call>`) in an `Arc`:
//!      each protect is a short critical section (no allocation, no I/O inside), so two media
//!      threads contend little.
//!   3. **One network thread.** Media threads hand packets over a channel to the thread that
//!      owns the context and the socket; nothing is shared at all.
//! - Moving a context to another thread (`Send`) is always fine, for example to a worker that
//!   owns it from then on.

/// The statement in the module documentation, as the compiler checks it on every build.
const _: () = {
    /// Fails to compile unless `T` is `Send + Sync`.
    const fn send_sync<T: Send + Sync>() {}
    use crate::handshake::{Callee, Caller, Established, HandshakeConfig, SecurityCode};
    use crate::schedule::{CallKeys, StreamSecret};
    use crate::session::{Call, CallConfig, Event, PacketKeys, Packets};
    use crate::sframe::{SframeConfig, SframeReceiver, SframeSender};
    use crate::srtp::{SessionKeys, SrtpConfig, SrtpReceiver, SrtpSender};
    send_sync::<SrtpSender>();
    send_sync::<SrtpReceiver>();
    send_sync::<SrtpConfig>();
    send_sync::<SessionKeys>();
    send_sync::<crate::SrtpMasterKey>();
    send_sync::<SframeSender>();
    send_sync::<SframeReceiver>();
    send_sync::<SframeConfig>();
    send_sync::<Caller>();
    send_sync::<Callee>();
    send_sync::<Established>();
    send_sync::<HandshakeConfig>();
    send_sync::<SecurityCode>();
    send_sync::<CallKeys>();
    send_sync::<StreamSecret>();
    send_sync::<Call>();
    send_sync::<CallConfig>();
    send_sync::<PacketKeys>();
    send_sync::<Packets>();
    send_sync::<Event>();
    send_sync::<crate::Error>();
    #[cfg(feature = "policy")]
    send_sync::<crate::policy::PolicyStore>();
};

#[cfg(test)]
mod tests {
    /// The second way of the statement: one sender behind a mutex, used by an audio and a video
    /// thread at once, each for its own SSRC, and one receiver reading all of it.
    #[test]
    fn one_sender_shared_by_two_threads() {
        use crate::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
        use crate::{SrtpMasterKey, SrtpSuite};
        use std::sync::{Arc, Mutex};

        let suite = SrtpSuite::AeadAes128Gcm;
        let key = || SrtpMasterKey::new(suite, &[3; 16], &[4; 12]).unwrap();
        let tx = Arc::new(Mutex::new(
            SrtpSender::new(&key(), SrtpConfig::default()).unwrap(),
        ));
        let threads: Vec<_> = [0xa0d1_0000u32, 0x71de_0000]
            .into_iter()
            .map(|ssrc| {
                let tx = Arc::clone(&tx);
                std::thread::spawn(move || {
                    (0..500u16)
                        .map(|seq| {
                            let mut p = vec![0x80, 96, 0, 0, 0, 0, 0, 0];
                            p[2..4].copy_from_slice(&seq.to_be_bytes());
                            p.extend_from_slice(&ssrc.to_be_bytes());
                            p.extend_from_slice(&[seq as u8; 40]);
                            let s = tx.lock().unwrap().protect_rtp_vec(&p).unwrap();
                            (p, s)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut rx = SrtpReceiver::new(&key(), SrtpConfig::default()).unwrap();
        for t in threads {
            for (plain, protected) in t.join().unwrap() {
                assert_eq!(rx.unprotect_rtp_vec(&protected).unwrap(), plain);
            }
        }
        assert_eq!(rx.stream_count(), 2);
    }
}
