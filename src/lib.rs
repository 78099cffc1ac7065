//! # callseal
//!
//! End-to-end encrypted one-to-one calls: two endpoints agree on keys over the application's
//! own signaling (X25519, HKDF-SHA256), both users compare a 20-digit security code, and every
//! audio, video and screen-share frame is encrypted at its origin and decrypted only at its
//! destination.
//!
//! ```text
//!  caller app                     signaling (app's)                      callee app
//!  policy::decide ─► intent                                    intent ◄─ policy::decide
//!  Caller::offer ────────── Offer ───────────────────────────────────► Callee::accept
//!  Caller::finish ◄──────── Answer ◄──────────────────────────────────
//!                 ───────── Confirm ─────────────────────────────────► Callee::confirm
//!         │  security code "12345 67890 12345 67890" shown on both screens  │
//!         ▼                                                                 ▼
//!   CallKeys ─► per-stream keys (direction × audio/video/screen × epoch) ◄─ CallKeys
//!         │                                                                 │
//!   frame ─► sframe seal ─► packetize ─► srtp protect ─► UDP ─► srtp unprotect ─► depacketize ─► sframe open
//!            (end-to-end)                (per packet)                                           (end-to-end)
//! ```
//!
//! Two protection layers, usable alone or stacked:
//! - the **packet layer**, [`srtp`] (RFC 3711, RFC 7714), byte-compatible with libsrtp;
//! - the **frame layer**, [`sframe`] (RFC 9605), which keeps media end-to-end when a relay or an
//!   SFU sits in the media path.
//!
//! ## Threat model
//!
//! callseal protects the confidentiality and integrity of media against everyone in the path:
//! the signaling server, TURN relays, SFUs and the network. An attacker there may read, drop,
//! delay, reorder, replay, reflect and tamper with every message and packet.
//! - The handshake binds both ephemeral keys, both intents, the negotiated suites and the
//!   application's call context into one transcript hash, authenticated by both sides' MACs.
//!   A man in the middle of the signaling can only be detected by the users: they compare the
//!   20-digit security code, which differs on the two sides whenever the keys do.
//! - Replayed, reordered-out-of-window, reflected and tampered packets and frames are rejected
//!   with typed errors and never change state. Keys are per direction and per media kind, so a
//!   packet of one stream never authenticates on another.
//! - Out of scope: compromised endpoints, traffic analysis (sizes and timing are visible),
//!   denial of service by dropping traffic, and users who do not compare the code.
//!
//! ## Calling contract
//!
//! The library is sans-IO: no sockets, threads, clocks or global random number generator.
//! Bytes go in and out; time and randomness are passed in. Protect and unprotect work in place
//! on caller-owned buffers, allocate nothing per packet or frame, and publish their maximum
//! overhead so buffers are sized once.
//!
//! ## Threads
//!
//! Every public type is `Send` and `Sync`; packet and frame paths take `&mut self`, so one
//! thread at a time uses a context. An app's audio and video threads each keep their own
//! sender and receiver, or share one behind a `Mutex`. See [`threading`] for the statement and
//! its compile-time checks.

#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

#[macro_use]
mod names;

pub mod crypto;
mod error;
pub mod handshake;
pub mod keying;
#[cfg(feature = "policy")]
pub mod policy;
mod replay;
pub mod rtp_sframe;
pub mod schedule;
mod secret;
mod security;
pub mod session;
pub mod sframe;
pub mod srtp;
pub mod threading;
mod types;

pub use error::{Error, Malformed, Result};
pub use replay::{DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW};
pub use secret::{Secret, SrtpMasterKey, MAX_KEY_LIFETIME};
pub use security::{CallSecurity, Feature};
pub use types::{
    Direction, Epoch, FrameCounter, Intent, KeyId, MediaKind, PacketIndex, Roc, Role, SeqNum,
    SframeSuite, SrtcpIndex, SrtpSuite, Ssrc,
};

/// The library example of README.md, compiled and run as a doctest so it never drifts.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
