//! Control messages: JSON text frames, tagged by `type`.
//!
//! Clients send [`ClientMessage`]s; the server answers with
//! [`ServerMessage`]s. Unknown types and fields are refused, so a peer that
//! speaks another dialect is told at once instead of half-working.

use serde::{Deserialize, Serialize};

/// Largest control message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 4000;
/// Longest sealed (end-to-end encrypted) chat message, in base64 characters:
/// room for [`MAX_CHAT_CHARS`] characters of any script, sealed.
pub const MAX_SEALED_CHAT_CHARS: usize = 24_000;
/// Longest end-to-end key-exchange message, in base64 characters.
pub const MAX_E2E_CHARS: usize = 2_048;
/// Longest reason given when leaving, in characters.
pub const MAX_REASON_CHARS: usize = 300;

/// Which end of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The IT helper (provider).
    Helper,
    /// The person being helped (recipient).
    Sharer,
}

impl Side {
    /// The other end.
    pub fn other(self) -> Side {
        match self {
            Side::Helper => Side::Sharer,
            Side::Sharer => Side::Helper,
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Helper => "helper",
            Side::Sharer => "sharer",
        }
    }
}

/// How much the helper may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// See the screen.
    View,
    /// See and control the screen.
    Control,
}

impl Mode {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::View => "view",
            Mode::Control => "control",
        }
    }
}

/// Who or what ended a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The helper left.
    Helper,
    /// The sharer left.
    Sharer,
    /// The server ended it (connection lost past the grace period, shutdown).
    System,
}

impl EndedBy {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Helper => "helper",
            EndedBy::Sharer => "sharer",
            EndedBy::System => "system",
        }
    }
}

impl From<Side> for EndedBy {
    fn from(side: Side) -> Self {
        match side {
            Side::Helper => EndedBy::Helper,
            Side::Sharer => EndedBy::Sharer,
        }
    }
}

/// One chat message in a session's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatMessage {
    /// Position in the thread, from 1; gap-free.
    pub seq: u64,
    /// Who wrote it.
    pub from: Side,
    /// The text (any script), or with `sealed` the base64 of its end-to-end
    /// encryption, which only the two sides can read.
    pub text: String,
    /// When the server received it (ms since the Unix epoch).
    pub at: i64,
    /// Whether `text` is sealed end to end.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
}

/// What both sides are told about the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionState {
    /// The mode in force, once the sharer consented.
    pub mode: Option<Mode>,
    /// A mode the helper asked for that awaits the sharer's answer.
    pub pending: Option<Mode>,
    /// The modes the helper's roles allow for this sharer.
    pub allowed_modes: Vec<Mode>,
    /// Whether chat is available.
    pub chat_enabled: bool,
    /// Whether the helper may draw the laser pointer.
    pub pointer_enabled: bool,
    /// Set once the session is over.
    pub ended: Option<EndedBy>,
}

/// One monitor of the sharer's screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorInfo {
    /// Position in the list; what `select_monitor` names.
    pub index: u32,
    /// The system's name for it (e.g. `HDMI-1`).
    pub name: String,
    /// Left edge on the whole screen.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The primary monitor.
    pub primary: bool,
}

/// Most monitors a sharer may report.
pub const MAX_MONITORS: usize = 16;

/// Messages from a client (helper or sharer) to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message on every connection.
    Hello {
        /// Protocol version the client speaks.
        protocol: u32,
        /// The last chat message this client has (0: none), for resuming.
        #[serde(default)]
        last_chat_seq: u64,
    },
    /// Helper: ask the sharer for a mode (also to move from view to control).
    RequestMode {
        /// The mode wanted.
        mode: Mode,
    },
    /// Sharer: answer the pending request.
    Consent {
        /// The mode being answered.
        mode: Mode,
        /// Allow or decline.
        allow: bool,
    },
    /// Helper: the screen update with this sequence number was drawn; the
    /// sharer may send the next one (one update in flight).
    ScreenAck {
        /// The update's sequence number.
        seq: u32,
    },
    /// Helper: send a full screen next (after a gap or on joining).
    RequestKeyframe {},
    /// Sharer: the monitors there are (sent at the start and whenever they
    /// change: a monitor connected or removed, a new resolution).
    Monitors {
        /// The monitors.
        monitors: Vec<MonitorInfo>,
        /// The one being shared now (`None`: the whole screen). After a change
        /// it says where the helper's choice went: the same monitor under a
        /// new index, or the whole screen when that monitor is gone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected: Option<u32>,
    },
    /// Helper: share this monitor (`None`: the whole screen).
    SelectMonitor {
        /// Index from `monitors`.
        index: Option<u32>,
    },
    /// Either: a chat message.
    Chat {
        /// The text, or with `sealed` the base64 of its end-to-end encryption.
        text: String,
        /// Whether `text` is sealed end to end (the server stores and relays it unread).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        sealed: bool,
    },
    /// Either: an end-to-end key-exchange message for the other side (base64;
    /// the server relays it unread).
    E2e {
        /// The message.
        data: String,
    },
    /// Either: end the session.
    Leave {
        /// Why, when it is not simply the person's choice (e.g. the
        /// sharer's display went away); shown to the other side.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Either: keep-alive.
    Ping {},
}

/// Error codes the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The message could not be understood; the connection will close.
    Protocol,
    /// The sender's role or permissions do not allow this.
    NotAllowed,
    /// Chat is disabled for the organisation.
    ChatDisabled,
    /// Nothing to answer, or the session is in another state.
    WrongState,
    /// The protocol version is not supported; the connection will close.
    Version,
}

/// Messages from the server to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerMessage {
    /// Answer to `hello`: who you are, where the session stands, what you missed.
    Welcome {
        /// Protocol version in use.
        protocol: u32,
        /// Your side.
        role: Side,
        /// The session.
        state: SessionState,
        /// Whether the other side is connected.
        peer_online: bool,
        /// Chat messages after the `last_chat_seq` you sent.
        chat: Vec<ChatMessage>,
    },
    /// The session changed.
    State {
        /// Where it stands now.
        state: SessionState,
    },
    /// To the sharer: the helper asks for this mode.
    ModeRequested {
        /// The mode.
        mode: Mode,
    },
    /// To both: the sharer's answer.
    ConsentResult {
        /// The mode.
        mode: Mode,
        /// Allowed or declined.
        allowed: bool,
    },
    /// To the sharer: the helper drew this screen update.
    ScreenAck {
        /// Its sequence number.
        seq: u32,
    },
    /// To the sharer: the helper needs a full screen.
    KeyframeRequested {},
    /// To the helper: the sharer's monitors, and which one is shared.
    Monitors {
        /// The monitors.
        monitors: Vec<MonitorInfo>,
        /// The one being shared (`None`: the whole screen).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected: Option<u32>,
    },
    /// To the sharer: the helper chose a monitor (`None`: the whole screen).
    MonitorSelected {
        /// Index from `monitors`.
        index: Option<u32>,
    },
    /// To both: a chat message (the sender gets it back with its number).
    Chat {
        /// The message.
        message: ChatMessage,
    },
    /// The other side's end-to-end key-exchange message.
    E2e {
        /// The message (base64).
        data: String,
    },
    /// The other side connected or lost its connection.
    Peer {
        /// Connected now?
        online: bool,
    },
    /// The session is over.
    Ended {
        /// Who ended it.
        by: EndedBy,
        /// Why, in words.
        reason: String,
    },
    /// Something you sent was refused.
    Error {
        /// Machine-readable.
        code: ErrorCode,
        /// For people.
        message: String,
    },
    /// Answer to `ping`.
    Pong,
}

/// Why a control message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("control message of {0} bytes exceeds the limit of {MAX_MESSAGE_BYTES}")]
    TooLarge(usize),
    /// Not JSON, unknown type, missing or unknown fields.
    #[error("malformed control message: {0}")]
    Malformed(String),
    /// A chat message that is empty or too long.
    #[error("a chat message must have 1 to {MAX_CHAT_CHARS} characters")]
    ChatLength,
}

/// Whether `text` uses only base64 characters (standard or URL-safe, padded or not).
fn is_base64(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// Whether `text` is 1 to `max` base64 characters.
fn base64_within(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && is_base64(text)
}

/// Parses a client message, enforcing size and content limits.
pub fn decode_client(text: &str) -> Result<ClientMessage, MessageError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(MessageError::TooLarge(text.len()));
    }
    let message: ClientMessage =
        serde_json::from_str(text).map_err(|e| MessageError::Malformed(e.to_string()))?;
    match &message {
        ClientMessage::Chat {
            text,
            sealed: false,
        } if text.trim().is_empty() || text.chars().count() > MAX_CHAT_CHARS => {
            return Err(MessageError::ChatLength);
        }
        ClientMessage::Chat { text, sealed: true }
            if !base64_within(text, MAX_SEALED_CHAT_CHARS) =>
        {
            return Err(MessageError::Malformed(format!(
                "a sealed chat message is 1 to {MAX_SEALED_CHAT_CHARS} base64 characters"
            )));
        }
        ClientMessage::E2e { data } if !base64_within(data, MAX_E2E_CHARS) => {
            return Err(MessageError::Malformed(format!(
                "a key-exchange message is 1 to {MAX_E2E_CHARS} base64 characters"
            )));
        }
        _ => {}
    }
    if let ClientMessage::Leave {
        reason: Some(reason),
    } = &message
        && reason.chars().count() > MAX_REASON_CHARS
    {
        return Err(MessageError::Malformed(format!(
            "a reason for leaving has at most {MAX_REASON_CHARS} characters"
        )));
    }
    if let ClientMessage::Monitors { monitors, selected } = &message
        && (monitors.len() > MAX_MONITORS
            || selected.is_some_and(|i| i as usize >= monitors.len())
            || monitors.iter().enumerate().any(|(i, m)| {
                m.index as usize != i
                    || m.width == 0
                    || m.height == 0
                    || m.width > 16_384
                    || m.height > 16_384
                    || m.name.len() > 64
            }))
    {
        return Err(MessageError::Malformed("monitor list out of range".into()));
    }
    Ok(message)
}

/// Parses a server message (for clients).
pub fn decode_server(text: &str) -> Result<ServerMessage, MessageError> {
    if text.len() > 16 * MAX_MESSAGE_BYTES {
        return Err(MessageError::TooLarge(text.len()));
    }
    serde_json::from_str(text).map_err(|e| MessageError::Malformed(e.to_string()))
}

/// Serialises any message.
pub fn encode<T: Serialize>(message: &T) -> String {
    // Serialising these types cannot fail: no maps with non-string keys, no floats.
    serde_json::to_string(message).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_tagged_snake_case() {
        assert_eq!(
            encode(&ClientMessage::RequestMode {
                mode: Mode::Control
            }),
            r#"{"type":"request_mode","mode":"control"}"#
        );
        assert_eq!(
            decode_client(r#"{"type":"consent","mode":"view","allow":true}"#),
            Ok(ClientMessage::Consent {
                mode: Mode::View,
                allow: true
            })
        );
        assert_eq!(
            decode_client(r#"{"type":"hello","protocol":1}"#),
            Ok(ClientMessage::Hello {
                protocol: 1,
                last_chat_seq: 0
            })
        );
    }

    #[test]
    fn a_monitor_list_names_a_shared_monitor_it_holds() {
        let list = r#"{"type":"monitors","monitors":[{"index":0,"name":"DP-1","x":0,"y":0,"width":800,"height":600,"primary":true}]"#;
        let parsed = decode_client(&format!("{list}}}")).expect("without a selection");
        assert!(matches!(
            parsed,
            ClientMessage::Monitors { selected: None, .. }
        ));
        assert!(matches!(
            decode_client(&format!(r#"{list},"selected":0}}"#)),
            Ok(ClientMessage::Monitors {
                selected: Some(0),
                ..
            })
        ));
        assert!(matches!(
            decode_client(&format!(r#"{list},"selected":1}}"#)),
            Err(MessageError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_unknown_and_oversized() {
        assert!(matches!(
            decode_client(r#"{"type":"format_disk"}"#),
            Err(MessageError::Malformed(_))
        ));
        assert!(matches!(
            decode_client(r#"{"type":"leave","extra":1}"#),
            Err(MessageError::Malformed(_))
        ));
        assert!(matches!(
            decode_client("not json"),
            Err(MessageError::Malformed(_))
        ));
        let huge = format!(
            r#"{{"type":"chat","text":"{}"}}"#,
            "x".repeat(MAX_MESSAGE_BYTES)
        );
        assert!(matches!(
            decode_client(&huge),
            Err(MessageError::TooLarge(_))
        ));
        assert_eq!(
            decode_client(r#"{"type":"chat","text":"   "}"#),
            Err(MessageError::ChatLength)
        );
        let long = format!(
            r#"{{"type":"chat","text":"{}"}}"#,
            "é".repeat(MAX_CHAT_CHARS + 1)
        );
        assert_eq!(decode_client(&long), Err(MessageError::ChatLength));
    }

    #[test]
    fn any_script_survives_the_round_trip() {
        for text in [
            "مرحبا، كيف يمكنني المساعدة؟",
            "你好，需要帮忙吗？",
            "👩‍💻 ok",
            "שלום",
        ] {
            let message = ClientMessage::Chat {
                text: text.into(),
                sealed: false,
            };
            let encoded = encode(&message);
            assert!(!encoded.contains("sealed"), "plain chat stays as it was");
            assert_eq!(decode_client(&encoded), Ok(message));
        }
    }

    #[test]
    fn sealed_chat_and_key_exchange_are_base64_within_limits() {
        let sealed = decode_client(r#"{"type":"chat","text":"AAEC/+8=","sealed":true}"#);
        assert!(matches!(
            sealed,
            Ok(ClientMessage::Chat { sealed: true, .. })
        ));
        // Sealed text may be longer than plain chat, but not unbounded, and only base64.
        let long = "A".repeat(MAX_CHAT_CHARS * 2);
        let ok = format!(r#"{{"type":"chat","text":"{long}","sealed":true}}"#);
        assert!(decode_client(&ok).is_ok());
        let too_long = "A".repeat(MAX_SEALED_CHAT_CHARS + 1);
        let bad = format!(r#"{{"type":"chat","text":"{too_long}","sealed":true}}"#);
        assert!(decode_client(&bad).is_err());
        assert!(decode_client(r#"{"type":"chat","text":"not base64!","sealed":true}"#).is_err());
        assert!(decode_client(r#"{"type":"e2e","data":"q83v"}"#).is_ok());
        assert!(decode_client(r#"{"type":"e2e","data":""}"#).is_err());
        let huge = format!(
            r#"{{"type":"e2e","data":"{}"}}"#,
            "A".repeat(MAX_E2E_CHARS + 1)
        );
        assert!(decode_client(&huge).is_err());
    }
}
