//! The analyst console's user list: users with their live sessions, last
//! activity and behaviour-profile states, in a fixed number of queries per
//! page.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::IntoBoxed;
use diesel::prelude::*;
use workspace_domain::{Page, Paged, Role, UserId};

use crate::connection::{DbConnection, MultiBackend};
use crate::error::Result;
use crate::paging::paged;
use crate::schema::{behavior_profiles, monitored_sessions, users};

/// Filters of [`list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Only usernames containing this text (any case).
    pub q: Option<String>,
    /// Only users of this role.
    pub role: Option<Role>,
}

/// One user of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct UserOverview {
    /// Id.
    pub id: UserId,
    /// Username as typed at registration.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Registration time (UTC).
    pub created_at: NaiveDateTime,
    /// The latest activity of any of the user's monitored sessions.
    pub last_seen_at: Option<NaiveDateTime>,
    /// Monitored sessions not yet ended.
    pub live_sessions: i64,
    /// Profile state per modality (`keystroke`, `mouse`), e.g. `trained`.
    pub profiles: HashMap<String, String>,
}

type Filtered = IntoBoxed<'static, users::table, MultiBackend>;

/// `%text%` for `LIKE … ESCAPE '\'`, with the wildcards of `text` escaped.
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn filtered(filter: &UserFilter) -> Filtered {
    let mut query = users::table.into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(users::username_key.like(contains_pattern(q)).escape('\\'));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    query
}

/// One page of users matching `filter`, by username, and how many match.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    page: Page,
) -> Result<Paged<UserOverview>> {
    let rows: Vec<UserBasics> = filtered(filter)
        .order((users::username_key.asc(), users::id.asc()))
        .limit(page.limit)
        .offset(page.offset)
        .select((users::id, users::username, users::role, users::created_at))
        .load(conn)?;
    let items = overviews(conn, rows)?;
    paged(items, page, || {
        Ok(filtered(filter).count().get_result(conn)?)
    })
}

/// One user's overview, `None` when there is no such user.
pub fn get(conn: &mut DbConnection, id: UserId) -> Result<Option<UserOverview>> {
    let rows: Vec<UserBasics> = users::table
        .filter(users::id.eq(id.get()))
        .select((users::id, users::username, users::role, users::created_at))
        .load(conn)?;
    Ok(overviews(conn, rows)?.into_iter().next())
}

/// (id, username, role, created_at) of a user.
type UserBasics = (i64, String, String, NaiveDateTime);

/// The overviews of some users, in the order given (two queries).
fn overviews(conn: &mut DbConnection, rows: Vec<UserBasics>) -> Result<Vec<UserOverview>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let sessions: Vec<(
        i64,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    )> = monitored_sessions::table
        .filter(monitored_sessions::user_id.eq_any(&ids))
        .select((
            monitored_sessions::user_id,
            monitored_sessions::created_at,
            monitored_sessions::last_seen_at,
            monitored_sessions::ended_at,
        ))
        .load(conn)?;
    let profiles: Vec<(i64, String, String)> = behavior_profiles::table
        .filter(behavior_profiles::user_id.eq_any(&ids))
        .select((
            behavior_profiles::user_id,
            behavior_profiles::modality,
            behavior_profiles::state,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(id, username, role, created_at)| {
            let mine = sessions.iter().filter(|s| s.0 == id);
            let last_seen_at = mine
                .clone()
                .map(|s| s.2.unwrap_or(s.1).max(s.3.unwrap_or(s.1)))
                .max();
            let live_sessions = mine.filter(|s| s.3.is_none()).count();
            UserOverview {
                id: UserId::new(id),
                username,
                role: Role::parse(&role).unwrap_or(Role::User),
                created_at,
                last_seen_at,
                live_sessions: i64::try_from(live_sessions).unwrap_or(i64::MAX),
                profiles: profiles
                    .iter()
                    .filter(|p| p.0 == id)
                    .map(|p| (p.1.clone(), p.2.clone()))
                    .collect(),
            }
        })
        .collect();
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("A_b%"), "%a\\_b\\%%");
        assert_eq!(contains_pattern("x\\"), "%x\\\\%");
    }
}
