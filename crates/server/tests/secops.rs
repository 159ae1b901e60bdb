//! Security operations (`api.md`, "Security operations"): event filters,
//! keyset paging and CSV export, terminations with a reason, the user
//! list for analysts — over HTTP on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ws_drain_until_close, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    events_filter_by_severity_and_session,
    events_keyset_paging_follows_link,
    events_csv_export,
    terminate_with_optional_reason,
    terminate_every_session_of_a_user,
    admin_user_list_with_filters,
    feedback_on_events,
    owner_verdict_teaches_the_profile,
);

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
    let (_, sid) = app.start_session("sev", "password-123").await;
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
        "id,created_at,kind,severity,username,session_id,risk_score,detail,feedback,ip,user_agent"
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

/// The newest `session_terminated` event of `sid`.
async fn termination_event(app: &TestApp, token: &str, sid: &str) -> Value {
    let (_, evs) = app
        .get(
            &format!("/api/security-events?session_id={sid}&kind=session_terminated"),
            Some(token),
        )
        .await;
    assert_eq!(evs.as_array().unwrap().len(), 1, "{evs}");
    evs[0].clone()
}

async fn terminate_with_optional_reason(app: TestApp) {
    app.register("trx", "password-123").await;
    let analyst = app.analyst("tra").await;
    let path = |sid: &str| format!("/api/admin/sessions/{sid}/terminate");

    // A JSON reason is stored with the acting user.
    let (token, sid) = app.start_session("trx", "password-123").await;
    let (s, _) = app
        .post(
            &path(&sid),
            Some(&analyst),
            json!({"reason": "  stolen laptop  "}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let ev = termination_event(&app, &analyst, &sid).await;
    assert_eq!(ev["detail"]["reason"], "admin");
    assert_eq!(ev["detail"]["note"], "stolen laptop");
    assert_eq!(ev["detail"]["by"], "tra");
    app.assert_error(
        &app.get("/api/projects", Some(&token)).await,
        401,
        "session_terminated",
    );

    // No body at all, and an empty JSON body.
    let (_, sid2) = app.start_session("trx", "password-123").await;
    let resp = app
        .client
        .post(app.url(&path(&sid2)))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let ev = termination_event(&app, &analyst, &sid2).await;
    assert!(ev["detail"].get("note").is_none(), "{ev}");
    assert_eq!(ev["detail"]["by"], "tra");
    let (_, sid3) = app.start_session("trx", "password-123").await;
    let resp = app
        .client
        .post(app.url(&path(&sid3)))
        .bearer_auth(&analyst)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (s, _) = app.post(&path(&sid3), Some(&analyst), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Too long: 422 naming `reason`, and the session stays live.
    let (token4, sid4) = app.start_session("trx", "password-123").await;
    let got = app
        .post(
            &path(&sid4),
            Some(&analyst),
            json!({"reason": "x".repeat(501)}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert!(got.1["message"].as_str().unwrap().contains("reason"));
    assert_eq!(
        app.get("/api/projects", Some(&token4)).await.0,
        StatusCode::OK
    );
    let got = app
        .post(&path(&sid4), Some(&analyst), json!({"reason": 5}))
        .await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST);
    let user = app.user("trplain").await;
    app.assert_error(
        &app.post(&path(&sid4), Some(&user), json!({"reason": "x"}))
            .await,
        403,
        "forbidden",
    );
    assert_eq!(
        app.get("/api/projects", Some(&token4)).await.0,
        StatusCode::OK
    );
}

async fn terminate_every_session_of_a_user(app: TestApp) {
    app.register("many", "password-123").await;
    app.register("other", "password-123").await;
    let (t1, s1) = app.start_session("many", "password-123").await;
    let (t2, s2) = app.start_session("many", "password-123").await;
    let (t_other, _) = app.start_session("other", "password-123").await;
    let (mut ws, _) = app.ws_auth(&t1).await;
    let analyst = app.analyst("mana").await;
    let user = app.user("manyplain").await;
    let path = "/api/admin/users/MANY/sessions/terminate";
    app.assert_error(
        &app.send(Method::POST, path, Some(&user), None).await,
        403,
        "forbidden",
    );
    assert_eq!(app.get("/api/projects", Some(&t1)).await.0, StatusCode::OK);
    let (s, _) = app
        .post(path, Some(&analyst), json!({"reason": "account takeover"}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, code) = ws_drain_until_close(&mut ws, 10).await;
    assert_eq!(code, Some(4403));
    for t in [&t1, &t2] {
        app.assert_error(
            &app.get("/api/projects", Some(t)).await,
            401,
            "session_terminated",
        );
    }
    assert_eq!(
        app.get("/api/projects", Some(&t_other)).await.0,
        StatusCode::OK
    );
    for sid in [&s1, &s2] {
        let ev = termination_event(&app, &analyst, sid).await;
        assert_eq!(ev["detail"]["note"], "account takeover");
        assert_eq!(ev["detail"]["by"], "mana");
    }
    // Nothing live left: still 204; an unknown user is 404.
    assert_eq!(
        app.send(Method::POST, path, Some(&analyst), None).await.0,
        StatusCode::NO_CONTENT
    );
    app.assert_error(
        &app.send(
            Method::POST,
            "/api/admin/users/nobody/sessions/terminate",
            Some(&analyst),
            None,
        )
        .await,
        404,
        "not_found",
    );
}

async fn admin_user_list_with_filters(app: TestApp) {
    app.register("Alice_1", "password-123").await;
    app.register("alicia", "password-123").await;
    app.register("bob", "password-123").await;
    let (_, _) = app.start_session("alicia", "password-123").await;
    let (_, ended) = app.start_session("alicia", "password-123").await;
    let analyst = app.analyst("zed").await;
    let resp = app
        .client
        .get(app.url("/api/admin/users?q=ALI"))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-total-count"], "2");
    let list: Value = resp.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice_1", "alicia"]);
    let alice = &list[0];
    assert_eq!(alice["role"], "user");
    assert!(alice["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(alice["last_seen_at"].is_null());
    assert_eq!(alice["live_sessions"], 0);
    assert_eq!(alice["profiles"], json!({"keystroke": null, "mouse": null}));
    assert_eq!(list[1]["live_sessions"], 2);
    assert!(list[1]["last_seen_at"].is_string());

    let path = format!("/api/admin/sessions/{ended}/terminate");
    app.send(Method::POST, &path, Some(&analyst), None).await;
    let (_, again) = app.get("/api/admin/users?q=alicia", Some(&analyst)).await;
    assert_eq!(again[0]["live_sessions"], 1);

    // `_` is a literal, not a wildcard.
    let (_, under) = app.get("/api/admin/users?q=e_", Some(&analyst)).await;
    assert_eq!(under.as_array().unwrap().len(), 1, "{under}");
    let (_, analysts) = app
        .get("/api/admin/users?role=analyst", Some(&analyst))
        .await;
    assert_eq!(analysts.as_array().unwrap().len(), 1);
    assert_eq!(analysts[0]["username"], "zed");
    let resp = app
        .client
        .get(app.url("/api/admin/users?limit=2"))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-total-count"], "5");
    assert!(resp.headers()["link"]
        .to_str()
        .unwrap()
        .contains("offset=2"));
    app.assert_error(
        &app.get("/api/admin/users?role=boss", Some(&analyst)).await,
        422,
        "validation_failed",
    );
    let user = app.user("plainuser").await;
    app.assert_error(
        &app.get("/api/admin/users", Some(&user)).await,
        403,
        "forbidden",
    );
    let admin = app.admin().await;
    assert_eq!(
        app.get("/api/admin/users", Some(&admin)).await.0,
        StatusCode::OK
    );
}

async fn feedback_on_events(app: TestApp) {
    app.register("fbo", "password-123").await;
    let (_, sid) = app.start_session("fbo", "password-123").await;
    let analyst = app.analyst("fba").await;
    let path = format!("/api/admin/sessions/{sid}/terminate");
    app.send(Method::POST, &path, Some(&analyst), None).await;
    let ev = termination_event(&app, &analyst, &sid).await;
    let id = ev["id"].as_i64().unwrap();
    let fb = format!("/api/security-events/{id}/feedback");
    let user = app.user("fbplain").await;
    app.assert_error(
        &app.post(&fb, Some(&user), json!({"verdict": "owner"}))
            .await,
        403,
        "forbidden",
    );
    for bad in [
        json!({}),
        json!({"verdict": "maybe"}),
        json!({"verdict": "owner", "note": "n".repeat(1001)}),
    ] {
        app.assert_error(
            &app.post(&fb, Some(&analyst), bad).await,
            422,
            "validation_failed",
        );
    }
    app.assert_error(
        &app.post(
            "/api/security-events/999999/feedback",
            Some(&analyst),
            json!({"verdict": "owner"}),
        )
        .await,
        404,
        "not_found",
    );
    let (s, out) = app
        .post(
            &fb,
            Some(&analyst),
            json!({"verdict": "intruder", "note": "not her"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["id"], id);
    assert_eq!(out["kind"], "session_terminated");
    assert_eq!(out["feedback"]["verdict"], "intruder");
    assert_eq!(out["feedback"]["by"], "fba");
    assert_eq!(out["feedback"]["note"], "not her");
    assert!(out["feedback"]["at"].as_str().unwrap().ends_with('Z'));
    let listed = termination_event(&app, &analyst, &sid).await;
    assert_eq!(listed["feedback"], out["feedback"]);
    let (_, given) = app
        .get("/api/security-events?kind=feedback_given", Some(&analyst))
        .await;
    assert_eq!(given.as_array().unwrap().len(), 1);
    assert_eq!(given[0]["detail"]["event_id"], id);
    assert_eq!(given[0]["detail"]["verdict"], "intruder");
    // A new verdict replaces the old one.
    let (s, out) = app
        .post(&fb, Some(&analyst), json!({"verdict": "owner"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["feedback"]["verdict"], "owner");
    assert!(out["feedback"]["note"].is_null());
}

/// Stores `n` flagged (held) keystroke windows of a generated typist for a
/// session, as the realtime side does for windows no profile learnt.
fn store_held_windows(app: &TestApp, username: &str, sid: &str, n: usize) {
    use behavior_ml::{keystroke::KeystrokeWindow, synth::Typist, FeatureWindow};
    use workspace_persistence::{behavior, users};
    let db = app.db.database();
    let mut conn = db.conn().unwrap();
    let user = users::find_by_username(&mut conn, username)
        .unwrap()
        .unwrap();
    let mut typist = Typist::new(42);
    let mut stored = 0;
    while stored < n {
        let Some(w) = KeystrokeWindow::from_events(&typist.sentence(9), 10) else {
            continue;
        };
        let features = serde_json::to_string(&FeatureWindow::Keystroke(w)).unwrap();
        let id = behavior::insert_window(
            &mut conn,
            &behavior::NewWindow {
                user_id: user.id,
                session_id: Some(sid.parse().unwrap()),
                modality: "keystroke",
                features: &features,
                risk_score: Some(0.9),
            },
        )
        .unwrap();
        behavior::hold_window(&mut conn, id).unwrap();
        stored += 1;
    }
}

/// (keystroke samples of the stored profile, keystroke windows usable for
/// training — held ones are not).
fn profile_and_held(app: &TestApp, username: &str) -> (i32, usize) {
    use workspace_persistence::{behavior, users};
    let db = app.db.database();
    let mut conn = db.conn().unwrap();
    let user = users::find_by_username(&mut conn, username)
        .unwrap()
        .unwrap();
    let samples = behavior::get_profiles(&mut conn, user.id)
        .unwrap()
        .iter()
        .find(|p| p.modality == "keystroke")
        .map_or(0, |p| p.samples);
    let usable = behavior::recent_windows(&mut conn, "keystroke", 1000)
        .unwrap()
        .len();
    (samples, usable)
}

async fn owner_verdict_teaches_the_profile(app: TestApp) {
    app.register("fbl", "password-123").await;
    let analyst = app.analyst("fbla").await;
    // An intruder verdict learns nothing.
    let (_, other) = app.start_session("fbl", "password-123").await;
    store_held_windows(&app, "fbl", &other, 3);
    app.send(
        Method::POST,
        &format!("/api/admin/sessions/{other}/terminate"),
        Some(&analyst),
        None,
    )
    .await;
    let ev = termination_event(&app, &analyst, &other).await;
    let fb = format!("/api/security-events/{}/feedback", ev["id"]);
    let (s, _) = app
        .post(&fb, Some(&analyst), json!({"verdict": "intruder"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(profile_and_held(&app, "fbl"), (0, 0));

    // The owner's flagged session: an owner verdict teaches its windows once.
    let (_, sid) = app.start_session("fbl", "password-123").await;
    store_held_windows(&app, "fbl", &sid, 4);
    app.send(
        Method::POST,
        &format!("/api/admin/sessions/{sid}/terminate"),
        Some(&analyst),
        None,
    )
    .await;
    let ev = termination_event(&app, &analyst, &sid).await;
    let fb = format!("/api/security-events/{}/feedback", ev["id"]);
    let (s, out) = app
        .post(&fb, Some(&analyst), json!({"verdict": "owner"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let (samples, usable) = profile_and_held(&app, "fbl");
    assert!(samples > 0, "the profile learnt nothing");
    assert_eq!(usable, 4, "the owner's windows are released for training");
    let (_, given) = app
        .get(
            &format!("/api/security-events?kind=feedback_given&session_id={sid}"),
            Some(&analyst),
        )
        .await;
    assert_eq!(given[0]["detail"]["learnt_windows"], 4, "{given}");
    // Said again, nothing is counted twice.
    let (s, _) = app
        .post(&fb, Some(&analyst), json!({"verdict": "owner"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(profile_and_held(&app, "fbl"), (samples, 4));
}
