//! The Deskmate helper as the viewer (the protocol client of
//! `bench/agent/src/helper.rs`, on its own thread so its CPU time can be
//! read): joins the session's WebSocket over TLS, asks for full control,
//! decodes every screen update with `deskmate_codec::Decoder`, shows it
//! (publishes the changed rectangles) and only then acknowledges it, so one
//! update is in flight, as with the real viewer. Cursor positions are
//! recorded.

use crate::screen::{self, Shared};
use anyhow::{Context, Result, bail};
use deskmate_codec::Decoder;
use deskmate_proto::PROTOCOL_VERSION;
use deskmate_proto::cursor::CursorUpdate;
use deskmate_proto::frame::{self, Channel};
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage, decode_server, encode};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws = WebSocketStream<TlsStream<TcpStream>>;

/// How long to wait for one expected control message.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom the helper joins.
pub struct Join {
    pub tls: Arc<rustls::ClientConfig>,
    /// The relay's address across the veth.
    pub addr: SocketAddr,
    pub token: String,
    pub session: String,
}

/// The running helper.
pub struct DeskmateViewer {
    tid: Arc<AtomicU32>,
    leave: mpsc::UnboundedSender<()>,
    leaving: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<()>>>,
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
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
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

async fn join(j: &Join) -> Result<Ws> {
    let tcp = TcpStream::connect(j.addr).await.context("tcp connect")?;
    tcp.set_nodelay(true)?;
    let name = rustls::pki_types::ServerName::try_from("localhost")?;
    let tls = TlsConnector::from(Arc::clone(&j.tls))
        .connect(name, tcp)
        .await
        .context("TLS handshake")?;
    let mut request = format!(
        "wss://localhost:{}/api/v1/remote-help/sessions/{}/connect",
        j.addr.port(),
        j.session
    )
    .into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {}", j.token))?,
    );
    let (mut ws, _) = tokio_tungstenite::client_async(request, tls)
        .await
        .context("WebSocket upgrade")?;
    send_msg(
        &mut ws,
        &ClientMessage::Hello {
            protocol: PROTOCOL_VERSION,
            last_chat_seq: 0,
        },
    )
    .await?;
    let welcome = wait_for(&mut ws, "welcome", |m| {
        matches!(m, ServerMessage::Welcome { .. })
    })
    .await?;
    if !matches!(
        welcome,
        ServerMessage::Welcome {
            peer_online: true,
            ..
        }
    ) {
        wait_for(&mut ws, "the agent online", |m| {
            *m == ServerMessage::Peer { online: true }
        })
        .await?;
    }
    send_msg(
        &mut ws,
        &ClientMessage::RequestMode {
            mode: Mode::Control,
        },
    )
    .await?;
    wait_for(&mut ws, "consent to full control", |m| {
        matches!(
            m,
            ServerMessage::ConsentResult {
                mode: Mode::Control,
                allowed: true
            }
        )
    })
    .await?;
    Ok(ws)
}

impl DeskmateViewer {
    /// Joins on a new thread (current-thread runtime) and returns once the
    /// agent consented; screen updates then flow into `screen`.
    pub fn join(j: Join, screen: Shared) -> Result<Self> {
        let tid = Arc::new(AtomicU32::new(0));
        let leaving = Arc::new(AtomicBool::new(false));
        let (leave, leave_rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let (thread_tid, thread_leaving) = (Arc::clone(&tid), Arc::clone(&leaving));
        let thread = std::thread::Builder::new()
            .name("deskmate-helper".into())
            .spawn(move || -> Result<()> {
                thread_tid.store(crate::procs::current_tid().unwrap_or(0), Ordering::Relaxed);
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("helper runtime")?;
                runtime.block_on(async move {
                    let ws = match join(&j).await {
                        Ok(ws) => {
                            let _ = ready_tx.send(Ok(()));
                            ws
                        }
                        Err(err) => {
                            let message = format!("{err:#}");
                            let _ = ready_tx.send(Err(err));
                            bail!("{message}");
                        }
                    };
                    let result = run(ws, leave_rx, &screen).await;
                    if let Err(err) = &result
                        && !thread_leaving.load(Ordering::Relaxed)
                    {
                        screen::lock(&screen)
                            .problems
                            .push(format!("helper stopped: {err:#}"));
                    }
                    result
                })
            })
            .context("start the helper thread")?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                tid,
                leave,
                leaving,
                thread: Some(thread),
            }),
            Ok(Err(err)) => Err(err.context("the helper could not join")),
            Err(_) => {
                let joined = thread.join();
                bail!("the helper thread ended before joining: {joined:?}")
            }
        }
    }

    pub fn tid(&self) -> u32 {
        self.tid.load(Ordering::Relaxed)
    }

    /// Ends the session (`leave`) and waits for the thread.
    pub fn leave(mut self) {
        self.leaving.store(true, Ordering::Relaxed);
        let _ = self.leave.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn run(mut ws: Ws, mut leave: mpsc::UnboundedReceiver<()>, screen: &Shared) -> Result<()> {
    let mut decoder = Decoder::new();
    loop {
        tokio::select! {
            item = ws.next() => {
                match item {
                    Some(Ok(Message::Binary(bytes))) => {
                        let Ok((channel, payload)) = frame::decode(&bytes) else {
                            screen::lock(screen).problems.push("malformed data frame".into());
                            continue;
                        };
                        match channel {
                            Channel::Screen => {
                                let seq = payload
                                    .get(2..6)
                                    .and_then(|b| b.try_into().ok())
                                    .map(u32::from_le_bytes)
                                    .context("screen update without a sequence number")?;
                                match decoder.apply(payload) {
                                    Ok(rects) => {
                                        if let Some(f) = decoder.frame() {
                                            let rects: Vec<_> = rects.iter().map(|r| (r.x, r.y, r.w, r.h)).collect();
                                            let mut s = screen::lock(screen);
                                            s.resize(f.width, f.height);
                                            s.publish(&f.pixels, &rects);
                                        }
                                    }
                                    Err(err) => screen::lock(screen)
                                        .problems
                                        .push(format!("update {seq} did not decode: {err}")),
                                }
                                send_msg(&mut ws, &ClientMessage::ScreenAck { seq }).await?;
                            }
                            Channel::Cursor => {
                                if let Ok(CursorUpdate::Position { x, y }) = CursorUpdate::decode(payload) {
                                    screen::lock(screen).pointer_at(x, y, true);
                                }
                            }
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Text(text))) => match decode_server(text.as_str()) {
                        Ok(ServerMessage::Error { code, message }) => screen::lock(screen)
                            .problems
                            .push(format!("server error {code:?}: {message}")),
                        Ok(ServerMessage::Ended { by, reason }) => {
                            bail!("session ended by {}: {reason}", by.as_str());
                        }
                        _ => {}
                    },
                    Some(Ok(Message::Close(frame))) => bail!("connection closed: {frame:?}"),
                    Some(Ok(_)) => {}
                    Some(Err(err)) => bail!("helper connection: {err}"),
                    None => bail!("helper connection ended"),
                }
            }
            _ = leave.recv() => {
                send_msg(&mut ws, &ClientMessage::Leave { reason: None }).await?;
                let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
                while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, ws.next()).await {
                    if let Message::Text(text) = &message
                        && matches!(decode_server(text.as_str()), Ok(ServerMessage::Ended { .. }))
                    {
                        break;
                    }
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
                return Ok(());
            }
        }
    }
}
