//! The error type of this crate.

use thiserror::Error;

/// Errors of this crate. Messages never contain a secret, token or password.
#[derive(Debug, Error)]
pub enum AuthError {
    /// The token's `exp` has passed.
    #[error("the token has expired")]
    TokenExpired,
    /// Bad signature, wrong algorithm, malformed token or claims.
    #[error("the token is not valid")]
    InvalidToken,
    /// A token could not be created.
    #[error("could not issue a token")]
    Issue,
    /// bcrypt failed to hash (never for a valid password and cost).
    #[error("could not hash the password: {0}")]
    Hash(String),
    /// The role lacks a capability.
    #[error("your role does not allow this")]
    Forbidden,
    /// The JWT secret does not meet the rules of the environment.
    #[error("{0}")]
    Secret(String),
}
