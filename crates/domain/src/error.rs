//! Domain errors.

use thiserror::Error;

/// A value that breaks a domain rule. `field` names the offending input so an
/// API can tell the caller which one to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value is present but not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// The input field, e.g. `username`.
        field: &'static str,
        /// A sentence a person can act on.
        message: String,
    },
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Invalid { field, .. } => field,
        }
    }
}
