//! The server itself: health.

use super::core::Services;

/// Whether the database answers, and which one it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// `SELECT 1` succeeded within the ping timeout.
    pub database_ok: bool,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
}

/// Pings the database (at most about 2 s).
pub async fn health(svc: &Services) -> Health {
    let db = svc.db().clone();
    let database_ok = svc
        .blocking(move || db.ping().is_ok())
        .await
        .unwrap_or(false);
    Health {
        database_ok,
        backend: svc.db().backend().as_str(),
    }
}
