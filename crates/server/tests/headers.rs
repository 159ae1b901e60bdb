//! Security headers on every response and `Allow` on every 405, over HTTP
//! (api.md, "Requests the server refuses").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::{header::HeaderMap, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn assert_security_headers(what: &str, h: &HeaderMap) {
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}: {h:?}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}: {h:?}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}: {h:?}");
    let csp = get("content-security-policy");
    for directive in [
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: CSP {csp:?}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: CSP {csp:?}");
    assert!(!csp.contains("unsafe-eval"), "{what}: CSP {csp:?}");
}

async fn every_kind_of_response_carries_the_security_headers(app: TestApp) {
    let token = app.user("alice").await;
    let big = "x".repeat(2 * 1024 * 1024);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("health", app.client.get(app.url("/health")), 200),
        ("login page", app.client.get(app.url("/")), 200),
        (
            "dashboard page",
            app.client.get(app.url("/dashboard/")),
            200,
        ),
        ("analyst page", app.client.get(app.url("/analyst/")), 200),
        ("redirect", app.client.get(app.url("/dashboard")), 200),
        (
            "module",
            app.client.get(app.url("/assets/core/api.js")),
            200,
        ),
        (
            "stylesheet",
            app.client.get(app.url("/assets/app.css")),
            200,
        ),
        ("openapi", app.client.get(app.url("/api/openapi.json")), 200),
        (
            "api",
            app.client.get(app.url("/api/me")).bearer_auth(&token),
            200,
        ),
        ("no token", app.client.get(app.url("/api/me")), 401),
        ("unknown api", app.client.get(app.url("/api/nope")), 404),
        ("unknown page", app.client.get(app.url("/nope.html")), 404),
        (
            "validation",
            app.client
                .post(app.url("/api/register"))
                .json(&json!({"username": "x", "password": "password-123"})),
            422,
        ),
        (
            "too large",
            app.client
                .post(app.url("/api/login"))
                .header("content-type", "application/json")
                .body(big),
            413,
        ),
        ("405", app.client.delete(app.url("/api/login")), 405),
        (
            "websocket without upgrade",
            app.client.get(app.url("/ws/behavioral")),
            400,
        ),
    ];
    for (what, req, status) in cases {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{what}");
        assert_security_headers(what, resp.headers());
    }
}

async fn the_pages_are_html_with_their_scripts_from_this_origin(app: TestApp) {
    for page in ["/", "/dashboard/", "/analyst/"] {
        let resp = app.client.get(app.url(page)).send().await.unwrap();
        let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ctype.starts_with("text/html"), "{page}: {ctype}");
        let html = resp.text().await.unwrap();
        // CSP blocks inline script: every script must be a file of this origin.
        for tag in html.split("<script").skip(1) {
            let tag = &tag[..tag.find('>').unwrap()];
            assert!(
                tag.contains("src=\"/"),
                "{page}: inline or foreign script {tag}"
            );
        }
    }
}

/// A value for each path parameter of the API (405 is answered before any
/// parameter is looked at, so they need not exist).
fn concrete(path: &str) -> String {
    path.replace("{project_id}", "1")
        .replace("{task_id}", "1")
        .replace("{username}", "root")
        .replace("{session_id}", "00000000-0000-0000-0000-000000000000")
}

fn allow_set(h: &HeaderMap) -> BTreeSet<String> {
    h.get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

async fn a_405_names_the_allowed_methods(app: TestApp) {
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        let allowed: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_ascii_uppercase())
            .filter(|m| METHODS.contains(&m.as_str()))
            .collect();
        for method in METHODS.iter().filter(|m| !allowed.contains(**m)) {
            let url = app.url(&concrete(path));
            let resp = app
                .client
                .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(allow_set(resp.headers()), allowed, "{method} {path}");
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if path.starts_with("/api/") {
                assert_eq!(body["error"], "method_not_allowed", "{method} {path}");
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} method/path pairs checked");
    let others = [
        ("POST", "/api/openapi.json", "GET"),
        ("POST", "/ws/behavioral", "GET"),
        ("POST", "/", "GET, HEAD"),
        ("DELETE", "/assets/app.css", "GET, HEAD"),
    ];
    for (method, path, allow) in others {
        let resp = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
    }
}

both_backends!(
    every_kind_of_response_carries_the_security_headers,
    the_pages_are_html_with_their_scripts_from_this_origin,
    a_405_names_the_allowed_methods,
);
