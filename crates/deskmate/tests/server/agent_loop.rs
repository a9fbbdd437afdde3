//! `deskmate agent`, the long-running agent: it signs in once, runs one
//! session after another, renews its access token in between (the server
//! here gives 15-second tokens), and stops cleanly at the end of its input.

use crate::agent::{Killed, Xvfb, until_peer_online, until_session_state};
use crate::common::*;
use crate::pairing::{Org, is_msg, issue, org_with, token};
use crate::session_client::{Incoming, SessionClient};
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// One session as the helper runs it: join, ask to view, see a screen
/// update, leave.
async fn help_once(o: &Org, hana: &Api, agent: &mut std::process::ChildStdin) {
    let (code, session) = issue(hana).await;
    writeln!(agent, "{code}").expect("type the code");
    agent.flush().expect("flush");
    until_session_state(hana, &session, "paired", Duration::from_secs(30)).await;
    let mut helper = SessionClient::join(&o.fx.server, token(hana), &session, 0).await;
    until_peer_online(&mut helper).await;
    helper
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    helper
        .until("consent", |i| {
            is_msg(i, |m| {
                matches!(m, ServerMessage::ConsentResult { allowed: true, .. })
            })
        })
        .await;
    helper
        .until("a screen update", |i| matches!(i, Incoming::Data(_)))
        .await;
    helper.send(&ClientMessage::Leave { reason: None }).await;
    helper
        .until("ended", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    let ended = until_session_state(hana, &session, "ended", Duration::from_secs(10)).await;
    assert_eq!(ended["ended_by"], "helper");
}

async fn the_agent_runs_session_after_session(backend: Backend) {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(o) = org_with(backend, &["--access-token-ttl", "15"]).await else {
        return;
    };
    crate::unencrypted::allow_unencrypted(&o.admin).await;
    let log = std::fs::File::create(o.fx.dir.0.join("agent.log")).expect("log");
    let mut agent = Killed(
        Command::new(env!("CARGO_BIN_EXE_deskmate"))
            .args([
                "agent",
                "--server",
                &o.fx.server.base,
                "--email",
                "sam@example.org",
                "--ui",
                "terminal",
                "--consent",
                "allow",
                "--unencrypted",
                "--report-every",
                "0",
            ])
            .arg("--ca-cert")
            .arg(o.fx.server.data_dir.join("tls/cert.pem"))
            .env("DESKMATE_PASSWORD", "sam's long password")
            .env("DESKMATE_DEVICE_FILE", o.fx.dir.0.join("device.json"))
            .env("DISPLAY", &x.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("deskmate agent"),
    );
    let mut stdin = agent.0.stdin.take().expect("stdin");
    help_once(&o, &o.hana, &mut stdin).await;
    // Longer than the access token lives: the agent must renew it to go on
    // (the helper signs in again).
    tokio::time::sleep(Duration::from_secs(17)).await;
    let hana = sign_in(
        &o.fx.server.client(),
        "hana@example.org",
        "hana's long password",
    )
    .await;
    help_once(&o, &hana, &mut stdin).await;
    drop(stdin);
    let status = crate::agent::agent_exit(&mut agent)
        .await
        .expect("the agent stops at the end of its input");
    let mut said = String::new();
    if let Some(mut out) = agent.0.stdout.take() {
        use std::io::Read;
        out.read_to_string(&mut said).expect("stdout");
    }
    assert!(status.success(), "{said}");
    assert_eq!(said.matches("Signed in as").count(), 1, "{said}");
    assert_eq!(
        said.matches("The session ended (helper)").count(),
        2,
        "{said}"
    );
    assert!(said.contains("The agent stopped."), "{said}");
}

crate::both_backends!(the_agent_runs_session_after_session);
