//! Projects and the tasks inside them.

use crate::{
    auth::AuthUser,
    dto::{CreateProject, CreateTask, ProjectOut, TaskOut, UpdateProject},
    error::{ApiError, ApiResult, ErrorBody},
    extract::{patch_nullable, patch_required, required, Page},
    state::AppState,
};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use workspace_domain::{
    parse_date, permissions, Access, Capability, HourlyRate, LongText, ProjectName, ProjectStatus,
    ShortText, Username,
};
use workspace_persistence::{
    DbConnection, {projects, tasks},
};

pub(crate) fn project_out(row: projects::ProjectRecord) -> ProjectOut {
    let projects::ProjectRecord {
        project: p,
        owner_username: owner,
    } = row;
    ProjectOut {
        id: p.id,
        owner,
        name: p.name,
        description: p.description,
        client: p.client,
        hourly_rate: p.hourly_rate,
        due_date: p.due_date,
        status: p.status,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub(crate) fn task_out(t: tasks::TaskRow) -> TaskOut {
    TaskOut {
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

/// Loads a project and checks the caller's access: 404 when the caller may
/// not read it (its existence is not revealed), 403 when a write is needed
/// and the caller may only read.
pub(crate) fn load_project(
    conn: &mut DbConnection,
    user: &AuthUser,
    project_id: i64,
    write: bool,
) -> Result<projects::ProjectRecord, ApiError> {
    let project = projects::get(conn, project_id)?.ok_or_else(|| ApiError::not_found("project"))?;
    match permissions::project_access(user.actor(), project.project.owner_id) {
        Access::None => Err(ApiError::not_found("project")),
        Access::Read if write => Err(ApiError::forbidden()),
        _ => Ok(project),
    }
}

fn optional_text<T>(
    value: Option<String>,
    parse: impl Fn(&str) -> Result<T, workspace_domain::DomainError>,
) -> Result<Option<T>, ApiError> {
    Ok(value.as_deref().map(parse).transpose()?)
}

/// `?owner=&limit=&offset=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProjectQuery {
    /// Analysts and admins: a username, or `*` for everyone.
    pub owner: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Lists projects: the caller's own, or (analysts, admins) another owner's or all.
#[utoipa::path(get, path = "/api/projects", tag = "projects", params(ProjectQuery),
    responses((status = 200, body = [ProjectOut]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ProjectQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = Page::parse(q.limit, q.offset, 50, 500)?;
    // None: the caller's own; Some(None): everyone's; Some(Some(name)): one owner's.
    let filter: Option<Option<String>> = match q.owner {
        None => None,
        Some(owner) if Username::key_of(&owner) == Username::key_of(&user.username) => None,
        Some(owner) => {
            if !permissions::allows(user.role, Capability::ListOthersProjects) {
                return Err(ApiError::forbidden());
            }
            Some((owner != "*").then_some(owner))
        }
    };
    let own_id = user.id;
    let rows = state
        .db(move |conn| {
            Ok(match filter {
                None => projects::list_by_owner(conn, own_id, page.limit, page.offset)?,
                Some(owner) => projects::list_all(conn, owner.as_deref(), page.limit, page.offset)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(project_out).collect::<Vec<_>>()))
}

/// Creates a project owned by the caller.
#[utoipa::path(post, path = "/api/projects", tag = "projects", request_body = CreateProject,
    responses((status = 201, body = ProjectOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateProject>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let name = ProjectName::parse(&required(b.name, "name")?)?;
    let description = optional_text(b.description, |v| LongText::parse_field("description", v))?;
    let client = optional_text(b.client, |v| ShortText::parse_field("client", v))?;
    let hourly_rate = b.hourly_rate.map(HourlyRate::parse).transpose()?;
    let due_date = b
        .due_date
        .as_deref()
        .map(|d| parse_date("due_date", d))
        .transpose()?;
    let status = b
        .status
        .as_deref()
        .map(ProjectStatus::parse)
        .transpose()?
        .unwrap_or_default();
    let owner_id = user.id;
    let row = state
        .db(move |conn| {
            Ok(projects::create(
                conn,
                &projects::NewProject {
                    owner_id,
                    name: name.as_str(),
                    description: description.as_ref().map(LongText::as_str),
                    client: client.as_ref().map(ShortText::as_str),
                    hourly_rate: hourly_rate.map(HourlyRate::value),
                    due_date,
                    status: status.as_str(),
                },
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(project_out(row)))
}

/// One project.
#[utoipa::path(get, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = i64, Path, description = "Project id")),
    responses((status = 200, body = ProjectOut), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let row = state
        .db(move |conn| load_project(conn, &user, id, false))
        .await?;
    Ok(HttpResponse::Ok().json(project_out(row)))
}

/// Changes any subset of a project's fields.
#[utoipa::path(patch, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = i64, Path, description = "Project id")), request_body = UpdateProject,
    responses((status = 200, body = ProjectOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
    body: web::Json<UpdateProject>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let b = body.into_inner();
    let changes = projects::ProjectChanges {
        name: patch_required(b.name, "name", |n| {
            ProjectName::parse(&n).map(ProjectName::into_inner)
        })?,
        description: patch_nullable(b.description, |d| {
            LongText::parse_field("description", &d).map(LongText::into_inner)
        })?,
        client: patch_nullable(b.client, |c| {
            ShortText::parse_field("client", &c).map(ShortText::into_inner)
        })?,
        hourly_rate: patch_nullable(b.hourly_rate, |r| {
            HourlyRate::parse(r).map(HourlyRate::value)
        })?,
        due_date: patch_nullable(b.due_date, |d| parse_date("due_date", &d))?,
        status: patch_required(b.status, "status", |st| {
            ProjectStatus::parse(&st).map(|x| x.as_str().to_owned())
        })?,
    };
    let row = state
        .tx(move |conn| {
            load_project(conn, &user, id, true)?;
            Ok(projects::update(conn, id, &changes)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(project_out(row)))
}

/// Deletes a project and its tasks.
#[utoipa::path(delete, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = i64, Path, description = "Project id")),
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
            load_project(conn, &user, id, true)?;
            projects::delete(conn, id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?status=&limit=&offset=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TaskQuery {
    /// Only tasks with this status.
    pub status: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// The tasks of a project.
#[utoipa::path(get, path = "/api/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = i64, Path, description = "Project id"), TaskQuery),
    responses((status = 200, body = [TaskOut]), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let page = Page::parse(q.limit, q.offset, 50, 500)?;
    let status = q
        .status
        .as_deref()
        .map(workspace_domain::TaskStatus::parse)
        .transpose()?
        .map(|s| s.as_str().to_owned());
    let rows = state
        .db(move |conn| {
            load_project(conn, &user, id, false)?;
            Ok(tasks::list_by_project(
                conn,
                id,
                status.as_deref(),
                page.limit,
                page.offset,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(task_out).collect::<Vec<_>>()))
}

/// Adds a task to a project.
#[utoipa::path(post, path = "/api/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = i64, Path, description = "Project id")), request_body = CreateTask,
    responses((status = 201, body = TaskOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_task(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
    body: web::Json<CreateTask>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let new = crate::routes::tasks::validate_new(body.into_inner())?;
    let row = state
        .tx(move |conn| {
            load_project(conn, &user, id, true)?;
            Ok(tasks::create(conn, &new.as_new(id))?)
        })
        .await?;
    Ok(HttpResponse::Created().json(task_out(row)))
}
