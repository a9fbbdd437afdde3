//! A small RFB 3.8 viewer that decodes for real: security type None, the
//! pixel format of the X screen, Tight (JPEG quality 8, compression 2, as
//! TigerVNC's viewer asks by default) or ZRLE, plus CopyRect and Raw, the
//! cursor shape, pointer position, desktop size and last-rectangle
//! pseudo-encodings. It runs on its own thread (so its CPU time can be read)
//! and, like a classic viewer, keeps one update request in flight: the next
//! incremental request goes out once an update has been decoded and shown.

mod conn;
mod decode;

pub use conn::Transport;

use crate::screen::{self, Shared};
use anyhow::{Context, Result, bail};
use conn::Conn;
use decode::{Decoders, Fb};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::JoinHandle;

/// The encoding the viewer prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Tight,
    Zrle,
}

const RAW: i32 = 0;
const COPY_RECT: i32 = 1;
const TIGHT: i32 = 7;
const ZRLE: i32 = 16;
const JPEG_QUALITY_8: i32 = -24;
const COMPRESS_LEVEL_2: i32 = -254;
const CURSOR: i32 = -239;
const X_CURSOR: i32 = -240;
const POINTER_POS: i32 = -232;
const DESKTOP_SIZE: i32 = -223;
const LAST_RECT: i32 = -224;
const VMWARE_CURSOR_POS: i32 = 0x574d_5666;

/// A connected viewer; its thread ends when the connection does.
pub struct RfbViewer {
    tid: Arc<AtomicU32>,
    closing: Arc<AtomicBool>,
    socket: TcpStream,
    thread: Option<JoinHandle<Result<()>>>,
}

impl RfbViewer {
    /// Connects (TCP, and TLS + WebSocket for websockify) on the calling
    /// thread, then runs the handshake and the update loop on a new one.
    pub fn connect(
        transport: &Transport,
        ip: &str,
        encoding: Encoding,
        screen: Shared,
    ) -> Result<Self> {
        let (conn, socket) = transport.connect(ip)?;
        let tid = Arc::new(AtomicU32::new(0));
        let thread_tid = Arc::clone(&tid);
        let closing = Arc::new(AtomicBool::new(false));
        let thread_closing = Arc::clone(&closing);
        let thread = std::thread::Builder::new()
            .name("rfb-viewer".into())
            .spawn(move || {
                thread_tid.store(crate::procs::current_tid().unwrap_or(0), Ordering::Relaxed);
                let result = run(conn, encoding, &screen);
                if let Err(err) = &result
                    && !thread_closing.load(Ordering::Relaxed)
                {
                    screen::lock(&screen)
                        .problems
                        .push(format!("viewer stopped: {err:#}"));
                }
                result
            })
            .context("start the viewer thread")?;
        Ok(Self {
            tid,
            closing,
            socket,
            thread: Some(thread),
        })
    }

    /// The viewer thread's id (0 until it started).
    pub fn tid(&self) -> u32 {
        self.tid.load(Ordering::Relaxed)
    }

    /// Closes the connection and waits for the thread.
    pub fn close(mut self) {
        self.closing.store(true, Ordering::Relaxed);
        let _ = self.socket.shutdown(Shutdown::Both);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handshake(conn: &mut Conn) -> Result<(u32, u32)> {
    let version = conn.bytes(12)?;
    if !version.starts_with(b"RFB 003.") {
        bail!("not an RFB server: {:?}", String::from_utf8_lossy(&version));
    }
    conn.send(b"RFB 003.008\n")?;
    let count = conn.u8()?;
    if count == 0 {
        let len = conn.u32()? as usize;
        bail!(
            "the server refused: {}",
            String::from_utf8_lossy(&conn.bytes(len)?)
        );
    }
    let types = conn.bytes(usize::from(count))?;
    if !types.contains(&1) {
        bail!("the server offers no security type None ({types:?})");
    }
    conn.send(&[1])?;
    if conn.u32()? != 0 {
        bail!("security handshake failed");
    }
    conn.send(&[1])?; // ClientInit: shared
    let (w, h) = (u32::from(conn.u16()?), u32::from(conn.u16()?));
    let _server_format = conn.bytes(16)?;
    let name_len = conn.u32()? as usize;
    conn.skip(name_len)?;
    Ok((w, h))
}

fn set_up(conn: &mut Conn, encoding: Encoding, w: u32, h: u32) -> Result<()> {
    // SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, 255 each, shifts 16/8/0.
    let mut msg = vec![0u8, 0, 0, 0, 32, 24, 0, 1];
    msg.extend_from_slice(&255u16.to_be_bytes());
    msg.extend_from_slice(&255u16.to_be_bytes());
    msg.extend_from_slice(&255u16.to_be_bytes());
    msg.extend_from_slice(&[16, 8, 0, 0, 0, 0]);
    conn.send(&msg)?;
    let mut encodings = match encoding {
        Encoding::Tight => vec![TIGHT, COPY_RECT, RAW, JPEG_QUALITY_8, COMPRESS_LEVEL_2],
        Encoding::Zrle => vec![ZRLE, COPY_RECT, RAW],
    };
    encodings.extend([
        CURSOR,
        X_CURSOR,
        POINTER_POS,
        VMWARE_CURSOR_POS,
        DESKTOP_SIZE,
        LAST_RECT,
    ]);
    let mut msg = vec![2u8, 0];
    msg.extend_from_slice(&(encodings.len() as u16).to_be_bytes());
    for e in encodings {
        msg.extend_from_slice(&e.to_be_bytes());
    }
    conn.send(&msg)?;
    request(conn, false, w, h)
}

fn request(conn: &mut Conn, incremental: bool, w: u32, h: u32) -> Result<()> {
    let mut msg = vec![3u8, u8::from(incremental), 0, 0, 0, 0];
    msg.extend_from_slice(&(w as u16).to_be_bytes());
    msg.extend_from_slice(&(h as u16).to_be_bytes());
    conn.send(&msg)
}

fn run(mut conn: Conn, encoding: Encoding, screen: &Shared) -> Result<()> {
    let (w, h) = handshake(&mut conn)?;
    screen::lock(screen).resize(w, h);
    let mut fb = Fb::new(w, h);
    let mut decoders = Decoders::new();
    set_up(&mut conn, encoding, w, h)?;
    loop {
        let kind = conn.u8()?;
        match kind {
            0 => {
                conn.u8()?;
                let count = conn.u16()?;
                let mut rects = Vec::new();
                let mut pointer = None;
                for _ in 0..count {
                    let (x, y) = (u32::from(conn.u16()?), u32::from(conn.u16()?));
                    let (rw, rh) = (u32::from(conn.u16()?), u32::from(conn.u16()?));
                    match conn.i32()? {
                        RAW => Decoders::raw(&mut conn, &mut fb, x, y, rw, rh)?,
                        COPY_RECT => Decoders::copy_rect(&mut conn, &mut fb, x, y, rw, rh)?,
                        ZRLE => decoders.zrle(&mut conn, &mut fb, x, y, rw, rh)?,
                        TIGHT => decoders.tight(&mut conn, &mut fb, x, y, rw, rh)?,
                        CURSOR => {
                            let (cw, ch) = (rw as usize, rh as usize);
                            conn.skip(cw * ch * 4 + cw.div_ceil(8) * ch)?;
                            continue;
                        }
                        X_CURSOR => {
                            let (cw, ch) = (rw as usize, rh as usize);
                            if cw * ch > 0 {
                                conn.skip(6 + 2 * cw.div_ceil(8) * ch)?;
                            }
                            continue;
                        }
                        POINTER_POS | VMWARE_CURSOR_POS => {
                            pointer = Some((x as i32, y as i32));
                            continue;
                        }
                        DESKTOP_SIZE => {
                            fb = Fb::new(rw, rh);
                            screen::lock(screen).resize(rw, rh);
                            continue;
                        }
                        LAST_RECT => break,
                        other => bail!("the server used encoding {other}, which was not asked for"),
                    }
                    rects.push((x, y, rw, rh));
                }
                {
                    let mut s = screen::lock(screen);
                    let changed = s.publish(&fb.px, &rects);
                    if let Some((px, py)) = pointer {
                        s.pointer_at(px, py, !changed);
                    }
                }
                request(&mut conn, true, fb.w, fb.h)?;
            }
            1 => {
                conn.u8()?;
                let _first = conn.u16()?;
                let n = conn.u16()?;
                conn.skip(usize::from(n) * 6)?;
            }
            2 => {}
            3 => {
                conn.skip(3)?;
                let len = conn.u32()? as usize;
                conn.skip(len)?;
            }
            other => bail!("unknown server message {other}"),
        }
    }
}
