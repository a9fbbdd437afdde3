//! Reading the Linux system files and tool outputs inventory facts come
//! from. Pure functions over text, so each format is tested with samples.

/// A value of `/etc/os-release` (`KEY=value`, `KEY="value"`).
pub fn os_release_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix(key)?.strip_prefix('=')?;
        let value = value.trim().trim_matches('"').trim_matches('\'').trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// The root filesystem's entry in `/proc/self/mountinfo`: its device
/// numbers (`major:minor`), type and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootMount {
    /// `major:minor`.
    pub device: String,
    /// Filesystem type (`ext4`, `btrfs`, `overlay`…).
    pub fs_type: String,
    /// Mount source (`/dev/mapper/root`, `overlay`…).
    pub source: String,
}

/// Finds the mount of `/` in mountinfo text (the last one wins, as the kernel stacks them).
pub fn root_mount(mountinfo: &str) -> Option<RootMount> {
    mountinfo.lines().rev().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        let fields: Vec<&str> = left.split_whitespace().collect();
        if fields.get(4) != Some(&"/") {
            return None;
        }
        let mut after = right.split_whitespace();
        Some(RootMount {
            device: fields.get(2)?.to_string(),
            fs_type: after.next()?.to_string(),
            source: after.next()?.to_string(),
        })
    })
}

/// Whether ufw is enabled, from `/etc/ufw/ufw.conf`.
pub fn ufw_enabled(conf: &str) -> bool {
    os_release_value(conf, "ENABLED").is_some_and(|v| v.eq_ignore_ascii_case("yes"))
}

/// Whether an nftables configuration filters incoming traffic: an input
/// hook whose policy drops, or which has a drop or reject rule.
pub fn nftables_filters_input(conf: &str) -> bool {
    let text = conf.to_ascii_lowercase();
    text.contains("hook input")
        && (text.contains("policy drop") || text.contains(" drop") || text.contains("reject"))
}

/// Security updates `apt-get -s upgrade` would install: `Inst` lines from
/// a security archive.
pub fn apt_security_updates(simulation: &str) -> u32 {
    let count = simulation
        .lines()
        .filter(|l| l.starts_with("Inst ") && l.to_ascii_lowercase().contains("security"))
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// `gsettings get … lock-enabled` output: `true` / `false`.
pub fn gsettings_bool(output: &str) -> Option<bool> {
    match output.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// KDE's `kscreenlockerrc`: locking is on unless `Autolock=false`.
pub fn kde_autolock(conf: &str) -> bool {
    !conf
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case("autolock=false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_values_with_and_without_quotes() {
        let text = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\nPRETTY_NAME='Debian 12'\nEMPTY=\n";
        assert_eq!(
            os_release_value(text, "NAME").as_deref(),
            Some("Debian GNU/Linux")
        );
        assert_eq!(os_release_value(text, "VERSION_ID").as_deref(), Some("12"));
        assert_eq!(os_release_value(text, "ID").as_deref(), Some("debian"));
        assert_eq!(
            os_release_value(text, "PRETTY_NAME").as_deref(),
            Some("Debian 12")
        );
        assert_eq!(os_release_value(text, "EMPTY"), None);
        assert_eq!(os_release_value(text, "VERSION"), None);
    }

    #[test]
    fn the_root_mount_is_found_among_others() {
        let text = "\
22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw
23 22 0:21 / /proc rw shared:2 - proc proc rw
30 22 8:1 / /boot rw shared:3 - ext4 /dev/sda1 rw
";
        assert_eq!(
            root_mount(text),
            Some(RootMount {
                device: "253:0".into(),
                fs_type: "ext4".into(),
                source: "/dev/mapper/vg-root".into()
            })
        );
        let container = "100 90 0:50 / / rw - overlay overlay rw,lowerdir=/x\n";
        assert_eq!(
            root_mount(container).map(|m| m.fs_type),
            Some("overlay".into())
        );
        assert_eq!(root_mount("garbage\n\n"), None);
    }

    #[test]
    fn firewall_configurations() {
        assert!(ufw_enabled("# comment\nENABLED=yes\nLOGLEVEL=low\n"));
        assert!(!ufw_enabled("ENABLED=no\n"));
        assert!(!ufw_enabled(""));
        let nft = "table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n }\n}";
        assert!(nftables_filters_input(nft));
        let open = "table inet filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n }\n}";
        assert!(!nftables_filters_input(open));
    }

    #[test]
    fn apt_simulation_counts_security_updates_only() {
        let sim = "\
Reading package lists...
Inst libssl3 [3.0.11-1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst tzdata [2024a-0] (2024b-0+deb12u1 Debian:12.7/stable [all])
Inst openssh-client [1:9.2p1-2] (1:9.2p1-2+deb12u3 Debian-Security:12/stable-security [amd64])
Conf libssl3 (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
";
        assert_eq!(apt_security_updates(sim), 2);
        assert_eq!(apt_security_updates("0 upgraded, 0 newly installed"), 0);
    }

    #[test]
    fn screen_lock_settings() {
        assert_eq!(gsettings_bool("true\n"), Some(true));
        assert_eq!(gsettings_bool("false"), Some(false));
        assert_eq!(gsettings_bool("No such schema"), None);
        assert!(kde_autolock("[Daemon]\nTimeout=5\n"));
        assert!(!kde_autolock("[Daemon]\nAutolock=false\n"));
    }
}
