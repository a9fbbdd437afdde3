//! The RFB viewer's byte stream: plain TCP (as VNC viewers connect), or a
//! WebSocket over TLS to websockify (as noVNC connects, binary messages);
//! with buffered big-endian reads.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, WebSocket};

/// Where and how to connect.
#[derive(Clone)]
pub enum Transport {
    /// RFB straight over TCP to this port.
    Tcp(u16),
    /// `wss://host:port/`, trusting `tls`'s roots.
    Wss {
        port: u16,
        host: String,
        tls: Arc<rustls::ClientConfig>,
    },
}

type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

enum Wire {
    Tcp(TcpStream),
    Wss {
        ws: Box<WebSocket<TlsStream>>,
        pending: Vec<u8>,
        at: usize,
    },
}

/// A connected stream.
pub struct Conn {
    wire: Wire,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Transport {
    /// Connects; returns the stream and a handle to shut the socket down.
    /// Connects to the server at `ip`.
    pub fn connect(&self, ip: &str) -> Result<(Conn, TcpStream)> {
        let port = match self {
            Transport::Tcp(p) | Transport::Wss { port: p, .. } => *p,
        };
        let addr: SocketAddr = format!("{ip}:{port}").parse()?;
        let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(20))
            .with_context(|| format!("connect to {addr}"))?;
        tcp.set_nodelay(true)?;
        let handle = tcp.try_clone()?;
        let wire = match self {
            Transport::Tcp(_) => Wire::Tcp(tcp),
            Transport::Wss { host, tls, .. } => {
                let name = rustls::pki_types::ServerName::try_from(host.clone())?;
                let conn = rustls::ClientConnection::new(Arc::clone(tls), name)?;
                let stream = rustls::StreamOwned::new(conn, tcp);
                let mut request = format!("wss://{host}:{}/", addr.port()).into_client_request()?;
                request
                    .headers_mut()
                    .insert("sec-websocket-protocol", HeaderValue::from_static("binary"));
                let (ws, _) = tokio_tungstenite::tungstenite::client(request, stream)
                    .map_err(|e| anyhow::anyhow!("WebSocket handshake with websockify: {e}"))?;
                Wire::Wss {
                    ws: Box::new(ws),
                    pending: Vec::new(),
                    at: 0,
                }
            }
        };
        Ok((
            Conn {
                wire,
                buf: vec![0; 256 * 1024],
                pos: 0,
                end: 0,
            },
            handle,
        ))
    }
}

impl Wire {
    fn read(&mut self, out: &mut [u8]) -> Result<usize> {
        match self {
            Wire::Tcp(s) => Ok(s.read(out)?),
            Wire::Wss { ws, pending, at } => {
                while *at >= pending.len() {
                    match ws.read().context("WebSocket read")? {
                        Message::Binary(bytes) => {
                            *pending = bytes.to_vec();
                            *at = 0;
                        }
                        Message::Close(_) => return Ok(0),
                        _ => {}
                    }
                }
                let n = out.len().min(pending.len() - *at);
                out[..n].copy_from_slice(&pending[*at..*at + n]);
                *at += n;
                Ok(n)
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Wire::Tcp(s) => Ok(s.write_all(bytes)?),
            Wire::Wss { ws, .. } => ws
                .send(Message::Binary(bytes.to_vec().into()))
                .context("WebSocket send"),
        }
    }
}

impl Conn {
    pub fn send(&mut self, bytes: &[u8]) -> Result<()> {
        self.wire.send(bytes)
    }

    fn fill(&mut self) -> Result<()> {
        let n = self.wire.read(&mut self.buf)?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.pos = 0;
        self.end = n;
        Ok(())
    }

    pub fn read_exact(&mut self, out: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < out.len() {
            if self.pos == self.end {
                self.fill()?;
            }
            let n = (out.len() - done).min(self.end - self.pos);
            out[done..done + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            done += n;
        }
        Ok(())
    }

    pub fn bytes(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut v = vec![0; n];
        self.read_exact(&mut v)?;
        Ok(v)
    }

    pub fn skip(&mut self, mut n: usize) -> Result<()> {
        let mut scratch = [0u8; 4096];
        while n > 0 {
            let k = n.min(scratch.len());
            self.read_exact(&mut scratch[..k])?;
            n -= k;
        }
        Ok(())
    }

    pub fn u8(&mut self) -> Result<u8> {
        let mut b = [0u8; 1];
        self.read_exact(&mut b)?;
        Ok(b[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        let mut b = [0u8; 2];
        self.read_exact(&mut b)?;
        Ok(u16::from_be_bytes(b))
    }

    pub fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        self.read_exact(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }

    pub fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }
}
