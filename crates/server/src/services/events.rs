//! The security event to store: a small builder and [`record`]. Inside a
//! transaction use [`UnitOfWork::record`](super::unit_of_work::UnitOfWork::record),
//! so the event commits (or not) with the change it describes.

use super::error::ServiceResult;
use super::origin::RequestOrigin;
use serde_json::{json, Value};
use workspace_domain::{EventId, EventKind, SessionId, Severity, UserId};
use workspace_persistence::{events, sessions, DbConnection};

/// A security event to store.
#[derive(Debug, Clone)]
pub struct Event {
    kind: EventKind,
    severity: Severity,
    user_id: Option<UserId>,
    username: Option<String>,
    session_id: Option<SessionId>,
    risk_score: Option<f64>,
    detail: Value,
    origin: Option<RequestOrigin>,
}

impl Event {
    /// A new event (see `api.md` for the kinds).
    pub fn new(kind: EventKind, severity: Severity) -> Self {
        Self {
            kind,
            severity,
            user_id: None,
            username: None,
            session_id: None,
            risk_score: None,
            detail: json!({}),
            origin: RequestOrigin::current(),
        }
    }

    /// About this user.
    pub fn user(mut self, id: Option<UserId>, username: &str) -> Self {
        self.user_id = id;
        self.username = Some(username.to_owned());
        self
    }

    /// In this monitored session.
    pub fn session(mut self, session_id: SessionId) -> Self {
        self.session_id = Some(session_id);
        self
    }

    /// With this risk score.
    pub fn risk(mut self, score: Option<f64>) -> Self {
        self.risk_score = score;
        self
    }

    /// With these details (an object; never secrets).
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// From this client (by default the request being served, if any).
    pub fn origin(mut self, origin: Option<RequestOrigin>) -> Self {
        self.origin = origin;
        self
    }

    /// The kind.
    pub fn kind(&self) -> EventKind {
        self.kind
    }
}

/// Stores an event on `conn`. Prefer [`UnitOfWork::record`](super::unit_of_work::UnitOfWork::record)
/// when a transaction is open; this is for event-only writes (the
/// realtime write queue, the trainer).
pub fn record(conn: &mut DbConnection, event: &Event) -> ServiceResult<EventId> {
    // Without a request (the websocket's scoring, the trainer) an event of a
    // session says where that session came from.
    let origin = match (&event.origin, event.session_id) {
        (Some(o), _) => Some(o.clone()),
        (None, Some(sid)) => sessions::get(conn, sid)?.map(|s| RequestOrigin {
            ip: s.ip,
            user_agent: s.user_agent,
        }),
        (None, None) => None,
    };
    let origin = origin.unwrap_or_default();
    let row = events::insert(
        conn,
        &events::NewSecurityEvent {
            kind: event.kind,
            severity: event.severity,
            user_id: event.user_id,
            username: event.username.as_deref(),
            session_id: event.session_id,
            risk_score: event.risk_score,
            detail: &event.detail,
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
        },
    )?;
    super::outbox::enqueue_for(conn, &row)?;
    Ok(row.id)
}
