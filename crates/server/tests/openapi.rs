//! The served OpenAPI document is one a generated client can use (issue
//! 13): parameters are where the path says, operation ids are unique,
//! request bodies name their required fields, every operation documents
//! the refusals api.md gives all endpoints, and docs/openapi.json is the
//! document the server serves. (Validity and conformance of real responses
//! are checked by scripts/api-check.sh with openapi-spec-validator and
//! schemathesis.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

both_backends!(the_document_is_usable_by_generated_clients);

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Every operation: (method, path, operation).
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m, path.as_str(), op));
            }
        }
    }
    out
}

/// The schema a `$ref` names (or the schema itself).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn body_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    (!schema.is_null()).then(|| resolve(doc, schema))
}

async fn the_document_is_usable_by_generated_clients(app: TestApp) {
    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let mut ids = BTreeSet::new();
    for (m, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "operationId {id} twice");
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let in_path: BTreeSet<String> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        let template: BTreeSet<String> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
            .collect();
        assert_eq!(in_path, template, "{m} {path}: path parameters");
        let responses = &op["responses"];
        if op["requestBody"].is_object() {
            for code in ["400", "415", "422"] {
                assert!(responses[code].is_object(), "{m} {path} leaves out {code}");
            }
        }
        if !params.is_empty() {
            assert!(responses["422"].is_object(), "{m} {path} leaves out 422");
        }
        if params.iter().any(|p| p["in"] == "query") {
            assert!(responses["400"].is_object(), "{m} {path} leaves out 400");
        }
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            assert!(responses["401"].is_object(), "{m} {path} leaves out 401");
        }
        for p in params.iter().filter(|p| p["name"] == "limit") {
            assert_eq!(p["schema"]["minimum"], 1, "{m} {path}: limit ≥ 1");
        }
    }
    // Bodies name what they require.
    for (path, fields) in [
        ("/api/register", &["username", "password"][..]),
        ("/api/login", &["username", "password"]),
        ("/api/start-session", &["username", "password"]),
        ("/api/projects", &["name"]),
    ] {
        let schema = body_schema(&doc, &doc["paths"][path]["post"]).unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for f in fields {
            assert!(
                required.contains(f),
                "POST {path} does not require {f}: {schema}"
            );
        }
    }
    // The snapshot in docs/ is what the server serves.
    let snapshot: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    assert!(
        snapshot == doc,
        "docs/openapi.json is stale: run scripts/openapi.sh"
    );
}
