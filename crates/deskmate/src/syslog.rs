//! Local session log: agent events also go to the system log (journald and
//! syslog both read `/dev/log`), so IT can see on the device who helped,
//! when, and what went wrong, even after the terminal is closed.

use std::fmt::Write as _;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// A tracing layer that sends each event as one RFC 3164 datagram.
pub struct SyslogLayer {
    socket: UnixDatagram,
    ident: String,
}

impl SyslogLayer {
    /// Connects to the log socket at `path` (normally `/dev/log`); `None` if there is none.
    pub fn connect(path: &Path, ident: &str) -> Option<Self> {
        let socket = UnixDatagram::unbound().ok()?;
        socket.connect(path).ok()?;
        Some(Self {
            socket,
            ident: ident.to_string(),
        })
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

/// Facility "user" (1) × 8 + severity.
fn priority(level: &Level) -> u8 {
    8 + match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

impl<S: Subscriber> Layer<S> for SyslogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = event.metadata().level();
        if *level > Level::INFO {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let line = format!(
            "<{}>{}[{}]: {}",
            priority(level),
            self.ident,
            std::process::id(),
            message.0
        );
        // Logging must never stop a session: a full or missing log socket is ignored.
        let _ = self.socket.send(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn events_arrive_as_syslog_lines() {
        let path = std::env::temp_dir().join(format!("deskmate-log-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let receiver = UnixDatagram::bind(&path).expect("bind");
        let layer = SyslogLayer::connect(&path, "deskmate").expect("connect");
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(session = "abc", "remote help session joined");
            tracing::debug!("not sent");
            tracing::error!(error = "X server gone", "screen capture failed");
        });
        let mut buf = [0u8; 1024];
        let n = receiver.recv(&mut buf).expect("first line");
        let line = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(line.starts_with("<14>deskmate["), "{line}");
        assert!(
            line.ends_with("]: remote help session joined session=abc"),
            "{line}"
        );
        let n = receiver.recv(&mut buf).expect("second line");
        let line = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(
            line.starts_with("<11>deskmate[") && line.contains("error=X server gone"),
            "{line}"
        );
        let _ = std::fs::remove_file(&path);
    }
}
