//! deskmate-bench-peers: Deskmate side by side with the remote-desktop peers
//! people already use (x11vnc with Tight and with ZRLE, TigerVNC's
//! x0vncserver, x11vnc behind websockify as noVNC reaches it), in one run
//! on one machine, with the same scripted scenarios and a viewer that
//! decodes for real. Writes `results.md`, `results.csv` and `latency.png`;
//! prints figures, never asserts on time.
//!
//! The process started by the user installs what is missing, creates the
//! two network namespaces and re-runs itself inside the viewer's one
//! (`--inner`), then removes the namespaces.

mod deskmate;
mod measure;
mod netns;
mod probes;
mod procs;
mod report;
mod results;
mod rfb;
mod run;
mod scenarios;
mod screen;
mod setup;
mod systems;
mod xenv;

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::path::PathBuf;
use systems::Kind;

/// Measures Deskmate against x11vnc (Tight, ZRLE), x0vncserver and x11vnc
/// via websockify under Xvfb (build first: `cargo build --release -p deskmate
/// -p deskmate-bench-peers`; run as root from the workspace root).
#[derive(Parser, Debug)]
#[command(name = "deskmate-bench-peers", version)]
pub struct Args {
    /// The deskmate binary (runs both `serve` and `share`)
    #[arg(long, value_name = "PATH", default_value = "target/release/deskmate")]
    deskmate: PathBuf,
    /// Short scripts, under 3 minutes (results go to target/bench-peers-quick unless --out)
    #[arg(long)]
    quick: bool,
    /// Folder for results.md, results.csv, latency.csv, latency.png
    /// [default: bench/peers/results, or target/bench-peers-quick with --quick]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Systems to run, comma-separated: deskmate, x11vnc-tight, x11vnc-zrle, x0vncserver, websockify [default: all]
    #[arg(long, value_delimiter = ',')]
    systems: Vec<String>,
    /// Do not install missing Debian packages; fail and name them instead
    #[arg(long)]
    no_install: bool,
    /// Internal: the namespaces to measure in (set when re-running itself)
    #[arg(long, hide = true)]
    inner: Option<String>,
}

fn chosen_systems(args: &Args) -> Result<Vec<Kind>> {
    if args.systems.is_empty() {
        return Ok(Kind::ALL.to_vec());
    }
    args.systems
        .iter()
        .map(|s| Kind::from_key(s.trim()))
        .collect()
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(spec) = &args.inner {
        return run::inner(&args, &netns::Net::from_spec(spec)?);
    }
    chosen_systems(&args)?;
    setup::ensure(!args.no_install)?;
    if !args.deskmate.exists() {
        bail!(
            "{} not found: build it with `cargo build --release -p deskmate` or pass --deskmate PATH",
            args.deskmate.display()
        );
    }
    let (net, mut emulator) = netns::Net::create().context("create the network namespaces")?;
    let me = std::env::current_exe().context("find this program")?;
    let status = std::process::Command::new("ip")
        .args(["netns", "exec", &net.viewer_ns])
        .arg(&me)
        .args(std::env::args_os().skip(1))
        .arg("--inner")
        .arg(net.spec())
        .status()
        .context("run the measurements in the viewer's namespace");
    emulator.terminate(std::time::Duration::from_secs(2));
    net.destroy();
    let status = status?;
    if !status.success() {
        bail!("the measurements failed ({status})");
    }
    Ok(())
}
