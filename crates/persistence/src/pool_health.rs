//! What the pool knows about a PostgreSQL connection without asking the
//! server: when it was last handed back, and whether a statement on it
//! failed because the connection was lost.
//!
//! Pinging (`SELECT 1`) on every checkout was a full round trip per request
//! (issue 14). Instead a connection is pinged on checkout only when it sat
//! idle for longer than [`PING_AFTER_IDLE`]: a connection in steady use is
//! known good from its last statement, and one whose statement failed with
//! a lost connection is marked here and discarded when it is handed back
//! (r2d2's `has_broken`), so the pool replaces it. After a PostgreSQL
//! restart or outage, a connection used in the last [`PING_AFTER_IDLE`]
//! fails its first statement once (answered 503; a transaction whose
//! `BEGIN` fails that way is retried on another connection, see
//! [`crate::connection::Database::transaction`]), and is then replaced.

use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A pooled PostgreSQL connection idle for longer than this is pinged on
/// checkout. Under load connections come back within milliseconds, so the
/// ping disappears from the request path; a quiet server still checks a
/// connection that may have gone away in the meantime.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Per-connection state, installed as the connection's diesel
/// instrumentation (so it sees every statement's outcome) and read back by
/// the connection manager through a downcast.
#[derive(Debug)]
pub(crate) struct ConnectionHealth {
    lost: bool,
    idle_since: Instant,
}

impl ConnectionHealth {
    /// A freshly opened connection: good, idle from now.
    pub(crate) fn new() -> Self {
        Self {
            lost: false,
            idle_since: Instant::now(),
        }
    }

    /// A statement on this connection failed because the connection was lost.
    pub(crate) fn is_lost(&self) -> bool {
        self.lost
    }

    /// The connection is handed back to the pool now.
    pub(crate) fn returned(&mut self) {
        self.idle_since = Instant::now();
    }

    /// The connection was handed back less than [`PING_AFTER_IDLE`] ago.
    pub(crate) fn recently_used(&self) -> bool {
        self.idle_since.elapsed() < PING_AFTER_IDLE
    }
}

impl Instrumentation for ConnectionHealth {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { error, .. } = event {
            self.finished(error);
        }
    }
}

impl ConnectionHealth {
    /// A statement finished, with `error` when it failed.
    fn finished(&mut self, error: Option<&DieselError>) {
        if error.is_some_and(is_connection_lost) {
            self.lost = true;
        }
    }
}

/// `true` when `err` says the connection to the server is gone (closed by
/// the server, reset, or a statement could not be sent at all).
pub(crate) fn is_connection_lost(err: &DieselError) -> bool {
    matches!(
        err,
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connection_errors_mark_the_connection_lost() {
        let mut health = ConnectionHealth::new();
        let unique = DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate".to_owned()),
        );
        health.finished(None);
        health.finished(Some(&unique));
        assert!(!health.is_lost());
        for kind in [
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::UnableToSendCommand,
        ] {
            let mut health = ConnectionHealth::new();
            let err = DieselError::DatabaseError(kind, Box::new("gone".to_owned()));
            health.finished(Some(&err));
            assert!(health.is_lost());
        }
    }

    #[test]
    fn a_returned_connection_counts_as_recently_used() {
        let mut health = ConnectionHealth::new();
        health.idle_since = Instant::now() - PING_AFTER_IDLE * 2;
        assert!(!health.recently_used());
        health.returned();
        assert!(health.recently_used());
    }
}
