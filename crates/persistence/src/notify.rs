//! Cross-instance signals over PostgreSQL `LISTEN`/`NOTIFY`.
//!
//! Several server instances share one PostgreSQL database; a session ended
//! on one instance must reach a websocket held by another. [`publish`] sends
//! a payload on a channel (delivered when the surrounding transaction
//! commits) and a [`Listener`] on a dedicated connection receives it. On
//! SQLite (one instance) both are no-ops: [`Listener::connect`] answers
//! `None` and [`publish`] does nothing.

use crate::connection::{DatabaseTarget, DbConnection};
use crate::error::{PersistenceError, Result};
use diesel::{pg::PgConnection, sql_types::Text, Connection, RunQueryDsl};

/// The channel on which session control messages (termination, verified
/// challenges) travel between instances.
pub const SESSION_CHANNEL: &str = "workspace_session_control";

/// Sends `payload` to every listener of `channel` (PostgreSQL); nothing on
/// SQLite. Payloads must stay below PostgreSQL's 8,000-byte limit.
pub fn publish(conn: &mut DbConnection, channel: &str, payload: &str) -> Result<()> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel)
            .bind::<Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

/// A dedicated PostgreSQL connection listening on one channel.
pub struct Listener {
    conn: PgConnection,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

impl Listener {
    /// Connects and issues `LISTEN`; `Ok(None)` for SQLite targets.
    pub fn connect(target: &DatabaseTarget, channel: &str) -> Result<Option<Listener>> {
        let DatabaseTarget::Postgres(url) = target else {
            return Ok(None);
        };
        if !channel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(PersistenceError::Config(format!(
                "invalid notification channel name {channel:?}"
            )));
        }
        let mut conn = PgConnection::establish(url)
            .map_err(|e| PersistenceError::Connection(e.to_string()))?;
        diesel::sql_query(format!("LISTEN {channel}")).execute(&mut conn)?;
        Ok(Some(Listener { conn }))
    }

    /// The payloads received since the last call (never blocks).
    pub fn poll(&mut self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for n in self.conn.notifications_iter() {
            out.push(n?.payload);
        }
        Ok(out)
    }
}
