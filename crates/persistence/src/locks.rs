//! Cluster-wide locks for work that one instance should do at a time (the
//! periodic global-model training). On PostgreSQL a session-level advisory
//! lock held on one pooled connection; on SQLite, which several instances can
//! only share as one file on one host, the caller's freshness check and the
//! database's own write lock are enough, so the lock is always granted.

use crate::{connection::DbConnection, error::Result};
use diesel::{sql_types::BigInt, QueryableByName, RunQueryDsl};

/// Advisory lock keys (one per kind of work; arbitrary but fixed).
pub mod keys {
    /// The periodic global-model training.
    pub const GLOBAL_TRAINING: i64 = 0x5753_5452_4149_4e00; // "WSTRAIN\0"
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Runs `f` while holding the cluster lock `key`, or answers `Ok(None)`
/// without running it when another instance holds it. The lock is released
/// when `f` returns (also on error); should the connection die, PostgreSQL
/// releases it itself.
pub fn with_lock<T, E>(
    conn: &mut DbConnection,
    key: i64,
    f: impl FnOnce() -> std::result::Result<T, E>,
) -> std::result::Result<Option<T>, E>
where
    E: From<crate::PersistenceError>,
{
    let DbConnection::Postgresql(_) = conn else {
        return f().map(Some);
    };
    if !try_lock(conn, key)? {
        return Ok(None);
    }
    let out = f();
    unlock(conn, key)?;
    out.map(Some)
}

fn try_lock(conn: &mut DbConnection, key: i64) -> Result<bool> {
    let row: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<BigInt, _>(key)
        .get_result(conn)?;
    Ok(row.locked)
}

fn unlock(conn: &mut DbConnection, key: i64) -> Result<()> {
    let _: Locked = diesel::sql_query("SELECT pg_advisory_unlock($1) AS locked")
        .bind::<BigInt, _>(key)
        .get_result(conn)?;
    Ok(())
}
