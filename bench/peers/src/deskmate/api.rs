//! HTTPS JSON calls to the REST API, trusting only the server's certificate
//! (the client of `bench/agent/src/api.rs`; here `localhost` resolves to the
//! sharer side's address across the veth).

use anyhow::{Context, Result, bail};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// rustls (ring) trusting exactly the PEM certificate(s) in `cert_pem`; no ALPN (http/1.1).
pub fn tls_config(cert_pem: &Path) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_pem)
        .with_context(|| format!("read {}", cert_pem.display()))?
    {
        roots
            .add(cert.context("parse certificate")?)
            .context("trust certificate")?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// A client with an optional bearer token.
#[derive(Clone)]
pub struct Api {
    http: Client,
    base: String,
    pub token: Option<String>,
}

impl Api {
    /// A client for `https://localhost:PORT` sent to `addr`.
    pub fn new(tls: rustls::ClientConfig, addr: std::net::SocketAddr) -> Result<Self> {
        let http = Client::builder()
            .use_preconfigured_tls(tls)
            .resolve("localhost", addr)
            .timeout(Duration::from_secs(60))
            .build()
            .context("build the HTTP client")?;
        Ok(Self {
            http,
            base: format!("https://localhost:{}", addr.port()),
            token: None,
        })
    }

    /// Sends a JSON request and returns the JSON answer, failing unless the status is `expect`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expect: StatusCode,
    ) -> Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("{method} {path}: body"))?;
        if status != expect {
            bail!("{method} {path}: expected {expect}, got {status}: {text}");
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).with_context(|| format!("{method} {path}: not JSON: {text}"))
    }

    pub async fn post(&self, path: &str, body: &Value, expect: StatusCode) -> Result<Value> {
        self.call(Method::POST, path, Some(body), expect).await
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        self.call(Method::GET, path, None, StatusCode::OK).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value> {
        self.call(Method::PATCH, path, Some(body), StatusCode::OK)
            .await
    }

    /// Signs in with a password and returns a client carrying the access token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Api> {
        let body = self
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"email": email, "password": password}),
                StatusCode::OK,
            )
            .await?;
        let token = body["access_token"]
            .as_str()
            .context("login answer without access_token")?;
        Ok(Self {
            token: Some(token.to_string()),
            ..self.clone()
        })
    }
}
