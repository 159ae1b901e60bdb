//! Failed login attempts per username key, stored in the database so that
//! several server instances share one throttle.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::login_failures;

/// Records one failed attempt for `username_key` (use
/// [`crate::users::username_key`]) at `at`.
pub fn record(conn: &mut DbConnection, username_key: &str, at: NaiveDateTime) -> Result<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::username_key.eq(username_key),
            login_failures::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Number of failures for `username_key` at or after `since`.
pub fn count_since(
    conn: &mut DbConnection,
    username_key: &str,
    since: NaiveDateTime,
) -> Result<i64> {
    Ok(login_failures::table
        .filter(login_failures::username_key.eq(username_key))
        .filter(login_failures::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// Count and oldest time of the failures for `username_key` at or after
/// `since` (the oldest one tells when the window frees up, for
/// `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    /// Number of failures in the window.
    pub count: i64,
    /// Time of the oldest failure in the window, if any.
    pub oldest: Option<NaiveDateTime>,
}

/// See [`FailureWindow`].
pub fn window_since(
    conn: &mut DbConnection,
    username_key: &str,
    since: NaiveDateTime,
) -> Result<FailureWindow> {
    let (count, oldest) = login_failures::table
        .filter(login_failures::username_key.eq(username_key))
        .filter(login_failures::created_at.ge(since))
        .select((count_star(), min(login_failures::created_at)))
        .first::<(i64, Option<NaiveDateTime>)>(conn)?;
    Ok(FailureWindow { count, oldest })
}

/// Deletes all failures of `username_key` (after a successful login);
/// returns how many were deleted.
pub fn clear(conn: &mut DbConnection, username_key: &str) -> Result<usize> {
    Ok(
        diesel::delete(login_failures::table.filter(login_failures::username_key.eq(username_key)))
            .execute(conn)?,
    )
}

/// Deletes failures older than `cutoff` (housekeeping); returns how many.
pub fn prune_older_than(conn: &mut DbConnection, cutoff: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(login_failures::table.filter(login_failures::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}
