//! Request parsing in one place. Every handler that takes a body uses
//! [`Json`], which refuses what `api.md` ("Requests the server refuses")
//! lists: a body that is not `application/json` (415), a JSON array or
//! scalar where an object is expected (400), text that is not UTF-8 or
//! holds a NUL character (422 naming the field). Query and path errors
//! become the API's JSON errors too (see [`query_config`], [`path_config`];
//! NUL and bad UTF-8 in paths and queries are refused earlier, by
//! [`super::refuse`]).

use super::error::ApiError;
use crate::services::error::{ErrorCode, ServiceError};
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::{future::LocalBoxFuture, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The largest accepted body (`MAX_BODY_BYTES`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON object body parsed into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload, false);
        Box::pin(async move { body.await?.map(Json).ok_or_else(unsupported_media_type) })
    }
}

/// A JSON object body that may be left out: an empty body (with or without
/// a `Content-Type`) is `None`; anything else is refused like [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload, true);
        Box::pin(async move { body.await.map(OptionalJson) })
    }
}

/// Reads and parses a JSON object body; `Ok(None)` only for an empty body
/// when `allow_empty`.
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    allow_empty: bool,
) -> LocalBoxFuture<'static, Result<Option<T>, ApiError>> {
    let limit = req
        .app_data::<BodyLimit>()
        .or_else(|| req.app_data::<web::Data<BodyLimit>>().map(|d| d.get_ref()))
        .map_or(DEFAULT_LIMIT, |l| l.0);
    let content_type = json_content_type(req);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if content_type == ContentType::Other {
            return Err(unsupported_media_type());
        }
        if declared_length.is_some_and(|n| n > limit) {
            return Err(too_large(limit));
        }
        let bytes = read_body(&mut payload, limit).await?;
        if allow_empty && bytes.is_empty() {
            return Ok(None);
        }
        if content_type == ContentType::Missing && !bytes.is_empty() {
            return Err(unsupported_media_type());
        }
        parse_object(&bytes).map(Some)
    })
}

/// Used when no [`BodyLimit`] is registered.
const DEFAULT_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentType {
    Json,
    Missing,
    Other,
}

/// `application/json` (any parameters) or a `+json` type counts as JSON.
fn json_content_type(req: &HttpRequest) -> ContentType {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return ContentType::Missing;
    };
    let Ok(value) = value.to_str() else {
        return ContentType::Other;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, sub)) = essence.split_once('/') else {
        return ContentType::Other;
    };
    let sub = sub.to_ascii_lowercase();
    if kind.eq_ignore_ascii_case("application") && (sub == "json" || sub.ends_with("+json")) {
        ContentType::Json
    } else {
        ContentType::Other
    }
}

fn unsupported_media_type() -> ApiError {
    ApiError(ServiceError::new(
        ErrorCode::UnsupportedMediaType,
        "The request body must be JSON, sent with Content-Type: application/json.",
    ))
}

fn too_large(limit: usize) -> ApiError {
    ApiError(ServiceError::new(
        ErrorCode::PayloadTooLarge,
        format!("The request body is larger than the limit of {limit} bytes."),
    ))
}

async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ServiceError::bad_request(format!("The request body could not be read: {e}."))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JSON object body: not UTF-8 → 422 `body`; not JSON or not an
/// object → 400; a NUL anywhere → 422 naming where; wrong JSON types → 400.
pub fn parse_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ServiceError::invalid("body", "must be valid UTF-8").into());
    }
    let mut value: Value = serde_json::from_slice(bytes)
        .map_err(|_| ServiceError::bad_request("The request body is not valid JSON."))?;
    if !value.is_object() {
        return Err(ServiceError::bad_request("The request body must be a JSON object.").into());
    }
    if let Some(field) = nul_in(&value, String::new()) {
        return Err(ServiceError::invalid(field, "must not contain NUL characters").into());
    }
    integral_numbers(&mut value);
    serde_json::from_value(value).map_err(|e| {
        ServiceError::bad_request(format!("The JSON body has a value of the wrong type: {e}."))
            .into()
    })
}

/// JSON does not tell `3` from `3.0` (JSON Schema counts both as an
/// integer), but serde refuses a float for an integer field: every number
/// that is a whole value within `i64` becomes that integer. Float fields
/// accept integers, so nothing that was accepted before is refused.
fn integral_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                // Whole, and inside i64 (2^63 itself is not).
                if f.fract() == 0.0
                    && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
                {
                    #[allow(clippy::cast_possible_truncation)]
                    let whole = f as i64;
                    *value = Value::from(whole);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Where a NUL character hides in a JSON value, as a path (`name`,
/// `items[2].title`); `None` when there is none.
fn nul_in(value: &Value, path: String) -> Option<String> {
    let here = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.clone()
        }
    };
    match value {
        Value::String(s) => s.contains('\0').then(here),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, format!("{}[{i}]", here()))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(here())
            } else {
                nul_in(v, child)
            }
        }),
        _ => None,
    }
}

/// Query strings: a value of the wrong type → 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError(ServiceError::bad_request(format!(
            "The query string is not valid: {err}."
        )))
        .into()
    })
}

/// Path segments: an id that does not parse names nothing → 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_err, _req| ApiError(ServiceError::not_found("resource")).into())
}

/// Raw payloads (the websocket upgrade): size limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// A required body field that was absent or null → 422.
pub fn required<T>(value: Option<T>, field: &'static str) -> Result<T, ServiceError> {
    value.ok_or_else(|| ServiceError::invalid(field, "is required"))
}

/// A PATCH field that may be absent but not `null`: parsed when present.
pub fn patch_required<T, U>(
    value: Option<Option<T>>,
    field: &'static str,
    parse: impl FnOnce(T) -> Result<U, workspace_domain::DomainError>,
) -> Result<Option<U>, ServiceError> {
    match value {
        None => Ok(None),
        Some(None) => Err(ServiceError::invalid(field, "must not be null")),
        Some(Some(v)) => Ok(Some(parse(v)?)),
    }
}

/// A PATCH field that may be absent (`None`), cleared (`Some(None)`) or set.
pub fn patch_nullable<T, U>(
    value: Option<Option<T>>,
    parse: impl FnOnce(T) -> Result<U, workspace_domain::DomainError>,
) -> Result<Option<Option<U>>, ServiceError> {
    Ok(match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => Some(Some(parse(v)?)),
    })
}

/// An optional body field parsed when present.
pub fn optional<T, U>(
    value: Option<T>,
    parse: impl FnOnce(T) -> Result<U, workspace_domain::DomainError>,
) -> Result<Option<U>, ServiceError> {
    Ok(value.map(parse).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Named {
        #[allow(dead_code)]
        name: Option<String>,
    }

    fn code(bytes: &[u8]) -> (ErrorCode, Option<String>) {
        let e = parse_object::<Named>(bytes).unwrap_err().0;
        (e.code, e.field.map(|f| f.into_owned()))
    }

    #[test]
    fn objects_only_and_no_nul() {
        assert!(parse_object::<Named>(br#"{"name":"x"}"#).is_ok());
        assert_eq!(code(br#"["renamed"]"#).0, ErrorCode::BadRequest);
        assert_eq!(code(b"\"text\"").0, ErrorCode::BadRequest);
        assert_eq!(code(b"7").0, ErrorCode::BadRequest);
        assert_eq!(code(b"{").0, ErrorCode::BadRequest);
        assert_eq!(code(br#"{"name":7}"#).0, ErrorCode::BadRequest);
        assert_eq!(
            code(br#"{"name":"a\u0000b"}"#),
            (ErrorCode::ValidationFailed, Some("name".into()))
        );
        assert_eq!(
            code(br#"{"name":"ok","tags":[{"t":"\u0000"}]}"#),
            (ErrorCode::ValidationFailed, Some("tags[0].t".into()))
        );
        assert_eq!(
            code(b"{\"name\":\"\xff\"}"),
            (ErrorCode::ValidationFailed, Some("body".into()))
        );
    }

    #[derive(Deserialize)]
    struct Counted {
        n: i64,
        items: Vec<i64>,
        rate: f64,
    }

    #[test]
    fn whole_floats_are_integers() {
        let c: Counted = parse_object(br#"{"n":12780.0,"items":[1.0,-2e3],"rate":12}"#).unwrap();
        assert_eq!((c.n, c.items, c.rate), (12780, vec![1, -2000], 12.0));
        let half = parse_object::<Counted>(br#"{"n":1.5,"items":[],"rate":1}"#);
        assert!(half.is_err(), "a fraction stays refused");
        let huge = parse_object::<Counted>(br#"{"n":1e19,"items":[],"rate":1}"#);
        assert!(huge.is_err(), "outside i64 stays refused");
    }
}
