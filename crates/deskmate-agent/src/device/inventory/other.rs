//! Inventory on platforms without a full collector yet: names only, every
//! compliance fact unknown (so policies that check them report why).

use super::Depth;
use deskmate_proto::device::Inventory;

pub fn collect(_depth: Depth) -> Inventory {
    Inventory {
        hostname: std::env::var("COMPUTERNAME")
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_else(|_| "unknown device".into()),
        os_family: std::env::consts::OS.into(),
        os_name: std::env::consts::OS.into(),
        agent_version: env!("CARGO_PKG_VERSION").into(),
        ..Inventory::default()
    }
}
