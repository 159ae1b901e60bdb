//! `GET /api/search`: full-text search over what the caller may read.

use super::auth::AuthUser;
use super::comments::CommentOut;
use super::error::{ApiResult, ErrorBody};
use super::projects::ProjectOut;
use super::tasks::TaskOut;
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::work::search;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// `?q=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words, each matched as a prefix, case- and accent-insensitively
    /// (at most 200 characters).
    pub q: Option<String>,
    /// Results of each kind, default 10, at most 50.
    pub limit: Option<i64>,
}

/// What a search found, best match first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    /// Projects.
    pub projects: Vec<ProjectOut>,
    /// Tasks.
    pub tasks: Vec<TaskOut>,
    /// Comments.
    pub comments: Vec<CommentOut>,
}

/// Searches projects, tasks and comments.
#[utoipa::path(get, path = "/api/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchOut), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let text = q.q.unwrap_or_default();
    if text.chars().count() > 200 {
        return Err(ServiceError::invalid("q", "must be at most 200 characters long").into());
    }
    let limit = q.limit.unwrap_or(10);
    if limit < 1 {
        return Err(ServiceError::invalid("limit", "must be at least 1").into());
    }
    let found = search::search(&svc, &user, text, limit.min(50)).await?;
    Ok(HttpResponse::Ok().json(SearchOut {
        projects: found.projects.into_iter().map(ProjectOut::from).collect(),
        tasks: found.tasks.into_iter().map(TaskOut::from).collect(),
        comments: found.comments.into_iter().map(CommentOut::from).collect(),
    }))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(search), components(schemas(SearchOut)))]
pub struct SearchDoc;
