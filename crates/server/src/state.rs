//! Shared application state and the bridge from async handlers to the
//! blocking database layer.

use crate::{config::Settings, error::ApiError, realtime::Realtime};
use actix_web::web;
use std::sync::Arc;
use workspace_auth::{JwtKeys, ThrottlePolicy};
use workspace_persistence::{Database, DbConnection, PersistenceError};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database (pool).
    pub db: Database,
    /// Configuration.
    pub settings: Arc<Settings>,
    /// Token keys.
    pub jwt: JwtKeys,
    /// Login throttle rule.
    pub throttle: ThrottlePolicy,
    /// Realtime actors and the global model.
    pub realtime: Realtime,
}

impl From<PersistenceError> for ApiError {
    fn from(e: PersistenceError) -> Self {
        if e.is_unavailable() {
            log::error!("database unavailable: {e}");
            ApiError::unavailable()
        } else if matches!(
            e,
            PersistenceError::NotFound | PersistenceError::ForeignKeyViolation(_)
        ) {
            ApiError::not_found("resource")
        } else if e.is_conflict() {
            ApiError::conflict("That value is already taken.")
        } else {
            ApiError::internal(e)
        }
    }
}

impl AppState {
    /// Runs blocking database work on the blocking thread pool with a pooled
    /// connection.
    pub async fn db<F, T>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        web::block(move || db.run(f)).await?
    }

    /// Like [`AppState::db`] inside one transaction (rolled back on error).
    pub async fn tx<F, T>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        web::block(move || db.transaction(f)).await?
    }
}
