//! Accounts and tokens: register, login, monitored sessions, logout, me.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, required, Json};
use super::wire::ser_time;
use crate::services::accounts::{self, Credentials, NewAccount, SignedIn};
use crate::services::core::Services;
use crate::services::sessions;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use workspace_domain::{Email, Password, Role, SessionId, UserId, Username};
use workspace_persistence::users::UserRow;

/// The websocket path announced by start-session.
pub const WS_PATH: &str = "/ws/behavioral";

/// `POST /api/register`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–32 characters of `[A-Za-z0-9_.-]`, unique case-insensitively.
    #[schema(required, value_type = String)]
    pub username: Option<String>,
    /// 8–72 bytes.
    #[schema(required, value_type = String)]
    pub password: Option<String>,
    /// Optional e-mail address.
    pub email: Option<String>,
}

/// `POST /api/login`, `POST /api/start-session`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The username (any case).
    #[schema(required, value_type = String)]
    pub username: Option<String>,
    /// The password.
    #[schema(required, value_type = String)]
    pub password: Option<String>,
}

impl LoginRequest {
    fn credentials(self) -> Result<Credentials, crate::services::error::ServiceError> {
        Ok(Credentials {
            username: required(self.username, "username")?,
            password: required(self.password, "password")?,
        })
    }
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    #[schema(value_type = i64)]
    pub id: UserId,
    /// Username as registered.
    pub username: String,
    /// `user`, `analyst` or `admin`.
    #[schema(value_type = String)]
    pub role: Role,
    /// E-mail address, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Registration time.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// The monitored session of the caller's token (`GET /api/me` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub session_id: Option<SessionId>,
}

impl UserOut {
    fn of(user: UserRow, session_id: Option<SessionId>) -> Self {
        Self {
            id: user.id,
            username: user.username,
            role: user.role,
            email: user.email,
            created_at: user.created_at,
            session_id,
        }
    }
}

/// The short user object inside a login answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginUser {
    /// Id.
    #[schema(value_type = i64)]
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Role.
    #[schema(value_type = String)]
    pub role: Role,
}

/// Answer of login and start-session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The JWT.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// Who signed in.
    pub user: LoginUser,
    /// The monitored session (start-session only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub session_id: Option<SessionId>,
    /// Where to stream behaviour (start-session only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ws_url: Option<&'static str>,
}

impl From<SignedIn> for LoginResponse {
    fn from(s: SignedIn) -> Self {
        Self {
            access_token: s.access_token,
            token_type: "Bearer",
            expires_in: s.expires_in,
            user: LoginUser {
                id: s.user.id,
                username: s.user.username,
                role: s.user.role,
            },
            session_id: s.session_id,
            ws_url: s.session_id.map(|_| WS_PATH),
        }
    }
}

/// Creates an account with role `user`.
#[utoipa::path(post, path = "/api/register", tag = "accounts", request_body = RegisterRequest,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn register(
    svc: web::Data<Services>,
    body: Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let new = NewAccount {
        username: Username::parse(&required(b.username, "username")?)?,
        password: Password::parse(&required(b.password, "password")?)?,
        email: optional(b.email, |e| Email::parse(&e))?,
    };
    let user = accounts::register(&svc, new).await?;
    Ok(HttpResponse::Created().json(UserOut::of(user, None)))
}

/// Signs in; answers an access token.
#[utoipa::path(post, path = "/api/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(svc: web::Data<Services>, body: Json<LoginRequest>) -> ApiResult<HttpResponse> {
    let signed_in = accounts::login(&svc, body.into_inner().credentials()?).await?;
    Ok(HttpResponse::Ok().json(LoginResponse::from(signed_in)))
}

/// Signs in and opens a monitored session bound to the token.
#[utoipa::path(post, path = "/api/start-session", tag = "accounts", request_body = LoginRequest,
    responses((status = 201, body = LoginResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn start_session(
    svc: web::Data<Services>,
    body: Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let signed_in = accounts::start_session(&svc, body.into_inner().credentials()?).await?;
    Ok(HttpResponse::Created().json(LoginResponse::from(signed_in)))
}

/// Ends the caller's monitored session.
#[utoipa::path(post, path = "/api/logout", tag = "accounts",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    sessions::logout(&svc, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller.
#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let row = accounts::me(&svc, &user).await?;
    Ok(HttpResponse::Ok().json(UserOut::of(row, user.session_id)))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(register, login, start_session, logout, me),
    components(schemas(RegisterRequest, LoginRequest, UserOut, LoginUser, LoginResponse))
)]
pub struct AccountsDoc;
