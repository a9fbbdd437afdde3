//! The measuring process (inside the viewer's namespace): starts Xvfb,
//! then for each system starts its sharer side, connects a viewer (scenario
//! 7: connect → first full frame), runs scenarios 1–6 and the link cut on
//! that connection, disconnects, and repeats the connection, typing and cut
//! on the constrained link (scenario 8). Writes the report at the end.

use crate::netns::{Link, Net};
use crate::probes::{self, Target};
use crate::results::{Metric, Results, Scn};
use crate::scenarios::{Ctx, On, Plan};
use crate::screen::{self, sample};
use crate::systems::System;
use crate::xenv::{Animation, Display};
use crate::{Args, procs, report};
use anyhow::{Context, Result, bail};
use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

fn log(start: Instant, message: &str) {
    eprintln!(
        "[bench-peers {:>5.1} s] {message}",
        start.elapsed().as_secs_f64()
    );
}

fn titles(r: &mut Results, plan: &Plan) {
    r.title(
        Scn::Idle,
        format!("1 Idle desktop ({} s)", plan.idle.as_secs()),
    );
    r.title(
        Scn::Typing,
        format!("2 Typing ({} chars at 10/s, xterm)", plan.chars),
    );
    r.title(
        Scn::ScrollTerm,
        format!(
            "3a Scrolling a text (less in a full-screen xterm, {} lines at 10/s)",
            plan.scroll_steps
        ),
    );
    r.title(
        Scn::ScrollWeb,
        format!(
            "3b Scrolling a web page (Chromium, {} wheel notches at 10/s)",
            plan.web_steps
        ),
    );
    r.title(
        Scn::Drag,
        format!(
            "4 Dragging a window (xterm, circle of 220 px, {} moves at 20/s)",
            plan.drag_steps
        ),
    );
    r.title(
        Scn::Motion,
        format!(
            "5 Full-screen motion (test pattern, {} frames at 30/s)",
            plan.motion_frames
        ),
    );
    r.title(
        Scn::Cursor,
        format!(
            "6 Cursor movement only ({} moves at 25/s)",
            plan.cursor_steps
        ),
    );
    r.title(Scn::Connect, "7 Connect and 1 s link cut".into());
    r.title(
        Scn::Constrained,
        format!(
            "8 Constrained link (emulated, each way: 50 ms, 5 Mbit/s, 1 % loss): connect, {} chars typed, 1 s cut",
            plan.chars_constrained
        ),
    );
}

/// The xterm character cell of the default font, from a 120×6 window.
fn cell_size(display: &Display) -> Result<(f64, f64)> {
    let mut xterm = display.client("xterm", "xterm", &["-geometry", "120x6+0+0"])?;
    let win = display.wait_window("xterm", Duration::from_secs(15))?;
    xterm.terminate(Duration::from_secs(2));
    display.wait_gone("xterm", Duration::from_secs(10))?;
    Ok((
        f64::from(win.w.saturating_sub(4)) / 120.0,
        f64::from(win.h.saturating_sub(4)) / 6.0,
    ))
}

fn version(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "not found".into())
}

pub fn inner(args: &Args, net: &Net) -> Result<()> {
    let start = Instant::now();
    let load_start = procs::load_average();
    let plan = Plan::new(args.quick);
    let kinds = crate::chosen_systems(args)?;
    let dir = procs::TempDir::new()?;
    // A copy, so a rebuild of the workspace's binary during the run changes nothing.
    let deskmate = dir.0.join("deskmate-under-test");
    std::fs::copy(&args.deskmate, &deskmate)
        .with_context(|| format!("copy {}", args.deskmate.display()))?;
    log(start, "starting Xvfb at 1920x1080x24");
    let display = Display::start(1920, 1080)?;
    display.wallpaper()?;
    let cell = cell_size(&display)?;
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .map(str::to_string);
    let ctx = Ctx {
        display: &display,
        net,
        plan: &plan,
        dir: dir.0.clone(),
        cell,
        anim: RefCell::new(Animation::new(display.width, display.height)),
        chromium,
        patterns: RefCell::new(0),
    };
    let mut r = Results::new(kinds.clone());
    titles(&mut r, &plan);
    for kind in &kinds {
        log(start, &format!("{}: starting", kind.label()));
        let sys_dir = dir.0.join(kind.key());
        std::fs::create_dir_all(&sys_dir).context("system folder")?;
        match System::start(*kind, &deskmate, net, &display.name, &sys_dir) {
            Ok(mut sys) => {
                if let Err(err) = one_system(&ctx, &mut sys, &mut r, start) {
                    r.notes
                        .push(format!("{}: stopped early: {err:#}", kind.label()));
                    log(start, &format!("{}: {err:#}", kind.label()));
                }
                net.use_link(Link::Clear);
                if let Some(note) = sys.stop() {
                    r.notes.push(format!("{}: {note}", kind.label()));
                }
            }
            Err(err) => {
                log(
                    start,
                    &format!("{}: could not start: {err:#}", kind.label()),
                );
                for s in Scn::ALL {
                    r.failed(s, *kind, format!("{} did not start: {err:#}", kind.label()));
                }
            }
        }
        for (file, what) in [
            ("server.log", "deskmate serve"),
            ("agent-1.log", "deskmate share"),
        ] {
            let text = std::fs::read_to_string(sys_dir.join(file)).unwrap_or_default();
            let warnings = text
                .lines()
                .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
                .count();
            if warnings > 0 {
                r.notes
                    .push(format!("{what}: {warnings} WARN/ERROR log lines"));
            }
        }
    }
    let _ = ctx.display.clear_root();
    let wall = start.elapsed();
    let header = vec![
        format!(
            "Machine: {} CPUs ({}), kernel {}; load average at the start {load_start}, at the end {}. \
             Other engineers' builds shared these CPUs: read the \"other load\" rows.",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model(),
            version("uname", &["-r"]),
            procs::load_average()
        ),
        format!(
            "Versions: {} (the agent runs with `--unencrypted`, see the README); Debian packages: {}.",
            version(&deskmate.to_string_lossy(), &["--version"]),
            ["x11vnc", "tigervnc-scraping-server", "websockify", "xvfb", "xterm", "chromium"]
                .iter()
                .map(|p| format!("{p} {}", version("dpkg-query", &["-W", "-f=${Version}", p])))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "Set-up: Xvfb 1920×1080×24; the sharer side (VNC servers, websockify, Deskmate's agent and relay) in one network namespace, the viewer in another, joined by a veth pair whose bytes are counted; see [README](../README.md) for each figure's method.".into(),
    ];
    let info = report::RunInfo {
        mode: if args.quick { "--quick" } else { "default" },
        wall,
        header,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        if args.quick {
            "target/bench-peers-quick".into()
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("results")
        }
    });
    let md = report::write(&r, &info, &out)?;
    if let Err(err) = report::plot(&out) {
        eprintln!("the latency plot was not drawn: {err:#}");
    }
    println!("{md}");
    log(start, &format!("results in {}", out.display()));
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Connects a viewer; returns it, its screen and the time to the first full
/// frame (and the wire bytes until then).
fn connect(
    ctx: &Ctx,
    sys: &mut System,
    limit: Duration,
) -> Result<(crate::systems::Viewer, screen::Shared, Duration, u64)> {
    let d = ctx.display;
    let full = d.full();
    let shown = screen::shared();
    screen::lock(&shown).watch(full, 8);
    let target = sample(&d.grab(full)?, d.width, full, 8);
    let zeros = vec![0u32; target.len()];
    let bytes0 = ctx.net.viewer_bytes();
    let (viewer, t0) = sys.connect(ctx.net, shown.clone())?;
    let goal = [Target::new(t0, target, &zeros)];
    loop {
        let snaps = screen::lock(&shown)
            .watch
            .as_ref()
            .map(|w| w.snaps.clone())
            .unwrap_or_default();
        if let Some(Some(first)) = probes::resolve(&goal, &snaps).latency.first() {
            let bytes = ctx.net.viewer_bytes().saturating_sub(bytes0);
            screen::lock(&shown).watch = None;
            return Ok((viewer, shown, *first, bytes));
        }
        if t0.elapsed() > limit {
            let source = d.grab(full)?;
            let (updates, psnr, problems) = {
                let s = screen::lock(&shown);
                (
                    s.log.len(),
                    crate::measure::psnr(&s.pixels, &source),
                    s.problems.join("; "),
                )
            };
            sys.disconnect(viewer);
            bail!(
                "no full first frame within {limit:?} ({updates} updates received, picture at {psnr:.1} dB) {problems}"
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn one_system(ctx: &Ctx, sys: &mut System, r: &mut Results, start: Instant) -> Result<()> {
    let k = sys.kind;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    log(start, &format!("{}: 7 connect", k.label()));
    let (viewer, shown, first, bytes) = connect(ctx, sys, Duration::from_secs(30))
        .inspect_err(|e| r.failed(Scn::Connect, k, format!("{e:#}")))?;
    r.num(Scn::Connect, Metric::Connect, k, ms(first));
    r.num(Scn::Connect, Metric::ConnectBytes, k, bytes as f64 / 1e3);
    let on = On {
        sys,
        viewer: &viewer,
        screen: &shown,
    };
    type Step<'a> = (Scn, &'a str, Box<dyn Fn(&mut Results) -> Result<()> + 'a>);
    let steps: Vec<Step> = vec![
        (Scn::Idle, "1 idle", Box::new(|r| ctx.idle(r, &on))),
        (
            Scn::Typing,
            "2 typing",
            Box::new(|r| ctx.typing(r, Scn::Typing, &on, ctx.plan.chars)),
        ),
        (
            Scn::ScrollTerm,
            "3a scrolling a text",
            Box::new(|r| ctx.scroll_terminal(r, &on)),
        ),
        (
            Scn::ScrollWeb,
            "3b scrolling a web page",
            Box::new(|r| ctx.scroll_browser(r, &on)),
        ),
        (
            Scn::Drag,
            "4 dragging a window",
            Box::new(|r| ctx.drag(r, &on)),
        ),
        (
            Scn::Motion,
            "5 full-screen motion",
            Box::new(|r| ctx.motion(r, &on)),
        ),
        (
            Scn::Cursor,
            "6 cursor movement",
            Box::new(|r| ctx.cursor(r, &on)),
        ),
        (
            Scn::Connect,
            "7 link cut",
            Box::new(|r| ctx.recovery(r, Scn::Connect, &on, Duration::from_secs(10))),
        ),
    ];
    for (s, name, step) in &steps {
        log(start, &format!("{}: {name}", k.label()));
        if let Err(err) = step(r) {
            log(start, &format!("{}: {name} failed: {err:#}", k.label()));
            r.failed(*s, k, format!("{err:#}"));
            let _ = ctx.net.cut(false);
        }
    }
    drop(steps);
    let problems = screen::lock(&shown).problems.clone();
    for p in problems {
        r.notes.push(format!("{}: {p}", k.label()));
    }
    if let Some(note) = sys.disconnect(viewer) {
        r.notes.push(format!("{}: {note}", k.label()));
    }

    log(start, &format!("{}: 8 constrained link", k.label()));
    ctx.net.use_link(Link::Constrained);
    let s = Scn::Constrained;
    let outcome = (|| -> Result<()> {
        let (viewer, shown, first, bytes) = connect(ctx, sys, Duration::from_secs(90))?;
        r.num(s, Metric::Connect, k, ms(first));
        r.num(s, Metric::ConnectBytes, k, bytes as f64 / 1e3);
        let on = On {
            sys: &*sys,
            viewer: &viewer,
            screen: &shown,
        };
        crate::measure::quiet(&shown, Duration::from_millis(600), ctx.plan.settle_limit);
        let typed = ctx.typing(r, s, &on, ctx.plan.chars_constrained);
        let cut = typed.and_then(|_| ctx.recovery(r, s, &on, Duration::from_secs(30)));
        let problems = screen::lock(&shown).problems.clone();
        for p in problems {
            r.notes
                .push(format!("{} (constrained link): {p}", k.label()));
        }
        if let Some(note) = sys.disconnect(viewer) {
            r.notes.push(format!("{}: {note}", k.label()));
        }
        cut
    })();
    ctx.net.use_link(Link::Clear);
    if let Err(err) = outcome {
        log(start, &format!("{}: 8 failed: {err:#}", k.label()));
        r.failed(s, k, format!("{err:#}"));
    }
    Ok(())
}
