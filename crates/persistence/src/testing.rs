//! Fresh databases for tests (used by this crate's tests and by the
//! server's integration tests, so it is not `cfg(test)`).
//!
//! ```no_run
//! use workspace_persistence::testing::TestDb;
//!
//! let sqlite = TestDb::sqlite();                  // temp file, deleted on drop
//! if let Some(pg) = TestDb::postgres() {          // needs TEST_POSTGRES_URL
//!     // start the server with pg.env_vars(), or use pg.database() directly
//! #   let _ = pg;
//! }
//! # let _ = sqlite;
//! ```

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::connection::{Backend, Database, DatabaseTarget};
use crate::error::{PersistenceError, Result};

/// Environment variable with the URL of a PostgreSQL server whose user may
/// create databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
pub const TEST_POSTGRES_URL: &str = "TEST_POSTGRES_URL";

/// Pool size of the [`Database`] a `TestDb` opens.
const TEST_POOL_SIZE: u32 = 4;

/// A fresh, migrated database that is removed when dropped: a temporary
/// SQLite file, or a new PostgreSQL database named `wstest_<uuid>`.
pub struct TestDb {
    database: Option<Database>,
    backend: Backend,
    database_url: Option<String>,
    db_path: PathBuf,
    // Keeps the temporary directory (SQLite file, or the unused DB_PATH for
    // PostgreSQL) alive; removed on drop.
    _dir: tempfile::TempDir,
    // For PostgreSQL: the admin URL and the database name to drop.
    pg_admin: Option<(String, String)>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("backend", &self.backend)
            .field("db_path", &self.db_path)
            .field("database_name", &self.pg_admin.as_ref().map(|(_, n)| n))
            .finish_non_exhaustive()
    }
}

impl TestDb {
    /// A fresh SQLite database file in a new temporary directory, migrated.
    ///
    /// # Panics
    /// If the file cannot be created or migrated (test setup failure).
    #[allow(clippy::expect_used)]
    pub fn sqlite() -> Self {
        Self::try_sqlite().expect("cannot create a temporary SQLite test database")
    }

    /// Like [`TestDb::sqlite`], returning the error instead of panicking.
    pub fn try_sqlite() -> Result<Self> {
        let dir = tempdir()?;
        let db_path = dir.path().join("workspace-test.db");
        let database =
            Database::connect_target(DatabaseTarget::Sqlite(db_path.clone()), TEST_POOL_SIZE)?;
        Ok(Self {
            database: Some(database),
            backend: Backend::Sqlite,
            database_url: None,
            db_path,
            _dir: dir,
            pg_admin: None,
        })
    }

    /// A fresh PostgreSQL database when `TEST_POSTGRES_URL` is set, else
    /// `None` after printing `skipping PostgreSQL test: TEST_POSTGRES_URL not set`.
    ///
    /// # Panics
    /// If the variable is set but the database cannot be created or migrated
    /// (a configured PostgreSQL that does not work must fail the test).
    #[allow(clippy::expect_used)]
    pub fn postgres() -> Option<Self> {
        let admin_url = match std::env::var(TEST_POSTGRES_URL) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                eprintln!("skipping PostgreSQL test: {TEST_POSTGRES_URL} not set");
                return None;
            }
        };
        Some(
            Self::try_postgres(&admin_url)
                .expect("cannot create a PostgreSQL test database from TEST_POSTGRES_URL"),
        )
    }

    /// Creates a fresh database through `admin_url` (which must point to an
    /// existing database, e.g. `postgres`), migrated.
    pub fn try_postgres(admin_url: &str) -> Result<Self> {
        let name = format!("wstest_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url)
            .map_err(|e| PersistenceError::Connection(e.to_string()))?;
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
        drop(admin);
        let url = with_database_name(admin_url, &name);
        let dir = tempdir()?;
        let db_path = dir.path().join("unused.db");
        // From here on, Drop removes the database even if migrating fails.
        let mut db = Self {
            database: None,
            backend: Backend::Postgres,
            database_url: Some(url.clone()),
            db_path,
            _dir: dir,
            pg_admin: Some((admin_url.to_owned(), name)),
        };
        db.database = Some(Database::connect_target(
            DatabaseTarget::Postgres(url),
            TEST_POOL_SIZE,
        )?);
        Ok(db)
    }

    /// Both backends: always SQLite, plus PostgreSQL when configured.
    pub fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres());
        dbs
    }

    /// A handle (pool) on the test database, already migrated.
    ///
    /// # Panics
    /// Never in practice: the pool exists from construction until drop.
    #[allow(clippy::expect_used)]
    pub fn database(&self) -> Database {
        self.database
            .clone()
            .expect("TestDb always holds a database until dropped")
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The [`DatabaseTarget`] of this database (for
    /// [`Database::connect_with`] or [`crate::notify::Listener::connect`]).
    pub fn target(&self) -> DatabaseTarget {
        match &self.database_url {
            Some(url) => DatabaseTarget::Postgres(url.clone()),
            None => DatabaseTarget::Sqlite(self.db_path.clone()),
        }
    }

    /// `DATABASE_URL` for a server on this database: the PostgreSQL URL, or
    /// `None` for SQLite.
    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    /// `DB_PATH` for a server on this database (for PostgreSQL a path in the
    /// temporary directory that is never created).
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Environment for a server process on this database: `DATABASE_URL`
    /// (empty for SQLite) and `DB_PATH`.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        vec![
            (
                "DATABASE_URL".to_owned(),
                self.database_url.clone().unwrap_or_default(),
            ),
            (
                "DB_PATH".to_owned(),
                self.db_path.to_string_lossy().into_owned(),
            ),
        ]
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Close our pool first, then drop the database (FORCE ends any
        // connection a server under test may still hold).
        self.database.take();
        if let Some((admin_url, name)) = self.pg_admin.take() {
            let result = PgConnection::establish(&admin_url)
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .map_err(|e| e.to_string())
                });
            if let Err(err) = result {
                eprintln!("warning: could not drop test database {name}: {err}");
            }
        }
    }
}

fn tempdir() -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("wstest-")
        .tempdir()
        .map_err(|e| PersistenceError::Config(format!("cannot create a temporary directory: {e}")))
}

/// Replaces the database name (path) of a PostgreSQL URL, keeping any
/// `?query`.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_database_name() {
        assert_eq!(
            with_database_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database_name("postgres://u:p@h", "x"),
            "postgres://u:p@h/x"
        );
        assert_eq!(
            with_database_name("postgresql://h/db?sslmode=disable", "x"),
            "postgresql://h/x?sslmode=disable"
        );
    }
}
