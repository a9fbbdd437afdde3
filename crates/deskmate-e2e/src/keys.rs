//! The confirmed session keys: the verification string, and ciphers for
//! each connection epoch.
//!
//! Reconnecting: keep the [`SessionKeys`] for the whole session. The first
//! connection uses epoch 0; after each reconnect both sides move to the next
//! epoch (the caller counts, e.g. from the server's reconnect
//! notifications), whose keys are fresh and whose counters start at 0. A
//! frame from an earlier epoch, relayed late or replayed, then fails as
//! [`E2eError::Tampered`](crate::E2eError). Sides that disagree on the
//! epoch see every frame fail the same way, so the mismatch is never
//! silent. A client that lost its keys (a reloaded page) must run a fresh
//! handshake.

use crate::Side;
use crate::cipher::SessionCipher;
use crate::kdf::{self, Derived, Secret};
use std::fmt;
use zeroize::Zeroizing;

/// The keys both sides derived and confirmed.
pub struct SessionKeys {
    side: Side,
    traffic: Secret,
    verification: String,
}

impl SessionKeys {
    pub(crate) fn new(side: Side, derived: &Derived) -> Self {
        Self {
            side,
            traffic: Zeroizing::new(*derived.traffic),
            verification: kdf::verification_digits(&derived.verification),
        }
    }

    /// This side.
    pub fn side(&self) -> Side {
        self.side
    }

    /// Six digits as `"482 913"`, the same on both sides of one handshake.
    /// Show it to both people: if they read out different digits, someone
    /// in the middle knew the whole code.
    pub fn verification_string(&self) -> String {
        self.verification.clone()
    }

    /// The cipher for connection epoch `n` (0 for the first connection).
    pub fn epoch(&self, n: u32) -> SessionCipher {
        let peer = self.side.peer();
        SessionCipher::new(
            self.side,
            n,
            &kdf::epoch_key(&self.traffic, n, self.side),
            &kdf::epoch_key(&self.traffic, n, peer),
        )
    }

    #[cfg(test)]
    pub(crate) fn debug_traffic(&self) -> [u8; 32] {
        *self.traffic
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("side", &self.side)
            .field("verification", &self.verification)
            .finish_non_exhaustive()
    }
}
