//! Comments on tasks.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{required, Json};
use super::list::{list_params, paged_response};
use super::wire::ser_time;
use crate::services::core::Services;
use crate::services::work::comments;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::listing::CommentSort;
use workspace_domain::{CommentBody, CommentId, TaskId};
use workspace_persistence::comments::CommentRecord;

/// `POST /api/tasks/{id}/comments` and `PATCH /api/comments/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentBodyIn {
    /// 1–10,000 characters, kept as typed.
    #[schema(required, value_type = String)]
    pub body: Option<String>,
}

/// A comment as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentOut {
    /// Id.
    #[schema(value_type = i64)]
    pub id: CommentId,
    /// Its task.
    #[schema(value_type = i64)]
    pub task_id: TaskId,
    /// The author's username.
    pub author: String,
    /// Text as typed.
    pub body: String,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<CommentRecord> for CommentOut {
    fn from(c: CommentRecord) -> Self {
        Self {
            id: c.id,
            task_id: c.task_id,
            author: c.author,
            body: c.body,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// `?limit=&offset=&sort=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentQuery {
    /// Default 100, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
    /// `created_at` or `updated_at`; `-` in front for descending. Default: oldest first.
    #[param(pattern = "^-?(created_at|updated_at)$")]
    pub sort: Option<String>,
}

/// The comments of a task, oldest first.
#[utoipa::path(get, path = "/api/tasks/{task_id}/comments", tag = "comments",
    params(("task_id" = i64, Path, description = "Task id"), CommentQuery),
    responses((status = 200, body = [CommentOut], headers(
                  ("X-Total-Count" = i64, description = "Comments, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_comments(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<TaskId>,
    query: web::Query<CommentQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let params = list_params::<CommentSort>(q.limit, q.offset, q.sort.as_deref(), 100, 500)?;
    let found = comments::list(&svc, &user, path.into_inner(), params.page, params.sort).await?;
    Ok(paged_response(
        &req,
        params.page,
        &found.map(CommentOut::from),
    ))
}

/// Comments on a task.
#[utoipa::path(post, path = "/api/tasks/{task_id}/comments", tag = "comments",
    params(("task_id" = i64, Path, description = "Task id")), request_body = CommentBodyIn,
    responses((status = 201, body = CommentOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_comment(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<TaskId>,
    body: Json<CommentBodyIn>,
) -> ApiResult<HttpResponse> {
    let text = CommentBody::parse(&required(body.into_inner().body, "body")?)?;
    let row = comments::create(&svc, &user, path.into_inner(), text).await?;
    Ok(HttpResponse::Created().json(CommentOut::from(row)))
}

/// Edits one's own comment.
#[utoipa::path(patch, path = "/api/comments/{comment_id}", tag = "comments",
    params(("comment_id" = i64, Path, description = "Comment id")), request_body = CommentBodyIn,
    responses((status = 200, body = CommentOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_comment(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<CommentId>,
    body: Json<CommentBodyIn>,
) -> ApiResult<HttpResponse> {
    let text = CommentBody::parse(&required(body.into_inner().body, "body")?)?;
    let row = comments::update(&svc, &user, path.into_inner(), text).await?;
    Ok(HttpResponse::Ok().json(CommentOut::from(row)))
}

/// Deletes a comment (its author or an admin).
#[utoipa::path(delete, path = "/api/comments/{comment_id}", tag = "comments",
    params(("comment_id" = i64, Path, description = "Comment id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_comment(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<CommentId>,
) -> ApiResult<HttpResponse> {
    comments::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_comments, create_comment, update_comment, delete_comment),
    components(schemas(CommentBodyIn, CommentOut))
)]
pub struct CommentsDoc;
