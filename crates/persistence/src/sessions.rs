//! Behaviourally monitored sessions (`id` is a UUID string).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::monitored_sessions;

/// A row of `monitored_sessions`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = monitored_sessions)]
pub struct MonitoredSessionRow {
    /// Session id (UUID string).
    pub id: String,
    /// User id.
    pub user_id: i64,
    /// Start time (UTC).
    pub created_at: NaiveDateTime,
    /// Last activity, if recorded.
    pub last_seen_at: Option<NaiveDateTime>,
    /// End time; `None` while the session is live.
    pub ended_at: Option<NaiveDateTime>,
    /// Why it ended: `logout`, `anomaly`, `admin`, `challenge_failed`, …
    pub end_reason: Option<String>,
}

impl MonitoredSessionRow {
    /// `true` while the session has not ended.
    pub fn is_active(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// Records a new live session with id `id` (e.g. a fresh UUID v4 string).
/// [`crate::PersistenceError::Conflict`] if the id exists,
/// [`crate::PersistenceError::ForeignKeyViolation`] for an unknown user.
pub fn create(conn: &mut DbConnection, id: &str, user_id: i64) -> Result<MonitoredSessionRow> {
    let row = MonitoredSessionRow {
        id: id.to_owned(),
        user_id,
        created_at: crate::now_utc(),
        last_seen_at: None,
        ended_at: None,
        end_reason: None,
    };
    diesel::insert_into(monitored_sessions::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// The session with this id, if any (ended or not).
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<MonitoredSessionRow>> {
    Ok(monitored_sessions::table
        .find(id)
        .select(MonitoredSessionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Sets `last_seen_at` of a live session. Returns `false` when the session
/// does not exist or has ended.
pub fn touch(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id)
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set(monitored_sessions::last_seen_at.eq(at))
    .execute(conn)?;
    Ok(n > 0)
}

/// Ends a session now with `reason`, only if it has not ended yet.
/// Returns `true` when this call ended it, `false` when it was already
/// ended or does not exist (idempotent; the first reason wins).
pub fn end(conn: &mut DbConnection, id: &str, reason: &str) -> Result<bool> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id)
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set((
        monitored_sessions::ended_at.eq(crate::now_utc()),
        monitored_sessions::end_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Ends every live session of a user with `reason`; returns how many ended.
pub fn end_all_for_user(conn: &mut DbConnection, user_id: i64, reason: &str) -> Result<usize> {
    Ok(diesel::update(
        monitored_sessions::table
            .filter(monitored_sessions::user_id.eq(user_id))
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set((
        monitored_sessions::ended_at.eq(crate::now_utc()),
        monitored_sessions::end_reason.eq(reason),
    ))
    .execute(conn)?)
}

/// Live sessions of a user, oldest first.
pub fn list_active_for_user(
    conn: &mut DbConnection,
    user_id: i64,
) -> Result<Vec<MonitoredSessionRow>> {
    Ok(monitored_sessions::table
        .filter(monitored_sessions::user_id.eq(user_id))
        .filter(monitored_sessions::ended_at.is_null())
        .order((
            monitored_sessions::created_at.asc(),
            monitored_sessions::id.asc(),
        ))
        .select(MonitoredSessionRow::as_select())
        .load(conn)?)
}

/// Live sessions of all users, oldest first, at most `limit` (e.g. for a
/// monitor that must see sessions held by other server instances).
pub fn list_active(conn: &mut DbConnection, limit: i64) -> Result<Vec<MonitoredSessionRow>> {
    Ok(monitored_sessions::table
        .filter(monitored_sessions::ended_at.is_null())
        .order((
            monitored_sessions::created_at.asc(),
            monitored_sessions::id.asc(),
        ))
        .limit(limit.max(0))
        .select(MonitoredSessionRow::as_select())
        .load(conn)?)
}
