//! Administration: roles and session termination.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{required, Json};
use crate::services::core::Services;
use crate::services::{accounts, sessions};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use workspace_domain::{Role, SessionId};

/// `POST /api/admin/users/{username}/role`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// `user`, `analyst` or `admin`.
    #[schema(required, value_type = String)]
    pub role: Option<String>,
}

/// Answer of a role change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleResponse {
    /// The user.
    pub username: String,
    /// The new role.
    #[schema(value_type = String)]
    pub role: Role,
}

/// Changes a user's role (admins). 409 when it would leave no admin.
#[utoipa::path(post, path = "/api/admin/users/{username}/role", tag = "admin",
    params(("username" = String, Path, description = "Username (any case)")),
    request_body = RoleRequest,
    responses((status = 200, body = RoleResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_role(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<String>,
    body: Json<RoleRequest>,
) -> ApiResult<HttpResponse> {
    let role = Role::parse(&required(body.into_inner().role, "role")?)?;
    let target = accounts::change_role(&svc, &user, &path.into_inner(), role).await?;
    Ok(HttpResponse::Ok().json(RoleResponse {
        username: target.username,
        role: target.role,
    }))
}

/// Ends a monitored session as if behaviour had blocked it (admins, analysts).
#[utoipa::path(post, path = "/api/admin/sessions/{session_id}/terminate", tag = "admin",
    params(("session_id" = String, Path, description = "Session id (UUID)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn terminate_session(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<SessionId>,
) -> ApiResult<HttpResponse> {
    sessions::terminate(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(change_role, terminate_session),
    components(schemas(RoleRequest, RoleResponse))
)]
pub struct AdminDoc;
