//! The helper, in process: joins the session's WebSocket (TLS with the
//! server's certificate), asks for full control, then decodes every screen
//! update with `deskmate_codec::Decoder` (and its video pictures with
//! OpenH264's decoder, as a browser would with WebCodecs) and acknowledges
//! it, logging what arrived and when. Input frames are sent through the
//! same task.

use anyhow::{Context, Result, bail};
use deskmate_codec::Decoder;
use deskmate_proto::PROTOCOL_VERSION;
use deskmate_proto::frame::{self, Channel};
use deskmate_proto::input::InputEvent;
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage, decode_server, encode};
use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws = WebSocketStream<TlsStream<TcpStream>>;

/// How long to wait for one expected control message.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// One WebSocket message the helper received.
#[derive(Debug, Clone, Copy)]
pub struct Rx {
    /// When the WebSocket yielded it.
    pub at: Instant,
    /// Data channel byte (1 screen, 4 cursor, …); 0 for a text message.
    pub channel: u8,
    /// Payload bytes of the WebSocket message.
    pub bytes: usize,
    /// Time spent decoding (screen updates).
    pub decode: Duration,
    /// When its acknowledgement had been written (screen updates).
    pub acked: Option<Instant>,
    /// Whether it carried a video picture.
    pub video: bool,
}

/// What the helper task shares with the scenarios.
#[derive(Default)]
pub struct Shared {
    pub decoder: Decoder,
    /// The H.264 decoder of the current video stream.
    pub video: Option<openh264::decoder::Decoder>,
    pub log: Vec<Rx>,
    /// Receive time of the last screen update.
    pub last_screen: Option<Instant>,
    /// When the last screen update had been applied to `decoder`.
    pub last_applied: Option<Instant>,
    /// Decode failures, server errors, an end or close.
    pub problems: Vec<String>,
}

impl Shared {
    /// Messages received in `[from, to)`.
    pub fn between(&self, from: Instant, to: Instant) -> impl Iterator<Item = &Rx> {
        self.log.iter().filter(move |r| r.at >= from && r.at < to)
    }
}

enum Cmd {
    Send(Message, oneshot::Sender<Instant>),
    Leave(oneshot::Sender<Instant>),
}

/// The running helper.
pub struct Helper {
    cmds: mpsc::UnboundedSender<Cmd>,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<Result<()>>,
}

/// Decodes one video picture (the bench does not draw it).
fn decode_video(
    stream: &mut Option<openh264::decoder::Decoder>,
    picture: &deskmate_codec::VideoRect,
) -> Result<()> {
    if picture.keyframe {
        *stream = Some(openh264::decoder::Decoder::new().context("H.264 decoder")?);
    }
    let decoder = stream
        .as_mut()
        .context("a video picture before its keyframe")?;
    decoder
        .decode(&picture.data)
        .context("H.264 picture")?
        .context("no picture out of the H.264 decoder")?;
    Ok(())
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

impl Helper {
    /// Joins `session`, says hello, waits for the agent, asks for full
    /// control and waits for the consent; then starts the receive loop.
    pub async fn join(
        tls: Arc<rustls::ClientConfig>,
        addr: &str,
        token: &str,
        session: &str,
    ) -> Result<Self> {
        let tcp = TcpStream::connect(addr).await.context("tcp connect")?;
        tcp.set_nodelay(true)?;
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1")?;
        let tls = TlsConnector::from(tls)
            .connect(name, tcp)
            .await
            .context("TLS handshake")?;
        let mut request = format!("wss://{addr}/api/v1/remote-help/sessions/{session}/connect")
            .into_client_request()?;
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
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
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (cmds, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(ws, rx, Arc::clone(&shared)));
        Ok(Self { cmds, shared, task })
    }

    /// The shared state (decoder, log).
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn send(&self, message: Message) -> Result<Instant> {
        let (tx, rx) = oneshot::channel();
        self.cmds
            .send(Cmd::Send(message, tx))
            .map_err(|_| anyhow::anyhow!("the helper's connection is gone"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("the helper's connection is gone"))
    }

    /// Sends an input event; returns the instant just before it was written.
    pub async fn input(&self, event: &InputEvent) -> Result<Instant> {
        self.send(Message::Binary(
            frame::encode(Channel::Input, &event.encode()).into(),
        ))
        .await
    }

    /// Ends the session (`leave`) and stops the task.
    pub async fn leave(self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.cmds
            .send(Cmd::Leave(tx))
            .map_err(|_| anyhow::anyhow!("the helper's connection is gone"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("the helper's connection is gone"))?;
        drop(self.cmds);
        match tokio::time::timeout(Duration::from_secs(10), self.task).await {
            Ok(joined) => joined.context("helper task")?,
            Err(_) => bail!("the session did not end within 10 s of leaving"),
        }
    }
}

async fn run(
    mut ws: Ws,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    shared: Arc<Mutex<Shared>>,
) -> Result<()> {
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    let mut commands_open = true;
    let mut leaving = false;
    loop {
        tokio::select! {
            item = ws.next() => {
                let at = Instant::now();
                match item {
                    Some(Ok(Message::Binary(bytes))) => {
                        let Ok((channel, payload)) = frame::decode(&bytes) else {
                            lock().problems.push("malformed data frame".into());
                            continue;
                        };
                        if channel != Channel::Screen {
                            lock().log.push(Rx { at, channel: channel.byte(), bytes: bytes.len(), decode: Duration::ZERO, acked: None, video: false });
                            continue;
                        }
                        let seq = payload
                            .get(2..6)
                            .and_then(|b| b.try_into().ok())
                            .map(u32::from_le_bytes)
                            .context("screen update without a sequence number")?;
                        {
                            let mut s = lock();
                            let t = Instant::now();
                            if let Err(err) = s.decoder.apply(payload) {
                                s.problems.push(format!("update {seq} did not decode: {err}"));
                            }
                            let pictures = s.decoder.video().to_vec();
                            for picture in &pictures {
                                if let Err(err) = decode_video(&mut s.video, picture) {
                                    s.problems.push(format!("video of update {seq} did not decode: {err}"));
                                }
                            }
                            let done = Instant::now();
                            s.log.push(Rx { at, channel: channel.byte(), bytes: bytes.len(), decode: done - t, acked: None, video: !pictures.is_empty() });
                            s.last_screen = Some(at);
                            s.last_applied = Some(done);
                        }
                        send_msg(&mut ws, &ClientMessage::ScreenAck { seq }).await?;
                        // Only this task appends to the log, so the entry is still the last one.
                        if let Some(last) = lock().log.last_mut() {
                            last.acked = Some(Instant::now());
                        }
                    }
                    Some(Ok(Message::Text(text))) => {
                        let mut s = lock();
                        s.log.push(Rx { at, channel: 0, bytes: text.len(), decode: Duration::ZERO, acked: None, video: false });
                        match decode_server(text.as_str()) {
                            Ok(ServerMessage::Error { code, message }) => {
                                s.problems.push(format!("server error {code:?}: {message}"));
                            }
                            Ok(ServerMessage::Ended { by, reason }) => {
                                if !leaving {
                                    s.problems.push(format!("session ended by {} during the run: {reason}", by.as_str()));
                                }
                                return Ok(());
                            }
                            Ok(_) => {}
                            Err(err) => s.problems.push(format!("unreadable server message: {err}")),
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        if !leaving {
                            lock().problems.push(format!("connection closed during the run: {frame:?}"));
                        }
                        return Ok(());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(err)) => bail!("helper connection: {err}"),
                    None => return Ok(()),
                }
            }
            cmd = cmds.recv(), if commands_open => match cmd {
                Some(Cmd::Send(message, reply)) => {
                    let at = Instant::now();
                    ws.send(message).await.context("helper send")?;
                    let _ = reply.send(at);
                }
                Some(Cmd::Leave(reply)) => {
                    leaving = true;
                    let at = Instant::now();
                    send_msg(&mut ws, &ClientMessage::Leave { reason: None }).await?;
                    let _ = reply.send(at);
                }
                None => commands_open = false,
            },
        }
    }
}
