//! Analysts' verdicts on security events, and the windows they mark.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::{EventId, SessionId, UserId};

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::{behavior_windows, event_feedback, security_events};

/// A row of `event_feedback`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = event_feedback)]
pub struct FeedbackRow {
    /// The event.
    pub event_id: i64,
    /// `owner` or `intruder`.
    pub verdict: String,
    /// The analyst.
    pub by_username: String,
    /// Optional note.
    pub note: Option<String>,
    /// When given (UTC).
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = event_feedback)]
struct InsertFeedback<'a> {
    event_id: i64,
    verdict: &'a str,
    by_username: &'a str,
    note: Option<&'a str>,
    created_at: NaiveDateTime,
}

/// Stores (or replaces) the verdict on an event.
pub fn set(
    conn: &mut DbConnection,
    event_id: EventId,
    verdict: &str,
    by: &str,
    note: Option<&str>,
) -> Result<FeedbackRow> {
    diesel::delete(event_feedback::table.find(event_id.get())).execute(conn)?;
    diesel::insert_into(event_feedback::table)
        .values(&InsertFeedback {
            event_id: event_id.get(),
            verdict,
            by_username: by,
            note,
            created_at: crate::clock::now_utc(),
        })
        .execute(conn)?;
    Ok(event_feedback::table
        .find(event_id.get())
        .select(FeedbackRow::as_select())
        .first(conn)?)
}

/// The verdicts on some events.
pub fn for_events(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<FeedbackRow>> {
    Ok(event_feedback::table
        .filter(event_feedback::event_id.eq_any(ids))
        .select(FeedbackRow::as_select())
        .load(conn)?)
}

/// Marks (or unmarks) a session's stored windows as an intruder's; returns
/// how many rows changed.
pub fn mark_session_windows(
    conn: &mut DbConnection,
    session_id: SessionId,
    intruder: bool,
) -> Result<usize> {
    Ok(diesel::update(
        behavior_windows::table.filter(behavior_windows::session_id.eq(session_id.to_string())),
    )
    .set(behavior_windows::intruder.eq(intruder))
    .execute(conn)?)
}

/// The verdicts given on events about a user, newest first (at most
/// `limit`), each with the event's kind and session.
pub fn about_user(
    conn: &mut DbConnection,
    user_id: UserId,
    limit: i64,
) -> Result<Vec<(FeedbackRow, String, Option<String>)>> {
    Ok(event_feedback::table
        .inner_join(security_events::table)
        .filter(security_events::user_id.eq(user_id.get()))
        .order(event_feedback::created_at.desc())
        .limit(limit.max(0))
        .select((
            FeedbackRow::as_select(),
            security_events::kind,
            security_events::session_id,
        ))
        .load(conn)?)
}
