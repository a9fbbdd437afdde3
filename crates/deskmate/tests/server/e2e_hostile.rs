//! A hostile server against the real clients: a relay written in the test
//! ([`crate::hostile_relay`]) sits between a client and the real server and
//! restarts key-exchange rounds with guessed codes, or claims a mode the
//! sharer never allowed. The real agent and the real console in Chromium
//! must cut it off after the bound on guesses, never confirm a round before
//! checking the other side, and act only on the sharer's own consent.

use crate::agent::{Xvfb, agent_exit, start_agent_via};
use crate::chrome::{Chrome, click, eval, set_value, text_until};
use crate::common::*;
use crate::e2e::SecureHelper;
use crate::hostile_relay::{self, HostileRelay, Tamper};
use crate::pairing::{Org, issue, org, org_with, redeem, token};
use crate::session_client::{Incoming, SessionClient};
use deskmate_e2e::session::{E2eSession, MAX_UNCONFIRMED_ROUNDS};
use deskmate_e2e::{Side, Transcript};
use deskmate_proto::frame::{Channel, encode as frame};
use deskmate_proto::input::InputEvent;
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage, encode};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the guessing relay saw and did.
#[derive(Debug, Default, Clone)]
struct GuessLog {
    /// PAKE messages with a guessed code sent to the target.
    guesses_offered: u32,
    /// Key confirmations the target sent (each lets a guess be tested offline).
    confirmations: u32,
    /// Of those, the ones the relay checked against its guess and found wrong.
    wrong_guesses_learnt: u32,
    /// Why the target left, if it did.
    leave_reason: Option<String>,
}

/// The kind byte of a round message: 1 PAKE, 2 confirmation.
fn round_kind(data: &str) -> u8 {
    deskmate_e2e::encoding::from_base64(data, 64).map_or(0, |b| b.get(5).copied().unwrap_or(0))
}

/// The `n`th guess: the rendezvous part and a wrong secret part.
fn guess(rendezvous: &str, n: u32) -> String {
    let symbols = b"ABCDEFGHJKMNPQ";
    format!(
        "{rendezvous}{}{}ZZ",
        char::from(symbols[n as usize % symbols.len()]),
        char::from(symbols[(n as usize / symbols.len()) % symbols.len()])
    )
}

fn e2e_message(data: String) -> String {
    encode(&ServerMessage::E2e { data })
}

fn peer(online: bool) -> String {
    encode(&ServerMessage::Peer { online })
}

fn kind_of(text: &str) -> (String, Value) {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    (value["type"].as_str().unwrap_or("").to_string(), value)
}

/// Poses as the helper to the agent: swallows the real helper's rounds,
/// answers each round the agent starts with a PAKE message for a guessed
/// code, then says the helper went away and came back, so the agent starts
/// another round.
struct GuessAgainstSharer {
    rendezvous: String,
    transcript: Transcript,
    log: Arc<Mutex<GuessLog>>,
}

impl Tamper for GuessAgainstSharer {
    fn server_said(&mut self, text: &str, to_client: &mut Vec<String>, _: &mut Vec<String>) {
        if kind_of(text).0 != "e2e" {
            to_client.push(text.to_string());
        }
    }

    fn client_said(
        &mut self,
        text: &str,
        to_client: &mut Vec<String>,
        to_server: &mut Vec<String>,
    ) {
        let (kind, value) = kind_of(text);
        let mut log = self.log.lock().expect("lock");
        match kind.as_str() {
            "e2e" => {
                let data = value["data"].as_str().unwrap_or_default();
                match round_kind(data) {
                    1 => {
                        let n = log.guesses_offered;
                        log.guesses_offered += 1;
                        let mut fake = E2eSession::new(
                            Side::Helper,
                            &guess(&self.rendezvous, n),
                            self.transcript.clone(),
                        );
                        let replies = fake.receive(data, [n as u8; 32]).expect("fake answers");
                        // Only the PAKE message: a confirmation would be checked and end it.
                        to_client.push(e2e_message(replies[0].clone()));
                        to_client.push(peer(false));
                        to_client.push(peer(true));
                    }
                    _ => log.confirmations += 1,
                }
            }
            "leave" => {
                log.leave_reason = value["reason"].as_str().map(str::to_string);
                to_server.push(text.to_string());
            }
            _ => to_server.push(text.to_string()),
        }
    }
}

async fn user_id(api: &Api) -> String {
    let me = expect_json(api.get("/api/v1/me").await, StatusCode::OK).await;
    me["user"]["id"].as_str().expect("id").to_string()
}

async fn transcript(o: &Org, session: &str) -> Transcript {
    Transcript::new(session, &user_id(&o.hana).await, &user_id(&o.sam).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_restarting_rounds_is_cut_off_by_the_agent() {
    let Some(x) = Xvfb::start(320, 240) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let (code, session) = issue(&o.hana).await;
    let whole = format!("{code}H4RT");
    let log = Arc::new(Mutex::new(GuessLog::default()));
    let tamper_log = Arc::clone(&log);
    let rendezvous = code.replace('-', "");
    let t = transcript(&o, &session).await;
    let relay = HostileRelay::start(hostile_relay::bind().await, &o.fx.server, move || {
        GuessAgainstSharer {
            rendezvous: rendezvous.clone(),
            transcript: t.clone(),
            log: Arc::clone(&tamper_log),
        }
    });
    let mut agent = start_agent_via(&o, &x, &relay.base, &whole, &session, &[]).await;
    // The real helper, straight to the real server.
    let mut helper = SecureHelper::join(&o, &session, &whole).await;
    helper
        .client
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    let reason = loop {
        match helper.next().await {
            Ok(Incoming::Msg(ServerMessage::Ended { reason, .. })) => break reason,
            Ok(Incoming::Data(_)) => panic!("a frame crossed without a confirmed round"),
            Ok(Incoming::Closed(code)) => panic!("closed ({code:?}) before the session ended"),
            Ok(_) => {}
            Err(err) => panic!("the helper's own rounds never reached the agent: {err}"),
        }
    };
    assert!(
        reason.contains("security check failed") && reason.contains("restarted 3 times"),
        "the helper is told why: {reason}"
    );
    let status = agent_exit(&mut agent).await;
    assert_eq!(status.map(|s| s.success()), Some(false), "the agent ends");
    let log = log.lock().expect("lock").clone();
    assert_eq!(
        log.guesses_offered,
        MAX_UNCONFIRMED_ROUNDS + 1,
        "cut off at the bound: {log:?}"
    );
    assert_eq!(
        log.confirmations, 0,
        "the agent never confirms before checking the helper: {log:?}"
    );
    assert!(
        log.leave_reason
            .as_deref()
            .is_some_and(|r| r.contains("restarted 3 times")),
        "{log:?}"
    );
    let agent_log = std::fs::read_to_string(o.fx.dir.0.join("agent.log")).unwrap_or_default();
    assert!(
        agent_log.contains("someone may be guessing the code"),
        "the sharer's side says what happened: {agent_log}"
    );
    let record = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(record["state"], "ended", "{record}");
}

/// Passes everything on, but when the sharer allowed viewing it tells the
/// agent that control was allowed too.
struct ClaimControl;

impl Tamper for ClaimControl {
    fn server_said(&mut self, text: &str, to_client: &mut Vec<String>, _: &mut Vec<String>) {
        to_client.push(text.to_string());
        let (kind, mut value) = kind_of(text);
        if kind == "consent_result" && value["allowed"] == true {
            value["mode"] = "control".into();
            to_client.push(value.to_string());
        }
        if kind == "state" || kind == "welcome" {
            let state = &mut value["state"];
            if !state["mode"].is_null() {
                state["mode"] = "control".into();
                state["allowed_modes"] = serde_json::json!(["view", "control"]);
                to_client.push(value.to_string());
            }
        }
    }

    fn client_said(&mut self, text: &str, _: &mut Vec<String>, to_server: &mut Vec<String>) {
        to_server.push(text.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_claiming_control_the_sharer_did_not_allow_gets_no_input_in() {
    let Some(x) = Xvfb::start(320, 240) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let typed = o.fx.dir.0.join("typed.txt");
    let _xterm = x.xterm("40x10+0+0", &format!("cat > {}", typed.display()));
    let (code, session) = issue(&o.hana).await;
    let whole = format!("{code}H4RT");
    let relay = HostileRelay::start(hostile_relay::bind().await, &o.fx.server, || ClaimControl);
    // The sharer allows viewing only.
    let mut agent = start_agent_via(
        &o,
        &x,
        &relay.base,
        &whole,
        &session,
        &["--consent", "view-only"],
    )
    .await;
    let mut helper = SecureHelper::join(&o, &session, &whole).await;
    helper
        .client
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    // The screen arrives: viewing was allowed and the round is confirmed.
    loop {
        match helper.next().await.expect("secure") {
            Incoming::Data(bytes) if bytes.first() == Some(&Channel::Screen.byte()) => break,
            Incoming::Msg(ServerMessage::Ended { reason, .. }) => panic!("ended: {reason}"),
            _ => {}
        }
    }
    // The server would not pass the helper's input in a view session, so
    // the hostile relay delivers it itself: sealed by the helper, typed "q".
    for event in [
        InputEvent::Key {
            keysym: u32::from(b'q'),
            down: true,
        },
        InputEvent::Key {
            keysym: u32::from(b'q'),
            down: false,
        },
        InputEvent::Key {
            keysym: 0xff0d,
            down: true,
        },
        InputEvent::Key {
            keysym: 0xff0d,
            down: false,
        },
    ] {
        let sealed = helper
            .e2e
            .seal(Channel::Input.byte(), &event.encode())
            .expect("ready");
        relay.inject_binary(frame(Channel::Input, &sealed));
    }
    let agent_log = o.fx.dir.0.join("agent.log");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&agent_log).unwrap_or_default();
        if text.contains("input outside a full-control session ignored") {
            assert!(
                text.contains("the server claimed more than the sharer allowed"),
                "{text}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the agent never refused the input: {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let typed_text = std::fs::read_to_string(&typed).unwrap_or_default();
    assert_eq!(typed_text, "", "nothing was typed on the sharer's screen");
    helper
        .client
        .send(&ClientMessage::Leave { reason: None })
        .await;
    let _ = agent_exit(&mut agent).await;
}

/// Poses as the sharer to the console: swallows the real sharer's rounds
/// and starts round after round with a guessed code, checking each
/// confirmation the console sends against its guess.
struct GuessAgainstHelper {
    rendezvous: String,
    transcript: Transcript,
    round: u32,
    fake: Option<E2eSession>,
    log: Arc<Mutex<GuessLog>>,
}

impl GuessAgainstHelper {
    fn offer(&mut self, to_client: &mut Vec<String>) {
        let mut log = self.log.lock().expect("lock");
        let n = log.guesses_offered;
        log.guesses_offered += 1;
        let mut fake = E2eSession::new(
            Side::Sharer,
            &guess(&self.rendezvous, n),
            self.transcript.clone(),
        );
        // Round numbers rise, as a restarting sharer's do.
        let mut start = String::new();
        for _ in 0..=self.round {
            start = fake.start_round([n as u8; 32]).expect("start");
        }
        self.round += 1;
        self.fake = Some(fake);
        to_client.push(e2e_message(start));
    }
}

impl Tamper for GuessAgainstHelper {
    fn server_said(&mut self, text: &str, to_client: &mut Vec<String>, _: &mut Vec<String>) {
        let (kind, value) = kind_of(text);
        if kind == "e2e" {
            return;
        }
        to_client.push(text.to_string());
        if kind == "welcome" && value["peer_online"] == true && self.round == 0 {
            self.offer(to_client);
        }
    }

    fn client_said(
        &mut self,
        text: &str,
        to_client: &mut Vec<String>,
        to_server: &mut Vec<String>,
    ) {
        let (kind, value) = kind_of(text);
        match kind.as_str() {
            "e2e" => {
                let data = value["data"].as_str().unwrap_or_default();
                let Some(fake) = self.fake.as_mut() else {
                    return;
                };
                if round_kind(data) == 1 {
                    let _ = fake.receive(data, [0; 32]);
                    return;
                }
                {
                    let mut log = self.log.lock().expect("lock");
                    log.confirmations += 1;
                    // The guess tested offline: wrong, as the relay now knows.
                    if fake.receive(data, [0; 32]).is_err() {
                        log.wrong_guesses_learnt += 1;
                    }
                }
                to_client.push(peer(false));
                to_client.push(peer(true));
                self.offer(to_client);
            }
            "leave" => {
                self.log.lock().expect("lock").leave_reason =
                    value["reason"].as_str().map(str::to_string);
                to_server.push(text.to_string());
            }
            _ => to_server.push(text.to_string()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_restarting_rounds_is_cut_off_by_the_console() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let listener = hostile_relay::bind().await;
    let base = hostile_relay::base_of(&listener);
    let Some(o) = org_with(Backend::Sqlite, &["--public-url", &base]).await else {
        return;
    };
    let log = Arc::new(Mutex::new(GuessLog::default()));
    let tamper_log = Arc::clone(&log);
    let hana = user_id(&o.hana).await;
    let sam = user_id(&o.sam).await;
    // The session id is known only once the console has a code: the
    // transcript is filled in then.
    let session_cell: Arc<Mutex<Option<(String, String)>>> = Arc::default();
    let cell = Arc::clone(&session_cell);
    let relay = HostileRelay::start(listener, &o.fx.server, move || {
        let (session, rendezvous) = cell.lock().expect("lock").clone().expect("session known");
        GuessAgainstHelper {
            rendezvous,
            transcript: Transcript::new(&session, &hana, &sam),
            round: 0,
            fake: None,
            log: Arc::clone(&tamper_log),
        }
    });

    let helper = chrome.browser(false).await;
    helper.goto(&relay.base).await.expect("console");
    set_value(&helper, "#email", "hana@example.org").await;
    set_value(&helper, "#password", "hana's long password").await;
    click(&helper, "#sign-in").await;
    click(&helper, "#get-code").await;
    let shown = text_until(&helper, ".code-value", "a code", |t| t.trim().len() == 14).await;
    let rendezvous: String = shown.trim().replace('-', "")[..8].to_string();

    // The sharer redeems the server's part and joins the real server.
    let paired = expect_json(redeem(&o.sam, &rendezvous).await, StatusCode::OK).await;
    let session = paired["id"].as_str().expect("session id").to_string();
    *session_cell.lock().expect("lock") = Some((session.clone(), rendezvous.clone()));
    let mut sharer = SessionClient::join(&o.fx.server, token(&o.sam), &session, 0).await;

    let failure = text_until(&helper, ".session-error", "the failure", |t| {
        t.contains("restarted")
    })
    .await;
    assert!(failure.contains("guessing"), "said plainly: {failure}");
    let ended = sharer
        .until("the end", |i| {
            matches!(i, Incoming::Msg(ServerMessage::Ended { .. }))
        })
        .await;
    let Incoming::Msg(ServerMessage::Ended { reason, .. }) = ended else {
        unreachable!()
    };
    assert!(reason.contains("security check failed"), "{reason}");
    let log = log.lock().expect("lock").clone();
    assert_eq!(
        log.confirmations, MAX_UNCONFIRMED_ROUNDS,
        "each answered round let one guess be tested, and no more: {log:?}"
    );
    assert_eq!(log.wrong_guesses_learnt, MAX_UNCONFIRMED_ROUNDS, "{log:?}");
    assert_eq!(log.guesses_offered, MAX_UNCONFIRMED_ROUNDS + 1, "{log:?}");
    assert!(
        log.leave_reason
            .as_deref()
            .is_some_and(|r| r.contains("restarted 3 times")),
        "{log:?}"
    );
    // The console never showed a security check for a guessed key.
    let verification = eval(
        &helper,
        "return [...document.querySelectorAll('.verification')].map(e => e.textContent).join('')",
    )
    .await;
    let digits = verification
        .as_str()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    assert_eq!(digits, 0, "{verification}");
}
