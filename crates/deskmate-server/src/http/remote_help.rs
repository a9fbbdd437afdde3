//! Remote help over REST: get a security code, redeem it, read sessions and
//! their chat. The live session runs over the WebSocket in `relay`.

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use super::users::parse_id;
use super::views::email_domain;
use crate::audit::AuditAction;
use crate::clock::to_rfc3339;
use crate::compliance;
use crate::ids::{DeviceId, RemoteSessionId, UserId};
use crate::pairing::{MAX_OPEN_CODES_PER_HELPER, Refusal, code_hash, new_code};
use crate::permissions::Permission;
use crate::store::{ChatRecord, NewDevice, PairedDevice, RemoteSession, SessionFilter, User};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use deskmate_proto::code::SecurityCode;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

/// What one side is shown of the other (SPEC §3).
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    /// User id.
    pub id: UserId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Profile picture address.
    pub picture_url: Option<String>,
    /// The organisation's verified domain, when the person's address is in it.
    pub verified_domain: Option<String>,
    /// E-mail address.
    pub email: String,
}

/// The device being helped, and whether it meets policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// The device's record in the admin centre, when it has one.
    pub id: Option<DeviceId>,
    /// Name the agent reported.
    pub name: Option<String>,
    /// Operating system the agent reported.
    pub os: Option<String>,
    /// Enrolled devices are managed by the organisation.
    pub enrolled: bool,
    /// False for unenrolled or non-compliant devices (a warning, not a block).
    pub compliant: bool,
    /// Why not compliant.
    pub compliance_reasons: Vec<String>,
}

/// The device a code was issued for.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetDevice {
    /// Id.
    pub id: DeviceId,
    /// Name (absent when the device record was removed since).
    pub name: Option<String>,
}

/// A remote-help session as its participants and reporters see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: RemoteSessionId,
    /// `waiting`, `expired` (the code was not entered in time), `paired`, `active`, `ended` or `refused`.
    pub state: String,
    /// The helper (provider).
    pub helper: Option<Profile>,
    /// The sharer (recipient), once the code is redeemed.
    pub sharer: Option<Profile>,
    /// The sharer's device.
    pub device: Option<DeviceView>,
    /// The device the code was issued for, if the helper chose one.
    pub target_device: Option<TargetDevice>,
    /// What the helper's roles allow for this sharer.
    pub permissions: Vec<Permission>,
    /// Mode in force (`view` / `control`).
    pub mode: Option<String>,
    /// Why the code was refused.
    pub refusal: Option<String>,
    /// The refusal in plain words.
    pub refusal_message: Option<String>,
    /// Whether chat was used.
    pub chat_used: bool,
    /// Whether elevation was used.
    pub elevation_used: bool,
    /// Whether the session is encrypted end to end (absent before redemption).
    pub encrypted: Option<bool>,
    /// Who ended it: `helper`, `sharer`, `system`, `timeout` (not joined in
    /// time after redemption), `server_restart` or `revoked` (a participant's
    /// sign-in was ended).
    pub ended_by: Option<String>,
    /// Code expiry (RFC 3339).
    pub code_expires_at: String,
    /// Code issued (RFC 3339).
    pub created_at: String,
    /// First consent (RFC 3339).
    pub started_at: Option<String>,
    /// End (RFC 3339).
    pub ended_at: Option<String>,
}

fn profile(user: &User, verified: Option<&str>) -> Profile {
    Profile {
        id: user.id,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        job_title: user.job_title.clone(),
        company_name: user.company_name.clone(),
        picture_url: user
            .picture_type
            .as_ref()
            .map(|_| format!("/api/v1/users/{}/picture", user.id)),
        verified_domain: verified
            .map(str::to_ascii_lowercase)
            .filter(|d| email_domain(&user.email).as_deref() == Some(d.as_str())),
        email: user.email.clone(),
    }
}

fn refusal_from_slug(slug: &str) -> Option<Refusal> {
    [
        Refusal::RemoteHelpDisabled,
        Refusal::UnknownCode,
        Refusal::CodeExpired,
        Refusal::CodeUsed,
        Refusal::OwnCode,
        Refusal::NotInScope,
        Refusal::UnenrolledDevice,
        Refusal::WrongDevice,
        Refusal::DeviceNotVerified,
        Refusal::Unencrypted,
    ]
    .into_iter()
    .find(|r| r.slug() == slug)
}

/// The session's device with its compliance as of now.
async fn device_view(state: &AppState, s: &RemoteSession) -> Result<DeviceView, ApiError> {
    let record = match s.device_id {
        Some(id) => state.store.device(s.tenant_id, id).await?,
        None => None,
    };
    // A session on a then-unenrolled device stays unenrolled in its record,
    // even if the same installation enrolled later.
    let reasons = match &record {
        Some(d) if s.device_enrolled => {
            let policy = state.store.compliance_policy(s.tenant_id).await?;
            compliance::of_device(d, &policy, state.now())
        }
        _ => vec![compliance::UNENROLLED.to_string()],
    };
    Ok(DeviceView {
        id: record.map(|d| d.id),
        name: s.device_name.clone(),
        os: s.device_os.clone(),
        enrolled: s.device_enrolled,
        compliant: reasons.is_empty(),
        compliance_reasons: reasons,
    })
}

/// Builds the view of a session record.
pub async fn session_view(state: &AppState, s: &RemoteSession) -> Result<SessionView, ApiError> {
    let verified = state
        .store
        .tenant(s.tenant_id)
        .await?
        .and_then(|t| t.verified_domain);
    let helper = state.store.user(s.tenant_id, s.helper_id).await?;
    let sharer = match s.sharer_id {
        Some(id) => state.store.user(s.tenant_id, id).await?,
        None => None,
    };
    let helper_name = helper
        .as_ref()
        .map(|h| format!("{} {}", h.first_name, h.last_name))
        .unwrap_or_else(|| "The helper".into());
    // A code nobody entered in time is reported as such (the record stays "waiting").
    let shown_state = if s.state == "waiting" && s.code_expires_at <= state.now() {
        "expired".to_string()
    } else {
        s.state.clone()
    };
    Ok(SessionView {
        id: s.id,
        state: shown_state,
        helper: helper.as_ref().map(|u| profile(u, verified.as_deref())),
        sharer: sharer.as_ref().map(|u| profile(u, verified.as_deref())),
        device: match s.sharer_id {
            Some(_) => Some(device_view(state, s).await?),
            None => None,
        },
        target_device: match s.target_device_id {
            Some(id) => Some(TargetDevice {
                id,
                name: state.store.device(s.tenant_id, id).await?.map(|d| d.name),
            }),
            None => None,
        },
        permissions: s.granted.iter().copied().collect(),
        mode: s.mode.clone(),
        refusal_message: s
            .refusal
            .as_deref()
            .and_then(refusal_from_slug)
            .map(|r| r.message(&helper_name)),
        refusal: s.refusal.clone(),
        chat_used: s.chat_used,
        elevation_used: s.elevation_used,
        encrypted: s.encrypted,
        ended_by: s.ended_by.clone(),
        code_expires_at: to_rfc3339(s.code_expires_at),
        created_at: to_rfc3339(s.created_at),
        started_at: s.started_at.map(to_rfc3339),
        ended_at: s.ended_at.map(to_rfc3339),
    })
}

/// A freshly issued security code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeIssued {
    /// The session the code opens.
    pub session_id: RemoteSessionId,
    /// The code to read out, `ABCD-EFGH`.
    pub code: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
    /// Seconds until then.
    pub expires_in: i64,
    /// The device the code is for, when one was asked for.
    pub device: Option<TargetDevice>,
}

/// What a helper asks for with a code (the body may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Issue the code for this device: only that device can redeem it
    /// (needs the permission to read devices).
    pub device_id: Option<String>,
}

/// Get a security code to give to the person who needs help.
#[utoipa::path(post, path = "/api/v1/remote-help/codes", tag = "remote-help", request_body(content = Option<CodeRequest>),
    responses((status = 201, body = CodeIssued), (status = 403, body = super::problem::Problem),
              (status = 429, body = super::problem::Problem)))]
pub async fn issue_code(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !caller.permissions.iter().any(|p| p.is_remote_help()) {
        return Err(ApiError::Forbidden(
            "your roles do not include any remote-help permission; ask a tenant administrator"
                .into(),
        ));
    }
    let request: CodeRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CodeRequest::default()
    } else {
        super::json::parse(&body)?
    };
    let target_device = match request.device_id.as_deref() {
        Some(id) => {
            caller.require(Permission::DevicesRead)?;
            let id: DeviceId = parse_id("device", id)
                .map_err(|_| ApiError::field("device_id", "must be a device id"))?;
            let device = state
                .store
                .device(caller.user.tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::field("device_id", "there is no such device"))?;
            Some(TargetDevice {
                id: device.id,
                name: Some(device.name),
            })
        }
        None => None,
    };
    let settings = state
        .store
        .settings(caller.user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("tenant has no settings".into()))?;
    if !settings.remote_help_enabled {
        return Err(ApiError::Refused {
            status: 403,
            reason: Refusal::RemoteHelpDisabled.slug(),
            detail: Refusal::RemoteHelpDisabled.message(""),
        });
    }
    let now = state.now();
    let running = state.store.running_sessions_of(caller.user.id).await?;
    let max = i64::from(state.config.max_sessions_per_helper);
    if running >= max {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "you already run {running} sessions (the most allowed is {max}); end one first"
            ),
            retry_after_secs: 60,
        });
    }
    if state.store.open_codes_of(caller.user.id, now).await? >= MAX_OPEN_CODES_PER_HELPER {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "you already hold {MAX_OPEN_CODES_PER_HELPER} unused codes; wait for some to be used or expire"
            ),
            retry_after_secs: 60,
        });
    }
    let code = new_code()?;
    let expires_at = now + settings.code_lifetime_secs * 1000;
    let session = state
        .store
        .create_remote_session(
            caller.user.tenant_id,
            caller.user.id,
            &code_hash(&code),
            target_device.as_ref().map(|d| d.id),
            expires_at,
            now,
        )
        .await?;
    caller
        .audit(
            &state,
            AuditAction::CodeIssued,
            Some(session.id.to_string()),
            serde_json::json!({"expires_at": to_rfc3339(expires_at),
                "device": target_device.as_ref().map(|d| d.id)}),
        )
        .await?;
    metrics::counter!("deskmate_codes_issued_total").increment(1);
    Ok((
        StatusCode::CREATED,
        ApiJson(CodeIssued {
            session_id: session.id,
            code: code.to_string(),
            expires_at: to_rfc3339(expires_at),
            expires_in: settings.code_lifetime_secs,
            device: target_device,
        }),
    )
        .into_response())
}

/// The device the agent runs on, as it reports itself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    /// Host name.
    pub name: Option<String>,
    /// Operating system and version.
    pub os: Option<String>,
    /// `linux`, `windows` or `macos`.
    #[serde(default)]
    pub os_family: Option<String>,
    /// The agent installation's own random id (16–64 URL-safe characters);
    /// it lets the admin centre list unenrolled devices.
    #[serde(default)]
    pub install_id: Option<String>,
    /// For an enrolled device: proof that it is the device it says.
    #[serde(default)]
    pub enrolled: Option<DeviceProof>,
}

/// An enrolled device's proof: its id and its Ed25519 signature over
/// `deskmate device redeem v1\n{device_id}\n{code}` (the 8-character code,
/// upper case, no dashes).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceProof {
    /// The id the device got when it enrolled.
    pub device_id: String,
    /// The signature, base64url.
    pub signature: String,
}

/// Whether an installation id is well formed.
pub fn valid_install_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Finds (or records) the device a code is redeemed on. An enrolled device
/// must prove itself; anything else counts as unenrolled.
async fn resolve_device(
    state: &AppState,
    caller: &Caller,
    info: Option<&DeviceInfo>,
    code: &SecurityCode,
) -> Result<Result<PairedDevice, Refusal>, ApiError> {
    let now = state.now();
    let mut paired = PairedDevice {
        id: None,
        name: text_field(info.and_then(|d| d.name.as_ref())),
        os: text_field(info.and_then(|d| d.os.as_ref())),
        enrolled: false,
    };
    let Some(info) = info else {
        return Ok(Ok(paired));
    };
    if let Some(proof) = &info.enrolled {
        let Ok(id) = proof.device_id.parse::<DeviceId>() else {
            return Ok(Err(Refusal::DeviceNotVerified));
        };
        let device = state.store.device(caller.user.tenant_id, id).await?;
        let verified = device.as_ref().is_some_and(|d| {
            d.enrolled
                && d.public_key.as_deref().is_some_and(|key| {
                    crate::device_keys::verify(
                        key,
                        &deskmate_proto::device::redeem_proof_message(
                            &proof.device_id,
                            code.normalized(),
                        ),
                        &proof.signature,
                    )
                    .is_ok()
                })
        });
        let Some(device) = device.filter(|_| verified) else {
            tracing::warn!(device = %proof.device_id, user = %caller.user.id, "a device failed to prove its enrolment");
            return Ok(Err(Refusal::DeviceNotVerified));
        };
        state
            .store
            .touch_enrolled_device(device.id, caller.user.id, now)
            .await?;
        paired.id = Some(device.id);
        paired.enrolled = true;
        if paired.name.is_none() {
            paired.name = Some(device.name);
        }
        return Ok(Ok(paired));
    }
    if let Some(install_id) = info.install_id.as_deref().filter(|i| valid_install_id(i)) {
        let new = NewDevice {
            tenant_id: caller.user.tenant_id,
            install_id: install_id.to_string(),
            name: paired
                .name
                .clone()
                .unwrap_or_else(|| "unnamed device".into()),
            os_family: text_field(info.os_family.as_ref())
                .unwrap_or_default()
                .to_ascii_lowercase(),
            os_name: paired.os.clone().unwrap_or_default(),
        };
        match state
            .store
            .touch_unenrolled_device(&new, caller.user.id, now)
            .await?
        {
            Some(device) => paired.id = Some(device.id),
            None => tracing::warn!(
                user = %caller.user.id,
                "an agent used an enrolled device's installation id without its proof; treated as unenrolled"
            ),
        }
    }
    Ok(Ok(paired))
}

/// A code entered by the person who needs help.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The code, as typed (case, spaces and dashes do not matter).
    pub code: String,
    /// The device being helped.
    #[serde(default)]
    pub device: Option<DeviceInfo>,
    /// Whether the client will encrypt the session end to end (default
    /// true). A client that will not (it was given the 8-character code
    /// alone) must say so; the organisation's settings decide whether that
    /// is allowed.
    #[serde(default = "encrypted_by_default")]
    pub encrypted: bool,
}

fn encrypted_by_default() -> bool {
    true
}

async fn refuse(
    state: &AppState,
    caller: &Caller,
    session: Option<&RemoteSession>,
    refusal: Refusal,
    helper_name: &str,
) -> Result<ApiError, ApiError> {
    if let Some(s) = session
        && s.state == "waiting"
    {
        state
            .store
            .refuse_remote_session(s.id, caller.user.id, refusal.slug(), state.now())
            .await?;
    }
    caller
        .audit(
            state,
            AuditAction::CodeRefused,
            session.map(|s| s.id.to_string()),
            serde_json::json!({"reason": refusal.slug()}),
        )
        .await?;
    metrics::counter!("deskmate_codes_refused_total", "reason" => refusal.slug()).increment(1);
    Ok(ApiError::Refused {
        status: refusal.status(),
        reason: refusal.slug(),
        detail: refusal.message(helper_name),
    })
}

fn text_field(value: Option<&String>) -> Option<String> {
    value
        .map(|v| deskmate_proto::device::clean_text(v, 128))
        .filter(|v| !v.is_empty())
}

/// Redeem a security code: pairs the caller (the sharer) with the helper
/// after checking the organisation's settings and the helper's scope.
#[utoipa::path(post, path = "/api/v1/remote-help/redeem", tag = "remote-help", request_body = RedeemRequest,
    responses((status = 200, body = SessionView), (status = 403, body = super::problem::Problem),
              (status = 404, body = super::problem::Problem), (status = 410, body = super::problem::Problem),
              (status = 429, body = super::problem::Problem)))]
pub async fn redeem(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    caller: Caller,
    ApiJson(body): ApiJson<RedeemRequest>,
) -> Result<ApiJson<SessionView>, ApiError> {
    let now = state.now();
    let account_key = format!("code:{}", caller.user.id);
    let source_key = format!("code:{}", peer.ip());
    for (limiter, key) in [
        (&state.account_limiter, &account_key),
        (&state.source_limiter, &source_key),
    ] {
        if let Err(wait) = limiter.check(key, now) {
            return Err(ApiError::TooManyRequests {
                detail: format!(
                    "too many wrong codes; try again in {} seconds",
                    wait.seconds()
                ),
                retry_after_secs: wait.seconds(),
            });
        }
    }
    let wrong = |state: &AppState| {
        state.account_limiter.record_failure(&account_key, now);
        state.source_limiter.record_failure(&source_key, now);
    };
    let code = match SecurityCode::parse(&body.code) {
        Ok(code) => code,
        Err(err) => {
            wrong(&state);
            return Err(ApiError::field("code", err.to_string()));
        }
    };
    let settings = state
        .store
        .settings(caller.user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("tenant has no settings".into()))?;
    let found = state
        .store
        .remote_session_by_code(&code_hash(&code))
        .await?
        .filter(|s| s.tenant_id == caller.user.tenant_id);
    let Some(session) = found else {
        wrong(&state);
        return Err(refuse(&state, &caller, None, Refusal::UnknownCode, "").await?);
    };
    state.account_limiter.record_success(&account_key);
    let helper = state
        .store
        .user(session.tenant_id, session.helper_id)
        .await?;
    let helper_name = helper
        .as_ref()
        .map(|h| format!("{} {}", h.first_name, h.last_name))
        .unwrap_or_else(|| "The helper".into());
    let refusal = if session.helper_id == caller.user.id {
        Some(Refusal::OwnCode)
    } else if session.state != "waiting" {
        Some(Refusal::CodeUsed)
    } else if session.code_expires_at <= now {
        Some(Refusal::CodeExpired)
    } else if !settings.remote_help_enabled {
        Some(Refusal::RemoteHelpDisabled)
    } else {
        None
    };
    let device = match refusal {
        Some(_) => PairedDevice::default(),
        None => match resolve_device(&state, &caller, body.device.as_ref(), &code).await? {
            Ok(device) => device,
            Err(refusal) => {
                return Err(refuse(&state, &caller, Some(&session), refusal, &helper_name).await?);
            }
        },
    };
    let refusal = refusal.or_else(|| {
        if session
            .target_device_id
            .is_some_and(|target| device.id != Some(target))
        {
            Some(Refusal::WrongDevice)
        } else if !device.enrolled && !settings.allow_unenrolled_devices {
            Some(Refusal::UnenrolledDevice)
        } else if !body.encrypted && !settings.allow_unencrypted_sessions {
            Some(Refusal::Unencrypted)
        } else {
            None
        }
    });
    if let Some(refusal) = refusal {
        let record =
            (refusal != Refusal::OwnCode && refusal != Refusal::CodeUsed).then_some(&session);
        return Err(refuse(&state, &caller, record, refusal, &helper_name).await?);
    }
    let granted = state
        .store
        .help_permissions(
            caller.user.tenant_id,
            session.helper_id,
            caller.user.id,
            device.id.filter(|_| device.enrolled),
        )
        .await?;
    if !granted.contains(&Permission::ViewScreen) || helper.as_ref().is_none_or(|h| h.disabled) {
        return Err(refuse(
            &state,
            &caller,
            Some(&session),
            Refusal::NotInScope,
            &helper_name,
        )
        .await?);
    }
    let paired = state
        .store
        .pair_remote_session(
            session.id,
            caller.user.id,
            &device,
            &granted,
            body.encrypted,
            now,
        )
        .await?;
    if !paired {
        return Err(refuse(&state, &caller, None, Refusal::CodeUsed, &helper_name).await?);
    }
    caller
        .audit(
            &state,
            AuditAction::CodeRedeemed,
            Some(session.id.to_string()),
            serde_json::json!({"helper": session.helper_id, "permissions": granted,
                "device": device.id, "device_enrolled": device.enrolled, "encrypted": body.encrypted}),
        )
        .await?;
    metrics::counter!("deskmate_codes_redeemed_total").increment(1);
    let stored = state
        .store
        .remote_session_any(session.id)
        .await?
        .ok_or_else(|| ApiError::Internal("session vanished".into()))?;
    Ok(ApiJson(session_view(&state, &stored).await?))
}

/// A session of the caller's organisation that the caller may see:
/// its helper, its sharer, or someone who reads reports.
pub async fn visible_session(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<RemoteSession, ApiError> {
    let id: RemoteSessionId = parse_id("session", id)?;
    let session = state
        .store
        .remote_session_any(id)
        .await?
        .filter(|s| s.tenant_id == caller.user.tenant_id)
        .ok_or_else(|| ApiError::NotFound(format!("there is no session with id '{id}'")))?;
    let participant =
        session.helper_id == caller.user.id || session.sharer_id == Some(caller.user.id);
    if !participant {
        caller.require(Permission::ReportsRead)?;
    }
    Ok(session)
}

/// One session (participants, and those who read reports).
#[utoipa::path(get, path = "/api/v1/remote-help/sessions/{id}", tag = "remote-help",
    params(("id" = String, Path, description = "Session id")), responses((status = 200, body = SessionView)))]
pub async fn get_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<SessionView>, ApiError> {
    let session = visible_session(&state, &caller, &id).await?;
    Ok(ApiJson(session_view(&state, &session).await?))
}

/// Session-list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SessionQuery {
    /// Only sessions of this helper (provider).
    pub helper: Option<String>,
    /// Only sessions of this sharer (recipient).
    pub sharer: Option<String>,
    /// Only sessions in this state.
    pub state: Option<String>,
    /// Most rows (1–1000, default 100).
    pub limit: Option<i64>,
}

/// Session records, newest first. Reporters see all; others their own.
#[utoipa::path(get, path = "/api/v1/remote-help/sessions", tag = "remote-help", params(SessionQuery),
    responses((status = 200, body = Vec<SessionView>)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SessionQuery>,
) -> Result<ApiJson<Vec<SessionView>>, ApiError> {
    let parse_user = |field: &str, v: &Option<String>| -> Result<Option<UserId>, ApiError> {
        v.as_deref()
            .map(|t| {
                t.parse()
                    .map_err(|_| ApiError::field(field, "must be a user id"))
            })
            .transpose()
    };
    let mut filter = SessionFilter {
        helper_id: parse_user("helper", &query.helper)?,
        sharer_id: parse_user("sharer", &query.sharer)?,
        state: query.state.clone(),
        device_id: None,
        limit: query.limit.unwrap_or(100),
    };
    if !caller.permissions.contains(&Permission::ReportsRead) {
        // Without report access a person sees the sessions they helped in.
        filter.helper_id = Some(caller.user.id);
    }
    let sessions = state
        .store
        .list_remote_sessions(caller.user.tenant_id, &filter)
        .await?;
    let mut out = Vec::with_capacity(sessions.len());
    for s in &sessions {
        out.push(session_view(&state, s).await?);
    }
    Ok(ApiJson(out))
}

/// A chat message as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatView {
    /// Position in the thread.
    pub seq: i64,
    /// `helper` or `sharer`.
    pub from: String,
    /// Text, or the base64 of its end-to-end encryption when `sealed`
    /// (only the helper and the sharer can read those).
    pub text: String,
    /// When (RFC 3339).
    pub at: String,
    /// Whether the text is sealed end to end.
    pub sealed: bool,
}

impl From<&ChatRecord> for ChatView {
    fn from(c: &ChatRecord) -> Self {
        Self {
            seq: c.seq,
            from: c.sender.clone(),
            text: c.body.clone(),
            at: to_rfc3339(c.sent_at),
            sealed: c.sealed,
        }
    }
}

/// A session's chat thread (participants only).
#[utoipa::path(get, path = "/api/v1/remote-help/sessions/{id}/chat", tag = "remote-help",
    params(("id" = String, Path, description = "Session id")), responses((status = 200, body = Vec<ChatView>)))]
pub async fn chat(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<Vec<ChatView>>, ApiError> {
    let session = visible_session(&state, &caller, &id).await?;
    if session.helper_id != caller.user.id && session.sharer_id != Some(caller.user.id) {
        return Err(ApiError::Forbidden(
            "only the session's participants can read its chat".into(),
        ));
    }
    let messages = state.store.chat_of(session.id).await?;
    Ok(ApiJson(messages.iter().map(ChatView::from).collect()))
}
