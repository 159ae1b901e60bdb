//! Labels: each user's own.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{patch_required, required, Json};
use super::list::{list_params, paged_response};
use crate::services::core::Services;
use crate::services::work::labels;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::listing::LabelSort;
use workspace_domain::work::parse_color;
use workspace_domain::{LabelId, LabelName};
use workspace_persistence::labels::LabelRow;

/// `POST /api/labels`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateLabel {
    /// 1–50 characters, unique per user case-insensitively.
    #[schema(required, value_type = String)]
    pub name: Option<String>,
    /// `#rrggbb`.
    #[schema(required, value_type = String)]
    pub color: Option<String>,
}

/// `PATCH /api/labels/{id}`: any subset.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateLabel {
    /// New name.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// New colour.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
}

/// A label as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LabelOut {
    /// Id.
    #[schema(value_type = i64)]
    pub id: LabelId,
    /// Name.
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
}

impl From<LabelRow> for LabelOut {
    fn from(l: LabelRow) -> Self {
        Self {
            id: l.id,
            name: l.name,
            color: l.color,
        }
    }
}

/// `?limit=&offset=&sort=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// Default 100, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
    /// `name` (default) or `created_at`; `-` in front for descending.
    #[param(pattern = "^-?(name|created_at)$")]
    pub sort: Option<String>,
}

/// The caller's labels.
#[utoipa::path(get, path = "/api/labels", tag = "labels", params(LabelQuery),
    responses((status = 200, body = [LabelOut], headers(
                  ("X-Total-Count" = i64, description = "Labels, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_labels(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<LabelQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let params = list_params::<LabelSort>(q.limit, q.offset, q.sort.as_deref(), 100, 500)?;
    let found = labels::list(&svc, &user, params.page, params.sort).await?;
    Ok(paged_response(
        &req,
        params.page,
        &found.map(LabelOut::from),
    ))
}

/// Creates a label.
#[utoipa::path(post, path = "/api/labels", tag = "labels", request_body = CreateLabel,
    responses((status = 201, body = LabelOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_label(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<CreateLabel>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let name = LabelName::parse(&required(b.name, "name")?)?;
    let color = parse_color(&required(b.color, "color")?)?;
    let row = labels::create(&svc, &user, name, color).await?;
    Ok(HttpResponse::Created().json(LabelOut::from(row)))
}

/// Renames or recolours a label.
#[utoipa::path(patch, path = "/api/labels/{label_id}", tag = "labels",
    params(("label_id" = i64, Path, description = "Label id")), request_body = UpdateLabel,
    responses((status = 200, body = LabelOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_label(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<LabelId>,
    body: Json<UpdateLabel>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let name = patch_required(b.name, "name", |n| LabelName::parse(&n))?;
    let color = patch_required(b.color, "color", |c| parse_color(&c))?;
    let row = labels::update(&svc, &user, path.into_inner(), name, color).await?;
    Ok(HttpResponse::Ok().json(LabelOut::from(row)))
}

/// Deletes a label (it leaves every task).
#[utoipa::path(delete, path = "/api/labels/{label_id}", tag = "labels",
    params(("label_id" = i64, Path, description = "Label id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_label(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<LabelId>,
) -> ApiResult<HttpResponse> {
    labels::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_labels, create_label, update_label, delete_label),
    components(schemas(CreateLabel, UpdateLabel, LabelOut))
)]
pub struct LabelsDoc;
