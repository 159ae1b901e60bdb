//! What can go wrong in a service call: an [`ErrorCode`] of the contract
//! (`api.md`, "Errors"), a message for people, and for `validation_failed`
//! the offending field. The HTTP layer maps it to a status and the JSON
//! error body; the websocket sends the same code in its `error` messages.

use serde::Serialize;
use std::{borrow::Cow, fmt};
use workspace_auth::AuthError;
use workspace_domain::DomainError;
use workspace_persistence::PersistenceError;

/// The machine-readable codes of the contract, serialised as their
/// snake_case names. Compare codes as values, never as strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON, not an object, or has wrong JSON types.
    BadRequest,
    /// 401: no token or a bad one.
    Unauthorized,
    /// 401: the token's `exp` has passed.
    TokenExpired,
    /// 401: the token's monitored session has ended.
    SessionTerminated,
    /// 401: wrong username or password.
    InvalidCredentials,
    /// 401: the session is older than `SESSION_MAX_SECONDS`.
    SessionExpired,
    /// 403: the role does not allow it.
    Forbidden,
    /// 404: no such resource, or one the caller may not see.
    NotFound,
    /// 405: the path does not take this method.
    MethodNotAllowed,
    /// 409: a unique value is taken or an invariant would break.
    Conflict,
    /// 413: the body or message is too large.
    PayloadTooLarge,
    /// 415: a body that is not `application/json`.
    UnsupportedMediaType,
    /// 422: a value is invalid; `field` names it.
    ValidationFailed,
    /// 429: throttled.
    TooManyRequests,
    /// 429 (websocket close 4429): a monitored session already has its
    /// `WS_MAX_SOCKETS_PER_SESSION` sockets open.
    TooManyConnections,
    /// 500: our fault; the cause is logged, never sent.
    InternalError,
    /// 503: the database does not answer.
    ServiceUnavailable,
}

impl ErrorCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::TokenExpired => "token_expired",
            Self::SessionTerminated => "session_terminated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::SessionExpired => "session_expired",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ValidationFailed => "validation_failed",
            Self::TooManyRequests => "too_many_requests",
            Self::TooManyConnections => "too_many_connections",
            Self::InternalError => "internal_error",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed service call.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    /// The contract's code.
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// The offending input for `validation_failed` (`name`, `sort`, `path`,
    /// `items[0].title`…).
    pub field: Option<Cow<'static, str>>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

/// Shorthand for service results.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// 401 `unauthorized`: the token is missing or not valid.
    pub fn invalid_token() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "The token is missing or not valid; sign in again.",
        )
    }

    /// 401 `session_terminated`.
    pub fn session_ended() -> Self {
        Self::new(
            ErrorCode::SessionTerminated,
            "This session has ended; sign in again.",
        )
    }

    /// 401 `invalid_credentials`.
    pub fn invalid_credentials(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidCredentials, message)
    }

    /// 403 `forbidden`: the role does not allow it.
    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "Your role does not allow this action.",
        )
    }

    /// 403 `forbidden` with a specific message.
    pub fn forbidden_because(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("No such {what}."))
    }

    /// 409 `conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// 422 `validation_failed` naming `field`.
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl fmt::Display) -> Self {
        let field = field.into();
        let mut e = Self::new(ErrorCode::ValidationFailed, format!("{field}: {message}"));
        e.field = Some(field);
        e
    }

    /// 429 `too_many_requests` with `Retry-After`.
    pub fn too_many_requests(retry_after: u64, message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorCode::TooManyRequests, message);
        e.retry_after = Some(retry_after);
        e
    }

    /// 503 `service_unavailable`.
    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable; try again shortly.",
        )
    }

    /// 500 `internal_error`: logs the cause, answers a generic message.
    pub fn internal(cause: impl fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(
            ErrorCode::InternalError,
            "Something went wrong on our side; the request was not completed.",
        )
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => Self::invalid(field, message),
        }
    }
}

impl From<PersistenceError> for ServiceError {
    fn from(e: PersistenceError) -> Self {
        match e {
            PersistenceError::Unavailable(_) => {
                log::error!("database unavailable: {e}");
                Self::unavailable()
            }
            PersistenceError::NotFound | PersistenceError::ForeignKeyViolation(_) => {
                Self::not_found("resource")
            }
            PersistenceError::Conflict { .. } => Self::conflict("That value is already taken."),
            other => Self::internal(other),
        }
    }
}

impl From<AuthError> for ServiceError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::TokenExpired => Self::new(
                ErrorCode::TokenExpired,
                "The token has expired; sign in again.",
            ),
            AuthError::InvalidToken => Self::invalid_token(),
            AuthError::Forbidden => Self::forbidden(),
            other => Self::internal(other),
        }
    }
}

impl From<tokio::task::JoinError> for ServiceError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(format!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_to_their_wire_names() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::SessionTerminated,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::ServiceUnavailable,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
    }

    #[test]
    fn validation_names_the_field() {
        let e = ServiceError::from(DomainError::invalid("name", "must not be empty"));
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.field.as_deref(), Some("name"));
        assert_eq!(e.message, "name: must not be empty");
    }
}
