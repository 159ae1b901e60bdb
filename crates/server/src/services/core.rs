//! [`Services`]: what every service function gets — the database, token
//! keys, the rules from configuration and the port to live connections —
//! and the two ways to reach the database off the async executor:
//! [`Services::read`] (one connection, no transaction) and
//! [`Services::write`] (one transaction as a [`UnitOfWork`]).

use super::caller_cache::{CallerCache, Invalidating};
use super::error::{ServiceError, ServiceResult};
use super::live::{LiveSessions, Notice, Origin};
use super::origin::RequestOrigin;
use super::unit_of_work::UnitOfWork;
use super::windows::WindowWriter;
use std::sync::Arc;
use workspace_auth::{JwtKeys, ThrottlePolicy};
use workspace_persistence::{Database, DbConnection};

/// Rules taken from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// bcrypt work factor for new hashes (`BCRYPT_COST`).
    pub bcrypt_cost: u32,
    /// The login throttle (`LOGIN_MAX_FAILURES`, `LOGIN_WINDOW_SECONDS`).
    pub throttle: ThrottlePolicy,
    /// Stored behaviour windows kept per modality (4 × `GLOBAL_TRAIN_MAX_SAMPLES`).
    pub windows_kept: i64,
    /// Currency of new projects (`DEFAULT_CURRENCY`).
    pub default_currency: workspace_domain::Currency,
}

/// The parts [`Services`] is built from.
pub struct ServiceParts {
    /// The database.
    pub db: Database,
    /// Token keys.
    pub jwt: JwtKeys,
    /// Rules.
    pub policy: Policy,
    /// `SESSION_MAX_SECONDS`: how long a session (or a chain of refreshed
    /// tokens) lives from its start.
    pub session_max_seconds: i64,
    /// Live connections of this instance.
    pub live: Arc<dyn LiveSessions>,
    /// Random id of this instance (its own notices are ignored when heard back).
    pub instance_id: String,
    /// The behaviour models' settings (the realtime side uses the same).
    pub ml_config: Arc<behavior_ml::Config>,
}

/// Shared by every request and connection; cheap to clone.
#[derive(Clone)]
pub struct Services(Arc<ServiceParts>, Arc<CallerCache>, Arc<WindowWriter>);

impl Services {
    /// Wraps the parts. Every notice reaching `live` (local, or from other
    /// instances through [`Services::live_handle`]) first updates this
    /// instance's [`CallerCache`].
    pub fn new(mut parts: ServiceParts) -> Self {
        let cache = Arc::new(CallerCache::default());
        parts.live = Arc::new(Invalidating {
            cache: cache.clone(),
            inner: parts.live,
        });
        let windows = Arc::new(WindowWriter::start(
            parts.db.clone(),
            parts.policy.windows_kept,
        ));
        Self(Arc::new(parts), cache, windows)
    }

    /// Where connections queue the behaviour windows they store (written in
    /// batches, see [`WindowWriter`]).
    pub fn windows(&self) -> &WindowWriter {
        &self.2
    }

    /// What authentication last read about tokens (see [`CallerCache`]).
    pub fn callers(&self) -> &CallerCache {
        &self.1
    }

    /// The behaviour models' settings.
    pub fn ml_config(&self) -> &Arc<behavior_ml::Config> {
        &self.0.ml_config
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.0.db
    }

    /// Token keys.
    pub fn jwt(&self) -> &JwtKeys {
        &self.0.jwt
    }

    /// Rules from configuration.
    pub fn policy(&self) -> &Policy {
        &self.0.policy
    }

    /// `SESSION_MAX_SECONDS`.
    pub fn session_max_seconds(&self) -> i64 {
        self.0.session_max_seconds
    }

    /// Live connections of this instance.
    pub fn live(&self) -> &dyn LiveSessions {
        self.0.live.as_ref()
    }

    /// The port, shared (for the listener thread).
    pub fn live_handle(&self) -> Arc<dyn LiveSessions> {
        self.0.live.clone()
    }

    /// This instance's id.
    pub fn instance_id(&self) -> &str {
        &self.0.instance_id
    }

    /// Runs `f` on a pooled connection on the blocking thread pool, no
    /// transaction (reads, or a single write).
    pub async fn read<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.0.db.clone();
        let origin = RequestOrigin::current();
        tokio::task::spawn_blocking(move || RequestOrigin::carry(origin, || db.run(f))).await?
    }

    /// Runs `f` in one transaction on the blocking thread pool. Events it
    /// records and notices it raises are part of the transaction (the
    /// notices reach other instances on commit); after the commit the
    /// notices are delivered to this instance's live connections. A
    /// rolled-back unit of work tells nobody anything.
    pub async fn write<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce(&mut UnitOfWork<'_>) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let parts = self.0.clone();
        let origin = RequestOrigin::current();
        let (value, notices) = tokio::task::spawn_blocking(move || {
            RequestOrigin::carry(origin, || {
                parts.db.transaction(|conn| {
                    let mut work = UnitOfWork::new(conn, &parts.instance_id);
                    let value = f(&mut work)?;
                    Ok::<_, ServiceError>((value, work.into_notices()))
                })
            })
        })
        .await??;
        self.deliver_local(&notices);
        Ok(value)
    }

    /// Runs CPU-heavy work (bcrypt) on the blocking thread pool.
    pub async fn blocking<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Ok(tokio::task::spawn_blocking(f).await?)
    }

    /// Tells this instance's connections about notices of a committed
    /// unit of work.
    pub fn deliver_local(&self, notices: &[Notice]) {
        for notice in notices {
            self.0.live.deliver(notice, Origin::Local);
        }
    }
}
