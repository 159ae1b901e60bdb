//! Administration: roles, session termination, and the console's user
//! list, session view and user view.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, required, Json, OptionalJson};
use super::list::paged_response;
use super::security::{with_feedback, EventOut};
use super::wire::{ser_opt_time, ser_time};
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::{accounts, secops, sessions};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::{Page, Role, SessionId};
use workspace_persistence::session_windows::SessionWindowRow;
use workspace_persistence::sessions::MonitoredSessionRow;
use workspace_persistence::user_overview::{UserFilter, UserOverview};

/// `POST /api/admin/users/{username}/role`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// `user`, `analyst` or `admin`.
    #[schema(required, value_type = String, pattern = "^(user|analyst|admin)$")]
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
    #[param(pattern = "^(user|analyst|admin)$")]
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

/// A monitored session as the console shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfoOut {
    /// Session id.
    #[schema(value_type = String)]
    pub session_id: SessionId,
    /// When it started.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    /// Last activity, if any.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen_at: Option<NaiveDateTime>,
    /// When it ended; `null` while live.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<NaiveDateTime>,
    /// Why it ended (`anomaly`, `admin`, `challenge_failed`, …).
    pub end_reason: Option<String>,
    /// Client address at start.
    pub ip: Option<String>,
    /// `User-Agent` at start.
    pub user_agent: Option<String>,
    /// `true` while not ended.
    pub live: bool,
}

impl From<MonitoredSessionRow> for SessionInfoOut {
    fn from(s: MonitoredSessionRow) -> Self {
        Self {
            live: s.is_active(),
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

/// One scored window, as its `risk` message said it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WindowOut {
    /// When scored.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// `seq` of the `behavior` message that closed it (`null`: a pause did).
    pub seq: Option<i64>,
    /// `keystroke` or `mouse`.
    pub modality: String,
    /// Score in [0, 1]; `null` in learning mode.
    pub score: Option<f64>,
    /// `low`, `medium` or `high`.
    pub level: String,
    /// `profile`, `global` or `none`.
    pub model: String,
    /// Session risk after it.
    pub session_risk: f64,
    /// The reasons in full, as sent.
    pub reasons: Vec<String>,
}

impl From<SessionWindowRow> for WindowOut {
    fn from(w: SessionWindowRow) -> Self {
        Self {
            reasons: w.reason_list(),
            created_at: w.created_at,
            seq: w.seq,
            modality: w.modality,
            score: w.score,
            level: w.level,
            model: w.model,
            session_risk: w.session_risk,
        }
    }
}

/// `GET /api/admin/sessions/{session_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionViewOut {
    /// The session.
    pub session: SessionInfoOut,
    /// Its owner.
    pub username: String,
    /// Its scored windows, oldest first (the most recent 2000).
    pub windows: Vec<WindowOut>,
    /// Windows stored for the session.
    pub windows_total: i64,
    /// Its events with verdicts, oldest first (at most 1000).
    pub events: Vec<EventOut>,
}

/// A session, its scored windows and its events (analysts, admins).
#[utoipa::path(get, path = "/api/admin/sessions/{session_id}", tag = "admin",
    params(("session_id" = String, Path, description = "Session id (UUID)")),
    responses((status = 200, body = SessionViewOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn session_view(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<SessionId>,
) -> ApiResult<HttpResponse> {
    let v = secops::session_view(&svc, &user, path.into_inner()).await?;
    let feedback = v.feedback;
    Ok(HttpResponse::Ok().json(SessionViewOut {
        session: v.session.into(),
        username: v.username,
        windows: v.windows.into_iter().map(Into::into).collect(),
        windows_total: v.windows_total,
        events: v
            .events
            .into_iter()
            .map(|e| {
                let id = e.id.get();
                with_feedback(e, feedback.get(&id))
            })
            .collect(),
    }))
}

/// `?limit=&offset=` of the user view's sessions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserViewQuery {
    /// Sessions per page: default 20, at most 200.
    pub limit: Option<i64>,
    /// Sessions to skip (default 0).
    pub offset: Option<i64>,
}

/// A session in the user view.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSessionOut {
    /// The session.
    #[serde(flatten)]
    pub session: SessionInfoOut,
    /// Scored windows stored for it.
    pub windows: i64,
    /// Its highest window score.
    pub max_score: Option<f64>,
}

/// A verdict given on one of the user's events.
#[derive(Debug, Serialize, ToSchema)]
pub struct GivenFeedbackOut {
    /// The event.
    pub event_id: i64,
    /// The event's kind.
    pub kind: String,
    /// The event's session.
    pub session_id: Option<String>,
    /// `owner` or `intruder`.
    pub verdict: String,
    /// The analyst.
    pub by: String,
    /// When.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    /// The note, if any.
    pub note: Option<String>,
}

/// `GET /api/admin/users/{username}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserViewOut {
    /// The user (as in the user list).
    pub user: UserOverviewOut,
    /// A page of sessions, newest first.
    pub sessions: Vec<UserSessionOut>,
    /// Sessions in all.
    pub sessions_total: i64,
    /// Verdicts given on the user's events, newest first (at most 200).
    pub feedback: Vec<GivenFeedbackOut>,
}

/// A user: sessions (paged), profile states, verdicts given on their
/// events (analysts, admins).
#[utoipa::path(get, path = "/api/admin/users/{username}", tag = "admin",
    params(("username" = String, Path, description = "Username (any case)"), UserViewQuery),
    responses((status = 200, body = UserViewOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn user_view(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<String>,
    query: web::Query<UserViewQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::parse(query.limit, query.offset, 20, 200).map_err(ServiceError::from)?;
    let v = secops::user_view(&svc, &user, &path.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(UserViewOut {
        user: v.user.into(),
        sessions_total: v.sessions.total,
        sessions: v
            .sessions
            .items
            .into_iter()
            .map(|s| UserSessionOut {
                session: s.session.into(),
                windows: s.windows,
                max_score: s.max_score,
            })
            .collect(),
        feedback: v
            .feedback
            .into_iter()
            .map(|g| GivenFeedbackOut {
                event_id: g.feedback.event_id,
                kind: g.kind,
                session_id: g.session_id,
                verdict: g.feedback.verdict,
                by: g.feedback.by_username,
                at: g.feedback.created_at,
                note: g.feedback.note,
            })
            .collect(),
    }))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        change_role,
        terminate_session,
        terminate_user_sessions,
        list_users,
        session_view,
        user_view
    ),
    components(schemas(
        RoleRequest,
        RoleResponse,
        TerminateRequest,
        UserOverviewOut,
        ProfileStates,
        SessionInfoOut,
        WindowOut,
        SessionViewOut,
        UserSessionOut,
        GivenFeedbackOut,
        UserViewOut
    ))
)]
pub struct AdminDoc;
