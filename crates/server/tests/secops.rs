//! Security operations (`api.md`, "Security operations"): event filters,
//! keyset paging and CSV export, terminations with a reason, the user
//! list for analysts — over HTTP on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    events_filter_by_severity_and_session,
    events_keyset_paging_follows_link,
    events_csv_export,
);

/// Starts a monitored session; returns (token, session id).
async fn session(app: &TestApp, username: &str) -> (String, String) {
    let (s, b) = app
        .post(
            "/api/start-session",
            None,
            json!({"username": username, "password": "password-123"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    (
        b["access_token"].as_str().unwrap().to_owned(),
        b["session_id"].as_str().unwrap().to_owned(),
    )
}

fn kinds(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Follows `Link: <…>; rel="next"` from `first` to the end; returns the
/// ids seen and the links.
async fn walk(app: &TestApp, token: &str, first: &str) -> (Vec<i64>, Vec<String>) {
    let mut ids = Vec::new();
    let mut links = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next.take() {
        let resp = app
            .client
            .get(app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        next = resp
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned())
            .map(|l| {
                links.push(l.clone());
                l.trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned()
            });
        let page: Value = resp.json().await.unwrap();
        ids.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        assert!(ids.len() < 1000, "paging loops");
    }
    (ids, links)
}

async fn events_filter_by_severity_and_session(app: TestApp) {
    app.register("sev", "password-123").await;
    app.post(
        "/api/login",
        None,
        json!({"username": "sev", "password": "wrong-wrong"}),
    )
    .await;
    let (_, sid) = session(&app, "sev").await;
    let analyst = app.analyst("ana").await;
    let (s, warn) = app
        .get(
            "/api/security-events?severity=warning&username=sev",
            Some(&analyst),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{warn}");
    assert_eq!(kinds(&warn), ["login_failed"]);
    assert!(warn[0]["feedback"].is_null());
    let (_, of_session) = app
        .get(
            &format!("/api/security-events?session_id={sid}"),
            Some(&analyst),
        )
        .await;
    assert_eq!(kinds(&of_session), ["session_started"]);
    assert!(of_session
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["session_id"] == sid.as_str()));
    let other = uuid::Uuid::new_v4();
    let (_, none) = app
        .get(
            &format!("/api/security-events?session_id={other}"),
            Some(&analyst),
        )
        .await;
    assert_eq!(none, json!([]));
    for bad in [
        "severity=loud",
        "session_id=nope",
        "format=xml",
        "before_id=x",
    ] {
        let got = app
            .get(&format!("/api/security-events?{bad}"), Some(&analyst))
            .await;
        assert!(got.0.is_client_error(), "{bad}: {got:?}");
        assert_ne!(got.0, StatusCode::NOT_FOUND);
    }
    app.assert_error(
        &app.get("/api/security-events?severity=loud", Some(&analyst))
            .await,
        422,
        "validation_failed",
    );
    let user = app.user("plain").await;
    app.assert_error(
        &app.get("/api/security-events?severity=info", Some(&user))
            .await,
        403,
        "forbidden",
    );
}

async fn events_keyset_paging_follows_link(app: TestApp) {
    for i in 0..5 {
        app.user(&format!("kp{i}")).await;
    }
    let analyst = app.analyst("kan").await;
    let (_, all) = app
        .get("/api/security-events?limit=1000", Some(&analyst))
        .await;
    let all_ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let top = all_ids[0] + 1;
    let (ids, links) = walk(
        &app,
        &analyst,
        &format!("/api/security-events?limit=3&before_id={top}"),
    )
    .await;
    assert_eq!(
        ids, all_ids,
        "keyset pages cover every event once, newest first"
    );
    assert!(!links.is_empty());
    assert!(links
        .iter()
        .all(|l| l.contains("before_id=") && l.contains("limit=3")));

    // Filters stay on the next link; X-Total-Count ignores the keyset.
    let resp = app
        .client
        .get(app.url(&format!(
            "/api/security-events?kind=register&limit=2&before_id={top}"
        )))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    let total: usize = resp.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, registers) = app
        .get(
            "/api/security-events?kind=register&limit=1000",
            Some(&analyst),
        )
        .await;
    assert_eq!(total, registers.as_array().unwrap().len());
    assert!(total >= 6);
    let link = resp.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("kind=register"), "{link}");
    let (ids, _) = walk(
        &app,
        &analyst,
        &format!("/api/security-events?kind=register&limit=2&before_id={top}"),
    )
    .await;
    assert_eq!(ids.len(), total);
    app.assert_error(
        &app.get(
            &format!("/api/security-events?before_id={top}&sort=created_at"),
            Some(&analyst),
        )
        .await,
        422,
        "validation_failed",
    );
}

async fn events_csv_export(app: TestApp) {
    app.register("csvu", "password-123").await;
    app.post(
        "/api/login",
        None,
        json!({"username": "csvu", "password": "a,\"quoted\" guess"}),
    )
    .await;
    let analyst = app.analyst("can").await;
    let resp = app
        .client
        .get(app.url("/api/security-events?format=csv&username=csvu"))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(resp.headers()["x-total-count"], "2");
    let body = resp.text().await.unwrap();
    assert!(!body.contains("quoted"), "no password in the export");
    let mut lines = body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,created_at,kind,severity,username,session_id,risk_score,detail,feedback"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{body}");
    assert!(rows[0].contains(",login_failed,warning,csvu,"), "{body}");
    assert!(rows[1].contains(",register,info,csvu,"), "{body}");
    let (_, json_list) = app
        .get("/api/security-events?username=csvu", Some(&analyst))
        .await;
    assert!(rows[0].starts_with(&json_list[0]["id"].to_string()));
    let user = app.user("csvplain").await;
    let got = app
        .send(
            Method::GET,
            "/api/security-events?format=csv",
            Some(&user),
            None,
        )
        .await;
    app.assert_error(&got, 403, "forbidden");
}
