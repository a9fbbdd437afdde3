//! What the sharer page shows, kept by the agent so a page that (re)connects
//! gets the whole picture at once, and each change as one message.

use crate::share::ui::UiEvent;
use deskmate_proto::messages::{ChatMessage, Mode};
use serde_json::{Value, json};

/// Where the sharer is in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Asking for the code.
    EnterCode,
    /// Checking the code with the server.
    Redeeming,
    /// Paired; waiting for the helper's request.
    Waiting,
    /// Sharing.
    Active,
    /// Over.
    Ended,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::EnterCode => "enter_code",
            Stage::Redeeming => "redeeming",
            Stage::Waiting => "waiting",
            Stage::Active => "active",
            Stage::Ended => "ended",
        }
    }
}

/// The page's whole state.
pub(crate) struct Picture {
    me: Value,
    stage: Stage,
    code_error: Option<String>,
    helper: Option<Value>,
    mode: Option<Mode>,
    chat_enabled: bool,
    peer_online: bool,
    chat: Vec<ChatMessage>,
    pending: Option<Mode>,
    ended: Option<(String, String)>,
    verification: Option<String>,
    /// What the helper sees (the `shown` message).
    shown: Option<Value>,
}

/// Only what the page shows of a profile.
fn profile(user: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "first_name",
        "last_name",
        "email",
        "job_title",
        "company_name",
        "verified_domain",
        "picture_url",
    ] {
        if let Some(v) = user.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

impl Picture {
    pub(crate) fn new(me: &Value) -> Self {
        let user = me.get("user").unwrap_or(me);
        Self {
            me: profile(user),
            stage: Stage::EnterCode,
            code_error: None,
            helper: None,
            mode: None,
            chat_enabled: false,
            peer_online: false,
            chat: Vec::new(),
            pending: None,
            ended: None,
            verification: None,
            shown: None,
        }
    }

    fn stage_message(&self) -> Value {
        json!({"type": "stage", "stage": self.stage.as_str()})
    }

    fn state_message(&self) -> Value {
        json!({
            "type": "state",
            "mode": self.mode.map(Mode::as_str),
            "chat_enabled": self.chat_enabled,
            "peer_online": self.peer_online,
        })
    }

    /// Moves to `stage` (a message only if it changed).
    pub(crate) fn set_stage(&mut self, stage: Stage) -> Vec<Value> {
        if self.stage == stage {
            return Vec::new();
        }
        self.stage = stage;
        vec![self.stage_message()]
    }

    pub(crate) fn code_refused(&mut self, message: &str) -> Vec<Value> {
        self.code_error = Some(message.to_string());
        let mut out = self.set_stage(Stage::EnterCode);
        out.push(json!({"type": "code_refused", "message": message}));
        out
    }

    pub(crate) fn paired(&mut self, helper: &Value) -> Vec<Value> {
        self.code_error = None;
        let helper = profile(helper);
        self.helper = Some(helper.clone());
        let mut out = vec![json!({"type": "paired", "helper": helper})];
        out.extend(self.set_stage(Stage::Waiting));
        out
    }

    /// Forgets the last session (the long-running agent waits for the next code).
    pub(crate) fn ready_again(&mut self) -> Vec<Value> {
        let me = std::mem::take(&mut self.me);
        *self = Self {
            me,
            ..Self::new(&Value::Null)
        };
        vec![json!({"type": "reset"}), self.stage_message()]
    }

    pub(crate) fn answered(&mut self) -> Vec<Value> {
        self.pending = None;
        Vec::new()
    }

    pub(crate) fn ended(&mut self, by: &str, reason: &str) -> Vec<Value> {
        self.pending = None;
        self.ended = Some((by.into(), reason.into()));
        let mut out = self.set_stage(Stage::Ended);
        out.push(json!({"type": "ended", "by": by, "reason": reason}));
        out
    }

    /// Takes in what the session driver reports.
    pub(crate) fn apply(&mut self, event: &UiEvent) -> Vec<Value> {
        match event {
            UiEvent::ConsentRequested(mode) => {
                self.pending = Some(*mode);
                vec![json!({"type": "consent_requested", "mode": mode.as_str()})]
            }
            UiEvent::State {
                mode,
                chat_enabled,
                peer_online,
            } => {
                self.mode = *mode;
                self.chat_enabled = *chat_enabled;
                self.peer_online = *peer_online;
                let mut out = vec![self.state_message()];
                if mode.is_some() && self.stage != Stage::Ended {
                    out.extend(self.set_stage(Stage::Active));
                }
                out
            }
            UiEvent::Chat(message) => {
                if self.chat.iter().any(|m| m.seq == message.seq) {
                    return Vec::new();
                }
                self.chat.push(message.clone());
                vec![json!({"type": "chat", "message": message})]
            }
            UiEvent::Refused(message) => vec![json!({"type": "error", "message": message})],
            UiEvent::Verified(code) => {
                self.verification = Some(code.clone());
                vec![json!({"type": "verification", "code": code})]
            }
            UiEvent::Shown {
                monitor,
                width,
                height,
            } => {
                let message =
                    json!({"type": "shown", "monitor": monitor, "width": width, "height": height});
                self.shown = Some(message.clone());
                vec![message]
            }
        }
    }

    /// Everything, in the order the page renders it.
    pub(crate) fn snapshot(&self) -> Vec<Value> {
        let mut out = vec![json!({"type": "hello", "me": self.me})];
        if let Some(helper) = &self.helper {
            out.push(json!({"type": "paired", "helper": helper}));
        }
        out.push(self.state_message());
        out.extend(self.shown.clone());
        out.push(self.stage_message());
        if let Some(code) = &self.verification {
            out.push(json!({"type": "verification", "code": code}));
        }
        if let Some(message) = &self.code_error {
            out.push(json!({"type": "code_refused", "message": message}));
        }
        out.extend(
            self.chat
                .iter()
                .map(|m| json!({"type": "chat", "message": m})),
        );
        if let Some(mode) = self.pending {
            out.push(json!({"type": "consent_requested", "mode": mode.as_str()}));
        }
        if let Some((by, reason)) = &self.ended {
            out.push(json!({"type": "ended", "by": by, "reason": reason}));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskmate_proto::messages::Side;

    fn types(messages: &[Value]) -> Vec<&str> {
        messages
            .iter()
            .map(|m| m["type"].as_str().unwrap_or("?"))
            .collect()
    }

    #[test]
    fn a_reconnecting_page_gets_the_whole_picture() {
        let me = json!({"user": {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.org", "password_hash": "x"}});
        let mut p = Picture::new(&me);
        assert_eq!(types(&p.snapshot()), ["hello", "state", "stage"]);
        assert!(p.snapshot()[0]["me"].get("password_hash").is_none());
        let refused = p.code_refused("that code has expired");
        assert_eq!(types(&refused), ["code_refused"], "already on code entry");
        p.set_stage(Stage::Redeeming);
        assert_eq!(types(&p.code_refused("expired")), ["stage", "code_refused"]);
        p.code_refused("that code has expired");
        assert_eq!(p.snapshot()[3]["message"], "that code has expired");
        let paired = p.paired(&json!({"first_name": "Sam", "last_name": "Berg", "email": "sam@example.org", "job_title": null}));
        assert_eq!(types(&paired), ["paired", "stage"]);
        p.apply(&UiEvent::ConsentRequested(Mode::Control));
        let chat = ChatMessage {
            seq: 1,
            from: Side::Helper,
            text: "مرحبا".into(),
            at: 0,
            sealed: false,
        };
        assert_eq!(p.apply(&UiEvent::Chat(chat.clone())).len(), 1);
        assert!(
            p.apply(&UiEvent::Chat(chat)).is_empty(),
            "a resent message is not shown twice"
        );
        let snap = p.snapshot();
        assert_eq!(
            types(&snap),
            [
                "hello",
                "paired",
                "state",
                "stage",
                "chat",
                "consent_requested"
            ]
        );
        assert_eq!(snap[3]["stage"], "waiting");
        assert!(snap[1]["helper"].get("job_title").is_none());
        p.answered();
        let active = p.apply(&UiEvent::State {
            mode: Some(Mode::Control),
            chat_enabled: true,
            peer_online: true,
        });
        assert_eq!(types(&active), ["state", "stage"]);
        p.apply(&UiEvent::Verified("482 913".into()));
        p.ended("helper", "the helper left");
        let snap = p.snapshot();
        assert_eq!(
            types(&snap),
            [
                "hello",
                "paired",
                "state",
                "stage",
                "verification",
                "chat",
                "ended"
            ]
        );
        assert_eq!(
            snap[4]["code"], "482 913",
            "a reloaded page shows the check again"
        );
        assert_eq!(snap[2]["mode"], "control");
        assert_eq!(snap[3]["stage"], "ended");
    }

    #[test]
    fn the_next_session_starts_from_a_clean_page() {
        let me =
            json!({"user": {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.org"}});
        let mut p = Picture::new(&me);
        p.paired(&json!({"first_name": "Sam", "last_name": "Berg", "email": "sam@example.org"}));
        p.apply(&UiEvent::Chat(ChatMessage {
            seq: 1,
            from: Side::Helper,
            text: "hello".into(),
            at: 0,
            sealed: false,
        }));
        p.ended("helper", "done");
        assert!(types(&p.snapshot()).contains(&"ended"));
        let reset = p.ready_again();
        assert_eq!(types(&reset), ["reset", "stage"]);
        assert_eq!(reset[1]["stage"], "enter_code");
        let snap = p.snapshot();
        assert_eq!(
            types(&snap),
            ["hello", "state", "stage"],
            "no helper, chat or end is replayed"
        );
        assert_eq!(
            snap[0]["me"]["first_name"], "Ana",
            "the sharer stays signed in"
        );
    }

    #[test]
    fn the_page_always_says_what_the_helper_sees() {
        let mut p = Picture::new(&Value::Null);
        let whole = p.apply(&UiEvent::Shown {
            monitor: None,
            width: 1920,
            height: 1080,
        });
        assert_eq!(
            whole,
            vec![json!({"type": "shown", "monitor": null, "width": 1920, "height": 1080})]
        );
        p.apply(&UiEvent::Shown {
            monitor: Some("HDMI-1".into()),
            width: 1280,
            height: 1024,
        });
        // A page that reconnects learns the latest, not the first.
        let snapshot = p.snapshot();
        let shown: Vec<&Value> = snapshot.iter().filter(|m| m["type"] == "shown").collect();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0]["monitor"], "HDMI-1");
        assert_eq!(shown[0]["width"], 1280);
        // The next session starts with nothing said.
        p.ready_again();
        assert!(!p.snapshot().iter().any(|m| m["type"] == "shown"));
    }
}
