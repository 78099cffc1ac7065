//! Group calls for callseal: MLS (RFC 9420, through openmls) agrees on the group's keys, and
//! every MLS epoch keys SFrame exactly as RFC 9605 §5.2 says.
//!
//! ```text
//!  Member::key_package ──► bytes ──► Group::add ──► Invite { commit ──► others: Group::process,
//!                                                           welcome ──► newcomer: Group::join }
//!  every epoch:  base_key = MLS-Exporter("SFrame 1.0 Base Key", "", Nk)
//!                KID      = kind << 24 | leaf << 16 | epoch mod 2^16
//!                sender   = SframeSender(KID of own leaf, base_key), one per media kind
//!                receiver = one SframeReceiver holding every other member's KIDs
//!  Group::security_code: HKDF of the MLS epoch authenticator, equal on every member
//! ```
//!
//! Sans-IO: key packages, commits and welcomes are bytes the application carries; frames are
//! sealed and opened on caller-owned buffers through callseal's [`callseal::sframe`] layer.
//!
//! ```
//! use callseal::sframe::FrameOptions;
//! use callseal::{MediaKind, SframeSuite};
//! use callseal_mls::{Group, Member};
//!
//! let suite = SframeSuite::Aes128GcmSha256_128;
//! let mut alice = Group::create(Member::new(b"alice")?, suite)?;
//! let bob = Member::new(b"bob")?;
//! let invite = alice.add(&bob.key_package()?)?;
//! let mut bob = Group::join(bob, &invite.welcome, suite)?;
//! assert_eq!(alice.security_code(), bob.security_code());
//!
//! let mut buf = [0u8; 64];
//! let n = alice.seal_into(MediaKind::Audio, b"opus", &mut buf, FrameOptions::NONE)?;
//! let opened = bob.open(&mut buf[..n], FrameOptions::NONE)?;
//! assert_eq!((opened.sender, &*opened.frame), (alice.own_leaf(), &b"opus"[..]));
//! # Ok::<(), callseal_mls::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod call;
mod code;
mod error;
mod group;
mod kid;
mod member;

pub use call::{
    member_ssrcs, GroupCall, GroupCallConfig, GroupReceived, Sender, BINDING_LABEL, EPOCHS_HELD,
    HELD_FRAMES, SSRC_LABEL,
};
pub use code::{group_code, GROUP_CODE_LABEL};
pub use error::{Error, Result};
pub use group::{
    Group, GroupEvent, Invite, MemberInfo, Opened, BINDING_PSK_ID, MAX_MEMBERS,
    SFRAME_EXPORTER_LABEL,
};
pub use kid::{GroupKid, EPOCH_BITS, INDEX_BITS};
pub use member::{Member, MLS_SUITE};
