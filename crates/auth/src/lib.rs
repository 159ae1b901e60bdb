//! Authentication for Freelancer Workspace: bcrypt password hashing, JWT
//! issue/verify (HS256 pinned), the secret's resolution from configuration,
//! the role policy and the login throttle rule.

pub mod jwt;
pub mod password;
pub mod policy;
pub mod secret;
pub mod throttle;

pub use jwt::{Claims, JwtKeys};
pub use policy::require;
pub use secret::{resolve_secret, JwtSecret};
pub use throttle::ThrottlePolicy;

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
