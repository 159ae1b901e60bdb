//! Security events: an append-only audit log, listed newest first.

use chrono::NaiveDateTime;
use diesel::dsl::IntoBoxed;
use diesel::prelude::*;
use workspace_domain::listing::EventSort;
use workspace_domain::{EventId, EventKind, Page, Paged, SessionId, Severity, Sort, UserId};

use crate::connection::{DbConnection, MultiBackend};
use crate::error::Result;
use crate::paging::paged;
use crate::schema::security_events;
use crate::sql::lower_nullable;

/// A row of `security_events`.
///
/// `kind` stays the stored text: another instance running a newer version
/// may have written a kind this one does not know, and listing must not
/// fail on it. Writes take an [`EventKind`].
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = security_events)]
pub struct SecurityEventRow {
    /// Id.
    #[diesel(deserialize_as = i64)]
    pub id: EventId,
    /// Kind, e.g. `login_failed`.
    pub kind: String,
    /// Severity.
    #[diesel(deserialize_as = String)]
    pub severity: Severity,
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
    /// Client address of the request that caused it, if any.
    pub ip: Option<String>,
    /// `User-Agent` of that request, if any.
    pub user_agent: Option<String>,
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
    /// Kind.
    pub kind: EventKind,
    /// Severity.
    pub severity: Severity,
    /// The user concerned, if known.
    pub user_id: Option<UserId>,
    /// The username concerned, if known.
    pub username: Option<&'a str>,
    /// Monitored session id, if any.
    pub session_id: Option<SessionId>,
    /// Risk score, if any.
    pub risk_score: Option<f64>,
    /// Detail object (serialised to text).
    pub detail: &'a serde_json::Value,
    /// Client address, if known.
    pub ip: Option<&'a str>,
    /// `User-Agent`, if known.
    pub user_agent: Option<&'a str>,
}

#[derive(Insertable)]
#[diesel(table_name = security_events)]
struct InsertEvent<'a> {
    kind: &'a str,
    severity: &'a str,
    user_id: Option<i64>,
    username: Option<&'a str>,
    session_id: Option<String>,
    risk_score: Option<f64>,
    detail: String,
    created_at: NaiveDateTime,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
}

/// Appends an event, timestamped now.
pub fn insert(conn: &mut DbConnection, event: &NewSecurityEvent<'_>) -> Result<SecurityEventRow> {
    let row = InsertEvent {
        kind: event.kind.as_str(),
        severity: event.severity.as_str(),
        user_id: event.user_id.map(UserId::get),
        username: event.username,
        session_id: event.session_id.map(|s| s.to_string()),
        risk_score: event.risk_score,
        detail: serde_json::to_string(event.detail)?,
        created_at: crate::clock::now_utc(),
        ip: event.ip,
        user_agent: event.user_agent,
    };
    Ok(diesel::insert_into(security_events::table)
        .values(&row)
        .returning(security_events::all_columns)
        .get_result(conn)?)
}

/// Filters for [`list`]; every field narrows the list when set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only events of this username (case-insensitive).
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

type Filtered<'a> = IntoBoxed<'a, security_events::table, MultiBackend>;

fn filtered(filter: &EventFilter) -> Filtered<'static> {
    let mut query = security_events::table.into_boxed();
    if let Some(username) = &filter.username {
        query = query.filter(lower_nullable(security_events::username).eq(username.to_lowercase()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(security_events::kind.eq(kind.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(security_events::created_at.ge(since));
    }
    if let Some(severity) = filter.severity {
        query = query.filter(security_events::severity.eq(severity.as_str()));
    }
    if let Some(sid) = filter.session_id {
        query = query.filter(security_events::session_id.eq(sid.to_string()));
    }
    query
}

/// A keyset page: at most `limit` events matching `filter` with an id
/// below `before` (all when `None`), highest id first; whether more
/// remain after them; and how many match `filter` ignoring the keyset.
pub fn list_before(
    conn: &mut DbConnection,
    filter: &EventFilter,
    before: Option<EventId>,
    limit: i64,
) -> Result<(Paged<SecurityEventRow>, bool)> {
    let mut query = filtered(filter);
    if let Some(before) = before {
        query = query.filter(security_events::id.lt(before.get()));
    }
    let mut items: Vec<SecurityEventRow> = query
        .order(security_events::id.desc())
        .limit(limit.saturating_add(1))
        .select(SecurityEventRow::as_select())
        .load(conn)?;
    let more = items.len() as i64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(0));
    let total = filtered(filter).count().get_result(conn)?;
    Ok((Paged { items, total }, more))
}

/// One event by id.
pub fn get(conn: &mut DbConnection, id: EventId) -> Result<Option<SecurityEventRow>> {
    Ok(security_events::table
        .find(id.get())
        .select(SecurityEventRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of the events matching `filter`, newest first unless `sort`
/// says otherwise (ties broken by id in the same direction), and how many
/// match.
pub fn list(
    conn: &mut DbConnection,
    filter: &EventFilter,
    page: Page,
    sort: Option<Sort<EventSort>>,
) -> Result<Paged<SecurityEventRow>> {
    let ascending = sort.is_some_and(|s| s.field == EventSort::CreatedAt && !s.descending);
    let query = filtered(filter);
    let query = if ascending {
        query.order((security_events::created_at.asc(), security_events::id.asc()))
    } else {
        query.order((
            security_events::created_at.desc(),
            security_events::id.desc(),
        ))
    };
    let items = query
        .limit(page.limit)
        .offset(page.offset)
        .select(SecurityEventRow::as_select())
        .load(conn)?;
    paged(items, page, || {
        Ok(filtered(filter).count().get_result(conn)?)
    })
}

/// Number of stored events (all kinds).
pub fn count(conn: &mut DbConnection) -> Result<i64> {
    Ok(security_events::table.count().get_result(conn)?)
}
