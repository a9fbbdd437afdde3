//! Motion on the sharer's screen, end to end: a program repaints the whole
//! root window with a moving picture; the agent sends it as video
//! rectangles (H.264 the helper's codec passes through), and once the
//! motion stops the helper's copy is pixel-exact again, compared against an
//! X `GetImage` grab; with end-to-end encryption on, every one of those
//! updates is sealed on the wire.

use crate::agent::{Xvfb, agent_exit, start_agent, start_agent_with, until_peer_online};
use crate::common::*;
use crate::e2e::SecureHelper;
use crate::pairing::{issue, org, token};
use crate::session_client::{Incoming, SessionClient};
use deskmate_codec::Decoder;
use deskmate_proto::frame::{Channel, decode};
use deskmate_proto::messages::{ClientMessage, Mode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateGCAux, ImageFormat};

/// Paints a moving photographic picture (gradients and rings) over the whole
/// root window about 30 times a second until `stop`; returns when the last
/// frame had been processed by the X server.
pub(crate) fn play_motion(display: &str, stop: &AtomicBool) -> Instant {
    let (conn, screen) = x11rb::connect(Some(display)).expect("connect");
    let root = conn.setup().roots[screen].clone();
    let (w, h) = (root.width_in_pixels, root.height_in_pixels);
    let gc = conn.generate_id().expect("id");
    conn.create_gc(gc, root.root, &CreateGCAux::new())
        .expect("gc");
    let mut t = 0u32;
    let mut bytes = vec![0u8; usize::from(w) * usize::from(h) * 4];
    let mut last = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        t += 1;
        for y in 0..u32::from(h) {
            for x in 0..u32::from(w) {
                let (u, v) = (x + t * 5, y + t * 3);
                let ring = ((u * u + v * v) as f64).sqrt() as u32 * 3;
                let i = (y as usize * usize::from(w) + x as usize) * 4;
                bytes[i] = ring as u8;
                bytes[i + 1] = (v * 255 / 500) as u8;
                bytes[i + 2] = (u * 255 / 700) as u8;
            }
        }
        // Strips keep each request well under the X server's maximum.
        let rows = 64u16;
        for y in (0..h).step_by(usize::from(rows)) {
            let n = rows.min(h - y);
            let start = usize::from(y) * usize::from(w) * 4;
            let end = start + usize::from(n) * usize::from(w) * 4;
            conn.put_image(
                ImageFormat::Z_PIXMAP,
                root.root,
                gc,
                w,
                n,
                0,
                y as i16,
                0,
                root.root_depth,
                &bytes[start..end],
            )
            .expect("put image");
        }
        conn.get_input_focus()
            .expect("request")
            .reply()
            .expect("sync");
        last = Instant::now();
        std::thread::sleep(Duration::from_millis(30));
    }
    last
}

/// The helper: plain, or with the end-to-end layer (`--unencrypted` or not).
enum Viewer {
    Plain(Box<SessionClient>),
    Sealed(Box<SecureHelper>),
}

impl Viewer {
    async fn send(&mut self, message: &ClientMessage) {
        match self {
            Viewer::Plain(c) => c.send(message).await,
            Viewer::Sealed(h) => h.client.send(message).await,
        }
    }

    /// The next screen update, opened, or `None` after `wait` without one.
    async fn next_screen(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let item = match self {
                Viewer::Plain(c) => tokio::time::timeout_at(deadline, c.next()).await.ok()?,
                Viewer::Sealed(h) => tokio::time::timeout_at(deadline, h.next())
                    .await
                    .ok()?
                    .expect("the key exchange works"),
            };
            match item {
                Incoming::Data(bytes) => {
                    let (channel, payload) = decode(&bytes).expect("data frame");
                    if channel != Channel::Screen {
                        continue;
                    }
                    match self {
                        Viewer::Plain(_) => return Some(payload.to_vec()),
                        Viewer::Sealed(h) => {
                            assert!(
                                Decoder::new().apply(payload).is_err(),
                                "a screen update crossed the relay in the clear"
                            );
                            if let Ok(Some(plain)) = h.e2e.open(channel.byte(), payload) {
                                return Some(plain);
                            }
                        }
                    }
                }
                Incoming::Closed(code) => panic!("closed ({code:?})"),
                _ => {}
            }
        }
    }

    /// Applies and acknowledges one update; returns (video pictures, keyframes among them).
    async fn apply(&mut self, decoder: &mut Decoder, update: &[u8]) -> (usize, usize) {
        decoder.apply(update).expect("the update decodes");
        let pictures = decoder.video().len();
        let keyframes = decoder.video().iter().filter(|p| p.keyframe).count();
        let seq = u32::from_le_bytes(update[2..6].try_into().expect("seq"));
        self.send(&ClientMessage::ScreenAck { seq }).await;
        (pictures, keyframes)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn motion_is_sent_as_video_and_ends_pixel_exact() {
    motion_as_video(false).await;
}

/// Video pictures are screen updates: sealed end to end like the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn motion_video_is_sealed_end_to_end() {
    motion_as_video(true).await;
}

async fn motion_as_video(encrypted: bool) {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let (code, session) = issue(&o.hana).await;
    let (mut agent, mut helper) = if encrypted {
        let whole = format!("{code}-H4RT");
        let agent = start_agent_with(&o, &x, &whole, &session, &[]).await;
        let helper = SecureHelper::join(&o, &session, &whole).await;
        (agent, Viewer::Sealed(Box::new(helper)))
    } else {
        let agent = start_agent(&o, &x, &code, &session).await;
        let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
        until_peer_online(&mut helper).await;
        (agent, Viewer::Plain(Box::new(helper)))
    };
    helper
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    let mut decoder = Decoder::new();
    let started = Instant::now();
    while decoder.frame() != Some(&x.grab()) {
        if let Some(update) = helper.next_screen(Duration::from_millis(500)).await {
            helper.apply(&mut decoder, &update).await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the helper's copy never matched the still screen"
        );
    }

    // Motion for three seconds: video pictures arrive, with a keyframe first.
    let stop = Arc::new(AtomicBool::new(false));
    let painter = {
        let (display, stop) = (x.display.clone(), Arc::clone(&stop));
        std::thread::spawn(move || play_motion(&display, &stop))
    };
    let (mut updates, mut pictures, mut keyframes) = (0, 0, 0);
    let motion = Instant::now();
    while motion.elapsed() < Duration::from_secs(3) {
        let Some(update) = helper.next_screen(Duration::from_millis(500)).await else {
            continue;
        };
        let (p, k) = helper.apply(&mut decoder, &update).await;
        assert!(pictures > 0 || p == k, "the stream starts with a keyframe");
        updates += 1;
        pictures += p;
        keyframes += k;
    }
    stop.store(true, Ordering::Relaxed);
    let stopped = painter.join().expect("the painter");
    assert!(
        pictures >= 5,
        "motion went as video: {pictures} pictures in {updates} updates"
    );
    assert!(keyframes >= 1);

    // Quiet again: lossless tiles repaint the rectangle exactly.
    let mut exact = None;
    while stopped.elapsed() < Duration::from_secs(20) {
        if let Some(update) = helper.next_screen(Duration::from_millis(50)).await {
            helper.apply(&mut decoder, &update).await;
        } else if decoder.frame() == Some(&x.grab()) {
            exact = Some(stopped.elapsed());
            break;
        }
    }
    let exact = exact.expect("the helper's copy is pixel-exact after the motion");
    eprintln!(
        "{updates} updates, {pictures} video pictures; pixel-exact {} ms after the motion stopped",
        exact.as_millis()
    );

    helper.send(&ClientMessage::Leave { reason: None }).await;
    let status = agent_exit(&mut agent).await;
    assert_eq!(status.map(|s| s.success()), Some(true));
}
