//! The scored windows of monitored sessions, as sent in `risk` messages:
//! what the analyst console's session view charts. Bounded by
//! [`prune`]: the oldest rows beyond a number kept are deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::{SessionId, UserId};

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::session_windows;

/// A row of `session_windows`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = session_windows)]
pub struct SessionWindowRow {
    /// Id (increasing with insertion).
    pub id: i64,
    /// `seq` of the `behavior` message that closed it (`None`: closed by a pause).
    pub seq: Option<i64>,
    /// `keystroke` or `mouse`.
    pub modality: String,
    /// Score in `[0, 1]`, `None` in learning mode.
    pub score: Option<f64>,
    /// `low`, `medium` or `high`.
    pub level: String,
    /// `profile`, `global` or `none`.
    pub model: String,
    /// Accumulated session risk after it.
    pub session_risk: f64,
    /// The raw reason strings (a JSON array).
    pub reasons: String,
    /// When scored (UTC).
    pub created_at: NaiveDateTime,
}

impl SessionWindowRow {
    /// The reasons as strings (an unreadable value reads as none).
    pub fn reason_list(&self) -> Vec<String> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }
}

/// Data for [`insert`].
#[derive(Debug, Clone)]
pub struct NewSessionWindow<'a> {
    /// The session.
    pub session_id: SessionId,
    /// Its owner.
    pub user_id: UserId,
    /// `seq` of the closing message, if any.
    pub seq: Option<i64>,
    /// `keystroke` or `mouse`.
    pub modality: &'a str,
    /// Score, `None` in learning mode.
    pub score: Option<f64>,
    /// `low`, `medium` or `high`.
    pub level: &'a str,
    /// `profile`, `global` or `none`.
    pub model: &'a str,
    /// Session risk after it.
    pub session_risk: f64,
    /// The reasons as sent.
    pub reasons: &'a [String],
}

#[derive(Insertable)]
#[diesel(table_name = session_windows)]
struct InsertSessionWindow<'a> {
    session_id: String,
    user_id: i64,
    seq: Option<i64>,
    modality: &'a str,
    score: Option<f64>,
    level: &'a str,
    model: &'a str,
    session_risk: f64,
    reasons: String,
    created_at: NaiveDateTime,
}

/// Stores a scored window, timestamped now; returns its id.
pub fn insert(conn: &mut DbConnection, w: &NewSessionWindow<'_>) -> Result<i64> {
    let reasons = serde_json::to_string(w.reasons).unwrap_or_else(|_| "[]".to_owned());
    Ok(diesel::insert_into(session_windows::table)
        .values(&InsertSessionWindow {
            session_id: w.session_id.to_string(),
            user_id: w.user_id.get(),
            seq: w.seq,
            modality: w.modality,
            score: w.score,
            level: w.level,
            model: w.model,
            session_risk: w.session_risk,
            reasons,
            created_at: crate::clock::now_utc(),
        })
        .returning(session_windows::id)
        .get_result(conn)?)
}

/// Deletes the rows older than the `keep` most recent ids before `newest`
/// (one indexed range delete); returns how many.
pub fn prune(conn: &mut DbConnection, newest: i64, keep: i64) -> Result<usize> {
    Ok(
        diesel::delete(session_windows::table.filter(session_windows::id.le(newest - keep.max(1))))
            .execute(conn)?,
    )
}

/// The `limit` most recent windows of a session, oldest first, and how
/// many the session has.
pub fn for_session(
    conn: &mut DbConnection,
    session_id: SessionId,
    limit: i64,
) -> Result<(Vec<SessionWindowRow>, i64)> {
    let sid = session_id.to_string();
    let mut rows: Vec<SessionWindowRow> = session_windows::table
        .filter(session_windows::session_id.eq(&sid))
        .order(session_windows::id.desc())
        .limit(limit.max(0))
        .select(SessionWindowRow::as_select())
        .load(conn)?;
    rows.reverse();
    let total = session_windows::table
        .filter(session_windows::session_id.eq(&sid))
        .count()
        .get_result(conn)?;
    Ok((rows, total))
}

/// Per session of `ids`: windows, highest score, when the last was scored.
pub struct WindowSummary {
    /// The session.
    pub session_id: String,
    /// Windows stored.
    pub windows: i64,
    /// Highest score (`None`: none scored).
    pub max_score: Option<f64>,
    /// When the newest stored window was scored.
    pub last_at: Option<NaiveDateTime>,
}

/// Per session of `ids`: its [`WindowSummary`] (sessions without windows
/// are left out).
pub fn summaries(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<WindowSummary>> {
    use diesel::dsl::{count_star, max};
    let rows: Vec<(String, i64, Option<f64>, Option<NaiveDateTime>)> = session_windows::table
        .filter(session_windows::session_id.eq_any(ids))
        .group_by(session_windows::session_id)
        .select((
            session_windows::session_id,
            count_star(),
            max(session_windows::score),
            max(session_windows::created_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(session_id, windows, max_score, last_at)| WindowSummary {
            session_id,
            windows,
            max_score,
            last_at,
        })
        .collect())
}
