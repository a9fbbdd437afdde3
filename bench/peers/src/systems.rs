//! The systems compared, how each is started on the sharer's side, how its
//! viewer connects from the viewer's side, and which processes are its
//! "sharer" and its "server" for CPU figures.
//!
//! | system | sharer | server (relay) | viewer |
//! |---|---|---|---|
//! | Deskmate | `deskmate share` | `deskmate serve` | helper, WSS |
//! | x11vnc Tight / ZRLE | `x11vnc` | – | RFB viewer, TCP |
//! | x0vncserver Tight | TigerVNC `X0tigervnc` | – | RFB viewer, TCP |
//! | x11vnc via websockify | `x11vnc` | `websockify` (TLS) | RFB viewer over WSS, as noVNC |

use crate::deskmate::{DeskmateSide, DeskmateViewer};
use crate::netns::Net;
use crate::procs::{Proc, in_ns};
use crate::rfb::{Encoding, RfbViewer, Transport};
use crate::screen::Shared;
use anyhow::{Context, Result, bail};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Deskmate,
    X11vncTight,
    X11vncZrle,
    X0vncTight,
    X11vncWebsockify,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Deskmate,
        Kind::X11vncTight,
        Kind::X11vncZrle,
        Kind::X0vncTight,
        Kind::X11vncWebsockify,
    ];

    /// Column title.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Deskmate => "Deskmate",
            Kind::X11vncTight => "x11vnc Tight",
            Kind::X11vncZrle => "x11vnc ZRLE",
            Kind::X0vncTight => "x0vncserver Tight",
            Kind::X11vncWebsockify => "x11vnc Tight via websockify (noVNC path)",
        }
    }

    /// Command-line name.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Deskmate => "deskmate",
            Kind::X11vncTight => "x11vnc-tight",
            Kind::X11vncZrle => "x11vnc-zrle",
            Kind::X0vncTight => "x0vncserver",
            Kind::X11vncWebsockify => "websockify",
        }
    }

    pub fn from_key(key: &str) -> Result<Self> {
        Kind::ALL
            .into_iter()
            .find(|k| k.key() == key)
            .with_context(|| {
                let keys: Vec<_> = Kind::ALL.iter().map(|k| k.key()).collect();
                format!("unknown system {key:?}; choose from {}", keys.join(", "))
            })
    }
}

/// A connected viewer of either kind.
pub enum Viewer {
    Rfb(RfbViewer),
    Deskmate(DeskmateViewer),
}

impl Viewer {
    pub fn tid(&self) -> u32 {
        match self {
            Viewer::Rfb(v) => v.tid(),
            Viewer::Deskmate(v) => v.tid(),
        }
    }
}

enum Side {
    Vnc {
        server: Proc,
        relay: Option<Proc>,
        transport: Transport,
        encoding: Encoding,
    },
    Deskmate(Box<DeskmateSide>),
}

/// A started system.
pub struct System {
    pub kind: Kind,
    side: Side,
}

const VNC_PORT: u16 = 5900;
const WS_PORT: u16 = 6080;

fn log_file(dir: &Path, name: &str) -> Result<Stdio> {
    Ok(Stdio::from(
        std::fs::File::create(dir.join(name)).with_context(|| format!("create {name}"))?,
    ))
}

/// Waits until something accepts TCP connections at `addr`.
fn wait_listening(addr: SocketAddr, proc: &mut Proc) -> Result<()> {
    let started = Instant::now();
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
            return Ok(());
        }
        if let Some(status) = proc.exited() {
            bail!("{} exited with {status} before listening", proc.name);
        }
        if started.elapsed() > Duration::from_secs(20) {
            bail!("{} did not listen on {addr} within 20 s", proc.name);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// x11vnc on all addresses of the sharer's namespace, or on its loopback only.
fn x11vnc(net: &Net, display: &str, loopback: bool, dir: &Path) -> Result<Proc> {
    let mut command = in_ns(&net.sharer_ns, "x11vnc");
    if loopback {
        command.arg("-localhost");
    }
    Proc::spawn(
        "x11vnc",
        command
            .args(["-display", display, "-rfbport", &VNC_PORT.to_string()])
            .args(["-nopw", "-forever", "-shared"])
            .args(["-noncache", "-norc", "-nolookup", "-noipv6"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(dir, "x11vnc.log")?),
    )
}

/// A self-signed certificate for websockify (`cert.pem` + `key.pem` in `dir`).
fn websockify_cert(dir: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .context("generate a certificate for websockify")?;
    let (c, k) = (dir.join("ws-cert.pem"), dir.join("ws-key.pem"));
    std::fs::write(&c, cert.cert.pem()).context("write ws-cert.pem")?;
    std::fs::write(&k, cert.signing_key.serialize_pem()).context("write ws-key.pem")?;
    Ok((c, k))
}

impl System {
    pub fn start(
        kind: Kind,
        deskmate: &Path,
        net: &Net,
        display: &str,
        dir: &Path,
    ) -> Result<Self> {
        let vnc: SocketAddr = format!("{}:{VNC_PORT}", net.sharer_ip()).parse()?;
        let side = match kind {
            Kind::Deskmate => {
                Side::Deskmate(Box::new(DeskmateSide::start(deskmate, net, display, dir)?))
            }
            Kind::X11vncTight | Kind::X11vncZrle => {
                let mut server = x11vnc(net, display, false, dir)?;
                wait_listening(vnc, &mut server)?;
                Side::Vnc {
                    server,
                    relay: None,
                    transport: Transport::Tcp(VNC_PORT),
                    encoding: if kind == Kind::X11vncTight {
                        Encoding::Tight
                    } else {
                        Encoding::Zrle
                    },
                }
            }
            Kind::X0vncTight => {
                let mut server = Proc::spawn(
                    "X0tigervnc",
                    in_ns(&net.sharer_ns, "X0tigervnc")
                        .args(["-display", display, "-rfbport", &VNC_PORT.to_string()])
                        .args(["-SecurityTypes", "None"])
                        .args(["-AlwaysShared=1"])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(log_file(dir, "x0vncserver.log")?),
                )?;
                wait_listening(vnc, &mut server)?;
                Side::Vnc {
                    server,
                    relay: None,
                    transport: Transport::Tcp(VNC_PORT),
                    encoding: Encoding::Tight,
                }
            }
            Kind::X11vncWebsockify => {
                let server = x11vnc(net, display, true, dir)?;
                let (cert, key) = websockify_cert(dir)?;
                let mut relay = Proc::spawn(
                    "websockify",
                    in_ns(&net.sharer_ns, "websockify")
                        .arg("--cert")
                        .arg(&cert)
                        .arg("--key")
                        .arg(&key)
                        .arg("--ssl-only")
                        .arg(format!("0.0.0.0:{WS_PORT}"))
                        .arg(format!("127.0.0.1:{VNC_PORT}"))
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(log_file(dir, "websockify.log")?),
                )?;
                let ws: SocketAddr = format!("{}:{WS_PORT}", net.sharer_ip()).parse()?;
                wait_listening(ws, &mut relay)?;
                // x11vnc listens on the sharer's loopback; give it a moment.
                std::thread::sleep(Duration::from_millis(500));
                Side::Vnc {
                    server,
                    relay: Some(relay),
                    transport: Transport::Wss {
                        port: WS_PORT,
                        host: "localhost".into(),
                        tls: Arc::new(crate::deskmate::tls_config(&cert)?),
                    },
                    encoding: Encoding::Tight,
                }
            }
        };
        Ok(Self { kind, side })
    }

    /// Connects a new viewer to `screen`; returns it and the instant the
    /// connection started (for Deskmate: after the agent paired, when the
    /// helper starts joining).
    pub fn connect(&mut self, net: &Net, screen: Shared) -> Result<(Viewer, Instant)> {
        match &mut self.side {
            Side::Vnc {
                transport,
                encoding,
                ..
            } => {
                let t0 = Instant::now();
                let v = RfbViewer::connect(transport, net.sharer_ip(), *encoding, screen)?;
                Ok((Viewer::Rfb(v), t0))
            }
            Side::Deskmate(d) => {
                let (v, t0) = d.connect(net.sharer_ip(), screen)?;
                Ok((Viewer::Deskmate(v), t0))
            }
        }
    }

    pub fn disconnect(&mut self, viewer: Viewer) -> Option<String> {
        match (&mut self.side, viewer) {
            (_, Viewer::Rfb(v)) => {
                v.close();
                None
            }
            (Side::Deskmate(d), Viewer::Deskmate(v)) => d.disconnect(v),
            (_, Viewer::Deskmate(v)) => {
                v.leave();
                None
            }
        }
    }

    /// The sharing process (its whole tree counts).
    pub fn sharer_pid(&self) -> Option<u32> {
        match &self.side {
            Side::Vnc { server, .. } => Some(server.pid),
            Side::Deskmate(d) => d.agent_pid(),
        }
    }

    /// The relay between sharer and viewer, if the system has one.
    pub fn server_pid(&self) -> Option<u32> {
        match &self.side {
            Side::Vnc { relay, .. } => relay.as_ref().map(|r| r.pid),
            Side::Deskmate(d) => Some(d.server.pid),
        }
    }

    /// Stops everything; returns a note if something went wrong.
    pub fn stop(self) -> Option<String> {
        match self.side {
            Side::Vnc {
                mut server, relay, ..
            } => {
                if let Some(mut r) = relay {
                    r.terminate(Duration::from_secs(5));
                }
                server.terminate(Duration::from_secs(5));
                None
            }
            Side::Deskmate(d) => d.stop(),
        }
    }
}
