//! How the session driver talks to whoever sits at the shared screen: the
//! sharer page in a browser, a terminal, or a fixed policy in scripts. The
//! driver sends [`UiEvent`]s and acts on [`UiCommand`]s; it never blocks on
//! the person answering.

use deskmate_proto::messages::{ChatMessage, Mode};
use tokio::sync::mpsc;

/// What the driver reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiEvent {
    /// The helper asks for `mode`; answer with [`UiCommand::Consent`].
    ConsentRequested(Mode),
    /// Where the session stands.
    State {
        /// The mode in force, once allowed.
        mode: Option<Mode>,
        /// Whether chat is available.
        chat_enabled: bool,
        /// Whether the helper is connected.
        peer_online: bool,
    },
    /// A chat message, numbered by the server (also the sharer's own, echoed).
    Chat(ChatMessage),
    /// The server refused something the sharer sent.
    Refused(String),
    /// End-to-end encryption is on; both people can compare this string.
    Verified(String),
    /// What the helper sees once sharing: a monitor or the whole screen, and
    /// its size. Said again when the helper picks another monitor or the
    /// monitors change (a monitor unplugged can mean more is shown).
    Shown {
        /// The monitor's name, or `None` for the whole screen.
        monitor: Option<String>,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

/// What the person decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiCommand {
    /// The answer to a request.
    Consent {
        /// The mode asked for.
        mode: Mode,
        /// Allowed or declined.
        allow: bool,
    },
    /// Send a chat message.
    Chat(String),
    /// End the session.
    Leave,
}

/// The driver's ends of the two channels.
pub struct SharerUi {
    /// Events for the person.
    pub events: mpsc::UnboundedSender<UiEvent>,
    /// Their decisions.
    pub commands: mpsc::UnboundedReceiver<UiCommand>,
}

/// The other ends, for the user interface.
pub struct UiEnds {
    /// Events from the driver.
    pub events: mpsc::UnboundedReceiver<UiEvent>,
    /// Decisions for the driver.
    pub commands: mpsc::UnboundedSender<UiCommand>,
}

/// A connected pair.
pub fn channel() -> (SharerUi, UiEnds) {
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    (
        SharerUi {
            events: events_tx,
            commands: commands_rx,
        },
        UiEnds {
            events: events_rx,
            commands: commands_tx,
        },
    )
}

/// A fixed answer policy (scripts and tests): allow up to `max`, decline the rest.
pub fn fixed_answer(max: Option<Mode>, mode: Mode) -> bool {
    matches!(max, Some(max) if mode <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_policy_allows_up_to_its_maximum() {
        assert!(fixed_answer(Some(Mode::Control), Mode::View));
        assert!(fixed_answer(Some(Mode::Control), Mode::Control));
        assert!(fixed_answer(Some(Mode::View), Mode::View));
        assert!(!fixed_answer(Some(Mode::View), Mode::Control));
        assert!(!fixed_answer(None, Mode::View));
    }
}
