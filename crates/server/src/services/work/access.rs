//! Access to a project and its tasks, checked in the same query that loads
//! the row: a caller who may not read it gets 404 (its existence is not
//! revealed); one who may only read gets 403 on a write.

use crate::services::caller::Caller;
use crate::services::error::{ServiceError, ServiceResult};
use workspace_domain::{permissions, Access, ProjectId, TaskId, UserId};
use workspace_persistence::{projects, tasks, DbConnection};

/// What the caller is about to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read it.
    Read,
    /// Change or delete it.
    Write,
}

/// Checks `caller`'s access to something owned by `owner`; `what` names it
/// in the 404.
pub fn check(caller: &Caller, owner: UserId, need: Need, what: &str) -> ServiceResult<()> {
    match (permissions::project_access(caller.actor(), owner), need) {
        (Access::None, _) => Err(ServiceError::not_found(what)),
        (Access::Read, Need::Write) => Err(ServiceError::forbidden()),
        _ => Ok(()),
    }
}

/// Loads a project the caller may `need`.
pub fn project(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    need: Need,
) -> ServiceResult<projects::ProjectRecord> {
    let project = projects::get(conn, id)?.ok_or_else(|| ServiceError::not_found("project"))?;
    check(caller, project.project.owner_id, need, "project")?;
    Ok(project)
}

/// Loads a task the caller may `need` (through its project's owner).
pub fn task(
    conn: &mut DbConnection,
    caller: &Caller,
    id: TaskId,
    need: Need,
) -> ServiceResult<tasks::TaskRow> {
    let found = tasks::get_with_owner(conn, id)?.ok_or_else(|| ServiceError::not_found("task"))?;
    check(caller, found.owner_id, need, "task")?;
    Ok(found.task)
}
