//! The agent's connection to the server: sign-in, code redemption and the
//! session WebSocket, all over TLS with the `ring` provider.

use deskmate_proto::messages::{ClientMessage, encode};
use futures_util::SinkExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The session WebSocket.
pub type SessionSocket = WebSocketStream<TlsStream<TcpStream>>;

/// Why talking to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The address or certificate settings are unusable.
    #[error("{0}")]
    Setup(String),
    /// The server could not be reached.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The server refused, with its explanation.
    #[error("{detail}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Problem type.
        kind: String,
        /// Explanation.
        detail: String,
    },
    /// The account has a second factor and no code was given.
    #[error("this account needs the 6-digit code from its authenticator app (--totp)")]
    TotpRequired,
}

/// A client of one Deskmate server.
pub struct ServerClient {
    base: String,
    host: String,
    port: u16,
    http: reqwest::Client,
    tls: Arc<rustls::ClientConfig>,
    token: Option<String>,
    /// The refresh token and when the access token should be renewed.
    renewal: Option<(String, std::time::Instant)>,
}

fn tls_config(ca_cert: Option<&Path>) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| ClientError::Setup(format!("cannot read {}: {e}", path.display())))?;
            for cert in certs {
                let cert =
                    cert.map_err(|e| ClientError::Setup(format!("{}: {e}", path.display())))?;
                roots
                    .add(cert)
                    .map_err(|e| ClientError::Setup(format!("{}: {e}", path.display())))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Setup(e.to_string()))
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

async fn problem(response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let kind = body["type"].as_str().unwrap_or("").to_string();
    if kind == "urn:deskmate:problem:totp-required" {
        return ClientError::TotpRequired;
    }
    ClientError::Refused {
        status,
        kind,
        detail: body["detail"]
            .as_str()
            .unwrap_or("the server refused the request")
            .to_string(),
    }
}

impl ServerClient {
    /// A client for `base` (`https://host:port`), trusting `ca_cert` (PEM) if
    /// given, else the public web roots.
    pub fn new(base: &str, ca_cert: Option<&Path>) -> Result<Self, ClientError> {
        let base = base.trim_end_matches('/').to_string();
        let authority = base.strip_prefix("https://").ok_or_else(|| {
            ClientError::Setup(format!(
                "the server address must start with https:// ({base})"
            ))
        })?;
        let authority = authority.split('/').next().unwrap_or(authority);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_start_matches('[').trim_end_matches(']').to_string(),
                p.parse()
                    .map_err(|_| ClientError::Setup(format!("bad port in {base}")))?,
            ),
            _ => (authority.to_string(), 443),
        };
        let tls = tls_config(ca_cert)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls.clone())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::Setup(e.to_string()))?;
        Ok(Self {
            base,
            host,
            port,
            http,
            tls: Arc::new(tls),
            token: None,
            renewal: None,
        })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        if !response.status().is_success() {
            return Err(problem(response).await);
        }
        response
            .json()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))
    }

    /// Keeps the tokens of a sign-in or refresh reply; the access token is
    /// renewed a minute before it expires.
    fn keep_tokens(&mut self, reply: &Value) {
        self.token = reply["access_token"].as_str().map(str::to_string);
        let lifetime = reply["expires_in"].as_u64().unwrap_or(300);
        self.renewal = reply["refresh_token"].as_str().map(|refresh| {
            let renew_in = std::time::Duration::from_secs(lifetime.saturating_sub(60).max(10));
            (refresh.to_string(), std::time::Instant::now() + renew_in)
        });
    }

    /// Renews the access token with the refresh token when it is about to
    /// expire (a long-running agent stays signed in this way).
    pub async fn refresh_if_due(&mut self) -> Result<(), ClientError> {
        let Some((refresh, due)) = self.renewal.clone() else {
            return Ok(());
        };
        if std::time::Instant::now() < due {
            return Ok(());
        }
        let reply = self
            .post("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await?;
        self.keep_tokens(&reply);
        tracing::debug!("the access token was renewed");
        Ok(())
    }

    /// Signs in; returns the `me` object (user, tenant, permissions).
    pub async fn sign_in(
        &mut self,
        email: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut body = json!({"email": email, "password": password});
        if let Some(code) = totp {
            body["totp_code"] = json!(code);
        }
        let reply = self.post("/api/v1/auth/login", &body).await?;
        self.keep_tokens(&reply);
        Ok(reply["me"].clone())
    }

    /// Signs in through the browser (OAuth 2.0 device authorisation grant):
    /// asks the server for a user code, hands the address and code to
    /// `show` (print it, open the browser), then polls until the person
    /// approves or denies, or the request expires. Returns the `me` object.
    pub async fn sign_in_with_browser(
        &mut self,
        client_name: &str,
        show: impl FnOnce(&str, &str),
    ) -> Result<Value, ClientError> {
        let started = self
            .post(
                "/api/v1/auth/device-authorization",
                &json!({"client_name": client_name}),
            )
            .await?;
        let device_code = started["device_code"]
            .as_str()
            .ok_or_else(|| ClientError::Network("the server sent no device code".into()))?
            .to_string();
        show(
            started["verification_uri_complete"].as_str().unwrap_or(""),
            started["user_code"].as_str().unwrap_or(""),
        );
        let mut interval = started["interval"].as_u64().unwrap_or(5).clamp(1, 60);
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
            match self
                .post(
                    "/api/v1/auth/device-token",
                    &json!({"device_code": device_code}),
                )
                .await
            {
                Ok(reply) => {
                    self.keep_tokens(&reply);
                    return Ok(reply["me"].clone());
                }
                Err(ClientError::Refused { kind, .. })
                    if kind == "urn:deskmate:problem:authorization-pending" => {}
                Err(ClientError::Refused { kind, .. })
                    if kind == "urn:deskmate:problem:slow-down" =>
                {
                    interval = (interval + 5).min(60);
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// Redeems a security code on this device (`device` as
    /// [`crate::device::claim::redeem_claim`] builds it); returns the session
    /// (with the helper's profile).
    /// `encrypted` says whether this client will encrypt the session end to
    /// end; the server refuses unencrypted sessions unless the organisation
    /// allows them.
    pub async fn redeem(
        &self,
        code: &str,
        device: Value,
        encrypted: bool,
    ) -> Result<Value, ClientError> {
        self.post(
            "/api/v1/remote-help/redeem",
            &json!({"code": code, "device": device, "encrypted": encrypted}),
        )
        .await
    }

    /// Enrols this device with an enrolment token (no sign-in needed).
    pub async fn enrol(&self, request: &Value) -> Result<Value, ClientError> {
        self.post("/api/v1/devices/enrol", request).await
    }

    /// Sends a signed inventory report of an enrolled device.
    pub async fn report_inventory(
        &self,
        device_id: &str,
        report: &Value,
    ) -> Result<Value, ClientError> {
        self.post(&format!("/api/v1/devices/{device_id}/inventory"), report)
            .await
    }

    /// The server's address as given.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Opens the session's WebSocket and says hello.
    pub async fn join(
        &self,
        session_id: &str,
        last_chat_seq: u64,
    ) -> Result<SessionSocket, ClientError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| ClientError::Setup(e.to_string()))?;
        let tls = TlsConnector::from(Arc::clone(&self.tls))
            .connect(name, tcp)
            .await
            .map_err(|e| ClientError::Network(format!("TLS: {e}")))?;
        let mut request = format!(
            "wss://{}:{}/api/v1/remote-help/sessions/{session_id}/connect",
            self.host, self.port
        )
        .into_client_request()
        .map_err(|e| ClientError::Setup(e.to_string()))?;
        if let Some(token) = &self.token
            && let Ok(value) = format!("Bearer {token}").parse()
        {
            request.headers_mut().insert("authorization", value);
        }
        let (mut ws, _) = tokio_tungstenite::client_async(request, tls)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(response) => ClientError::Refused {
                    status: response.status().as_u16(),
                    kind: String::new(),
                    detail: format!(
                        "the server refused to join the session ({})",
                        response.status()
                    ),
                },
                other => ClientError::Network(other.to_string()),
            })?;
        let hello = ClientMessage::Hello {
            protocol: deskmate_proto::PROTOCOL_VERSION,
            last_chat_seq,
        };
        ws.send(Message::Text(encode(&hello).into()))
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(ws)
    }
}
