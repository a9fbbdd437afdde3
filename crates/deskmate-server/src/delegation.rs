//! The delegation ceiling: nobody grants more than they hold, nobody takes
//! over an account that holds more than they do, and the organisation keeps
//! at least one administrator.
//!
//! What someone *holds* is, per permission, the scope they hold it over: the
//! union of the scopes (All users, All devices, scope groups) of every role
//! assignment whose member groups include them. One holding covers another
//! when it has every permission of the other over at least the same scope.
//!
//! [`Snapshot`] is the role-based access state of one organisation, in
//! memory, so a change can be tried on a copy and judged before it is
//! written.

use crate::ids::{AssignmentId, GroupId, RoleId, TenantId, UserId};
use crate::permissions::{BuiltInRole, Permission, PermissionSet};
use crate::store::{Assignment, Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// Whom a permission is held over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Every user of the organisation.
    pub all_users: bool,
    /// Every enrolled device.
    pub all_devices: bool,
    /// The members (users and devices) of these groups.
    pub groups: BTreeSet<GroupId>,
}

/// One part of a scope, for explaining what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopePart {
    /// All users.
    AllUsers,
    /// All devices.
    AllDevices,
    /// The members of a group.
    Group(GroupId),
}

impl Scope {
    /// The scope of a role assignment.
    pub fn of(a: &Assignment) -> Self {
        Self {
            all_users: a.all_users,
            all_devices: a.all_devices,
            groups: a.scope_groups.iter().copied().collect(),
        }
    }

    fn extend(&mut self, other: &Scope) {
        self.all_users |= other.all_users;
        self.all_devices |= other.all_devices;
        self.groups.extend(other.groups.iter().copied());
    }

    /// The first part of `other` this scope does not include. A group is
    /// included when it is named here, or when this scope is everyone and
    /// everything (a group may hold users and devices).
    pub fn missing_from(&self, other: &Scope) -> Option<ScopePart> {
        if other.all_users && !self.all_users {
            return Some(ScopePart::AllUsers);
        }
        if other.all_devices && !self.all_devices {
            return Some(ScopePart::AllDevices);
        }
        let everything = self.all_users && self.all_devices;
        other
            .groups
            .iter()
            .find(|g| !everything && !self.groups.contains(g))
            .map(|g| ScopePart::Group(*g))
    }
}

/// Permissions, each with the scope it is held over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holdings(BTreeMap<Permission, Scope>);

/// Why one holding does not cover another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// A permission not held at all.
    Permission(Permission),
    /// A permission held over a narrower scope.
    Scope(Permission, ScopePart),
}

impl Holdings {
    /// Adds `permissions` over `scope`.
    pub fn grant(&mut self, permissions: &PermissionSet, scope: &Scope) {
        for p in permissions {
            self.0.entry(*p).or_default().extend(scope);
        }
    }

    /// Adds everything `other` holds.
    pub fn extend(&mut self, other: &Holdings) {
        for (p, scope) in &other.0 {
            self.0.entry(*p).or_default().extend(scope);
        }
    }

    /// The permissions, without their scopes.
    pub fn permissions(&self) -> PermissionSet {
        self.0.keys().copied().collect()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first thing in `wanted` these holdings do not cover; `None` when
    /// they cover all of it.
    pub fn shortfall(&self, wanted: &Holdings) -> Option<Shortfall> {
        wanted.0.iter().find_map(|(p, scope)| match self.0.get(p) {
            None => Some(Shortfall::Permission(*p)),
            Some(held) => held
                .missing_from(scope)
                .map(|part| Shortfall::Scope(*p, part)),
        })
    }

    /// The first of `permissions` not held (over any scope).
    pub fn missing_permission(&self, permissions: &PermissionSet) -> Option<Permission> {
        permissions
            .iter()
            .copied()
            .find(|p| !self.0.contains_key(p))
    }
}

/// The role-based access state of one organisation.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Users and whether they are disabled.
    users: BTreeMap<UserId, bool>,
    /// Group names, for messages.
    group_names: BTreeMap<GroupId, String>,
    /// Members of each group.
    members: BTreeMap<GroupId, BTreeSet<UserId>>,
    /// Permissions of each role.
    roles: BTreeMap<RoleId, PermissionSet>,
    /// Every role assignment.
    assignments: BTreeMap<AssignmentId, Assignment>,
}

impl Snapshot {
    /// Reads the state of `tenant`.
    pub async fn load(store: &Store, tenant: TenantId) -> Result<Self, StoreError> {
        let mut snapshot = Snapshot::default();
        for user in store.list_users(tenant).await? {
            snapshot.users.insert(user.id, user.disabled);
        }
        for group in store.list_groups(tenant).await? {
            snapshot.members.insert(group.id, BTreeSet::new());
            snapshot.group_names.insert(group.id, group.name);
        }
        for (group, user) in store.memberships(tenant).await? {
            snapshot.members.entry(group).or_default().insert(user);
        }
        for role in store.list_roles(tenant).await? {
            snapshot.roles.insert(role.id, role.permissions);
        }
        for a in store.list_assignments(tenant).await? {
            snapshot.assignments.insert(a.id, a);
        }
        Ok(snapshot)
    }

    /// A group's name, or its id when it is unknown.
    pub fn group_name(&self, group: GroupId) -> String {
        self.group_names
            .get(&group)
            .cloned()
            .unwrap_or_else(|| group.to_string())
    }

    /// Whether `user` is a member of `group`.
    pub fn is_member(&self, group: GroupId, user: UserId) -> bool {
        self.members.get(&group).is_some_and(|m| m.contains(&user))
    }

    /// What one assignment gives each member of its member groups.
    pub fn assignment_grant(&self, a: &Assignment) -> Holdings {
        let mut h = Holdings::default();
        if let Some(permissions) = self.roles.get(&a.role_id) {
            h.grant(permissions, &Scope::of(a));
        }
        h
    }

    /// What membership of `group` gives: the grants of every assignment
    /// that names it among its member groups.
    pub fn group_grant(&self, group: GroupId) -> Holdings {
        let mut h = Holdings::default();
        for a in self.assignments.values() {
            if a.member_groups.contains(&group) {
                h.extend(&self.assignment_grant(a));
            }
        }
        h
    }

    /// The assignments that give `role`.
    pub fn assignments_of_role(&self, role: RoleId) -> Vec<&Assignment> {
        self.assignments
            .values()
            .filter(|a| a.role_id == role)
            .collect()
    }

    /// Everything `user` holds.
    pub fn holdings_of(&self, user: UserId) -> Holdings {
        let mut h = Holdings::default();
        for a in self.assignments.values() {
            if a.member_groups.iter().any(|g| self.is_member(*g, user)) {
                h.extend(&self.assignment_grant(a));
            }
        }
        h
    }

    /// The enabled users who hold every permission of the Tenant
    /// Administrator role.
    pub fn administrators(&self) -> BTreeSet<UserId> {
        let needed = BuiltInRole::TenantAdministrator.permissions();
        self.users
            .iter()
            .filter(|(_, disabled)| !**disabled)
            .map(|(id, _)| *id)
            .filter(|id| needed.is_subset(&self.holdings_of(*id).permissions()))
            .collect()
    }

    /// This state with `user` added to (`true`) or removed from `group`.
    pub fn with_membership(&self, group: GroupId, user: UserId, member: bool) -> Self {
        let mut next = self.clone();
        let members = next.members.entry(group).or_default();
        if member {
            members.insert(user);
        } else {
            members.remove(&user);
        }
        next
    }

    /// This state with `user` disabled or enabled.
    pub fn with_disabled(&self, user: UserId, disabled: bool) -> Self {
        let mut next = self.clone();
        next.users.insert(user, disabled);
        next
    }

    /// This state with assignment `id` replaced by `a` (or removed: `None`).
    pub fn with_assignment(&self, id: AssignmentId, a: Option<&Assignment>) -> Self {
        let mut next = self.clone();
        next.assignments.remove(&id);
        if let Some(a) = a {
            next.assignments.insert(a.id, a.clone());
        }
        next
    }

    /// This state with `role` allowing `permissions`.
    pub fn with_role(&self, role: RoleId, permissions: &PermissionSet) -> Self {
        let mut next = self.clone();
        next.roles.insert(role, permissions.clone());
        next
    }

    /// This state without `group` (its memberships and its places in
    /// assignments go with it).
    pub fn without_group(&self, group: GroupId) -> Self {
        let mut next = self.clone();
        next.members.remove(&group);
        next.group_names.remove(&group);
        for a in next.assignments.values_mut() {
            a.member_groups.retain(|g| *g != group);
            a.scope_groups.retain(|g| *g != group);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ps: &[Permission]) -> PermissionSet {
        ps.iter().copied().collect()
    }

    fn assignment(role: RoleId, members: &[GroupId], scope: &[GroupId], all: bool) -> Assignment {
        Assignment {
            id: AssignmentId::new(),
            tenant_id: TenantId::new(),
            role_id: role,
            name: "a".into(),
            description: String::new(),
            member_groups: members.to_vec(),
            scope_groups: scope.to_vec(),
            all_users: all,
            all_devices: all,
            version: 1,
        }
    }

    struct World {
        snapshot: Snapshot,
        admins: GroupId,
        helpers: GroupId,
        staff: GroupId,
        ana: UserId,
        hal: UserId,
    }

    /// Ana administers everything; Hal helps the staff group and manages users.
    fn world() -> World {
        let (admins, helpers, staff) = (GroupId::new(), GroupId::new(), GroupId::new());
        let (ana, hal) = (UserId::new(), UserId::new());
        let (admin_role, help_role) = (RoleId::new(), RoleId::new());
        let mut s = Snapshot::default();
        s.users.insert(ana, false);
        s.users.insert(hal, false);
        s.members.insert(admins, [ana].into_iter().collect());
        s.members.insert(helpers, [hal].into_iter().collect());
        s.members.insert(staff, BTreeSet::new());
        s.roles
            .insert(admin_role, Permission::ALL.into_iter().collect());
        s.roles.insert(
            help_role,
            set(&[
                Permission::ViewScreen,
                Permission::UsersRead,
                Permission::UsersWrite,
            ]),
        );
        for a in [
            assignment(admin_role, &[admins], &[], true),
            assignment(help_role, &[helpers], &[staff], false),
        ] {
            s.assignments.insert(a.id, a);
        }
        World {
            snapshot: s,
            admins,
            helpers,
            staff,
            ana,
            hal,
        }
    }

    #[test]
    fn holdings_cover_permissions_and_scope() {
        let w = world();
        let ana = w.snapshot.holdings_of(w.ana);
        let hal = w.snapshot.holdings_of(w.hal);
        assert_eq!(
            ana.shortfall(&hal),
            None,
            "all users and devices include staff"
        );
        assert_eq!(
            hal.shortfall(&ana),
            Some(Shortfall::Scope(
                Permission::ViewScreen,
                ScopePart::AllUsers
            )),
            "Hal sees screens of the staff only, Ana of everyone"
        );
        let mut more = hal.clone();
        more.grant(
            &set(&[Permission::ViewScreen]),
            &Scope {
                all_users: true,
                all_devices: true,
                ..Scope::default()
            },
        );
        assert_eq!(
            more.shortfall(&ana),
            Some(Shortfall::Permission(Permission::TakeFullControl))
        );
        let mut wider = Holdings::default();
        wider.grant(
            &set(&[Permission::ViewScreen]),
            &Scope {
                groups: [w.helpers].into_iter().collect(),
                ..Scope::default()
            },
        );
        assert_eq!(
            hal.shortfall(&wider),
            Some(Shortfall::Scope(
                Permission::ViewScreen,
                ScopePart::Group(w.helpers)
            ))
        );
        assert_eq!(hal.shortfall(&w.snapshot.group_grant(w.helpers)), None);
        assert!(hal.shortfall(&w.snapshot.group_grant(w.admins)).is_some());
        assert!(w.snapshot.group_grant(w.staff).is_empty());
    }

    #[test]
    fn administrators_are_counted_after_a_change() {
        let w = world();
        assert_eq!(w.snapshot.administrators(), [w.ana].into_iter().collect());
        assert!(
            w.snapshot
                .with_membership(w.admins, w.ana, false)
                .administrators()
                .is_empty()
        );
        assert!(
            w.snapshot
                .with_disabled(w.ana, true)
                .administrators()
                .is_empty()
        );
        assert!(
            w.snapshot
                .without_group(w.admins)
                .administrators()
                .is_empty()
        );
        let both = w.snapshot.with_membership(w.admins, w.hal, true);
        assert_eq!(both.administrators().len(), 2);
        assert_eq!(
            both.with_membership(w.admins, w.ana, false)
                .administrators(),
            [w.hal].into_iter().collect()
        );
        let admin_assignment = w
            .snapshot
            .assignments
            .values()
            .find(|a| a.all_users)
            .cloned()
            .expect("admin assignment");
        assert!(
            w.snapshot
                .with_assignment(admin_assignment.id, None)
                .administrators()
                .is_empty()
        );
        assert!(
            w.snapshot
                .with_role(admin_assignment.role_id, &set(&[Permission::Chat]))
                .administrators()
                .is_empty()
        );
    }
}
