//! Tasks: those of a project, and tasks addressed by their own id.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, patch_nullable, patch_required, required, Json};
use super::labels::LabelOut;
use super::list::{list_params, paged_response};
use super::wire::ser_time;
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::work::projects::Owner;
use crate::services::work::tasks::{self, AcrossFilter, TaskView};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Days, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::listing::TaskSort;
use workspace_domain::work::{NewTask, TaskPatch};
use workspace_domain::{
    parse_date, EstimateHours, LabelId, LongText, ProjectId, TaskId, TaskPriority, TaskStatus,
    TaskTitle,
};
use workspace_persistence::tasks::{DueFilter, TaskFilter};

/// `POST /api/projects/{id}/tasks`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTask {
    /// 1–200 characters.
    #[schema(required, value_type = String)]
    pub title: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// `todo` (default), `in_progress`, `blocked`, `done`.
    pub status: Option<String>,
    /// `low`, `normal` (default), `high`, `urgent`.
    pub priority: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// ≥ 0.
    pub estimate_hours: Option<f64>,
    /// Ids of the project owner's labels.
    #[schema(value_type = Option<Vec<i64>>)]
    pub label_ids: Option<Vec<LabelId>>,
}

impl CreateTask {
    /// Validates every field.
    pub(crate) fn parse(self) -> Result<NewTask, ServiceError> {
        Ok(NewTask {
            title: TaskTitle::parse(&required(self.title, "title")?)?,
            description: optional(self.description, |d| {
                LongText::parse_field("description", &d)
            })?,
            status: optional(self.status, |s| TaskStatus::parse(&s))?.unwrap_or_default(),
            priority: optional(self.priority, |p| TaskPriority::parse(&p))?.unwrap_or_default(),
            due_date: optional(self.due_date, |d| parse_date("due_date", &d))?,
            estimate_hours: optional(self.estimate_hours, EstimateHours::parse)?,
            label_ids: self.label_ids.unwrap_or_default(),
        })
    }
}

/// `PATCH /api/tasks/{id}`: any subset; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateTask {
    /// New title.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    /// New description (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// New status.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub status: Option<Option<String>>,
    /// New priority.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub priority: Option<Option<String>>,
    /// New due date (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    /// New estimate (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<f64>)]
    pub estimate_hours: Option<Option<f64>>,
    /// Move the task to this project (the caller must be able to change both).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<i64>)]
    pub project_id: Option<Option<ProjectId>>,
    /// Replace the labels (ids of the project owner's labels).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub label_ids: Option<Option<Vec<LabelId>>>,
}

impl UpdateTask {
    fn parse(self) -> Result<TaskPatch, ServiceError> {
        Ok(TaskPatch {
            title: patch_required(self.title, "title", |t| TaskTitle::parse(&t))?,
            description: patch_nullable(self.description, |d| {
                LongText::parse_field("description", &d)
            })?,
            status: patch_required(self.status, "status", |s| TaskStatus::parse(&s))?,
            priority: patch_required(self.priority, "priority", |p| TaskPriority::parse(&p))?,
            due_date: patch_nullable(self.due_date, |d| parse_date("due_date", &d))?,
            estimate_hours: patch_nullable(self.estimate_hours, EstimateHours::parse)?,
            project_id: patch_required(self.project_id, "project_id", Ok)?,
            label_ids: patch_nullable(self.label_ids, Ok)?.map(Option::unwrap_or_default),
        })
    }
}

/// A task as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    /// Id.
    #[schema(value_type = i64)]
    pub id: TaskId,
    /// Its project.
    #[schema(value_type = i64)]
    pub project_id: ProjectId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `todo`, `in_progress`, `blocked` or `done`.
    #[schema(value_type = String)]
    pub status: TaskStatus,
    /// `low`, `normal`, `high` or `urgent`.
    #[schema(value_type = String)]
    pub priority: TaskPriority,
    /// Due date.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Estimate in hours.
    pub estimate_hours: Option<f64>,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// Its labels, by name.
    pub labels: Vec<LabelOut>,
}

impl From<TaskView> for TaskOut {
    fn from(v: TaskView) -> Self {
        let t = v.task;
        Self {
            labels: v.labels.into_iter().map(LabelOut::from).collect(),
            id: t.id,
            project_id: t.project_id,
            title: t.title,
            description: t.description,
            status: t.status,
            priority: t.priority,
            due_date: t.due_date,
            estimate_hours: t.estimate_hours,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// `?status=&priority=&label=&q=&due=&tz=&limit=&offset=&sort=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Only tasks with this status.
    pub status: Option<String>,
    /// Only tasks with this priority.
    pub priority: Option<String>,
    /// Only tasks with this label (id).
    pub label: Option<String>,
    /// Only tasks whose title or description contains this text.
    pub q: Option<String>,
    /// `overdue` (before today, not done), `today`, `week` (today and the
    /// next 6 days) or `none` (no due date).
    pub due: Option<String>,
    /// IANA time zone "today" is computed in (default `UTC`).
    pub tz: Option<String>,
    /// `GET /api/tasks` only: tasks of this project.
    pub project_id: Option<String>,
    /// `GET /api/tasks` only: whose tasks, a username or `*` (analysts, admins).
    pub owner: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
    /// `title`, `due_date`, `priority`, `status`, `created_at` or
    /// `updated_at`; `-` in front for descending. Default: creation order.
    #[param(pattern = "^-?(title|due_date|priority|status|created_at|updated_at)$")]
    pub sort: Option<String>,
}

/// The tasks of a project.
#[utoipa::path(get, path = "/api/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = i64, Path, description = "Project id"), TaskQuery),
    responses((status = 200, body = [TaskOut], headers(
                  ("X-Total-Count" = i64, description = "Tasks matching, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_project_tasks(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<ProjectId>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let params = list_params::<TaskSort>(q.limit, q.offset, q.sort.as_deref(), 50, 500)?;
    let f = q.filters()?;
    let filter = TaskFilter {
        status: f.status,
        priority: f.priority,
        label_id: f.label_id,
        text: f.text,
        due: f.due,
        ..TaskFilter::default()
    };
    let project_id = path.into_inner();
    let found =
        tasks::list_of_project(&svc, &user, project_id, filter, params.page, params.sort).await?;
    Ok(paged_response(&req, params.page, &found.map(TaskOut::from)))
}

impl TaskQuery {
    fn filters(&self) -> Result<AcrossFilter, ServiceError> {
        let label_id = match self.label.as_deref() {
            None => None,
            Some(l) => Some(
                l.parse::<LabelId>()
                    .map_err(|_| ServiceError::invalid("label", "must be a label id"))?,
            ),
        };
        let text = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(ServiceError::invalid(
                "q",
                "must be at most 200 characters long",
            ));
        }
        Ok(AcrossFilter {
            status: optional(self.status.clone(), |s| TaskStatus::parse(&s))?,
            priority: optional(self.priority.clone(), |p| TaskPriority::parse(&p))?,
            label_id,
            project_id: None,
            text,
            due: due_filter(self.due.as_deref(), self.tz.as_deref())?,
        })
    }
}

/// `?due=` in the time zone `?tz=` (default UTC) as dates.
fn due_filter(due: Option<&str>, tz: Option<&str>) -> Result<Option<DueFilter>, ServiceError> {
    let zone: Tz = match tz {
        None => Tz::UTC,
        Some(name) => name.parse().map_err(|_| {
            ServiceError::invalid("tz", "must be an IANA time zone name such as Europe/Paris")
        })?,
    };
    let Some(due) = due else {
        return Ok(None);
    };
    let today = Utc::now().with_timezone(&zone).date_naive();
    Ok(Some(match due {
        "overdue" => DueFilter::Before(today),
        "today" => DueFilter::Between(today, today),
        "week" => DueFilter::Between(today, today + Days::new(6)),
        "none" => DueFilter::None,
        _ => {
            return Err(ServiceError::invalid(
                "due",
                "must be one of overdue, today, week, none",
            ))
        }
    }))
}

/// Tasks across the caller's projects.
#[utoipa::path(get, path = "/api/tasks", tag = "tasks",
    params(TaskQuery),
    responses((status = 200, body = [TaskOut], headers(
                  ("X-Total-Count" = i64, description = "Tasks matching, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_tasks(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let params = list_params::<TaskSort>(q.limit, q.offset, q.sort.as_deref(), 50, 500)?;
    let mut f = q.filters()?;
    f.project_id = match q.project_id.as_deref() {
        None => None,
        Some(p) => Some(
            p.parse::<ProjectId>()
                .map_err(|_| ServiceError::invalid("project_id", "must be a project id"))?,
        ),
    };
    let owner = Owner::from_query(q.owner);
    let found = tasks::list_across(&svc, &user, owner, f, params.page, params.sort).await?;
    Ok(paged_response(&req, params.page, &found.map(TaskOut::from)))
}

/// One task.
#[utoipa::path(get, path = "/api/tasks/{task_id}", tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")),
    responses((status = 200, body = TaskOut), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_task(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<TaskId>,
) -> ApiResult<HttpResponse> {
    let view = tasks::get(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TaskOut::from(view)))
}

/// Adds a task to a project.
#[utoipa::path(post, path = "/api/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = i64, Path, description = "Project id")), request_body = CreateTask,
    responses((status = 201, body = TaskOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_task(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<ProjectId>,
    body: Json<CreateTask>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().parse()?;
    let row = tasks::create(&svc, &user, path.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(TaskOut::from(row)))
}

/// Changes any subset of a task's fields.
#[utoipa::path(patch, path = "/api/tasks/{task_id}", tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")), request_body = UpdateTask,
    responses((status = 200, body = TaskOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_task(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<TaskId>,
    body: Json<UpdateTask>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner().parse()?;
    let row = tasks::update(&svc, &user, path.into_inner(), patch).await?;
    Ok(HttpResponse::Ok().json(TaskOut::from(row)))
}

/// Deletes a task.
#[utoipa::path(delete, path = "/api/tasks/{task_id}", tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_task(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<TaskId>,
) -> ApiResult<HttpResponse> {
    tasks::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_project_tasks,
        create_task,
        update_task,
        delete_task,
        list_tasks,
        get_task
    ),
    components(schemas(CreateTask, UpdateTask, TaskOut))
)]
pub struct TasksDoc;
