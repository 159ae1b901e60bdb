//! Behaviourally monitored sessions (`id` is a UUID string).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::{EndReason, SessionId, UserId};

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::monitored_sessions;

/// A row of `monitored_sessions`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = monitored_sessions)]
pub struct MonitoredSessionRow {
    /// Session id.
    #[diesel(deserialize_as = String)]
    pub id: SessionId,
    /// User id.
    #[diesel(deserialize_as = i64)]
    pub user_id: UserId,
    /// Start time (UTC).
    pub created_at: NaiveDateTime,
    /// Last activity, if recorded.
    pub last_seen_at: Option<NaiveDateTime>,
    /// End time; `None` while the session is live.
    pub ended_at: Option<NaiveDateTime>,
    /// Why it ended, as stored (an [`EndReason`] name; see
    /// [`MonitoredSessionRow::reason`]).
    pub end_reason: Option<String>,
    /// Client address at start.
    pub ip: Option<String>,
    /// `User-Agent` at start.
    pub user_agent: Option<String>,
    /// Tokens of a lower generation are refused (raised by a passed challenge).
    pub token_generation: i32,
    /// Wrong challenge answers so far.
    pub challenge_failures: i32,
    /// An open challenge must be answered by then; `None`: none is open.
    pub challenge_deadline: Option<NaiveDateTime>,
}

impl MonitoredSessionRow {
    /// `true` while the session has not ended.
    pub fn is_active(&self) -> bool {
        self.ended_at.is_none()
    }

    /// The end reason, when it is one this version knows.
    pub fn reason(&self) -> Option<EndReason> {
        self.end_reason.as_deref().and_then(|r| r.parse().ok())
    }
}

#[derive(Insertable)]
#[diesel(table_name = monitored_sessions)]
struct InsertSession<'a> {
    id: String,
    user_id: i64,
    created_at: NaiveDateTime,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
}

/// Where a session was started from (both optional).
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// Client address.
    pub ip: Option<&'a str>,
    /// `User-Agent`.
    pub user_agent: Option<&'a str>,
}

/// Records a new live session with id `id`.
/// [`crate::error::PersistenceError::Conflict`] if the id exists,
/// [`crate::error::PersistenceError::ForeignKeyViolation`] for an unknown user.
pub fn create(
    conn: &mut DbConnection,
    id: SessionId,
    user_id: UserId,
) -> Result<MonitoredSessionRow> {
    create_from(conn, id, user_id, Origin::default())
}

/// Like [`create`], storing where the session was started from.
pub fn create_from(
    conn: &mut DbConnection,
    id: SessionId,
    user_id: UserId,
    origin: Origin<'_>,
) -> Result<MonitoredSessionRow> {
    let created_at = crate::clock::now_utc();
    diesel::insert_into(monitored_sessions::table)
        .values(&InsertSession {
            id: id.to_string(),
            user_id: user_id.get(),
            created_at,
            ip: origin.ip,
            user_agent: origin.user_agent,
        })
        .execute(conn)?;
    Ok(MonitoredSessionRow {
        id,
        user_id,
        created_at,
        last_seen_at: None,
        ended_at: None,
        end_reason: None,
        ip: origin.ip.map(str::to_owned),
        user_agent: origin.user_agent.map(str::to_owned),
        token_generation: 0,
        challenge_failures: 0,
        challenge_deadline: None,
    })
}

/// Every session of a user (live and ended), newest first.
pub fn list_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<MonitoredSessionRow>> {
    Ok(monitored_sessions::table
        .filter(monitored_sessions::user_id.eq(user_id.get()))
        .order((
            monitored_sessions::created_at.desc(),
            monitored_sessions::id.desc(),
        ))
        .select(MonitoredSessionRow::as_select())
        .load(conn)?)
}

/// A passed challenge on a live session: raises `token_generation` (older
/// tokens are refused from then on) and clears `challenge_failures` and
/// the challenge deadline.
/// Returns the new generation, `None` when the session is not live.
pub fn advance_generation(conn: &mut DbConnection, id: SessionId) -> Result<Option<i32>> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id.to_string())
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set((
        monitored_sessions::token_generation.eq(monitored_sessions::token_generation + 1),
        monitored_sessions::challenge_failures.eq(0),
        monitored_sessions::challenge_deadline.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(get(conn, id)?.map(|s| s.token_generation))
}

/// Opens a challenge on a live session: it must be answered by `deadline`
/// (an open one keeps its earlier deadline). Returns whether the session is live.
pub fn open_challenge(
    conn: &mut DbConnection,
    id: SessionId,
    deadline: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id.to_string())
            .filter(monitored_sessions::ended_at.is_null())
            .filter(monitored_sessions::challenge_deadline.is_null()),
    )
    .set(monitored_sessions::challenge_deadline.eq(Some(deadline)))
    .execute(conn)?;
    Ok(n > 0)
}

/// Counts one wrong challenge answer on a live session; returns the count
/// (`None` when the session is not live).
pub fn add_challenge_failure(conn: &mut DbConnection, id: SessionId) -> Result<Option<i32>> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id.to_string())
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set(monitored_sessions::challenge_failures.eq(monitored_sessions::challenge_failures + 1))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(get(conn, id)?.map(|s| s.challenge_failures))
}

/// The session with this id, if any (ended or not).
pub fn get(conn: &mut DbConnection, id: SessionId) -> Result<Option<MonitoredSessionRow>> {
    Ok(monitored_sessions::table
        .find(id.to_string())
        .select(MonitoredSessionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Sets `last_seen_at` of a live session. Returns `false` when the session
/// does not exist or has ended.
pub fn touch(conn: &mut DbConnection, id: SessionId, at: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id.to_string())
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set(monitored_sessions::last_seen_at.eq(at))
    .execute(conn)?;
    Ok(n > 0)
}

/// Ends a session now with `reason`, only if it has not ended yet.
/// Returns `true` when this call ended it, `false` when it was already
/// ended or does not exist (idempotent; the first reason wins).
pub fn end(conn: &mut DbConnection, id: SessionId, reason: EndReason) -> Result<bool> {
    let n = diesel::update(
        monitored_sessions::table
            .find(id.to_string())
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set((
        monitored_sessions::ended_at.eq(crate::clock::now_utc()),
        monitored_sessions::end_reason.eq(reason.as_str()),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Ends every live session of a user with `reason`; returns how many ended.
pub fn end_all_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    reason: EndReason,
) -> Result<usize> {
    Ok(diesel::update(
        monitored_sessions::table
            .filter(monitored_sessions::user_id.eq(user_id.get()))
            .filter(monitored_sessions::ended_at.is_null()),
    )
    .set((
        monitored_sessions::ended_at.eq(crate::clock::now_utc()),
        monitored_sessions::end_reason.eq(reason.as_str()),
    ))
    .execute(conn)?)
}

/// Live sessions of a user, oldest first.
pub fn list_active_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
) -> Result<Vec<MonitoredSessionRow>> {
    Ok(monitored_sessions::table
        .filter(monitored_sessions::user_id.eq(user_id.get()))
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

/// One page of a user's sessions, newest first, and how many they have.
pub fn page_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MonitoredSessionRow>, i64)> {
    let rows = monitored_sessions::table
        .filter(monitored_sessions::user_id.eq(user_id.get()))
        .order((
            monitored_sessions::created_at.desc(),
            monitored_sessions::id.desc(),
        ))
        .limit(limit.max(0))
        .offset(offset.max(0))
        .select(MonitoredSessionRow::as_select())
        .load(conn)?;
    let total = monitored_sessions::table
        .filter(monitored_sessions::user_id.eq(user_id.get()))
        .count()
        .get_result(conn)?;
    Ok((rows, total))
}
