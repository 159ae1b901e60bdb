//! Persistence for Freelancer Workspace: the diesel schema, row types,
//! repositories, an r2d2 pool over SQLite **or** PostgreSQL behind one
//! connection type ([`DbConnection`], a diesel `MultiConnection`), the
//! embedded migrations of both backends and test-database helpers
//! ([`testing::TestDb`]).
//!
//! # Usage
//!
//! ```no_run
//! use std::path::Path;
//! use workspace_persistence::{users, Database, PersistenceError};
//!
//! # fn main() -> Result<(), PersistenceError> {
//! // Backend from DATABASE_URL; empty/unset → SQLite file at DB_PATH.
//! let db = Database::connect(None, Path::new("./data/workspace.db"), 8)?;
//! // Blocking: in actix call this inside `web::block`.
//! let user = db.run(|conn| users::find_by_username(conn, "Alice"))?;
//! # let _ = user;
//! # Ok(())
//! # }
//! ```
//!
//! # Conventions
//!
//! * Every repository function takes `&mut DbConnection` and returns
//!   [`Result<_, PersistenceError>`](PersistenceError).
//! * Lookups (`find_*`, `get*`) return `Ok(None)` when the row does not exist;
//!   updates and deletes of a missing row return
//!   [`PersistenceError::NotFound`].
//! * Enum-like columns (roles, statuses, kinds…) are plain `String`s; the
//!   server converts them to domain types. Times are UTC
//!   [`chrono::NaiveDateTime`]s; use [`now_utc`] for "now" (microsecond
//!   precision, identical on both backends).
//! * Lists are ordered stably: projects, tasks and users by ascending id
//!   (creation order), security events newest first.
//! * Atomic multi-step work goes through [`transaction`] /
//!   [`Database::transaction`].

pub mod behavior;
pub mod connection;
pub mod error;
pub mod events;
pub mod login_failures;
pub mod projects;
pub mod schema;
pub mod sessions;
pub mod tasks;
pub mod testing;
pub mod users;

pub use connection::{
    run_migrations, transaction, Backend, Database, DatabaseTarget, DbConnection, DbPool,
    PoolOptions, PooledConnection,
};
pub use error::{PersistenceError, Result};

use chrono::{NaiveDateTime, Timelike, Utc};

/// The current UTC time, truncated to microseconds (PostgreSQL's precision),
/// so values read back are equal on both backends.
pub fn now_utc() -> NaiveDateTime {
    truncate_to_micros(Utc::now().naive_utc())
}

/// Truncates a timestamp to microsecond precision.
pub fn truncate_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond();
    t.with_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// Clamps a caller-supplied page size / offset into a safe range
/// (`limit` in `1..=max`, `offset >= 0`).
pub fn clamp_page(limit: i64, offset: i64, max: i64) -> (i64, i64) {
    (limit.clamp(1, max.max(1)), offset.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_micro_precision() {
        assert_eq!(now_utc().nanosecond() % 1_000, 0);
    }

    #[test]
    fn clamp_page_bounds() {
        assert_eq!(clamp_page(0, -5, 500), (1, 0));
        assert_eq!(clamp_page(10_000, 3, 500), (500, 3));
        assert_eq!(clamp_page(50, 0, 500), (50, 0));
    }
}
