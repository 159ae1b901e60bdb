//! Refuses, before routing, a path or query string whose percent-decoded
//! text holds a NUL character or is not valid UTF-8 (422
//! `validation_failed`; `field` is `path`, the query parameter's name, or
//! `query`). Such text can never name anything, and PostgreSQL refuses NUL
//! in text (which would otherwise surface as a 500).

use super::error::ApiError;
use crate::services::error::ServiceError;
use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::Uri,
    middleware::Next,
    Error, ResponseError,
};
use percent_encoding::percent_decode_str;

/// The middleware (`App::wrap(from_fn(refuse_bad_text))`).
pub async fn refuse_bad_text<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    if let Err(e) = check_uri(req.uri()) {
        let response = ApiError(e).error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// `Err` when the path or a query parameter is not clean text.
pub fn check_uri(uri: &Uri) -> Result<(), ServiceError> {
    check_text(uri.path(), || "path".to_owned())?;
    if let Some(query) = uri.query() {
        check_query(query)?;
    }
    Ok(())
}

fn check_query(query: &str) -> Result<(), ServiceError> {
    // Only percent-escapes can smuggle a NUL or a non-UTF-8 byte into an
    // URI the HTTP parser accepted.
    if !query.contains('%') {
        return Ok(());
    }
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        check_text(key, || "query".to_owned())?;
        check_text(value, || decoded(key).unwrap_or_else(|| "query".to_owned()))?;
    }
    Ok(())
}

fn decoded(text: &str) -> Option<String> {
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.replace('+', " "))
}

fn check_text(text: &str, field: impl Fn() -> String) -> Result<(), ServiceError> {
    if !text.contains('%') {
        return Ok(());
    }
    let bytes: Vec<u8> = percent_decode_str(text).collect();
    if bytes.contains(&0) {
        return Err(ServiceError::invalid(
            field(),
            "must not contain NUL characters",
        ));
    }
    if std::str::from_utf8(&bytes).is_err() {
        return Err(ServiceError::invalid(field(), "must be valid UTF-8"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(uri: &str) -> Option<String> {
        check_uri(&uri.parse().unwrap())
            .err()
            .and_then(|e| e.field.map(|f| f.into_owned()))
    }

    #[test]
    fn refuses_nul_and_bad_utf8() {
        assert_eq!(field("/api/projects?owner=alice&limit=5"), None);
        assert_eq!(field("/api/projects?owner=%C3%A9"), None);
        assert_eq!(field("/api/projects/%00").as_deref(), Some("path"));
        assert_eq!(field("/api/projects/%FF").as_deref(), Some("path"));
        assert_eq!(field("/api/projects?owner=a%00b").as_deref(), Some("owner"));
        assert_eq!(field("/api/x?kind=%ff").as_deref(), Some("kind"));
        assert_eq!(field("/api/x?%00=1").as_deref(), Some("query"));
    }
}
