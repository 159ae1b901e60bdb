//! Security operations for analysts: the user list of the console, the
//! session and user views, the log of scored windows they read, and
//! feedback on events.

use super::behavior;
use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
use super::events::Event;
use super::live::Notice;
use chrono::NaiveDateTime;
use serde_json::json;
use std::collections::HashMap;
use workspace_domain::listing::EventSort;
use workspace_domain::{
    Capability, EventId, EventKind, Page, Paged, SessionId, Severity, Sort, UserId, Username,
};
use workspace_persistence::session_windows::{self, NewSessionWindow, SessionWindowRow};
use workspace_persistence::sessions::{self, MonitoredSessionRow};
use workspace_persistence::user_overview::{self, UserFilter, UserOverview};
use workspace_persistence::{events, feedback, users, DbConnection};

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
    let cfg = svc.ml_config().clone();
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
        let mut learnt = 0;
        if let Some(sid) = session {
            match verdict {
                Verdict::Intruder => {
                    windows = feedback::mark_session_windows(work.conn(), sid, true)?;
                }
                Verdict::Owner if behavioural => {
                    windows = feedback::mark_session_windows(work.conn(), sid, false)?;
                    if let Some(owner) = sessions::get(work.conn(), sid)?.map(|s| s.user_id) {
                        learnt = behavior::learn_confirmed_session(work.conn(), owner, sid, &cfg)?;
                        if learnt > 0 {
                            work.notify(Notice::ProfilesLearnt { user_id: owner })?;
                        }
                    }
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
                "learnt_windows": learnt,
            }));
        if let Some(sid) = session {
            ev = ev.session(sid);
        }
        work.record(ev)?;
        Ok((event, row))
    })
    .await
}

/// Scored windows kept for the session views (all sessions together); the
/// oldest beyond it are deleted every [`WINDOW_PRUNE_EVERY`] windows.
pub const SESSION_WINDOWS_KEPT: i64 = 200_000;
/// How often (in stored windows) the log is pruned.
const WINDOW_PRUNE_EVERY: i64 = 512;
/// The most windows a session view answers (the most recent).
pub const SESSION_VIEW_WINDOWS: i64 = 2000;
/// The most events a session view answers (the oldest).
pub const SESSION_VIEW_EVENTS: i64 = 1000;
/// The most verdicts a user view answers (the newest).
pub const USER_VIEW_FEEDBACK: i64 = 200;

/// The wire name of a model (`profile`, `global`, `none`).
pub fn model_name(m: behavior_ml::ModelUsed) -> &'static str {
    match m {
        behavior_ml::ModelUsed::Profile => "profile",
        behavior_ml::ModelUsed::Global => "global",
        behavior_ml::ModelUsed::None => "none",
    }
}

/// Stores one scored window of a session as its `risk` message said it,
/// for the session view; keeps the log bounded.
pub fn log_window(conn: &mut DbConnection, w: &NewSessionWindow<'_>) -> ServiceResult<()> {
    let id = session_windows::insert(conn, w)?;
    if id % WINDOW_PRUNE_EVERY == 0 {
        session_windows::prune(conn, id, SESSION_WINDOWS_KEPT)?;
    }
    Ok(())
}

/// `GET /api/admin/sessions/{id}`: a session, its scored windows in time
/// order and its events (with verdicts).
#[derive(Debug, Clone)]
pub struct SessionView {
    /// The session.
    pub session: MonitoredSessionRow,
    /// Its owner's username.
    pub username: String,
    /// The most recent [`SESSION_VIEW_WINDOWS`] windows, oldest first.
    pub windows: Vec<SessionWindowRow>,
    /// Windows stored for the session.
    pub windows_total: i64,
    /// Its events, oldest first.
    pub events: Vec<events::SecurityEventRow>,
    /// Verdicts on those events, by event id.
    pub feedback: HashMap<i64, feedback::FeedbackRow>,
}

/// The later of two optional times.
fn latest(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    a.max(b)
}

/// The session view (analysts, admins); 404 for an unknown session.
pub async fn session_view(
    svc: &Services,
    caller: &Caller,
    sid: SessionId,
) -> ServiceResult<SessionView> {
    caller.require(Capability::ListUsers)?;
    svc.read(move |conn| {
        let mut session =
            sessions::get(conn, sid)?.ok_or_else(|| ServiceError::not_found("session"))?;
        let username = users::find_by_id(conn, session.user_id)?
            .map(|u| u.username)
            .unwrap_or_default();
        let (windows, windows_total) =
            session_windows::for_session(conn, sid, SESSION_VIEW_WINDOWS)?;
        let filter = events::EventFilter {
            session_id: Some(sid),
            ..Default::default()
        };
        let page = Page {
            limit: SESSION_VIEW_EVENTS,
            offset: 0,
        };
        let oldest_first = Sort {
            field: EventSort::CreatedAt,
            descending: false,
        };
        let found = events::list(conn, &filter, page, Some(oldest_first))?;
        // Last activity: the session row's, or its newest window or event.
        session.last_seen_at = latest(
            latest(session.last_seen_at, windows.last().map(|w| w.created_at)),
            found.items.last().map(|e| e.created_at),
        );
        let ids: Vec<i64> = found.items.iter().map(|e| e.id.get()).collect();
        let feedback = feedback::for_events(conn, &ids)?
            .into_iter()
            .map(|f| (f.event_id, f))
            .collect();
        Ok(SessionView {
            session,
            username,
            windows,
            windows_total,
            events: found.items,
            feedback,
        })
    })
    .await
}

/// One session of a user view, with its window summary.
#[derive(Debug, Clone)]
pub struct UserSession {
    /// The session.
    pub session: MonitoredSessionRow,
    /// Scored windows stored for it.
    pub windows: i64,
    /// Its highest window score.
    pub max_score: Option<f64>,
}

/// A verdict given on an event about the user.
#[derive(Debug, Clone)]
pub struct GivenFeedback {
    /// The verdict.
    pub feedback: feedback::FeedbackRow,
    /// The event's kind.
    pub kind: String,
    /// The event's session.
    pub session_id: Option<String>,
}

/// `GET /api/admin/users/{username}`.
#[derive(Debug, Clone)]
pub struct UserView {
    /// The user, live sessions and profile states.
    pub user: UserOverview,
    /// A page of their sessions, newest first, and how many they have.
    pub sessions: Paged<UserSession>,
    /// Verdicts given on their events, newest first.
    pub feedback: Vec<GivenFeedback>,
}

/// The user view (analysts, admins); 404 for an unknown user.
pub async fn user_view(
    svc: &Services,
    caller: &Caller,
    username: &str,
    page: Page,
) -> ServiceResult<UserView> {
    caller.require(Capability::ListUsers)?;
    let key = Username::key_of(username);
    svc.read(move |conn| {
        let id: UserId = users::find_by_username(conn, &key)?
            .ok_or_else(|| ServiceError::not_found("user"))?
            .id;
        let user = user_overview::get(conn, id)?.ok_or_else(|| ServiceError::not_found("user"))?;
        let (rows, total) = sessions::page_for_user(conn, id, page.limit, page.offset)?;
        let ids: Vec<String> = rows.iter().map(|s| s.id.to_string()).collect();
        let summaries = session_windows::summaries(conn, &ids)?;
        let items = rows
            .into_iter()
            .map(|mut session| {
                let sid = session.id.to_string();
                let summary = summaries.iter().find(|s| s.session_id == sid);
                let (windows, max_score) = summary.map_or((0, None), |s| (s.windows, s.max_score));
                session.last_seen_at =
                    latest(session.last_seen_at, summary.and_then(|s| s.last_at));
                UserSession {
                    session,
                    windows,
                    max_score,
                }
            })
            .collect();
        let feedback = feedback::about_user(conn, id, USER_VIEW_FEEDBACK)?
            .into_iter()
            .map(|(feedback, kind, session_id)| GivenFeedback {
                feedback,
                kind,
                session_id,
            })
            .collect();
        Ok(UserView {
            user,
            sessions: Paged { items, total },
            feedback,
        })
    })
    .await
}
