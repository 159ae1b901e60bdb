//! Tasks: the tasks of a project, tasks across projects, create, read,
//! change (and move), delete. A task is shown with its labels.

use super::access::{self, Need};
use super::projects::{owner_filter, Owner};
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use workspace_domain::listing::TaskSort;
use workspace_domain::work::{NewTask, TaskPatch};
use workspace_domain::{
    EstimateHours, LabelId, LongText, Page, Paged, ProjectId, Sort, TaskId, TaskPriority,
    TaskStatus, UserId,
};
use workspace_persistence::labels::{self, LabelRow};
use workspace_persistence::tasks::{self, DueFilter, TaskChanges, TaskFilter, TaskRow};
use workspace_persistence::DbConnection;

/// A task with its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    /// The task.
    pub task: TaskRow,
    /// Its labels, by name.
    pub labels: Vec<LabelRow>,
}

/// Adds the labels to each task.
pub fn with_labels(conn: &mut DbConnection, rows: Vec<TaskRow>) -> ServiceResult<Vec<TaskView>> {
    let ids: Vec<TaskId> = rows.iter().map(|t| t.id).collect();
    let mut by_task = labels::of_tasks(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|task| TaskView {
            labels: by_task.remove(&task.id).unwrap_or_default(),
            task,
        })
        .collect())
}

fn one_with_labels(conn: &mut DbConnection, row: TaskRow) -> ServiceResult<TaskView> {
    with_labels(conn, vec![row])?
        .pop()
        .ok_or_else(|| ServiceError::not_found("task"))
}

fn paged_with_labels(
    conn: &mut DbConnection,
    found: Paged<TaskRow>,
) -> ServiceResult<Paged<TaskView>> {
    let total = found.total;
    Ok(Paged {
        items: with_labels(conn, found.items)?,
        total,
    })
}

/// 422 on `label_ids` unless every id is a label of `owner`.
pub fn check_labels(conn: &mut DbConnection, owner: UserId, ids: &[LabelId]) -> ServiceResult<()> {
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let n = labels::count_owned(conn, owner, &distinct)?;
    if usize::try_from(n).ok() != Some(distinct.len()) {
        return Err(ServiceError::invalid(
            "label_ids",
            "must be ids of labels of the project's owner",
        ));
    }
    Ok(())
}

/// The tasks of a project the caller may read, optionally of one status.
pub async fn list_of_project(
    svc: &Services,
    caller: &Caller,
    project_id: ProjectId,
    filter: TaskFilter,
    page: Page,
    sort: Option<Sort<TaskSort>>,
) -> ServiceResult<Paged<TaskView>> {
    let caller = caller.clone();
    let filter = TaskFilter {
        project_id: Some(project_id),
        ..filter
    };
    svc.read(move |conn| {
        access::project(conn, &caller, project_id, Need::Read)?;
        let found = tasks::list(conn, &filter, page, sort)?;
        paged_with_labels(conn, found)
    })
    .await
}

/// Filters of `GET /api/tasks`.
#[derive(Debug, Clone, Default)]
pub struct AcrossFilter {
    /// Only this status.
    pub status: Option<TaskStatus>,
    /// Only this priority.
    pub priority: Option<TaskPriority>,
    /// Only tasks with this label.
    pub label_id: Option<LabelId>,
    /// Only this project (which the caller must be able to read).
    pub project_id: Option<ProjectId>,
    /// Text in the title or description.
    pub text: Option<String>,
    /// Due view.
    pub due: Option<DueFilter>,
}

/// Tasks across the projects of the caller (or, analysts and admins, of
/// `owner`).
pub async fn list_across(
    svc: &Services,
    caller: &Caller,
    owner: Owner,
    f: AcrossFilter,
    page: Page,
    sort: Option<Sort<TaskSort>>,
) -> ServiceResult<Paged<TaskView>> {
    let caller = caller.clone();
    let owner = owner_filter(&caller, owner)?;
    svc.read(move |conn| {
        let owner = match f.project_id {
            Some(project_id) => {
                access::project(conn, &caller, project_id, Need::Read)?;
                None
            }
            None => Some(owner),
        };
        let filter = TaskFilter {
            project_id: f.project_id,
            status: f.status,
            owner,
            priority: f.priority,
            label_id: f.label_id,
            text: f.text,
            due: f.due,
        };
        let found = tasks::list(conn, &filter, page, sort)?;
        paged_with_labels(conn, found)
    })
    .await
}

/// One task the caller may read.
pub async fn get(svc: &Services, caller: &Caller, id: TaskId) -> ServiceResult<TaskView> {
    let caller = caller.clone();
    svc.read(move |conn| {
        let row = access::task(conn, &caller, id, Need::Read)?;
        one_with_labels(conn, row)
    })
    .await
}

/// Adds a task to a project the caller may change.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    project_id: ProjectId,
    new: NewTask,
) -> ServiceResult<TaskView> {
    let caller = caller.clone();
    svc.write(move |work| {
        let project = access::project(work.conn(), &caller, project_id, Need::Write)?;
        check_labels(work.conn(), project.project.owner_id, &new.label_ids)?;
        let row = tasks::create(
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
        )?;
        labels::set_for_task(work.conn(), row.id, &new.label_ids)?;
        one_with_labels(work.conn(), row)
    })
    .await
}

/// Changes some of a task's fields; `project_id` moves it (the caller must
/// be able to change both projects).
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: TaskId,
    patch: TaskPatch,
) -> ServiceResult<TaskView> {
    let caller = caller.clone();
    svc.write(move |work| {
        let current = tasks::get_with_owner(work.conn(), id)?
            .ok_or_else(|| ServiceError::not_found("task"))?;
        access::check(&caller, current.owner_id, Need::Write, "task")?;
        let mut owner = current.owner_id;
        let mut moved_to = None;
        if let Some(target) = patch.project_id {
            if target != current.task.project_id {
                let project = access::project(work.conn(), &caller, target, Need::Write)?;
                owner = project.project.owner_id;
                moved_to = Some(target);
            }
        }
        if let Some(ids) = &patch.label_ids {
            check_labels(work.conn(), owner, ids)?;
        }
        let changes = TaskChanges {
            title: patch.title.map(|t| t.into_inner()),
            description: patch.description.map(|d| d.map(LongText::into_inner)),
            status: patch.status,
            priority: patch.priority,
            due_date: patch.due_date,
            estimate_hours: patch.estimate_hours.map(|h| h.map(EstimateHours::value)),
            project_id: moved_to,
        };
        let row = tasks::update(work.conn(), id, &changes)?;
        if owner != current.owner_id {
            labels::keep_owned_on_task(work.conn(), id, owner)?;
        }
        if let Some(ids) = &patch.label_ids {
            labels::set_for_task(work.conn(), id, ids)?;
        }
        one_with_labels(work.conn(), row)
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
