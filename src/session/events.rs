//! What a call tells the application, in the sans-IO style: events to act on
//! ([`Call::poll_event`](super::Call::poll_event)) and the time of the next timer
//! ([`Call::poll_timeout`](super::Call::poll_timeout)).

use crate::types::{Epoch, MediaKind};
use std::collections::VecDeque;

/// Why this side started a rekey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RekeyCause {
    /// The application called [`Call::rekey`](super::Call::rekey).
    Requested,
    /// [`CallConfig::rekey_interval`](super::CallConfig::rekey_interval) passed.
    Interval,
    /// A send key reached its soft usage limit ([`Event::SoftLimitReached`]).
    SoftLimit,
}

/// Something that happened in a call. Events come out in the order they happened; a standard
/// call has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// This side wants to move to `epoch`. Its sending switches at once when the peer has
    /// reached this side's epoch, else as soon as it does ([`Event::EpochStarted`] follows).
    RekeyStarted {
        /// The epoch to come.
        epoch: Epoch,
        /// What asked for it.
        cause: RekeyCause,
    },
    /// This side sends with `epoch` from now on: its rekey went through, or it followed the
    /// peer.
    EpochStarted {
        /// This side's new send epoch.
        epoch: Epoch,
    },
    /// The first media of the peer's `epoch` authenticated: the peer moved to it.
    PeerMoved {
        /// The peer's new send epoch.
        epoch: Epoch,
    },
    /// The grace of the peer's previous epoch is over: the receive keys of every epoch below
    /// `below` are zeroized on every stream.
    KeysRetired {
        /// The oldest epoch whose receive keys remain.
        below: Epoch,
    },
    /// The send key of the stream of `kind` reached its soft usage limit (once per epoch); a
    /// rekey starts when there is an epoch left to go to.
    SoftLimitReached {
        /// The stream whose key is nearly used up.
        kind: MediaKind,
    },
}

/// Events waiting for the application: a queue of fixed capacity, allocated when the call
/// starts. An application that never takes them loses the oldest, counted, and never makes the
/// call grow.
#[derive(Debug)]
pub(crate) struct EventQueue {
    events: VecDeque<Event>,
    dropped: u64,
}

/// How many events wait at most.
pub const EVENT_QUEUE_LEN: usize = 64;

impl EventQueue {
    pub(crate) fn new() -> Self {
        EventQueue {
            events: VecDeque::with_capacity(EVENT_QUEUE_LEN),
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, e: Event) {
        if self.events.len() == EVENT_QUEUE_LEN {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(e);
    }

    pub(crate) fn pop(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}
