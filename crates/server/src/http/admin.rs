//! Administration: roles and session termination.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, required, Json, OptionalJson};
use super::list::paged_response;
use super::wire::{ser_opt_time, ser_time};
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::{accounts, secops, sessions};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::{Page, Role, SessionId};
use workspace_persistence::user_overview::{UserFilter, UserOverview};

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

/// Optional body of a termination.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TerminateRequest {
    /// Why (at most 500 characters), stored on the `session_terminated`
    /// event as `note` with the acting user as `by`.
    pub reason: Option<String>,
}

/// Ends a monitored session as if behaviour had blocked it (admins, analysts).
/// The body is optional.
#[utoipa::path(post, path = "/api/admin/sessions/{session_id}/terminate", tag = "admin",
    params(("session_id" = String, Path, description = "Session id (UUID)")),
    request_body(content = Option<TerminateRequest>, description = "Optional"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn terminate_session(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<SessionId>,
    body: OptionalJson<TerminateRequest>,
) -> ApiResult<HttpResponse> {
    let reason = body.0.and_then(|b| b.reason);
    sessions::terminate(&svc, &user, path.into_inner(), reason).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends every live session of a user, REST and websocket (admins, analysts).
/// The body is optional.
#[utoipa::path(post, path = "/api/admin/users/{username}/sessions/terminate", tag = "admin",
    params(("username" = String, Path, description = "Username (any case)")),
    request_body(content = Option<TerminateRequest>, description = "Optional"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn terminate_user_sessions(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<String>,
    body: OptionalJson<TerminateRequest>,
) -> ApiResult<HttpResponse> {
    let reason = body.0.and_then(|b| b.reason);
    sessions::terminate_user(&svc, &user, path.into_inner(), reason).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?q=&role=&limit=&offset=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only usernames containing this text (any case).
    pub q: Option<String>,
    /// Only users of this role.
    pub role: Option<String>,
    /// Default 100, at most 1000.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Profile states per modality.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileStates {
    /// Keystroke profile state (`enrolling`, `trained`, …), `null` if none.
    pub keystroke: Option<String>,
    /// Mouse profile state, `null` if none.
    pub mouse: Option<String>,
}

/// One user of the console's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOverviewOut {
    /// Username.
    pub username: String,
    /// Role.
    #[schema(value_type = String)]
    pub role: Role,
    /// Registration time.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Latest activity of a monitored session, if any.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen_at: Option<NaiveDateTime>,
    /// Monitored sessions not yet ended.
    pub live_sessions: i64,
    /// Behaviour profile states.
    pub profiles: ProfileStates,
}

impl From<UserOverview> for UserOverviewOut {
    fn from(u: UserOverview) -> Self {
        Self {
            profiles: ProfileStates {
                keystroke: u.profiles.get("keystroke").cloned(),
                mouse: u.profiles.get("mouse").cloned(),
            },
            username: u.username,
            role: u.role,
            created_at: u.created_at,
            last_seen_at: u.last_seen_at,
            live_sessions: u.live_sessions,
        }
    }
}

/// Users by username with live sessions and profile states (admins, analysts).
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", params(UserListQuery),
    responses((status = 200, body = [UserOverviewOut], headers(
                  ("X-Total-Count" = i64, description = "Users matching, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_users(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<UserListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = Page::parse(q.limit, q.offset, 100, 1000).map_err(ServiceError::from)?;
    let filter = UserFilter {
        q: q.q
            .filter(|t| !t.trim().is_empty())
            .map(|t| t.trim().to_owned()),
        role: optional(q.role, |r| Role::parse(&r))?,
    };
    let found = secops::list_users(&svc, &user, filter, page).await?;
    Ok(paged_response(
        &req,
        page,
        &found.map(UserOverviewOut::from),
    ))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(change_role, terminate_session, terminate_user_sessions, list_users),
    components(schemas(
        RoleRequest,
        RoleResponse,
        TerminateRequest,
        UserOverviewOut,
        ProfileStates
    ))
)]
pub struct AdminDoc;
