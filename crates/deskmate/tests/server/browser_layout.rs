//! The helper's console when the sharer's screen changes mid-session, in
//! headless Chromium against the real server and a real agent on Xephyr
//! (an X server whose resolution RandR can change): the canvas follows the
//! new resolution pixel for pixel, the helper is told in words, and when
//! the monitor they chose goes away they are told so and see the whole
//! screen.

use crate::agent::{Xvfb, start_agent_with};
use crate::browser::{until_canvas_matches, until_canvas_shows};
use crate::chrome::{Chrome, axe_violations, click, eval, screenshot, set_value, text_until};
use crate::common::*;
use crate::pairing::org;
use deskmate_codec::{Frame, Rect};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_follows_the_sharers_new_layout() {
    let Some(host) = Xvfb::start(1600, 1200) else {
        return;
    };
    let Some(x) = host.nested(1024, 768) else {
        return;
    };
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let _xterm = x.xterm("70x12+300+120", "echo the sharer\\'s screen; sleep 600");

    // The helper gets a code in the console; the sharer's agent redeems it
    // from the terminal and allows what is asked.
    let helper = chrome.browser(false).await;
    helper.goto(&o.fx.server.base).await.expect("console");
    set_value(&helper, "#email", "hana@example.org").await;
    set_value(&helper, "#password", "hana's long password").await;
    click(&helper, "#sign-in").await;
    click(&helper, "#get-code").await;
    let code = text_until(&helper, ".code-value", "a code", |t| t.trim().len() == 14).await;
    let sessions = expect_json(
        o.hana.get("/api/v1/remote-help/sessions").await,
        StatusCode::OK,
    )
    .await;
    let session = sessions[0]["id"]
        .as_str()
        .expect("the new session")
        .to_string();
    let _agent = start_agent_with(&o, &x, code.trim(), &session, &[]).await;
    click(&helper, ".mode-view").await;
    until_canvas_matches(&helper, &x, "at 1024x768").await;

    // A new resolution: the canvas follows and the helper is told.
    x.xrandr(&["-s", "800x600"]);
    let notice = text_until(&helper, ".layout-notice", "the new resolution", |t| {
        plain(t).contains("800 × 600")
    })
    .await;
    assert!(
        notice.contains("sam"),
        "the notice names the sharer: {notice}"
    );
    until_canvas_matches(&helper, &x, "at 800x600").await;
    assert_eq!(
        axe_violations(&helper).await,
        Vec::<String>::new(),
        "the console with the notice"
    );
    screenshot(&helper, "console-layout-change").await;

    // A monitor appears; the helper picks it, and it goes away again.
    x.xrandr(&["--setmonitor", "half", "400/106x600/159+400+0", "none"]);
    let index = until_option(&helper, "half").await;
    set_value(&helper, ".monitor-picker", &index).await;
    let half = Rect {
        x: 400,
        y: 0,
        w: 400,
        h: 600,
    };
    let grab_half = || {
        let whole = x.grab();
        let mut part = Frame::new(half.w, half.h);
        whole.read_rect(half, &mut part.pixels);
        part
    };
    until_canvas_shows(&helper, grab_half, "the monitor picked").await;
    x.xrandr(&["--delmonitor", "half"]);
    let notice = text_until(&helper, ".layout-notice", "the monitor gone", |t| {
        plain(t).contains("half was disconnected")
    })
    .await;
    assert!(notice.contains("whole screen"), "{notice}");
    assert_eq!(
        eval(
            &helper,
            "return document.querySelector('.monitor-picker').value;"
        )
        .await,
        "",
        "the picker shows the whole screen"
    );
    until_canvas_matches(&helper, &x, "the whole screen again").await;
    click(&helper, ".layout-notice-dismiss").await;
    assert_eq!(
        eval(
            &helper,
            "return document.querySelector('.layout-notice').hidden;"
        )
        .await,
        true
    );
}

/// The text without the marks that isolate each inserted value's direction.
fn plain(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// Waits until the monitor picker offers `name`; returns the option's value.
async fn until_option(helper: &fantoccini::Client, name: &str) -> String {
    let started = Instant::now();
    loop {
        let value = eval(
            helper,
            &format!(
                "const o = [...document.querySelectorAll('.monitor-picker option')].find(o => o.textContent.includes({name:?}));
                 return o ? o.value : null;"
            ),
        )
        .await;
        if let Some(v) = value.as_str() {
            return v.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the picker never offered {name}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
