//! The caller's account and sessions: password change, account deletion,
//! the session list and revoke, token refresh.

use super::accounts::LoginResponse;
use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{required, Json};
use super::wire::{ser_opt_time, ser_time};
use crate::services::account;
use crate::services::core::Services;
use crate::services::error::ServiceError;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use workspace_domain::{Password, SessionId};
use workspace_persistence::sessions::MonitoredSessionRow;

/// `POST /api/account/password`.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    /// The password now.
    #[schema(required, value_type = String)]
    pub current_password: Option<String>,
    /// The new one: 8–72 bytes, like at registration.
    #[schema(required, value_type = String)]
    pub new_password: Option<String>,
}

/// `DELETE /api/account`.
#[derive(Deserialize, ToSchema)]
pub struct DeleteAccountRequest {
    /// The account password.
    #[schema(required, value_type = String)]
    pub password: Option<String>,
}

/// One of the caller's monitored sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// Session id.
    #[schema(value_type = String)]
    pub session_id: SessionId,
    /// Start.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    /// Last activity, if any.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen_at: Option<NaiveDateTime>,
    /// End, `null` while live.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<NaiveDateTime>,
    /// Why it ended (`logout`, `revoked`, `password_changed`, `anomaly`…).
    pub end_reason: Option<String>,
    /// Client address at start.
    pub ip: Option<String>,
    /// `User-Agent` at start.
    pub user_agent: Option<String>,
    /// Whether the request's token belongs to it.
    pub current: bool,
}

impl SessionOut {
    fn of(s: MonitoredSessionRow, current: Option<SessionId>) -> Self {
        Self {
            current: Some(s.id) == current,
            session_id: s.id,
            started_at: s.created_at,
            last_seen_at: s.last_seen_at,
            ended_at: s.ended_at,
            end_reason: s.end_reason,
            ip: s.ip,
            user_agent: s.user_agent,
        }
    }
}

/// Changes the caller's password; every other session ends.
#[utoipa::path(post, path = "/api/account/password", tag = "account",
    request_body = PasswordChangeRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_password(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<PasswordChangeRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let current = required(b.current_password, "current_password")?;
    let new = Password::parse(&required(b.new_password, "new_password")?).map_err(
        |workspace_domain::DomainError::Invalid { message, .. }| {
            ServiceError::invalid("new_password", message)
        },
    )?;
    account::change_password(&svc, &user, current, new).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes the caller's account and everything in it.
#[utoipa::path(delete, path = "/api/account", tag = "account",
    request_body = DeleteAccountRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_account(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<DeleteAccountRequest>,
) -> ApiResult<HttpResponse> {
    let password = required(body.into_inner().password, "password")?;
    account::delete_account(&svc, &user, password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's monitored sessions, newest first.
#[utoipa::path(get, path = "/api/sessions", tag = "account",
    responses((status = 200, body = [SessionOut]), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_sessions(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let rows = account::list_sessions(&svc, &user).await?;
    let out: Vec<SessionOut> = rows
        .into_iter()
        .map(|s| SessionOut::of(s, user.session_id))
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Ends one of the caller's sessions (another user's: 404).
#[utoipa::path(delete, path = "/api/sessions/{session_id}", tag = "account",
    params(("session_id" = String, Path, description = "Session id (UUID)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_session(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let sid: SessionId = path
        .into_inner()
        .parse()
        .map_err(|_| ServiceError::not_found("session"))?;
    account::revoke_session(&svc, &user, sid).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A fresh token for the same session (or plain sign-in), within
/// `SESSION_MAX_SECONDS` of its start.
#[utoipa::path(post, path = "/api/token/refresh", tag = "account",
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn refresh(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let signed_in = account::refresh(&svc, &user).await?;
    Ok(HttpResponse::Ok().json(LoginResponse::from(signed_in)))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        change_password,
        delete_account,
        list_sessions,
        revoke_session,
        refresh
    ),
    components(schemas(PasswordChangeRequest, DeleteAccountRequest, SessionOut))
)]
pub struct AccountDoc;
