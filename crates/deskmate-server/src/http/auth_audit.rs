//! Audit records for sign-in events, which happen before there is a
//! signed-in caller: successful sign-ins, refused passwords and codes, and a
//! spent refresh token presented again. The account is the target; the actor
//! is the user only once they have proven who they are.

use super::problem::ApiError;
use super::state::AppState;
use crate::audit::AuditAction;
use crate::ids::AuthSessionId;
use crate::store::{NewAuditEvent, User};

async fn record(
    state: &AppState,
    user: &User,
    proven: bool,
    action: AuditAction,
    detail: serde_json::Value,
    source: &str,
) -> Result<(), ApiError> {
    state
        .store
        .append_audit(
            &NewAuditEvent {
                tenant_id: user.tenant_id,
                actor_id: proven.then_some(user.id),
                action,
                target: Some(user.id.to_string()),
                detail,
                source_addr: Some(source.to_string()),
            },
            state.now(),
        )
        .await?;
    Ok(())
}

/// `user` signed in (`method`: password, browser, …).
pub async fn signed_in(
    state: &AppState,
    user: &User,
    method: &str,
    source: &str,
) -> Result<(), ApiError> {
    let detail = serde_json::json!({"method": method});
    record(state, user, true, AuditAction::SignedIn, detail, source).await
}

/// A sign-in to `user`'s account was refused (`action`: wrong password or wrong code).
/// Attempts on unknown addresses belong to no organisation and are only counted.
pub async fn refused(
    state: &AppState,
    user: Option<&User>,
    action: AuditAction,
    source: &str,
) -> Result<(), ApiError> {
    let Some(user) = user else { return Ok(()) };
    let detail = serde_json::json!({"email": user.email});
    record(state, user, false, action, detail, source).await
}

/// A spent refresh token of `user`'s session came back; the session was ended.
pub async fn refresh_reused(
    state: &AppState,
    user: &User,
    session: AuthSessionId,
    source: &str,
) -> Result<(), ApiError> {
    let detail = serde_json::json!({"session": session.to_string(), "session_revoked": true});
    record(
        state,
        user,
        false,
        AuditAction::RefreshTokenReused,
        detail,
        source,
    )
    .await
}
