//! A group call session: a one-to-one call that grows into a group without leaving end-to-end
//! encryption, the group's media keyed by MLS (RFC 9605 §5.2), carried in the RTP payload format
//! for SFrame through a selective forwarding unit.

use crate::error::{Error, Result};
use crate::group::{Group, GroupEvent, Invite};
use crate::kid::GroupKid;
use crate::member::Member;
use callseal::handshake::SecurityCode;
use callseal::rtp_sframe::{packetize_protected, PayloadOrigin, Reassembler, RtpFields};
use callseal::schedule::FIRST_SEQ_MASK;
use callseal::session::{Call, PacketKeys, Packets, DEFAULT_MAX_FRAME};
use callseal::sframe::{FrameOptions, Header, MAX_OVERHEAD};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Feature, MediaKind, Roc, SframeSuite, Ssrc};
use core::fmt;
use core::time::Duration;
use sha2::{Digest, Sha256};

/// The label of the secret a one-to-one call exports to bind the group it grows into
/// ([`Call::export_secret`], [`crate::BINDING_PSK_ID`]).
pub const BINDING_LABEL: &[u8] = b"callseal group binding";

/// The most epochs whose keys a group call holds at once (the current one included).
pub const EPOCHS_HELD: usize = 8;

/// The most frames a group call holds for the next epoch, whose commit has not come yet.
pub const HELD_FRAMES: usize = 64;

/// A frame sealed under the next epoch that came before its commit, kept in the hold.
#[derive(Debug, Clone, Copy)]
struct Held {
    leaf: u32,
    kind: MediaKind,
    timestamp: u32,
    epoch_low: u16,
    at: usize,
    len: usize,
    arrived: Duration,
}

/// The label of the SSRCs of a member's three group streams:
/// `SHA-256(label ‖ len(group id) as u8 ‖ group id ‖ signature key)`, four bytes per stream in
/// audio, video, screen-share order. Public values (SSRCs travel in clear), fixed for as long
/// as the member stays, and different for a newcomer that takes a removed member's leaf.
pub const SSRC_LABEL: &[u8] = b"callseal group ssrc";

/// How a group call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupCallConfig {
    /// The largest frame sent or received, before sealing (default
    /// [`callseal::session::DEFAULT_MAX_FRAME`]).
    pub max_frame: usize,
    /// The largest packet on the wire, SRTP trailer included (default 1200).
    pub max_packet: usize,
    /// Bytes of packets in flight each received stream may hold (default twice the largest
    /// sealed frame); allocated when the member joins, never after.
    pub reassembly_budget: usize,
    /// RTP payload types of audio, video, screen share (default 111, 96, 97).
    pub payload_types: [u8; 3],
    /// How long the keys of an epoch stay usable for frames still in flight once the next
    /// epoch began, and the one-to-one call's keys once both its ends send on the group's
    /// (default 2 s). At most [`EPOCHS_HELD`] epochs are held, fewer when the group is too
    /// large for the key store: then the oldest goes early.
    pub grace: Duration,
    /// How often the group moves to a new epoch with fresh keys (default 60 s; `None`: only
    /// when the application asks). The member with the lowest leaf index makes these
    /// commits, so that two members never commit at once on a timer.
    pub update_interval: Option<Duration>,
}

impl Default for GroupCallConfig {
    fn default() -> Self {
        let max_frame = DEFAULT_MAX_FRAME;
        GroupCallConfig {
            max_frame,
            max_packet: 1200,
            reassembly_budget: 2 * (max_frame + MAX_OVERHEAD),
            payload_types: [111, 96, 97],
            grace: Duration::from_secs(2),
            update_interval: Some(Duration::from_secs(60)),
        }
    }
}

impl GroupCallConfig {
    /// Frames of at most `max_frame` bytes (the reassembly budget follows).
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.max_frame = max_frame;
        self.reassembly_budget = 2 * (max_frame + MAX_OVERHEAD);
        self
    }

    /// Packets of at most `max_packet` bytes.
    pub fn with_max_packet(mut self, max_packet: usize) -> Self {
        self.max_packet = max_packet;
        self
    }

    /// The grace of an epoch's keys (and the one-to-one call's).
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The self-update interval.
    pub fn with_update_interval(mut self, interval: Option<Duration>) -> Self {
        self.update_interval = interval;
        self
    }
}

/// Who sent a frame [`GroupCall::receive_packet`] delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The other end of the one-to-one call, on its pairwise keys (frames sent before it
    /// moved to the group's keys).
    Pairwise,
    /// The member at this leaf index, on the group's keys.
    Member(u32),
}

/// A frame delivered by [`GroupCall::receive_packet`].
#[derive(Debug)]
pub struct GroupReceived<'a> {
    /// Who sent it.
    pub sender: Sender,
    /// Which stream.
    pub kind: MediaKind,
    /// Its RTP timestamp.
    pub timestamp: u32,
    /// The frame as the sender's encoder made it.
    pub frame: &'a [u8],
}

/// The one-to-one call a group call grew from, while its keys are still of use.
struct Pairwise {
    call: Call,
    /// The leaf of the other end of the call.
    peer: u32,
    /// This side sends on the group's keys.
    switched: bool,
    /// The peer was seen sending on the group's keys.
    peer_switched: bool,
    /// When the call's keys go, once both moved.
    retire_at: Option<Duration>,
}

/// Another member's three streams.
struct Remote {
    leaf: u32,
    ssrcs: [Ssrc; 3],
    rx: [Reassembler; 3],
}

/// One participant of a group call: the MLS group, the group's media (sent on this member's
/// own SSRCs, received per member), and, for the two parties of the one-to-one call it grew
/// from, that call until its keys are no longer needed.
///
/// Sans-IO, as [`Call`]: MLS messages (key packages, welcomes, commits) are bytes the
/// application carries over its signaling, in the order they were made (the delivery service
/// of RFC 9420 §14); packets are what it sends and receives; time is passed in.
///
/// **Escalation.** Either end of a running end-to-end [`Call`] whose configuration allows
/// adding participants ([`callseal::session::CallConfig::with_add_participant`]) calls
/// [`GroupCall::escalate`] with the other end's key package: a group of the two, bound to the
/// call by an external pre-shared key exported from it, so the welcome opens only for the
/// other end ([`GroupCall::accept_escalation`]) and what the two users verified (the one-to-one
/// security code) still holds for each other. The side that accepts moves its sending to the
/// group's keys at once; the side that escalated keeps sending on the call's keys until it
/// sees the other end's first group frame or adds a participant, so no frame is lost whatever
/// the signaling's delay. The call's keys stay usable for frames in flight for
/// [`GroupCallConfig::grace`] once both moved, then they are dropped (zeroized).
///
/// **Membership.** [`GroupCall::add`] (commit for the members, welcome for the newcomer),
/// [`GroupCall::remove`], [`GroupCall::process`]. A removed member's streams go at the commit
/// that removes it: what it sends next is refused ([`callseal::Error::UnknownKey`]), and what
/// the others send is sealed under keys it never had.
pub struct GroupCall {
    group: Group,
    config: GroupCallConfig,
    pairwise: Option<Pairwise>,
    /// This member's SSRCs and next sequence numbers.
    ssrcs: [Ssrc; 3],
    seqs: [u16; 3],
    /// The hop-by-hop leg to the forwarding unit.
    srtp_out: Option<SrtpSender>,
    srtp_in: Option<SrtpReceiver>,
    remotes: Vec<Remote>,
    /// The other end of the one-to-one call the group grew from, while it is a member.
    original_peer: Option<u32>,
    /// The largest sealed frame: where frames are sealed and, received, opened.
    scratch: Vec<u8>,
    next_update: Option<Duration>,
    /// When each epoch held after the oldest began: its predecessor's keys go `grace` later.
    epoch_starts: Vec<(u64, Duration)>,
    /// Frames of the next epoch that came before its commit: their bytes, and where they lie.
    hold: Vec<u8>,
    hold_end: usize,
    held: Vec<Held>,
}

impl fmt::Debug for GroupCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCall")
            .field("group", &self.group)
            .field("members", &self.remotes.len())
            .field("pairwise", &self.pairwise.is_some())
            .finish_non_exhaustive()
    }
}

/// The SSRCs of one member's three group streams ([`SSRC_LABEL`]).
pub fn member_ssrcs(group_id: &[u8], signature_key: &[u8]) -> [Ssrc; 3] {
    let len = u8::try_from(group_id.len()).unwrap_or(u8::MAX);
    let h = Sha256::new()
        .chain_update(SSRC_LABEL)
        .chain_update([len])
        .chain_update(group_id)
        .chain_update(signature_key)
        .finalize();
    core::array::from_fn(|k| {
        Ssrc(u32::from_be_bytes([
            h[4 * k],
            h[4 * k + 1],
            h[4 * k + 2],
            h[4 * k + 3],
        ]))
    })
}

fn srtp_config() -> SrtpConfig {
    let mut c = SrtpConfig::default();
    // Every member's three streams on one leg.
    c.max_streams = 3 * crate::MAX_MEMBERS;
    c
}

impl GroupCall {
    /// Grow the end-to-end `call` into a group: a new MLS group of this member and the other
    /// end of the call (whose key package is `peer_key_package`), bound to the call. Returns
    /// the group call and the welcome for the other end ([`GroupCall::accept_escalation`]).
    ///
    /// Errors: [`Error::Frame`] with [`callseal::Error::FeatureUnavailable`] when the call's
    /// configuration does not allow adding participants (Teams' rule, the default),
    /// [`callseal::Error::NotEndToEnd`] for a standard call; [`Error::InvalidKeyPackage`].
    /// On an error the call is dropped with its keys: escalate only once the policy allows it.
    pub fn escalate(
        call: Call,
        member: Member,
        peer_key_package: &[u8],
        config: GroupCallConfig,
        packet_keys: Option<&PacketKeys>,
        now: Duration,
    ) -> Result<(GroupCall, Vec<u8>)> {
        let binding = Self::binding(&call)?;
        let suite = Self::suite_of(&call);
        let mut group = Group::create(member, suite)?;
        let Invite { welcome, .. } =
            group.add_bound(peer_key_package, binding.dangerous_expose())?;
        let peer = group
            .members()
            .into_iter()
            .find(|l| *l != group.own_leaf())
            .ok_or(Error::Internal)?;
        let pairwise = Pairwise {
            call,
            peer,
            switched: false,
            peer_switched: false,
            retire_at: None,
        };
        let gc = Self::with(group, config, packet_keys, Some(pairwise), now)?;
        Ok((gc, welcome))
    }

    /// The other end of `call` accepts the escalation: joins the group from the `welcome`
    /// [`GroupCall::escalate`] made, which opens only with the secret this side of the same
    /// call exports ([`Error::InvalidWelcome`] otherwise). From now on this side sends on the
    /// group's keys. Errors as [`GroupCall::escalate`].
    pub fn accept_escalation(
        call: Call,
        member: Member,
        welcome: &[u8],
        config: GroupCallConfig,
        packet_keys: Option<&PacketKeys>,
        now: Duration,
    ) -> Result<GroupCall> {
        let binding = Self::binding(&call)?;
        let suite = Self::suite_of(&call);
        let group = Group::join_bound(member, welcome, suite, binding.dangerous_expose())?;
        let own = group.own_leaf();
        let members = group.members();
        let [a, b] = members[..] else {
            // A group grown from a one-to-one call starts with its two ends.
            return Err(Error::InvalidWelcome);
        };
        let peer = if a == own { b } else { a };
        let pairwise = Pairwise {
            call,
            peer,
            switched: true,
            peer_switched: false,
            retire_at: None,
        };
        Self::with(group, config, packet_keys, Some(pairwise), now)
    }

    /// A newcomer joins from the `welcome` of [`GroupCall::add`]; `member` made the key
    /// package it names.
    pub fn join(
        member: Member,
        welcome: &[u8],
        suite: SframeSuite,
        config: GroupCallConfig,
        packet_keys: Option<&PacketKeys>,
        now: Duration,
    ) -> Result<GroupCall> {
        let group = Group::join(member, welcome, suite)?;
        Self::with(group, config, packet_keys, None, now)
    }

    fn binding(call: &Call) -> Result<callseal::Secret<32>> {
        call.check_feature(Feature::AddParticipant)?;
        Ok(call.export_secret(BINDING_LABEL)?)
    }

    fn suite_of(call: &Call) -> SframeSuite {
        call.sframe_suite()
            .unwrap_or(SframeSuite::Aes128GcmSha256_128)
    }

    fn with(
        group: Group,
        config: GroupCallConfig,
        packet_keys: Option<&PacketKeys>,
        pairwise: Option<Pairwise>,
        now: Duration,
    ) -> Result<GroupCall> {
        if config.max_frame == 0
            || config.reassembly_budget < 2 * (config.max_frame + MAX_OVERHEAD)
            || config.max_packet < 64
        {
            return Err(callseal::Error::InvalidConfig.into());
        }
        let (srtp_out, srtp_in) = match packet_keys {
            Some(pk) => (
                Some(SrtpSender::new(&pk.outbound, srtp_config())?),
                Some(SrtpReceiver::new(&pk.inbound, srtp_config())?),
            ),
            None => (None, None),
        };
        let own = group.own_leaf();
        let info = group
            .roster()
            .into_iter()
            .find(|m| m.leaf == own)
            .ok_or(Error::Internal)?;
        let ssrcs = member_ssrcs(group.group_id(), &info.signature_key);
        let mut seqs = [0u16; 3];
        for (k, s) in seqs.iter_mut().enumerate() {
            // Random first sequence numbers (RFC 3550 §5.1), from the SSRC's hash, below 2^15
            // so that a receiver that misses a stream's first packets does not miss its
            // first wrap (FIRST_SEQ_MASK).
            *s = (ssrcs[k].0 >> 8) as u16 & FIRST_SEQ_MASK;
        }
        let original_peer = pairwise.as_ref().map(|p| p.peer);
        let mut gc = GroupCall {
            group,
            config,
            pairwise,
            ssrcs,
            seqs,
            srtp_out,
            srtp_in,
            remotes: Vec::new(),
            original_peer,
            scratch: vec![0; config.max_frame + MAX_OVERHEAD],
            next_update: None,
            epoch_starts: Vec::new(),
            hold: vec![0; config.reassembly_budget],
            hold_end: 0,
            held: Vec::with_capacity(HELD_FRAMES),
        };
        gc.group.set_max_epochs(EPOCHS_HELD);
        // The epoch the call starts in began now: the ones before it (the group's creation,
        // for the side that grew the call) go at the end of its grace.
        gc.epoch_starts.push((gc.group.epoch(), now));
        if let Some(out) = &mut gc.srtp_out {
            for s in ssrcs {
                out.set_roc(s, Roc(0))?;
            }
        }
        gc.sync_members()?;
        gc.schedule_update(now);
        Ok(gc)
    }

    /// Make the streams of every member in the group, drop those of members gone. Allocates
    /// (a newcomer's reassembly budget): called at membership changes, never per packet.
    fn sync_members(&mut self) -> Result<()> {
        let own = self.group.own_leaf();
        let roster = self.group.roster();
        self.remotes.retain(|r| {
            roster.iter().any(|m| {
                m.leaf == r.leaf && member_ssrcs(self.group.group_id(), &m.signature_key) == r.ssrcs
            })
        });
        for m in roster.iter().filter(|m| m.leaf != own) {
            if self.remotes.iter().any(|r| r.leaf == m.leaf) {
                continue;
            }
            let ssrcs = member_ssrcs(self.group.group_id(), &m.signature_key);
            let taken = self
                .ssrcs
                .iter()
                .chain(self.remotes.iter().flat_map(|r| r.ssrcs.iter()));
            if ssrcs.iter().any(|s| taken.clone().any(|t| t == s)) {
                return Err(callseal::Error::DuplicateSsrc.into());
            }
            // Packets of the largest sealed frame: 64 bytes cover the RTP header, the
            // descriptor and the largest SRTP trailer of a leg.
            let sealed_max = self.config.max_frame + MAX_OVERHEAD;
            let max_packets = sealed_max
                .div_ceil(self.config.max_packet.saturating_sub(64).max(1))
                .clamp(1, 1 << 14);
            let stream =
                || Reassembler::new(sealed_max, self.config.reassembly_budget, max_packets);
            let rx = [stream()?, stream()?, stream()?];
            if let Some(inb) = &mut self.srtp_in {
                for s in ssrcs {
                    inb.set_roc(s, Roc(0))?;
                }
            }
            self.remotes.push(Remote {
                leaf: m.leaf,
                ssrcs,
                rx,
            });
        }
        if let Some(peer) = self.original_peer {
            if !roster.iter().any(|m| m.leaf == peer) {
                // The other end of the call left: the call's keys go now.
                self.pairwise = None;
                self.original_peer = None;
            }
        }
        Ok(())
    }

    fn schedule_update(&mut self, now: Duration) {
        let lowest = self.group.members().first().copied() == Some(self.group.own_leaf());
        self.next_update = match self.config.update_interval {
            Some(i) if lowest => Some(now + i),
            _ => None,
        };
    }

    /// The MLS group (epoch, members, exporter).
    pub fn group(&self) -> &Group {
        &self.group
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> u32 {
        self.group.own_leaf()
    }

    /// The group security code every participant shows (see [`Group::security_code`]): equal
    /// on every side, new when someone joins or leaves.
    pub fn security_code(&self) -> SecurityCode {
        self.group.security_code()
    }

    /// The leaf of the other end of the one-to-one call this group grew from, while that call's
    /// bond holds: the group is keyed from that call, so what the two users verified there
    /// (the call's security code) still names each other. `None` for a newcomer and once the
    /// other end has left.
    pub fn original_peer(&self) -> Option<u32> {
        self.original_peer
    }

    /// Whether the one-to-one call's keys are still held (frames in flight).
    pub fn pairwise_active(&self) -> bool {
        self.pairwise.is_some()
    }

    /// Whether this side sends on the group's keys (always, but for the side that escalated
    /// until the other end is seen on them or a participant is added).
    pub fn sends_on_group_keys(&self) -> bool {
        self.pairwise.as_ref().is_none_or(|p| p.switched)
    }

    /// This member's SSRCs: audio, video, screen share.
    pub fn ssrcs(&self) -> [Ssrc; 3] {
        self.ssrcs
    }

    /// Every other member's leaf and SSRCs: what a forwarding unit routes by.
    pub fn remote_ssrcs(&self) -> Vec<(u32, [Ssrc; 3])> {
        self.remotes.iter().map(|r| (r.leaf, r.ssrcs)).collect()
    }

    /// Add the member whose key package is `key_package`: the group moves to a new epoch;
    /// the commit goes to every other member ([`GroupCall::process`]), the welcome to the
    /// newcomer ([`GroupCall::join`]). The one who asks must have checked that the newcomer
    /// may use end-to-end encryption (`PolicyStore::decide_add`): a refused add leaves the
    /// call as it is.
    pub fn add(&mut self, key_package: &[u8], now: Duration) -> Result<Invite> {
        let invite = self.group.add(key_package)?;
        self.after_epoch(now)?;
        Ok(invite)
    }

    /// Remove the member at `leaf`: a new epoch whose keys it never has; returns the commit
    /// for every other member, the removed one included.
    pub fn remove(&mut self, leaf: u32, now: Duration) -> Result<Vec<u8>> {
        let commit = self.group.remove(leaf)?;
        self.after_epoch(now)?;
        Ok(commit)
    }

    /// A new epoch with fresh keys for this member's leaf (forward secrecy, post-compromise
    /// security): returns the commit for the others. [`GroupCall::handle_timeout`] does this
    /// on [`GroupCallConfig::update_interval`].
    pub fn self_update(&mut self, now: Duration) -> Result<Vec<u8>> {
        let commit = self.group.self_update()?;
        self.after_epoch(now)?;
        Ok(commit)
    }

    /// Ask to leave the call: returns a proposal for every other member. The member with the
    /// lowest leaf index among those who stay commits it when it processes it
    /// ([`GroupEvent::LeaveCommitted`]); this member is out when it applies that commit.
    /// Until then it still sends and receives.
    pub fn leave(&mut self) -> Result<Vec<u8>> {
        self.group.leave()
    }

    /// Apply a commit another member made, or a member's leave proposal. Errors as
    /// [`Group::process`]; a refused message changes nothing. A leave proposal gives
    /// [`GroupEvent::LeaveCommitted`] (with the commit to send to every other member) at the
    /// member with the lowest leaf index among those who stay, and
    /// [`GroupEvent::LeaveProposed`] at the others.
    pub fn process(&mut self, message: &[u8], now: Duration) -> Result<GroupEvent> {
        let event = self.group.process(message)?;
        match &event {
            GroupEvent::Removed => {
                self.held.clear();
                self.remotes.clear();
                self.pairwise = None;
                self.next_update = None;
                self.original_peer = None;
            }
            GroupEvent::LeaveProposed { leaf } => {
                let leaving = self.group.pending_leaves();
                let committer = self
                    .group
                    .members()
                    .into_iter()
                    .find(|l| !leaving.contains(l));
                if committer == Some(self.group.own_leaf()) {
                    let commit = self.group.commit_pending()?;
                    self.after_epoch(now)?;
                    return Ok(GroupEvent::LeaveCommitted {
                        leaf: *leaf,
                        epoch: self.group.epoch(),
                        commit,
                    });
                }
            }
            _ => self.after_epoch(now)?,
        }
        Ok(event)
    }

    fn after_epoch(&mut self, now: Duration) -> Result<()> {
        self.epoch_starts.push((self.group.epoch(), now));
        // Frames held for this epoch now open ([`GroupCall::poll_frame`]); others never will.
        let current = (self.group.epoch() & 0xffff) as u16;
        self.held.retain(|h| h.epoch_low == current);
        if self.held.is_empty() {
            self.hold_end = 0;
        }
        self.sync_members()?;
        if self.group.members().len() > 2 {
            if let Some(p) = &mut self.pairwise {
                // A newcomer has no pairwise keys.
                p.switched = true;
            }
        }
        self.schedule_update(now);
        Ok(())
    }

    /// When [`GroupCall::handle_timeout`] wants to be called next.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let pairwise = self.pairwise.as_ref().and_then(|p| {
            let call = (!p.switched).then(|| p.call.poll_timeout()).flatten();
            [p.retire_at, call].into_iter().flatten().min()
        });
        let retire = self.next_retirement().map(|(_, at)| at);
        let held = self
            .held
            .iter()
            .map(|h| h.arrived + self.config.grace)
            .min();
        [pairwise, self.next_update, retire, held]
            .into_iter()
            .flatten()
            .min()
    }

    /// The oldest epoch held whose successor started: the epoch that successor's number
    /// names, and when the keys before it go.
    fn next_retirement(&self) -> Option<(u64, Duration)> {
        let oldest = self.group.epochs_held().next()?;
        self.epoch_starts
            .iter()
            .find(|(e, _)| *e > oldest)
            .map(|(e, at)| (*e, *at + self.config.grace))
    }

    /// Let time pass: drops the one-to-one call's keys at the end of their grace, and on the
    /// update interval makes a self-update, whose commit it returns for the other members.
    pub fn handle_timeout(&mut self, now: Duration) -> Result<Option<Vec<u8>>> {
        if let Some(p) = &mut self.pairwise {
            if p.retire_at.is_some_and(|t| now >= t) {
                // Dropping the call zeroizes its keys.
                self.pairwise = None;
            } else if !p.switched {
                // Still sending on the call: its own timers (rekey interval, grace).
                p.call.handle_timeout(now)?;
                while p.call.poll_event().is_some() {}
            }
        }
        // Held frames whose commit did not come within the grace go.
        let grace = self.config.grace;
        self.held.retain(|h| now < h.arrived + grace);
        if self.held.is_empty() {
            self.hold_end = 0;
        }
        while let Some((epoch, at)) = self.next_retirement() {
            if now < at {
                break;
            }
            // The grace of the epochs before `epoch` is over: their keys go.
            self.group.retire_epochs_before(epoch);
            self.epoch_starts.retain(|(e, _)| *e > epoch);
        }
        if self.next_update.is_some_and(|t| now >= t) && self.group.is_active() {
            return self.self_update(now).map(Some);
        }
        Ok(None)
    }

    /// Seal `frame`, cut it into packets (hop-by-hop protected on the leg when keyed) and
    /// append them to `out`. Until this side moves to the group's keys, the one-to-one call
    /// sends it. Allocates nothing once `out` has grown. Errors: [`Error::Removed`],
    /// [`callseal::Error::FrameTooLarge`], those of sealing; nothing is appended on an error.
    pub fn send_frame(
        &mut self,
        kind: MediaKind,
        frame: &[u8],
        timestamp: u32,
        now: Duration,
        out: &mut Packets,
    ) -> Result<()> {
        if let Some(p) = &mut self.pairwise {
            if !p.switched {
                return Ok(p.call.send_frame(kind, frame, timestamp, now, out)?);
            }
        }
        if frame.len() > self.config.max_frame {
            return Err(callseal::Error::FrameTooLarge {
                max: self.config.max_frame,
            }
            .into());
        }
        let k = kind as usize;
        let n = self
            .group
            .seal_into(kind, frame, &mut self.scratch, FrameOptions::NONE)?;
        let fields = RtpFields {
            ssrc: self.ssrcs[k],
            payload_type: self.config.payload_types[k],
            timestamp,
            marker: true,
        };
        self.seqs[k] = packetize_protected(
            &fields,
            self.seqs[k],
            &self.scratch[..n],
            PayloadOrigin::Raw,
            self.config.max_packet,
            self.srtp_out.as_mut(),
            out,
        )?;
        Ok(())
    }

    /// Take one received packet (unprotected in place): returns the frame it completes, if
    /// any. Packets of the one-to-one call go to it while its keys are held; the others must
    /// come from a member's SSRC and carry that member's KID. A refused packet returns its
    /// error and changes no state; a removed member's packets are
    /// [`callseal::Error::UnknownKey`].
    pub fn receive_packet<'a>(
        &'a mut self,
        packet: &'a mut [u8],
        now: Duration,
    ) -> Result<Option<GroupReceived<'a>>> {
        if packet.len() < 12 {
            return Err(callseal::Error::Malformed(callseal::Malformed::Truncated).into());
        }
        let ssrc = Ssrc(u32::from_be_bytes([
            packet[8], packet[9], packet[10], packet[11],
        ]));
        let stream = self
            .remotes
            .iter()
            .enumerate()
            .find_map(|(at, r)| r.ssrcs.iter().position(|s| *s == ssrc).map(|k| (at, k)));
        let Some((at, k)) = stream else {
            return self.receive_pairwise(ssrc, packet, now);
        };
        let len = match &mut self.srtp_in {
            Some(ctx) => ctx.unprotect_rtp(packet)?.len(),
            None => packet.len(),
        };
        let remote = &mut self.remotes[at];
        let leaf = remote.leaf;
        // A run of one packet is recorded as delivered only once its frame opened: a forged
        // copy that comes first must not make the genuine packet a replay.
        let Some(run) = remote.rx[k].push_unconfirmed(&packet[..len])? else {
            return Ok(None);
        };
        let seqs = run.seqs;
        let timestamp = run.timestamp;
        let sealed = run.payload.len();
        let buf = self
            .scratch
            .get_mut(..sealed)
            .ok_or(callseal::Error::Malformed(callseal::Malformed::Oversized))?;
        buf.copy_from_slice(run.payload);
        // The KID must name the member whose SSRC carried the frame, and the stream's kind.
        let (header, _) = Header::decode(buf)?;
        let kid = GroupKid::parse(header.kid())?;
        if kid.leaf != leaf || kid.kind as usize != k {
            return Err(Error::SenderMismatch);
        }
        if kid.epoch_low == (self.group.epoch().wrapping_add(1) & 0xffff) as u16 {
            // Sealed under the next epoch: its sender applied a commit that has not reached
            // this member yet. Kept (unopened) until it comes.
            let end = self.hold_end + sealed;
            if self.held.len() == HELD_FRAMES || end > self.hold.len() {
                return Err(callseal::Error::UnknownKey.into());
            }
            self.hold[self.hold_end..end].copy_from_slice(buf);
            self.held.push(Held {
                leaf,
                kind: kid.kind,
                timestamp,
                epoch_low: kid.epoch_low,
                at: self.hold_end,
                len: sealed,
                arrived: now,
            });
            self.hold_end = end;
            return Ok(None);
        }
        let opened = self.group.open(buf, FrameOptions::NONE)?;
        self.remotes[at].rx[k].confirm(seqs);
        if let Some(p) = &mut self.pairwise {
            if leaf == p.peer && !p.peer_switched {
                // The other end reached the group's keys: this side follows, and the call's
                // keys stay for the frames still in flight.
                p.peer_switched = true;
                p.switched = true;
                p.retire_at = Some(now + self.config.grace);
            }
        }
        let frame: &[u8] = opened.frame;
        Ok(Some(GroupReceived {
            sender: Sender::Member(leaf),
            kind: MediaKind::ALL[k],
            timestamp,
            frame,
        }))
    }

    /// How many frames wait for the commit of the next epoch.
    pub fn held_frames(&self) -> usize {
        self.held.len()
    }

    /// The next frame that came sealed under an epoch before its commit did, and opens now
    /// that the commit was applied: take them after [`GroupCall::process`] until `None`. A
    /// frame that does not open gives its error (and is gone). Frames whose commit does not
    /// come within [`GroupCallConfig::grace`] go at [`GroupCall::handle_timeout`]; at most
    /// [`HELD_FRAMES`] wait, within the reassembly budget. Allocates nothing.
    pub fn poll_frame(&mut self) -> Option<Result<GroupReceived<'_>>> {
        let current = (self.group.epoch() & 0xffff) as u16;
        let i = self.held.iter().position(|h| h.epoch_low == current)?;
        let h = self.held.remove(i);
        let frame = &mut self.hold[h.at..h.at + h.len];
        if self.held.is_empty() {
            self.hold_end = 0;
        }
        Some(
            self.group
                .open(frame, FrameOptions::NONE)
                .map(|opened| GroupReceived {
                    sender: Sender::Member(h.leaf),
                    kind: h.kind,
                    timestamp: h.timestamp,
                    frame: opened.frame,
                }),
        )
    }

    fn receive_pairwise<'a>(
        &'a mut self,
        ssrc: Ssrc,
        packet: &'a mut [u8],
        now: Duration,
    ) -> Result<Option<GroupReceived<'a>>> {
        let Some(p) = &mut self.pairwise else {
            return Err(callseal::Error::UnknownKey.into());
        };
        if !p.call.remote_ssrcs().contains(&ssrc) {
            return Err(callseal::Error::UnknownKey.into());
        }
        Ok(p.call.receive_packet(packet, now)?.map(|r| GroupReceived {
            sender: Sender::Pairwise,
            kind: r.kind,
            timestamp: r.timestamp,
            frame: r.frame,
        }))
    }
}
