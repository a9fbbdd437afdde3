//! Where every change to who holds what is judged (see
//! [`crate::delegation`]): group membership, users created into groups,
//! roles, role assignments, and the accounts of other users (passwords,
//! second factors, profiles, enablement, sign-ins).
//!
//! A handler opens a [`Delegation`] before it changes anything. The
//! delegation holds this node's lock on such changes until the handler
//! returns, so two changes cannot each leave one administrator and together
//! leave none.

use super::caller::Caller;
use super::problem::ApiError;
use super::state::AppState;
use crate::delegation::{Holdings, ScopePart, Shortfall, Snapshot};
use crate::ids::GroupId;
use crate::permissions::PermissionSet;
use crate::store::User;
use tokio::sync::OwnedMutexGuard;

/// The caller's holdings against the organisation's current state.
pub struct Delegation {
    snapshot: Snapshot,
    held: Holdings,
    _serialised: OwnedMutexGuard<()>,
}

impl Delegation {
    /// Reads the organisation's state for a change by `caller`.
    pub async fn begin(state: &AppState, caller: &Caller) -> Result<Self, ApiError> {
        let serialised = state.access_changes.clone().lock_owned().await;
        let snapshot = Snapshot::load(&state.store, caller.user.tenant_id).await?;
        let held = snapshot.holdings_of(caller.user.id);
        Ok(Self {
            snapshot,
            held,
            _serialised: serialised,
        })
    }

    /// The state before the change.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn explain(&self, shortfall: Shortfall) -> String {
        match shortfall {
            Shortfall::Permission(p) => format!("'{p}', which your roles do not include"),
            Shortfall::Scope(p, part) => {
                let over = match part {
                    ScopePart::AllUsers => "all users".to_string(),
                    ScopePart::AllDevices => "all devices".to_string(),
                    ScopePart::Group(g) => format!("the group '{}'", self.snapshot.group_name(g)),
                };
                format!("'{p}' over {over}, wider than the scope you hold it over")
            }
        }
    }

    /// Refuses unless the caller holds everything in `grant`. `what` names
    /// the change, e.g. "adding a member to the group 'Administrators'".
    pub fn may_grant(&self, grant: &Holdings, what: &str) -> Result<(), ApiError> {
        match self.held.shortfall(grant) {
            None => Ok(()),
            Some(shortfall) => Err(ApiError::BeyondYourRights(format!(
                "{what} would give {}; you can only give what you hold yourself",
                self.explain(shortfall)
            ))),
        }
    }

    /// Refuses unless the caller holds everything in `grant`, which the
    /// change takes back from its holders: only someone who could have given
    /// it may change or end it.
    pub fn may_take_back(&self, grant: &Holdings, what: &str) -> Result<(), ApiError> {
        match self.held.shortfall(grant) {
            None => Ok(()),
            Some(shortfall) => Err(ApiError::BeyondYourRights(format!(
                "{what} changes who holds {}; only someone who holds it may change who has it",
                self.explain(shortfall)
            ))),
        }
    }

    /// Refuses unless the caller holds everything membership of `group` gives.
    pub fn may_grant_group(&self, group: GroupId, what: &str) -> Result<(), ApiError> {
        self.may_grant(&self.snapshot.group_grant(group), what)
    }

    /// Refuses unless the caller holds every one of `permissions` (over any scope).
    pub fn may_grant_permissions(
        &self,
        permissions: &PermissionSet,
        what: &str,
    ) -> Result<(), ApiError> {
        match self.held.missing_permission(permissions) {
            None => Ok(()),
            Some(p) => Err(ApiError::BeyondYourRights(format!(
                "{what} would allow '{p}', which your roles do not include; you can only give what you hold yourself"
            ))),
        }
    }

    /// Refuses unless the caller holds everything `target` holds: nobody
    /// takes over (or changes) an account more powerful than their own.
    pub fn may_manage(&self, target: &User, what: &str) -> Result<(), ApiError> {
        match self.held.shortfall(&self.snapshot.holdings_of(target.id)) {
            None => Ok(()),
            Some(shortfall) => Err(ApiError::BeyondYourRights(format!(
                "{} holds {}, so you cannot {what}; ask someone who holds at least as much as they do",
                target.email,
                self.explain(shortfall)
            ))),
        }
    }

    /// Refuses when `after` has no administrator left while the state
    /// before the change had one.
    pub fn keeps_an_administrator(&self, after: &Snapshot) -> Result<(), ApiError> {
        if after.administrators().is_empty() && !self.snapshot.administrators().is_empty() {
            return Err(ApiError::LastAdministrator(
                "this would leave the organisation without an administrator (someone holding every Tenant Administrator permission): this is the last administrator; make someone else an administrator first".into(),
            ));
        }
        Ok(())
    }
}
