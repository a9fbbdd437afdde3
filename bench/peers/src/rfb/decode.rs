//! RFB rectangle decoders into a `0x00RRGGBB` picture: Raw, CopyRect, ZRLE
//! (one zlib stream per connection, 64×64 tiles, CPIXELs of 3 bytes) and
//! Tight (four zlib streams; fill, JPEG, and basic compression with the
//! copy, palette and gradient filters; TPIXELs of R, G, B). The pixel format
//! asked for is 32 bpp, depth 24, little-endian, red/green/blue shifts
//! 16/8/0, so one pixel is the X server's BGRX.

use super::conn::Conn;
use anyhow::{Context, Result, bail};
use flate2::{Decompress, FlushDecompress, Status};

/// The viewer's own picture.
pub struct Fb {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u32>,
}

impl Fb {
    pub fn new(w: u32, h: u32) -> Self {
        Self {
            w,
            h,
            px: vec![0; w as usize * h as usize],
        }
    }

    fn check(&self, x: u32, y: u32, w: u32, h: u32) -> Result<()> {
        if u64::from(x) + u64::from(w) > u64::from(self.w)
            || u64::from(y) + u64::from(h) > u64::from(self.h)
        {
            bail!(
                "rectangle {w}x{h}+{x}+{y} outside the {}x{} screen",
                self.w,
                self.h
            );
        }
        Ok(())
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, p: u32) {
        for row in y..y + h {
            let at = (row * self.w + x) as usize;
            self.px[at..at + w as usize].fill(p);
        }
    }

    /// Sets the rectangle from `src`, `w * h` pixels row-major.
    fn put(&mut self, x: u32, y: u32, w: u32, h: u32, src: &[u32]) {
        for row in 0..h {
            let at = ((y + row) * self.w + x) as usize;
            let from = (row * w) as usize;
            self.px[at..at + w as usize].copy_from_slice(&src[from..from + w as usize]);
        }
    }
}

/// Decoder state that lives as long as the connection.
pub struct Decoders {
    zrle: Decompress,
    tight: [Decompress; 4],
    out: Vec<u8>,
}

fn cpixel(b: &[u8]) -> u32 {
    u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16
}

fn tpixel(b: &[u8]) -> u32 {
    u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2])
}

/// Inflates `input` (a continuation of `z`'s stream) into `out`: exactly
/// `want` bytes, or everything it yields.
fn inflate(z: &mut Decompress, input: &[u8], out: &mut Vec<u8>, want: Option<usize>) -> Result<()> {
    out.clear();
    let mut used = 0usize;
    loop {
        let room = match want {
            Some(n) if out.len() >= n => break,
            Some(n) => n - out.len(),
            None => 256 * 1024,
        };
        out.reserve(room);
        let (in0, out0) = (z.total_in(), out.len());
        let status = z
            .decompress_vec(&input[used..], out, FlushDecompress::Sync)
            .context("zlib data")?;
        let took = (z.total_in() - in0) as usize;
        used += took;
        let made = out.len() - out0;
        if status == Status::StreamEnd {
            break;
        }
        if want.is_none() && used >= input.len() && out.len() < out.capacity() {
            break;
        }
        if took == 0 && made == 0 {
            if used >= input.len() {
                break;
            }
            bail!("zlib made no progress");
        }
    }
    if let Some(n) = want
        && out.len() < n
    {
        bail!("zlib data ended after {} of {n} bytes", out.len());
    }
    Ok(())
}

/// Reads bytes from a slice in order.
struct Take<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Take<'a> {
    fn n(&mut self, n: usize) -> Result<&'a [u8]> {
        let s = self
            .b
            .get(self.at..self.at + n)
            .context("ZRLE data too short")?;
        self.at += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.n(1)?[0])
    }

    fn run(&mut self) -> Result<usize> {
        let mut len = 1usize;
        loop {
            let b = self.u8()?;
            len += usize::from(b);
            if b != 255 {
                return Ok(len);
            }
        }
    }
}

/// Tight's compact length (1–3 bytes, 7 bits each).
fn compact(conn: &mut Conn) -> Result<usize> {
    let mut len = 0usize;
    for i in 0..3 {
        let b = conn.u8()?;
        len |= usize::from(b & if i == 2 { 0xff } else { 0x7f }) << (7 * i);
        if b & 0x80 == 0 || i == 2 {
            break;
        }
    }
    Ok(len)
}

impl Decoders {
    pub fn new() -> Self {
        Self {
            zrle: Decompress::new(true),
            tight: [
                Decompress::new(true),
                Decompress::new(true),
                Decompress::new(true),
                Decompress::new(true),
            ],
            out: Vec::new(),
        }
    }

    pub fn raw(conn: &mut Conn, fb: &mut Fb, x: u32, y: u32, w: u32, h: u32) -> Result<()> {
        fb.check(x, y, w, h)?;
        let bytes = conn.bytes(w as usize * h as usize * 4)?;
        let px: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|p| u32::from_le_bytes([p[0], p[1], p[2], 0]))
            .collect();
        fb.put(x, y, w, h, &px);
        Ok(())
    }

    pub fn copy_rect(conn: &mut Conn, fb: &mut Fb, x: u32, y: u32, w: u32, h: u32) -> Result<()> {
        let (sx, sy) = (u32::from(conn.u16()?), u32::from(conn.u16()?));
        fb.check(x, y, w, h)?;
        fb.check(sx, sy, w, h)?;
        let mut tmp = Vec::with_capacity(w as usize * h as usize);
        for row in sy..sy + h {
            let at = (row * fb.w + sx) as usize;
            tmp.extend_from_slice(&fb.px[at..at + w as usize]);
        }
        fb.put(x, y, w, h, &tmp);
        Ok(())
    }

    pub fn zrle(
        &mut self,
        conn: &mut Conn,
        fb: &mut Fb,
        x: u32,
        y: u32,
        w: u32,
        h: u32,
    ) -> Result<()> {
        fb.check(x, y, w, h)?;
        let len = conn.u32()? as usize;
        let data = conn.bytes(len)?;
        inflate(&mut self.zrle, &data, &mut self.out, None)?;
        let mut t = Take {
            b: &self.out,
            at: 0,
        };
        let mut tile = vec![0u32; 64 * 64];
        for ty in (y..y + h).step_by(64) {
            let th = (y + h - ty).min(64);
            for tx in (x..x + w).step_by(64) {
                let tw = (x + w - tx).min(64);
                let n = (tw * th) as usize;
                let sub = t.u8()?;
                match sub {
                    0 => {
                        for p in tile.iter_mut().take(n) {
                            *p = cpixel(t.n(3)?);
                        }
                    }
                    1 => tile[..n].fill(cpixel(t.n(3)?)),
                    2..=16 => {
                        let pal: Vec<u32> = (0..sub)
                            .map(|_| t.n(3).map(cpixel))
                            .collect::<Result<_>>()?;
                        let bits = match sub {
                            2 => 1,
                            3..=4 => 2,
                            _ => 4,
                        };
                        let row_bytes = (tw as usize * bits).div_ceil(8);
                        for r in 0..th as usize {
                            let line = t.n(row_bytes)?;
                            for c in 0..tw as usize {
                                let bit = c * bits;
                                let idx = (line[bit / 8] >> (8 - bits - bit % 8))
                                    & ((1 << bits) - 1) as u8;
                                tile[r * tw as usize + c] =
                                    *pal.get(usize::from(idx)).context("ZRLE palette index")?;
                            }
                        }
                    }
                    128 => {
                        let mut i = 0;
                        while i < n {
                            let p = cpixel(t.n(3)?);
                            let run = t.run()?;
                            let end = (i + run).min(n);
                            tile[i..end].fill(p);
                            i = end;
                        }
                    }
                    130..=255 => {
                        let pal: Vec<u32> = (0..sub - 128)
                            .map(|_| t.n(3).map(cpixel))
                            .collect::<Result<_>>()?;
                        let mut i = 0;
                        while i < n {
                            let idx = t.u8()?;
                            let p = *pal
                                .get(usize::from(idx & 0x7f))
                                .context("ZRLE palette index")?;
                            let run = if idx & 0x80 != 0 { t.run()? } else { 1 };
                            let end = (i + run).min(n);
                            tile[i..end].fill(p);
                            i = end;
                        }
                    }
                    _ => bail!("ZRLE sub-encoding {sub} is not defined"),
                }
                fb.put(tx, ty, tw, th, &tile[..n]);
            }
        }
        Ok(())
    }

    pub fn tight(
        &mut self,
        conn: &mut Conn,
        fb: &mut Fb,
        x: u32,
        y: u32,
        w: u32,
        h: u32,
    ) -> Result<()> {
        fb.check(x, y, w, h)?;
        let mut ctl = conn.u8()?;
        for (i, z) in self.tight.iter_mut().enumerate() {
            if ctl & (1 << i) != 0 {
                z.reset(true);
            }
        }
        ctl >>= 4;
        let n = w as usize * h as usize;
        if ctl == 0x08 {
            let p = tpixel(&conn.bytes(3)?);
            fb.fill(x, y, w, h, p);
            return Ok(());
        }
        if ctl == 0x09 {
            let len = compact(conn)?;
            let data = conn.bytes(len)?;
            let mut decoder = jpeg_decoder::Decoder::new(&data[..]);
            let pixels = decoder.decode().context("Tight JPEG")?;
            let info = decoder.info().context("Tight JPEG without a header")?;
            if u32::from(info.width) != w || u32::from(info.height) != h {
                bail!("Tight JPEG is {}x{}, not {w}x{h}", info.width, info.height);
            }
            let px: Vec<u32> = match info.pixel_format {
                jpeg_decoder::PixelFormat::RGB24 => pixels.chunks_exact(3).map(tpixel).collect(),
                jpeg_decoder::PixelFormat::L8 => {
                    pixels.iter().map(|&l| u32::from(l) * 0x0001_0101).collect()
                }
                other => bail!("Tight JPEG in {other:?}"),
            };
            if px.len() < n {
                bail!("Tight JPEG too short");
            }
            fb.put(x, y, w, h, &px);
            return Ok(());
        }
        if ctl > 0x09 {
            bail!("Tight compression control {ctl:#x} is not supported");
        }
        let stream = usize::from(ctl & 0x03);
        let filter = if ctl & 0x04 != 0 { conn.u8()? } else { 0 };
        let mut palette = Vec::new();
        let row_bytes = match filter {
            0 | 2 => w as usize * 3,
            1 => {
                let colours = usize::from(conn.u8()?) + 1;
                let raw = conn.bytes(colours * 3)?;
                palette = raw.chunks_exact(3).map(tpixel).collect();
                if colours == 2 {
                    (w as usize).div_ceil(8)
                } else {
                    w as usize
                }
            }
            _ => bail!("Tight filter {filter} is not defined"),
        };
        let size = row_bytes * h as usize;
        let data = if size < 12 {
            conn.bytes(size)?
        } else {
            let len = compact(conn)?;
            let z = conn.bytes(len)?;
            inflate(&mut self.tight[stream], &z, &mut self.out, Some(size))?;
            self.out[..size].to_vec()
        };
        let mut px = vec![0u32; n];
        match filter {
            0 => {
                for (p, b) in px.iter_mut().zip(data.chunks_exact(3)) {
                    *p = tpixel(b);
                }
            }
            1 if palette.len() == 2 => {
                for r in 0..h as usize {
                    let line = &data[r * row_bytes..(r + 1) * row_bytes];
                    for c in 0..w as usize {
                        let bit = (line[c / 8] >> (7 - c % 8)) & 1;
                        px[r * w as usize + c] = palette[usize::from(bit)];
                    }
                }
            }
            1 => {
                for (p, &i) in px.iter_mut().zip(&data) {
                    *p = *palette.get(usize::from(i)).context("Tight palette index")?;
                }
            }
            _ => gradient(&data, w as usize, h as usize, &mut px),
        }
        fb.put(x, y, w, h, &px);
        Ok(())
    }
}

/// Tight's gradient filter: each component is predicted from the left, the
/// upper and the upper-left pixel (clamped), the data holds the difference.
fn gradient(data: &[u8], w: usize, h: usize, px: &mut [u32]) {
    let mut prev = vec![0u8; w * 3];
    let mut this = vec![0u8; w * 3];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let est = if x == 0 {
                    i32::from(prev[c])
                } else {
                    (i32::from(prev[x * 3 + c]) + i32::from(this[(x - 1) * 3 + c])
                        - i32::from(prev[(x - 1) * 3 + c]))
                    .clamp(0, 255)
                };
                this[x * 3 + c] = (est as u8).wrapping_add(data[(y * w + x) * 3 + c]);
            }
            px[y * w + x] = tpixel(&this[x * 3..x * 3 + 3]);
        }
        std::mem::swap(&mut prev, &mut this);
    }
}
