//! The authentication cache (issue 14) never outlives a change: a role
//! change, a termination, a session revoke, a password change, a sign-out and
//! a deleted account take effect on the very next request of the instance
//! that made the change — with the caller's facts cached by a request just
//! before — and, on PostgreSQL, on a second instance on the same database
//! within the `NOTIFY` latency (measured and printed; far below the cache's
//! 5 s fallback, so it is the notice that did it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

both_backends!(
    role_change_is_seen_at_once,
    termination_is_seen_at_once,
    revoke_is_seen_at_once,
    password_change_is_seen_at_once,
    deleted_account_is_seen_at_once,
    sign_out_is_seen_at_once,
);

/// A request that caches the caller (and proves the token works).
async fn warm(app: &TestApp, token: &str) {
    let (s, b) = app.get("/api/projects", Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn role_change_is_seen_at_once(app: TestApp) {
    let token = app.user("rolf").await;
    let admin = app.admin().await;
    let events = "/api/security-events";
    app.assert_error(&app.get(events, Some(&token)).await, 403, "forbidden");
    let set = |role: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let path = "/api/admin/users/rolf/role";
            let (s, b) = app.post(path, Some(&admin), json!({ "role": role })).await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    };
    set("analyst").await;
    let (s, b) = app.get(events, Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, me) = app.get("/api/me", Some(&token)).await;
    assert_eq!((s, me["role"].as_str()), (StatusCode::OK, Some("analyst")));
    set("user").await;
    app.assert_error(&app.get(events, Some(&token)).await, 403, "forbidden");
}

async fn termination_is_seen_at_once(app: TestApp) {
    app.register("tess", "password-123").await;
    let (token, sid) = app.start_session("tess", "password-123").await;
    warm(&app, &token).await;
    let analyst = app.analyst("ann").await;
    let path = format!("/api/admin/sessions/{sid}/terminate");
    let (s, b) = app.post(&path, Some(&analyst), json!({})).await;
    assert!(s.is_success(), "{s} {b}");
    let got = app.get("/api/projects", Some(&token)).await;
    app.assert_error(&got, 401, "session_terminated");
}

async fn revoke_is_seen_at_once(app: TestApp) {
    app.register("rita", "password-123").await;
    let (keep, _) = app.start_session("rita", "password-123").await;
    let (other, other_sid) = app.start_session("rita", "password-123").await;
    warm(&app, &other).await;
    let (s, b) = app
        .delete(&format!("/api/sessions/{other_sid}"), Some(&keep))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let got = app.get("/api/projects", Some(&other)).await;
    app.assert_error(&got, 401, "session_terminated");
    warm(&app, &keep).await;
}

async fn password_change_is_seen_at_once(app: TestApp) {
    app.register("paul", "password-123").await;
    let (keep, _) = app.start_session("paul", "password-123").await;
    let (other, _) = app.start_session("paul", "password-123").await;
    warm(&app, &other).await;
    let body = json!({"current_password": "password-123", "new_password": "password-456"});
    let (s, b) = app.post("/api/account/password", Some(&keep), body).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let got = app.get("/api/projects", Some(&other)).await;
    app.assert_error(&got, 401, "session_terminated");
    warm(&app, &keep).await;
}

async fn deleted_account_is_seen_at_once(app: TestApp) {
    let token = app.user("dora").await;
    warm(&app, &token).await;
    let (s, b) = app
        .send(
            reqwest::Method::DELETE,
            "/api/account",
            Some(&token),
            Some(json!({"password": "password-123"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let got = app.get("/api/projects", Some(&token)).await;
    app.assert_error(&got, 401, "unauthorized");
}

async fn sign_out_is_seen_at_once(app: TestApp) {
    let token = app.user("olga").await;
    warm(&app, &token).await;
    let (s, b) = app.post("/api/logout", Some(&token), json!({})).await;
    assert!(s.is_success(), "{s} {b}");
    let got = app.get("/api/projects", Some(&token)).await;
    app.assert_error(&got, 401, "unauthorized");
}

// ---------------------------------------------------------------------------
// Two instances on one PostgreSQL database

/// How long the other instance may take (the cache's own fallback is 5 s).
const NOTICE_DEADLINE: Duration = Duration::from_secs(3);

/// Polls `path` on `other` until it answers `status`; returns how long that
/// took after the change. Panics after [`NOTICE_DEADLINE`].
async fn seen_by(other: &TestApp, token: &str, path: &str, status: u16, what: &str) -> Duration {
    let changed = Instant::now();
    loop {
        let (s, b): (StatusCode, Value) = other.get(path, Some(token)).await;
        if s.as_u16() == status {
            let took = changed.elapsed();
            eprintln!("auth_cache: {what} seen by the other instance after {took:?}");
            return took;
        }
        assert!(
            changed.elapsed() < NOTICE_DEADLINE,
            "{what}: the other instance still answers {s} {b}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_reach_the_other_instance() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("skipped: TEST_POSTGRES_URL is not set (SQLite runs one instance)");
        return;
    };
    let other = app.spawn_beside().await;
    let admin = app.admin().await;

    // Role change.
    let token = app.user("remo").await;
    let events = "/api/security-events";
    other.assert_error(&other.get(events, Some(&token)).await, 403, "forbidden");
    let promote = json!({"role": "analyst"});
    let (s, b) = app
        .post("/api/admin/users/remo/role", Some(&admin), promote)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    seen_by(&other, &token, events, 200, "role change").await;

    // Termination.
    app.register("tomo", "password-123").await;
    let (token, sid) = app.start_session("tomo", "password-123").await;
    warm(&other, &token).await;
    let path = format!("/api/admin/sessions/{sid}/terminate");
    let (s, b) = app.post(&path, Some(&admin), json!({})).await;
    assert!(s.is_success(), "{s} {b}");
    seen_by(&other, &token, "/api/projects", 401, "termination").await;

    // Revoke and password change.
    app.register("pia", "password-123").await;
    let (keep, _) = app.start_session("pia", "password-123").await;
    let (revoked, revoked_sid) = app.start_session("pia", "password-123").await;
    let (third, _) = app.start_session("pia", "password-123").await;
    warm(&other, &revoked).await;
    warm(&other, &third).await;
    let (s, b) = app
        .delete(&format!("/api/sessions/{revoked_sid}"), Some(&keep))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    seen_by(&other, &revoked, "/api/projects", 401, "session revoke").await;
    let body = json!({"current_password": "password-123", "new_password": "password-456"});
    let (s, b) = app.post("/api/account/password", Some(&keep), body).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    seen_by(&other, &third, "/api/projects", 401, "password change").await;

    // Deleted account and sign-out of a plain token.
    let gone = app.user("gina").await;
    warm(&other, &gone).await;
    let body = json!({"password": "password-123"});
    let (s, b) = app
        .send(
            reqwest::Method::DELETE,
            "/api/account",
            Some(&gone),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    seen_by(&other, &gone, "/api/projects", 401, "deleted account").await;
    let plain = app.user("lena").await;
    warm(&other, &plain).await;
    let (s, b) = app.post("/api/logout", Some(&plain), json!({})).await;
    assert!(s.is_success(), "{s} {b}");
    seen_by(&other, &plain, "/api/projects", 401, "sign-out").await;
}
