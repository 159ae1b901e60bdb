//! The webhook outbox: a delivery row for every matching webhook, written
//! on the event's own connection and transaction by the one place events
//! are written ([`super::events`]). Sending them is [`super::webhooks`]'
//! worker; this module needs nothing of the running services, so the event
//! path does not depend on them.

use super::error::ServiceResult;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use workspace_persistence::events::SecurityEventRow;
use workspace_persistence::webhooks::{self, WebhookRow};
use workspace_persistence::DbConnection;

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    }
}

/// Whether `hook` wants an event of `kind` and `severity`.
pub(crate) fn matches(hook: &WebhookRow, kind: &str, severity: &str) -> bool {
    let kind_ok = match &hook.kinds {
        None => true,
        Some(text) => serde_json::from_str::<Vec<String>>(text)
            .map(|ks| ks.iter().any(|k| k == kind))
            .unwrap_or(false),
    };
    let severity_ok = hook
        .min_severity
        .as_deref()
        .is_none_or(|min| severity_rank(severity) >= severity_rank(min));
    kind_ok && severity_ok
}

/// The event JSON a webhook receives (the shape of `GET /api/security-events`).
pub fn event_body(e: &SecurityEventRow) -> String {
    let at = DateTime::<Utc>::from_naive_utc_and_offset(e.created_at, Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    json!({
        "id": e.id,
        "kind": e.kind,
        "severity": e.severity.as_str(),
        "username": e.username,
        "session_id": e.session_id,
        "risk_score": e.risk_score,
        "detail": e.detail_json(),
        "created_at": at,
        "feedback": null,
        "ip": e.ip,
        "user_agent": e.user_agent,
    })
    .to_string()
}

/// Queues a delivery of `event` for every matching webhook, on `conn` (the
/// event's transaction).
pub fn enqueue_for(conn: &mut DbConnection, event: &SecurityEventRow) -> ServiceResult<()> {
    let hooks = webhooks::list(conn)?;
    let severity = event.severity.as_str();
    let mut body = None;
    for hook in hooks.iter().filter(|h| matches(h, &event.kind, severity)) {
        let body = body.get_or_insert_with(|| event_body(event));
        webhooks::enqueue(conn, hook.id, event.id.get(), &event.kind, body)?;
    }
    Ok(())
}
