//! Fresh-machine set-up: installs the peers and the tools the harness runs
//! from Debian (`apt-get`) when they are missing.

use anyhow::{Context, Result, bail};
use std::process::Command;

/// (how to tell it is there, Debian package).
const NEEDED: &[(&str, &str)] = &[
    ("Xvfb", "xvfb"),
    ("xterm", "xterm"),
    ("x11vnc", "x11vnc"),
    ("X0tigervnc", "tigervnc-scraping-server"),
    ("websockify", "websockify"),
    ("/usr/share/novnc", "novnc"),
    ("xdotool", "xdotool"),
    ("ip", "iproute2"),
    ("tc", "iproute2"),
    ("ethtool", "ethtool"),
    ("nft", "nftables"),
    ("less", "less"),
    ("matplotlib", "python3-matplotlib"),
];

fn present(what: &str) -> bool {
    if what.starts_with('/') {
        return std::path::Path::new(what).exists();
    }
    if what == "matplotlib" {
        return Command::new("/usr/bin/python3")
            .args(["-c", "import matplotlib"])
            .output()
            .is_ok_and(|o| o.status.success());
    }
    Command::new("sh")
        .args(["-c", &format!("command -v {what}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs what is missing (unless `install` is false: then says what to install).
pub fn ensure(install: bool) -> Result<()> {
    let mut missing: Vec<&str> = NEEDED
        .iter()
        .filter(|(what, _)| !present(what))
        .map(|(_, package)| *package)
        .collect();
    missing.dedup();
    if !is_root() {
        bail!("the harness creates network namespaces and must run as root");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let command = format!("apt-get install -y {}", missing.join(" "));
    if !install {
        bail!(
            "missing: {}; install them with `{command}`",
            missing.join(", ")
        );
    }
    eprintln!(
        "[bench-peers] installing from Debian: {}",
        missing.join(" ")
    );
    let update = Command::new("apt-get")
        .args(["update", "-qq"])
        .status()
        .context("run apt-get update")?;
    if !update.success() {
        bail!("apt-get update failed ({update})");
    }
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("run apt-get install")?;
    if !status.success() {
        bail!("`{command}` failed ({status})");
    }
    Ok(())
}
