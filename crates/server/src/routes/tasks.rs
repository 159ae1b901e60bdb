//! Tasks addressed by their own id.

use crate::{
    auth::AuthUser,
    dto::{CreateTask, TaskOut, UpdateTask},
    error::{ApiError, ApiResult, ErrorBody},
    extract::{patch_nullable, patch_required, required},
    routes::projects::task_out,
    state::AppState,
};
use actix_web::{web, HttpResponse};
use workspace_domain::{
    parse_date, permissions, Access, EstimateHours, LongText, TaskPriority, TaskStatus, TaskTitle,
};
use workspace_persistence::{tasks, DbConnection};

/// A validated new task, owning its values.
pub(crate) struct ValidTask {
    title: TaskTitle,
    description: Option<LongText>,
    status: TaskStatus,
    priority: TaskPriority,
    due_date: Option<chrono::NaiveDate>,
    estimate_hours: Option<EstimateHours>,
}

impl ValidTask {
    /// The insert for `project_id`.
    pub(crate) fn as_new(&self, project_id: i64) -> tasks::NewTask<'_> {
        tasks::NewTask {
            project_id,
            title: self.title.as_str(),
            description: self.description.as_ref().map(LongText::as_str),
            status: self.status.as_str(),
            priority: self.priority.as_str(),
            due_date: self.due_date,
            estimate_hours: self.estimate_hours.map(EstimateHours::value),
        }
    }
}

/// Validates a new task's body.
pub(crate) fn validate_new(b: CreateTask) -> Result<ValidTask, ApiError> {
    Ok(ValidTask {
        title: TaskTitle::parse(&required(b.title, "title")?)?,
        description: b
            .description
            .as_deref()
            .map(|d| LongText::parse_field("description", d))
            .transpose()?,
        status: b
            .status
            .as_deref()
            .map(TaskStatus::parse)
            .transpose()?
            .unwrap_or_default(),
        priority: b
            .priority
            .as_deref()
            .map(TaskPriority::parse)
            .transpose()?
            .unwrap_or_default(),
        due_date: b
            .due_date
            .as_deref()
            .map(|d| parse_date("due_date", d))
            .transpose()?,
        estimate_hours: b.estimate_hours.map(EstimateHours::parse).transpose()?,
    })
}

/// Loads a task and checks access through its project.
fn load_task(
    conn: &mut DbConnection,
    user: &AuthUser,
    task_id: i64,
    write: bool,
) -> Result<tasks::TaskRow, ApiError> {
    let found = tasks::get_with_owner(conn, task_id)?.ok_or_else(|| ApiError::not_found("task"))?;
    match permissions::project_access(user.actor(), found.owner_id) {
        Access::None => Err(ApiError::not_found("task")),
        Access::Read if write => Err(ApiError::forbidden()),
        _ => Ok(found.task),
    }
}

/// Changes any subset of a task's fields.
#[utoipa::path(patch, path = "/api/tasks/{task_id}", tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")), request_body = UpdateTask,
    responses((status = 200, body = TaskOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
    body: web::Json<UpdateTask>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let b = body.into_inner();
    let changes = tasks::TaskChanges {
        title: patch_required(b.title, "title", |t| {
            TaskTitle::parse(&t).map(TaskTitle::into_inner)
        })?,
        description: patch_nullable(b.description, |d| {
            LongText::parse_field("description", &d).map(LongText::into_inner)
        })?,
        status: patch_required(b.status, "status", |st| {
            TaskStatus::parse(&st).map(|x| x.as_str().to_owned())
        })?,
        priority: patch_required(b.priority, "priority", |p| {
            TaskPriority::parse(&p).map(|x| x.as_str().to_owned())
        })?,
        due_date: patch_nullable(b.due_date, |d| parse_date("due_date", &d))?,
        estimate_hours: patch_nullable(b.estimate_hours, |h| {
            EstimateHours::parse(h).map(EstimateHours::value)
        })?,
    };
    let row = state
        .tx(move |conn| {
            load_task(conn, &user, id, true)?;
            Ok(tasks::update(conn, id, &changes)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(task_out(row)))
}

/// Deletes a task.
#[utoipa::path(delete, path = "/api/tasks/{task_id}", tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .tx(move |conn| {
            load_task(conn, &user, id, true)?;
            tasks::delete(conn, id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
