//! The call session: the handshake's outcome, both protection layers and in-call rekey, for the
//! whole life of a one-to-one call.
//!
//! A [`Call`] is sans-IO: the application hands it encoded frames and received packets, and
//! passes the time in; it returns packets to send and frames to decode. Three streams flow each
//! way (audio, video, screen share), each with its own keys.
//!
//! **Layers** ([`Layers`]): SRTP only (the peer-to-peer call: SRTP keyed end-to-end from the
//! handshake), SFrame only (frames sealed end-to-end, RTP in clear), or SFrame inside SRTP (the
//! default: frames sealed end-to-end, packets protected hop-by-hop with keys the application
//! supplies, e.g. from DTLS-SRTP with the relay). A call whose handshake outcome is standard
//! runs SRTP with the application's keys only.
//!
//! **Rekey.** Either side calls [`Call::rekey`] (or lets it happen at a soft usage limit or on
//! [`CallConfig::rekey_interval`]): it moves its sending to the next epoch. The epoch travels in
//! every frame (the SFrame KID) or packet (a one-byte SRTP MKI holding the epoch's low byte).
//! The receiver has the next epoch's keys installed ahead of time, so the first frame of the new
//! epoch authenticates, moves the receiver to it, and makes it follow with its own sending. The
//! previous epoch's keys stay usable for [`CallConfig::grace`], counted over the whole call,
//! then they are zeroized on every stream, idle or not: a receive stream never holds more than
//! [`MAX_EPOCHS_HELD`] epochs. A side rekeys again only after it has seen the peer reach its
//! epoch, so neither side is ever more than one epoch ahead. A rekey happens whole or not at
//! all.
//!
//! **Events and timers**, in the sans-IO style of quinn-proto and str0m: after a call that may
//! move epochs, take [`Call::poll_event`] until it returns `None` ([`Event`]: a rekey started,
//! this side's new epoch, the peer moved, old keys retired, a soft usage limit reached); call
//! [`Call::handle_timeout`] at the time [`Call::poll_timeout`] names (a rekey interval, the end
//! of a grace measured in time). An application never needs to read [`Call::epoch`] to notice
//! a rekey.
//!
//! **RTP payload format.** Frames travel in the RTP payload format for SFrame
//! ([`crate::rtp_sframe`]): a one-byte descriptor (S, E, T bits) in front of every payload,
//! per-frame SFrame by default, per-packet SFrame with [`CallConfig::with_sframe_mode`]; the
//! SRTP-only layer cuts the plain frame with the same descriptor.
//!
//! **RTP.** Both ends derive the six SSRCs and first sequence numbers from the handshake
//! ([`crate::schedule::RtpParams`]), fresh for every call; an application that signals its
//! own SSRCs passes them in ([`CallConfig::with_ssrcs`]). Frames are put back together by
//! sequence number in a reassembly budget allocated once per call
//! ([`CallConfig::reassembly_budget`]): what arrives, genuine or forged, costs the bytes it
//! carries and never more memory.
//!
//! ```
//! use callseal::handshake::{Callee, Caller, HandshakeConfig};
//! use callseal::session::{Call, CallConfig, Packets};
//! use callseal::{Intent, MediaKind, Role, Ssrc};
//! use core::time::Duration;
//!
//! // The handshake, over the application's signaling.
//! let ctx = b"call 42 | alice | bob";
//! let cfg = HandshakeConfig::new(Intent::On);
//! let (mut caller, offer) = Caller::offer(&cfg, ctx)?;
//! let (mut callee, answer) = Callee::accept(&cfg, ctx, &offer)?;
//! let (confirm, caller_done) = caller.finish(&answer)?;
//! let callee_done = callee.confirm(&confirm)?;
//! assert_eq!(caller_done.security_code(), callee_done.security_code());
//!
//! // Both ends of the call: SFrame end-to-end, no relay keys needed in this example.
//! let mut alice = Call::new(caller_done, CallConfig::sframe_only(Role::Caller), None)?;
//! let mut bob = Call::new(callee_done, CallConfig::sframe_only(Role::Callee), None)?;
//!
//! let mut packets = Packets::new();
//! let frame = vec![0x5a; 3000]; // an encoded video frame
//! alice.send_frame(MediaKind::Video, &frame, 90_000, Duration::ZERO, &mut packets)?;
//! let mut got = None;
//! for i in 0..packets.len() {
//!     let mut p = packets.get(i).to_vec(); // what travels over UDP
//!     if let Some(r) = bob.receive_packet(&mut p, Duration::ZERO)? {
//!         got = Some((r.kind, r.frame.to_vec()));
//!     }
//! }
//! assert_eq!(got, Some((MediaKind::Video, frame)));
//!
//! // Rekey: alice's next frame uses epoch 1; bob follows when it authenticates.
//! alice.rekey(Duration::from_secs(1))?;
//! packets.clear();
//! alice.send_frame(MediaKind::Audio, &[1; 80], 960, Duration::from_secs(1), &mut packets)?;
//! let mut p = packets.get(0).to_vec();
//! assert!(bob.receive_packet(&mut p, Duration::from_secs(1))?.is_some());
//! assert_eq!(bob.epoch().0, 1);
//! # Ok::<(), callseal::Error>(())
//! ```

mod call;
mod config;
mod epochs;
mod events;
mod packets;
mod stats;

pub use call::{Call, Received};
pub use config::{CallConfig, Layers, PacketKeys, DEFAULT_MAX_FRAME, DEFAULT_REASSEMBLY_BUDGET};
pub use epochs::MAX_EPOCHS_HELD;
pub use events::{Event, RekeyCause, EVENT_QUEUE_LEN};
pub use packets::Packets;
pub use stats::{Rejected, StreamStats};
