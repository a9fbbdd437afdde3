//! The Linux inventory collector: `/etc/os-release`, `/proc` and `/sys` for
//! names and disk encryption, the firewall front ends' own configuration
//! (ufw, firewalld, nftables), the desktop's screen-lock setting and the
//! package manager's view of pending security updates.

use super::Depth;
use super::parse;
use super::run::output;
use deskmate_proto::device::Inventory;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

pub fn collect(depth: Depth) -> Inventory {
    let os_release = read("/etc/os-release").or_else(|| read("/usr/lib/os-release"));
    let value = |key| {
        os_release
            .as_deref()
            .and_then(|t| parse::os_release_value(t, key))
    };
    let mut inventory = Inventory {
        hostname: read("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown device".into()),
        os_family: "linux".into(),
        os_name: value("PRETTY_NAME")
            .or_else(|| value("NAME"))
            .unwrap_or_else(|| "Linux".into()),
        os_version: value("VERSION_ID"),
        kernel: read("/proc/sys/kernel/osrelease").map(|k| k.trim().to_string()),
        agent_version: env!("CARGO_PKG_VERSION").into(),
        ..Inventory::default()
    };
    if depth == Depth::Full {
        inventory.disk_encryption = disk_encryption();
        inventory.firewall = firewall();
        inventory.screen_lock = screen_lock();
        inventory.pending_security_updates = pending_security_updates();
    }
    inventory
}

/// The `/sys/class/block` entry of the root filesystem's device.
fn root_block_device() -> Option<PathBuf> {
    let mount = parse::root_mount(&read("/proc/self/mountinfo")?)?;
    if mount.source.starts_with("/dev/")
        && let Ok(real) = std::fs::canonicalize(&mount.source)
        && let Some(name) = real.file_name()
    {
        let entry = Path::new("/sys/class/block").join(name);
        if entry.exists() {
            return Some(entry);
        }
    }
    let entry = Path::new("/sys/dev/block").join(&mount.device);
    entry.exists().then_some(entry)
}

/// Whether a block device is, or sits on, a dm-crypt mapping.
fn on_dm_crypt(device: &Path, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    if read(device.join("dm/uuid")).is_some_and(|uuid| uuid.trim().starts_with("CRYPT-")) {
        return true;
    }
    // A partition's holders are listed on it; its parent disk is one level up.
    let slaves = std::fs::read_dir(device.join("slaves"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default();
    slaves.iter().any(|slave| {
        on_dm_crypt(
            &std::fs::canonicalize(slave).unwrap_or_else(|_| slave.clone()),
            depth + 1,
        )
    })
}

fn disk_encryption() -> Option<bool> {
    // Inside a container the root is an overlay of the host's disks: unknown.
    let device = root_block_device()?;
    Some(on_dm_crypt(&device, 0))
}

fn process_running(name: &str) -> bool {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries.flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    && read(e.path().join("comm")).is_some_and(|c| c.trim() == name)
            })
        })
        .unwrap_or(false)
}

fn firewall() -> Option<bool> {
    let ufw = read("/etc/ufw/ufw.conf");
    if ufw.as_deref().is_some_and(parse::ufw_enabled) {
        return Some(true);
    }
    if process_running("firewalld") {
        return Some(true);
    }
    let nft = read("/etc/nftables.conf");
    let nft_enabled = Path::new("/etc/systemd/system/sysinit.target.wants/nftables.service")
        .exists()
        || Path::new("/etc/systemd/system/multi-user.target.wants/nftables.service").exists();
    if nft_enabled && nft.as_deref().is_some_and(parse::nftables_filters_input) {
        return Some(true);
    }
    // A firewall front end is installed but not switched on.
    if ufw.is_some() || nft.is_some() || Path::new("/usr/sbin/firewalld").exists() {
        return Some(false);
    }
    None
}

fn screen_lock() -> Option<bool> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && let Some(out) = output(
            "gsettings",
            &["get", "org.gnome.desktop.screensaver", "lock-enabled"],
            Duration::from_secs(5),
        )
        && let Some(value) = parse::gsettings_bool(&out)
    {
        return Some(value);
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    if std::env::var("XDG_CURRENT_DESKTOP").is_ok_and(|d| d.to_ascii_uppercase().contains("KDE")) {
        return Some(read(config.join("kscreenlockerrc")).is_none_or(|c| parse::kde_autolock(&c)));
    }
    None
}

fn pending_security_updates() -> Option<u32> {
    if Path::new("/usr/bin/apt-get").exists() {
        let sim = output(
            "apt-get",
            &["-s", "-o", "Debug::NoLocking=true", "upgrade"],
            Duration::from_secs(60),
        )?;
        return Some(parse::apt_security_updates(&sim));
    }
    if Path::new("/usr/bin/dnf").exists() {
        let list = output(
            "dnf",
            &["-q", "--cacheonly", "updateinfo", "list", "--security"],
            Duration::from_secs(60),
        )?;
        return u32::try_from(list.lines().filter(|l| !l.trim().is_empty()).count()).ok();
    }
    None
}
