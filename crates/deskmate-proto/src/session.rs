//! The broker's state machine for one session (SPEC §7 steps 4–9).
//!
//! Fed with connections, messages, data frames and time; answers with
//! [`Action`]s for the shell to carry out (send, store, close). It decides
//! everything a relay must enforce: who may send what and when, consent
//! before any screen or input flows (and again for every change of mode),
//! control only when the roles grant it, chat only when enabled, and how long a lost connection may stay away.

use crate::PROTOCOL_VERSION;
use crate::frame::Channel;
use crate::messages::{
    ChatMessage, ClientMessage, EndedBy, ErrorCode, Mode, ServerMessage, SessionState, Side,
};

/// Default time a side may be disconnected before the session ends.
pub const DEFAULT_GRACE_MS: i64 = 60_000;
/// Most chat messages one session keeps.
pub const MAX_CHAT_MESSAGES: usize = 1000;
/// Most chat one session keeps, in bytes of its JSON form (which also bounds
/// the chat replayed in a welcome).
pub const MAX_CHAT_BYTES: usize = 2 * 1024 * 1024;

/// Most chat carried in a welcome, in bytes of its JSON form; what a
/// reconnecting side missed beyond that follows as `chat` messages, so no
/// message grows past what clients accept (`decode_server`).
pub const MAX_WELCOME_CHAT_BYTES: usize = 8 * crate::messages::MAX_MESSAGE_BYTES;

/// The size a chat message counts for against [`MAX_CHAT_BYTES`].
pub fn chat_size(message: &ChatMessage) -> usize {
    serde_json::to_string(message).map_or(usize::MAX, |json| json.len())
}

/// What the helper may do in this session (from RBAC, fixed at redemption).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grants {
    /// View screen.
    pub view: bool,
    /// Take full control.
    pub control: bool,
    /// Chat (also needs the tenant's chat setting on).
    pub chat: bool,
    /// Laser pointer.
    pub pointer: bool,
}

/// Something that happened, for the shell to store and audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The helper asked for a mode.
    ModeRequested(Mode),
    /// The sharer allowed a mode.
    ConsentGiven(Mode),
    /// The sharer declined a mode.
    ConsentDeclined(Mode),
    /// A chat message to keep with the session.
    Chat(ChatMessage),
    /// The session ended.
    Ended(EndedBy, String),
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this message to that side (if connected).
    Send(Side, ServerMessage),
    /// Store / audit this event (in order).
    Persist(Event),
    /// Close that side's connection.
    Close(Side),
}

/// What to do with a binary data frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Pass it to the other side.
    Forward(Side),
    /// Do not pass it; tell the sender why.
    Refuse(ServerMessage),
}

#[derive(Debug, Clone, Copy, Default)]
struct Presence {
    online: bool,
    /// When the side went away (if it was ever connected and is not now).
    gone_since: Option<i64>,
    ever: bool,
}

/// One session as the broker sees it.
#[derive(Debug, Clone)]
pub struct SessionCore {
    grants: Grants,
    chat_enabled: bool,
    mode: Option<Mode>,
    pending: Option<Mode>,
    ended: Option<EndedBy>,
    chat: Vec<ChatMessage>,
    /// The bytes `chat` counts for (see [`chat_size`]).
    chat_bytes: usize,
    presence: [Presence; 2],
    grace_ms: i64,
    monitors: Vec<crate::messages::MonitorInfo>,
    /// The monitor being shared (`None`: the whole screen).
    selected_monitor: Option<u32>,
}

fn idx(side: Side) -> usize {
    match side {
        Side::Helper => 0,
        Side::Sharer => 1,
    }
}

fn error(code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.to_string(),
    }
}

impl SessionCore {
    /// A session as stored: its grants, the tenant's chat setting, the mode
    /// already consented (after a server restart) and the chat so far.
    pub fn new(
        grants: Grants,
        chat_enabled: bool,
        mode: Option<Mode>,
        chat: Vec<ChatMessage>,
    ) -> Self {
        Self {
            grants,
            chat_enabled,
            mode,
            pending: None,
            ended: None,
            chat_bytes: chat.iter().map(chat_size).fold(0, usize::saturating_add),
            chat,
            presence: [Presence::default(); 2],
            grace_ms: DEFAULT_GRACE_MS,
            monitors: Vec::new(),
            selected_monitor: None,
        }
    }

    /// Changes how long a side may be away.
    pub fn with_grace_ms(mut self, grace_ms: i64) -> Self {
        self.grace_ms = grace_ms;
        self
    }

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        let mut allowed_modes = Vec::new();
        if self.grants.view {
            allowed_modes.push(Mode::View);
        }
        if self.grants.view && self.grants.control {
            allowed_modes.push(Mode::Control);
        }
        SessionState {
            mode: self.mode,
            pending: self.pending,
            allowed_modes,
            chat_enabled: self.chat_enabled && self.grants.chat,
            pointer_enabled: self.grants.pointer,
            ended: self.ended,
        }
    }

    /// Whether the session is over.
    pub fn is_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// Whether a side is connected.
    pub fn is_online(&self, side: Side) -> bool {
        self.presence[idx(side)].online
    }

    /// Whether both sides have connected at least once.
    pub fn joined(&self) -> bool {
        self.presence.iter().all(|p| p.ever)
    }

    /// The server ends the session (a participant's sign-in was revoked,
    /// nobody joined in time): both sides are told why and closed.
    pub fn end_now(&mut self, reason: &str) -> Vec<Action> {
        let mut actions = Vec::new();
        self.end(EndedBy::System, reason, &mut actions);
        actions
    }

    fn broadcast_state(&self, actions: &mut Vec<Action>) {
        for side in [Side::Helper, Side::Sharer] {
            actions.push(Action::Send(
                side,
                ServerMessage::State {
                    state: self.state(),
                },
            ));
        }
    }

    fn end(&mut self, by: EndedBy, reason: &str, actions: &mut Vec<Action>) {
        if self.ended.is_some() {
            return;
        }
        self.ended = Some(by);
        self.pending = None;
        actions.push(Action::Persist(Event::Ended(by, reason.to_string())));
        for side in [Side::Helper, Side::Sharer] {
            actions.push(Action::Send(
                side,
                ServerMessage::Ended {
                    by,
                    reason: reason.to_string(),
                },
            ));
            actions.push(Action::Close(side));
        }
    }

    /// A side connected and said hello. Returns the welcome and the news for
    /// the other side; a wrong protocol version is refused and closed.
    pub fn connect(&mut self, side: Side, protocol: u32, last_chat_seq: u64) -> Vec<Action> {
        let mut actions = Vec::new();
        if protocol != PROTOCOL_VERSION {
            actions.push(Action::Send(
                side,
                error(
                    ErrorCode::Version,
                    &format!("this server speaks protocol {PROTOCOL_VERSION}, not {protocol}; update the client"),
                ),
            ));
            actions.push(Action::Close(side));
            return actions;
        }
        if let Some(by) = self.ended {
            actions.push(Action::Send(
                side,
                ServerMessage::Ended {
                    by,
                    reason: "the session has already ended".into(),
                },
            ));
            actions.push(Action::Close(side));
            return actions;
        }
        let presence = &mut self.presence[idx(side)];
        presence.online = true;
        presence.ever = true;
        presence.gone_since = None;
        let mut missed = self.missed_chat(last_chat_seq);
        let mut budget = MAX_WELCOME_CHAT_BYTES;
        let fits = missed
            .iter()
            .position(|m| match budget.checked_sub(chat_size(m)) {
                Some(left) => {
                    budget = left;
                    false
                }
                None => true,
            })
            .unwrap_or(missed.len());
        let later = missed.split_off(fits);
        actions.push(Action::Send(
            side,
            ServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                role: side,
                state: self.state(),
                peer_online: self.is_online(side.other()),
                chat: missed,
            },
        ));
        for message in later {
            actions.push(Action::Send(side, ServerMessage::Chat { message }));
        }
        if self.is_online(side.other()) {
            actions.push(Action::Send(
                side.other(),
                ServerMessage::Peer { online: true },
            ));
        }
        // A helper who (re)joins learns the sharer's monitors.
        if side == Side::Helper && !self.monitors.is_empty() {
            actions.push(Action::Send(
                Side::Helper,
                ServerMessage::Monitors {
                    monitors: self.monitors.clone(),
                    selected: self.selected_monitor,
                },
            ));
        }
        // A sharer who reconnects while a request is pending sees it again.
        if side == Side::Sharer
            && let Some(mode) = self.pending
        {
            actions.push(Action::Send(
                Side::Sharer,
                ServerMessage::ModeRequested { mode },
            ));
        }
        actions
    }

    /// The chat after `last_chat_seq`, at most [`MAX_CHAT_BYTES`] of it (the
    /// newest messages when a stored thread is larger).
    fn missed_chat(&self, last_chat_seq: u64) -> Vec<ChatMessage> {
        let mut budget = MAX_CHAT_BYTES;
        let mut missed: Vec<ChatMessage> = self
            .chat
            .iter()
            .rev()
            .take_while(|m| m.seq > last_chat_seq)
            .take(MAX_CHAT_MESSAGES)
            .take_while(|m| match budget.checked_sub(chat_size(m)) {
                Some(left) => {
                    budget = left;
                    true
                }
                None => false,
            })
            .cloned()
            .collect();
        missed.reverse();
        missed
    }

    /// A side's connection dropped (not a deliberate leave).
    pub fn disconnect(&mut self, side: Side, now: i64) -> Vec<Action> {
        let mut actions = Vec::new();
        let presence = &mut self.presence[idx(side)];
        if !presence.online {
            return actions;
        }
        presence.online = false;
        presence.gone_since = Some(now);
        if self.ended.is_none() {
            actions.push(Action::Send(
                side.other(),
                ServerMessage::Peer { online: false },
            ));
        }
        actions
    }

    /// Time passes: a side away longer than the grace period ends the session.
    pub fn tick(&mut self, now: i64) -> Vec<Action> {
        let mut actions = Vec::new();
        for side in [Side::Helper, Side::Sharer] {
            if let Some(since) = self.presence[idx(side)].gone_since
                && now - since >= self.grace_ms
            {
                let reason = format!(
                    "the {} lost the connection and did not come back within {} seconds",
                    side.as_str(),
                    self.grace_ms / 1000
                );
                self.end(EndedBy::System, &reason, &mut actions);
            }
        }
        actions
    }

    /// A control message from a side (after hello). `Err` means a protocol
    /// violation: the shell sends the error and closes that connection.
    pub fn receive(
        &mut self,
        side: Side,
        message: ClientMessage,
        now: i64,
    ) -> Result<Vec<Action>, ServerMessage> {
        let mut actions = Vec::new();
        if matches!(message, ClientMessage::Hello { .. }) {
            return Err(error(
                ErrorCode::Protocol,
                "hello may only be sent once, first",
            ));
        }
        if matches!(message, ClientMessage::Ping {}) {
            actions.push(Action::Send(side, ServerMessage::Pong));
            return Ok(actions);
        }
        if self.ended.is_some() {
            actions.push(Action::Send(
                side,
                error(ErrorCode::WrongState, "the session has ended"),
            ));
            return Ok(actions);
        }
        match (side, message) {
            (Side::Helper, ClientMessage::RequestMode { mode }) => {
                let allowed = match mode {
                    Mode::View => self.grants.view,
                    Mode::Control => self.grants.view && self.grants.control,
                };
                if !allowed {
                    actions.push(Action::Send(
                        side,
                        error(
                            ErrorCode::NotAllowed,
                            &format!("your roles do not allow {} for this person", mode.as_str()),
                        ),
                    ));
                } else if self.mode == Some(mode)
                    || (self.mode == Some(Mode::Control) && mode == Mode::View)
                {
                    actions.push(Action::Send(
                        side,
                        error(
                            ErrorCode::WrongState,
                            &format!(
                                "the session is already in {} mode",
                                self.mode.map(Mode::as_str).unwrap_or("")
                            ),
                        ),
                    ));
                } else {
                    self.pending = Some(mode);
                    actions.push(Action::Persist(Event::ModeRequested(mode)));
                    actions.push(Action::Send(
                        Side::Sharer,
                        ServerMessage::ModeRequested { mode },
                    ));
                    self.broadcast_state(&mut actions);
                }
            }
            (Side::Sharer, ClientMessage::Consent { mode, allow }) => {
                if self.pending != Some(mode) {
                    actions.push(Action::Send(
                        side,
                        error(ErrorCode::WrongState, "there is no such request to answer"),
                    ));
                } else {
                    self.pending = None;
                    if allow {
                        self.mode = Some(mode);
                        actions.push(Action::Persist(Event::ConsentGiven(mode)));
                    } else {
                        actions.push(Action::Persist(Event::ConsentDeclined(mode)));
                    }
                    for to in [Side::Helper, Side::Sharer] {
                        actions.push(Action::Send(
                            to,
                            ServerMessage::ConsentResult {
                                mode,
                                allowed: allow,
                            },
                        ));
                    }
                    self.broadcast_state(&mut actions);
                }
            }
            (_, ClientMessage::E2e { data }) => {
                // Relayed unread; the two sides authenticate it themselves.
                if self.is_online(side.other()) {
                    actions.push(Action::Send(side.other(), ServerMessage::E2e { data }));
                }
            }
            (_, ClientMessage::Chat { text, sealed }) => {
                if !self.state().chat_enabled {
                    actions.push(Action::Send(
                        side,
                        error(
                            ErrorCode::ChatDisabled,
                            "chat is turned off for this session",
                        ),
                    ));
                } else {
                    let seq = self.chat.last().map_or(1, |m| m.seq + 1);
                    let message = ChatMessage {
                        seq,
                        from: side,
                        text,
                        at: now,
                        sealed,
                    };
                    let size = chat_size(&message);
                    if self.chat.len() >= MAX_CHAT_MESSAGES
                        || self.chat_bytes.saturating_add(size) > MAX_CHAT_BYTES
                    {
                        actions.push(Action::Send(
                            side,
                            error(
                                ErrorCode::NotAllowed,
                                &format!(
                                    "this session's chat is full ({MAX_CHAT_MESSAGES} messages or {} MB at most); the message was not sent",
                                    MAX_CHAT_BYTES / (1024 * 1024)
                                ),
                            ),
                        ));
                        return Ok(actions);
                    }
                    self.chat_bytes += size;
                    self.chat.push(message.clone());
                    actions.push(Action::Persist(Event::Chat(message.clone())));
                    for to in [Side::Helper, Side::Sharer] {
                        actions.push(Action::Send(
                            to,
                            ServerMessage::Chat {
                                message: message.clone(),
                            },
                        ));
                    }
                }
            }
            (Side::Helper, ClientMessage::ScreenAck { seq }) => {
                if self.mode.is_some() {
                    actions.push(Action::Send(Side::Sharer, ServerMessage::ScreenAck { seq }));
                }
            }
            (Side::Helper, ClientMessage::RequestKeyframe {}) => {
                if self.mode.is_some() {
                    actions.push(Action::Send(
                        Side::Sharer,
                        ServerMessage::KeyframeRequested {},
                    ));
                }
            }
            (Side::Sharer, ClientMessage::Monitors { monitors, selected }) => {
                self.monitors = monitors.clone();
                self.selected_monitor = selected;
                actions.push(Action::Send(
                    Side::Helper,
                    ServerMessage::Monitors { monitors, selected },
                ));
            }
            (Side::Helper, ClientMessage::SelectMonitor { index }) => {
                if index.is_some_and(|i| i as usize >= self.monitors.len()) {
                    actions.push(Action::Send(
                        side,
                        error(ErrorCode::WrongState, "there is no such monitor"),
                    ));
                } else {
                    self.selected_monitor = index;
                    actions.push(Action::Send(
                        Side::Sharer,
                        ServerMessage::MonitorSelected { index },
                    ));
                }
            }
            (Side::Helper, ClientMessage::Monitors { .. })
            | (Side::Sharer, ClientMessage::SelectMonitor { .. }) => {
                return Err(error(
                    ErrorCode::Protocol,
                    "only the sharer reports monitors and only the helper picks one",
                ));
            }
            (Side::Sharer, ClientMessage::ScreenAck { .. } | ClientMessage::RequestKeyframe {}) => {
                return Err(error(
                    ErrorCode::Protocol,
                    "only the helper acknowledges screen updates",
                ));
            }
            (_, ClientMessage::Leave { reason }) => {
                let reason = match reason {
                    Some(why) => format!("the {} left: {}", side.as_str(), why.trim()),
                    None => format!("the {} left", side.as_str()),
                };
                self.end(EndedBy::from(side), &reason, &mut actions);
            }
            (Side::Sharer, ClientMessage::RequestMode { .. }) => {
                return Err(error(
                    ErrorCode::Protocol,
                    "only the helper asks for a mode",
                ));
            }
            (Side::Helper, ClientMessage::Consent { .. }) => {
                return Err(error(ErrorCode::Protocol, "only the sharer gives consent"));
            }
            (_, ClientMessage::Hello { .. } | ClientMessage::Ping {}) => {}
        }
        Ok(actions)
    }

    /// A binary data frame from a side. `Err` means a protocol violation.
    pub fn data(&self, side: Side, channel: Channel) -> Result<Verdict, ServerMessage> {
        let refuse = |code, text: &str| Ok(Verdict::Refuse(error(code, text)));
        if self.ended.is_some() {
            return refuse(ErrorCode::WrongState, "the session has ended");
        }
        match (side, channel) {
            (Side::Sharer, Channel::Screen) => match self.mode {
                Some(_) => Ok(Verdict::Forward(Side::Helper)),
                None => refuse(
                    ErrorCode::WrongState,
                    "no screen may be shared before consent",
                ),
            },
            (Side::Helper, Channel::Input) => match self.mode {
                Some(Mode::Control) => Ok(Verdict::Forward(Side::Sharer)),
                _ => refuse(ErrorCode::NotAllowed, "input needs a full-control session"),
            },
            (Side::Helper, Channel::Pointer) => {
                if self.mode.is_some() && self.grants.pointer {
                    Ok(Verdict::Forward(Side::Sharer))
                } else {
                    refuse(
                        ErrorCode::NotAllowed,
                        "the laser pointer needs a running session and the Laser pointer permission",
                    )
                }
            }
            (Side::Sharer, Channel::Cursor) => match self.mode {
                Some(_) => Ok(Verdict::Forward(Side::Helper)),
                None => refuse(
                    ErrorCode::WrongState,
                    "no cursor may be shared before consent",
                ),
            },
            (Side::Helper, Channel::Screen | Channel::Cursor) => Err(error(
                ErrorCode::Protocol,
                "only the sharer sends the screen and cursor",
            )),
            (Side::Sharer, Channel::Input | Channel::Pointer) => Err(error(
                ErrorCode::Protocol,
                "only the helper sends input and pointer frames",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Grants = Grants {
        view: true,
        control: true,
        chat: true,
        pointer: true,
    };

    fn sent_to(actions: &[Action], side: Side) -> Vec<ServerMessage> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(s, m) if *s == side => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn connected(grants: Grants, chat: bool) -> SessionCore {
        let mut core = SessionCore::new(grants, chat, None, Vec::new());
        core.connect(Side::Helper, PROTOCOL_VERSION, 0);
        core.connect(Side::Sharer, PROTOCOL_VERSION, 0);
        core
    }

    fn ok(r: Result<Vec<Action>, ServerMessage>) -> Vec<Action> {
        r.expect("not a protocol violation")
    }

    #[test]
    fn nothing_flows_before_consent_and_control_needs_a_second_consent() {
        let mut core = connected(ALL, true);
        assert!(matches!(
            core.data(Side::Sharer, Channel::Screen),
            Ok(Verdict::Refuse(_))
        ));
        let a = ok(core.receive(
            Side::Helper,
            ClientMessage::RequestMode { mode: Mode::View },
            1,
        ));
        assert!(
            sent_to(&a, Side::Sharer).contains(&ServerMessage::ModeRequested { mode: Mode::View })
        );
        assert!(a.contains(&Action::Persist(Event::ModeRequested(Mode::View))));
        let a = ok(core.receive(
            Side::Sharer,
            ClientMessage::Consent {
                mode: Mode::View,
                allow: true,
            },
            2,
        ));
        assert!(
            sent_to(&a, Side::Helper).contains(&ServerMessage::ConsentResult {
                mode: Mode::View,
                allowed: true
            })
        );
        assert_eq!(
            core.data(Side::Sharer, Channel::Screen),
            Ok(Verdict::Forward(Side::Helper))
        );
        assert!(
            matches!(
                core.data(Side::Helper, Channel::Input),
                Ok(Verdict::Refuse(_))
            ),
            "no input in view mode"
        );
        assert_eq!(
            core.data(Side::Helper, Channel::Pointer),
            Ok(Verdict::Forward(Side::Sharer)),
            "pointer in view mode"
        );

        ok(core.receive(
            Side::Helper,
            ClientMessage::RequestMode {
                mode: Mode::Control,
            },
            3,
        ));
        assert!(
            matches!(
                core.data(Side::Helper, Channel::Input),
                Ok(Verdict::Refuse(_))
            ),
            "still view until consent"
        );
        let a = ok(core.receive(
            Side::Sharer,
            ClientMessage::Consent {
                mode: Mode::Control,
                allow: false,
            },
            4,
        ));
        assert!(a.contains(&Action::Persist(Event::ConsentDeclined(Mode::Control))));
        assert_eq!(
            core.state().mode,
            Some(Mode::View),
            "a declined upgrade keeps view"
        );
        ok(core.receive(
            Side::Helper,
            ClientMessage::RequestMode {
                mode: Mode::Control,
            },
            5,
        ));
        ok(core.receive(
            Side::Sharer,
            ClientMessage::Consent {
                mode: Mode::Control,
                allow: true,
            },
            6,
        ));
        assert_eq!(
            core.data(Side::Helper, Channel::Input),
            Ok(Verdict::Forward(Side::Sharer))
        );
    }

    #[test]
    fn roles_limit_what_can_be_asked() {
        let mut core = connected(
            Grants {
                view: true,
                control: false,
                chat: false,
                pointer: false,
            },
            true,
        );
        let a = ok(core.receive(
            Side::Helper,
            ClientMessage::RequestMode {
                mode: Mode::Control,
            },
            1,
        ));
        assert!(matches!(
            sent_to(&a, Side::Helper)[0],
            ServerMessage::Error {
                code: ErrorCode::NotAllowed,
                ..
            }
        ));
        assert_eq!(core.state().allowed_modes, vec![Mode::View]);
        let a = ok(core.receive(
            Side::Helper,
            ClientMessage::Chat {
                text: "hi".into(),
                sealed: false,
            },
            1,
        ));
        assert!(matches!(
            sent_to(&a, Side::Helper)[0],
            ServerMessage::Error {
                code: ErrorCode::ChatDisabled,
                ..
            }
        ));
        assert!(
            sent_to(&a, Side::Sharer).is_empty(),
            "refused chat reaches nobody"
        );
    }

    #[test]
    fn wrong_side_messages_are_protocol_violations() {
        let mut core = connected(ALL, true);
        assert!(
            core.receive(
                Side::Sharer,
                ClientMessage::RequestMode { mode: Mode::View },
                1
            )
            .is_err()
        );
        assert!(
            core.receive(
                Side::Helper,
                ClientMessage::Consent {
                    mode: Mode::View,
                    allow: true
                },
                1
            )
            .is_err()
        );
        assert!(
            core.receive(
                Side::Helper,
                ClientMessage::Hello {
                    protocol: 1,
                    last_chat_seq: 0
                },
                1
            )
            .is_err()
        );
        assert!(core.data(Side::Helper, Channel::Screen).is_err());
        assert!(core.data(Side::Sharer, Channel::Input).is_err());
        let a = ok(core.receive(
            Side::Sharer,
            ClientMessage::Consent {
                mode: Mode::View,
                allow: true,
            },
            1,
        ));
        assert!(matches!(
            sent_to(&a, Side::Sharer)[0],
            ServerMessage::Error {
                code: ErrorCode::WrongState,
                ..
            }
        ));
    }

    #[test]
    fn chat_is_numbered_and_resumed_after_reconnect() {
        let mut core = connected(ALL, true);
        for (side, text) in [
            (Side::Helper, "مرحبا"),
            (Side::Sharer, "你好"),
            (Side::Helper, "ok"),
        ] {
            ok(core.receive(
                side,
                ClientMessage::Chat {
                    text: text.into(),
                    sealed: false,
                },
                10,
            ));
        }
        core.disconnect(Side::Sharer, 20);
        let a = core.connect(Side::Sharer, PROTOCOL_VERSION, 1);
        match &sent_to(&a, Side::Sharer)[0] {
            ServerMessage::Welcome {
                chat, peer_online, ..
            } => {
                assert_eq!(chat.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 3]);
                assert_eq!(chat[0].text, "你好");
                assert!(peer_online);
            }
            other => panic!("expected welcome, got {other:?}"),
        }
        assert!(sent_to(&a, Side::Helper).contains(&ServerMessage::Peer { online: true }));
    }

    #[test]
    fn chat_stops_at_the_session_bound_and_the_welcome_stays_within_it() {
        let mut core = connected(ALL, true);
        let big = "A".repeat(crate::messages::MAX_SEALED_CHAT_CHARS);
        let mut accepted = 0u64;
        let mut refused = 0;
        for i in 0..200 {
            let a = ok(core.receive(
                Side::Sharer,
                ClientMessage::Chat {
                    text: big.clone(),
                    sealed: true,
                },
                i,
            ));
            if a.iter()
                .any(|x| matches!(x, Action::Persist(Event::Chat(_))))
            {
                accepted += 1;
            } else {
                refused += 1;
                assert!(matches!(
                    sent_to(&a, Side::Sharer).as_slice(),
                    [ServerMessage::Error {
                        code: ErrorCode::NotAllowed,
                        ..
                    }]
                ));
                assert!(sent_to(&a, Side::Helper).is_empty(), "nothing relayed");
            }
        }
        assert!(accepted > 0 && refused > 0, "{accepted} accepted");
        assert!(accepted as usize * big.len() <= MAX_CHAT_BYTES);
        core.disconnect(Side::Helper, 300);
        let a = core.connect(Side::Helper, PROTOCOL_VERSION, 0);
        let to_helper = sent_to(&a, Side::Helper);
        let mut replayed = Vec::new();
        for message in &to_helper {
            let json = crate::messages::encode(message);
            assert!(
                crate::messages::decode_server(&json).is_ok(),
                "{} bytes",
                json.len()
            );
            match message {
                ServerMessage::Welcome { chat, .. } => replayed.extend(chat.iter().map(|m| m.seq)),
                ServerMessage::Chat { message } => replayed.push(message.seq),
                _ => {}
            }
        }
        assert_eq!(
            replayed,
            (1..=accepted).collect::<Vec<u64>>(),
            "all, in order"
        );

        // Count bound, and a stored thread larger than the bound is replayed in part.
        let many: Vec<ChatMessage> = (1..=MAX_CHAT_MESSAGES as u64 + 5)
            .map(|seq| ChatMessage {
                seq,
                from: Side::Helper,
                text: "hi".into(),
                at: 0,
                sealed: false,
            })
            .collect();
        let mut core = SessionCore::new(ALL, true, None, many);
        let a = core.connect(Side::Sharer, PROTOCOL_VERSION, 0);
        match &sent_to(&a, Side::Sharer)[0] {
            ServerMessage::Welcome { chat, .. } => {
                assert_eq!(chat.len(), MAX_CHAT_MESSAGES);
                assert_eq!(
                    chat.last().map(|m| m.seq),
                    Some(MAX_CHAT_MESSAGES as u64 + 5)
                );
            }
            other => panic!("expected welcome, got {other:?}"),
        }
        let a = ok(core.receive(
            Side::Sharer,
            ClientMessage::Chat {
                text: "one more".into(),
                sealed: false,
            },
            1,
        ));
        assert!(!a.iter().any(|x| matches!(x, Action::Persist(_))));
    }

    #[test]
    fn the_server_can_end_a_session_and_knows_who_joined() {
        let mut core = SessionCore::new(ALL, true, None, Vec::new());
        core.connect(Side::Helper, PROTOCOL_VERSION, 0);
        assert!(!core.joined());
        let a = core.end_now("nobody joined");
        assert!(a.contains(&Action::Persist(Event::Ended(
            EndedBy::System,
            "nobody joined".into()
        ))));
        assert!(a.contains(&Action::Close(Side::Helper)));
        assert!(core.end_now("again").is_empty(), "ends once");
        assert!(connected(ALL, true).joined());
    }

    #[test]
    fn lost_connections_end_only_after_the_grace_period() {
        let mut core = connected(ALL, true).with_grace_ms(1_000);
        let a = core.disconnect(Side::Sharer, 100);
        assert_eq!(
            sent_to(&a, Side::Helper),
            vec![ServerMessage::Peer { online: false }]
        );
        assert!(core.tick(1_099).is_empty());
        core.connect(Side::Sharer, PROTOCOL_VERSION, 0);
        assert!(core.tick(5_000).is_empty(), "came back in time");
        core.disconnect(Side::Helper, 6_000);
        let a = core.tick(7_000);
        assert!(matches!(
            a[0],
            Action::Persist(Event::Ended(EndedBy::System, _))
        ));
        assert!(core.is_ended());
        assert!(core.tick(9_000).is_empty(), "ends once");
    }

    #[test]
    fn a_reason_for_leaving_reaches_the_other_side() {
        let mut core = connected(ALL, true);
        let why = Some("the screen can no longer be shared (display lost)".to_string());
        let a = ok(core.receive(Side::Sharer, ClientMessage::Leave { reason: why }, 5));
        assert!(a.contains(&Action::Persist(Event::Ended(
            EndedBy::Sharer,
            "the sharer left: the screen can no longer be shared (display lost)".into()
        ))));
        let long = format!(r#"{{"type":"leave","reason":"{}"}}"#, "x".repeat(301));
        assert!(crate::messages::decode_client(&long).is_err());
    }

    #[test]
    fn leaving_ends_for_both_and_says_who() {
        let mut core = connected(ALL, true);
        let a = ok(core.receive(Side::Sharer, ClientMessage::Leave { reason: None }, 5));
        assert!(a.contains(&Action::Persist(Event::Ended(
            EndedBy::Sharer,
            "the sharer left".into()
        ))));
        assert!(
            a.contains(&Action::Close(Side::Helper)) && a.contains(&Action::Close(Side::Sharer))
        );
        assert!(matches!(
            sent_to(&a, Side::Helper)[0],
            ServerMessage::Ended {
                by: EndedBy::Sharer,
                ..
            }
        ));
        let again = core.connect(Side::Helper, PROTOCOL_VERSION, 0);
        assert!(
            again.contains(&Action::Close(Side::Helper)),
            "no rejoining an ended session"
        );
    }

    #[test]
    fn other_protocol_versions_are_refused() {
        let mut core = SessionCore::new(ALL, true, None, Vec::new());
        let a = core.connect(Side::Helper, 99, 0);
        assert!(matches!(
            sent_to(&a, Side::Helper)[0],
            ServerMessage::Error {
                code: ErrorCode::Version,
                ..
            }
        ));
        assert!(!core.is_online(Side::Helper));
    }

    #[test]
    fn the_shared_monitor_follows_the_helpers_choice_and_the_sharers_changes() {
        let monitor = |index: u32, name: &str, x: i32| crate::messages::MonitorInfo {
            index,
            name: name.into(),
            x,
            y: 0,
            width: 800,
            height: 600,
            primary: index == 0,
        };
        let mut core = connected(ALL, true);
        let two = vec![monitor(0, "DP-1", 0), monitor(1, "HDMI-1", 800)];
        let a = ok(core.receive(
            Side::Sharer,
            ClientMessage::Monitors {
                monitors: two.clone(),
                selected: None,
            },
            1,
        ));
        assert_eq!(
            sent_to(&a, Side::Helper),
            vec![ServerMessage::Monitors {
                monitors: two.clone(),
                selected: None
            }]
        );
        ok(core.receive(
            Side::Helper,
            ClientMessage::SelectMonitor { index: Some(1) },
            2,
        ));
        // A helper who comes back sees which monitor is shared.
        core.disconnect(Side::Helper, 3);
        let a = core.connect(Side::Helper, PROTOCOL_VERSION, 0);
        assert!(
            sent_to(&a, Side::Helper).contains(&ServerMessage::Monitors {
                monitors: two,
                selected: Some(1)
            })
        );
        // HDMI-1 is unplugged: the sharer reports the whole screen shared.
        let one = vec![monitor(0, "DP-1", 0)];
        ok(core.receive(
            Side::Sharer,
            ClientMessage::Monitors {
                monitors: one.clone(),
                selected: None,
            },
            4,
        ));
        let a = core.connect(Side::Helper, PROTOCOL_VERSION, 0);
        assert!(
            sent_to(&a, Side::Helper).contains(&ServerMessage::Monitors {
                monitors: one,
                selected: None
            })
        );
        // The old index is refused now, not forwarded.
        let a = ok(core.receive(
            Side::Helper,
            ClientMessage::SelectMonitor { index: Some(1) },
            5,
        ));
        assert!(sent_to(&a, Side::Sharer).is_empty());
        assert!(matches!(
            sent_to(&a, Side::Helper).as_slice(),
            [ServerMessage::Error {
                code: ErrorCode::WrongState,
                ..
            }]
        ));
    }
}
