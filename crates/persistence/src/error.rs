//! The error type of every persistence operation.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Errors returned by this crate.
///
/// Suggested HTTP mapping for the server: [`NotFound`](Self::NotFound) → 404,
/// [`Conflict`](Self::Conflict) → 409, [`ForeignKeyViolation`](Self::ForeignKeyViolation)
/// → 404 (the referenced parent is gone), [`Unavailable`](Self::Unavailable) →
/// 503, everything else → 500. The `Display` texts never contain secrets,
/// connection strings or password hashes, but they are meant for logs, not
/// for clients.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The row that an update or delete addressed does not exist.
    #[error("record not found")]
    NotFound,
    /// A UNIQUE constraint was violated (e.g. the username is taken).
    #[error("unique constraint violated: {constraint}")]
    Conflict {
        /// Name of the violated constraint when the database reports it,
        /// else the database's message.
        constraint: String,
    },
    /// A FOREIGN KEY constraint was violated (the parent row does not exist).
    #[error("foreign key constraint violated: {0}")]
    ForeignKeyViolation(String),
    /// No connection could be checked out of the pool in time, the
    /// connection was lost, or SQLite stayed locked beyond its busy timeout:
    /// the database is (transiently) unavailable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Opening a connection or preparing the database failed at start-up.
    #[error("cannot connect to the database: {0}")]
    Connection(String),
    /// The configuration (e.g. `DATABASE_URL`) is not usable.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// Running the embedded migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A value could not be (de)serialised (JSON columns).
    #[error("serialisation failed: {0}")]
    Serialization(#[from] serde_json::Error),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] DieselError),
}

impl PersistenceError {
    /// `true` for [`PersistenceError::Unavailable`] (map to HTTP 503).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// `true` for [`PersistenceError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }

    /// `true` for [`PersistenceError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

impl From<DieselError> for PersistenceError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict {
                    constraint: info
                        .constraint_name()
                        .map_or_else(|| info.message().to_owned(), str::to_owned),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                Self::ForeignKeyViolation(
                    info.constraint_name()
                        .map_or_else(|| info.message().to_owned(), str::to_owned),
                )
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            // SQLITE_BUSY after the busy timeout: transient, not a bug.
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("database is locked") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Database(other),
        }
    }
}

impl From<r2d2::Error> for PersistenceError {
    fn from(err: r2d2::Error) -> Self {
        Self::Unavailable(err.to_string())
    }
}

/// Shorthand for `Result<T, PersistenceError>`.
pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;
