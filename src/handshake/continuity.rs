//! Key continuity across calls (version 2): the secrets an application retains for a peer,
//! their ids on the wire, how the callee matches them, and the outcome both sides report.
//!
//! After every end-to-end version-2 call each side holds a fresh retained secret for the
//! peer, `HKDF-Expand(prk, "callseal v2 continuity", 32)`. The next call mixes the secret both
//! sides still hold into its key: a man in the middle on that call must also have been in the
//! middle of the call that made it. The library stays sans-IO: the application stores a
//! [`Retained`] record per peer and hands it to the next handshake.

use super::messages::CONTINUITY_ID_LEN;
use crate::schedule::labels;
use crate::secret::Secret;
use core::fmt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What an application keeps for one peer between calls: the newest and the previous retained
/// secret (two, so that a lost Confirm, after which one side moved on and the other did not,
/// does not end in a mismatch), and whether the users compared the security code of a call
/// this chain of secrets descends from. Zeroized on drop; `Debug` shows no secret.
#[derive(Default)]
pub struct Retained {
    newest: Option<Secret<32>>,
    previous: Option<Secret<32>>,
    verified: bool,
}

impl Retained {
    /// Nothing held for this peer (a first call, or a new device).
    pub fn none() -> Retained {
        Retained::default()
    }

    /// A stored record. A `previous` without a `newest` is taken as the newest.
    pub fn new(newest: Option<Secret<32>>, previous: Option<Secret<32>>, verified: bool) -> Self {
        let (newest, previous) = match newest {
            Some(n) => (Some(n), previous),
            None => (previous, None),
        };
        let verified = verified && newest.is_some();
        Retained {
            newest,
            previous,
            verified,
        }
    }

    /// The newest retained secret. Store it; never log it.
    pub fn newest(&self) -> Option<&Secret<32>> {
        self.newest.as_ref()
    }

    /// The previous retained secret. Store it; never log it.
    pub fn previous(&self) -> Option<&Secret<32>> {
        self.previous.as_ref()
    }

    /// Whether the users compared the code in this chain of calls.
    pub fn verified(&self) -> bool {
        self.verified
    }

    /// Set when the users compared the security code of the call that made this record and
    /// it matched. Carried to the next record on `continued`, dropped on `mismatch`.
    pub fn mark_verified(&mut self) {
        self.verified = self.newest.is_some();
    }

    /// Whether any secret is held.
    pub fn is_empty(&self) -> bool {
        self.newest.is_none()
    }

    /// A copy, for the handshake to hold while the application keeps its own.
    pub(super) fn copy(&self) -> Retained {
        let dup = |s: &Option<Secret<32>>| s.as_ref().map(|s| Secret::new(*s.expose()));
        Retained {
            newest: dup(&self.newest),
            previous: dup(&self.previous),
            verified: self.verified,
        }
    }

    /// The held secrets, newest first.
    pub(super) fn secrets(&self) -> impl Iterator<Item = &Secret<32>> {
        self.newest.iter().chain(self.previous.iter())
    }

    /// The continuity ids of the held secrets, newest first: what the caller offers.
    pub(super) fn ids(&self) -> ([[u8; CONTINUITY_ID_LEN]; 2], usize) {
        let mut ids = [[0u8; CONTINUITY_ID_LEN]; 2];
        let mut n = 0;
        for s in self.secrets() {
            ids[n] = continuity_id(s);
            n += 1;
        }
        (ids, n)
    }

    /// The callee's match: the position (0 or 1) of the first offered id that names a secret
    /// this side holds, with that secret. Compared in constant time.
    pub(super) fn find(&self, offered: &[[u8; CONTINUITY_ID_LEN]]) -> Option<(usize, &Secret<32>)> {
        for (i, id) in offered.iter().enumerate() {
            for s in self.secrets() {
                if bool::from(continuity_id(s).ct_eq(id)) {
                    return Some((i, s));
                }
            }
        }
        None
    }

    /// The caller's secret at position `i` of its offered ids.
    pub(super) fn at(&self, i: usize) -> Option<&Secret<32>> {
        self.secrets().nth(i)
    }
}

impl fmt::Debug for Retained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retained")
            .field("secrets", &self.secrets().count())
            .field("verified", &self.verified)
            .finish()
    }
}

/// The first 8 bytes of HMAC-SHA256(secret, "callseal v2 continuity id").
pub(super) fn continuity_id(secret: &Secret<32>) -> [u8; CONTINUITY_ID_LEN] {
    crate::secret::scrubbed(|| {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose()).expect("any key length");
        m.update(labels::CONTINUITY_ID);
        let full: [u8; 32] = m.finalize_reset().into_bytes().into();
        crate::crypto::wipe_mac(&mut m);
        let mut id = [0u8; CONTINUITY_ID_LEN];
        id.copy_from_slice(&full[..CONTINUITY_ID_LEN]);
        id
    })
}

/// The continuity outcome of a version-2 handshake, the same on both sides (both the caller's
/// ids and the callee's answer are covered by the MACs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContinuityStatus {
    /// Neither side held a secret for the other: a first call.
    New,
    /// A retained secret matched: the same two parties as in the call that made it.
    Continued,
    /// A side held a secret for the other and none matched: a new device, a lost store, or a
    /// man in the middle on this call or an earlier one. Compare the security code.
    Mismatch,
}

impl ContinuityStatus {
    /// `new`, `continued` or `mismatch`.
    pub fn name(self) -> &'static str {
        match self {
            ContinuityStatus::New => "new",
            ContinuityStatus::Continued => "continued",
            ContinuityStatus::Mismatch => "mismatch",
        }
    }

    /// From what the Offer and the Answer carry: the caller's number of offered ids, the
    /// callee's match and whether the callee holds a secret for the caller.
    pub(super) fn decide(offered: usize, matched: bool, callee_holds: bool) -> ContinuityStatus {
        if matched {
            ContinuityStatus::Continued
        } else if offered > 0 || callee_holds {
            ContinuityStatus::Mismatch
        } else {
            ContinuityStatus::New
        }
    }
}

impl fmt::Display for ContinuityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The record to store after an end-to-end version-2 call: the next secret as the newest;
/// on `continued` the secret that matched as the previous, and the verified mark carried.
pub(super) fn next_record(
    next: Secret<32>,
    status: ContinuityStatus,
    matched: Option<&Secret<32>>,
    verified: bool,
) -> Retained {
    match (status, matched) {
        (ContinuityStatus::Continued, Some(m)) => Retained {
            newest: Some(next),
            previous: Some(Secret::new(*m.expose())),
            verified,
        },
        _ => Retained {
            newest: Some(next),
            previous: None,
            verified: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        use ContinuityStatus::*;
        assert_eq!(ContinuityStatus::decide(0, false, false), New);
        assert_eq!(ContinuityStatus::decide(1, true, true), Continued);
        assert_eq!(ContinuityStatus::decide(2, false, false), Mismatch);
        assert_eq!(ContinuityStatus::decide(0, false, true), Mismatch);
    }

    #[test]
    fn ids_find_and_debug() {
        let r = Retained::new(Some(Secret::new([1; 32])), Some(Secret::new([2; 32])), true);
        let (ids, n) = r.ids();
        assert_eq!(n, 2);
        assert_ne!(ids[0], ids[1]);
        let other = Retained::new(Some(Secret::new([2; 32])), None, false);
        // The callee holding only the caller's previous secret matches position 1.
        let (i, s) = other.find(&ids[..n]).unwrap();
        assert_eq!(i, 1);
        assert_eq!(s.expose(), &[2; 32]);
        assert!(Retained::none().find(&ids[..n]).is_none());
        let d = format!("{r:?}");
        assert_eq!(d, "Retained { secrets: 2, verified: true }");
        // A previous secret alone is the newest; nothing held is never verified.
        let only_prev = Retained::new(None, Some(Secret::new([3; 32])), false);
        assert_eq!(only_prev.newest().unwrap().expose(), &[3; 32]);
        assert!(!Retained::new(None, None, true).verified());
    }
}
