//! Authentication for Freelancer Workspace: bcrypt password hashing, JWT
//! issue/verify (HS256 pinned), the secret's resolution from configuration,
//! the role policy and the login throttle rule.

pub mod error;
pub mod jwt;
pub mod password;
pub mod policy;
pub mod secret;
pub mod throttle;

pub use error::AuthError;
pub use jwt::{Claims, Issue, JwtKeys};
pub use policy::require;
pub use secret::{resolve_secret, JwtSecret};
pub use throttle::ThrottlePolicy;
