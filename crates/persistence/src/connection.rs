//! Connections, the pool, migrations and transaction helpers.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{PersistenceError, Result};
use crate::pool_health::{is_connection_lost, ConnectionHealth};

/// Migrations for SQLite, embedded from `migrations/sqlite`.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
/// Migrations for PostgreSQL, embedded from `migrations/postgres`.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// How long a pooled checkout waits before the database counts as unavailable.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`Database::ping`] waits for a connection.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// SQLite `busy_timeout` set on every connection, in milliseconds.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 5000;

/// Key of the PostgreSQL advisory lock held while migrations run, so that
/// several server instances starting at once migrate one after the other.
const MIGRATION_LOCK_KEY: i64 = 0x5753_504d_4947; // "WSPMIG"

pub use multi::{DbConnection, MultiBackend};

// The derive generates public helper items (the `MultiBackend` type and its
// plumbing) next to the enum; keep them in their own module.
mod multi {
    #![allow(missing_docs)]

    use diesel::{PgConnection, SqliteConnection};

    /// One connection to either backend. Use it as any diesel connection;
    /// where SQL must differ per backend, match on the variant (this crate
    /// does so in [`crate::behavior::upsert_profile`],
    /// [`crate::users::change_role`] and [`transaction`](super::transaction)).
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// A PostgreSQL connection.
        Postgresql(PgConnection),
        /// A SQLite connection.
        Sqlite(SqliteConnection),
    }
}

impl DbConnection {
    /// The backend of this connection.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgresql(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// The database backend in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite file database.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `"sqlite"` or `"postgres"` (the value of `/health`'s `database` field).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the database lives, as chosen by [`DatabaseTarget::resolve`].
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A PostgreSQL connection URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
    /// A SQLite database file.
    Sqlite(PathBuf),
}

impl fmt::Debug for DatabaseTarget {
    // The URL may contain a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(_) => f.write_str("Postgres(<url redacted>)"),
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
        }
    }
}

impl DatabaseTarget {
    /// Chooses the backend from `DATABASE_URL`: `postgres://` or
    /// `postgresql://` → PostgreSQL; unset or blank → SQLite at `db_path`;
    /// `sqlite://<path>` or `sqlite:<path>` → SQLite at that path. Any other
    /// value is a [`PersistenceError::Config`] error.
    pub fn resolve(database_url: Option<&str>, db_path: &Path) -> Result<Self> {
        let url = database_url.map(str::trim).unwrap_or_default();
        if url.is_empty() {
            return Ok(Self::Sqlite(db_path.to_path_buf()));
        }
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        for prefix in ["sqlite://", "sqlite:"] {
            if lower.starts_with(prefix) {
                let path = &url[prefix.len()..];
                if path.is_empty() {
                    break;
                }
                return Ok(Self::Sqlite(PathBuf::from(path)));
            }
        }
        Err(PersistenceError::Config(
            "DATABASE_URL must start with postgres:// or postgresql:// (or be empty for SQLite)"
                .to_owned(),
        ))
    }

    /// The backend of this target.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Opens one connection (SQLite pragmas applied), outside any pool.
    pub fn establish(&self) -> Result<DbConnection> {
        match self {
            Self::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgresql)
                .map_err(|e| PersistenceError::Connection(e.to_string())),
            Self::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    PersistenceError::Config("DB_PATH is not valid UTF-8".to_owned())
                })?;
                let mut conn = SqliteConnection::establish(path)
                    .map_err(|e| PersistenceError::Connection(e.to_string()))?;
                apply_sqlite_pragmas(&mut conn)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// WAL, busy timeout and foreign keys; run on every new SQLite connection.
fn apply_sqlite_pragmas(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
         PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON;"
    ))
}

/// Makes a newly created SQLite file readable by its owner only (it holds
/// password hashes); SQLite gives the `-wal`/`-shm` files the same mode.
#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(err) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        log::warn!("cannot restrict permissions of {}: {err}", path.display());
    }
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

/// r2d2 connection manager that opens exactly the configured backend
/// (diesel's generic manager would try PostgreSQL, then fall back to SQLite).
#[derive(Clone)]
pub struct DbConnectionManager {
    target: DatabaseTarget,
}

impl fmt::Debug for DbConnectionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbConnectionManager")
            .field("target", &self.target)
            .finish()
    }
}

impl r2d2::ManageConnection for DbConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> std::result::Result<DbConnection, Self::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.set_instrumentation(ConnectionHealth::new());
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                SqliteConnection::establish(&path)
                    .map(DbConnection::Sqlite)
                    .map_err(diesel::r2d2::Error::ConnectionError)
            }
        }
    }

    /// Called on checkout when the pool tests connections (PostgreSQL by
    /// default): a connection handed back less than [`PING_AFTER_IDLE`](crate::pool_health::PING_AFTER_IDLE) ago
    /// is taken as it is, any other gets `SELECT 1`.
    fn is_valid(&self, conn: &mut DbConnection) -> std::result::Result<(), Self::Error> {
        if health(conn).is_some_and(|h| h.recently_used()) {
            return Ok(());
        }
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    /// Called when a connection is handed back: one whose statement failed
    /// with a lost connection is discarded (the pool opens a new one).
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        if let Some(health) = health(conn) {
            if health.is_lost() {
                return true;
            }
            health.returned();
        }
        conn.is_broken()
    }
}

/// The health record of a pooled PostgreSQL connection (`None` for SQLite,
/// and for connections opened outside the pool).
fn health(conn: &mut DbConnection) -> Option<&mut ConnectionHealth> {
    match conn {
        DbConnection::Postgresql(inner) => inner.instrumentation().downcast_mut(),
        DbConnection::Sqlite(_) => None,
    }
}

/// Applies the SQLite pragmas to every connection the pool opens.
#[derive(Debug, Clone, Copy)]
struct SqlitePragmas;

impl r2d2::CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> std::result::Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(inner) = conn {
            apply_sqlite_pragmas(inner).map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Pool settings for [`Database::connect_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    /// Maximum number of connections (at least 1).
    pub max_size: u32,
    /// Idle connections kept open (`None`: as many as `max_size`).
    pub min_idle: Option<u32>,
    /// How long a checkout waits before failing with
    /// [`PersistenceError::Unavailable`].
    pub checkout_timeout: Duration,
    /// Test connections on checkout so that connections a restarted server
    /// dropped are replaced: a PostgreSQL connection idle for longer than
    /// [`PING_AFTER_IDLE`](crate::pool_health::PING_AFTER_IDLE) gets `SELECT 1`, one in steady use is trusted
    /// (a lost one is discarded when handed back, see
    /// [`crate::pool_health`]). `None`: on for PostgreSQL, off for SQLite (a
    /// local file cannot go away under an open handle).
    pub test_on_check_out: Option<bool>,
}

impl PoolOptions {
    /// Defaults: `max_size` connections, one kept idle,
    /// [`CHECKOUT_TIMEOUT`], backend-dependent checkout test.
    pub fn new(max_size: u32) -> Self {
        Self {
            max_size,
            min_idle: Some(1),
            checkout_timeout: CHECKOUT_TIMEOUT,
            test_on_check_out: None,
        }
    }
}

/// The r2d2 pool type.
pub type DbPool = r2d2::Pool<DbConnectionManager>;
/// A connection checked out of the pool (derefs to [`DbConnection`]).
pub type PooledConnection = r2d2::PooledConnection<DbConnectionManager>;

/// Handle to the database: the pool plus the backend kind. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: DbPool,
    backend: Backend,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .field("state", &self.pool.state())
            .finish()
    }
}

impl Database {
    /// Connects to the database chosen by [`DatabaseTarget::resolve`], runs
    /// the embedded migrations, then builds a pool of at most `pool_size`
    /// connections (`0` is treated as `1`). For SQLite the parent directory of
    /// `db_path` is created.
    pub fn connect(database_url: Option<&str>, db_path: &Path, pool_size: u32) -> Result<Self> {
        let target = DatabaseTarget::resolve(database_url, db_path)?;
        Self::connect_with(target, &PoolOptions::new(pool_size))
    }

    /// Like [`Database::connect`] with an already resolved target.
    pub fn connect_target(target: DatabaseTarget, pool_size: u32) -> Result<Self> {
        Self::connect_with(target, &PoolOptions::new(pool_size))
    }

    /// Like [`Database::connect`] with an already resolved target and full
    /// pool options.
    pub fn connect_with(target: DatabaseTarget, options: &PoolOptions) -> Result<Self> {
        let backend = target.backend();
        if let DatabaseTarget::Sqlite(path) = &target {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| {
                    PersistenceError::Config(format!(
                        "cannot create database directory {}: {e}",
                        parent.display()
                    ))
                })?;
            }
        }

        let created = matches!(&target, DatabaseTarget::Sqlite(path) if !path.exists());
        let mut conn = target.establish()?;
        if created {
            if let DatabaseTarget::Sqlite(path) = &target {
                restrict_permissions(path);
            }
        }
        let applied = run_migrations(&mut conn)?;
        drop(conn);
        match &target {
            DatabaseTarget::Sqlite(path) => log::info!(
                "database backend=sqlite path={} migrations_applied={applied}",
                path.display()
            ),
            DatabaseTarget::Postgres(_) => {
                log::info!("database backend=postgres migrations_applied={applied}")
            }
        }

        let max_size = options.max_size.max(1);
        let mut builder = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(options.min_idle.map(|n| n.min(max_size)))
            .connection_timeout(options.checkout_timeout)
            .test_on_check_out(
                options
                    .test_on_check_out
                    .unwrap_or(backend == Backend::Postgres),
            );
        if backend == Backend::Sqlite {
            builder = builder.connection_customizer(Box::new(SqlitePragmas));
        }
        let pool = builder
            .build(DbConnectionManager { target })
            .map_err(|e| PersistenceError::Connection(e.to_string()))?;
        Ok(Self { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying pool (for pool statistics).
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Checks a connection out of the pool, waiting at most
    /// [`CHECKOUT_TIMEOUT`]; failure is [`PersistenceError::Unavailable`].
    /// Blocking: call it off the async executor.
    pub fn conn(&self) -> Result<PooledConnection> {
        Ok(self.pool.get()?)
    }

    /// Checks out a connection and runs `f` on it (no transaction).
    /// Blocking: from async code call it inside `web::block`.
    pub fn run<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
        E: From<PersistenceError>,
    {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Checks out a connection and runs `f` inside [`transaction`]: committed
    /// when `f` returns `Ok`, rolled back on `Err`.
    ///
    /// A `BEGIN` that fails because the connection was lost (a connection
    /// that served a statement just before a PostgreSQL restart is not
    /// pinged, see [`crate::pool_health`]) is retried on another connection
    /// before `f` runs, so a write does not fail for a connection the pool
    /// had not yet found dead.
    pub fn transaction<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
        E: From<PersistenceError>,
    {
        let mut attempts = self.pool.max_size();
        let mut conn = loop {
            let mut conn = self.conn()?;
            match begin(&mut conn) {
                Ok(()) => break conn,
                Err(err) if is_connection_lost(&err) && attempts > 1 => {
                    // Handing it back discards it (`has_broken`).
                    attempts -= 1;
                }
                Err(err) => return Err(PersistenceError::from(err).into()),
            }
        };
        finish(&mut conn, f)
    }

    /// Health check: `SELECT 1` on a connection checked out within
    /// [`PING_TIMEOUT`]. Fails with [`PersistenceError::Unavailable`] when the
    /// database does not answer.
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.pool.get_timeout(PING_TIMEOUT)?;
        conn.batch_execute("SELECT 1")
            .map_err(|e| PersistenceError::Unavailable(e.to_string()))
    }

    /// Runs any pending migrations again (idempotent; `connect` already did).
    /// Returns how many were applied.
    pub fn run_migrations(&self) -> Result<usize> {
        let mut conn = self.conn()?;
        run_migrations(&mut conn)
    }
}

/// Runs the pending embedded migrations of the connection's backend and
/// returns how many were applied. On PostgreSQL an advisory lock serialises
/// concurrent callers.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize> {
    let migrate = |conn: &mut DbConnection| -> Result<usize> {
        let migrations = match conn.backend() {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        conn.run_pending_migrations(migrations)
            .map(|applied| applied.len())
            .map_err(|e| PersistenceError::Migration(e.to_string()))
    };
    if conn.backend() == Backend::Postgres {
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
        let result = migrate(conn);
        let unlock =
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
        let applied = result?;
        unlock?;
        Ok(applied)
    } else {
        migrate(conn)
    }
}

/// Runs `f` in a transaction: commit on `Ok`, rollback on `Err`.
///
/// On SQLite the outermost transaction starts with `BEGIN IMMEDIATE`, so it
/// takes the write lock up front and waits (busy timeout) instead of failing
/// when it later writes after reading. Nested calls use savepoints. On
/// PostgreSQL it is a plain `BEGIN` (READ COMMITTED); use row locks where a
/// read-then-write must be atomic (see [`crate::users::change_role`]).
pub fn transaction<T, E, F>(conn: &mut DbConnection, f: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<PersistenceError>,
{
    begin(conn).map_err(PersistenceError::from)?;
    finish(conn, f)
}

/// Opens the transaction of [`transaction`] (`BEGIN IMMEDIATE` for the
/// outermost one on SQLite, a savepoint when nested).
fn begin(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    let depth =
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth()?;
    match conn {
        DbConnection::Sqlite(inner) if depth.is_none() => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        other => <DbConnection as Connection>::TransactionManager::begin_transaction(other),
    }
}

/// Runs `f` in the transaction [`begin`] opened: commit on `Ok`, rollback
/// on `Err`.
fn finish<T, E, F>(conn: &mut DbConnection, f: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<PersistenceError>,
{
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(PersistenceError::from)?;
            Ok(value)
        }
        Err(err) => {
            match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(err),
                Err(rollback_err) => Err(PersistenceError::from(rollback_err).into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn resolve_picks_backend_from_scheme() {
        let path = Path::new("data/x.db");
        assert_eq!(
            DatabaseTarget::resolve(None, path).unwrap(),
            DatabaseTarget::Sqlite(path.to_path_buf())
        );
        assert_eq!(
            DatabaseTarget::resolve(Some("  "), path).unwrap().backend(),
            Backend::Sqlite
        );
        for url in [
            "postgres://u@h/db",
            "postgresql://u@h/db",
            "POSTGRES://u@h/db",
        ] {
            assert_eq!(
                DatabaseTarget::resolve(Some(url), path).unwrap(),
                DatabaseTarget::Postgres(url.to_owned())
            );
        }
        assert_eq!(
            DatabaseTarget::resolve(Some("sqlite:///tmp/a.db"), path).unwrap(),
            DatabaseTarget::Sqlite(PathBuf::from("/tmp/a.db"))
        );
        assert!(matches!(
            DatabaseTarget::resolve(Some("mysql://x"), path),
            Err(PersistenceError::Config(_))
        ));
    }

    #[test]
    fn debug_never_shows_the_url() {
        let t = DatabaseTarget::Postgres("postgres://u:secret@h/db".to_owned());
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn backend_names() {
        assert_eq!(Backend::Sqlite.as_str(), "sqlite");
        assert_eq!(Backend::Postgres.to_string(), "postgres");
    }
}
