//! The web app end to end in headless Chromium, against the real server and
//! a real agent on Xvfb: the helper signs in on the console and gets a code,
//! the sharer page (served by `deskmate share`) redeems it and allows full
//! control, the helper's canvas shows the sharer's screen pixel for pixel,
//! the helper types into an xterm there, chat in Arabic and Chinese goes
//! both ways, the laser pointer appears on the sharer's screen, and the
//! sharer leaves. Every page is scanned with axe-core and photographed.

use crate::agent::{Killed, Xvfb};
use crate::chrome::{Chrome, axe_violations, click, eval, find, screenshot, set_value, text_until};
use crate::common::*;
use crate::pairing::org;
use base64::Engine as _;
use deskmate_codec::Frame;
use fantoccini::Client;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::key::Key;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `deskmate share` for Sam with the sharer page, and returns it with the page's address.
fn start_page_agent(o: &crate::pairing::Org, x: &Xvfb) -> (Killed, String) {
    let log = std::fs::File::create(o.fx.dir.0.join("agent.log")).expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args([
            "share",
            "--server",
            &o.fx.server.base,
            "--email",
            "sam@example.org",
            "--ui",
            "page",
            "--no-browser",
        ])
        .arg("--ca-cert")
        .arg(o.fx.server.data_dir.join("tls/cert.pem"))
        .env("DESKMATE_PASSWORD", "sam's long password")
        .env("DISPLAY", &x.display)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("deskmate share");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line
                .split_whitespace()
                .find(|w| w.starts_with("http://127.0.0.1:"))
            {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the agent printed its page's address");
    (Killed(child), url)
}

/// The helper's canvas as RGBA, or `None` before the first picture.
pub(crate) async fn canvas(client: &Client) -> Option<(u32, u32, Vec<u8>)> {
    let v = eval(
        client,
        "const c = document.querySelector('.screen');
         if (!c || !c.width) return null;
         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         let s = '';
         for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
         return [c.width, c.height, btoa(s)];",
    )
    .await;
    let list = v.as_array()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(list.get(2)?.as_str()?)
        .ok()?;
    Some((list[0].as_u64()? as u32, list[1].as_u64()? as u32, bytes))
}

/// Pixels where the canvas differs from the X server's screen (all of them if sizes differ).
pub(crate) fn differences(frame: &Frame, canvas: &(u32, u32, Vec<u8>)) -> usize {
    let (w, h, rgba) = canvas;
    if (*w, *h) != (frame.width, frame.height) {
        return frame.pixels.len();
    }
    frame
        .pixels
        .iter()
        .zip(rgba.chunks_exact(4))
        .filter(|(p, c)| [(*p >> 16) as u8, (*p >> 8) as u8, **p as u8] != [c[0], c[1], c[2]])
        .count()
}

/// Waits until the helper's canvas equals the sharer's screen.
pub(crate) async fn until_canvas_matches(helper: &Client, x: &Xvfb, what: &str) {
    until_canvas_shows(helper, || x.grab(), what).await;
}

/// Waits until the helper's canvas equals what `expected` grabs.
pub(crate) async fn until_canvas_shows(helper: &Client, expected: impl Fn() -> Frame, what: &str) {
    let started = Instant::now();
    let mut last = usize::MAX;
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(c) = canvas(helper).await {
            last = differences(&expected(), &c);
            if last == 0 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: the helper's canvas still differs from the screen in {last} pixels");
}

fn assert_accessible(violations: Vec<String>, page: &str) {
    assert!(
        violations.is_empty(),
        "axe-core found problems on {page}:\n{}",
        violations.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helper_helps_from_the_browser() {
    let Some(x) = Xvfb::start(1024, 768) else {
        return;
    };
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let typed = o.fx.dir.0.join("typed.txt");
    let xterm = x.xterm("200x70+0+0", &format!("cat > {}", typed.display()));

    // The helper signs in on the console and asks for a code.
    let helper = chrome.browser(false).await;
    helper.goto(&o.fx.server.base).await.expect("console");
    assert_accessible(axe_violations(&helper).await, "the sign-in page");
    screenshot(&helper, "console-sign-in").await;
    set_value(&helper, "#email", "hana@example.org").await;
    set_value(&helper, "#password", "hana's long password").await;
    click(&helper, "#sign-in").await;
    click(&helper, "#get-code").await;
    // Twelve characters: the server's eight and four the browser made itself.
    let code = text_until(&helper, ".code-value", "a code", |t| t.trim().len() == 14).await;
    screenshot(&helper, "console-code").await;

    // The sharer's agent opens its page; the sharer enters the code there.
    let (mut agent, url) = start_page_agent(&o, &x);
    let sharer = chrome.browser(true).await;
    sharer.goto(&url).await.expect("sharer page");
    find(&sharer, "#code").await;
    assert_accessible(axe_violations(&sharer).await, "the sharer's code entry");
    screenshot(&sharer, "sharer-enter-code").await;
    set_value(&sharer, "#code", "WRONG-CODE").await;
    click(&sharer, "#code-submit").await;
    text_until(&sharer, ".code-error", "why the code was refused", |t| {
        !t.trim().is_empty()
    })
    .await;
    set_value(&sharer, "#code", &code.trim().to_lowercase()).await;
    click(&sharer, "#code-submit").await;
    text_until(&sharer, ".helper-card", "the helper", |t| {
        t.contains("hana")
    })
    .await;

    // Both see each other; the helper asks for full control and the sharer allows it.
    text_until(&helper, ".profile-card", "the sharer", |t| {
        t.contains("sam")
    })
    .await;
    text_until(
        &helper,
        ".compliance-warning",
        "the unenrolled-device warning",
        |t| !t.is_empty(),
    )
    .await;
    assert_accessible(
        axe_violations(&helper).await,
        "the console with a paired session",
    );
    screenshot(&helper, "console-paired").await;
    click(&helper, ".mode-control").await;
    let consent = text_until(&sharer, ".consent-text", "the request", |t| {
        t.contains("hana")
    })
    .await;
    assert!(
        consent.to_lowercase().contains("control"),
        "the sharer is told what is asked: {consent}"
    );
    assert_accessible(axe_violations(&sharer).await, "the sharer's consent dialog");
    screenshot(&sharer, "sharer-consent").await;
    click(&sharer, "#consent-allow").await;

    // Both show the same security check once the end-to-end exchange is done.
    let theirs = text_until(&helper, ".verification", "the security check", |t| {
        t.chars().filter(char::is_ascii_digit).count() == 6
    })
    .await;
    let ours = text_until(&sharer, ".verification", "the security check", |t| {
        t.chars().filter(char::is_ascii_digit).count() == 6
    })
    .await;
    let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    assert_eq!(
        digits(&theirs),
        digits(&ours),
        "both sides derived the same keys"
    );

    // The sharer is told what the helper sees.
    let shown = text_until(&sharer, "#shown-text", "what the helper sees", |t| {
        t.replace(['\u{2068}', '\u{2069}'], "")
            .contains("whole screen (1024 × 768)")
    })
    .await;
    assert!(shown.contains("hana"), "{shown}");

    // The helper's canvas is the sharer's screen, pixel for pixel.
    until_canvas_matches(&helper, &x, "after consent").await;
    screenshot(&helper, "console-viewer").await;
    screenshot(&sharer, "sharer-active").await;
    assert_accessible(axe_violations(&helper).await, "the console's viewer");

    // Typing on the canvas lands in the sharer's xterm.
    let screen = find(&helper, ".screen").await;
    screen.click().await.expect("focus the screen");
    screen
        .send_keys(&format!("Hello from the browser{}", char::from(Key::Enter)))
        .await
        .expect("type");
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&typed).unwrap_or_default();
        if text.contains("Hello from the browser") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the typing did not reach the xterm; it holds {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(&helper, ".release-capture").await;
    until_canvas_matches(&helper, &x, "after typing").await;

    // Chat both ways, in Arabic (right to left) and Chinese.
    let arabic = "مرحبا، سأساعدك الآن";
    let chinese = "好的，谢谢你的帮助！";
    set_value(&helper, ".chat-input", arabic).await;
    click(&helper, ".chat-send").await;
    text_until(&sharer, ".chat-log", "the Arabic message", |t| {
        t.contains(arabic)
    })
    .await;
    let direction = eval(
        &sharer,
        "const m = [...document.querySelectorAll('.chat-message')].pop();
         const t = m.querySelector('[dir]') || m;
         return getComputedStyle(t).direction;",
    )
    .await;
    assert_eq!(direction, "rtl", "Arabic is laid out right to left");
    set_value(&sharer, ".chat-input", chinese).await;
    click(&sharer, ".chat-send").await;
    text_until(&helper, ".chat-log", "the Chinese reply", |t| {
        t.contains(chinese)
    })
    .await;

    // The laser pointer, in the helper's colour, shows on the sharer's screen.
    click(&helper, ".laser-toggle").await;
    set_value(&helper, ".laser-colour", "#00ff00").await;
    let screen = find(&helper, ".screen").await;
    let point = |dx: f64| {
        MouseActions::new("laser".into()).then(PointerAction::MoveToElement {
            element: screen.clone(),
            duration: Some(Duration::from_millis(50)),
            x: dx,
            y: 0.0,
        })
    };
    let started = Instant::now();
    let mut dx = 0.0;
    loop {
        helper.perform_actions(point(dx)).await.expect("point");
        dx = (dx + 1.0) % 4.0;
        let frame = x.grab();
        let green = (0..frame.height)
            .flat_map(|y| (0..frame.width).map(move |x| (x, y)))
            .any(|(px, py)| frame.get(px, py) == 0x00_ff_00);
        if green {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the laser pointer did not appear on the sharer's screen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Full-screen motion (painted on the root window, so the xterm that
    // covers it goes first) reaches the canvas as video, and the canvas is
    // the screen again once it stops.
    drop(xterm);
    let started = Instant::now();
    while x.window_names().iter().any(|n| n == "sh") {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the xterm did not close"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eval(
        &helper,
        "window.__warnings = []; const w = console.warn; console.warn = (...a) => { window.__warnings.push(a.map(String).join(' ')); w(...a); }; return true;",
    )
    .await;
    let before = eval(&helper, "return window.deskmateStats();").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let motion = {
        let (display, stop) = (x.display.clone(), std::sync::Arc::clone(&stop));
        std::thread::spawn(move || crate::agent_video::play_motion(&display, &stop))
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = eval(&helper, "return window.deskmateStats();").await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    motion.join().expect("motion");
    let warnings = eval(&helper, "return window.__warnings;").await;
    let count = |v: &serde_json::Value, key: &str| v[key].as_u64().unwrap_or(0);
    let updates = |v: &serde_json::Value| v["decodeDrawMs"].as_array().map_or(0, Vec::len) as u64;
    eprintln!(
        "FIGURES web viewer motion: {} updates, {} video pictures in 3 s; warnings {warnings}",
        updates(&during) - updates(&before),
        count(&during, "videoPictures") - count(&before, "videoPictures"),
    );
    if count(&during, "videoPictures") - count(&before, "videoPictures") < 20 {
        eprintln!(
            "agent log:\n{}",
            std::fs::read_to_string(o.fx.dir.0.join("agent.log")).unwrap_or_default()
        );
        eprintln!(
            "server log:\n{}",
            std::fs::read_to_string(o.fx.dir.0.join("server.log"))
                .unwrap_or_default()
                .lines()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        count(&during, "videoPictures") - count(&before, "videoPictures") >= 20,
        "full-screen motion is drawn as video: {during}; warnings {warnings}"
    );
    until_canvas_matches(&helper, &x, "after the motion").await;

    // Figures: decode and draw per update, and consent to first full frame.
    let stats = eval(&helper, "return window.deskmateStats();").await;
    let mut draws: Vec<f64> = stats["decodeDrawMs"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    draws.sort_by(f64::total_cmp);
    assert!(
        !draws.is_empty(),
        "the viewer measured its updates: {stats}"
    );
    eprintln!(
        "FIGURES web viewer: {} updates, decode+draw p50 {:.2} ms, max {:.2} ms; consent to first full frame {:.0} ms",
        draws.len(),
        draws[draws.len() / 2],
        draws[draws.len() - 1],
        stats["firstFullFrameAt"].as_f64().unwrap_or(f64::NAN)
            - stats["consentAt"].as_f64().unwrap_or(f64::NAN)
    );

    // The sharer leaves: both pages say so and the agent ends cleanly.
    click(&sharer, "#leave").await;
    text_until(&helper, ".session-status", "that the session ended", |t| {
        t.to_lowercase().contains("ended")
    })
    .await;
    screenshot(&helper, "console-ended").await;
    screenshot(&sharer, "sharer-ended").await;
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = agent.0.try_wait() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the agent did not exit after the sharer left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "the agent ends cleanly: {status}");
    let _ = helper.close().await;
    let _ = sharer.close().await;
}
