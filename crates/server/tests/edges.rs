//! `/health` and `/ws/behavioral` live outside `/api` but answer like it:
//! HEAD on `/health`, and a JSON 405 with `Allow` for other methods.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;

both_backends!(health_and_websocket_paths_answer_json_405);

async fn health_and_websocket_paths_answer_json_405(app: TestApp) {
    let head = app.client.head(app.url("/health")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    for (method, path) in [
        (Method::POST, "/health"),
        (Method::DELETE, "/health"),
        (Method::POST, "/ws/behavioral"),
        (Method::PUT, "/ws/behavioral"),
    ] {
        let resp = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        let allow = resp
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(allow.contains("GET"), "{method} {path}: Allow {allow:?}");
        let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ctype.starts_with("application/json"), "{ctype}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "method_not_allowed", "{method} {path}");
    }
}
