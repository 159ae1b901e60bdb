//! Administration: roles and session termination.

use crate::{
    auth::AuthUser,
    dto::{RoleRequest, RoleResponse},
    error::{ApiError, ApiResult, ErrorBody},
    extract::required,
    security::{Event, Severity},
    state::AppState,
};
use actix_web::{web, HttpResponse};
use serde_json::json;
use uuid::Uuid;
use workspace_auth::require;
use workspace_domain::{Capability, Role, Username};
use workspace_persistence::{sessions, users};

/// Changes a user's role (admins). 409 when it would leave no admin.
#[utoipa::path(post, path = "/api/admin/users/{username}/role", tag = "admin",
    params(("username" = String, Path, description = "Username (any case)")),
    request_body = RoleRequest,
    responses((status = 200, body = RoleResponse), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_role(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<RoleRequest>,
) -> ApiResult<HttpResponse> {
    require(user.role, Capability::ChangeRoles)?;
    let key = Username::key_of(&path.into_inner());
    let new_role = Role::parse(&required(body.into_inner().role, "role")?)?;
    let out = state
        .tx(move |conn| match users::change_role(conn, &key, new_role.as_str()) {
            Err(workspace_persistence::PersistenceError::NotFound) => {
                Err(ApiError::not_found("user"))
            }
            Err(e) => Err(e.into()),
            Ok(users::RoleChange::WouldRemoveLastAdmin) => Err(ApiError::conflict(
                "This is the last admin; make someone else admin first.",
            )),
            Ok(users::RoleChange::Changed { user: target, previous_role }) => {
                if previous_role != new_role.as_str() {
                    Event::new("role_changed", Severity::Warning)
                        .user(Some(target.id), &target.username)
                        .detail(json!({ "from": previous_role, "to": new_role.as_str(), "by": user.username }))
                        .record(conn)?;
                }
                Ok(RoleResponse { username: target.username, role: target.role })
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Ends a monitored session as if behaviour had blocked it (admins, analysts).
#[utoipa::path(post, path = "/api/admin/sessions/{session_id}/terminate", tag = "admin",
    params(("session_id" = String, Path, description = "Session id (UUID)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn terminate_session(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(user.role, Capability::TerminateSessions)?;
    let sid = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::not_found("session"))?;
    let rt = state.realtime.clone();
    let ended = state
        .tx(move |conn| {
            let session = sessions::get(conn, &sid.to_string())?
                .ok_or_else(|| ApiError::not_found("session"))?;
            let owner = users::find_by_id(conn, session.user_id)?;
            let name = owner.as_ref().map_or("", |u| u.username.as_str());
            rt.end_session(
                conn,
                sid,
                (session.user_id, name),
                "admin",
                None,
                json!({ "by": user.username }),
            )
        })
        .await?;
    if ended {
        state.realtime.terminated(sid, "admin");
    }
    Ok(HttpResponse::NoContent().finish())
}
