//! Tasks: the tasks of a project, create, change, delete.

use super::access::{self, Need};
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use workspace_domain::listing::TaskSort;
use workspace_domain::work::{NewTask, TaskPatch};
use workspace_domain::{EstimateHours, LongText, Page, Paged, ProjectId, Sort, TaskId, TaskStatus};
use workspace_persistence::tasks::{self, TaskChanges, TaskFilter, TaskRow};

/// The tasks of a project the caller may read, optionally of one status.
pub async fn list_of_project(
    svc: &Services,
    caller: &Caller,
    project_id: ProjectId,
    status: Option<TaskStatus>,
    page: Page,
    sort: Option<Sort<TaskSort>>,
) -> ServiceResult<Paged<TaskRow>> {
    let caller = caller.clone();
    let filter = TaskFilter {
        project_id: Some(project_id),
        status,
    };
    svc.read(move |conn| {
        access::project(conn, &caller, project_id, Need::Read)?;
        Ok(tasks::list(conn, &filter, page, sort)?)
    })
    .await
}

/// Adds a task to a project the caller may change.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    project_id: ProjectId,
    new: NewTask,
) -> ServiceResult<TaskRow> {
    let caller = caller.clone();
    svc.write(move |work| {
        access::project(work.conn(), &caller, project_id, Need::Write)?;
        Ok(tasks::create(
            work.conn(),
            &tasks::NewTask {
                project_id,
                title: new.title.as_str(),
                description: new.description.as_ref().map(LongText::as_str),
                status: new.status,
                priority: new.priority,
                due_date: new.due_date,
                estimate_hours: new.estimate_hours.map(EstimateHours::value),
            },
        )?)
    })
    .await
}

/// Changes some of a task's fields.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: TaskId,
    patch: TaskPatch,
) -> ServiceResult<TaskRow> {
    let caller = caller.clone();
    let changes = TaskChanges {
        title: patch.title.map(|t| t.into_inner()),
        description: patch.description.map(|d| d.map(LongText::into_inner)),
        status: patch.status,
        priority: patch.priority,
        due_date: patch.due_date,
        estimate_hours: patch.estimate_hours.map(|h| h.map(EstimateHours::value)),
    };
    svc.write(move |work| {
        access::task(work.conn(), &caller, id, Need::Write)?;
        Ok(tasks::update(work.conn(), id, &changes)?)
    })
    .await
}

/// Deletes a task.
pub async fn delete(svc: &Services, caller: &Caller, id: TaskId) -> ServiceResult<()> {
    let caller = caller.clone();
    svc.write(move |work| {
        access::task(work.conn(), &caller, id, Need::Write)?;
        tasks::delete(work.conn(), id).map_err(ServiceError::from)
    })
    .await
}
