//! The network between the sharer's side and the viewer: two network
//! namespaces made for this run, joined twice. The sharer's side (VNC
//! servers, websockify, Deskmate's agent and relay) lives in one, the viewer
//! (this program, re-executed) in the other.
//!
//! - The clear link: a veth pair, 10.47.0.1 (sharer) ↔ 10.47.0.2 (viewer).
//! - The constrained link: two TUN devices, 10.48.0.1 ↔ 10.48.0.2, joined
//!   by `linkemu.py`, which delays (50 ms), rate-limits (5 Mbit/s) and drops
//!   (1 %) packets in each direction as `tc netem` would (this kernel has no
//!   netem).
//!
//! Bytes are counted on the viewer's device of the link in use. A cut drops
//! every packet: nftables on both veth ends, a signal to the emulator.

use crate::procs::Proc;
use anyhow::{Context, Result, bail};
use std::cell::Cell;
use std::io::BufRead;
use std::process::{Command, Stdio};

/// The sharer side's address on the clear link.
pub const SHARER_IP: &str = "10.47.0.1";
/// The sharer side's address on the constrained link.
const EMU_SHARER_IP: &str = "10.48.0.1";

/// The two namespaces, the devices, the emulator's pid and the link in use.
#[derive(Debug, Clone)]
pub struct Net {
    pub sharer_ns: String,
    pub viewer_ns: String,
    pub sharer_dev: String,
    pub viewer_dev: String,
    emu_sharer_dev: String,
    emu_viewer_dev: String,
    emu_pid: u32,
    link: Cell<Link>,
}

/// Which link the viewer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The veth pair.
    Clear,
    /// The emulated link: 50 ms each way, 5 Mbit/s, 1 % loss.
    Constrained,
}

fn run(args: &[&str]) -> Result<()> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .with_context(|| format!("run {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

impl Net {
    /// Creates both namespaces, the veth pair and the emulated link (the
    /// returned process is the emulator; it stops when dropped).
    pub fn create() -> Result<(Self, Proc)> {
        let id = std::process::id();
        let mut net = Self {
            sharer_ns: format!("dmp-s-{id}"),
            viewer_ns: format!("dmp-v-{id}"),
            sharer_dev: format!("dmps{id}"),
            viewer_dev: format!("dmpv{id}"),
            emu_sharer_dev: format!("dmes{id}"),
            emu_viewer_dev: format!("dmev{id}"),
            emu_pid: 0,
            link: Cell::new(Link::Clear),
        };
        run(&["ip", "netns", "add", &net.sharer_ns])?;
        match net.wire_up() {
            Ok(emu) => {
                net.emu_pid = emu.pid;
                Ok((net, emu))
            }
            Err(err) => {
                net.destroy();
                Err(err)
            }
        }
    }

    fn wire_up(&self) -> Result<Proc> {
        run(&["ip", "netns", "add", &self.viewer_ns])?;
        run(&[
            "ip",
            "link",
            "add",
            &self.sharer_dev,
            "type",
            "veth",
            "peer",
            "name",
            &self.viewer_dev,
        ])?;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("linkemu.py");
        let mut emu = Proc::spawn(
            "linkemu.py",
            Command::new("/usr/bin/python3")
                .arg(&script)
                .args([&self.emu_sharer_dev, &self.emu_viewer_dev, "50", "5", "1"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        )?;
        let mut line = String::new();
        std::io::BufReader::new(emu.stdout().context("emulator output")?)
            .read_line(&mut line)
            .context("read the emulator's first line")?;
        if line.trim() != "ready" {
            bail!("the link emulator did not start ({line:?})");
        }
        for (dev, ns, ip, emu_dev, emu_ip) in [
            (
                &self.sharer_dev,
                &self.sharer_ns,
                SHARER_IP,
                &self.emu_sharer_dev,
                EMU_SHARER_IP,
            ),
            (
                &self.viewer_dev,
                &self.viewer_ns,
                "10.47.0.2",
                &self.emu_viewer_dev,
                "10.48.0.2",
            ),
        ] {
            run(&["ip", "link", "set", dev, "netns", ns])?;
            run(&["ip", "link", "set", emu_dev, "netns", ns])?;
            run(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{ip}/30"),
                "dev",
                dev,
            ])?;
            run(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{emu_ip}/30"),
                "dev",
                emu_dev,
            ])?;
            run(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
            run(&["ip", "-n", ns, "link", "set", dev, "up"])?;
            run(&["ip", "-n", ns, "link", "set", emu_dev, "up"])?;
            // Real-sized packets on the wire: no segmentation offloads.
            let _ = run(&[
                "ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro",
                "off",
            ]);
        }
        Ok(emu)
    }

    /// `--inner` form.
    pub fn spec(&self) -> String {
        format!(
            "{},{},{},{},{},{},{}",
            self.sharer_ns,
            self.viewer_ns,
            self.sharer_dev,
            self.viewer_dev,
            self.emu_sharer_dev,
            self.emu_viewer_dev,
            self.emu_pid
        )
    }

    pub fn from_spec(spec: &str) -> Result<Self> {
        let parts: Vec<&str> = spec.split(',').collect();
        let [s, v, sd, vd, es, ev, pid] = parts[..] else {
            bail!("malformed --inner value {spec:?}");
        };
        Ok(Self {
            sharer_ns: s.into(),
            viewer_ns: v.into(),
            sharer_dev: sd.into(),
            viewer_dev: vd.into(),
            emu_sharer_dev: es.into(),
            emu_viewer_dev: ev.into(),
            emu_pid: pid.parse().context("emulator pid")?,
            link: Cell::new(Link::Clear),
        })
    }

    /// Chooses the link the next connections use.
    pub fn use_link(&self, link: Link) {
        self.link.set(link);
    }

    /// The sharer side's address on the link in use.
    pub fn sharer_ip(&self) -> &'static str {
        match self.link.get() {
            Link::Clear => SHARER_IP,
            Link::Constrained => EMU_SHARER_IP,
        }
    }

    /// Cuts both links (every packet dropped) or restores them.
    pub fn cut(&self, cut: bool) -> Result<()> {
        let signal = if cut { "-USR1" } else { "-USR2" };
        run(&["kill", signal, &self.emu_pid.to_string()])?;
        for (ns, dev) in [
            (&self.sharer_ns, &self.sharer_dev),
            (&self.viewer_ns, &self.viewer_dev),
        ] {
            if cut {
                run(&[
                    "ip", "netns", "exec", ns, "nft", "add", "table", "netdev", "dmpcut",
                ])?;
                let chain = format!(
                    "{{ type filter hook ingress device \"{dev}\" priority 0; policy drop; }}"
                );
                run(&[
                    "ip", "netns", "exec", ns, "nft", "add", "chain", "netdev", "dmpcut",
                    "ingress", &chain,
                ])?;
            } else {
                run(&[
                    "ip", "netns", "exec", ns, "nft", "delete", "table", "netdev", "dmpcut",
                ])?;
            }
        }
        Ok(())
    }

    /// Bytes through the viewer's device of the link in use, both
    /// directions (veth: Ethernet frames; TUN: IP packets). Read from the
    /// viewer namespace's `/sys`.
    pub fn viewer_bytes(&self) -> u64 {
        let dev = match self.link.get() {
            Link::Clear => &self.viewer_dev,
            Link::Constrained => &self.emu_viewer_dev,
        };
        ["rx_bytes", "tx_bytes"]
            .iter()
            .map(|f| {
                std::fs::read_to_string(format!("/sys/class/net/{dev}/statistics/{f}"))
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .unwrap_or(0)
            })
            .sum()
    }

    /// Kills what still runs in the namespaces (only our own processes live
    /// there) and deletes them; the veth pair goes with them.
    pub fn destroy(&self) {
        for ns in [&self.sharer_ns, &self.viewer_ns] {
            if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
