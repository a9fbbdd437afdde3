//! What the sharer allowed in this session, as the agent's own sharer UI
//! (the page or the terminal) answered. The agent captures, injects input
//! and draws the laser pointer only within it: a mode the server claims is
//! capped by it, so a server that says "control" without the sharer's Allow
//! gets nothing more than the sharer gave.

use deskmate_proto::messages::Mode;

/// The most the sharer allowed so far (`None`: nothing yet).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    allowed: Option<Mode>,
}

impl Consent {
    /// The sharer's UI answered a request for `mode`. Allowing control
    /// allows viewing too; declining keeps what was allowed before.
    pub fn answered(&mut self, mode: Mode, allow: bool) {
        if allow {
            self.allowed = self.allowed.max(Some(mode));
        }
    }

    /// The mode the agent acts in when the server says `claimed`: never more
    /// than the sharer allowed.
    pub fn cap(&self, claimed: Option<Mode>) -> Option<Mode> {
        match (claimed, self.allowed) {
            (Some(claimed), Some(allowed)) => Some(claimed.min(allowed)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_allowed_until_the_sharer_says_so() {
        let consent = Consent::default();
        assert_eq!(consent.cap(Some(Mode::Control)), None);
        assert_eq!(consent.cap(Some(Mode::View)), None);
    }

    #[test]
    fn a_claimed_mode_is_capped_by_what_the_sharer_allowed() {
        let mut consent = Consent::default();
        consent.answered(Mode::Control, false);
        assert_eq!(consent.cap(Some(Mode::Control)), None, "declined");
        consent.answered(Mode::View, true);
        assert_eq!(consent.cap(Some(Mode::Control)), Some(Mode::View));
        assert_eq!(consent.cap(Some(Mode::View)), Some(Mode::View));
        assert_eq!(consent.cap(None), None, "the server may always narrow");
        consent.answered(Mode::Control, true);
        assert_eq!(consent.cap(Some(Mode::Control)), Some(Mode::Control));
        assert_eq!(consent.cap(Some(Mode::View)), Some(Mode::View));
        // A later decline of another request keeps what was given.
        consent.answered(Mode::Control, false);
        assert_eq!(consent.cap(Some(Mode::Control)), Some(Mode::Control));
    }
}
