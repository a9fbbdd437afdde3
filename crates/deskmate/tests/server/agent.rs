//! The Linux agent end to end: Xvfb, a real server, `deskmate share` on the
//! display, and a protocol-level helper that decodes the stream and types.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{Org, is_msg, issue, org, token};
use crate::session_client::{Incoming, SessionClient};
use deskmate_codec::{Decoder, Frame};
use deskmate_proto::cursor::CursorUpdate;
use deskmate_proto::frame::{Channel, decode, encode as frame};
use deskmate_proto::input::{InputEvent, LaserPointer};
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage};
use reqwest::StatusCode;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};

/// An X server for one test (Xvfb, or Xephyr nested in one), stopped on drop.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

/// Whether `program` can be run; `None` (with a printed reason) when it is
/// missing outside CI, where tests that need it skip.
fn installed(program: &str, package: &str) -> Option<()> {
    if Command::new(program)
        .arg("-help")
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .is_ok()
    {
        return Some(());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{program} is required in CI (apt-get install {package})"
    );
    eprintln!("SKIPPED: {program} is not installed");
    None
}

impl Xvfb {
    /// Starts Xvfb on a free display number, or `None` (with a printed reason) when Xvfb
    /// is not installed and this is not CI.
    pub fn start(width: u32, height: u32) -> Option<Self> {
        installed("Xvfb", "xvfb")?;
        let mut command = Command::new("Xvfb");
        command.args(["-screen", "0", &format!("{width}x{height}x24")]);
        Some(Self::serve(command))
    }

    /// Starts Xephyr in a window on this display: a second, real X server
    /// whose resolution RandR can change (`xrandr -s`; Xvfb's is fixed).
    /// `None` (with a printed reason) when Xephyr is not installed and this is not CI.
    pub fn nested(&self, width: u32, height: u32) -> Option<Self> {
        installed("Xephyr", "xserver-xephyr")?;
        let mut command = Command::new("Xephyr");
        command
            .args(["-screen", &format!("{width}x{height}x24"), "-resizeable"])
            .env("DISPLAY", &self.display);
        Some(Self::serve(command))
    }

    /// Runs an X server that picks a free display number itself and reports
    /// it (-displayfd), so parallel tests never end up sharing one.
    fn serve(mut command: Command) -> Self {
        let mut child = command
            .args(["-displayfd", "1", "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the X server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(line);
        });
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(20))
            && let Ok(n) = line.trim().parse::<u32>()
        {
            let display = format!(":{n}");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if x11rb::connect(Some(&display)).is_ok() {
                    return Self { child, display };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("could not start the X server");
    }

    /// An xterm at `geometry` running the shell `script`, closed on drop.
    pub fn xterm(&self, geometry: &str, script: &str) -> Killed {
        Killed(
            Command::new("xterm")
                .args(["-geometry", geometry, "-e", "sh", "-c", script])
                .env("DISPLAY", &self.display)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("xterm (apt-get install xterm)"),
        )
    }

    /// Runs `xrandr` with `args` on this display and checks it succeeded.
    pub fn xrandr(&self, args: &[&str]) {
        let status = Command::new("xrandr")
            .args(args)
            .env("DISPLAY", &self.display)
            .status()
            .expect("xrandr (apt-get install x11-xserver-utils)");
        assert!(status.success(), "xrandr {args:?} failed");
    }

    /// Names (WM_NAME) of the mapped top-level windows.
    pub fn window_names(&self) -> Vec<String> {
        use x11rb::protocol::xproto::{AtomEnum, MapState};
        let (conn, screen) = x11rb::connect(Some(&self.display)).expect("connect");
        let root = conn.setup().roots[screen].root;
        let tree = conn
            .query_tree(root)
            .expect("request")
            .reply()
            .expect("tree");
        tree.children
            .iter()
            .filter(|&&w| {
                conn.get_window_attributes(w)
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .is_some_and(|a| a.map_state == MapState::VIEWABLE)
            })
            .filter_map(|&w| {
                let reply = conn
                    .get_property(false, w, AtomEnum::WM_NAME, AtomEnum::STRING, 0, 1024)
                    .ok()?
                    .reply()
                    .ok()?;
                Some(String::from_utf8_lossy(&reply.value).into_owned())
            })
            .collect()
    }

    /// The whole screen as the X server has it (core GetImage).
    pub fn grab(&self) -> Frame {
        let (conn, screen) = x11rb::connect(Some(&self.display)).expect("connect");
        let root = &conn.setup().roots[screen];
        let (w, h) = (root.width_in_pixels, root.height_in_pixels);
        let image = conn
            .get_image(ImageFormat::Z_PIXMAP, root.root, 0, 0, w, h, !0)
            .expect("request")
            .reply()
            .expect("image");
        Frame::from_bgrx(u32::from(w), u32::from(h), usize::from(w) * 4, &image.data)
            .expect("frame")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `deskmate share` for Sam on the display with `code`, allowing
/// everything, unencrypted, and waits until it has paired with the session.
/// (The organisation allows that for these tests.)
pub(crate) async fn start_agent(o: &Org, x: &Xvfb, code: &str, session: &str) -> Killed {
    crate::unencrypted::allow_unencrypted(&o.admin).await;
    start_agent_with(o, x, code, session, &["--unencrypted"]).await
}

/// Like [`start_agent`], with the given extra arguments (and so encrypted
/// end to end unless they say `--unencrypted`).
pub async fn start_agent_with(
    o: &Org,
    x: &Xvfb,
    code: &str,
    session: &str,
    extra: &[&str],
) -> Killed {
    start_agent_via(o, x, &o.fx.server.base, code, session, extra).await
}

/// Like [`start_agent_with`], talking to the server at `base` (a proxy in front of it).
pub async fn start_agent_via(
    o: &Org,
    x: &Xvfb,
    base: &str,
    code: &str,
    session: &str,
    extra: &[&str],
) -> Killed {
    let log = std::fs::File::create(o.fx.dir.0.join("agent.log")).expect("log");
    let agent = Killed(
        Command::new(env!("CARGO_BIN_EXE_deskmate"))
            .args([
                "share",
                "--server",
                base,
                "--email",
                "sam@example.org",
                "--code",
                code,
            ])
            // The sharer allows everything unless the test says otherwise.
            .args(if extra.contains(&"--consent") {
                &[][..]
            } else {
                &["--consent", "allow"][..]
            })
            .args(extra)
            .arg("--ca-cert")
            .arg(o.fx.server.data_dir.join("tls/cert.pem"))
            .env("DESKMATE_PASSWORD", "sam's long password")
            .env("DISPLAY", &x.display)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("deskmate share"),
    );
    until_session_state(&o.hana, session, "paired", Duration::from_secs(30)).await;
    agent
}

/// Waits (up to `within`) until the session record is in `state`; returns the record.
pub async fn until_session_state(
    api: &Api,
    session: &str,
    state: &str,
    within: Duration,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let s = expect_json(
            api.get(&format!("/api/v1/remote-help/sessions/{session}"))
                .await,
            StatusCode::OK,
        )
        .await;
        if s["state"] == state {
            return s;
        }
        assert!(
            started.elapsed() < within,
            "the session never became {state}: {s}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to 10 s for the agent to exit.
pub async fn agent_exit(agent: &mut Killed) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(status)) = agent.0.try_wait() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// What the helper knows of the sharer's cursor.
#[derive(Default)]
pub(crate) struct CursorSeen {
    shape: Option<(u16, u16)>,
    position: Option<(i32, i32)>,
}

/// Reads screen updates (acknowledging each) and cursor updates until none
/// arrived for `quiet`.
pub(crate) async fn settle(
    helper: &mut SessionClient,
    decoder: &mut Decoder,
    cursor: &mut CursorSeen,
    quiet: Duration,
) -> usize {
    let mut count = 0;
    loop {
        let next = tokio::time::timeout(quiet, helper.next()).await;
        let Ok(item) = next else { return count };
        if let Incoming::Data(bytes) = item {
            let (channel, payload) = decode(&bytes).expect("data frame");
            match channel {
                Channel::Screen => {
                    decoder.apply(payload).expect("the update decodes");
                    let seq = u32::from_le_bytes(payload[2..6].try_into().expect("seq"));
                    helper.send(&ClientMessage::ScreenAck { seq }).await;
                    count += 1;
                }
                Channel::Cursor => match CursorUpdate::decode(payload).expect("cursor update") {
                    CursorUpdate::Position { x, y } => cursor.position = Some((x, y)),
                    CursorUpdate::Shape { width, height, .. } => {
                        cursor.shape = Some((width, height))
                    }
                },
                other => panic!("unexpected {other:?} frame for the helper"),
            }
        } else if let Incoming::Closed(code) = item {
            panic!("closed ({code:?})");
        }
    }
}

async fn the_helper_sees_the_screen_exactly_and_types_into_an_xterm(backend: Backend) {
    let Some(x) = Xvfb::start(1024, 768) else {
        return;
    };
    let Some(o) = org(backend).await else { return };
    let out = o.fx.dir.0.join("typed.txt");
    let _xterm = x.xterm("80x24+0+0", &format!("cat > {}", out.display()));
    let (code, session) = issue(&o.hana).await;
    let mut agent = start_agent(&o, &x, &code, &session).await;
    let record = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        record["device"]["os"].as_str().map(|v| !v.is_empty()),
        Some(true),
        "the agent names its system"
    );
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    until_peer_online(&mut helper).await;
    helper
        .send(&ClientMessage::RequestMode {
            mode: Mode::Control,
        })
        .await;
    helper
        .until("consent", |i| {
            is_msg(i, |m| {
                matches!(m, ServerMessage::ConsentResult { allowed: true, .. })
            })
        })
        .await;

    // Pixel-exact: once the screen is quiet, the decoded copy equals the X server's.
    let mut decoder = Decoder::new();
    let mut cursor = CursorSeen::default();
    let mut matched = false;
    for _ in 0..40 {
        settle(
            &mut helper,
            &mut decoder,
            &mut cursor,
            Duration::from_millis(700),
        )
        .await;
        if decoder.frame() == Some(&x.grab()) {
            matched = true;
            break;
        }
    }
    assert!(matched, "the helper's copy never matched the screen");

    // The sharer sees who is helping, in an always-on-top bar.
    let started = Instant::now();
    loop {
        let names = x.window_names();
        if names
            .iter()
            .any(|n| n.starts_with("Deskmate: hana Example controls your screen"))
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no indicator among {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The laser pointer shows where the helper points, in the helper's colour...
    let laser = LaserPointer {
        x: 100,
        y: 100,
        color: 0x00_ff_00,
    };
    helper
        .send_data(frame(Channel::Pointer, &laser.encode()))
        .await;
    let started = Instant::now();
    while x.grab().get(100, 100) != 0x00_ff_00 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the laser dot did not appear"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...and input passes through it: click under the dot, type, and the text
    // lands in the file behind the xterm.
    for event in [
        InputEvent::PointerMove { x: 100, y: 100 },
        InputEvent::Button {
            button: 1,
            down: true,
        },
        InputEvent::Button {
            button: 1,
            down: false,
        },
        InputEvent::Text {
            text: "Hello from Deskmate, ça marche!\n".into(),
        },
    ] {
        helper
            .send_data(frame(Channel::Input, &event.encode()))
            .await;
    }
    let started = Instant::now();
    loop {
        settle(
            &mut helper,
            &mut decoder,
            &mut cursor,
            Duration::from_millis(100),
        )
        .await;
        let typed = std::fs::read_to_string(&out).unwrap_or_default();
        if typed.contains("Hello from Deskmate, ça marche!") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "typed text did not arrive; file holds {typed:?}"
        );
    }
    // The cursor travels apart from the screen: its shape, and where the click
    // moved it (the cursor is polled, so its news may trail the typing a little).
    let started = Instant::now();
    while cursor.position != Some((100, 100)) && started.elapsed() < Duration::from_secs(5) {
        settle(
            &mut helper,
            &mut decoder,
            &mut cursor,
            Duration::from_millis(100),
        )
        .await;
    }
    assert!(
        cursor.shape.is_some_and(|(w, h)| w > 0 && h > 0),
        "no cursor shape arrived"
    );
    assert_eq!(cursor.position, Some((100, 100)));
    // The echo of the typing reached the helper's copy too.
    let mut matched = false;
    for _ in 0..40 {
        settle(
            &mut helper,
            &mut decoder,
            &mut cursor,
            Duration::from_millis(500),
        )
        .await;
        if decoder.frame() == Some(&x.grab()) {
            matched = true;
            break;
        }
    }
    assert!(matched, "the helper's copy did not follow the typing");

    helper.send(&ClientMessage::Leave { reason: None }).await;
    let status = agent_exit(&mut agent).await;
    assert_eq!(
        status.map(|s| s.success()),
        Some(true),
        "the agent ends cleanly when the helper leaves"
    );
}

/// Waits until the sharer is connected, unless the welcome already said so.
pub(crate) async fn until_peer_online(helper: &mut SessionClient) {
    if matches!(
        helper.welcome,
        ServerMessage::Welcome {
            peer_online: true,
            ..
        }
    ) {
        return;
    }
    helper
        .until("agent online", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: true })
        })
        .await;
}

async fn the_helper_picks_one_of_two_monitors(backend: Backend) {
    let Some(x) = Xvfb::start(1024, 768) else {
        return;
    };
    let Some(o) = org(backend).await else { return };
    for (name, geometry) in [
        ("left", "512/135x768/203+0+0"),
        ("right", "512/135x768/203+512+0"),
    ] {
        x.xrandr(&["--setmonitor", name, geometry, "none"]);
    }
    let _xterm = x.xterm("40x10+600+200", "echo on the right; sleep 600");
    let (code, session) = issue(&o.hana).await;
    let _agent = start_agent(&o, &x, &code, &session).await;
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    helper
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    let monitors = helper
        .until("monitors", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Monitors { .. }))
        })
        .await;
    let Incoming::Msg(ServerMessage::Monitors { monitors, .. }) = monitors else {
        unreachable!()
    };
    let names: Vec<&str> = monitors.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"left"), "{names:?}");
    let right = monitors
        .iter()
        .find(|m| m.name == "right")
        .expect("the right monitor is listed");
    assert_eq!(
        (right.x, right.y, right.width, right.height),
        (512, 0, 512, 768)
    );
    helper
        .send(&ClientMessage::SelectMonitor {
            index: Some(right.index),
        })
        .await;
    // Only the right monitor arrives, pixel-exact.
    let mut decoder = Decoder::new();
    let mut cursor = CursorSeen::default();
    let mut matched = false;
    for _ in 0..40 {
        settle(
            &mut helper,
            &mut decoder,
            &mut cursor,
            Duration::from_millis(700),
        )
        .await;
        let whole = x.grab();
        let mut right = Frame::new(512, 768);
        whole.read_rect(
            deskmate_codec::Rect {
                x: 512,
                y: 0,
                w: 512,
                h: 768,
            },
            &mut right.pixels,
        );
        // Everything, the "being helped" bar included: changes are read in
        // the monitor's own coordinates.
        if decoder
            .frame()
            .is_some_and(|f| f.width == 512 && f.height == 768 && f.pixels == right.pixels)
        {
            matched = true;
            break;
        }
    }
    if !matched {
        let whole = x.grab();
        let view = decoder.frame().cloned();
        let detail = match &view {
            Some(v) if v.width == 512 && v.height == 768 => {
                let diffs: Vec<(u32, u32)> = (0..768u32)
                    .flat_map(|y| (0..512u32).map(move |x| (x, y)))
                    .filter(|&(px, py)| v.get(px, py) != whole.get(px + 512, py))
                    .collect();
                let (x0, y0) = diffs
                    .iter()
                    .fold((u32::MAX, u32::MAX), |a, p| (a.0.min(p.0), a.1.min(p.1)));
                let (x1, y1) = diffs
                    .iter()
                    .fold((0, 0), |a, p| (a.0.max(p.0), a.1.max(p.1)));
                format!(
                    "{} pixels differ within ({x0},{y0})-({x1},{y1})",
                    diffs.len()
                )
            }
            Some(v) => format!("the helper's copy is {}x{}", v.width, v.height),
            None => "no frame decoded".into(),
        };
        panic!("the helper's copy never matched the right monitor: {detail}");
    }
    // A bad choice is refused, not forwarded.
    helper
        .send(&ClientMessage::SelectMonitor { index: Some(15) })
        .await;
    helper
        .until("refusal", |i| {
            is_msg(i, |m| {
                matches!(
                    m,
                    ServerMessage::Error {
                        code: deskmate_proto::messages::ErrorCode::WrongState,
                        ..
                    }
                )
            })
        })
        .await;
}

both_backends!(
    the_helper_sees_the_screen_exactly_and_types_into_an_xterm,
    the_helper_picks_one_of_two_monitors,
);

/// The X server goes away mid-session: the agent leaves, telling the helper
/// why, and exits with an error instead of hanging or crashing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_display_ends_the_session_with_the_reason() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let (code, session) = issue(&o.hana).await;
    let mut agent = start_agent(&o, &x, &code, &session).await;
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    until_peer_online(&mut helper).await;
    helper
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    let mut decoder = Decoder::new();
    let mut cursor = CursorSeen::default();
    let started = Instant::now();
    while decoder.frame().is_none() {
        settle(
            &mut helper,
            &mut decoder,
            &mut cursor,
            Duration::from_millis(300),
        )
        .await;
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no picture before the display was lost"
        );
    }
    drop(x);
    let ended = helper
        .until("the end of the session", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    let Incoming::Msg(ServerMessage::Ended { by, reason }) = ended else {
        unreachable!()
    };
    assert_eq!(by, deskmate_proto::messages::EndedBy::Sharer);
    assert!(
        reason.contains("screen can no longer be shared"),
        "the helper is told why: {reason}"
    );
    let status = agent_exit(&mut agent).await;
    assert_eq!(
        status.map(|s| s.success()),
        Some(false),
        "the agent exits with an error"
    );
    let log = std::fs::read_to_string(o.fx.dir.0.join("agent.log")).unwrap_or_default();
    assert!(
        log.contains("display"),
        "the agent's log says what happened: {log}"
    );
}
