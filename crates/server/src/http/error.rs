//! The one API error type: every failure becomes the JSON body of `api.md`,
//! `{"error": "snake_case_code", "message": "…"}` (plus `field` for
//! `validation_failed`), with the status its code stands for. Internal
//! causes are logged where they arise and never sent to clients.

use crate::services::error::{ErrorCode, ServiceError};
use actix_web::{
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use serde::Serialize;
use std::fmt;

/// The JSON error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `validation_failed`.
    #[schema(value_type = String)]
    pub error: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// The offending field, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError(pub ServiceError);

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The contract's code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
}

/// The status of each code (`api.md`, "Errors").
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthorized
        | ErrorCode::TokenExpired
        | ErrorCode::SessionTerminated
        | ErrorCode::InvalidCredentials
        | ErrorCode::SessionExpired => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::TooManyRequests | ErrorCode::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", status_of(self.0.code).as_u16(), self.0)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.code)
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        if let Some(secs) = self.0.retry_after {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        builder.json(ErrorBody {
            error: self.0.code,
            message: self.0.message.clone(),
            field: self.0.field.as_deref().map(str::to_owned),
        })
    }
}

impl<E: Into<ServiceError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}
