//! Security views: the event log and the realtime monitor.

use crate::{
    auth::AuthUser,
    dto::{EventOut, GlobalModelInfo, MonitorOut},
    error::{ApiError, ApiResult, ErrorBody},
    extract::Page,
    state::AppState,
};
use actix_web::{web, HttpResponse};
use chrono::DateTime;
use serde::Deserialize;
use workspace_auth::require;
use workspace_domain::Capability;
use workspace_persistence::{behavior, events};

/// `?username=&kind=&since=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventQuery {
    /// Only events about this user (any case).
    pub username: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
    /// Only events at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Default 100, at most 1000.
    pub limit: Option<i64>,
}

/// Security events, newest first (analysts, admins).
#[utoipa::path(get, path = "/api/security-events", tag = "security", params(EventQuery),
    responses((status = 200, body = [EventOut]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_events(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<EventQuery>,
) -> ApiResult<HttpResponse> {
    require(user.role, Capability::ReadSecurityEvents)?;
    let q = query.into_inner();
    let page = Page::parse(q.limit, None, 100, 1000)?;
    let since = q
        .since
        .as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.naive_utc())
                .map_err(|_| {
                    ApiError::validation(
                        "since",
                        "must be an RFC 3339 time like 2026-01-31T12:00:00Z",
                    )
                })
        })
        .transpose()?;
    let filter = events::EventFilter {
        username: q.username,
        kind: q.kind,
        since,
        limit: page.limit,
        offset: 0,
    };
    let rows = state
        .db(move |conn| Ok(events::list(conn, &filter)?))
        .await?;
    let out: Vec<EventOut> = rows
        .into_iter()
        .map(|e| EventOut {
            id: e.id,
            kind: e.kind,
            severity: e.severity,
            username: e.username,
            session_id: e.session_id,
            risk_score: e.risk_score,
            detail: serde_json::from_str(&e.detail).unwrap_or_else(|_| serde_json::json!({})),
            created_at: e.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Live behavioural sessions and totals (analysts, admins).
#[utoipa::path(get, path = "/api/realtime-monitor", tag = "security",
    responses((status = 200, body = MonitorOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn monitor(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    require(user.role, Capability::ViewRealtimeMonitor)?;
    let latest = state
        .db(|conn| Ok(behavior::latest_global_model_info(conn)?))
        .await?;
    let (active_sessions, totals) = state
        .realtime
        .monitor
        .send(crate::realtime::monitor::Snapshot)
        .await
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(MonitorOut {
        active_sessions,
        totals,
        global_model: latest.map(|m| GlobalModelInfo {
            version: m.id,
            trained_at: m.created_at,
            samples: m.samples,
        }),
    }))
}
