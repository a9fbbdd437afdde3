//! What both sides bind into the key exchange: the session and the two
//! signed-in users, and which side is which.
//!
//! The encodings are length-prefixed, so no choice of ids can make two
//! different transcripts encode alike.

use crate::LABEL;

/// Which end of the session this client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The person giving help (reads out the code). SPAKE2 side A.
    Helper,
    /// The person sharing their screen (types the code in). SPAKE2 side B.
    Sharer,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Helper => Side::Sharer,
            Side::Sharer => Side::Helper,
        }
    }

    /// A fixed label for derivations.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Side::Helper => "helper",
            Side::Sharer => "sharer",
        }
    }
}

/// The session both sides agree on. Each side fills it from what the server
/// told it; if the server tells the two sides different things, the
/// handshake fails.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transcript {
    /// The remote-help session's id.
    pub session_id: String,
    /// The signed-in helper's user id.
    pub helper_id: String,
    /// The signed-in sharer's user id.
    pub sharer_id: String,
}

impl Transcript {
    /// A transcript from its three ids.
    pub fn new(
        session_id: impl Into<String>,
        helper_id: impl Into<String>,
        sharer_id: impl Into<String>,
    ) -> Self {
        Self {
            session_id: session_id.into(),
            helper_id: helper_id.into(),
            sharer_id: sharer_id.into(),
        }
    }

    /// The SPAKE2 identity of one side:
    /// `deskmate/e2e/v1|session=<len>:<id>|helper=<len>:<id>` (or `sharer=`),
    /// lengths in bytes, so both user ids and the session id are bound.
    pub(crate) fn identity(&self, side: Side) -> Vec<u8> {
        let user = match side {
            Side::Helper => &self.helper_id,
            Side::Sharer => &self.sharer_id,
        };
        format!(
            "{LABEL}|session={}:{}|{}={}:{}",
            self.session_id.len(),
            self.session_id,
            side.label(),
            user.len(),
            user
        )
        .into_bytes()
    }

    /// The canonical bytes: the label, then each id as a u32 big-endian
    /// length and its UTF-8 bytes (session, helper, sharer).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            LABEL.len() + 12 + self.session_id.len() + self.helper_id.len() + self.sharer_id.len(),
        );
        out.extend_from_slice(LABEL.as_bytes());
        for field in [&self.session_id, &self.helper_id, &self.sharer_id] {
            // Ids longer than 4 GiB cannot reach here from JSON; saturate
            // rather than wrap if one ever did (the bytes still follow).
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_name_the_session_and_one_user() {
        let t = Transcript::new("s-1", "helper-7", "sharer-9");
        assert_eq!(
            String::from_utf8(t.identity(Side::Helper)).expect("utf-8"),
            "deskmate/e2e/v1|session=3:s-1|helper=8:helper-7"
        );
        assert_eq!(
            String::from_utf8(t.identity(Side::Sharer)).expect("utf-8"),
            "deskmate/e2e/v1|session=3:s-1|sharer=8:sharer-9"
        );
    }

    #[test]
    fn encodings_cannot_be_confused_by_moving_separators() {
        let a = Transcript::new("s|helper=x", "y", "z");
        let b = Transcript::new("s", "x|helper=y", "z");
        assert_ne!(a.identity(Side::Helper), b.identity(Side::Helper));
        assert_ne!(a.encode(), b.encode());
        let c = Transcript::new("ab", "c", "d");
        let d = Transcript::new("a", "bc", "d");
        assert_ne!(c.encode(), d.encode());
        assert_ne!(c.identity(Side::Helper), d.identity(Side::Helper));
    }

    #[test]
    fn sides_are_each_others_peer() {
        assert_eq!(Side::Helper.peer(), Side::Sharer);
        assert_eq!(Side::Sharer.peer(), Side::Helper);
        assert_ne!(Side::Helper.label(), Side::Sharer.label());
    }
}
