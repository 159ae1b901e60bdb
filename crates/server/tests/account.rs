//! Account and sessions (api.md "Account and sessions"), event origins
//! (`ip`, `user_agent`, `TRUSTED_PROXIES`) and the challenge rules, on both
//! backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ws_drain_until_close, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use workspace_domain::UserId;
use workspace_persistence::{behavior, users};

both_backends!(
    password_change_ends_the_other_sessions_over_rest_and_websocket,
    refused_password_changes_change_nothing,
    wrong_current_password_counts_for_the_login_throttle,
    account_deletion_erases_the_user,
    last_admin_cannot_delete_itself,
    session_list_and_revoke,
    refresh_gives_a_fresh_token_for_the_same_session,
    logout_of_a_plain_token_revokes_it,
    events_carry_ip_and_user_agent,
    challenge_allows_three_tries_and_replaces_the_token,
);

/// The reason of the `terminated` message before the close (and the code).
async fn terminated_reason(ws: &mut common::Ws) -> (String, Option<u16>) {
    let (msgs, code) = ws_drain_until_close(ws, 5).await;
    let reason = msgs
        .iter()
        .find(|m| m["type"] == "terminated")
        .map(|m| m["reason"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    (reason, code)
}

async fn sessions_of(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, b) = app.get("/api/sessions", Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b.as_array().unwrap().clone()
}

async fn password_change_ends_the_other_sessions_over_rest_and_websocket(app: TestApp) {
    app.register("ann", "password-123").await;
    let (a, sid_a) = app.start_session("ann", "password-123").await;
    let (b, sid_b) = app.start_session("ann", "password-123").await;
    let (mut ws_b, _) = app.ws_auth(&b).await;
    let (s, body) = app
        .post(
            "/api/account/password",
            Some(&a),
            json!({"current_password": "password-123", "new_password": "new-password-456"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    // The other session ended over the websocket…
    let (reason, code) = terminated_reason(&mut ws_b).await;
    assert_eq!((reason.as_str(), code), ("password_changed", Some(4403)));
    // …and over REST.
    app.assert_error(
        &app.get("/api/me", Some(&b)).await,
        401,
        "session_terminated",
    );
    // The caller's own session goes on.
    let (s, me) = app.get("/api/me", Some(&a)).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let list = sessions_of(&app, &a).await;
    let b_row = list.iter().find(|r| r["session_id"] == sid_b).unwrap();
    assert_eq!(b_row["end_reason"], "password_changed");
    let a_row = list.iter().find(|r| r["session_id"] == sid_a).unwrap();
    assert!(a_row["ended_at"].is_null());
    // The old password no longer signs in; the new one does.
    app.assert_error(
        &app.post(
            "/api/login",
            None,
            json!({"username": "ann", "password": "password-123"}),
        )
        .await,
        401,
        "invalid_credentials",
    );
    app.login("ann", "new-password-456").await;
    // An analyst sees a session_terminated event with the reason.
    let admin = app.admin().await;
    let (_, events) = app
        .get(
            "/api/security-events?username=ann&kind=session_terminated",
            Some(&admin),
        )
        .await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["reason"], "password_changed");
    assert_eq!(events[0]["session_id"], sid_b);
}

async fn refused_password_changes_change_nothing(app: TestApp) {
    app.register("bob", "password-123").await;
    let (a, _) = app.start_session("bob", "password-123").await;
    let (b, _) = app.start_session("bob", "password-123").await;
    let change = |body: Value| {
        let a = a.clone();
        let app = &app;
        async move { app.post("/api/account/password", Some(&a), body).await }
    };
    let got = change(json!({"current_password": "password-123"})).await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "new_password");
    let got = change(json!({"current_password": "password-123", "new_password": "short"})).await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "new_password");
    let long = "x".repeat(73);
    let got = change(json!({"current_password": "password-123", "new_password": long})).await;
    assert_eq!(got.1["field"], "new_password");
    let got = change(json!({"new_password": "new-password-456"})).await;
    assert_eq!(got.1["field"], "current_password");
    let got = change(json!({"current_password": 5, "new_password": "new-password-456"})).await;
    app.assert_error(&got, 400, "bad_request");
    let got =
        change(json!({"current_password": "wrong-one!", "new_password": "new-password-456"})).await;
    app.assert_error(&got, 401, "invalid_credentials");
    // Nothing changed: the other session lives, the old password works.
    let (s, _) = app.get("/api/me", Some(&b)).await;
    assert_eq!(s, StatusCode::OK);
    app.login("bob", "password-123").await;
    app.assert_error(
        &app.post(
            "/api/login",
            None,
            json!({"username": "bob", "password": "new-password-456"}),
        )
        .await,
        401,
        "invalid_credentials",
    );
    // Without a token: 401.
    app.assert_error(
        &app.post(
            "/api/account/password",
            None,
            json!({"current_password": "password-123", "new_password": "new-password-456"}),
        )
        .await,
        401,
        "unauthorized",
    );
}

async fn wrong_current_password_counts_for_the_login_throttle(app: TestApp) {
    let token = app.user("cid").await;
    for _ in 0..5 {
        let got = app
            .post(
                "/api/account/password",
                Some(&token),
                json!({"current_password": "wrong-pass", "new_password": "new-password-456"}),
            )
            .await;
        app.assert_error(&got, 401, "invalid_credentials");
    }
    let got = app
        .post(
            "/api/login",
            None,
            json!({"username": "cid", "password": "password-123"}),
        )
        .await;
    app.assert_error(&got, 429, "too_many_requests");
    let got = app
        .post(
            "/api/account/password",
            Some(&token),
            json!({"current_password": "password-123", "new_password": "new-password-456"}),
        )
        .await;
    app.assert_error(&got, 429, "too_many_requests");
}

async fn account_deletion_erases_the_user(app: TestApp) {
    let reg = app.register("dan", "password-123").await;
    let uid = UserId::new(reg["id"].as_i64().unwrap());
    let other = app.user("eve").await;
    let (token, _) = app.start_session("dan", "password-123").await;
    let plain = app.login("dan", "password-123").await;
    let (s, p) = app
        .post("/api/projects", Some(&token), json!({"name": "Site"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let (s, t) = app
        .post(
            &format!("/api/projects/{pid}/tasks"),
            Some(&token),
            json!({"title": "Draft"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let (s, _) = app
        .post("/api/projects", Some(&other), json!({"name": "Eve's"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Behaviour data of the user, stored directly.
    let db = app.db.database();
    {
        let mut conn = db.conn().unwrap();
        behavior::upsert_profile(
            &mut conn,
            &behavior::NewProfile {
                user_id: uid,
                modality: "keystroke",
                state: "enrolling",
                samples: 1,
                format_version: 1,
                data: "{}",
            },
        )
        .unwrap();
        behavior::insert_window(
            &mut conn,
            &behavior::NewWindow {
                user_id: uid,
                session_id: None,
                modality: "keystroke",
                features: "[1.0]",
                risk_score: None,
            },
        )
        .unwrap();
        assert_eq!(
            behavior::count_windows_for(&mut conn, "keystroke").unwrap(),
            1
        );
    }
    let (mut ws, _) = app.ws_auth(&token).await;
    // Refused: missing or wrong password — nothing changes.
    let got = app
        .send(
            Method::DELETE,
            "/api/account",
            Some(&token),
            Some(json!({})),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "password");
    let got = app
        .send(
            Method::DELETE,
            "/api/account",
            Some(&token),
            Some(json!({"password": "wrong-pass"})),
        )
        .await;
    app.assert_error(&got, 401, "invalid_credentials");
    let (s, _) = app.get(&format!("/api/projects/{pid}"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    // Deleted.
    let (s, b) = app
        .send(
            Method::DELETE,
            "/api/account",
            Some(&token),
            Some(json!({"password": "password-123"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (reason, code) = terminated_reason(&mut ws).await;
    assert_eq!((reason.as_str(), code), ("account_deleted", Some(4403)));
    for t in [&token, &plain] {
        let (s, _) = app.get("/api/me", Some(t)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    app.assert_error(
        &app.post(
            "/api/login",
            None,
            json!({"username": "dan", "password": "password-123"}),
        )
        .await,
        401,
        "invalid_credentials",
    );
    {
        let mut conn = db.conn().unwrap();
        assert!(users::find_by_id(&mut conn, uid).unwrap().is_none());
        assert!(behavior::get_profiles(&mut conn, uid).unwrap().is_empty());
        assert_eq!(
            behavior::count_windows_for(&mut conn, "keystroke").unwrap(),
            0
        );
    }
    // Other users' data stays; the name can be registered again, empty.
    let (_, list) = app.get("/api/projects", Some(&other)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    app.register("dan", "password-123").await;
    let fresh = app.login("dan", "password-123").await;
    let (_, list) = app.get("/api/projects", Some(&fresh)).await;
    assert_eq!(list, json!([]));
    // The audit log keeps the events by username.
    let admin = app.admin().await;
    let (_, events) = app
        .get("/api/security-events?kind=account_deleted", Some(&admin))
        .await;
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events[0]["username"], "dan");
}

async fn last_admin_cannot_delete_itself(app: TestApp) {
    let admin = app.admin().await;
    let got = app
        .send(
            Method::DELETE,
            "/api/account",
            Some(&admin),
            Some(json!({"password": common::ADMIN.1})),
        )
        .await;
    app.assert_error(&got, 409, "conflict");
    let (s, me) = app.get("/api/me", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["role"], "admin");
    // With a second admin it may go.
    app.register("second", "password-123").await;
    app.post(
        "/api/admin/users/second/role",
        Some(&admin),
        json!({"role": "admin"}),
    )
    .await;
    let (s, b) = app
        .send(
            Method::DELETE,
            "/api/account",
            Some(&admin),
            Some(json!({"password": common::ADMIN.1})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
}

async fn session_list_and_revoke(app: TestApp) {
    app.register("fay", "password-123").await;
    let other = app.user("gus").await;
    let (a, sid_a) = app.start_session("fay", "password-123").await;
    let resp = app
        .client
        .post(app.url("/api/start-session"))
        .header("user-agent", "FayBrowser/2.0")
        .json(&json!({"username": "fay", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let list = sessions_of(&app, &a).await;
    assert_eq!(list.len(), 2, "{list:?}");
    // Newest first; the caller's is marked.
    let (newest, oldest) = (&list[0], &list[1]);
    assert_eq!(oldest["session_id"], sid_a);
    assert_eq!(oldest["current"], true);
    assert_eq!(newest["current"], false);
    assert_eq!(newest["user_agent"], "FayBrowser/2.0");
    assert_eq!(newest["ip"], "127.0.0.1");
    for key in [
        "session_id",
        "started_at",
        "last_seen_at",
        "ended_at",
        "end_reason",
        "ip",
        "user_agent",
        "current",
    ] {
        assert!(newest.get(key).is_some(), "{key} in {newest}");
    }
    let sid_b = newest["session_id"].as_str().unwrap().to_owned();
    // Another user's session, an unknown one, a malformed id: 404.
    let (_, gus_sid) = app.start_session("gus", "password-123").await;
    let got = app
        .delete(&format!("/api/sessions/{gus_sid}"), Some(&a))
        .await;
    app.assert_error(&got, 404, "not_found");
    let got = app
        .delete(
            "/api/sessions/00000000-0000-4000-8000-000000000000",
            Some(&a),
        )
        .await;
    app.assert_error(&got, 404, "not_found");
    let got = app.delete("/api/sessions/not-a-uuid", Some(&a)).await;
    app.assert_error(&got, 404, "not_found");
    // Gus's session still lives; his list does not show fay's.
    let gus_list = sessions_of(&app, &other).await;
    assert_eq!(gus_list.len(), 1);
    assert!(gus_list[0]["ended_at"].is_null());
    // Revoking her own other session ends it.
    let (s, _) = app
        .delete(&format!("/api/sessions/{sid_b}"), Some(&a))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let list = sessions_of(&app, &a).await;
    let row = list.iter().find(|r| r["session_id"] == sid_b).unwrap();
    assert_eq!(row["end_reason"], "revoked");
    assert!(row["ended_at"].is_string());
    let (s, _) = app.get("/api/me", Some(&a)).await;
    assert_eq!(s, StatusCode::OK);
}

async fn refresh_gives_a_fresh_token_for_the_same_session(app: TestApp) {
    app.register("hal", "password-123").await;
    let (token, sid) = app.start_session("hal", "password-123").await;
    let (s, b) = app
        .send(Method::POST, "/api/token/refresh", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["session_id"], sid);
    assert_eq!(b["user"]["username"], "hal");
    assert!(b["expires_in"].as_i64().unwrap() > 0);
    let fresh = b["access_token"].as_str().unwrap();
    assert_ne!(fresh, token);
    let (s, me) = app.get("/api/me", Some(fresh)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["session_id"], sid);
    // A plain token refreshes to a plain token.
    let plain = app.login("hal", "password-123").await;
    let (s, b) = app
        .send(Method::POST, "/api/token/refresh", Some(&plain), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b.get("session_id").is_none());
    // An ended session does not refresh.
    app.send(Method::POST, "/api/logout", Some(fresh), None)
        .await;
    app.assert_error(
        &app.send(Method::POST, "/api/token/refresh", Some(&token), None)
            .await,
        401,
        "session_terminated",
    );
    app.assert_error(
        &app.send(Method::POST, "/api/token/refresh", None, None)
            .await,
        401,
        "unauthorized",
    );
    // SESSION_MAX_SECONDS counts from the session's start.
    let short = TestApp::spawn_with(backend_of(&app), |s| s.session_max_seconds = 1)
        .await
        .unwrap();
    short.register("ida", "password-123").await;
    let (token, _) = short.start_session("ida", "password-123").await;
    let plain = short.login("ida", "password-123").await;
    let (s, _) = short
        .send(Method::POST, "/api/token/refresh", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    for t in [&token, &plain] {
        short.assert_error(
            &short
                .send(Method::POST, "/api/token/refresh", Some(t), None)
                .await,
            401,
            "session_expired",
        );
    }
}

fn backend_of(app: &TestApp) -> common::Backend {
    if app.db.database_url().is_some() {
        common::Backend::Postgres
    } else {
        common::Backend::Sqlite
    }
}

async fn logout_of_a_plain_token_revokes_it(app: TestApp) {
    let token = app.user("jon").await;
    let other = app.login("jon", "password-123").await;
    let (s, _) = app
        .send(Method::POST, "/api/logout", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.assert_error(&app.get("/api/me", Some(&token)).await, 401, "unauthorized");
    app.assert_error(
        &app.send(Method::POST, "/api/token/refresh", Some(&token), None)
            .await,
        401,
        "unauthorized",
    );
    // Another token of the same user is not affected; logging out twice is
    // refused like any revoked token.
    let (s, _) = app.get("/api/me", Some(&other)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .send(Method::POST, "/api/logout", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn events_carry_ip_and_user_agent(app: TestApp) {
    // Without TRUSTED_PROXIES, X-Forwarded-For is not believed.
    let resp = app
        .client
        .post(app.url("/api/register"))
        .header("user-agent", "Probe/1.0")
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "kim", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let admin = app.admin().await;
    let (_, ev) = app
        .get(
            "/api/security-events?username=kim&kind=register",
            Some(&admin),
        )
        .await;
    assert_eq!(ev[0]["ip"], "127.0.0.1", "{ev}");
    assert_eq!(ev[0]["user_agent"], "Probe/1.0");
    // With the peer trusted, the rightmost untrusted hop is the client.
    let proxied = TestApp::spawn_with(backend_of(&app), |s| {
        s.trusted_proxies = Some("127.0.0.1, 10.0.0.0/8".into());
    })
    .await
    .unwrap();
    let resp = proxied
        .client
        .post(proxied.url("/api/login"))
        .header("user-agent", "Probe/2.0")
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.1.2.3")
        .json(&json!({"username": "nobody", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let admin = proxied.admin().await;
    let (_, ev) = proxied
        .get(
            "/api/security-events?username=nobody&kind=login_failed",
            Some(&admin),
        )
        .await;
    assert_eq!(ev[0]["ip"], "203.0.113.9", "{ev}");
    assert_eq!(ev[0]["user_agent"], "Probe/2.0");
    // Sessions store them too, and the session's events without a request
    // (the websocket's) fall back to them.
    proxied.register("lea", "password-123").await;
    let resp = proxied
        .client
        .post(proxied.url("/api/start-session"))
        .header("user-agent", "Probe/3.0")
        .header("x-forwarded-for", "192.0.2.44")
        .json(&json!({"username": "lea", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let list = sessions_of(&proxied, token).await;
    assert_eq!(list[0]["ip"], "192.0.2.44");
    assert_eq!(list[0]["user_agent"], "Probe/3.0");
    let (_, ev) = proxied
        .get(
            "/api/security-events?username=lea&kind=session_started",
            Some(&admin),
        )
        .await;
    assert_eq!(ev[0]["ip"], "192.0.2.44", "{ev}");
}

async fn challenge_allows_three_tries_and_replaces_the_token(app: TestApp) {
    app.register("max", "password-123").await;
    let (token, sid) = app.start_session("max", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let verify = |t: String, password: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/sessions/verify",
                Some(&t),
                json!({ "password": password }),
            )
            .await
        }
    };
    // Two wrong answers: the session lives.
    for _ in 0..2 {
        let got = verify(token.clone(), "wrong-one").await;
        app.assert_error(&got, 401, "invalid_credentials");
        let (s, _) = app.get("/api/me", Some(&token)).await;
        assert_eq!(s, StatusCode::OK);
    }
    // The right one answers a fresh token; the old one is refused from then on.
    let (s, b) = verify(token.clone(), "password-123").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["session_id"], sid);
    let fresh = b["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, token);
    app.assert_error(&app.get("/api/me", Some(&token)).await, 401, "unauthorized");
    let (s, me) = app.get("/api/me", Some(&fresh)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["session_id"], sid);
    // The websocket stays open; the old token cannot open another one.
    let (s, _) = app
        .send(Method::POST, "/api/token/refresh", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The success reset the count: three more wrong answers end it.
    for i in 0..3 {
        let got = verify(fresh.clone(), "wrong-one").await;
        app.assert_error(&got, 401, "invalid_credentials");
        if i < 2 {
            let (s, _) = app.get("/api/me", Some(&fresh)).await;
            assert_eq!(s, StatusCode::OK, "after {} wrong", i + 1);
        }
    }
    let (reason, code) = terminated_reason(&mut ws).await;
    assert_eq!((reason.as_str(), code), ("challenge_failed", Some(4403)));
    app.assert_error(
        &app.get("/api/me", Some(&fresh)).await,
        401,
        "session_terminated",
    );
    let admin = app.admin().await;
    let (_, ev) = app
        .get(
            "/api/security-events?username=max&kind=challenge_failed",
            Some(&admin),
        )
        .await;
    assert_eq!(ev.as_array().unwrap().len(), 5, "{ev}");
}
