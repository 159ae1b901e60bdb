//! Projects.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, patch_nullable, patch_required, required, Json};
use super::list::{list_params, paged_response};
use super::wire::ser_time;
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::work::projects::{self, Owner};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::listing::ProjectSort;
use workspace_domain::work::{NewProject, ProjectPatch};
use workspace_domain::{
    parse_date, Currency, HourlyRate, LongText, ProjectId, ProjectName, ProjectStatus, ShortText,
};
use workspace_persistence::projects::ProjectRecord;

/// `POST /api/projects`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProject {
    /// 1–200 characters.
    #[schema(required, value_type = String)]
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The client's name.
    pub client: Option<String>,
    /// ≥ 0, at most 2 decimals.
    pub hourly_rate: Option<f64>,
    /// ISO 4217 code (default `DEFAULT_CURRENCY`).
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// `active` (default), `on_hold`, `completed`, `archived`.
    pub status: Option<String>,
}

impl CreateProject {
    /// Validates every field.
    pub(crate) fn parse(self) -> Result<NewProject, ServiceError> {
        Ok(NewProject {
            name: ProjectName::parse(&required(self.name, "name")?)?,
            description: optional(self.description, |v| {
                LongText::parse_field("description", &v)
            })?,
            client: optional(self.client, |v| ShortText::parse_field("client", &v))?,
            hourly_rate: optional(self.hourly_rate, HourlyRate::parse)?,
            currency: optional(self.currency, |c| Currency::parse(&c))?,
            due_date: optional(self.due_date, |d| parse_date("due_date", &d))?,
            status: optional(self.status, |s| ProjectStatus::parse(&s))?.unwrap_or_default(),
        })
    }
}

/// `PATCH /api/projects/{id}`: any subset; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateProject {
    /// New name.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// New description (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// New client (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub client: Option<Option<String>>,
    /// New rate (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<f64>)]
    pub hourly_rate: Option<Option<f64>>,
    /// New currency.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub currency: Option<Option<String>>,
    /// New due date (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    /// New status.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub status: Option<Option<String>>,
}

impl UpdateProject {
    fn parse(self) -> Result<ProjectPatch, ServiceError> {
        Ok(ProjectPatch {
            name: patch_required(self.name, "name", |n| ProjectName::parse(&n))?,
            description: patch_nullable(self.description, |d| {
                LongText::parse_field("description", &d)
            })?,
            client: patch_nullable(self.client, |c| ShortText::parse_field("client", &c))?,
            hourly_rate: patch_nullable(self.hourly_rate, HourlyRate::parse)?,
            currency: patch_required(self.currency, "currency", |c| Currency::parse(&c))?,
            due_date: patch_nullable(self.due_date, |d| parse_date("due_date", &d))?,
            status: patch_required(self.status, "status", |s| ProjectStatus::parse(&s))?,
        })
    }
}

/// A project as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    /// Id.
    #[schema(value_type = i64)]
    pub id: ProjectId,
    /// The owner's username.
    pub owner: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Client.
    pub client: Option<String>,
    /// Hourly rate (a number with at most 2 decimals).
    #[schema(value_type = Option<f64>)]
    pub hourly_rate: Option<HourlyRate>,
    /// ISO 4217 code.
    pub currency: String,
    /// Due date, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// `active`, `on_hold`, `completed` or `archived`.
    #[schema(value_type = String)]
    pub status: ProjectStatus,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<ProjectRecord> for ProjectOut {
    fn from(row: ProjectRecord) -> Self {
        let ProjectRecord {
            project: p,
            owner_username: owner,
        } = row;
        Self {
            id: p.id,
            owner,
            name: p.name,
            description: p.description,
            client: p.client,
            hourly_rate: p.hourly_rate_minor.map(HourlyRate::from_minor),
            currency: p.currency,
            due_date: p.due_date,
            status: p.status,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `?owner=&limit=&offset=&sort=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Analysts and admins: a username, or `*` for everyone.
    pub owner: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
    /// `name`, `due_date`, `created_at` or `updated_at`; `-` in front for
    /// descending. Default: creation order.
    #[param(pattern = "^-?(name|due_date|created_at|updated_at)$")]
    pub sort: Option<String>,
}

/// Lists projects: the caller's own, or (analysts, admins) another owner's or all.
#[utoipa::path(get, path = "/api/projects", tag = "projects", params(ProjectQuery),
    responses((status = 200, body = [ProjectOut], headers(
                  ("X-Total-Count" = i64, description = "Projects matching, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_projects(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<ProjectQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let params = list_params::<ProjectSort>(q.limit, q.offset, q.sort.as_deref(), 50, 500)?;
    let owner = Owner::from_query(q.owner);
    let found = projects::list(&svc, &user, owner, params.page, params.sort).await?;
    Ok(paged_response(
        &req,
        params.page,
        &found.map(ProjectOut::from),
    ))
}

/// Creates a project owned by the caller.
#[utoipa::path(post, path = "/api/projects", tag = "projects", request_body = CreateProject,
    responses((status = 201, body = ProjectOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_project(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<CreateProject>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().parse()?;
    let row = projects::create(&svc, &user, new).await?;
    Ok(HttpResponse::Created().json(ProjectOut::from(row)))
}

/// One project.
#[utoipa::path(get, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = i64, Path, description = "Project id")),
    responses((status = 200, body = ProjectOut), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_project(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<ProjectId>,
) -> ApiResult<HttpResponse> {
    let row = projects::get(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ProjectOut::from(row)))
}

/// Changes any subset of a project's fields.
#[utoipa::path(patch, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = i64, Path, description = "Project id")), request_body = UpdateProject,
    responses((status = 200, body = ProjectOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_project(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<ProjectId>,
    body: Json<UpdateProject>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner().parse()?;
    let row = projects::update(&svc, &user, path.into_inner(), patch).await?;
    Ok(HttpResponse::Ok().json(ProjectOut::from(row)))
}

/// Deletes a project and its tasks.
#[utoipa::path(delete, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = i64, Path, description = "Project id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_project(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<ProjectId>,
) -> ApiResult<HttpResponse> {
    projects::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_projects,
        create_project,
        get_project,
        update_project,
        delete_project
    ),
    components(schemas(CreateProject, UpdateProject, ProjectOut))
)]
pub struct ProjectsDoc;
