//! Security views for analysts: the event log and the realtime monitor.

use super::caller::Caller;
use super::core::Services;
use super::error::ServiceResult;
use super::live::LiveSnapshot;
use chrono::NaiveDateTime;
use workspace_domain::listing::EventSort;
use workspace_domain::{Capability, EventId, EventKind, Page, Paged, SessionId, Severity, Sort};
use workspace_persistence::{behavior, events};

/// What `GET /api/security-events` filters on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventQuery {
    /// Only events about this username (any case).
    pub username: Option<String>,
    /// Only events of this kind.
    pub kind: Option<EventKind>,
    /// Only events at or after this time (UTC).
    pub since: Option<NaiveDateTime>,
    /// Only events of this severity.
    pub severity: Option<Severity>,
    /// Only events of this monitored session.
    pub session_id: Option<SessionId>,
}

/// A page of events and, for a keyset page with more to come, the
/// `before_id` of the next one.
#[derive(Debug, Clone)]
pub struct EventPage {
    /// The events and the number matching.
    pub found: Paged<events::SecurityEventRow>,
    /// `?before_id=` of the next keyset page.
    pub next_before: Option<EventId>,
}

/// Security events with an id below `before`, highest id first (keyset
/// paging; analysts, admins).
pub async fn list_events_before(
    svc: &Services,
    caller: &Caller,
    query: EventQuery,
    before: EventId,
    limit: i64,
) -> ServiceResult<EventPage> {
    caller.require(Capability::ReadSecurityEvents)?;
    let filter = filter_of(query);
    let (found, more) = svc
        .read(move |conn| Ok(events::list_before(conn, &filter, Some(before), limit)?))
        .await?;
    let next_before = if more {
        found.items.last().map(|e| e.id)
    } else {
        None
    };
    Ok(EventPage { found, next_before })
}

fn filter_of(query: EventQuery) -> events::EventFilter {
    events::EventFilter {
        username: query.username,
        kind: query.kind,
        since: query.since,
        severity: query.severity,
        session_id: query.session_id,
    }
}

/// Security events, newest first (analysts, admins).
pub async fn list_events(
    svc: &Services,
    caller: &Caller,
    query: EventQuery,
    page: Page,
    sort: Option<Sort<EventSort>>,
) -> ServiceResult<Paged<events::SecurityEventRow>> {
    caller.require(Capability::ReadSecurityEvents)?;
    let filter = filter_of(query);
    svc.read(move |conn| Ok(events::list(conn, &filter, page, sort)?))
        .await
}

/// The realtime monitor: live connections of this instance and the current
/// global model.
#[derive(Debug, Clone)]
pub struct Monitor {
    /// Connections and totals.
    pub live: LiveSnapshot,
    /// The newest global model, if any.
    pub global_model: Option<behavior::GlobalModelInfo>,
}

/// `GET /api/realtime-monitor` (analysts, admins).
pub async fn monitor(svc: &Services, caller: &Caller) -> ServiceResult<Monitor> {
    caller.require(Capability::ViewRealtimeMonitor)?;
    let global_model = svc
        .read(|conn| Ok(behavior::latest_global_model_info(conn)?))
        .await?;
    let live = svc.live().snapshot().await?;
    Ok(Monitor { live, global_model })
}
