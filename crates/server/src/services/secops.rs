//! Security operations for analysts: the user list of the console (and,
//! with it, feedback on events).

use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
use super::events::Event;
use serde_json::json;
use std::collections::HashMap;
use workspace_domain::{Capability, EventId, EventKind, Page, Paged, SessionId, Severity};
use workspace_persistence::user_overview::{self, UserFilter, UserOverview};
use workspace_persistence::{events, feedback};

/// `GET /api/admin/users` (analysts, admins): users by username with live
/// sessions, last activity and profile states.
pub async fn list_users(
    svc: &Services,
    caller: &Caller,
    filter: UserFilter,
    page: Page,
) -> ServiceResult<Paged<UserOverview>> {
    caller.require(Capability::ListUsers)?;
    svc.read(move |conn| Ok(user_overview::list(conn, &filter, page)?))
        .await
}

/// The longest feedback note (characters).
pub const MAX_NOTE_CHARS: usize = 1000;

/// An analyst's verdict on an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The owner did it: a false alarm.
    Owner,
    /// Someone else did it.
    Intruder,
}

impl Verdict {
    /// Parses `owner` / `intruder` (422 naming `verdict` otherwise).
    pub fn parse(s: &str) -> Result<Self, ServiceError> {
        match s {
            "owner" => Ok(Self::Owner),
            "intruder" => Ok(Self::Intruder),
            _ => Err(ServiceError::invalid(
                "verdict",
                "must be owner or intruder",
            )),
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Intruder => "intruder",
        }
    }
}

/// Verdicts on the given events, by event id.
pub async fn feedback_for(
    svc: &Services,
    ids: Vec<i64>,
) -> ServiceResult<HashMap<i64, feedback::FeedbackRow>> {
    svc.read(move |conn| {
        Ok(feedback::for_events(conn, &ids)?
            .into_iter()
            .map(|f| (f.event_id, f))
            .collect())
    })
    .await
}

/// `POST /api/security-events/{id}/feedback` (analysts, admins): stores the
/// verdict and a `feedback_given` event. `intruder` marks the session's
/// stored windows so global training never uses them as the owner's;
/// `owner` on a behavioural alarm clears such a mark. Returns the event and
/// its verdict.
pub async fn give_feedback(
    svc: &Services,
    caller: &Caller,
    event_id: EventId,
    verdict: Verdict,
    note: Option<String>,
) -> ServiceResult<(events::SecurityEventRow, feedback::FeedbackRow)> {
    caller.require(Capability::GiveFeedback)?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(ServiceError::invalid(
            "note",
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    let by = caller.username.clone();
    let by_id = caller.id;
    svc.write(move |work| {
        let event = events::get(work.conn(), event_id)?
            .ok_or_else(|| ServiceError::not_found("security event"))?;
        let row = feedback::set(
            work.conn(),
            event_id,
            verdict.as_str(),
            &by,
            note.as_deref(),
        )?;
        let session = event
            .session_id
            .as_deref()
            .and_then(|s| s.parse::<SessionId>().ok());
        let behavioural = matches!(
            event.kind.as_str(),
            "risk_elevated" | "anomaly_blocked" | "session_terminated"
        );
        let mut windows = 0;
        if let Some(sid) = session {
            match verdict {
                Verdict::Intruder => {
                    windows = feedback::mark_session_windows(work.conn(), sid, true)?;
                }
                Verdict::Owner if behavioural => {
                    windows = feedback::mark_session_windows(work.conn(), sid, false)?;
                }
                Verdict::Owner => {}
            }
        }
        let mut ev = Event::new(EventKind::FeedbackGiven, Severity::Info)
            .user(Some(by_id), &by)
            .detail(json!({
                "event_id": event.id,
                "verdict": verdict.as_str(),
                "about": event.username,
                "windows": windows,
            }));
        if let Some(sid) = session {
            ev = ev.session(sid);
        }
        work.record(ev)?;
        Ok((event, row))
    })
    .await
}
