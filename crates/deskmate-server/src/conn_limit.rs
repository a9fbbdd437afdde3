//! Open connections per source address: the listener takes a slot for each
//! accepted TCP connection and refuses one over the cap, so one address
//! cannot hold every file descriptor of the server.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Counts open connections per source address.
#[derive(Debug)]
pub struct ConnectionLimits {
    cap: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One open connection; frees its slot when dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    limits: Arc<ConnectionLimits>,
    address: IpAddr,
}

/// A connection refused because its address is at the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtCap {
    /// True for the first refusal since the address was last under the cap
    /// (log loudly once, not for every attempt of a flood).
    pub first: bool,
}

impl ConnectionLimits {
    /// At most `cap` open connections per address.
    pub fn new(cap: u32) -> Arc<Self> {
        Arc::new(Self {
            cap,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// The cap.
    pub fn cap(&self) -> u32 {
        self.cap
    }

    /// Takes a slot for a new connection from `address`.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Result<ConnectionSlot, AtCap> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(address).or_insert(0);
        // The high bit marks "already refused since last under the cap".
        let refused_flag = 1 << 31;
        if *count & !refused_flag >= self.cap {
            let first = *count & refused_flag == 0;
            *count |= refused_flag;
            return Err(AtCap { first });
        }
        *count = (*count & !refused_flag) + 1;
        Ok(ConnectionSlot {
            limits: Arc::clone(self),
            address,
        })
    }

    /// Open connections from `address`.
    pub fn open_from(&self, address: IpAddr) -> u32 {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&address).map_or(0, |c| c & !(1 << 31))
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self
            .limits
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            let left = (*count & !(1 << 31)).saturating_sub(1);
            if left == 0 {
                open.remove(&self.address);
            } else {
                *count = left;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_cap() {
        let limits = ConnectionLimits::new(2);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let one = limits.admit(a).expect("first");
        let _two = limits.admit(a).expect("second");
        assert_eq!(
            limits.admit(a).expect_err("over the cap"),
            AtCap { first: true }
        );
        assert_eq!(
            limits.admit(a).expect_err("over the cap"),
            AtCap { first: false }
        );
        let _other = limits.admit(b).expect("another address is not affected");
        drop(one);
        assert_eq!(limits.open_from(a), 1);
        let _again = limits.admit(a).expect("a slot came free");
        assert_eq!(
            limits.admit(a).expect_err("over the cap"),
            AtCap { first: true }
        );
    }

    #[test]
    fn slots_are_forgotten_when_all_close() {
        let limits = ConnectionLimits::new(1);
        let a: IpAddr = "2001:db8::1".parse().expect("ip");
        drop(limits.admit(a).expect("slot"));
        assert_eq!(limits.open_from(a), 0);
        assert!(limits.open.lock().expect("lock").is_empty());
    }
}
