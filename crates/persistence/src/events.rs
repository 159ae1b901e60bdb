//! Security events: an append-only audit log, listed newest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::security_events;

diesel::define_sql_function! {
    /// SQL `lower()`, available on both backends.
    fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// A row of `security_events`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = security_events)]
pub struct SecurityEventRow {
    /// Id.
    pub id: i64,
    /// Kind, e.g. `login_failed`.
    pub kind: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// The user concerned; `None` when unknown or since deleted.
    pub user_id: Option<i64>,
    /// The username concerned (kept after the user is deleted).
    pub username: Option<String>,
    /// Monitored session id, if any.
    pub session_id: Option<String>,
    /// Risk score, if any.
    pub risk_score: Option<f64>,
    /// JSON object as text; see [`SecurityEventRow::detail_json`].
    pub detail: String,
    /// When it happened (UTC).
    pub created_at: NaiveDateTime,
}

impl SecurityEventRow {
    /// `detail` parsed as JSON; an empty object if it is not valid JSON.
    pub fn detail_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.detail)
            .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()))
    }
}

/// Data for [`insert`]. Never put passwords, hashes or tokens in `detail`.
#[derive(Debug, Clone, Copy)]
pub struct NewSecurityEvent<'a> {
    /// Kind, e.g. `login_failed`.
    pub kind: &'a str,
    /// `info`, `warning` or `critical`.
    pub severity: &'a str,
    /// The user concerned, if known.
    pub user_id: Option<i64>,
    /// The username concerned, if known.
    pub username: Option<&'a str>,
    /// Monitored session id, if any.
    pub session_id: Option<&'a str>,
    /// Risk score, if any.
    pub risk_score: Option<f64>,
    /// Detail object (serialised to text).
    pub detail: &'a serde_json::Value,
}

#[derive(Insertable)]
#[diesel(table_name = security_events)]
struct InsertEvent<'a> {
    kind: &'a str,
    severity: &'a str,
    user_id: Option<i64>,
    username: Option<&'a str>,
    session_id: Option<&'a str>,
    risk_score: Option<f64>,
    detail: String,
    created_at: NaiveDateTime,
}

/// Appends an event, timestamped now.
pub fn insert(conn: &mut DbConnection, event: &NewSecurityEvent<'_>) -> Result<SecurityEventRow> {
    let row = InsertEvent {
        kind: event.kind,
        severity: event.severity,
        user_id: event.user_id,
        username: event.username,
        session_id: event.session_id,
        risk_score: event.risk_score,
        detail: serde_json::to_string(event.detail)?,
        created_at: crate::now_utc(),
    };
    Ok(diesel::insert_into(security_events::table)
        .values(&row)
        .returning(security_events::all_columns)
        .get_result(conn)?)
}

/// Filters for [`list`]; all optional except `limit`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only events of this username (case-insensitive).
    pub username: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
    /// Only events at or after this time (UTC).
    pub since: Option<NaiveDateTime>,
    /// At most this many events (values below 1 are treated as 1).
    pub limit: i64,
    /// Skip this many (paging).
    pub offset: i64,
}

/// Events matching `filter`, newest first (`created_at` desc, then id desc).
pub fn list(conn: &mut DbConnection, filter: &EventFilter) -> Result<Vec<SecurityEventRow>> {
    let mut query = security_events::table
        .order((
            security_events::created_at.desc(),
            security_events::id.desc(),
        ))
        .limit(filter.limit.max(1))
        .offset(filter.offset.max(0))
        .select(SecurityEventRow::as_select())
        .into_boxed();
    if let Some(username) = &filter.username {
        query = query.filter(lower(security_events::username).eq(username.to_lowercase()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(security_events::kind.eq(kind.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(security_events::created_at.ge(since));
    }
    Ok(query.load(conn)?)
}

/// Number of stored events (all kinds).
pub fn count(conn: &mut DbConnection) -> Result<i64> {
    Ok(security_events::table.count().get_result(conn)?)
}
