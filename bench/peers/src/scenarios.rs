//! The scenarios, each a fixed script run the same way against every
//! system while one viewer is connected: idle, typing, scrolling (terminal
//! and browser), a window drag, full-screen motion, pointer movement, and
//! recovery from a 1 s link cut. Each sets its cells in `Results`.

use crate::measure::{self, Span, acquire, exactness, quiet, sleep_until, snap};
use crate::netns::Net;
use crate::probes::{self, Target};
use crate::results::{Cell, Metric, Results, Scn};
use crate::screen::{self, Shared, sample};
use crate::systems::{System, Viewer};
use crate::xenv::{Animation, Display, Region};
use anyhow::{Context, Result};
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Lengths of the scripts.
pub struct Plan {
    pub quick: bool,
    pub idle: Duration,
    pub chars: usize,
    pub chars_constrained: usize,
    pub scroll_steps: usize,
    pub web_steps: usize,
    pub drag_steps: usize,
    pub motion_frames: usize,
    pub cursor_steps: usize,
    /// How long to wait for a pixel-exact picture after the input stopped.
    pub exact_limit: Duration,
    /// How long to wait for a quiet viewer before going on anyway.
    pub settle_limit: Duration,
}

impl Plan {
    pub fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                idle: Duration::from_secs(3),
                chars: 15,
                chars_constrained: 8,
                scroll_steps: 12,
                web_steps: 0,
                drag_steps: 20,
                motion_frames: 36,
                cursor_steps: 20,
                exact_limit: Duration::from_secs(2),
                settle_limit: Duration::from_secs(3),
            }
        } else {
            Self {
                quick,
                idle: Duration::from_secs(60),
                chars: 80,
                chars_constrained: 30,
                scroll_steps: 60,
                web_steps: 60,
                drag_steps: 80,
                motion_frames: 180,
                cursor_steps: 100,
                exact_limit: Duration::from_secs(5),
                settle_limit: Duration::from_secs(8),
            }
        }
    }
}

/// What the scenarios work with.
pub struct Ctx<'a> {
    pub display: &'a Display,
    pub net: &'a Net,
    pub plan: &'a Plan,
    pub dir: PathBuf,
    /// xterm character cell (width, height) in pixels.
    pub cell: (f64, f64),
    pub anim: RefCell<Animation>,
    pub chromium: Option<String>,
    pub patterns: RefCell<u32>,
}

/// A stepped scenario: `count` inputs made by `step(i)`, ten a second,
/// each detected in `detect` (then the whole screen is the target).
struct Steps<'a> {
    count: usize,
    detect: Region,
    what: &'a str,
    step: &'a dyn Fn(usize) -> Result<()>,
}

/// Typed text: lowercase letters and spaces only.
const PANGRAM: &str = "the quick brown fox jumps over the lazy dog ";
/// Keys per second when typing, scroll steps per second.
const RATE: f64 = 10.0;
const DRAG_HZ: f64 = 20.0;
const MOTION_FPS: f64 = 30.0;
const CURSOR_HZ: f64 = 25.0;
const XTERM: &str = "xterm";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The viewer, its screen and system for one scenario.
pub struct On<'a> {
    pub sys: &'a System,
    pub viewer: &'a Viewer,
    pub screen: &'a Shared,
}

impl Ctx<'_> {
    fn settle(&self, on: &On) {
        let q = if self.plan.quick { 200 } else { 400 };
        quiet(on.screen, Duration::from_millis(q), self.plan.settle_limit);
    }

    fn snap(&self, on: &On) -> measure::Snap {
        snap(self.net, self.display, on.sys, on.viewer)
    }

    /// Wire, updates/s, CPU and other load of a span.
    fn span_cells(&self, r: &mut Results, s: Scn, on: &On, span: &Span, updates: usize) {
        let k = on.sys.kind;
        let secs = span.wall.as_secs_f64().max(1e-9);
        r.num(s, Metric::Wire, k, span.bytes as f64 / 1e3 / secs);
        r.num(s, Metric::Updates, k, updates as f64 / secs);
        r.num(s, Metric::CpuSharer, k, span.sharer);
        match span.server {
            Some(v) => r.num(s, Metric::CpuServer, k, v),
            None => r.na(
                s,
                Metric::CpuServer,
                k,
                "no relay: the viewer connects straight to the VNC server, which is the sharer",
            ),
        }
        r.num(s, Metric::CpuViewer, k, span.viewer);
        r.num(s, Metric::CpuX, k, span.x);
        r.num(s, Metric::Other, k, span.other);
    }

    fn latency_cells(
        &self,
        r: &mut Results,
        s: Scn,
        on: &On,
        res: &probes::Resolved,
        span: &Span,
        what: &str,
    ) {
        let k = on.sys.kind;
        let lat = &res.latency;
        let per_s = res.states as f64 / span.wall.as_secs_f64().max(1e-9);
        r.num(s, Metric::Shown, k, per_s);
        let missed = lat.iter().filter(|l| l.is_none()).count();
        let mut v: Vec<f64> = lat.iter().flatten().map(|d| ms(*d)).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            for m in [Metric::P50, Metric::P95, Metric::P99] {
                r.na(
                    s,
                    m,
                    k,
                    &format!("the viewer never showed the effect of any {what}"),
                );
            }
            return;
        }
        for (m, p) in [
            (Metric::P50, 50.0),
            (Metric::P95, 95.0),
            (Metric::P99, 99.0),
        ] {
            // Nearest rank over all inputs; a missed one counts as later than every shown one.
            let rank = ((p / 100.0) * lat.len() as f64).ceil().max(1.0) as usize;
            match v.get(rank - 1) {
                Some(x) => r.num(s, m, k, *x),
                None => r.na(
                    s,
                    m,
                    k,
                    &format!(
                        "more than {}% of the {what}s were never shown (lost, or the picture never matched)",
                        100 - p as usize
                    ),
                ),
            }
        }
        if missed > 0 {
            r.notes.push(format!(
                "{} — {}: {missed} of {} {what}s never shown as such (skipped by the viewer or lost); counted as slowest",
                r.titles.get(&s).cloned().unwrap_or_default(),
                k.label(),
                lat.len()
            ));
        }
        r.latencies.push((s, k, v));
    }

    fn exact_cells(&self, r: &mut Results, s: Scn, on: &On, since: Instant) -> Result<()> {
        let k = on.sys.kind;
        let e = exactness(self.display, on.screen, since, self.plan.exact_limit)?;
        r.num(s, Metric::Psnr, k, e.psnr);
        match e.identical {
            Some(d) => r.num(s, Metric::Identical, k, ms(d)),
            None => r.set(
                s,
                Metric::Identical,
                k,
                Cell::Over(ms(self.plan.exact_limit)),
            ),
        }
        Ok(())
    }

    fn watch(&self, on: &On, region: Region, stride: u32) {
        screen::lock(on.screen).watch(region, stride);
    }

    fn snaps(&self, on: &On) -> Vec<(Instant, Vec<u32>)> {
        screen::lock(on.screen)
            .watch
            .take()
            .map(|w| w.snaps)
            .unwrap_or_default()
    }

    /// Scenario 1: nothing happens.
    pub fn idle(&self, r: &mut Results, on: &On) -> Result<()> {
        let s = Scn::Idle;
        self.settle(on);
        let a = self.snap(on);
        std::thread::sleep(self.plan.idle);
        let b = self.snap(on);
        let span = b.since(&a);
        let updates = screen::lock(on.screen).updates_between(a.at, b.at);
        self.span_cells(r, s, on, &span, updates);
        self.exact_cells(r, s, on, b.at)
    }

    /// Scenario 2 (and the typing of scenario 8): `chars` keys at 10/s into
    /// an xterm, XTest on the sharer's display; latency until the viewer
    /// shows the xterm as the X server did after each key.
    pub fn typing(&self, r: &mut Results, s: Scn, on: &On, chars: usize) -> Result<()> {
        let d = self.display;
        d.wait_gone(XTERM, Duration::from_secs(10))?;
        let mut xterm = d.client(
            XTERM,
            "xterm",
            &[
                "-geometry",
                "120x6+40+200",
                "-e",
                "sh",
                "-c",
                "cat > /dev/null",
            ],
        )?;
        let win = d.wait_window(XTERM, Duration::from_secs(15))?;
        d.pointer(win.x + win.w as i32 / 2, win.y + win.h as i32 / 2)?;
        std::thread::sleep(Duration::from_millis(300));
        for c in "ok ".chars() {
            d.key(u32::from(c))?;
            std::thread::sleep(Duration::from_millis(100));
        }
        self.settle(on);
        let region = Region {
            x: win.x.max(0) as u32,
            y: win.y.max(0) as u32,
            w: win.w,
            h: win.h,
        };
        self.watch(on, region, 1);
        let mut before = d.grab(region)?;
        let (mut targets, mut local) = (Vec::new(), Vec::new());
        let a = self.snap(on);
        let start = Instant::now();
        let period = Duration::from_secs_f64(1.0 / RATE);
        for (i, c) in PANGRAM.chars().cycle().take(chars).enumerate() {
            sleep_until(start + period * i as u32);
            let t0 = Instant::now();
            d.key(u32::from(c))?;
            if let Some((now, first)) = acquire(d, region, &before, Duration::from_millis(500))? {
                targets.push(Target::new(t0, now.clone(), &before));
                local.push(ms(first));
                before = now;
            }
        }
        let end = Instant::now();
        std::thread::sleep(period);
        self.settle(on);
        let b = self.snap(on);
        let lat = probes::resolve(&targets, &self.snaps(on));
        let updates = screen::lock(on.screen).updates_between(a.at, b.at);
        let span = b.since(&a);
        self.span_cells(r, s, on, &span, updates);
        self.latency_cells(r, s, on, &lat, &span, "keystroke");
        local.sort_by(f64::total_cmp);
        if let Some(p) = pct(&local, 50.0) {
            r.num(s, Metric::Local, on.sys.kind, p);
        }
        if s.metrics().contains(&Metric::Identical) {
            self.exact_cells(r, s, on, end)?;
        }
        xterm.terminate(Duration::from_secs(2));
        Ok(())
    }

    /// Steps that change the whole screen (`step(i)` makes the input): the
    /// change is detected in `detect`, then the whole screen is the target.
    fn stepped(&self, r: &mut Results, s: Scn, on: &On, steps: Steps) -> Result<()> {
        let Steps {
            count: steps,
            detect,
            what,
            step,
        } = steps;
        let d = self.display;
        let full = d.full();
        const STRIDE: u32 = 4;
        self.settle(on);
        self.watch(on, full, STRIDE);
        let mut before_detect = d.grab(detect)?;
        let mut before = sample(&d.grab(full)?, d.width, full, STRIDE);
        let mut targets = Vec::new();
        let a = self.snap(on);
        let start = Instant::now();
        let period = Duration::from_secs_f64(1.0 / RATE);
        for i in 0..steps {
            sleep_until(start + period * i as u32);
            let t0 = Instant::now();
            step(i)?;
            if let Some((now, _)) = acquire(d, detect, &before_detect, Duration::from_millis(500))?
            {
                let samples = sample(&d.grab(full)?, d.width, full, STRIDE);
                targets.push(Target::new(t0, samples.clone(), &before));
                before = samples;
                before_detect = now;
            }
        }
        let end = Instant::now();
        std::thread::sleep(period);
        self.settle(on);
        let b = self.snap(on);
        let lat = probes::resolve(&targets, &self.snaps(on));
        let updates = screen::lock(on.screen).updates_between(a.at, b.at);
        let span = b.since(&a);
        self.span_cells(r, s, on, &span, updates);
        if targets.len() < steps {
            r.notes.push(format!(
                "{} — {}: {} of {steps} {what}s changed nothing on the screen",
                r.titles.get(&s).cloned().unwrap_or_default(),
                on.sys.kind.label(),
                steps - targets.len()
            ));
        }
        self.latency_cells(r, s, on, &lat, &span, what);
        self.exact_cells(r, s, on, end)
    }

    /// Scenario 3a: `less` on a long text in a full-screen xterm, one line
    /// down (`j`) ten times a second.
    pub fn scroll_terminal(&self, r: &mut Results, on: &On) -> Result<()> {
        let d = self.display;
        d.wait_gone(XTERM, Duration::from_secs(10))?;
        let file = self.dir.join("long.txt");
        if !file.exists() {
            let mut text = String::new();
            for n in 1..=3000 {
                text.push_str(&format!(
                    "{n:5}  {} {}\n",
                    "Deskmate scrolling benchmark: the quick brown fox jumps over the lazy dog.",
                    [
                        "alpha",
                        "bravo 0123456789",
                        "charlie ~!@#$%^&*()",
                        "delta ABCDEFGHIJKLMNOP"
                    ][n % 4]
                ));
            }
            std::fs::write(&file, text).context("write long.txt")?;
        }
        let cols = ((f64::from(d.width) - 4.0) / self.cell.0).floor() as u32;
        let rows = ((f64::from(d.height) - 4.0) / self.cell.1).floor() as u32;
        let geometry = format!("{cols}x{rows}+0+0");
        let path = file.to_string_lossy().to_string();
        let mut xterm = d.client(
            XTERM,
            "xterm",
            &["-geometry", &geometry, "-e", "less", "-S", &path],
        )?;
        let win = d.wait_window(XTERM, Duration::from_secs(15))?;
        d.pointer(win.x + win.w as i32 / 2, win.y + win.h as i32 / 2)?;
        std::thread::sleep(Duration::from_millis(700));
        let detect = Region {
            x: 0,
            y: 0,
            w: 160,
            h: d.height,
        };
        let step = |_| d.key(0x6a); // j
        let steps = Steps {
            count: self.plan.scroll_steps,
            detect,
            what: "scroll step",
            step: &step,
        };
        self.stepped(r, Scn::ScrollTerm, on, steps)?;
        xterm.terminate(Duration::from_secs(2));
        Ok(())
    }

    /// Scenario 3b: a long page in Chromium (software rendering, no smooth
    /// scrolling), one wheel notch down ten times a second.
    pub fn scroll_browser(&self, r: &mut Results, on: &On) -> Result<()> {
        let s = Scn::ScrollWeb;
        let k = on.sys.kind;
        let Some(chromium) = &self.chromium else {
            for m in s.metrics() {
                r.na(
                    s,
                    m,
                    k,
                    "Chromium is not installed (apt-get install chromium)",
                );
            }
            return Ok(());
        };
        if self.plan.web_steps == 0 {
            for m in s.metrics() {
                r.na(
                    s,
                    m,
                    k,
                    "skipped in --quick (Chromium takes too long to start)",
                );
            }
            return Ok(());
        }
        let d = self.display;
        let page = self.dir.join("long.html");
        if !page.exists() {
            std::fs::write(&page, long_page()).context("write long.html")?;
        }
        let profile = self.dir.join(format!("chromium-{}", k.key()));
        let url = format!("file://{}", page.display());
        let mut browser = d.client(
            "chromium",
            chromium,
            &[
                "--no-sandbox",
                "--test-type",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-gpu",
                "--disable-smooth-scrolling",
                "--disable-features=Translate,MediaRouter",
                "--password-store=basic",
                &format!("--user-data-dir={}", profile.display()),
                "--window-position=0,0",
                "--window-size=1920,1080",
                &format!("--app={url}"),
            ],
        )?;
        let win = d.wait_window("chromium", Duration::from_secs(40))?;
        d.pointer(win.x + win.w as i32 / 2, win.y + win.h as i32 / 2)?;
        std::thread::sleep(Duration::from_secs(2));
        quiet(
            on.screen,
            Duration::from_millis(800),
            Duration::from_secs(20),
        );
        let detect = Region {
            x: 640,
            y: 0,
            w: 160,
            h: d.height,
        };
        let step = |_| d.click(5);
        let steps = Steps {
            count: self.plan.web_steps,
            detect,
            what: "wheel notch",
            step: &step,
        };
        let result = self.stepped(r, s, on, steps);
        browser.terminate(Duration::from_secs(5));
        let _ = d.wait_gone("chromium", Duration::from_secs(10));
        result
    }

    /// Scenario 4: an xterm dragged once around a circle (radius 220 px) at
    /// 20 moves a second, the pointer moving with it as when it is held by
    /// the title; the X server moves the window as a window manager would.
    pub fn drag(&self, r: &mut Results, on: &On) -> Result<()> {
        let s = Scn::Drag;
        let d = self.display;
        d.wait_gone(XTERM, Duration::from_secs(10))?;
        let mut xterm = d.client(
            XTERM,
            "xterm",
            &[
                "-geometry",
                "70x20+600+300",
                "-e",
                "sh",
                "-c",
                "seq -f 'line %g: the quick brown fox jumps over the lazy dog' 1 19; exec cat > /dev/null",
            ],
        )?;
        let win = d.wait_window(XTERM, Duration::from_secs(15))?;
        let (cx, cy, radius) = (960.0, 540.0, 220.0);
        let steps = self.plan.drag_steps;
        let at = |i: usize| -> (i32, i32) {
            let a = std::f64::consts::TAU * i as f64 / steps as f64;
            (
                (cx + radius * a.cos()) as i32 - win.w as i32 / 2,
                (cy + radius * a.sin()) as i32 - win.h as i32 / 2,
            )
        };
        let (x0, y0) = at(0);
        d.move_window(win.id, x0, y0)?;
        d.pointer(x0 + win.w as i32 / 2, y0 + 8)?;
        std::thread::sleep(Duration::from_millis(500));
        self.settle(on);
        let clamp = |v: f64, hi: u32| v.clamp(0.0, f64::from(hi)) as u32;
        let (rx0, ry0) = (
            clamp(cx - radius - f64::from(win.w) / 2.0 - 2.0, d.width),
            clamp(cy - radius - f64::from(win.h) / 2.0 - 2.0, d.height),
        );
        let (rx1, ry1) = (
            clamp(cx + radius + f64::from(win.w) / 2.0 + 4.0, d.width),
            clamp(cy + radius + f64::from(win.h) / 2.0 + 4.0, d.height),
        );
        let region = Region {
            x: rx0,
            y: ry0,
            w: rx1 - rx0,
            h: ry1 - ry0,
        };
        const STRIDE: u32 = 4;
        let local = Region {
            x: 0,
            y: 0,
            ..region
        };
        self.watch(on, region, STRIDE);
        let mut before = sample(&d.grab(region)?, region.w, local, STRIDE);
        let mut targets = Vec::new();
        let a = self.snap(on);
        let start = Instant::now();
        let period = Duration::from_secs_f64(1.0 / DRAG_HZ);
        for i in 1..=steps {
            sleep_until(start + period * i as u32);
            let (x, y) = at(i % steps);
            let t0 = Instant::now();
            d.move_window(win.id, x, y)?;
            d.pointer(x + win.w as i32 / 2, y + 8)?;
            d.sync()?;
            let samples = sample(&d.grab(region)?, region.w, local, STRIDE);
            targets.push(Target::new(t0, samples.clone(), &before));
            before = samples;
        }
        let end = Instant::now();
        std::thread::sleep(period);
        self.settle(on);
        let b = self.snap(on);
        let lat = probes::resolve(&targets, &self.snaps(on));
        let updates = screen::lock(on.screen).updates_between(a.at, b.at);
        let span = b.since(&a);
        self.span_cells(r, s, on, &span, updates);
        self.latency_cells(r, s, on, &lat, &span, "window move");
        self.exact_cells(r, s, on, end)?;
        xterm.terminate(Duration::from_secs(2));
        Ok(())
    }

    /// Scenario 5: the whole screen redrawn 30 times a second with a moving
    /// test pattern (PutImage); latency from the X server having a frame
    /// until the viewer shows it (or a later one).
    pub fn motion(&self, r: &mut Results, on: &On) -> Result<()> {
        let s = Scn::Motion;
        let d = self.display;
        let full = d.full();
        const STRIDE: u32 = 16;
        let mut anim = self.anim.borrow_mut();
        self.settle(on);
        self.watch(on, full, STRIDE);
        let mut before = sample(&d.grab(full)?, d.width, full, STRIDE);
        let mut targets = Vec::new();
        let a = self.snap(on);
        let start = Instant::now();
        let period = Duration::from_secs_f64(1.0 / MOTION_FPS);
        for n in 0..self.plan.motion_frames {
            sleep_until(start + period * n as u32);
            let frame = anim.compose(n);
            d.put_frame(frame)?;
            let t0 = Instant::now();
            let samples = sample_bgrx(frame, d.width, full, STRIDE);
            targets.push(Target::new(t0, samples.clone(), &before));
            before = samples;
        }
        let end = Instant::now();
        self.settle(on);
        let b = self.snap(on);
        let lat = probes::resolve(&targets, &self.snaps(on));
        let updates = screen::lock(on.screen).updates_between(a.at, b.at);
        let span = b.since(&a);
        self.span_cells(r, s, on, &span, updates);
        self.latency_cells(r, s, on, &lat, &span, "animation frame");
        self.exact_cells(r, s, on, end)?;
        d.clear_root()?;
        Ok(())
    }

    /// Scenario 6: only the pointer moves (a circle of radius 300 px, 25
    /// moves a second); latency until the viewer receives the position.
    pub fn cursor(&self, r: &mut Results, on: &On) -> Result<()> {
        let s = Scn::Cursor;
        let d = self.display;
        let steps = self.plan.cursor_steps;
        let mut moves: Vec<(i32, i32)> = Vec::new();
        for i in 0..steps {
            let a = std::f64::consts::TAU * i as f64 / steps as f64;
            let p = (
                (960.0 + 300.0 * a.cos()) as i32,
                (540.0 + 300.0 * a.sin()) as i32,
            );
            if moves.last() != Some(&p) && moves.first() != Some(&p) {
                moves.push(p);
            }
        }
        d.pointer(moves[0].0 - 40, moves[0].1)?;
        std::thread::sleep(Duration::from_millis(200));
        self.settle(on);
        let seen_before = screen::lock(on.screen).pointer.len();
        let mut sent = Vec::new();
        let a = self.snap(on);
        let start = Instant::now();
        let period = Duration::from_secs_f64(1.0 / CURSOR_HZ);
        for (i, (x, y)) in moves.iter().enumerate() {
            sleep_until(start + period * i as u32);
            let t0 = Instant::now();
            d.pointer(*x, *y)?;
            sent.push((t0, *x, *y));
        }
        let end = Instant::now();
        std::thread::sleep(Duration::from_millis(300));
        self.settle(on);
        let b = self.snap(on);
        let seen: Vec<_> = screen::lock(on.screen).pointer[seen_before..].to_vec();
        let updates = screen::lock(on.screen).updates_between(a.at, b.at);
        let span = b.since(&a);
        self.span_cells(r, s, on, &span, updates);
        if seen.is_empty() {
            for m in [Metric::Shown, Metric::P50, Metric::P95, Metric::P99] {
                r.na(
                    s,
                    m,
                    on.sys.kind,
                    "the server sent no pointer position, only the cursor's shape: the viewer cannot show where the sharer's pointer is",
                );
            }
        } else {
            let lat = probes::resolve_pointer(&sent, &seen);
            self.latency_cells(r, s, on, &lat, &span, "pointer move");
        }
        self.exact_cells(r, s, on, end)
    }

    /// Scenario 7b/8b: a quiet picture, the link cut for 1 s, the screen
    /// changed 200 ms into the cut, the link restored; time until the
    /// viewer shows the change (as a latency probe: identical, or within
    /// the lossy tolerance).
    pub fn recovery(&self, r: &mut Results, s: Scn, on: &On, limit: Duration) -> Result<()> {
        let d = self.display;
        let region = crate::xenv::PATTERN;
        const STRIDE: u32 = 2;
        let local = Region {
            x: 0,
            y: 0,
            ..region
        };
        self.settle(on);
        let before = sample(&d.grab(region)?, region.w, local, STRIDE);
        self.watch(on, region, STRIDE);
        let variant = {
            let mut p = self.patterns.borrow_mut();
            *p += 1;
            *p
        };
        self.net.cut(true)?;
        let cut = Instant::now();
        std::thread::sleep(Duration::from_millis(200));
        let drawn = d.pattern(variant);
        sleep_until(cut + Duration::from_secs(1));
        self.net.cut(false)?;
        let back = Instant::now();
        drawn?;
        let goal = [Target::new(
            back,
            sample(&d.grab(region)?, region.w, local, STRIDE),
            &before,
        )];
        let shown = loop {
            let snaps = screen::lock(on.screen)
                .watch
                .as_ref()
                .map(|w| w.snaps.clone())
                .unwrap_or_default();
            if let Some(Some(t)) = probes::resolve(&goal, &snaps).latency.first() {
                break Some(*t);
            }
            if back.elapsed() > limit {
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.snaps(on);
        match shown {
            Some(t) => r.num(s, Metric::Recovery, on.sys.kind, ms(t)),
            None => r.set(s, Metric::Recovery, on.sys.kind, Cell::Over(ms(limit))),
        }
        d.clear_root()?;
        self.settle(on);
        Ok(())
    }
}

/// Samples a BGRX frame like `screen::sample`.
fn sample_bgrx(bgrx: &[u8], width: u32, region: Region, stride: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut y = region.y;
    while y < region.y + region.h {
        let mut x = region.x;
        while x < region.x + region.w {
            let at = ((y * width + x) * 4) as usize;
            out.push(u32::from_le_bytes([
                bgrx[at],
                bgrx[at + 1],
                bgrx[at + 2],
                0,
            ]));
            x += stride;
        }
        y += stride;
    }
    out
}

/// A long article: headings, paragraphs, a coloured box now and then.
fn long_page() -> String {
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><title>Scrolling</title>\
         <style>body{font:18px/1.5 sans-serif;max-width:1100px;margin:20px auto;color:#222}\
         h2{color:#0a4d8c}.box{padding:12px;margin:12px 0;border-radius:6px}</style>",
    );
    let colours = ["#fde2e2", "#e2f0fd", "#e6fde2", "#fdf6e2"];
    for i in 1..=120 {
        html.push_str(&format!("<h2>Section {i}</h2>"));
        for j in 0..3 {
            html.push_str(&format!(
                "<p>Paragraph {i}.{j}: remote help means seeing what the other person sees. \
                 The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. \
                 Numbers {} and {} keep each line different from the next.</p>",
                i * 37 + j,
                i * 101 + j * 7
            ));
        }
        if i % 3 == 0 {
            html.push_str(&format!(
                "<div class=box style=background:{}>Note {i}: a coloured box.</div>",
                colours[i % 4]
            ));
        }
    }
    html
}
