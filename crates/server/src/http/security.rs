//! Security views: the event log and the realtime monitor.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, required, Json};
use super::list::{list_params, next_url, TOTAL_COUNT};
use super::wire::{ser_opt_time, ser_time};
use crate::services::audit::{self, EventQuery};
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::live::{LiveSession, LiveTotals};
use crate::services::secops::{self, Verdict};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::listing::EventSort;
use workspace_domain::{EventId, EventKind, SessionId, Severity};
use workspace_persistence::events::SecurityEventRow;
use workspace_persistence::feedback::FeedbackRow;

/// A security event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Id.
    #[schema(value_type = i64)]
    pub id: EventId,
    /// Kind, e.g. `login_failed`.
    pub kind: String,
    /// `info`, `warning` or `critical`.
    #[schema(value_type = String)]
    pub severity: Severity,
    /// Who it is about.
    pub username: Option<String>,
    /// The monitored session, if any.
    pub session_id: Option<String>,
    /// Behavioural risk, if any.
    pub risk_score: Option<f64>,
    /// Details (an object).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// An analyst's verdict `{"verdict","by","at","note"}`, if given.
    #[schema(value_type = Option<Object>)]
    pub feedback: Option<serde_json::Value>,
    /// Client address of the request that caused it (see `TRUSTED_PROXIES`).
    pub ip: Option<String>,
    /// `User-Agent` of that request.
    pub user_agent: Option<String>,
}

impl From<SecurityEventRow> for EventOut {
    fn from(e: SecurityEventRow) -> Self {
        Self {
            detail: e.detail_json(),
            id: e.id,
            kind: e.kind,
            severity: e.severity,
            username: e.username,
            session_id: e.session_id,
            risk_score: e.risk_score,
            created_at: e.created_at,
            feedback: None,
            ip: e.ip,
            user_agent: e.user_agent,
        }
    }
}

/// `?username=&kind=&severity=&session_id=&since=&before_id=&limit=&offset=&sort=&format=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventListQuery {
    /// Only events about this user (any case).
    pub username: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
    /// Only events at or after this RFC 3339 time.
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Default 100, at most 1000.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
    /// `created_at` (oldest first) or `-created_at` (the default).
    #[param(pattern = "^-?(created_at)$")]
    pub sort: Option<String>,
    /// Only events of this severity (`info`, `warning`, `critical`).
    #[param(pattern = "^(info|warning|critical)$")]
    pub severity: Option<String>,
    /// Only events of this monitored session (UUID).
    pub session_id: Option<String>,
    /// Keyset paging: only events with a smaller id, highest id first
    /// (the `Link` of such a page names the next `before_id`; not with
    /// `offset` or `sort`).
    pub before_id: Option<i64>,
    /// `json` (the default) or `csv` (`text/csv`, same filters and paging).
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// The answer's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

fn parse_format(format: Option<&str>) -> Result<Format, ServiceError> {
    match format {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some(_) => Err(ServiceError::invalid("format", "must be json or csv")),
    }
}

fn parse_session(sid: &str) -> Result<SessionId, ServiceError> {
    sid.parse()
        .map_err(|_| ServiceError::invalid("session_id", "must be a session id (UUID)"))
}

/// The CSV columns, in order.
const CSV_COLUMNS: [&str; 11] = [
    "id",
    "created_at",
    "kind",
    "severity",
    "username",
    "session_id",
    "risk_score",
    "detail",
    "feedback",
    "ip",
    "user_agent",
];

/// Events as CSV: a header row then one row per event; `detail` and
/// `feedback` are JSON text.
fn events_csv(events: &[EventOut]) -> Result<Vec<u8>, ServiceError> {
    let internal = |e: &dyn std::fmt::Display| ServiceError::internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).map_err(|e| internal(&e))?;
    for e in events {
        let feedback = e
            .feedback
            .as_ref()
            .map(serde_json::Value::to_string)
            .unwrap_or_default();
        w.write_record([
            e.id.to_string(),
            super::wire::rfc3339(&e.created_at),
            e.kind.clone(),
            e.severity.as_str().to_owned(),
            e.username.clone().unwrap_or_default(),
            e.session_id.clone().unwrap_or_default(),
            e.risk_score.map(|r| r.to_string()).unwrap_or_default(),
            e.detail.to_string(),
            feedback,
            e.ip.clone().unwrap_or_default(),
            e.user_agent.clone().unwrap_or_default(),
        ])
        .map_err(|e| internal(&e))?;
    }
    w.into_inner().map_err(|e| internal(&e))
}

/// The request's path and query with `before_id` set (and `offset`
/// dropped).
fn next_before_url(req: &HttpRequest, before: EventId) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "before_id" && k != "offset" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("before_id", &before.to_string());
    format!("{}?{}", req.path(), query.finish())
}

fn parse_since(since: &str) -> Result<NaiveDateTime, ServiceError> {
    DateTime::parse_from_rfc3339(since)
        .map(|t| t.naive_utc())
        .map_err(|_| {
            ServiceError::invalid(
                "since",
                "must be an RFC 3339 time like 2026-01-31T12:00:00Z",
            )
        })
}

/// Security events, newest first (analysts, admins).
#[utoipa::path(get, path = "/api/security-events", tag = "security", params(EventListQuery),
    responses((status = 200, description = "The events: JSON, or CSV with `format=csv`",
                  content((Vec<EventOut> = "application/json"), (String = "text/csv")), headers(
                  ("X-Total-Count" = i64, description = "Events matching, ignoring paging"),
                  ("Link" = String, description = "`<…>; rel=\"next\"` when more remain"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_events(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<EventListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let format = parse_format(q.format.as_deref())?;
    let params = list_params::<EventSort>(q.limit, q.offset, q.sort.as_deref(), 100, 1000)?;
    let filter = EventQuery {
        username: q.username,
        kind: optional(q.kind, |k| EventKind::parse(&k))?,
        since: q.since.as_deref().map(parse_since).transpose()?,
        severity: optional(q.severity, |s| Severity::parse(&s))?,
        session_id: q.session_id.as_deref().map(parse_session).transpose()?,
    };
    let (found, next) = if let Some(before) = q.before_id {
        if q.sort.is_some() || q.offset.is_some_and(|o| o != 0) {
            return Err(ServiceError::invalid(
                "before_id",
                "cannot be combined with sort or offset",
            )
            .into());
        }
        let page =
            audit::list_events_before(&svc, &user, filter, EventId::new(before), params.page.limit)
                .await?;
        let next = page.next_before.map(|b| next_before_url(&req, b));
        (page.found, next)
    } else {
        let found = audit::list_events(&svc, &user, filter, params.page, params.sort).await?;
        let next = params
            .page
            .next_offset(found.total)
            .map(|o| next_url(&req, params.page.limit, o));
        (found, next)
    };
    let ids = found.items.iter().map(|e| e.id.get()).collect();
    let verdicts = secops::feedback_for(&svc, ids).await?;
    let found = found.map(|e| {
        let id = e.id.get();
        with_feedback(e, verdicts.get(&id))
    });
    let mut builder = HttpResponse::Ok();
    builder.insert_header((TOTAL_COUNT, found.total.to_string()));
    if let Some(next) = next {
        builder.insert_header((header::LINK, format!("<{next}>; rel=\"next\"")));
    }
    Ok(match format {
        Format::Json => builder.json(&found.items),
        Format::Csv => builder
            .content_type("text/csv; charset=utf-8")
            .body(events_csv(&found.items)?),
    })
}

/// An event with its verdict, if any.
pub(super) fn with_feedback(e: SecurityEventRow, f: Option<&FeedbackRow>) -> EventOut {
    let mut out = EventOut::from(e);
    out.feedback = f.map(feedback_json);
    out
}

fn feedback_json(f: &FeedbackRow) -> serde_json::Value {
    serde_json::json!({
        "verdict": f.verdict,
        "by": f.by_username,
        "at": super::wire::rfc3339(&f.created_at),
        "note": f.note,
    })
}

/// `POST /api/security-events/{event_id}/feedback`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// `owner` (a false alarm) or `intruder`.
    #[schema(required, value_type = String, pattern = "^(owner|intruder)$")]
    pub verdict: Option<String>,
    /// Optional note (at most 1000 characters).
    pub note: Option<String>,
}

/// An analyst's verdict on an event (analysts, admins): 200 the event with
/// `feedback`; a `feedback_given` event is stored.
#[utoipa::path(post, path = "/api/security-events/{event_id}/feedback", tag = "security",
    params(("event_id" = i64, Path, description = "Event id")),
    request_body = FeedbackRequest,
    responses((status = 200, body = EventOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn give_feedback(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
    body: Json<FeedbackRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let verdict = Verdict::parse(&required(b.verdict, "verdict")?)?;
    let (event, f) = secops::give_feedback(
        &svc,
        &user,
        EventId::new(path.into_inner()),
        verdict,
        b.note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(with_feedback(event, Some(&f))))
}

/// One live connection.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorSession {
    /// Session id.
    #[schema(value_type = String)]
    pub session_id: SessionId,
    /// Owner.
    pub username: String,
    /// When the websocket connected.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub connected_at: NaiveDateTime,
    /// Last behaviour packet.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_packet_at: Option<NaiveDateTime>,
    /// Packets received.
    pub packets: u64,
    /// Events received.
    pub events: u64,
    /// Latest window score.
    pub last_score: Option<f64>,
    /// Highest window score.
    pub max_score: Option<f64>,
    /// `low`, `medium` or `high` session risk.
    pub level: &'static str,
    /// Enrollment state per modality, e.g. `keystroke:trained mouse:enrolling`.
    pub profile_state: String,
}

impl From<LiveSession> for MonitorSession {
    fn from(s: LiveSession) -> Self {
        Self {
            session_id: s.session_id,
            username: s.username,
            connected_at: s.connected_at,
            last_packet_at: s.last_packet_at,
            packets: s.packets,
            events: s.events,
            last_score: s.last_score,
            max_score: s.max_score,
            level: s.level,
            profile_state: s.profile_state,
        }
    }
}

/// Totals of the realtime monitor since start-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorTotals {
    /// Websocket connections accepted.
    pub connections: u64,
    /// Windows scored.
    pub packets_scored: u64,
    /// Windows scored high.
    pub anomalies: u64,
    /// Sessions terminated.
    pub terminations: u64,
}

impl From<LiveTotals> for MonitorTotals {
    fn from(t: LiveTotals) -> Self {
        Self {
            connections: t.connections,
            packets_scored: t.packets_scored,
            anomalies: t.anomalies,
            terminations: t.terminations,
        }
    }
}

/// The global model in the monitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct GlobalModelInfo {
    /// Version (row id).
    pub version: i64,
    /// When trained.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub trained_at: NaiveDateTime,
    /// Windows used.
    pub samples: i64,
}

/// `GET /api/realtime-monitor`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorOut {
    /// Live websocket sessions.
    pub active_sessions: Vec<MonitorSession>,
    /// Counters.
    pub totals: MonitorTotals,
    /// The current global model, if any.
    pub global_model: Option<GlobalModelInfo>,
}

/// Live behavioural sessions and totals (analysts, admins).
#[utoipa::path(get, path = "/api/realtime-monitor", tag = "security",
    responses((status = 200, body = MonitorOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn monitor(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let m = audit::monitor(&svc, &user).await?;
    Ok(HttpResponse::Ok().json(MonitorOut {
        active_sessions: m.live.sessions.into_iter().map(Into::into).collect(),
        totals: m.live.totals.into(),
        global_model: m.global_model.map(|g| GlobalModelInfo {
            version: g.id,
            trained_at: g.created_at,
            samples: g.samples,
        }),
    }))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_events, monitor, give_feedback),
    components(schemas(
        EventOut,
        FeedbackRequest,
        MonitorOut,
        MonitorSession,
        MonitorTotals,
        GlobalModelInfo
    ))
)]
pub struct SecurityDoc;
