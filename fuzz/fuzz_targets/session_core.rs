//! Fuzzes the broker's state machine `deskmate_proto::session::SessionCore`.
//!
//! The input is a script of operations on either side: connect (hello with
//! a chosen protocol and chat position), disconnect, control messages (built
//! directly, or decoded from JSON text with `decode_client`), binary data
//! frames (decoded with `frame::decode`) and ticks with a clock that only
//! moves forward. It must never panic, and it checks these invariants:
//! - once `is_ended()` is true it stays true, and the end is persisted once
//!   (in the same step that ends the session);
//! - after the end nothing is forwarded or persisted except the end itself;
//! - the mode in force is always the last one the sharer consented to;
//! - screen and pointer frames flow only with a consented mode, input only
//!   in control mode, and always to the other side;
//! - chat messages are numbered 1, 2, 3, … without gaps.
#![no_main]

use deskmate_proto::PROTOCOL_VERSION;
use deskmate_proto::frame::{self, Channel};
use deskmate_proto::messages::{self, ClientMessage, Mode, Side};
use deskmate_proto::session::{Action, Event, Grants, SessionCore, Verdict};
use libfuzzer_sys::fuzz_target;

/// Reads the fuzz input as a stream; past the end everything is zero.
struct Script<'a>(&'a [u8]);

impl<'a> Script<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn u8(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// A length byte, then that many bytes (fewer at the end of the input).
    fn bytes(&mut self) -> &'a [u8] {
        let len = usize::from(self.u8()).min(self.0.len());
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        taken
    }
}

const CHAT: [&str; 6] = ["hi", "مرحبا", "你好", "👩‍💻 ok", " x ", "שלום"];

fn mode(bit: u8) -> Mode {
    if bit & 1 == 0 { Mode::View } else { Mode::Control }
}

/// What the harness remembers between steps, to check the invariants.
struct Model {
    ended: bool,
    ends_persisted: u32,
    consented: Option<Mode>,
    last_chat_seq: u64,
}

impl Model {
    /// Checks one step's actions and the state after it.
    fn check(&mut self, core: &SessionCore, actions: &[Action]) {
        for action in actions {
            match action {
                Action::Persist(Event::Ended(..)) => {
                    self.ends_persisted += 1;
                    assert_eq!(self.ends_persisted, 1, "the end was persisted twice");
                }
                Action::Persist(event) => {
                    assert!(!self.ended, "persisted {event:?} after the end");
                    match event {
                        Event::ConsentGiven(mode) => self.consented = Some(*mode),
                        Event::Chat(m) => {
                            assert_eq!(m.seq, self.last_chat_seq + 1, "chat numbering gap");
                            self.last_chat_seq = m.seq;
                        }
                        Event::ModeRequested(_) | Event::ConsentDeclined(_) | Event::Ended(..) => {}
                    }
                }
                Action::Send(..) | Action::Close(_) => {}
            }
        }
        let state = core.state();
        if self.ended {
            assert!(core.is_ended(), "an ended session came back to life");
        }
        self.ended = core.is_ended();
        assert_eq!(state.ended.is_some(), self.ended);
        assert_eq!(
            self.ends_persisted,
            u32::from(self.ended),
            "ending and persisting the end disagree"
        );
        if self.ended {
            assert_eq!(state.pending, None, "a request is pending after the end");
        }
        assert_eq!(state.mode, self.consented, "mode changed without consent");
    }

    /// Checks what the core decided about a data frame.
    fn check_data(&self, core: &SessionCore, side: Side, channel: Channel, verdict: &Verdict) {
        let Verdict::Forward(to) = verdict else {
            return;
        };
        assert!(!self.ended, "{channel:?} forwarded after the end");
        assert_eq!(*to, side.other(), "forwarded to the sender");
        let mode = core.state().mode;
        match channel {
            Channel::Screen => assert!(mode.is_some(), "screen forwarded before consent"),
            Channel::Cursor => assert!(mode.is_some(), "cursor forwarded before consent"),
            Channel::Input => assert_eq!(mode, Some(Mode::Control), "input without control"),
            Channel::Pointer => assert!(mode.is_some(), "pointer forwarded before consent"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let grants = Grants {
        view: true,
        control: true,
        chat: true,
        pointer: true,
    };
    let mut core = SessionCore::new(grants, true, None, Vec::new());
    let mut model = Model {
        ended: false,
        ends_persisted: 0,
        consented: None,
        last_chat_seq: 0,
    };
    let mut script = Script(data);
    let mut now: i64 = 1_700_000_000_000;

    while let Some(op) = script.byte() {
        let side = if op & 0x80 == 0 { Side::Helper } else { Side::Sharer };
        // A control message, if this step sends one.
        let message = match op & 0x07 {
            0 => {
                let p = script.u8();
                let protocol = if p < 0xf0 { PROTOCOL_VERSION } else { (u32::from(p) << 24) | u32::from(p) };
                let last = match script.u8() {
                    0xff => u64::MAX,
                    n => u64::from(n),
                };
                let actions = core.connect(side, protocol, last);
                model.check(&core, &actions);
                None
            }
            1 => {
                let actions = core.disconnect(side, now);
                model.check(&core, &actions);
                None
            }
            2 => {
                // Bits 0-2: which message; bits 3-7: its arguments.
                let arg = script.u8();
                Some(match (arg & 0x07) % 6 {
                    0 => ClientMessage::Hello {
                        protocol: PROTOCOL_VERSION,
                        last_chat_seq: u64::from(arg >> 3),
                    },
                    1 => ClientMessage::RequestMode { mode: mode(arg >> 3) },
                    2 => ClientMessage::Consent {
                        mode: mode(arg >> 3),
                        allow: arg & 0x10 != 0,
                    },
                    3 => ClientMessage::Chat {
                        text: CHAT[usize::from(arg >> 5) % CHAT.len()].to_string(),
                        sealed: false,
                    },
                    4 => ClientMessage::Leave { reason: None },
                    _ => ClientMessage::Ping {},
                })
            }
            3 => {
                // JSON text, as it arrives on the wire.
                let bytes = script.bytes();
                match std::str::from_utf8(bytes).map(messages::decode_client) {
                    // The first message on a connection: the shell connects.
                    Ok(Ok(ClientMessage::Hello {
                        protocol,
                        last_chat_seq,
                    })) if !core.is_online(side) => {
                        let actions = core.connect(side, protocol, last_chat_seq);
                        model.check(&core, &actions);
                        None
                    }
                    Ok(Ok(message)) => Some(message),
                    _ => None,
                }
            }
            4 => {
                let bytes = script.bytes();
                if let Ok((channel, _payload)) = frame::decode(bytes) {
                    if let Ok(verdict) = core.data(side, channel) {
                        model.check_data(&core, side, channel, &verdict);
                    }
                }
                None
            }
            5 => {
                // Cheap data frames: the channel from the op byte.
                let channel = [Channel::Screen, Channel::Input, Channel::Pointer]
                    [usize::from((op >> 3) & 0x0f) % 3];
                if let Ok(verdict) = core.data(side, channel) {
                    model.check_data(&core, side, channel, &verdict);
                }
                None
            }
            _ => {
                // Time passes (up to about 4.4 minutes per step), then a tick.
                now += i64::from(script.u16()) * 4;
                let actions = core.tick(now);
                model.check(&core, &actions);
                None
            }
        };
        if let Some(message) = message {
            match core.receive(side, message, now) {
                Ok(actions) => model.check(&core, &actions),
                Err(_) => {
                    // A protocol violation: the shell closes that connection.
                    model.check(&core, &[]);
                    let actions = core.disconnect(side, now);
                    model.check(&core, &actions);
                }
            }
        }
    }
});
