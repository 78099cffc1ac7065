//! A group call's key agreement: an MLS group whose every epoch keys SFrame (RFC 9605 §5.2).

use crate::code::group_code;
use crate::error::{Error, Result};
use crate::kid::GroupKid;
use crate::member::{Member, MLS_SUITE};
use callseal::handshake::SecurityCode;
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender, MAX_KEYS};
use callseal::{Epoch, MediaKind, SframeSuite};
use core::fmt;
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    KeyPackage, LeafNodeIndex, MlsGroup, MlsGroupCreateConfig, MlsGroupJoinConfig,
    MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, OpenMlsProvider as _, PreSharedKeyProposal,
    ProcessedMessageContent, ProcessedWelcome, Proposal, ProtocolVersion, Sender as OpenMlsSender,
};
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use std::collections::VecDeque;
use zeroize::Zeroizing;

/// The exporter label of RFC 9605 §5.2.
pub const SFRAME_EXPORTER_LABEL: &str = "SFrame 1.0 Base Key";

/// The most members a group holds: the frame receiver keeps three keys per other member for
/// the current epoch and the previous one, within [`MAX_KEYS`].
pub const MAX_MEMBERS: usize = 64;

/// What a member sends to join others to the group: a commit for the members already in it,
/// and a welcome for the newcomers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The commit (an `MLSMessage`), for every member but the committer and the newcomers.
    pub commit: Vec<u8>,
    /// The welcome (an `MLSMessage` carrying the ratchet tree), for the newcomers.
    pub welcome: Vec<u8>,
}

/// The id of the external pre-shared key (RFC 9420 §8.4) that binds a group to the one-to-one
/// call it grew from ([`Group::add_bound`], [`Group::join_bound`]).
pub const BINDING_PSK_ID: &[u8] = b"callseal one-to-one call";

/// One member of the group as every member sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Its leaf index.
    pub leaf: u32,
    /// The identity of its credential (the application's user id).
    pub identity: Vec<u8>,
    /// Its MLS signature public key.
    pub signature_key: Vec<u8>,
}

/// What a processed commit did to this member's view of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupEvent {
    /// The group moved to a new epoch with new frame keys.
    NewEpoch {
        /// The MLS epoch now current.
        epoch: u64,
        /// The leaf indices the commit removed (their keys are gone from this member).
        removed: Vec<u32>,
    },
    /// This member was removed: it holds no keys any more.
    Removed,
    /// The member at `leaf` asked to leave ([`Group::leave`]): its proposal is kept until a
    /// member commits it ([`Group::commit_pending`]); nothing changed yet.
    LeaveProposed {
        /// The leaving member's leaf index.
        leaf: u32,
    },
    /// A group call ([`crate::GroupCall::process`]) committed the leave proposal of `leaf`
    /// as the member that commits for the group: send `commit` to every other member, the
    /// leaving one included.
    LeaveCommitted {
        /// The member that left.
        leaf: u32,
        /// The MLS epoch now current.
        epoch: u64,
        /// The commit for the others.
        commit: Vec<u8>,
    },
}

/// A frame opened by [`Group::open`]: who sent it, what it carries, the plaintext.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The sender's leaf index, as the KID names it.
    pub sender: u32,
    /// The media kind, as the KID names it.
    pub kind: MediaKind,
    /// The frame as it was sealed.
    pub frame: &'a mut [u8],
}

/// The frame keys of one member: its senders of the current epoch and one receiver for all
/// the others' keys.
struct FrameKeys {
    /// Audio, video, screen, in [`MediaKind::ALL`] order.
    senders: Vec<SframeSender>,
    receiver: SframeReceiver,
}

/// A member's view of one MLS group, feeding SFrame keys to callseal's frame layer.
///
/// Sans-IO: key packages, commits and welcomes are bytes the application carries over its
/// signaling; the committer applies its own commit at once, so the application must deliver
/// commits to every other member in the order they were made (the role of an MLS delivery
/// service).
///
/// At every epoch the group exports `base_key = MLS-Exporter("SFrame 1.0 Base Key", "", Nk)`
/// (RFC 9605 §5.2); each member seals under its own [`GroupKid`] and opens every other
/// member's, each KID with its own replay window. Earlier epochs' keys stay usable for frames
/// in flight: the previous epoch's until the next change ([`Group::set_max_epochs`]; a
/// [`crate::GroupCall`] keeps more and retires them by time), except a removed member's, which
/// go at the commit that removes it.
pub struct Group {
    member: Member,
    mls: MlsGroup,
    config: SframeConfig,
    keys: Option<FrameKeys>,
    /// The group code of the epoch the membership last changed in.
    code: SecurityCode,
    /// The epochs whose frame keys the receiver holds, oldest first.
    held: VecDeque<u64>,
    /// At most this many of them.
    max_epochs: usize,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("epoch", &self.mls.epoch().as_u64())
            .field("leaf", &self.mls.own_leaf_index().u32())
            .field("suite", &self.config.suite)
            .finish_non_exhaustive()
    }
}

fn decode(bytes: &[u8]) -> Result<MlsMessageBodyIn> {
    let msg = MlsMessageIn::tls_deserialize_exact(bytes).map_err(|_| Error::Malformed)?;
    Ok(msg.extract())
}

fn encode(msg: &MlsMessageOut) -> Result<Vec<u8>> {
    msg.tls_serialize_detached().map_err(|_| Error::Internal)
}

impl Group {
    /// A new group with `member` alone in it, sealing frames with `suite`.
    pub fn create(member: Member, suite: SframeSuite) -> Result<Self> {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(MLS_SUITE)
            .use_ratchet_tree_extension(true)
            .build();
        let mls = MlsGroup::new(
            &member.provider,
            &member.signer,
            &config,
            member.credential.clone(),
        )
        .map_err(|_| Error::Internal)?;
        Self::with(member, mls, suite)
    }

    /// Join the group a welcome (from [`Group::add`]) invites `member` to; `member` is the one
    /// that made the key package the welcome was built for.
    pub fn join(member: Member, welcome: &[u8], suite: SframeSuite) -> Result<Self> {
        Self::join_checked(member, welcome, suite, false)
    }

    fn join_checked(
        member: Member,
        welcome: &[u8],
        suite: SframeSuite,
        bound: bool,
    ) -> Result<Self> {
        let MlsMessageBodyIn::Welcome(welcome) = decode(welcome)? else {
            return Err(Error::Malformed);
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .build();
        let processed = ProcessedWelcome::new_from_welcome(&member.provider, &config, welcome)
            .map_err(|_| Error::InvalidWelcome)?;
        // A bound group's welcome must inject the binding key: one that does not is a group
        // grown from no call, or from another one.
        let binding = Psk::External(ExternalPsk::new(BINDING_PSK_ID.to_vec()));
        if bound && !processed.psks().iter().any(|p| *p.psk() == binding) {
            return Err(Error::InvalidWelcome);
        }
        let mls = processed
            .into_staged_welcome(&member.provider, None)
            .and_then(|staged| staged.into_group(&member.provider))
            .map_err(|_| Error::InvalidWelcome)?;
        Self::with(member, mls, suite)
    }

    /// [`Group::join`] for a group bound to a one-to-one call ([`Group::add_bound`]): the
    /// welcome opens only with the same `binding` secret, which the newcomer's side of that
    /// call exports. Any other welcome fails with [`Error::InvalidWelcome`].
    pub fn join_bound(
        member: Member,
        welcome: &[u8],
        suite: SframeSuite,
        binding: &[u8],
    ) -> Result<Self> {
        PreSharedKeyId::external(BINDING_PSK_ID.to_vec(), Vec::new())
            .store(&member.provider, binding)
            .map_err(|_| Error::Internal)?;
        Self::join_checked(member, welcome, suite, true)
    }

    fn with(member: Member, mls: MlsGroup, suite: SframeSuite) -> Result<Self> {
        let config = SframeConfig::new(suite).with_max_keys(MAX_KEYS);
        let receiver = SframeReceiver::managed(config)?;
        let code = group_code(mls.epoch_authenticator().as_slice());
        let mut group = Group {
            member,
            mls,
            config,
            keys: Some(FrameKeys {
                senders: Vec::new(),
                receiver,
            }),
            code,
            held: VecDeque::new(),
            max_epochs: 2,
        };
        group.enter_epoch(&[])?;
        Ok(group)
    }

    /// The current MLS epoch.
    pub fn epoch(&self) -> u64 {
        self.mls.epoch().as_u64()
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> u32 {
        self.mls.own_leaf_index().u32()
    }

    /// The leaf indices of every member, this one included, in increasing order.
    pub fn members(&self) -> Vec<u32> {
        self.mls.members().map(|m| m.index.u32()).collect()
    }

    /// Every member, this one included, in increasing leaf order.
    pub fn roster(&self) -> Vec<MemberInfo> {
        self.mls
            .members()
            .map(|m| MemberInfo {
                leaf: m.index.u32(),
                identity: m.credential.serialized_content().to_vec(),
                signature_key: m.signature_key,
            })
            .collect()
    }

    /// The MLS group id (public: it travels in every MLS message).
    pub fn group_id(&self) -> &[u8] {
        self.mls.group_id().as_slice()
    }

    /// The leaf index of the member whose credential carries `identity`.
    pub fn leaf_of(&self, identity: &[u8]) -> Option<u32> {
        self.mls
            .members()
            .find(|m| m.credential.serialized_content() == identity)
            .map(|m| m.index.u32())
    }

    /// Whether this member is still in the group.
    pub fn is_active(&self) -> bool {
        self.keys.is_some() && self.mls.is_active()
    }

    /// The SFrame suite.
    pub fn suite(&self) -> SframeSuite {
        self.config.suite
    }

    /// The group security code (see [`crate::group_code`]) of the epoch the membership last
    /// changed in (a join, an add, a removal): equal on every member, new whenever someone
    /// joins or leaves, and unchanged by self-updates, so that users compare it once per
    /// membership.
    pub fn security_code(&self) -> SecurityCode {
        self.code.clone()
    }

    /// The group code of the current epoch, self-updates included (see [`crate::group_code`]).
    pub fn epoch_code(&self) -> SecurityCode {
        group_code(self.mls.epoch_authenticator().as_slice())
    }

    fn membership_changed(&mut self) {
        self.code = self.epoch_code();
    }

    /// The MLS exporter of the current epoch (RFC 9420 §8.5):
    /// `MLS-Exporter(label, context, length)`. The frame keys are this with
    /// [`SFRAME_EXPORTER_LABEL`], an empty context and the SFrame suite's key length; other
    /// labels give keys for other uses of the same group.
    pub fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        if self.keys.is_none() {
            return Err(Error::Removed);
        }
        self.mls
            .export_secret(self.member.provider.crypto(), label, context, length)
            .map(Zeroizing::new)
            .map_err(|_| Error::Internal)
    }

    fn keys(&mut self) -> Result<&mut FrameKeys> {
        self.keys.as_mut().ok_or(Error::Removed)
    }

    /// Check, before anything moves, that the next epoch's group of `members` fits: the
    /// receiver holds the keys of at least two epochs of at most [`MAX_MEMBERS`] members,
    /// within [`MAX_KEYS`].
    fn check_room(&self, members: usize) -> Result<()> {
        if self.keys.is_none() {
            return Err(Error::Removed);
        }
        if members > MAX_MEMBERS {
            return Err(Error::GroupFull);
        }
        Ok(())
    }

    /// How many epochs' frame keys this member holds at most, the current one included
    /// (default 2: the current and the previous, for frames in flight). A group call raises
    /// it and retires epochs by time instead ([`Group::retire_epochs_before`]); the key store
    /// ([`MAX_KEYS`]) bounds it whatever is asked: in a large group the oldest epoch goes
    /// early. At least 1.
    pub fn set_max_epochs(&mut self, epochs: usize) {
        self.max_epochs = epochs.max(1);
    }

    /// The MLS epochs whose frame keys this member holds, oldest first.
    pub fn epochs_held(&self) -> impl Iterator<Item = u64> + '_ {
        self.held.iter().copied()
    }

    /// Drop (zeroize) the frame keys of every epoch before `epoch`; the current epoch's
    /// always stay.
    pub fn retire_epochs_before(&mut self, epoch: u64) {
        let epoch = epoch.min(self.epoch());
        let Some(keys) = self.keys.as_mut() else {
            return;
        };
        if self.held.front().is_some_and(|e| *e < epoch) {
            keys.receiver
                .retire_below(Epoch(u32::try_from(epoch).unwrap_or(u32::MAX)));
            self.held.retain(|e| *e >= epoch);
        }
    }

    /// Derive and install the frame keys of the epoch the MLS group is now in; take out the
    /// keys of the members in `removed` from every epoch held; retire the oldest epochs
    /// beyond [`Group::set_max_epochs`] and the key store.
    fn enter_epoch(&mut self, removed: &[u32]) -> Result<()> {
        let epoch = self.mls.epoch().as_u64();
        let frame_epoch = Epoch(u32::try_from(epoch).map_err(|_| Error::EpochOverflow)?);
        let own = self.own_leaf();
        let others: Vec<u32> = self.members().into_iter().filter(|l| *l != own).collect();
        let base_key =
            self.export_secret(SFRAME_EXPORTER_LABEL, b"", self.config.suite.key_len())?;
        let config = self.config;
        let per_epoch = others.len() * MediaKind::ALL.len();
        let max_epochs = self.max_epochs;
        let Some(keys) = self.keys.as_mut() else {
            return Err(Error::Removed);
        };
        let mut senders = Vec::with_capacity(MediaKind::ALL.len());
        for kind in MediaKind::ALL {
            let kid = GroupKid::new(kind, own, epoch)?.kid();
            senders.push(SframeSender::new(&config, kid, &base_key)?);
        }
        for old in &self.held {
            for leaf in removed {
                for kind in MediaKind::ALL {
                    keys.receiver
                        .remove_key(GroupKid::new(kind, *leaf, *old)?.kid());
                }
            }
        }
        // Room for this epoch: the oldest epochs go first.
        while let Some(oldest) = self.held.front().copied() {
            let over_count = self.held.len() + 1 > max_epochs;
            let over_keys = keys.receiver.key_count() + per_epoch > MAX_KEYS;
            if !over_count && !over_keys {
                break;
            }
            keys.receiver
                .retire_below(Epoch(u32::try_from(oldest + 1).unwrap_or(u32::MAX)));
            self.held.pop_front();
        }
        for leaf in others {
            for kind in MediaKind::ALL {
                let kid = GroupKid::new(kind, leaf, epoch)?.kid();
                keys.receiver.install_key(kid, frame_epoch, &base_key)?;
            }
        }
        self.held.push_back(epoch);
        keys.senders = senders;
        Ok(())
    }

    /// The key package of a newcomer, verified, if the group has room for it.
    fn newcomer(&self, key_package: &[u8]) -> Result<KeyPackage> {
        let MlsMessageBodyIn::KeyPackage(kp) = decode(key_package)? else {
            return Err(Error::Malformed);
        };
        let kp = kp
            .validate(self.member.provider.crypto(), ProtocolVersion::Mls10)
            .map_err(|_| Error::InvalidKeyPackage)?;
        self.check_room(self.mls.members().count() + 1)?;
        Ok(kp)
    }

    /// Add the member whose key package (from [`Member::key_package`]) is `key_package`: the
    /// group moves to a new epoch at once here; the commit goes to the other members, the
    /// welcome to the newcomer.
    pub fn add(&mut self, key_package: &[u8]) -> Result<Invite> {
        self.add_with(key_package, None)
    }

    /// [`Group::add`] for the first member added to a group grown from a one-to-one call: the
    /// commit also injects `binding` (a secret both ends of that call export, e.g.
    /// `Call::export_secret`) as an external pre-shared key (RFC 9420 §8.4), so that the
    /// welcome opens only for the other end of that call ([`Group::join_bound`]) and every
    /// later epoch's keys depend on the call the two users verified.
    pub fn add_bound(&mut self, key_package: &[u8], binding: &[u8]) -> Result<Invite> {
        self.add_with(key_package, Some(binding))
    }

    fn add_with(&mut self, key_package: &[u8], binding: Option<&[u8]>) -> Result<Invite> {
        let kp = self.newcomer(key_package)?;
        let provider = &self.member.provider;
        let mut commit = self.mls.commit_builder().propose_adds([kp]);
        if let Some(binding) = binding {
            let psk = PreSharedKeyId::new(
                MLS_SUITE,
                provider.rand(),
                Psk::External(ExternalPsk::new(BINDING_PSK_ID.to_vec())),
            )
            .map_err(|_| Error::Internal)?;
            psk.store(provider, binding).map_err(|_| Error::Internal)?;
            let proposal = PreSharedKeyProposal::new(psk);
            commit = commit.add_proposal(Proposal::PreSharedKey(Box::new(proposal)));
        }
        let bundle = commit
            .load_psks(provider.storage())
            .map_err(|_| Error::Internal)?
            .build(
                provider.rand(),
                provider.crypto(),
                &self.member.signer,
                |_| true,
            )
            .map_err(|_| Error::InvalidKeyPackage)?
            .stage_commit(provider)
            .map_err(|_| Error::Internal)?;
        let welcome = bundle.to_welcome_msg().ok_or(Error::Internal)?;
        let invite = Invite {
            commit: encode(bundle.commit())?,
            welcome: encode(&welcome)?,
        };
        self.merge_own()?;
        self.enter_epoch(&[])?;
        self.membership_changed();
        Ok(invite)
    }

    /// Remove the member at `leaf`; returns the commit for every other member (the removed
    /// one included, so it learns it). Its keys go from this member at once.
    pub fn remove(&mut self, leaf: u32) -> Result<Vec<u8>> {
        if leaf == self.own_leaf() {
            return Err(Error::RemoveSelf);
        }
        if !self.members().contains(&leaf) {
            return Err(Error::UnknownMember);
        }
        self.check_room(self.mls.members().count() - 1)?;
        let (commit, _, _) = self
            .mls
            .remove_members(
                &self.member.provider,
                &self.member.signer,
                &[LeafNodeIndex::new(leaf)],
            )
            .map_err(|_| Error::Internal)?;
        let commit = encode(&commit)?;
        self.merge_own()?;
        self.enter_epoch(&[leaf])?;
        self.membership_changed();
        Ok(commit)
    }

    /// Refresh this member's leaf keys (forward secrecy and post-compromise security, as the
    /// one-to-one call's rekey): a new epoch; returns the commit for the others.
    pub fn self_update(&mut self) -> Result<Vec<u8>> {
        self.check_room(self.mls.members().count())?;
        let bundle = self
            .mls
            .self_update(
                &self.member.provider,
                &self.member.signer,
                Default::default(),
            )
            .map_err(|_| Error::Internal)?;
        let commit = encode(&bundle.into_commit())?;
        self.merge_own()?;
        self.enter_epoch(&[])?;
        Ok(commit)
    }

    fn merge_own(&mut self) -> Result<()> {
        self.mls
            .merge_pending_commit(&self.member.provider)
            .map_err(|_| Error::Internal)
    }

    /// Ask to leave the group: returns a proposal (an `MLSMessage`) for every other member,
    /// one of whom commits it ([`Group::commit_pending`]); this member is out when it applies
    /// that commit. A member cannot commit its own removal (RFC 9420 §12.4).
    pub fn leave(&mut self) -> Result<Vec<u8>> {
        if self.keys.is_none() {
            return Err(Error::Removed);
        }
        let proposal = self
            .mls
            .leave_group(&self.member.provider, &self.member.signer)
            .map_err(|_| Error::Internal)?;
        encode(&proposal)
    }

    /// The leaf indices of the members whose leave proposals wait for a commit.
    pub fn pending_leaves(&self) -> Vec<u32> {
        self.mls
            .pending_proposals()
            .filter_map(|q| match q.proposal() {
                Proposal::Remove(r) => Some(r.removed().u32()),
                _ => None,
            })
            .collect()
    }

    /// Commit the leave proposals received ([`GroupEvent::LeaveProposed`]): the leaving
    /// members' keys go at once, the group moves to a new epoch; returns the commit for every
    /// other member, the leaving ones included. [`Error::UnknownMember`] when none waits.
    pub fn commit_pending(&mut self) -> Result<Vec<u8>> {
        let leaving = self.pending_leaves();
        if leaving.is_empty() {
            return Err(Error::UnknownMember);
        }
        self.check_room(self.mls.members().count().saturating_sub(leaving.len()))?;
        let (commit, _, _) = self
            .mls
            .commit_to_pending_proposals(&self.member.provider, &self.member.signer)
            .map_err(|_| Error::Internal)?;
        let commit = encode(&commit)?;
        self.merge_own()?;
        self.enter_epoch(&leaving)?;
        self.membership_changed();
        Ok(commit)
    }

    /// Apply a commit another member made, or keep a member's leave proposal
    /// ([`GroupEvent::LeaveProposed`]). A forged, tampered, replayed or out-of-order commit
    /// fails with [`Error::InvalidCommit`] and changes nothing; a proposal other than a
    /// member's own removal is [`Error::NotACommit`].
    pub fn process(&mut self, commit: &[u8]) -> Result<GroupEvent> {
        if self.keys.is_none() {
            return Err(Error::Removed);
        }
        let msg = MlsMessageIn::tls_deserialize_exact(commit).map_err(|_| Error::Malformed)?;
        let msg = msg
            .try_into_protocol_message()
            .map_err(|_| Error::NotACommit)?;
        let processed = self
            .mls
            .process_message(&self.member.provider, msg)
            .map_err(|_| Error::InvalidCommit)?;
        let staged = match processed.into_content() {
            ProcessedMessageContent::StagedCommitMessage(staged) => staged,
            ProcessedMessageContent::ProposalMessage(queued) => {
                // Only a member's proposal to remove itself: the others' membership is the
                // committers' to change.
                let leaf = match (queued.sender(), queued.proposal()) {
                    (OpenMlsSender::Member(from), Proposal::Remove(r)) if r.removed() == *from => {
                        from.u32()
                    }
                    _ => return Err(Error::NotACommit),
                };
                if leaf == self.own_leaf() {
                    return Err(Error::NotACommit);
                }
                self.mls
                    .store_pending_proposal(self.member.provider.storage(), *queued)
                    .map_err(|_| Error::Internal)?;
                return Ok(GroupEvent::LeaveProposed { leaf });
            }
            _ => return Err(Error::NotACommit),
        };
        let removed: Vec<u32> = staged
            .remove_proposals()
            .map(|p| p.remove_proposal().removed().u32())
            .collect();
        let added = staged.add_proposals().count();
        if staged.self_removed() {
            self.mls
                .merge_staged_commit(&self.member.provider, *staged)
                .map_err(|_| Error::InvalidCommit)?;
            self.keys = None;
            return Ok(GroupEvent::Removed);
        }
        let after = (self.mls.members().count() + added).saturating_sub(removed.len());
        self.check_room(after)?;
        self.mls
            .merge_staged_commit(&self.member.provider, *staged)
            .map_err(|_| Error::InvalidCommit)?;
        self.enter_epoch(&removed)?;
        if added > 0 || !removed.is_empty() {
            self.membership_changed();
        }
        Ok(GroupEvent::NewEpoch {
            epoch: self.epoch(),
            removed,
        })
    }

    /// The most bytes sealing adds to a frame.
    pub fn max_overhead(&self) -> usize {
        callseal::sframe::MAX_OVERHEAD
    }

    /// Seal `frame` as this member's `kind` stream into `out` (at least `frame.len()` +
    /// [`Group::max_overhead`] bytes); returns the sealed length. Allocates nothing.
    pub fn seal_into(
        &mut self,
        kind: MediaKind,
        frame: &[u8],
        out: &mut [u8],
        opts: FrameOptions<'_>,
    ) -> Result<usize> {
        let keys = self.keys()?;
        let sender = &mut keys.senders[usize::from(kind.byte())];
        Ok(sender.seal_into(frame, out, opts)?)
    }

    /// Open a frame another member sealed, in place. Errors as
    /// [`SframeReceiver::open`](callseal::sframe::SframeReceiver::open), wrapped in
    /// [`Error::Frame`]; none changes any state. Allocates nothing.
    pub fn open<'a>(&mut self, frame: &'a mut [u8], opts: FrameOptions<'_>) -> Result<Opened<'a>> {
        let sealed = frame
            .get(opts.clear_prefix()..)
            .ok_or(callseal::Error::Malformed(callseal::Malformed::Truncated))?;
        let (header, _) = callseal::sframe::Header::decode(sealed)?;
        let kid = GroupKid::parse(header.kid())?;
        let keys = self.keys()?;
        let frame = keys.receiver.open(frame, opts)?;
        Ok(Opened {
            sender: kid.leaf,
            kind: kid.kind,
            frame,
        })
    }
}
