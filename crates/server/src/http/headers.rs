//! Response headers every answer carries (api.md, "Requests the server
//! refuses"): `X-Content-Type-Options: nosniff` and `Referrer-Policy:
//! no-referrer` everywhere; the page headers `Content-Security-Policy` and
//! `X-Frame-Options: DENY` on every response too, so no HTML answer (a page,
//! an error page, a printable export) can miss them; and `Allow` on a 405.
//!
//! `Allow` comes from the resource that answered: its route pattern is looked
//! up in the OpenAPI document, which is generated from the handlers' own
//! annotations, so the methods are never listed twice by hand.

use super::openapi;
use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        header::{self, HeaderMap, HeaderName, HeaderValue},
        StatusCode,
    },
    middleware::Next,
    Error,
};
use std::{collections::HashMap, sync::OnceLock};

/// The pages' policy: scripts, styles, images and fonts from this origin
/// only, no inline script, `fetch`/websocket to this origin only, never
/// framed, no plugins, forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Methods of the routes the OpenAPI document does not describe.
const UNDOCUMENTED: &[(&str, &str)] = &[("/api/openapi.json", "GET"), ("/ws/behavioral", "GET")];

/// What the static pages (`actix_files`) accept.
const STATIC_METHODS: &str = "GET, HEAD";

/// The middleware (`App::wrap(from_fn(security_headers))`).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Handlers' and extractors' errors arrive here already as responses
    // (actix turns them into one next to the handler), so every answer a
    // route gives passes below. (The request cannot be cloned beforehand to
    // rebuild one: routing needs it unshared.)
    let mut res = next.call(req).await?.map_into_boxed_body();
    let allow = (res.status() == StatusCode::METHOD_NOT_ALLOWED).then(|| {
        let req = res.request();
        allowed_methods(req.match_pattern().as_deref(), req.path())
    });
    let headers = res.headers_mut();
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "no-referrer");
    set_default(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    if let Some(methods) = allow {
        set_default(headers, header::ALLOW, methods);
    }
    Ok(res)
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// The methods the resource with route `pattern` answers, e.g. `"GET, PATCH,
/// DELETE"`. A route registered with `ServiceConfig::route` carries its
/// method guard on the resource, so another method falls through to the
/// static files: then the request's `path` names the route. Neither known:
/// the static pages' methods.
pub fn allowed_methods(pattern: Option<&str>, path: &str) -> &'static str {
    let table = method_table();
    pattern
        .and_then(|p| table.get(p))
        .or_else(|| table.get(path))
        .map_or(STATIC_METHODS, String::as_str)
}

/// Route pattern → its methods, built once from the OpenAPI document.
fn method_table() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = openapi::document();
        let mut table: HashMap<String, String> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.clone(), methods_of(item)))
            .collect();
        for (path, methods) in UNDOCUMENTED {
            table
                .entry((*path).to_owned())
                .or_insert_with(|| (*methods).to_owned());
        }
        table
    })
}

fn methods_of(item: &utoipa::openapi::PathItem) -> String {
    let ops = [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ];
    ops.iter()
        .filter(|(_, present)| *present)
        .map(|(m, _)| *m)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_documented_methods_of_a_resource() {
        let resource = allowed_methods(Some("/api/projects/{project_id}"), "/api/projects/7");
        assert_eq!(resource, "GET, PATCH, DELETE");
        assert_eq!(allowed_methods(Some("/api/login"), "/api/login"), "POST");
        assert_eq!(allowed_methods(Some(""), "/health"), "GET");
        assert_eq!(allowed_methods(None, "/ws/behavioral"), "GET");
        assert_eq!(allowed_methods(Some(""), "/index.html"), STATIC_METHODS);
        assert_eq!(allowed_methods(None, "/"), STATIC_METHODS);
    }
}
