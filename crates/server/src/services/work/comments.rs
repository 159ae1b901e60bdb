//! Comments on tasks: whoever may read the task reads them, whoever may
//! change the task comments; the author edits, the author or an admin
//! deletes.

use super::access::{self, Need};
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use workspace_domain::listing::CommentSort;
use workspace_domain::{
    permissions, Access, CommentBody, CommentId, Page, Paged, Role, Sort, TaskId,
};
use workspace_persistence::comments::{self, CommentRecord};
use workspace_persistence::DbConnection;

/// The comments of a task the caller may read, oldest first.
pub async fn list(
    svc: &Services,
    caller: &Caller,
    task: TaskId,
    page: Page,
    sort: Option<Sort<CommentSort>>,
) -> ServiceResult<Paged<CommentRecord>> {
    let caller = caller.clone();
    svc.read(move |conn| {
        access::task(conn, &caller, task, Need::Read)?;
        Ok(comments::list(conn, task, page, sort)?)
    })
    .await
}

/// Comments on a task the caller may change.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    task: TaskId,
    body: CommentBody,
) -> ServiceResult<CommentRecord> {
    let caller = caller.clone();
    svc.write(move |work| {
        access::task(work.conn(), &caller, task, Need::Write)?;
        Ok(comments::create(
            work.conn(),
            task,
            caller.id,
            body.as_str(),
            None,
        )?)
    })
    .await
}

/// A comment whose task the caller may read (else 404).
fn readable(
    conn: &mut DbConnection,
    caller: &Caller,
    id: CommentId,
) -> ServiceResult<CommentRecord> {
    let (comment, owner) =
        comments::get_with_owner(conn, id)?.ok_or_else(|| ServiceError::not_found("comment"))?;
    if comment.author_id != caller.id
        && permissions::project_access(caller.actor(), owner) == Access::None
    {
        return Err(ServiceError::not_found("comment"));
    }
    Ok(comment)
}

/// Changes the body of the caller's own comment.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: CommentId,
    body: CommentBody,
) -> ServiceResult<CommentRecord> {
    let caller = caller.clone();
    svc.write(move |work| {
        let comment = readable(work.conn(), &caller, id)?;
        if comment.author_id != caller.id {
            return Err(ServiceError::forbidden_because(
                "Only its author may edit a comment.",
            ));
        }
        Ok(comments::update(work.conn(), id, body.as_str())?)
    })
    .await
}

/// Deletes a comment: its author or an admin.
pub async fn delete(svc: &Services, caller: &Caller, id: CommentId) -> ServiceResult<()> {
    let caller = caller.clone();
    svc.write(move |work| {
        let comment = readable(work.conn(), &caller, id)?;
        if comment.author_id != caller.id && caller.role != Role::Admin {
            return Err(ServiceError::forbidden_because(
                "Only its author or an admin may delete a comment.",
            ));
        }
        Ok(comments::delete(work.conn(), id)?)
    })
    .await
}
