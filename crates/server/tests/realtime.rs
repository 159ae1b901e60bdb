//! The realtime behavioural stream `/ws/behavioral`, end to end against
//! the real server over WebSocket, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use behavior_ml::synth::Typist;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use workspace_persistence::behavior;

both_backends!(
    auth_ok_reports_enrollment,
    auth_failures_close_with_4401,
    bad_input_gets_errors_and_the_connection_stays,
    learning_mode_scores_null_and_never_blocks,
    synthetic_owner_enrolls_and_intruder_is_blocked,
    admin_termination_reaches_the_websocket,
    verify_clears_or_ends_the_session,
    profile_reset_and_train_global,
    auth_ok_announces_the_limits_the_server_enforces,
);

async fn auth_ok_reports_enrollment(app: TestApp) {
    app.register("wendy", "password-123").await;
    let (token, sid) = app.start_session("wendy", "password-123").await;
    let (_ws, hello) = app.ws_auth(&token).await;
    assert_eq!(hello["session_id"], sid.as_str());
    for m in ["keystroke", "mouse"] {
        assert_eq!(hello["profile"][m]["state"], "enrolling", "{hello}");
        assert_eq!(hello["profile"][m]["samples"], 0);
        assert!(hello["profile"][m]["required"].as_u64().unwrap() > 0);
    }
    // A non-browser client may authenticate with the upgrade's header.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let hello = ws_next_json(&mut ws).await;
    assert_eq!(hello["type"], "auth_ok");
    // A foreign Origin is refused at the upgrade.
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    // The same origin is fine.
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("origin", app.base.parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_ok());
}

async fn expect_4401(app: &TestApp, first: Option<Value>, code: &str) {
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url())
        .await
        .unwrap();
    if let Some(m) = first {
        ws_send(&mut ws, m).await;
    }
    let (msgs, close) = ws_drain_until_close(&mut ws, 8).await;
    assert_eq!(close, Some(4401), "{msgs:?}");
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["type"], "error");
    assert_eq!(msgs[0]["error"], code, "{msgs:?}");
}

async fn auth_failures_close_with_4401(app: TestApp) {
    app.register("xena", "password-123").await;
    let plain = app.login("xena", "password-123").await;
    expect_4401(
        &app,
        Some(json!({"type": "auth", "token": "garbage"})),
        "unauthorized",
    )
    .await;
    expect_4401(
        &app,
        Some(json!({"type": "auth", "token": plain})),
        "unauthorized",
    )
    .await;
    expect_4401(
        &app,
        Some(json!({"type": "behavior", "events": []})),
        "unauthorized",
    )
    .await;
    expect_4401(&app, Some(json!("not an object")), "unauthorized").await;
    let (token, _) = app.start_session("xena", "password-123").await;
    app.send(Method::POST, "/api/logout", Some(&token), None)
        .await;
    expect_4401(
        &app,
        Some(json!({"type": "auth", "token": token})),
        "session_terminated",
    )
    .await;
    // Silence: closed after 5 s.
    expect_4401(&app, None, "unauthorized").await;
    let admin = app.admin().await;
    let (_, evs) = app
        .get("/api/security-events?kind=ws_auth_failed", Some(&admin))
        .await;
    assert!(evs.as_array().unwrap().len() >= 5, "{evs}");
}

fn typing(typist: &mut Typist, words: usize, dt: f64) -> Value {
    wire_events(&typist.sentence(words), dt)
}

async fn bad_input_gets_errors_and_the_connection_stays(app: TestApp) {
    app.register("yuri", "password-123").await;
    app.register("zoe", "password-123").await;
    let (token, _) = app.start_session("yuri", "password-123").await;
    let (neighbour_token, _) = app.start_session("zoe", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let (mut neighbour, _) = app.ws_auth(&neighbour_token).await;
    let bad: Vec<(String, &str)> = vec![
        ("{not json".into(), "bad_request"),
        (json!({"type": "dance"}).to_string(), "bad_request"),
        (json!({"kind": "behavior"}).to_string(), "bad_request"),
        (json!({"type": "behavior", "events": "lots"}).to_string(), "bad_request"),
        (json!({"type": "behavior", "seq": "one", "events": []}).to_string(), "bad_request"),
        (json!({"type": "behavior", "events": [{"t": "soon", "kind": "keydown", "code": "KeyA"}]}).to_string(), "bad_request"),
        (json!({"type": "behavior", "events": [{"t": 1, "kind": "teleport"}]}).to_string(), "bad_request"),
        (json!({"type": "behavior", "events": [{"t": 900000, "kind": "keydown", "code": "KeyA"}, {"t": 10, "kind": "keyup", "code": "KeyA"}]}).to_string(), "validation_failed"),
        (json!({"type": "behavior", "events": vec![json!({"t": 1, "kind": "mousemove", "x": 1, "y": 1}); 2001]}).to_string(), "payload_too_large"),
        (json!({"type": "behavior", "pad": "x".repeat(70_000), "events": []}).to_string(), "payload_too_large"),
    ];
    for (text, code) in bad {
        ws_send_text(&mut ws, text).await;
        let reply = ws_next_json(&mut ws).await;
        assert_eq!(reply["type"], "error", "{reply}");
        assert_eq!(reply["error"], code, "{reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::binary(vec![
        1u8, 2, 3,
    ]))
    .await
    .unwrap();
    assert_eq!(ws_next_json(&mut ws).await["error"], "bad_request");
    // Still connected and scoring, and the neighbour is undisturbed.
    let mut t = Typist::new(5);
    let (replies, closed) = ws_packet(&mut ws, 1, typing(&mut t, 9, 0.0), 2500).await;
    assert!(closed.is_none());
    assert!(replies.iter().any(|r| r["type"] == "risk"), "{replies:?}");
    let mut t2 = Typist::new(6);
    let (replies, closed) = ws_packet(&mut neighbour, 1, typing(&mut t2, 9, 0.0), 2500).await;
    assert!(closed.is_none());
    assert!(replies.iter().any(|r| r["type"] == "risk"), "{replies:?}");
    // Flooding is throttled, not disconnected.
    for i in 0..60 {
        ws_send(
            &mut ws,
            json!({"type": "behavior", "seq": 100 + i, "events": []}),
        )
        .await;
    }
    let mut throttled = false;
    while let Received::Json(v) = ws_next(&mut ws, 2).await {
        throttled |= v["error"] == "too_many_requests";
    }
    assert!(throttled);
}

async fn learning_mode_scores_null_and_never_blocks(app: TestApp) {
    app.register("adam", "password-123").await;
    let (token, sid) = app.start_session("adam", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let mut t = Typist::new(11);
    let (replies, _) = ws_packet(&mut ws, 7, typing(&mut t, 9, 0.0), 2500).await;
    let risk = replies
        .iter()
        .find(|r| r["type"] == "risk")
        .expect("a risk message");
    assert_eq!(risk["seq"], 7);
    assert_eq!(risk["modality"], "keystroke");
    assert_eq!(risk["score"], Value::Null);
    assert_eq!(risk["model"], "none");
    assert!(risk["reasons"].is_array());
    let profile = replies
        .iter()
        .find(|r| r["type"] == "profile")
        .expect("a profile message");
    assert_eq!(profile["modality"], "keystroke");
    assert_eq!(profile["state"], "enrolling");
    let samples = profile["samples"].as_u64().unwrap();
    assert!(
        samples > 0 && samples < profile["required"].as_u64().unwrap(),
        "{profile}"
    );
    // Someone else typing during enrollment is not blocked in learning mode.
    let mut other = Typist::new(999);
    for seq in 8..12 {
        let (replies, closed) = ws_packet(
            &mut ws,
            seq,
            typing(&mut other, 9, 100_000.0 * seq as f64),
            800,
        )
        .await;
        assert!(closed.is_none(), "{replies:?}");
        assert!(replies.iter().all(|r| r["type"] != "terminated"));
    }
    let analyst = app.analyst("ann").await;
    let (_, m) = app.get("/api/realtime-monitor", Some(&analyst)).await;
    let row = m["active_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session_id"] == sid.as_str())
        .expect("live row");
    assert_eq!(row["username"], "adam");
    assert_eq!(row["packets"], 5);
    assert!(row["events"].as_u64().unwrap() > 50);
    assert!(m["totals"]["connections"].as_u64().unwrap() >= 1);
    assert!(m["totals"]["packets_scored"].as_u64().unwrap() >= 1);
}

/// The owner types enough sentences to train the profile, keeps typing
/// unblocked, then someone else takes over and is blocked.
async fn synthetic_owner_enrolls_and_intruder_is_blocked(app: TestApp) {
    app.register("bella", "password-123").await;
    let (token, sid) = app.start_session("bella", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let mut owner = Typist::new(21);
    let mut seq = 0;
    let mut trained = false;
    for _ in 0..14 {
        seq += 1;
        let (replies, closed) = ws_packet(&mut ws, seq, typing(&mut owner, 9, 0.0), 700).await;
        assert!(
            closed.is_none(),
            "owner blocked during enrollment: {replies:?}"
        );
        trained |= replies.iter().any(|r| {
            r["type"] == "profile" && r["modality"] == "keystroke" && r["state"] == "trained"
        });
    }
    assert!(trained, "keystroke profile trained within 14 sentences");
    let mut owner_scores = Vec::new();
    for _ in 0..6 {
        seq += 1;
        let (replies, closed) = ws_packet(&mut ws, seq, typing(&mut owner, 9, 0.0), 700).await;
        assert!(
            closed.is_none(),
            "owner blocked after enrollment: {replies:?}"
        );
        for r in replies.iter().filter(|r| r["type"] == "risk") {
            assert_eq!(r["model"], "profile", "{r}");
            owner_scores.push(r["score"].as_f64().unwrap());
        }
    }
    assert!(!owner_scores.is_empty());
    let mut intruder = Typist::new(4242);
    let offset = 1_000_000.0;
    let mut blocked_after = None;
    let mut saw_challenge = false;
    let mut intruder_scores = Vec::new();
    for n in 1..=10 {
        seq += 1;
        let (replies, closed) =
            ws_packet(&mut ws, seq, typing(&mut intruder, 9, offset), 1500).await;
        saw_challenge |= replies.iter().any(|r| r["type"] == "challenge");
        intruder_scores.extend(
            replies
                .iter()
                .filter(|r| r["type"] == "risk")
                .filter_map(|r| r["score"].as_f64()),
        );
        if let Some(term) = replies.iter().find(|r| r["type"] == "terminated") {
            assert_eq!(term["reason"], "anomaly");
            assert!(term["session_risk"].as_f64().unwrap() >= 0.5);
            let code = match closed {
                Some(c) => c,
                None => ws_drain_until_close(&mut ws, 5).await.1,
            };
            assert_eq!(code, Some(4403));
            blocked_after = Some(n);
            break;
        }
    }
    let owner_mean = owner_scores.iter().sum::<f64>() / owner_scores.len() as f64;
    let intruder_mean = intruder_scores.iter().sum::<f64>() / intruder_scores.len().max(1) as f64;
    assert!(
        blocked_after.is_some(),
        "intruder not blocked; owner mean {owner_mean:.3}, intruder mean {intruder_mean:.3}"
    );
    assert!(saw_challenge, "a challenge comes before the block");
    assert!(intruder_mean > owner_mean);
    // Ended for REST at once, recorded, counted.
    app.assert_error(
        &app.get("/api/projects", Some(&token)).await,
        401,
        "session_terminated",
    );
    let admin = app.admin().await;
    let (_, evs) = app
        .get("/api/security-events?username=bella", Some(&admin))
        .await;
    let kinds: Vec<&str> = evs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "session_terminated",
        "anomaly_blocked",
        "risk_elevated",
        "profile_trained",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let term = evs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "session_terminated")
        .unwrap();
    assert_eq!(term["session_id"], sid.as_str());
    assert!(term["risk_score"].as_f64().unwrap() > 0.5);
    let (_, m) = app.get("/api/realtime-monitor", Some(&admin)).await;
    assert!(m["totals"]["terminations"].as_u64().unwrap() >= 1, "{m}");
    assert!(m["totals"]["anomalies"].as_u64().unwrap() >= 1, "{m}");
    // The profile survives the session: a new session starts trained.
    let (token2, _) = app.start_session("bella", "password-123").await;
    let (_ws2, hello) = app.ws_auth(&token2).await;
    assert_eq!(hello["profile"]["keystroke"]["state"], "trained", "{hello}");
}

async fn admin_termination_reaches_the_websocket(app: TestApp) {
    app.register("carl", "password-123").await;
    let (token, sid) = app.start_session("carl", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let admin = app.admin().await;
    let (s, _) = app
        .send(
            Method::POST,
            &format!("/api/admin/sessions/{sid}/terminate"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (msgs, code) = ws_drain_until_close(&mut ws, 5).await;
    assert_eq!(code, Some(4403));
    let term = msgs
        .iter()
        .find(|m| m["type"] == "terminated")
        .expect("terminated message");
    assert_eq!(term["reason"], "admin");
    let (_, m) = app.get("/api/realtime-monitor", Some(&admin)).await;
    assert_eq!(m["totals"]["terminations"], 1);
    // Logging out elsewhere closes the socket too.
    let (token2, _) = app.start_session("carl", "password-123").await;
    let (mut ws2, _) = app.ws_auth(&token2).await;
    app.send(Method::POST, "/api/logout", Some(&token2), None)
        .await;
    let (msgs, code) = ws_drain_until_close(&mut ws2, 5).await;
    assert_eq!(code, Some(4403));
    assert_eq!(
        msgs.iter().find(|m| m["type"] == "terminated").unwrap()["reason"],
        "logout"
    );
}

async fn verify_clears_or_ends_the_session(app: TestApp) {
    app.register("dora", "password-123").await;
    let (token, _) = app.start_session("dora", "password-123").await;
    let (s, b) = app
        .post(
            "/api/sessions/verify",
            Some(&token),
            json!({"password": "password-123"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["verified"], true);
    // The right answer replaced the token: the fresh one is the session's now.
    let token = b["access_token"].as_str().unwrap().to_owned();
    app.assert_error(
        &app.post("/api/sessions/verify", Some(&token), json!({}))
            .await,
        422,
        "validation_failed",
    );
    let plain = app.login("dora", "password-123").await;
    app.assert_error(
        &app.post(
            "/api/sessions/verify",
            Some(&plain),
            json!({"password": "password-123"}),
        )
        .await,
        422,
        "validation_failed",
    );
    let (mut ws, _) = app.ws_auth(&token).await;
    for _ in 0..3 {
        let got = app
            .post(
                "/api/sessions/verify",
                Some(&token),
                json!({"password": "wrong-one"}),
            )
            .await;
        app.assert_error(&got, 401, "invalid_credentials");
    }
    let (msgs, code) = ws_drain_until_close(&mut ws, 5).await;
    assert_eq!(code, Some(4403));
    assert_eq!(
        msgs.iter().find(|m| m["type"] == "terminated").unwrap()["reason"],
        "challenge_failed"
    );
    app.assert_error(
        &app.get("/api/me", Some(&token)).await,
        401,
        "session_terminated",
    );
}

async fn profile_reset_and_train_global(app: TestApp) {
    let admin = app.admin().await;
    // Three users enroll from synthetic typing, which stores their windows.
    for (i, name) in ["eve", "fay", "gus"].iter().enumerate() {
        app.register(name, "password-123").await;
        let (token, _) = app.start_session(name, "password-123").await;
        let (mut ws, _) = app.ws_auth(&token).await;
        let mut t = Typist::new(100 + i as u64);
        for seq in 0..12 {
            ws_packet(&mut ws, seq, typing(&mut t, 9, 0.0), 300).await;
        }
    }
    let db = app.db.database();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n = db
            .run(|c| behavior::count_windows_for(c, "keystroke"))
            .unwrap();
        if n >= 30 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "windows stored: {n}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let user = app.user("hal").await;
    app.assert_error(
        &app.send(Method::POST, "/api/admin/train-global", Some(&user), None)
            .await,
        403,
        "forbidden",
    );
    let (s, _) = app
        .send(Method::POST, "/api/admin/train-global", Some(&admin), None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let mut trained = None;
    for _ in 0..100 {
        let (_, evs) = app
            .get(
                "/api/security-events?kind=global_model_trained",
                Some(&admin),
            )
            .await;
        if let Some(e) = evs.as_array().unwrap().first() {
            trained = Some(e.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let trained = trained.expect("global_model_trained event");
    assert!(trained["detail"]["version"].as_i64().is_some(), "{trained}");
    assert!(trained["detail"]["samples"].as_u64().unwrap() >= 30);
    let (_, m) = app.get("/api/realtime-monitor", Some(&admin)).await;
    assert_eq!(m["global_model"]["version"], trained["detail"]["version"]);
    // A newcomer is now scored by the global model while enrolling.
    app.register("ida", "password-123").await;
    let (token, _) = app.start_session("ida", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let mut t = Typist::new(555);
    let mut models = Vec::new();
    for seq in 0..4 {
        let (replies, _) = ws_packet(&mut ws, seq, typing(&mut t, 9, 0.0), 500).await;
        models.extend(
            replies
                .iter()
                .filter(|r| r["type"] == "risk")
                .map(|r| r["model"].as_str().unwrap().to_owned()),
        );
    }
    assert!(models.iter().any(|m| m == "global"), "{models:?}");

    // Reset: rows gone, 404 for unknown users, admins only.
    let eve_id = db
        .run(|c| workspace_persistence::users::find_by_username(c, "eve"))
        .unwrap()
        .unwrap()
        .id;
    // Eve only typed: her keystroke profile is stored (the mouse row is
    // written once there is mouse data).
    let rows = db.run(|c| behavior::get_profiles(c, eve_id)).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.modality == "keystroke" && r.state == "trained"),
        "{rows:?}"
    );
    let analyst = app.analyst("jon").await;
    app.assert_error(
        &app.send(
            Method::POST,
            "/api/admin/users/eve/profile/reset",
            Some(&analyst),
            None,
        )
        .await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.send(
            Method::POST,
            "/api/admin/users/nobody/profile/reset",
            Some(&admin),
            None,
        )
        .await,
        404,
        "not_found",
    );
    let (s, _) = app
        .send(
            Method::POST,
            "/api/admin/users/EVE/profile/reset",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(db
        .run(|c| behavior::get_profiles(c, eve_id))
        .unwrap()
        .is_empty());
    let (token, _) = app.start_session("eve", "password-123").await;
    let (_ws, hello) = app.ws_auth(&token).await;
    assert_eq!(hello["profile"]["keystroke"]["state"], "enrolling");
    assert_eq!(hello["profile"]["keystroke"]["samples"], 0);
}

/// `auth_ok` tells the page the limits it must respect, and they are the
/// ones enforced: a message over the size limit is refused, the connection
/// stays.
async fn auth_ok_announces_the_limits_the_server_enforces(app: TestApp) {
    app.register("lima", "password-123").await;
    let (token, _) = app.start_session("lima", "password-123").await;
    let (mut ws, hello) = app.ws_auth(&token).await;
    assert_eq!(
        hello["limits"],
        json!({"max_message_bytes": 65536, "max_events": 2000, "messages_per_second": 20})
    );
    let max = hello["limits"]["max_message_bytes"].as_u64().unwrap() as usize;
    let pad = "x".repeat(max);
    ws_send_text(
        &mut ws,
        format!(r#"{{"type":"behavior","pad":"{pad}","events":[]}}"#),
    )
    .await;
    let reply = ws_next_json(&mut ws).await;
    assert_eq!(reply["error"], "payload_too_large", "{reply}");
    let max_events = hello["limits"]["max_events"].as_u64().unwrap() as usize;
    let events = vec![json!({"t": 1, "kind": "mousemove", "x": 1, "y": 1}); max_events + 1];
    ws_send(&mut ws, json!({"type": "behavior", "events": events})).await;
    let reply = ws_next_json(&mut ws).await;
    assert_eq!(reply["error"], "payload_too_large", "{reply}");
}
