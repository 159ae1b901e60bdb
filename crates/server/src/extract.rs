//! Extractor configuration: every body, query and path problem becomes the
//! API's JSON error instead of actix's plain-text default.

use crate::error::ApiError;
use actix_web::{error::JsonPayloadError, web, HttpRequest};
use serde::{Deserialize, Deserializer};

/// JSON bodies: size limit → 413, not JSON → 400, wrong types → 400.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(false)
        .error_handler(move |err, _req: &HttpRequest| json_error(err, limit).into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::payload_too_large(limit)
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::bad_request(format!("The JSON body has a value of the wrong type: {e}."))
        }
        JsonPayloadError::Deserialize(_) => {
            ApiError::bad_request("The request body is not valid JSON.")
        }
        JsonPayloadError::ContentType => {
            ApiError::bad_request("The request body must be JSON (Content-Type: application/json).")
        }
        other => ApiError::bad_request(format!("The request body could not be read: {other}.")),
    }
}

/// Query strings: a value of the wrong type → 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::bad_request(format!("The query string is not valid: {err}.")).into()
    })
}

/// Path segments: an id that is not a number names nothing → 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req| ApiError::not_found("resource").into())
}

/// Raw payloads (for bodies read without the JSON extractor): size limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// For PATCH bodies: tells "absent" (`None`) from "null" (`Some(None)`).
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A PATCH field that may be absent but not `null`: parsed when present.
pub fn patch_required<T, U>(
    value: Option<Option<T>>,
    field: &'static str,
    parse: impl FnOnce(T) -> Result<U, workspace_domain::DomainError>,
) -> Result<Option<U>, ApiError> {
    match value {
        None => Ok(None),
        Some(None) => Err(ApiError::validation(field, "must not be null")),
        Some(Some(v)) => Ok(Some(parse(v)?)),
    }
}

/// A PATCH field that may be absent (`None`), cleared (`Some(None)`) or set.
pub fn patch_nullable<T, U>(
    value: Option<Option<T>>,
    parse: impl FnOnce(T) -> Result<U, workspace_domain::DomainError>,
) -> Result<Option<Option<U>>, ApiError> {
    Ok(match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => Some(Some(parse(v)?)),
    })
}

/// A required field of a request body that was absent or null → 422.
pub fn required<T>(value: Option<T>, field: &'static str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::validation(field, "is required"))
}

/// Paging parameters shared by list endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Rows to return.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

impl Page {
    /// Validates `?limit=` (1…; larger than `max` is clamped to `max`) and
    /// `?offset=` (≥ 0).
    pub fn parse(
        limit: Option<i64>,
        offset: Option<i64>,
        default: i64,
        max: i64,
    ) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(default);
        if limit < 1 {
            return Err(ApiError::validation("limit", "must be at least 1"));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::validation("offset", "must be 0 or more"));
        }
        Ok(Self {
            limit: limit.min(max),
            offset,
        })
    }
}
