//! Session WebSockets (WSS, http/1.1) and the relay phases: paced small
//! frames for latency, unpaced large screen frames for throughput.

use crate::api::Api;
use anyhow::{Context, Result, bail};
use deskmate_proto::PROTOCOL_VERSION;
use deskmate_proto::frame::{self, Channel};
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage, decode_server, encode};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::{TlsAcceptor, TlsStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws = WebSocketStream<TlsStream<TcpStream>>;

type Sink = SplitSink<Ws, Message>;
type Stream = SplitStream<Ws>;

/// Bytes at the start of each payload: sequence number and send time.
const HEADER: usize = 16;
/// How long to wait for one expected control message.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// What every connection needs.
#[derive(Clone)]
pub struct Ctx {
    pub addr: String,
    pub tls: Arc<rustls::ClientConfig>,
    /// The shared clock: payloads carry nanoseconds since this instant.
    pub epoch: Instant,
}

impl Ctx {
    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

/// Opens a WebSocket over TLS to `addr` (TCP → TLS → upgrade), with a bearer token if given.
async fn connect_to(ctx: &Ctx, addr: &str, path: &str, token: Option<&str>) -> Result<Ws> {
    let tcp = TcpStream::connect(addr).await.context("tcp connect")?;
    tcp.set_nodelay(true)?;
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1")?;
    let tls = TlsConnector::from(Arc::clone(&ctx.tls))
        .connect(name, tcp)
        .await
        .context("TLS handshake")?;
    let mut request = format!("wss://{addr}{path}").into_client_request()?;
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let (ws, _) = tokio_tungstenite::client_async(request, TlsStream::Client(tls))
        .await
        .context("WebSocket upgrade")?;
    Ok(ws)
}

/// Opens a session's WebSocket on the server under test.
async fn connect(ctx: &Ctx, token: &str, session: &str) -> Result<Ws> {
    let path = format!("/api/v1/remote-help/sessions/{session}/connect");
    connect_to(ctx, &ctx.addr, &path, Some(token)).await
}

/// rustls (ring) serving the server's own certificate and key, for the direct baseline.
pub fn server_tls(cert: &std::path::Path, key: &std::path::Path) -> Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("read {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .context("parse certificate")?;
    let key =
        PrivateKeyDer::from_pem_file(key).with_context(|| format!("read {}", key.display()))?;
    Ok(rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?)
}

/// `n` direct WSS connections inside this process, no server in between:
/// the "sharer" end is the WebSocket client (masked frames, as towards the
/// relay), the "helper" end the WebSocket server (unmasked, as from the relay).
pub async fn direct_pairs(ctx: &Ctx, acceptor: &TlsAcceptor, n: usize) -> Result<Vec<Pair>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        let accept = async {
            let (tcp, _) = listener.accept().await?;
            tcp.set_nodelay(true)?;
            let tls = acceptor.accept(tcp).await.context("TLS accept")?;
            let ws = tokio_tungstenite::accept_async(TlsStream::Server(tls))
                .await
                .context("WebSocket accept")?;
            anyhow::Ok(ws)
        };
        let (helper, sharer) = tokio::try_join!(accept, connect_to(ctx, &addr, "/direct", None))?;
        pairs.push(Pair {
            helper,
            sharer,
            direct: true,
        });
    }
    Ok(pairs)
}

async fn send_msg(ws: &mut Ws, message: &ClientMessage) -> Result<()> {
    ws.send(Message::Text(encode(message).into()))
        .await
        .context("send control message")
}

/// Reads until a control message matches `want`; other messages are skipped.
async fn wait_for(
    ws: &mut Ws,
    what: &str,
    want: impl Fn(&ServerMessage) -> bool,
) -> Result<ServerMessage> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let item = tokio::time::timeout_at(deadline, ws.next())
            .await
            .with_context(|| format!("no {what} within {STEP_TIMEOUT:?}"))?;
        match item {
            Some(Ok(Message::Text(text))) => {
                let message = decode_server(text.as_str())?;
                if want(&message) {
                    return Ok(message);
                }
                if let ServerMessage::Error { message, .. }
                | ServerMessage::Ended {
                    reason: message, ..
                } = &message
                {
                    bail!("waiting for {what}: {message}");
                }
            }
            Some(Ok(Message::Close(frame))) => bail!("closed ({frame:?}) while waiting for {what}"),
            Some(Ok(_)) => {}
            Some(Err(err)) => bail!("waiting for {what}: {err}"),
            None => bail!("connection ended while waiting for {what}"),
        }
    }
}

async fn join(ctx: &Ctx, token: &str, session: &str) -> Result<Ws> {
    let mut ws = connect(ctx, token, session).await?;
    send_msg(
        &mut ws,
        &ClientMessage::Hello {
            protocol: PROTOCOL_VERSION,
            last_chat_seq: 0,
        },
    )
    .await?;
    wait_for(&mut ws, "welcome", |m| {
        matches!(m, ServerMessage::Welcome { .. })
    })
    .await?;
    Ok(ws)
}

/// A session in control mode, both sides connected.
pub struct Pair {
    helper: Ws,
    sharer: Ws,
    /// A direct connection (baseline), not a session on the server.
    direct: bool,
}

/// Issue, redeem, join both sides, request control and consent.
async fn open_pair(ctx: &Ctx, helper: &Api, sharer: &Api) -> Result<Pair> {
    let issued = helper
        .post("/api/v1/remote-help/codes", &json!({}), StatusCode::CREATED)
        .await?;
    let code = issued["code"].as_str().context("code")?;
    let session = issued["session_id"].as_str().context("session_id")?;
    sharer
        .post(
            "/api/v1/remote-help/redeem",
            &json!({"code": code, "device": {"name": "bench", "os": "Linux"}}),
            StatusCode::OK,
        )
        .await?;
    let helper_token = helper.token.as_deref().context("helper token")?;
    let sharer_token = sharer.token.as_deref().context("sharer token")?;
    let mut h = join(ctx, helper_token, session).await?;
    let mut s = join(ctx, sharer_token, session).await?;
    send_msg(
        &mut h,
        &ClientMessage::RequestMode {
            mode: Mode::Control,
        },
    )
    .await?;
    wait_for(&mut s, "mode_requested", |m| {
        matches!(
            m,
            ServerMessage::ModeRequested {
                mode: Mode::Control
            }
        )
    })
    .await?;
    send_msg(
        &mut s,
        &ClientMessage::Consent {
            mode: Mode::Control,
            allow: true,
        },
    )
    .await?;
    for ws in [&mut h, &mut s] {
        wait_for(ws, "consent_result", |m| {
            matches!(
                m,
                ServerMessage::ConsentResult {
                    mode: Mode::Control,
                    allowed: true
                }
            )
        })
        .await?;
    }
    Ok(Pair {
        helper: h,
        sharer: s,
        direct: false,
    })
}

/// Opens `n` sessions one after the other (concurrent audited writes fail
/// on SQLite); session `i` pairs `helpers[i % len]` with `sharers[i]`.
pub async fn open_pairs(
    ctx: &Ctx,
    helpers: &[Api],
    sharers: &[Api],
    n: usize,
) -> Result<Vec<Pair>> {
    if helpers.is_empty() || sharers.len() < n {
        bail!("not enough users for {n} sessions");
    }
    let mut pairs = Vec::with_capacity(n);
    for i in 0..n {
        let pair = open_pair(ctx, &helpers[i % helpers.len()], &sharers[i])
            .await
            .with_context(|| format!("set up session {i}"))?;
        pairs.push(pair);
    }
    Ok(pairs)
}

/// How frames are sent in a phase.
#[derive(Debug, Clone, Copy)]
pub enum Traffic {
    /// `rate` frames per second per session, screen sharer→helper and input helper→sharer.
    Paced { size: usize, rate: u32 },
    /// Screen frames sharer→helper, as fast as the connection takes them.
    Flood { size: usize },
}

/// What one receiving side saw.
#[derive(Debug, Default)]
struct Received {
    latencies: Vec<u64>,
    frames: u64,
    bytes: u64,
    last_ns: u64,
    problems: Vec<String>,
}

/// One direction of a phase, over all sessions.
#[derive(Debug, Default)]
pub struct Flow {
    /// One-way delays in nanoseconds, sorted.
    pub latencies: Vec<u64>,
    pub sent: u64,
    pub delivered: u64,
    pub bytes: u64,
    /// From the first send to the last frame received.
    pub span: Duration,
}

/// The outcome of a phase.
#[derive(Debug, Default)]
pub struct PhaseResult {
    pub screen: Flow,
    pub input: Flow,
    /// Errors and unexpected closes, with counts.
    pub problems: Vec<(String, usize)>,
}

async fn leave(mut helper: Ws, mut sharer: Ws) -> Result<()> {
    send_msg(&mut helper, &ClientMessage::Leave { reason: None }).await?;
    for ws in [&mut helper, &mut sharer] {
        wait_for(ws, "ended", |m| matches!(m, ServerMessage::Ended { .. })).await?;
        let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
    }
    Ok(())
}

/// A data frame: channel byte, sequence number, send time, zero padding to `size` payload bytes.
fn make_frame(ctx: &Ctx, channel: Channel, payload: &mut [u8], seq: u64) -> Message {
    payload[..8].copy_from_slice(&seq.to_le_bytes());
    payload[8..HEADER].copy_from_slice(&ctx.now_ns().to_le_bytes());
    Message::Binary(frame::encode(channel, payload).into())
}

async fn send_frames(
    ctx: Ctx,
    mut sink: Sink,
    channel: Channel,
    traffic: Traffic,
    start: Instant,
    end: Instant,
) -> (Sink, u64, Option<String>) {
    let mut sent = 0u64;
    let error = match traffic {
        Traffic::Paced { size, rate } => {
            let mut payload = vec![0u8; size.max(HEADER)];
            let mut ticker =
                tokio::time::interval_at(start, Duration::from_secs_f64(1.0 / f64::from(rate)));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                if ticker.tick().await >= end {
                    break None;
                }
                if let Err(err) = sink
                    .send(make_frame(&ctx, channel, &mut payload, sent))
                    .await
                {
                    break Some(format!("send: {err}"));
                }
                sent += 1;
            }
        }
        Traffic::Flood { size } => {
            let mut payload = vec![0u8; size.max(HEADER)];
            tokio::time::sleep_until(start).await;
            loop {
                if Instant::now() >= end {
                    break None;
                }
                if let Err(err) = sink
                    .send(make_frame(&ctx, channel, &mut payload, sent))
                    .await
                {
                    break Some(format!("send: {err}"));
                }
                sent += 1;
            }
        }
    };
    (sink, sent, error)
}

async fn receive(
    ctx: Ctx,
    mut stream: Stream,
    channel: Channel,
    mut stop: watch::Receiver<bool>,
) -> (Stream, Received) {
    let mut got = Received::default();
    loop {
        let item = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            item = stream.next() => item,
        };
        match item {
            Some(Ok(Message::Binary(bytes))) => {
                let now = ctx.now_ns();
                match frame::decode(&bytes) {
                    Ok((c, payload)) if c == channel && payload.len() >= HEADER => {
                        let mut sent_at = [0u8; 8];
                        sent_at.copy_from_slice(&payload[8..HEADER]);
                        got.latencies
                            .push(now.saturating_sub(u64::from_le_bytes(sent_at)));
                        got.frames += 1;
                        got.bytes += bytes.len() as u64;
                        got.last_ns = now;
                    }
                    _ => got.problems.push("unexpected data frame".into()),
                }
            }
            Some(Ok(Message::Text(text))) => match decode_server(text.as_str()) {
                Ok(ServerMessage::Error { code, message }) => {
                    got.problems.push(format!("error {code:?}: {message}"));
                }
                Ok(ServerMessage::Ended { reason, .. }) => {
                    got.problems.push(format!("ended early: {reason}"));
                    break;
                }
                Ok(_) => {} // state, peer, chat, pong
                Err(err) => got.problems.push(format!("bad message: {err}")),
            },
            Some(Ok(Message::Close(frame))) => {
                got.problems.push(format!(
                    "closed early: {:?}",
                    frame.map(|f| f.reason.to_string())
                ));
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => {
                got.problems.push(format!("receive: {err}"));
                break;
            }
            None => {
                got.problems.push("connection ended early".into());
                break;
            }
        }
    }
    (stream, got)
}

/// Runs traffic over all pairs for `duration`, waits `drain` for frames in
/// flight, then ends every session (helper leaves).
pub async fn run_phase(
    ctx: &Ctx,
    pairs: Vec<Pair>,
    traffic: Traffic,
    duration: Duration,
    drain: Duration,
) -> Result<PhaseResult> {
    let n = pairs.len().max(1);
    let (stop_tx, stop_rx) = watch::channel(false);
    let start = Instant::now() + Duration::from_millis(200);
    let start_ns = (start - ctx.epoch).as_nanos() as u64;
    let end = start + duration;
    // Paced senders are spread evenly over one period so sessions do not tick together.
    let period = match traffic {
        Traffic::Paced { rate, .. } => Duration::from_secs_f64(1.0 / f64::from(rate)),
        Traffic::Flood { .. } => Duration::ZERO,
    };
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    let mut direct = Vec::with_capacity(n);
    for (i, pair) in pairs.into_iter().enumerate() {
        direct.push(pair.direct);
        let offset = period.mul_f64(i as f64 / n as f64);
        let (h_sink, h_stream) = pair.helper.split();
        let (s_sink, s_stream) = pair.sharer.split();
        receivers.push((
            tokio::spawn(receive(
                ctx.clone(),
                h_stream,
                Channel::Screen,
                stop_rx.clone(),
            )),
            tokio::spawn(receive(
                ctx.clone(),
                s_stream,
                Channel::Input,
                stop_rx.clone(),
            )),
        ));
        let screen = tokio::spawn(send_frames(
            ctx.clone(),
            s_sink,
            Channel::Screen,
            traffic,
            start + offset,
            end,
        ));
        let input = match traffic {
            Traffic::Paced { .. } => tokio::spawn(send_frames(
                ctx.clone(),
                h_sink,
                Channel::Input,
                traffic,
                start + offset + period / 2,
                end,
            )),
            Traffic::Flood { .. } => tokio::spawn(async move { (h_sink, 0, None) }),
        };
        senders.push((screen, input));
    }
    let mut result = PhaseResult::default();
    let mut problems: Vec<String> = Vec::new();
    let mut sinks = Vec::new();
    for (screen, input) in senders {
        let (s_sink, s_sent, s_err) = screen.await?;
        let (h_sink, h_sent, h_err) = input.await?;
        result.screen.sent += s_sent;
        result.input.sent += h_sent;
        problems.extend(s_err.map(|e| format!("sharer {e}")));
        problems.extend(h_err.map(|e| format!("helper {e}")));
        sinks.push((h_sink, s_sink));
    }
    tokio::time::sleep(drain).await;
    stop_tx.send(true)?;
    let mut screen_last = 0;
    let mut input_last = 0;
    let mut streams = Vec::new();
    for (helper, sharer) in receivers {
        let (h_stream, h_got) = helper.await?;
        let (s_stream, s_got) = sharer.await?;
        for (flow, got, last, who) in [
            (&mut result.screen, h_got, &mut screen_last, "helper"),
            (&mut result.input, s_got, &mut input_last, "sharer"),
        ] {
            flow.latencies.extend(got.latencies);
            flow.delivered += got.frames;
            flow.bytes += got.bytes;
            *last = (*last).max(got.last_ns);
            problems.extend(got.problems.into_iter().map(|p| format!("{who}: {p}")));
        }
        streams.push((h_stream, s_stream));
    }
    for (flow, last) in [
        (&mut result.screen, screen_last),
        (&mut result.input, input_last),
    ] {
        flow.latencies.sort_unstable();
        flow.span = Duration::from_nanos(last.saturating_sub(start_ns));
    }
    // End every session, one at a time: the helper leaves, both sides see `ended` and close.
    for (((h_sink, s_sink), (h_stream, s_stream)), direct) in
        sinks.into_iter().zip(streams).zip(direct)
    {
        let (mut helper, mut sharer) = (h_stream.reunite(h_sink)?, s_stream.reunite(s_sink)?);
        if direct {
            for ws in [&mut sharer, &mut helper] {
                let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
            }
        } else if let Err(err) = leave(helper, sharer).await {
            problems.push(format!("leave: {err:#}"));
        }
    }
    problems.sort();
    for p in problems {
        match result.problems.last_mut() {
            Some((last, count)) if *last == p => *count += 1,
            _ => result.problems.push((p, 1)),
        }
    }
    Ok(result)
}
