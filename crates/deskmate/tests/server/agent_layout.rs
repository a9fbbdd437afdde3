//! The sharer's screen changes under a running session: a new resolution
//! (a real RandR size change, in Xephyr) and a monitor that goes away (a
//! virtual monitor removed, in Xvfb). The session goes on: the helper is
//! told the new layout and which monitor is shared, the picture follows
//! pixel-exact, and input stays inside the new bounds.

use crate::agent::{Xvfb, start_agent};
use crate::common::*;
use crate::pairing::{Org, issue, org, token};
use crate::session_client::{Incoming, SessionClient};
use deskmate_codec::{Decoder, Frame, Rect};
use deskmate_proto::frame::{Channel, decode, encode as frame};
use deskmate_proto::input::InputEvent;
use deskmate_proto::messages::{ClientMessage, Mode, MonitorInfo, ServerMessage};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::ConnectionExt as _;

/// A protocol-level helper that decodes and acknowledges every screen update
/// and remembers the last monitor list.
struct Helper {
    client: SessionClient,
    decoder: Decoder,
    monitors: Vec<MonitorInfo>,
    selected: Option<u32>,
    lists: usize,
}

impl Helper {
    async fn join(o: &Org, session: &str, mode: Mode) -> Self {
        let mut client = SessionClient::join(&o.fx.server, token(&o.hana), session, 0).await;
        client.send(&ClientMessage::RequestMode { mode }).await;
        Self {
            client,
            decoder: Decoder::new(),
            monitors: Vec::new(),
            selected: None,
            lists: 0,
        }
    }

    /// Handles what arrives until nothing did for `quiet`.
    async fn pump(&mut self, quiet: Duration) {
        while let Ok(item) = tokio::time::timeout(quiet, self.client.next()).await {
            match item {
                Incoming::Data(bytes) => {
                    let (channel, payload) = decode(&bytes).expect("data frame");
                    if channel == Channel::Screen {
                        self.decoder.apply(payload).expect("the update decodes");
                        let seq = u32::from_le_bytes(payload[2..6].try_into().expect("seq"));
                        self.client.send(&ClientMessage::ScreenAck { seq }).await;
                    }
                }
                Incoming::Msg(ServerMessage::Monitors { monitors, selected }) => {
                    self.monitors = monitors;
                    self.selected = selected;
                    self.lists += 1;
                }
                Incoming::Msg(ServerMessage::Ended { by, reason }) => {
                    panic!("the session ended ({by:?}): {reason}")
                }
                Incoming::Closed(code) => panic!("closed ({code:?})"),
                Incoming::Msg(_) => {}
            }
        }
    }

    /// Waits until the sharer has reported monitors that `want` accepts.
    async fn until_monitors(&mut self, what: &str, want: impl Fn(&[MonitorInfo]) -> bool) {
        let started = Instant::now();
        while !want(&self.monitors) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never told of {what}; the last list: {:?}",
                self.monitors
            );
            self.pump(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the helper's copy is exactly `area` of the X screen.
    async fn until_exact(&mut self, x: &Xvfb, area: Option<Rect>, what: &str) {
        let started = Instant::now();
        let mut last = String::from("no picture");
        while started.elapsed() < Duration::from_secs(30) {
            self.pump(Duration::from_millis(300)).await;
            let whole = x.grab();
            let expected = match area {
                None => whole,
                Some(r) => {
                    let mut part = Frame::new(r.w, r.h);
                    whole.read_rect(r, &mut part.pixels);
                    part
                }
            };
            match self.decoder.frame() {
                Some(f) if f.width == expected.width && f.height == expected.height => {
                    let differ = f
                        .pixels
                        .iter()
                        .zip(&expected.pixels)
                        .filter(|(a, b)| a != b)
                        .count();
                    if differ == 0 {
                        return;
                    }
                    last = format!("{differ} pixels differ");
                }
                Some(f) => {
                    last = format!(
                        "the copy is {}x{}, the screen {}x{}",
                        f.width, f.height, expected.width, expected.height
                    )
                }
                None => {}
            }
        }
        panic!("{what}: the helper's copy never matched the screen ({last})");
    }
}

/// Where the X pointer is on the whole screen.
fn pointer(x: &Xvfb) -> (i16, i16) {
    let (conn, screen) = x11rb::connect(Some(&x.display)).expect("connect");
    let root = conn.setup().roots[screen].root;
    let reply = conn
        .query_pointer(root)
        .expect("request")
        .reply()
        .expect("pointer");
    (reply.root_x, reply.root_y)
}

/// Sends one input event (the session is unencrypted) and waits until the
/// pointer is where `expected` says.
async fn move_pointer(helper: &mut Helper, x: &Xvfb, to: (i32, i32), expected: (i16, i16)) {
    let event = InputEvent::PointerMove { x: to.0, y: to.1 };
    helper
        .client
        .send_data(frame(Channel::Input, &event.encode()))
        .await;
    let started = Instant::now();
    while pointer(x) != expected {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "a move to {to:?} should put the pointer at {expected:?}, not {:?}",
            pointer(x)
        );
        helper.pump(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_follows_a_new_resolution() {
    let Some(host) = Xvfb::start(1600, 1200) else {
        return;
    };
    let Some(x) = host.nested(1024, 768) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let _xterm = x.xterm("60x8+40+40", "echo before and after; sleep 600");
    let (code, session) = issue(&o.hana).await;
    let mut agent = start_agent(&o, &x, &code, &session).await;
    let mut helper = Helper::join(&o, &session, Mode::Control).await;
    helper
        .until_monitors("the first layout", |m| {
            m.len() == 1 && (m[0].width, m[0].height) == (1024, 768)
        })
        .await;
    helper.until_exact(&x, None, "at 1024x768").await;

    // Smaller: the picture, the monitor list and the input bounds follow.
    x.xrandr(&["-s", "800x600"]);
    helper
        .until_monitors("800x600", |m| {
            m.len() == 1 && (m[0].width, m[0].height) == (800, 600)
        })
        .await;
    assert_eq!(helper.selected, None, "the whole screen is still shared");
    helper.until_exact(&x, None, "at 800x600").await;
    move_pointer(&mut helper, &x, (5000, 5000), (799, 599)).await;

    // Larger than at the start: the capture buffer grows with it.
    x.xrandr(&["-s", "1280x1024"]);
    helper
        .until_monitors("1280x1024", |m| {
            m.len() == 1 && (m[0].width, m[0].height) == (1280, 1024)
        })
        .await;
    helper.until_exact(&x, None, "at 1280x1024").await;
    move_pointer(&mut helper, &x, (1200, 1000), (1200, 1000)).await;

    // Changes in quick succession settle on the last.
    x.xrandr(&["-s", "1024x768"]);
    x.xrandr(&["-s", "1152x864"]);
    helper
        .until_monitors("1152x864", |m| {
            m.len() == 1 && (m[0].width, m[0].height) == (1152, 864)
        })
        .await;
    helper.until_exact(&x, None, "at 1152x864").await;

    assert!(
        agent.0.try_wait().expect("agent status").is_none(),
        "the agent keeps sharing"
    );
    let log = std::fs::read_to_string(o.fx.dir.0.join("agent.log")).unwrap_or_default();
    assert!(
        log.contains("the screen layout changed") && log.contains("1280x1024"),
        "the agent's log records the change: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_monitor_that_goes_away_falls_back_to_the_whole_screen() {
    let Some(x) = Xvfb::start(1024, 768) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    x.xrandr(&["--setmonitor", "left", "512/135x768/203+0+0", "none"]);
    x.xrandr(&["--setmonitor", "right", "512/135x768/203+512+0", "none"]);
    let _xterm = x.xterm("40x10+600+200", "echo on the right; sleep 600");
    let (code, session) = issue(&o.hana).await;
    let _agent = start_agent(&o, &x, &code, &session).await;
    let mut helper = Helper::join(&o, &session, Mode::Control).await;
    helper
        .until_monitors("the two monitors", |m| m.iter().any(|m| m.name == "right"))
        .await;
    let right = helper
        .monitors
        .iter()
        .find(|m| m.name == "right")
        .expect("right")
        .index;
    helper
        .client
        .send(&ClientMessage::SelectMonitor { index: Some(right) })
        .await;
    let right_half = Rect {
        x: 512,
        y: 0,
        w: 512,
        h: 768,
    };
    helper
        .until_exact(&x, Some(right_half), "the right monitor")
        .await;
    // Input lands on the shared monitor, and is kept on it.
    move_pointer(&mut helper, &x, (10, 100), (522, 100)).await;
    move_pointer(&mut helper, &x, (5000, 200), (1023, 200)).await;

    // A new monitor in front of it: it stays shared, under its new index.
    let lists = helper.lists;
    x.xrandr(&["--setmonitor", "front", "256/68x256/68+0+0", "none"]);
    helper
        .until_monitors("the new monitor", |m| m.iter().any(|m| m.name == "front"))
        .await;
    assert!(helper.lists > lists);
    let still = helper
        .selected
        .map(|i| helper.monitors[i as usize].name.clone());
    assert_eq!(still.as_deref(), Some("right"), "{:?}", helper.monitors);
    helper
        .until_exact(&x, Some(right_half), "the right monitor after a new one")
        .await;

    // The shared monitor goes: the whole screen, and the helper is told so.
    x.xrandr(&["--delmonitor", "right"]);
    helper
        .until_monitors("the monitor removed", |m| {
            !m.iter().any(|m| m.name == "right")
        })
        .await;
    assert_eq!(helper.selected, None, "back to the whole screen");
    helper
        .until_exact(&x, None, "the whole screen after the monitor went")
        .await;
    move_pointer(&mut helper, &x, (100, 700), (100, 700)).await;
    let log = std::fs::read_to_string(o.fx.dir.0.join("agent.log")).unwrap_or_default();
    assert!(
        log.contains("monitor right is gone"),
        "the agent's log says what happened: {log}"
    );
}
