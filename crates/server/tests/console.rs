//! The analyst console's session and user views (`docs/api.md`, "Console
//! views") and the challenge deadline on REST — over HTTP and the
//! websocket, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ws_packet, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use workspace_domain::SessionId;
use workspace_persistence::sessions;

both_backends!(
    session_view_lists_scored_windows_and_decisions,
    session_view_roles_and_unknown_sessions,
    user_view_sessions_profiles_and_feedback,
    unanswered_challenge_ends_the_session_on_rest,
    wrong_then_right_answer_keeps_the_session,
);

/// Typing no person produces: 40 keys exactly 12 ms apart, each held 4 ms.
fn robot_typing(t0: f64) -> Value {
    let mut events = Vec::new();
    for i in 0..40 {
        let code = format!("Key{}", char::from(b'A' + (i % 26) as u8));
        let t = t0 + f64::from(i) * 12.0;
        events.push(json!({"t": t, "kind": "keydown", "code": code}));
        events.push(json!({"t": t + 4.0, "kind": "keyup", "code": code}));
    }
    Value::Array(events)
}

/// The session view once `want` holds (the windows are written by the
/// connection's job queue, just after the `risk` message).
async fn session_view_when(
    app: &TestApp,
    token: &str,
    sid: &str,
    want: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/admin/sessions/{sid}");
    let mut last = Value::Null;
    for _ in 0..50 {
        let (s, v) = app.get(&path, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if want(&v) {
            return v;
        }
        last = v;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("session view never got there: {last}");
}

fn kinds(events: &Value) -> Vec<String> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn session_view_lists_scored_windows_and_decisions(app: TestApp) {
    app.register("robo", "password-123").await;
    let (token, sid) = app.start_session("robo", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let (replies, _) = ws_packet(&mut ws, 3, robot_typing(0.0), 2500).await;
    let risk = replies
        .iter()
        .find(|r| r["type"] == "risk")
        .unwrap_or_else(|| panic!("a risk message: {replies:?}"));
    assert_eq!(risk["level"], "high", "{risk}");
    assert!(
        replies.iter().any(|r| r["type"] == "challenge"),
        "{replies:?}"
    );
    let analyst = app.analyst("vana").await;
    let v = session_view_when(&app, &analyst, &sid, |v| {
        v["windows_total"].as_i64().unwrap_or(0) >= 1
            && kinds(&v["events"]).contains(&"risk_elevated".to_owned())
    })
    .await;
    assert_eq!(v["username"], "robo");
    let s = &v["session"];
    assert_eq!(s["session_id"], sid.as_str());
    assert_eq!(s["live"], true);
    assert!(s["ended_at"].is_null());
    assert!(s["started_at"].as_str().unwrap().ends_with('Z'));
    for k in ["last_seen_at", "end_reason", "ip", "user_agent"] {
        assert!(s.get(k).is_some(), "{k} missing from {s}");
    }
    // The window as the `risk` message said it, reasons in full.
    let w = &v["windows"][0];
    assert_eq!(w["seq"], 3);
    assert_eq!(w["modality"], risk["modality"]);
    assert_eq!(w["level"], risk["level"]);
    assert_eq!(w["model"], risk["model"]);
    assert_eq!(w["score"], risk["score"]);
    assert_eq!(w["reasons"], risk["reasons"]);
    assert!(!w["reasons"].as_array().unwrap().is_empty());
    assert!(w["created_at"].as_str().unwrap().ends_with('Z'));
    // Events oldest first, the decision point among them.
    let ev = kinds(&v["events"]);
    assert_eq!(ev[0], "session_started", "{ev:?}");
    let challenge = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "risk_elevated")
        .unwrap();
    assert_eq!(challenge["detail"]["action"], "challenge");
    assert!(challenge["feedback"].is_null());
    // The challenge's deadline is on the session, for REST too.
    let row = session_row(&app, &sid);
    let deadline = row.challenge_deadline.expect("a challenge deadline");
    let left = deadline - workspace_persistence::now_utc();
    assert!(
        left.num_seconds() > 30 && left.num_seconds() <= 60,
        "{left}"
    );
    // Feedback shows in the view; termination ends it with the reason.
    let id = challenge["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/security-events/{id}/feedback"),
            Some(&analyst),
            json!({"verdict": "intruder", "note": "a script"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .send(
            Method::POST,
            &format!("/api/admin/sessions/{sid}/terminate"),
            Some(&analyst),
            Some(json!({"reason": "scripted typing"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = app
        .get(&format!("/api/admin/sessions/{sid}"), Some(&analyst))
        .await;
    assert_eq!(v["session"]["live"], false);
    assert_eq!(v["session"]["end_reason"], "admin");
    let events = v["events"].as_array().unwrap();
    let marked = events.iter().find(|e| e["id"] == id).unwrap();
    assert_eq!(marked["feedback"]["verdict"], "intruder");
    assert_eq!(marked["feedback"]["note"], "a script");
    let term = events
        .iter()
        .find(|e| e["kind"] == "session_terminated")
        .unwrap();
    assert_eq!(term["detail"]["note"], "scripted typing");
    assert_eq!(term["detail"]["by"], "vana");
    assert!(kinds(&v["events"]).contains(&"feedback_given".to_owned()));
}

async fn session_view_roles_and_unknown_sessions(app: TestApp) {
    app.register("plainer", "password-123").await;
    let (token, sid) = app.start_session("plainer", "password-123").await;
    let path = format!("/api/admin/sessions/{sid}");
    app.assert_error(&app.get(&path, Some(&token)).await, 403, "forbidden");
    app.assert_error(&app.get(&path, None).await, 401, "unauthorized");
    let admin = app.admin().await;
    let (s, v) = app.get(&path, Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["windows"], json!([]));
    assert_eq!(v["windows_total"], 0);
    assert_eq!(kinds(&v["events"]), ["session_started"]);
    let unknown = format!("/api/admin/sessions/{}", uuid::Uuid::new_v4());
    app.assert_error(&app.get(&unknown, Some(&admin)).await, 404, "not_found");
    let (s, body) = app
        .get("/api/admin/sessions/not-a-uuid", Some(&admin))
        .await;
    assert!(s.is_client_error(), "{s} {body}");
    assert!(body["error"].is_string(), "{body}");
    // The user view: same roles.
    app.assert_error(
        &app.get("/api/admin/users/plainer", Some(&token)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.get("/api/admin/users/nobody-here", Some(&admin)).await,
        404,
        "not_found",
    );
    let (_, doc) = app.get("/api/openapi.json", None).await;
    for path in [
        "/api/admin/sessions/{session_id}",
        "/api/admin/users/{username}",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} not in the OpenAPI"
        );
    }
    for bad in ["limit=0", "limit=x", "offset=-1"] {
        let got = app
            .get(&format!("/api/admin/users/plainer?{bad}"), Some(&admin))
            .await;
        assert!(got.0.is_client_error(), "{bad}: {got:?}");
        assert_ne!(got.0, StatusCode::NOT_FOUND, "{bad}");
    }
}

async fn user_view_sessions_profiles_and_feedback(app: TestApp) {
    app.register("Uve", "password-123").await;
    let mut sids = Vec::new();
    for _ in 0..3 {
        sids.push(app.start_session("uve", "password-123").await.1);
    }
    let analyst = app.analyst("uva").await;
    // End the oldest, give a verdict on its termination.
    app.send(
        Method::POST,
        &format!("/api/admin/sessions/{}/terminate", sids[0]),
        Some(&analyst),
        None,
    )
    .await;
    let (_, evs) = app
        .get(
            &format!(
                "/api/security-events?session_id={}&kind=session_terminated",
                sids[0]
            ),
            Some(&analyst),
        )
        .await;
    let ev_id = evs[0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/security-events/{ev_id}/feedback"),
        Some(&analyst),
        json!({"verdict": "owner", "note": "was her"}),
    )
    .await;
    let (s, v) = app
        .get("/api/admin/users/UVE?limit=2", Some(&analyst))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["username"], "Uve");
    assert_eq!(v["user"]["role"], "user");
    assert_eq!(v["user"]["live_sessions"], 2);
    assert!(v["user"]["profiles"].get("keystroke").is_some());
    assert_eq!(v["sessions_total"], 3);
    let page: Vec<&str> = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(page, [sids[2].as_str(), sids[1].as_str()], "newest first");
    assert_eq!(v["sessions"][0]["live"], true);
    assert_eq!(v["sessions"][0]["windows"], 0);
    assert!(v["sessions"][0]["max_score"].is_null());
    let (_, older) = app
        .get("/api/admin/users/uve?limit=2&offset=2", Some(&analyst))
        .await;
    assert_eq!(older["sessions"][0]["session_id"], sids[0].as_str());
    assert_eq!(older["sessions"][0]["live"], false);
    assert_eq!(older["sessions"][0]["end_reason"], "admin");
    let f = &v["feedback"][0];
    assert_eq!(f["event_id"], ev_id);
    assert_eq!(f["kind"], "session_terminated");
    assert_eq!(f["session_id"], sids[0].as_str());
    assert_eq!(f["verdict"], "owner");
    assert_eq!(f["by"], "uva");
    assert_eq!(f["note"], "was her");
    assert!(f["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["feedback"].as_array().unwrap().len(), 1);
    // Terminating all of them shows in the view.
    let (s, _) = app
        .send(
            Method::POST,
            "/api/admin/users/uve/sessions/terminate",
            Some(&analyst),
            Some(json!({"reason": "lost laptop"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = app.get("/api/admin/users/uve", Some(&analyst)).await;
    assert_eq!(v["user"]["live_sessions"], 0);
    assert!(v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["live"] == false));
}

/// The stored row of a session.
fn session_row(app: &TestApp, sid: &str) -> sessions::MonitoredSessionRow {
    let db = app.db.database();
    let mut conn = db.conn().unwrap();
    let sid: SessionId = sid.parse().unwrap();
    sessions::get(&mut conn, sid).unwrap().unwrap()
}

/// Opens a challenge on `sid` that ended `seconds_ago` (negative: still open).
fn open_challenge(app: &TestApp, sid: &str, seconds_ago: i64) {
    let deadline = workspace_persistence::now_utc() - chrono::Duration::seconds(seconds_ago);
    let db = app.db.database();
    let mut conn = db.conn().unwrap();
    assert!(sessions::open_challenge(&mut conn, sid.parse().unwrap(), deadline).unwrap());
}

async fn unanswered_challenge_ends_the_session_on_rest(app: TestApp) {
    app.register("slow", "password-123").await;
    // No websocket at all: only REST.
    let (token, sid) = app.start_session("slow", "password-123").await;
    open_challenge(&app, &sid, -30);
    let (s, _) = app.get("/api/projects", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "before the deadline the session works");
    // Past the deadline, the next request ends the session.
    let (token2, sid2) = app.start_session("slow", "password-123").await;
    open_challenge(&app, &sid2, 1);
    app.assert_error(
        &app.get("/api/projects", Some(&token2)).await,
        401,
        "session_terminated",
    );
    app.assert_error(
        &app.post(
            "/api/sessions/verify",
            Some(&token2),
            json!({"password": "password-123"}),
        )
        .await,
        401,
        "session_terminated",
    );
    let analyst = app.analyst("slowa").await;
    let (_, v) = app
        .get(&format!("/api/admin/sessions/{sid2}"), Some(&analyst))
        .await;
    assert_eq!(v["session"]["end_reason"], "challenge_timeout");
    let term = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "session_terminated")
        .expect("a session_terminated event");
    assert_eq!(term["detail"]["reason"], "challenge_timeout");
    // The first session is untouched.
    let (s, _) = app.get("/api/projects", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
}

async fn wrong_then_right_answer_keeps_the_session(app: TestApp) {
    app.register("typo", "password-123").await;
    let (token, sid) = app.start_session("typo", "password-123").await;
    open_challenge(&app, &sid, -50);
    app.assert_error(
        &app.post(
            "/api/sessions/verify",
            Some(&token),
            json!({"password": "password-124"}),
        )
        .await,
        401,
        "invalid_credentials",
    );
    let (s, b) = app
        .post(
            "/api/sessions/verify",
            Some(&token),
            json!({"password": "password-123"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let fresh = b["access_token"].as_str().unwrap().to_owned();
    let (s, me) = app.get("/api/me", Some(&fresh)).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    // The right answer closed the challenge: no deadline is left to end it.
    let row = session_row(&app, &sid);
    assert!(row.challenge_deadline.is_none());
    assert_eq!(row.challenge_failures, 0);
    assert!(row.is_active());
    let (s, _) = app.get("/api/me", Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old token is refused");
}
