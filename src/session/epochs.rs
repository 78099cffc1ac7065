//! Epochs of a call: rekey, following the peer, and retiring old receive keys.
//!
//! Epochs are call-wide. This side sends with epoch `E`; the peer was last seen sending with
//! `P`; `E` is `P` or `P + 1`. Every receive stream holds the keys of `P` and `P + 1` (installed
//! ahead of the peer's switch), and those of `P − 1` while their grace lasts: never more than
//! [`MAX_EPOCHS_HELD`] epochs, whether or not the stream carries traffic. The grace counts
//! frames (packets, with SRTP alone) of the new epoch on any stream of the call, or call time,
//! so a stream that is idle retires its keys with the others.
//!
//! Every change of epoch is a transaction: all new keys are derived and checked before
//! anything moves, and then moving them cannot fail. An operation that fails leaves the call
//! as it was.

use super::call::Call;
use super::events::{Event, RekeyCause};
use crate::error::{Error, Result};
use crate::schedule::CallKeys;
use crate::sframe::{Grace, SframeSender};
use crate::srtp::Mki;
use crate::types::{Epoch, MediaKind};
use core::time::Duration;

/// The most epochs whose keys one receive stream holds at once: the peer's previous one
/// (during its grace), its current one and the next.
pub const MAX_EPOCHS_HELD: usize = 3;

/// The one-byte SRTP MKI naming an epoch's keys: its low byte.
pub(crate) fn mki(epoch: Epoch) -> Mki {
    Mki(epoch.0 & 0xff)
}

/// The epoch of a packet whose MKI byte is `low`, when the peer is at `peer`: the newest
/// epoch no later than `peer + 1` with that low byte. A receive stream holds at most three
/// consecutive epochs, so the byte names one of them without ambiguity, at every multiple of
/// 256 as anywhere else. `None` when no such epoch exists (before epoch 0).
pub(crate) fn packet_epoch(peer: Epoch, low: u8) -> Option<Epoch> {
    let top = u64::from(peer.0) + 1;
    let back = u64::from((top as u8).wrapping_sub(low));
    top.checked_sub(back)
        .and_then(|e| u32::try_from(e).ok())
        .map(Epoch)
}

/// The previous epoch's receive keys, in their grace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retiring {
    epoch: Epoch,
    frames_left: u64,
    until: Option<Duration>,
}

/// The call-wide epoch state.
pub(crate) struct EpochState {
    /// The epoch this side sends with.
    pub(crate) send: Epoch,
    /// The newest epoch the peer was seen sending with.
    pub(crate) peer: Epoch,
    /// Media keys of epoch `send + 1`; `None` after the last epoch.
    pub(crate) next: Option<CallKeys>,
    pub(crate) retiring: Option<Retiring>,
    pub(crate) rekey_wanted: bool,
    pub(crate) last_rekey: Duration,
    /// Per send stream: its key's soft usage limit was reported in this epoch.
    pub(crate) soft_limit_seen: [bool; 3],
}

impl EpochState {
    pub(crate) fn new(next: Option<CallKeys>) -> Self {
        EpochState {
            send: Epoch(0),
            peer: Epoch(0),
            next,
            retiring: None,
            rekey_wanted: false,
            last_rekey: Duration::ZERO,
            soft_limit_seen: [false; 3],
        }
    }
}

/// The send side of one epoch, built and checked, ready to replace the current one.
struct PreparedSend {
    sframe: [Option<SframeSender>; 3],
    srtp: [Option<crate::srtp::PreparedKey>; 3],
}

/// The receive keys of one epoch for the three streams, built and checked.
struct PreparedRecv {
    sframe: [Option<crate::sframe::PreparedKey>; 3],
    srtp: [Option<crate::srtp::PreparedKey>; 3],
}

impl Call {
    fn e2e_srtp(&self) -> bool {
        self.e2e && self.config.layers == super::Layers::Srtp
    }

    /// Whether SFrame keys are derived per SSRC.
    fn per_ssrc(&self) -> bool {
        self.config.sframe_keying == crate::rtp_sframe::SframeKeying::PerSsrc
    }

    /// Build the send side of `keys`' epoch without touching the call.
    fn prepare_send(&self, keys: &CallKeys) -> Result<PreparedSend> {
        let send = self.role.send_direction();
        let mut p = PreparedSend {
            sframe: [None, None, None],
            srtp: [None, None, None],
        };
        for kind in MediaKind::ALL {
            let k = kind as usize;
            if let Some(sc) = &self.sframe_config {
                let ssrc = self.per_ssrc().then_some(self.local_ssrcs()[k]);
                p.sframe[k] = Some(SframeSender::for_call_stream(
                    sc,
                    &keys.stream(send, kind),
                    ssrc,
                )?);
            }
            if self.e2e_srtp() {
                if let Some(ctx) = &self.tx[k].srtp {
                    let key = keys
                        .stream(send, kind)
                        .into_srtp_master_key(self.srtp_suite)?;
                    p.srtp[k] = Some(ctx.prepare_key(mki(keys.epoch()), &key)?);
                }
            }
        }
        Ok(p)
    }

    /// Build the receive keys of `keys`' epoch for the three streams without touching the call.
    fn prepare_recv(&self, keys: &CallKeys) -> Result<PreparedRecv> {
        let recv = self.role.recv_direction();
        let mut p = PreparedRecv {
            sframe: [None, None, None],
            srtp: [None, None, None],
        };
        for kind in MediaKind::ALL {
            let k = kind as usize;
            if let Some(r) = &self.rx[k].sframe {
                let ssrc = self.per_ssrc().then_some(self.remote_ssrcs()[k]);
                p.sframe[k] = Some(r.prepare_stream(&keys.stream(recv, kind), ssrc)?);
            }
            if self.e2e_srtp() {
                if let Some(ctx) = &self.rx[k].srtp {
                    let key = keys
                        .stream(recv, kind)
                        .into_srtp_master_key(self.srtp_suite)?;
                    p.srtp[k] = Some(ctx.prepare_key(mki(keys.epoch()), &key)?);
                }
            }
        }
        Ok(p)
    }

    /// Put a prepared send side in place; cannot fail.
    fn commit_send(&mut self, p: PreparedSend) {
        let PreparedSend { sframe, srtp } = p;
        for (tx, (sf, sr)) in self.tx.iter_mut().zip(sframe.into_iter().zip(srtp)) {
            if sf.is_some() {
                tx.sframe = sf;
            }
            if let (Some(ctx), Some(key)) = (&mut tx.srtp, sr) {
                ctx.switch_key(key);
            }
        }
    }

    fn commit_recv(&mut self, p: PreparedRecv) {
        let PreparedRecv { sframe, srtp } = p;
        for ((rx, sf), sr) in self.rx.iter_mut().zip(sframe).zip(srtp) {
            if let (Some(r), Some(key)) = (&mut rx.sframe, sf) {
                r.commit(key);
            }
            if let (Some(ctx), Some(key)) = (&mut rx.srtp, sr) {
                ctx.commit_key(key);
            }
        }
    }

    /// Install the receive keys of the first two epochs (at the start of the call).
    pub(crate) fn install_first_epochs(&mut self, first: &CallKeys) -> Result<()> {
        let p0 = self.prepare_recv(first)?;
        self.commit_recv(p0);
        if let Some(next) = self.epochs.next.as_ref() {
            let p1 = self.prepare_recv(next)?;
            self.commit_recv(p1);
        }
        Ok(())
    }

    /// Drop every receive key of an epoch below `epoch`, on every stream.
    fn retire_below(&mut self, epoch: Epoch) {
        self.events.push(Event::KeysRetired { below: epoch });
        let e2e_srtp = self.e2e_srtp();
        for rx in &mut self.rx {
            if let Some(r) = &mut rx.sframe {
                r.retire_below(epoch);
            }
            if e2e_srtp {
                if let Some(ctx) = &mut rx.srtp {
                    for old in epoch.0.saturating_sub(3)..epoch.0 {
                        // Keys further back were retired before; a key never installed is fine.
                        let _ = ctx.remove_key(mki(Epoch(old)));
                    }
                }
            }
        }
    }

    /// Move this side's sending to the next epoch. All or nothing.
    pub(crate) fn advance(&mut self, now: Duration) -> Result<()> {
        crate::secret::scrubbed(|| {
            let Some(keys) = self.epochs.next.as_ref() else {
                return Err(Error::LimitReached);
            };
            let prepared = self.prepare_send(keys)?;
            let after = keys.derive_next();
            // Nothing below can fail.
            self.commit_send(prepared);
            self.sending_with(Epoch(self.epochs.send.0 + 1), after, now);
            Ok(())
        })
    }

    /// Sending moved to `epoch` (its keys committed); `next` holds the keys after it.
    fn sending_with(&mut self, epoch: Epoch, next: Option<CallKeys>, now: Duration) {
        self.epochs.send = epoch;
        self.epochs.next = next;
        self.epochs.rekey_wanted = false;
        self.epochs.last_rekey = now;
        self.epochs.soft_limit_seen = [false; 3];
        self.events.push(Event::EpochStarted { epoch });
    }

    /// Ask for the next epoch ([`Event::RekeyStarted`]). It starts at once when the peer has
    /// reached this side's epoch, else as soon as it does ([`Call::rekey_pending`]).
    ///
    /// Errors, changing nothing: [`Error::NotEndToEnd`] in a standard call (it has no
    /// epochs), [`Error::LimitReached`] after the last epoch (2^32 − 1).
    pub fn rekey(&mut self, now: Duration) -> Result<()> {
        if !self.e2e {
            return Err(Error::NotEndToEnd);
        }
        if self.epochs.next.is_none() {
            return Err(Error::LimitReached);
        }
        self.want_rekey(RekeyCause::Requested);
        self.try_rekey(now)
    }

    /// Ask for a rekey: only when there is a next epoch to go to, and reported once.
    pub(crate) fn want_rekey(&mut self, cause: RekeyCause) {
        if self.e2e && !self.epochs.rekey_wanted {
            if let Some(next) = &self.epochs.next {
                self.epochs.rekey_wanted = true;
                let epoch = next.epoch();
                self.events.push(Event::RekeyStarted { epoch, cause });
            }
        }
    }

    /// The send key of the stream of `kind` reached its soft usage limit.
    pub(crate) fn soft_limit(&mut self, kind: MediaKind) {
        let seen = &mut self.epochs.soft_limit_seen[kind as usize];
        if !*seen {
            *seen = true;
            self.events.push(Event::SoftLimitReached { kind });
        }
        self.want_rekey(RekeyCause::SoftLimit);
    }

    /// When [`Call::handle_timeout`] next has work: the rekey interval, or the end of a grace
    /// measured in time. `None` when no timer runs (a standard call, or a rekey waiting for
    /// the peer).
    pub fn poll_timeout(&self) -> Option<Duration> {
        if !self.e2e {
            return None;
        }
        let interval = match self.config.rekey_interval {
            Some(every) if !self.epochs.rekey_wanted && self.epochs.next.is_some() => {
                Some(self.epochs.last_rekey.saturating_add(every))
            }
            _ => None,
        };
        let grace = self.epochs.retiring.and_then(|r| r.until);
        match (interval, grace) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) fn try_rekey(&mut self, now: Duration) -> Result<()> {
        if self.epochs.rekey_wanted && self.epochs.peer >= self.epochs.send {
            self.advance(now)?;
        }
        Ok(())
    }

    /// Let time pass: the rekey interval and a grace measured in time.
    pub(crate) fn tick(&mut self, now: Duration) -> Result<()> {
        if !self.e2e {
            return Ok(());
        }
        if let Some(every) = self.config.rekey_interval {
            if now.saturating_sub(self.epochs.last_rekey) >= every {
                self.want_rekey(RekeyCause::Interval);
            }
        }
        self.count_grace(0, now);
        self.try_rekey(now)
    }

    /// Count `frames` of the peer's current epoch against the grace, and retire the previous
    /// epoch's keys once it is over.
    fn count_grace(&mut self, frames: u64, now: Duration) {
        let Some(r) = &mut self.epochs.retiring else {
            return;
        };
        r.frames_left = r.frames_left.saturating_sub(frames);
        if r.frames_left == 0 || r.until.is_some_and(|t| now >= t) {
            let next = Epoch(r.epoch.0 + 1);
            self.epochs.retiring = None;
            self.retire_below(next);
        }
    }

    /// A frame (or, with SRTP alone, a packet) of `epoch` authenticated: count it against the
    /// grace, or follow the peer to its new epoch. All or nothing.
    #[inline]
    pub(crate) fn peer_seen(&mut self, epoch: Epoch, now: Duration) -> Result<()> {
        if !self.e2e {
            return Ok(());
        }
        let peer = self.epochs.peer;
        if epoch < peer {
            return Ok(());
        }
        if epoch == peer {
            self.count_grace(1, now);
            return Ok(());
        }
        self.follow_peer(epoch, now)
    }

    /// The peer moved to `epoch` (its next one): follow it. All or nothing.
    #[inline(never)]
    fn follow_peer(&mut self, epoch: Epoch, now: Duration) -> Result<()> {
        crate::secret::scrubbed(|| {
            let peer = self.epochs.peer;
            // Only `peer + 1` is installed, so only it can have authenticated.
            debug_assert_eq!(epoch.0, peer.0 + 1);
            // Prepare: the send side if this side follows, then the receive keys of `epoch + 1`.
            let follow = self.epochs.send < epoch;
            let mut send = None;
            let mut after = None;
            let recv_next = if follow {
                let keys = self.epochs.next.as_ref().ok_or(Error::LimitReached)?;
                send = Some(self.prepare_send(keys)?);
                after = keys.derive_next();
                after.as_ref().map(|k| self.prepare_recv(k)).transpose()?
            } else {
                self.epochs
                    .next
                    .as_ref()
                    .map(|k| self.prepare_recv(k))
                    .transpose()?
            };
            // Commit: nothing below can fail.
            self.events.push(Event::PeerMoved { epoch });
            if self.epochs.retiring.take().is_some() {
                self.retire_below(peer);
            }
            self.epochs.peer = epoch;
            let (frames_left, until) = match self.config.grace {
                Grace::Frames(n) => (n, None),
                Grace::Time(d) => (u64::MAX, Some(now.saturating_add(d))),
            };
            self.epochs.retiring = Some(Retiring {
                epoch: peer,
                frames_left,
                until,
            });
            if let Some(prepared) = send {
                self.commit_send(prepared);
                self.sending_with(epoch, after, now);
            }
            if let Some(p) = recv_next {
                self.commit_recv(p);
            }
            // A grace of 0 frames ends here.
            self.count_grace(0, now);
            self.try_rekey(now)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mki_byte_names_one_of_three_epochs_across_every_wrap() {
        for peer in [
            0u32,
            1,
            2,
            254,
            255,
            256,
            257,
            511,
            512,
            70_000,
            u32::MAX - 1,
        ] {
            for e in peer.saturating_sub(1)..=peer + 1 {
                assert_eq!(
                    packet_epoch(Epoch(peer), e as u8),
                    Some(Epoch(e)),
                    "peer {peer}"
                );
            }
        }
        assert_eq!(packet_epoch(Epoch(0), 5), None);
        assert_eq!(packet_epoch(Epoch(0), 1), Some(Epoch(1)));
    }
}
