//! Forwarding audit events to a SIEM: with `--audit-syslog udp://HOST:PORT`
//! (or `tcp://…`) every recorded audit event is also sent as one RFC 5424
//! syslog message (facility 13, "log audit"), with the chain position,
//! actor, target, source address and hash as structured data and the
//! details as JSON in the message. UDP sends one datagram per event (RFC
//! 5426); TCP uses octet-counting framing (RFC 6587) and reconnects after
//! an error.
//!
//! Sending never delays the request that caused the event: events go
//! through a bounded queue to one background task; when the queue is full
//! or the collector unreachable, events are counted in
//! `deskmate_audit_syslog_dropped_total` (the database copy is unaffected).

use crate::clock::to_rfc3339;
use crate::store::AuditEvent;
use std::fmt::Write as _;
use std::str::FromStr;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;

/// The structured-data id of Deskmate's audit parameters (32473 is the
/// private enterprise number RFC 5612 reserves for such use).
pub const SD_ID: &str = "audit@32473";

/// Events waiting to be sent before new ones are dropped.
const QUEUE: usize = 10_000;

/// Where audit events are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyslogTarget {
    /// One datagram per event to `host:port`.
    Udp(String),
    /// A stream to `host:port`, octet-counted.
    Tcp(String),
}

/// An `--audit-syslog` value that is not `udp://HOST:PORT` or `tcp://HOST:PORT`.
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not a syslog address: use udp://HOST:PORT or tcp://HOST:PORT")]
pub struct BadTarget(pub String);

impl FromStr for SyslogTarget {
    type Err = BadTarget;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadTarget(text.chars().take(200).collect());
        let (scheme, rest) = text.trim().split_once("://").ok_or_else(bad)?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        if host.is_empty() || host.contains(['/', '@', ' ']) || port.parse::<u16>().is_err() {
            return Err(bad());
        }
        match scheme.to_ascii_lowercase().as_str() {
            "udp" => Ok(SyslogTarget::Udp(rest.to_string())),
            "tcp" => Ok(SyslogTarget::Tcp(rest.to_string())),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for SyslogTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyslogTarget::Udp(a) => write!(f, "udp://{a}"),
            SyslogTarget::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// Severity: warning for refused or suspicious events, notice for the rest.
fn severity(action: &str) -> u8 {
    match action {
        "sign_in_wrong_password"
        | "sign_in_wrong_totp"
        | "refresh_token_reused"
        | "code_refused" => 4,
        _ => 5,
    }
}

/// Escapes a structured-data parameter value (RFC 5424 §6.3.3).
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A header field: printable ASCII without spaces, at most `max` characters, or `-`.
fn header_field(value: &str, max: usize) -> String {
    let field: String = value
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if field.is_empty() { "-".into() } else { field }
}

/// One event as an RFC 5424 message (without transport framing).
pub fn format_rfc5424(event: &AuditEvent, hostname: &str, procid: u32) -> String {
    let pri = 13 * 8 + severity(&event.action);
    let mut sd = format!(
        "[{SD_ID} tenant=\"{}\" seq=\"{}\"",
        event.tenant_id, event.seq
    );
    let optional = [
        ("actor", event.actor_id.map(|a| a.to_string())),
        ("target", event.target.clone()),
        ("source", event.source_addr.clone()),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            let _ = write!(sd, " {name}=\"{}\"", sd_escape(&value));
        }
    }
    let _ = write!(sd, " hash=\"{}\"]", sd_escape(&event.hash));
    format!(
        "<{pri}>1 {} {} deskmate {procid} {} {sd} {}",
        to_rfc3339(event.at),
        header_field(hostname, 255),
        header_field(&event.action, 32),
        event.detail
    )
}

/// Hands recorded events to the background sender.
#[derive(Debug, Clone)]
pub struct AuditForwarder {
    queue: mpsc::Sender<AuditEvent>,
}

impl AuditForwarder {
    /// Starts the background sender (needs a Tokio runtime). `hostname` is
    /// the HOSTNAME field of every message.
    pub fn start(target: SyslogTarget, hostname: String) -> Self {
        let (queue, events) = mpsc::channel(QUEUE);
        tokio::spawn(send_all(target, hostname, events));
        Self { queue }
    }

    /// Queues an event; drops it (counted) when the queue is full.
    pub fn forward(&self, event: AuditEvent) {
        if self.queue.try_send(event).is_err() {
            metrics::counter!("deskmate_audit_syslog_dropped_total").increment(1);
        }
    }
}

enum Connection {
    Udp(Option<UdpSocket>),
    Tcp(Option<TcpStream>),
}

async fn send_one(
    target: &SyslogTarget,
    connection: &mut Connection,
    message: &str,
) -> std::io::Result<()> {
    match (target, connection) {
        (SyslogTarget::Udp(addr), Connection::Udp(socket)) => {
            if socket.is_none() {
                let remote = tokio::net::lookup_host(addr.as_str())
                    .await?
                    .next()
                    .ok_or_else(|| std::io::Error::other("the host name has no address"))?;
                let local = if remote.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let s = UdpSocket::bind(local).await?;
                s.connect(remote).await?;
                *socket = Some(s);
            }
            if let Some(s) = socket
                && let Err(err) = s.send(message.as_bytes()).await
            {
                *socket = None;
                return Err(err);
            }
            Ok(())
        }
        (SyslogTarget::Tcp(addr), Connection::Tcp(stream)) => {
            if stream.is_none() {
                *stream = Some(TcpStream::connect(addr.as_str()).await?);
            }
            if let Some(s) = stream {
                let framed = format!("{} {message}", message.len());
                if let Err(err) = s.write_all(framed.as_bytes()).await {
                    *stream = None;
                    return Err(err);
                }
            }
            Ok(())
        }
        _ => Err(std::io::Error::other("transport mismatch")),
    }
}

async fn send_all(target: SyslogTarget, hostname: String, mut events: mpsc::Receiver<AuditEvent>) {
    let procid = std::process::id();
    let mut connection = match target {
        SyslogTarget::Udp(_) => Connection::Udp(None),
        SyslogTarget::Tcp(_) => Connection::Tcp(None),
    };
    let mut failing = false;
    while let Some(event) = events.recv().await {
        let message = format_rfc5424(&event, &hostname, procid);
        match send_one(&target, &mut connection, &message).await {
            Ok(()) => {
                if failing {
                    tracing::info!(target = %target, "audit events reach syslog again");
                }
                failing = false;
            }
            Err(err) => {
                metrics::counter!("deskmate_audit_syslog_dropped_total").increment(1);
                if !failing {
                    tracing::warn!(target = %target, error = %err,
                        "cannot send audit events to syslog; they stay in the database");
                }
                failing = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TenantId, UserId};

    #[test]
    fn targets_parse_and_garbage_is_refused() {
        assert_eq!(
            "udp://siem.example:514"
                .parse::<SyslogTarget>()
                .expect("udp"),
            SyslogTarget::Udp("siem.example:514".into())
        );
        assert_eq!(
            "tcp://[::1]:6514".parse::<SyslogTarget>().expect("tcp"),
            SyslogTarget::Tcp("[::1]:6514".into())
        );
        for bad in [
            "siem:514",
            "http://x:1",
            "udp://x",
            "udp://:514",
            "udp://x:99999",
        ] {
            assert!(bad.parse::<SyslogTarget>().is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_follow_rfc5424() {
        let tenant = TenantId::new();
        let actor = UserId::new();
        let event = AuditEvent {
            tenant_id: tenant,
            seq: 3,
            at: 1_700_000_000_123,
            actor_id: Some(actor),
            action: "sign_in_wrong_password".into(),
            target: Some("a\"b]c\\".into()),
            detail: "{\"email\":\"x@example.org\"}".into(),
            source_addr: Some("127.0.0.1".into()),
            prev_hash: "p".into(),
            hash: "h".into(),
        };
        let line = format_rfc5424(&event, "deskmate.example", 42);
        assert_eq!(
            line,
            format!(
                "<108>1 2023-11-14T22:13:20.123Z deskmate.example deskmate 42 sign_in_wrong_password \
                 [audit@32473 tenant=\"{tenant}\" seq=\"3\" actor=\"{actor}\" target=\"a\\\"b\\]c\\\\\" \
                 source=\"127.0.0.1\" hash=\"h\"] {{\"email\":\"x@example.org\"}}"
            )
        );
    }
}
