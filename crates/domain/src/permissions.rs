//! Permission rules of the role table in `api.md`, as plain functions.
//!
//! | role | may |
//! |---|---|
//! | `user` | own projects and tasks only |
//! | `analyst` | what `user` may; read every user's projects and tasks; read security events and the realtime monitor; terminate sessions |
//! | `admin` | everything; change roles |

use crate::{ids::UserId, model::Role};

/// Who is acting: the authenticated user's id and current role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub user_id: UserId,
    /// The role, as currently stored.
    pub role: Role,
}

/// What an actor may do with one owned resource (a project and its tasks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// May not even know it exists (answer 404).
    None,
    /// May read it but not change it (answer 403 on a write).
    Read,
    /// May read and change it.
    Write,
}

/// Access to a project (and so to its tasks) owned by `owner_id`.
pub fn project_access(actor: Actor, owner_id: UserId) -> Access {
    if actor.user_id == owner_id || actor.role == Role::Admin {
        Access::Write
    } else if actor.role == Role::Analyst {
        Access::Read
    } else {
        Access::None
    }
}

/// Whether the actor may read a project owned by `owner_id`.
pub fn can_read_project(actor: Actor, owner_id: UserId) -> bool {
    project_access(actor, owner_id) >= Access::Read
}

/// Whether the actor may change a project owned by `owner_id` (or its tasks).
pub fn can_write_project(actor: Actor, owner_id: UserId) -> bool {
    project_access(actor, owner_id) == Access::Write
}

/// Role-wide capabilities that do not depend on a resource's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Create projects of one's own and manage one's own work.
    ManageOwnWork,
    /// List other users' projects (`?owner=`).
    ListOthersProjects,
    /// Read the security event log.
    ReadSecurityEvents,
    /// Read the realtime monitor.
    ViewRealtimeMonitor,
    /// End another user's monitored session.
    TerminateSessions,
    /// Change a user's role.
    ChangeRoles,
    /// Delete a user's behaviour profiles.
    ResetProfiles,
    /// Train the global behaviour model on demand.
    TrainGlobalModel,
    /// List users with their sessions and profiles (the analyst console).
    ListUsers,
    /// Give a verdict on a security event (owner or intruder).
    GiveFeedback,
    /// Create, list and delete webhooks.
    ManageWebhooks,
}

impl Capability {
    /// Every capability, for exhaustive checks.
    pub const ALL: &'static [Capability] = &[
        Capability::ManageOwnWork,
        Capability::ListOthersProjects,
        Capability::ReadSecurityEvents,
        Capability::ViewRealtimeMonitor,
        Capability::TerminateSessions,
        Capability::ChangeRoles,
        Capability::ResetProfiles,
        Capability::TrainGlobalModel,
        Capability::ListUsers,
        Capability::GiveFeedback,
        Capability::ManageWebhooks,
    ];
}

/// Whether a role has a capability.
pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    match role {
        Role::Admin => true,
        Role::Analyst => matches!(
            capability,
            ManageOwnWork
                | ListOthersProjects
                | ReadSecurityEvents
                | ViewRealtimeMonitor
                | TerminateSessions
                | ListUsers
                | GiveFeedback
        ),
        Role::User => matches!(capability, ManageOwnWork),
    }
}

/// Whether changing `target_current` to `new_role` would leave the system
/// with no admin, given how many admins exist now.
pub fn would_remove_last_admin(target_current: Role, new_role: Role, admin_count: i64) -> bool {
    target_current == Role::Admin && new_role != Role::Admin && admin_count <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: UserId = UserId::new(1);
    const OTHER: UserId = UserId::new(2);

    fn actor(role: Role, user_id: UserId) -> Actor {
        Actor { user_id, role }
    }

    /// The full role × ownership matrix for projects and tasks.
    #[test]
    fn project_access_matrix() {
        let expected = [
            // (role, is owner, access)
            (Role::User, true, Access::Write),
            (Role::User, false, Access::None),
            (Role::Analyst, true, Access::Write),
            (Role::Analyst, false, Access::Read),
            (Role::Admin, true, Access::Write),
            (Role::Admin, false, Access::Write),
        ];
        for (role, own, access) in expected {
            let a = actor(role, if own { OWNER } else { OTHER });
            assert_eq!(project_access(a, OWNER), access, "{role} own={own}");
            assert_eq!(can_read_project(a, OWNER), access >= Access::Read);
            assert_eq!(can_write_project(a, OWNER), access == Access::Write);
        }
    }

    /// The full role × capability matrix.
    #[test]
    fn capability_matrix() {
        use Capability::*;
        let table: &[(Capability, [bool; 3])] = &[
            // capability            user   analyst admin
            (ManageOwnWork, [true, true, true]),
            (ListOthersProjects, [false, true, true]),
            (ReadSecurityEvents, [false, true, true]),
            (ViewRealtimeMonitor, [false, true, true]),
            (TerminateSessions, [false, true, true]),
            (ChangeRoles, [false, false, true]),
            (ResetProfiles, [false, false, true]),
            (TrainGlobalModel, [false, false, true]),
            (ListUsers, [false, true, true]),
            (GiveFeedback, [false, true, true]),
            (ManageWebhooks, [false, false, true]),
        ];
        assert_eq!(table.len(), Capability::ALL.len());
        for (cap, row) in table {
            for (role, want) in [Role::User, Role::Analyst, Role::Admin].iter().zip(row) {
                assert_eq!(allows(*role, *cap), *want, "{role} {cap:?}");
            }
        }
    }

    #[test]
    fn last_admin_guard() {
        assert!(would_remove_last_admin(Role::Admin, Role::User, 1));
        assert!(would_remove_last_admin(Role::Admin, Role::Analyst, 1));
        assert!(!would_remove_last_admin(Role::Admin, Role::Admin, 1));
        assert!(!would_remove_last_admin(Role::Admin, Role::User, 2));
        assert!(!would_remove_last_admin(Role::User, Role::Analyst, 1));
    }
}
