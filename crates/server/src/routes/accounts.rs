//! Accounts and tokens: register, login, monitored sessions, logout, me.

use crate::{
    auth::AuthUser,
    dto::{LoginRequest, LoginResponse, LoginUser, RegisterRequest, UserOut},
    error::{ApiError, ApiResult, ErrorBody},
    extract::required,
    realtime::ControlAction,
    security::{Event, Severity},
    state::AppState,
};
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde_json::json;
use uuid::Uuid;
use workspace_auth::password;
use workspace_domain::{Email, Password, Role, Username};
use workspace_persistence::{login_failures, sessions, users};

/// The websocket path announced by start-session.
pub const WS_PATH: &str = "/ws/behavioral";

pub(crate) fn user_out(user: users::UserRow, session_id: Option<String>) -> UserOut {
    UserOut {
        id: user.id,
        username: user.username,
        role: user.role,
        email: user.email,
        created_at: user.created_at,
        session_id,
    }
}

/// Creates an account with role `user`.
#[utoipa::path(post, path = "/api/register", tag = "accounts", request_body = RegisterRequest,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let username = Username::parse(&required(body.username, "username")?)?;
    let password = Password::parse(&required(body.password, "password")?)?;
    let email = body.email.as_deref().map(Email::parse).transpose()?;
    let cost = state.settings.bcrypt_cost;
    let hash = web::block(move || password::hash_password(&password, cost)).await??;
    let user = state
        .tx(move |conn| {
            let created = users::create(
                conn,
                &users::NewUser {
                    username: username.as_str(),
                    password_hash: &hash,
                    email: email.as_ref().map(Email::as_str),
                    role: Role::User.as_str(),
                },
            )
            .map_err(|e| {
                if e.is_conflict() {
                    ApiError::conflict("That username is taken; choose another.")
                } else {
                    e.into()
                }
            })?;
            Event::new("register", Severity::Info)
                .user(Some(created.id), &created.username)
                .record(conn)?;
            Ok(created)
        })
        .await?;
    Ok(HttpResponse::Created().json(user_out(user, None)))
}

/// Checks credentials with the throttle; returns the user on success.
async fn check_credentials(state: &AppState, body: LoginRequest) -> ApiResult<users::UserRow> {
    let username = required(body.username, "username")?;
    let password = required(body.password, "password")?;
    let key = Username::key_of(&username);
    let policy = state.throttle;
    let now = Utc::now();
    let since = policy.window_start(now).naive_utc();

    let lookup_key = key.clone();
    let lookup_name = username.clone();
    let (user, retry_after) = state
        .db(move |conn| {
            let window = login_failures::window_since(conn, &lookup_key, since)?;
            let (failures, oldest) = (window.count, window.oldest.map(|t| t.and_utc()));
            if let Some(retry) = policy.retry_after(failures, oldest, now) {
                Event::new("login_throttled", Severity::Warning)
                    .user(None, &lookup_name)
                    .detail(json!({ "failures": failures, "retry_after_seconds": retry }))
                    .record(conn)?;
                return Ok((None, Some(retry)));
            }
            Ok((users::find_by_username(conn, &lookup_key)?, None))
        })
        .await?;
    if let Some(retry) = retry_after {
        return Err(ApiError::too_many_requests(
            retry,
            format!("Too many failed sign-ins for this username; try again in {retry} seconds."),
        ));
    }

    let cost = state.settings.bcrypt_cost;
    let (user, ok) = web::block(move || match user {
        Some(u) => {
            let ok = password::verify_password(&password, &u.password_hash);
            (Some(u), ok)
        }
        None => {
            password::verify_against_dummy(&password, cost);
            (None, false)
        }
    })
    .await?;

    match user {
        Some(user) if ok => {
            let (id, name) = (user.id, user.username.clone());
            state
                .db(move |conn| {
                    login_failures::clear(conn, &key)?;
                    Event::new("login_success", Severity::Info)
                        .user(Some(id), &name)
                        .record(conn)
                })
                .await?;
            Ok(user)
        }
        user => {
            let user_id = user.map(|u| u.id);
            state
                .db(move |conn| {
                    login_failures::record(conn, &key, workspace_persistence::now_utc())?;
                    // Failures older than the window no longer count anywhere.
                    login_failures::prune_older_than(conn, since)?;
                    Event::new("login_failed", Severity::Warning)
                        .user(user_id, &username)
                        .detail(json!({ "reason": "invalid_credentials" }))
                        .record(conn)
                })
                .await?;
            Err(ApiError::unauthorized(
                "invalid_credentials",
                "The username or password is wrong.",
            ))
        }
    }
}

fn login_response(
    state: &AppState,
    user: &users::UserRow,
    session: Option<Uuid>,
) -> ApiResult<LoginResponse> {
    let role = Role::parse(&user.role).map_err(ApiError::internal)?;
    let (token, _) = state.jwt.issue(user.id, &user.username, role, session)?;
    Ok(LoginResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: state.jwt.ttl_seconds(),
        user: LoginUser {
            id: user.id,
            username: user.username.clone(),
            role: user.role.clone(),
        },
        session_id: session.map(|s| s.to_string()),
        ws_url: session.map(|_| WS_PATH),
    })
}

/// Signs in; answers an access token.
#[utoipa::path(post, path = "/api/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let user = check_credentials(&state, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(login_response(&state, &user, None)?))
}

/// Signs in and opens a monitored session bound to the token.
#[utoipa::path(post, path = "/api/start-session", tag = "accounts", request_body = LoginRequest,
    responses((status = 201, body = LoginResponse), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn start_session(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let user = check_credentials(&state, body.into_inner()).await?;
    let sid = Uuid::new_v4();
    let (user_id, name) = (user.id, user.username.clone());
    state
        .tx(move |conn| {
            sessions::create(conn, &sid.to_string(), user_id)?;
            Event::new("session_started", Severity::Info)
                .user(Some(user_id), &name)
                .session(sid)
                .record(conn)
        })
        .await?;
    Ok(HttpResponse::Created().json(login_response(&state, &user, Some(sid))?))
}

/// Ends the caller's monitored session.
#[utoipa::path(post, path = "/api/logout", tag = "accounts",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    if let Some(sid) = user.session_id {
        let rt = state.realtime.clone();
        let logout = ControlAction::Terminate {
            reason: "logout".into(),
        };
        let logout2 = logout.clone();
        state
            .tx(move |conn| {
                if sessions::end(conn, &sid.to_string(), "logout")? {
                    Event::new("session_ended", Severity::Info)
                        .user(Some(user.id), &user.username)
                        .session(sid)
                        .detail(json!({ "reason": "logout" }))
                        .record(conn)?;
                    rt.publish(conn, sid, &logout)?;
                }
                Ok(())
            })
            .await?;
        state.realtime.control_local(sid, logout2, false);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The caller.
#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let id = user.id;
    let row = state
        .db(move |conn| users::find_by_id(conn, id)?.ok_or_else(|| ApiError::not_found("user")))
        .await?;
    Ok(HttpResponse::Ok().json(user_out(row, user.session_id.map(|s| s.to_string()))))
}
