//! A synthetic 1920×1080 desktop, drawn without fonts: a gradient
//! wallpaper, a top bar, a code editor with line numbers, syntax colours and
//! a scroll bar, a file list window and a dialog. Glyphs are made-up 8×18
//! shapes with anti-aliased edges, one per character, so text tiles hold the
//! colours and variety real text has and the codec compresses them as it
//! would real text.

use deskmate_codec::{Frame, Rect};

/// Screen width.
pub const WIDTH: u32 = 1920;
/// Screen height.
pub const HEIGHT: u32 = 1080;
/// Glyph cell width.
const CELL_W: u32 = 8;
/// Line height (glyph cell height).
const LINE_H: u32 = 18;

/// The editor window's outer rectangle.
const EDITOR: Rect = Rect {
    x: 40,
    y: 44,
    w: 1180,
    h: 1010,
};
/// What scrolls in the editor: line numbers and text (below the title bar,
/// left of the scroll bar).
pub const SCROLL_AREA: Rect = Rect {
    x: 41,
    y: 77,
    w: 1166,
    h: 976,
};
/// The editor's scroll bar.
pub const SCROLL_BAR: Rect = Rect {
    x: 1207,
    y: 77,
    w: 12,
    h: 976,
};
/// Lines shown in the editor.
const VISIBLE_LINES: u32 = 53;
/// Lines in the edited document.
const DOCUMENT_LINES: u32 = 3000;
/// Left of the first text column.
const TEXT_X: u32 = 99;
/// Right edge text is clipped at.
const TEXT_RIGHT: u32 = 1203;
/// The document line the typing sequence types into (empty otherwise).
const TYPING_LINE: u32 = 20;
/// Indentation (columns) of the typed line.
const TYPING_INDENT: u32 = 8;
/// The file list window.
const FILES: Rect = Rect {
    x: 1260,
    y: 44,
    w: 620,
    h: 560,
};
/// Dialog size.
pub const DIALOG_W: u32 = 600;
/// Dialog height.
pub const DIALOG_H: u32 = 400;

const INK: u32 = 0x1f_2328;
const KEYWORD: u32 = 0x82_50df;
const STRING: u32 = 0x0a_3069;
const NUMBER: u32 = 0x05_50ae;
const COMMENT: u32 = 0x6e_7781;
const WHITE: u32 = 0xff_ffff;

/// A small deterministic generator (xorshift64*), so fixtures are the same
/// on every run.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() >> 32) as u32 % n
    }
}

/// Ink coverage 0..=3 of each pixel of a glyph cell.
type Glyph = [[u8; CELL_W as usize]; LINE_H as usize];

/// Makes up a glyph for each ASCII byte: stems, bars and a diagonal inside
/// the cell's x-height (or ascender/descender) band, then a lighter fringe
/// where ink meets the background, as anti-aliased text has.
fn make_glyph(c: u8) -> Glyph {
    let mut g = [[0u8; CELL_W as usize]; LINE_H as usize];
    if !c.is_ascii_graphic() {
        return g;
    }
    let mut rng = Rng::new(u64::from(c) + 7);
    let (top, bottom) = if c.is_ascii_alphanumeric() {
        let top = if c.is_ascii_uppercase() || c.is_ascii_digit() || rng.below(3) == 0 {
            3
        } else {
            6
        };
        let bottom = if c.is_ascii_lowercase() && rng.below(4) == 0 {
            16
        } else {
            13
        };
        (top, bottom)
    } else {
        (5 + rng.below(5), 13)
    };
    for _ in 0..1 + rng.below(2) {
        let x = 1 + rng.below(6) as usize;
        let from = top + rng.below(2) * (bottom - top) / 2;
        for row in &mut g[from as usize..=bottom as usize] {
            row[x] = 3;
        }
    }
    for _ in 0..1 + rng.below(3) {
        let y = (top + rng.below(bottom - top + 1)) as usize;
        let x0 = 1 + rng.below(3) as usize;
        let x1 = (x0 + 2 + rng.below(3) as usize).min(6);
        g[y][x0..=x1].fill(3);
    }
    if rng.below(2) == 0 {
        let x0 = 1 + rng.below(3);
        for (i, y) in (top..=bottom).enumerate() {
            let x = (x0 + i as u32 / 3).min(6) as usize;
            g[y as usize][x] = g[y as usize][x].max(2);
        }
    }
    let ink = g;
    for y in 0..LINE_H as usize {
        for x in 0..CELL_W as usize {
            if ink[y][x] != 0 {
                continue;
            }
            let near = [(0, 1), (2, 1), (1, 0), (1, 2)]
                .iter()
                .filter(|(dx, dy)| {
                    let (nx, ny) = ((x + dx).wrapping_sub(1), (y + dy).wrapping_sub(1));
                    ny < LINE_H as usize && nx < CELL_W as usize && ink[ny][nx] == 3
                })
                .count();
            g[y][x] = near.min(2) as u8;
        }
    }
    g
}

/// Mixes `fg` over `bg` at coverage 0..=3.
fn blend(bg: u32, fg: u32, coverage: u8) -> u32 {
    let mut out = 0;
    for shift in [16, 8, 0] {
        let (b, f) = ((bg >> shift) & 0xff, (fg >> shift) & 0xff);
        let c = (b * (3 - u32::from(coverage)) + f * u32::from(coverage)) / 3;
        out |= c << shift;
    }
    out
}

/// Fills `rect` (clipped to the screen).
fn fill(frame: &mut Frame, rect: Rect, colour: u32) {
    let x1 = (rect.x + rect.w).min(frame.width);
    for y in rect.y..(rect.y + rect.h).min(frame.height) {
        let row = (y * frame.width) as usize;
        frame.pixels[row + rect.x as usize..row + x1 as usize].fill(colour);
    }
}

/// A run of text in one colour.
pub struct Span {
    text: Vec<u8>,
    colour: u32,
}

fn span(text: impl Into<Vec<u8>>, colour: u32) -> Span {
    Span {
        text: text.into(),
        colour,
    }
}

const KEYWORDS: [&str; 14] = [
    "fn", "let", "mut", "match", "return", "pub", "if", "else", "for", "in", "impl", "struct",
    "use", "while",
];
const PUNCTUATION: [&str; 12] = [
    "(", ");", "{", "}", " = ", ", ", "->", "::", ".", "&", "?;", " + ",
];

/// A made-up identifier such as `frame_count`.
fn identifier(rng: &mut Rng) -> Vec<u8> {
    let mut word: Vec<u8> = (0..2 + rng.below(8))
        .map(|_| b'a' + rng.below(26) as u8)
        .collect();
    if rng.below(3) == 0 {
        word.push(b'_');
        word.extend((0..2 + rng.below(6)).map(|_| b'a' + rng.below(26) as u8));
    }
    word
}

/// Words of prose, `min` bytes plus up to `spread - 1` more.
pub fn prose(rng: &mut Rng, min: u32, spread: u32) -> Vec<u8> {
    let len = (min + rng.below(spread)) as usize;
    let mut text = Vec::new();
    while text.len() < len {
        let mut word = identifier(rng);
        word.retain(|&b| b != b'_');
        if rng.below(8) == 0 {
            word[0] = word[0].to_ascii_uppercase();
        }
        text.extend(word);
        text.push(if rng.below(10) == 0 { b',' } else { b' ' });
    }
    text.truncate(len);
    text
}

/// Line `n` of the edited document: indented, syntax-coloured code, with
/// some comments and blank lines. Deterministic in `n`.
pub fn code_line(n: u32) -> Vec<Span> {
    let mut rng = Rng::new(u64::from(n) * 31 + 5);
    if n == TYPING_LINE || rng.below(9) == 0 {
        return Vec::new();
    }
    let depth = Rng::new(u64::from(n / 6)).below(5);
    let mut spans = vec![span(vec![b' '; depth as usize * 4], INK)];
    if rng.below(8) == 0 {
        let mut text = b"// ".to_vec();
        text.extend(prose(&mut rng, 20, 70));
        spans.push(span(text, COMMENT));
        return spans;
    }
    for _ in 0..2 + rng.below(12) {
        let s = match rng.below(10) {
            0 | 1 => span(
                format!("{} ", KEYWORDS[rng.below(14) as usize]).into_bytes(),
                KEYWORD,
            ),
            2 => {
                let mut text = b"\"".to_vec();
                text.extend(prose(&mut rng, 4, 24));
                text.push(b'"');
                span(text, STRING)
            }
            3 => span(rng.below(100_000).to_string().into_bytes(), NUMBER),
            4..=6 => span(PUNCTUATION[rng.below(12) as usize].as_bytes().to_vec(), INK),
            _ => span(identifier(&mut rng), INK),
        };
        spans.push(s);
    }
    spans
}

/// What the screen shows; `draw` paints all of it.
pub struct Desktop {
    glyphs: Vec<Glyph>,
    /// First document line shown in the editor.
    pub top_line: u32,
    /// What has been typed into the typing line.
    pub typed: Vec<u8>,
    /// Top-left corner of the dialog.
    pub dialog_at: (u32, u32),
}

impl Desktop {
    /// The starting screen.
    pub fn new() -> Self {
        Self {
            glyphs: (0..=255u8).map(make_glyph).collect(),
            top_line: 0,
            typed: Vec::new(),
            dialog_at: (1260, 640),
        }
    }

    /// The cell the typing caret sits in (left of the next character).
    pub fn caret_cell(&self) -> Rect {
        let col = TYPING_INDENT + self.typed.len() as u32;
        let row = TYPING_LINE - self.top_line;
        Rect {
            x: TEXT_X + col * CELL_W,
            y: SCROLL_AREA.y + 4 + row * LINE_H,
            w: CELL_W,
            h: LINE_H,
        }
    }

    /// The dialog's rectangle.
    pub fn dialog(&self) -> Rect {
        Rect {
            x: self.dialog_at.0,
            y: self.dialog_at.1,
            w: DIALOG_W,
            h: DIALOG_H,
        }
    }

    /// Draws `spans` from (x, y) on a background of `bg`, clipped at `right`.
    fn text(&self, frame: &mut Frame, (x, y): (u32, u32), spans: &[Span], bg: u32, right: u32) {
        let mut cx = x;
        for s in spans {
            for &c in &s.text {
                if cx + CELL_W > right {
                    return;
                }
                for (gy, row) in self.glyphs[usize::from(c)].iter().enumerate() {
                    let start = ((y + gy as u32) * frame.width + cx) as usize;
                    for (px, &coverage) in frame.pixels[start..start + CELL_W as usize]
                        .iter_mut()
                        .zip(row)
                    {
                        if coverage != 0 {
                            *px = blend(bg, s.colour, coverage);
                        }
                    }
                }
                cx += CELL_W;
            }
        }
    }

    /// Paints the whole screen.
    pub fn draw(&self, frame: &mut Frame) {
        wallpaper(frame);
        fill(
            frame,
            Rect {
                x: 0,
                y: 0,
                w: WIDTH,
                h: 28,
            },
            0x1e_1f22,
        );
        let bar = 0x1e_1f22;
        self.text(frame, (16, 5), &[span("Activities", 0xe3_e3e3)], bar, WIDTH);
        self.text(frame, (900, 5), &[span("Tue 14:32", 0xe3_e3e3)], bar, WIDTH);
        self.text(frame, (1800, 5), &[span("en  100%", 0xe3_e3e3)], bar, WIDTH);
        self.window(frame, EDITOR, "main.rs - deskmate - Editor");
        self.editor(frame);
        self.window(frame, FILES, "Files - ~/projects/deskmate");
        self.files(frame);
        self.draw_dialog(frame);
    }

    /// Border, title bar with buttons and title, white body.
    fn window(&self, frame: &mut Frame, r: Rect, title: &str) {
        fill(frame, r, 0xc7_cbd1);
        let title_bar = 0xe9_ebee;
        fill(
            frame,
            Rect {
                x: r.x + 1,
                y: r.y + 1,
                w: r.w - 2,
                h: 32,
            },
            title_bar,
        );
        fill(
            frame,
            Rect {
                x: r.x + 1,
                y: r.y + 33,
                w: r.w - 2,
                h: r.h - 34,
            },
            WHITE,
        );
        for (i, colour) in [0xff_5f57, 0xfe_bc2e, 0x28_c840].into_iter().enumerate() {
            let b = Rect {
                x: r.x + 12 + i as u32 * 20,
                y: r.y + 11,
                w: 12,
                h: 12,
            };
            fill(frame, b, colour);
        }
        self.text(
            frame,
            (r.x + 90, r.y + 8),
            &[span(title, INK)],
            title_bar,
            r.x + r.w,
        );
    }

    /// Line numbers, code, typed text and caret, scroll bar.
    fn editor(&self, frame: &mut Frame) {
        let gutter = 0xf6_f8fa;
        fill(
            frame,
            Rect {
                w: 48,
                ..SCROLL_AREA
            },
            gutter,
        );
        for row in 0..VISIBLE_LINES {
            let n = self.top_line + row;
            let y = SCROLL_AREA.y + 4 + row * LINE_H;
            let number = format!("{:>5}", n + 1);
            self.text(frame, (41, y), &[span(number, 0x8c_959f)], gutter, 89);
            let line = if n == TYPING_LINE {
                vec![
                    span(vec![b' '; TYPING_INDENT as usize], INK),
                    span(self.typed.clone(), INK),
                ]
            } else {
                code_line(n)
            };
            self.text(frame, (TEXT_X, y), &line, WHITE, TEXT_RIGHT);
        }
        if (self.top_line..self.top_line + VISIBLE_LINES).contains(&TYPING_LINE) {
            let caret = self.caret_cell();
            fill(
                frame,
                Rect {
                    x: caret.x,
                    y: caret.y + 1,
                    w: 2,
                    h: LINE_H - 2,
                },
                INK,
            );
        }
        fill(frame, SCROLL_BAR, 0xf2_f3f5);
        let thumb_h = 24;
        let travel = SCROLL_BAR.h - thumb_h;
        fill(
            frame,
            Rect {
                x: SCROLL_BAR.x + 2,
                y: SCROLL_BAR.y + travel * self.top_line / (DOCUMENT_LINES - VISIBLE_LINES),
                w: SCROLL_BAR.w - 4,
                h: thumb_h,
            },
            0xc4_c8cd,
        );
    }

    /// A list of files with sizes, striped, one row selected.
    fn files(&self, frame: &mut Frame) {
        let mut rng = Rng::new(99);
        for i in 0..21 {
            let y = FILES.y + 40 + i * 24;
            let bg = match i {
                6 => 0xdb_eafe,
                _ if i % 2 == 1 => 0xf6_f8fa,
                _ => WHITE,
            };
            let row = Rect {
                x: FILES.x + 1,
                y,
                w: FILES.w - 2,
                h: 24,
            };
            fill(frame, row, bg);
            fill(
                frame,
                Rect {
                    x: FILES.x + 14,
                    y: y + 5,
                    w: 14,
                    h: 14,
                },
                [0x54_aeff, 0xd4_a72c, 0x8c_959f][rng.below(3) as usize],
            );
            let mut name = identifier(&mut rng);
            name.extend([b".rs", b".md", b".js"][rng.below(3) as usize]);
            let size = format!("{:>7} B", rng.below(90_000));
            self.text(
                frame,
                (FILES.x + 40, y + 3),
                &[span(name, INK)],
                bg,
                FILES.x + 400,
            );
            self.text(
                frame,
                (FILES.x + 480, y + 3),
                &[span(size, COMMENT)],
                bg,
                FILES.x + 610,
            );
        }
    }

    /// A dark-titled dialog with a paragraph, a progress bar and two buttons.
    fn draw_dialog(&self, frame: &mut Frame) {
        let r = self.dialog();
        fill(frame, r, 0x8a_8f98);
        let title_bar = 0x2b_2d31;
        fill(
            frame,
            Rect {
                x: r.x + 1,
                y: r.y + 1,
                w: r.w - 2,
                h: 30,
            },
            title_bar,
        );
        let body = 0xfa_fafa;
        fill(
            frame,
            Rect {
                x: r.x + 1,
                y: r.y + 31,
                w: r.w - 2,
                h: r.h - 32,
            },
            body,
        );
        let title = [span("Copying files", WHITE)];
        self.text(frame, (r.x + 16, r.y + 7), &title, title_bar, r.x + r.w);
        let mut rng = Rng::new(4242);
        for line in 0..12 {
            let text = [span(prose(&mut rng, 50, 18), INK)];
            let at = (r.x + 20, r.y + 48 + line * LINE_H);
            self.text(frame, at, &text, body, r.x + r.w - 16);
        }
        let bar = Rect {
            x: r.x + 20,
            y: r.y + 290,
            w: r.w - 40,
            h: 10,
        };
        fill(frame, bar, 0xe1_e4e8);
        fill(
            frame,
            Rect {
                w: bar.w * 3 / 5,
                ..bar
            },
            0x2f_81f7,
        );
        for (i, (label, bg, fg)) in [("Cancel", 0xe9_ebee, INK), ("Hide", 0x2f_81f7, WHITE)]
            .into_iter()
            .enumerate()
        {
            let b = Rect {
                x: r.x + r.w - 240 + i as u32 * 116,
                y: r.y + r.h - 56,
                w: 100,
                h: 32,
            };
            fill(frame, b, bg);
            self.text(
                frame,
                (b.x + 26, b.y + 7),
                &[span(label, fg)],
                bg,
                b.x + b.w,
            );
        }
    }
}

/// A smooth diagonal gradient (no tile of it fits a 16-colour palette).
fn wallpaper(frame: &mut Frame) {
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let r = 20 + 40 * y / HEIGHT;
            let g = 60 + 60 * x / WIDTH;
            let b = 120 + 100 * (x + y) / (WIDTH + HEIGHT);
            frame.pixels[(y * WIDTH + x) as usize] = r << 16 | g << 8 | b;
        }
    }
}

/// Full-screen moving picture `t`: colour gradients and bands drifting
/// diagonally with faint fine-grained noise on top (two bits), as in a video, so
/// every tile changes from one frame to the next.
pub fn motion(frame: &mut Frame, t: u32) {
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (u, v) = (x + 11 * t, y + 7 * t);
            let mut noise = (u.wrapping_mul(0x9e37_79b1) ^ v.wrapping_mul(0x85eb_ca6b))
                .wrapping_mul(0xc2b2_ae35);
            noise ^= noise >> 15;
            let n = noise & 3;
            let r = (u * 255 / WIDTH) % 252 + n;
            let g = (v * 255 / HEIGHT) % 252 + (noise >> 8 & 3);
            let b = (u / 5 + v / 3) % 126 * 2 + (noise >> 16 & 3);
            frame.pixels[(y * WIDTH + x) as usize] = r << 16 | g << 8 | b;
        }
    }
}
