//! The REST contract of `api.md`, end to end over HTTP against the real
//! server, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, ADMIN, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use workspace_persistence::{events, users};

both_backends!(
    health_reports_backend_and_version,
    register_validates_and_stores_nothing_on_rejection,
    malformed_and_oversize_bodies,
    login_answers_and_throttles,
    monitored_session_lifecycle,
    bad_tokens_are_rejected,
    projects_crud_and_validation,
    project_paging_and_owner_filter,
    access_rules_between_users_and_roles,
    tasks_crud_filters_and_validation,
    security_events_and_filters,
    realtime_monitor_shape_and_roles,
    role_changes_and_last_admin_guard,
    admin_termination_ends_session_for_rest,
    openapi_lists_every_route,
    unknown_paths_and_methods_answer_json,
);

async fn health_reports_backend_and_version(app: TestApp) {
    let (s, b) = app.get("/health", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["status"], "ok");
    assert_eq!(b["database"], app.db.backend().as_str());
    assert_eq!(b["version"], env!("CARGO_PKG_VERSION"));
}

fn user_exists(app: &TestApp, name: &str) -> bool {
    let db = app.db.database();
    db.run(|c| users::find_by_username(c, name))
        .unwrap()
        .is_some()
}

async fn register_validates_and_stores_nothing_on_rejection(app: TestApp) {
    let (s, b) = app
        .post(
            "/api/register",
            None,
            json!({"username": "Alice", "password": "password-123", "email": "a@example.com"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["username"], "Alice");
    assert_eq!(b["role"], "user");
    assert!(b["id"].as_i64().is_some());
    assert!(b["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(b.get("password").is_none() && b.get("password_hash").is_none());

    // Taken, case-insensitively.
    let got = app
        .post(
            "/api/register",
            None,
            json!({"username": "alice", "password": "password-123"}),
        )
        .await;
    app.assert_error(&got, 409, "conflict");

    let cases = [
        (
            json!({"username": "ab", "password": "password-123"}),
            "username",
        ),
        (
            json!({"username": "bad name", "password": "password-123"}),
            "username",
        ),
        (
            json!({"username": "x".repeat(33), "password": "password-123"}),
            "username",
        ),
        (
            json!({"username": "bobby", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "bobby", "password": "p".repeat(73)}),
            "password",
        ),
        (
            json!({"username": "bobby", "password": "password-123", "email": "nope"}),
            "email",
        ),
        (json!({"password": "password-123"}), "username"),
        (json!({"username": "bobby"}), "password"),
    ];
    for (body, field) in cases {
        let got = app.post("/api/register", None, body.clone()).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field, "{body}");
    }
    let got = app
        .post(
            "/api/register",
            None,
            json!({"username": 12, "password": "password-123"}),
        )
        .await;
    app.assert_error(&got, 400, "bad_request");
    assert!(!user_exists(&app, "bobby"));
    assert!(!user_exists(&app, "ab"));
    // 72 bytes is accepted and works.
    let long = "p".repeat(72);
    app.register("carol", &long).await;
    app.login("carol", &long).await;
}

async fn malformed_and_oversize_bodies(app: TestApp) {
    let raw = |body: &'static str| {
        app.client
            .post(app.url("/api/register"))
            .header("content-type", "application/json")
            .body(body)
    };
    for body in ["{", "not json", "", "[1,2]", "\"text\""] {
        let resp = raw(body).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let b: Value = resp.json().await.unwrap();
        assert_eq!(b["error"], "bad_request");
    }
    let token = app.user("dave").await;
    let huge = json!({"name": "p", "description": "x".repeat(1_100_000)});
    let got = app.post("/api/projects", Some(&token), huge).await;
    app.assert_error(&got, 413, "payload_too_large");
    let (_, list) = app.get("/api/projects", Some(&token)).await;
    assert_eq!(list, json!([]));
    // Wrong JSON types on a project.
    let got = app
        .post(
            "/api/projects",
            Some(&token),
            json!({"name": "p", "hourly_rate": "ten"}),
        )
        .await;
    app.assert_error(&got, 400, "bad_request");
    let (_, list) = app.get("/api/projects", Some(&token)).await;
    assert_eq!(list, json!([]));
}

async fn login_answers_and_throttles(app: TestApp) {
    app.register("erin", "password-123").await;
    let (s, b) = app
        .post(
            "/api/login",
            None,
            json!({"username": "ERIN", "password": "password-123"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["expires_in"], 3600);
    assert_eq!(b["user"]["username"], "erin");
    assert_eq!(b["user"]["role"], "user");
    assert!(b.get("session_id").is_none());

    let wrong = app
        .post(
            "/api/login",
            None,
            json!({"username": "erin", "password": "wrong-pass"}),
        )
        .await;
    app.assert_error(&wrong, 401, "invalid_credentials");
    let unknown = app
        .post(
            "/api/login",
            None,
            json!({"username": "nobody", "password": "wrong-pass"}),
        )
        .await;
    app.assert_error(&unknown, 401, "invalid_credentials");
    assert_eq!(wrong.1["message"], unknown.1["message"]);

    // Four more failures make five: the sixth attempt is throttled even with
    // the right password.
    for _ in 0..4 {
        let got = app
            .post(
                "/api/login",
                None,
                json!({"username": "erin", "password": "wrong-pass"}),
            )
            .await;
        app.assert_error(&got, 401, "invalid_credentials");
    }
    let resp = app
        .client
        .post(app.url("/api/login"))
        .json(&json!({"username": "erin", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["error"], "too_many_requests");
    // Other usernames are not affected.
    app.login(ADMIN.0, ADMIN.1).await;

    let db = app.db.database();
    let kinds: Vec<String> = db
        .run(|c| {
            events::list(
                c,
                &events::EventFilter::default(),
                workspace_domain::Page {
                    limit: 100,
                    offset: 0,
                },
                None,
            )
        })
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        "register",
        "login_success",
        "login_failed",
        "login_throttled",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing in {kinds:?}");
    }
}

async fn monitored_session_lifecycle(app: TestApp) {
    app.register("frank", "password-123").await;
    let (s, b) = app
        .post(
            "/api/start-session",
            None,
            json!({"username": "frank", "password": "password-123"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["ws_url"], "/ws/behavioral");
    let sid = b["session_id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&sid).is_ok());
    let token = b["access_token"].as_str().unwrap().to_owned();
    let (s, me) = app.get("/api/me", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["session_id"], sid.as_str());
    assert_eq!(me["username"], "frank");

    // A plain login token has no session id.
    let plain = app.login("frank", "password-123").await;
    let (_, me) = app.get("/api/me", Some(&plain)).await;
    assert!(me.get("session_id").is_none());

    let (s, _) = app
        .send(Method::POST, "/api/logout", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let got = app.get("/api/me", Some(&token)).await;
    app.assert_error(&got, 401, "session_terminated");
    let got = app.get("/api/projects", Some(&token)).await;
    app.assert_error(&got, 401, "session_terminated");
    // The plain token is unaffected.
    assert_eq!(app.get("/api/me", Some(&plain)).await.0, StatusCode::OK);

    let admin = app.admin().await;
    let (_, evs) = app
        .get("/api/security-events?username=frank", Some(&admin))
        .await;
    let kinds: Vec<&str> = evs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"session_started"), "{kinds:?}");
    assert!(kinds.contains(&"session_ended"), "{kinds:?}");
    let started = evs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "session_started")
        .unwrap();
    assert_eq!(started["session_id"], sid.as_str());
}

fn forge(claims: Value, alg: jsonwebtoken::Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn bad_tokens_are_rejected(app: TestApp) {
    let body = app.register("gina", "password-123").await;
    let id = body["id"].as_i64().unwrap();
    let good = app.login("gina", "password-123").await;
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| json!({"sub": id.to_string(), "username": "gina", "role": "admin", "iat": now - 10, "exp": exp, "jti": "x"});
    let payload = good.split('.').nth(1).unwrap();
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "unauthorized"),
        (Some("garbage".into()), "unauthorized"),
        (
            Some(forge(
                claims(now - 60),
                jsonwebtoken::Algorithm::HS256,
                SECRET,
            )),
            "token_expired",
        ),
        (
            Some(forge(
                claims(now + 600),
                jsonwebtoken::Algorithm::HS256,
                "another-secret",
            )),
            "unauthorized",
        ),
        (
            Some(forge(
                claims(now + 600),
                jsonwebtoken::Algorithm::HS512,
                SECRET,
            )),
            "unauthorized",
        ),
        (
            Some(format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.")),
            "unauthorized",
        ),
        (
            Some(format!("{}x", &good[..good.len() - 1])),
            "unauthorized",
        ),
    ];
    for (token, code) in cases {
        let got = app.get("/api/me", token.as_deref()).await;
        app.assert_error(&got, 401, code);
    }
    // Tampered payload: role promoted to admin, signature kept.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    use base64_url_encode as b64;
    parts[1] = b64(&claims(now + 600).to_string());
    let got = app
        .get("/api/security-events", Some(&parts.join(".")))
        .await;
    app.assert_error(&got, 401, "unauthorized");
    // A correctly signed token whose role claim lies does not grant the role:
    // the role is re-read from the database.
    let liar = forge(claims(now + 600), jsonwebtoken::Algorithm::HS256, SECRET);
    let got = app.get("/api/security-events", Some(&liar)).await;
    app.assert_error(&got, 403, "forbidden");
    // A token for a user id that does not exist.
    let ghost = forge(
        json!({"sub": "999999", "username": "ghost", "role": "user", "iat": now, "exp": now + 600, "jti": "y"}),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    app.assert_error(&app.get("/api/me", Some(&ghost)).await, 401, "unauthorized");
    let resp = app
        .client
        .get(app.url("/api/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

fn base64_url_encode(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn projects_crud_and_validation(app: TestApp) {
    let token = app.user("hank").await;
    let (s, p) = app
        .post(
            "/api/projects",
            Some(&token),
            json!({"name": "  Website  ", "description": "Landing page", "client": "ACME", "hourly_rate": 85.5, "due_date": "2026-12-31"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["name"], "Website");
    assert_eq!(p["owner"], "hank");
    assert_eq!(p["status"], "active");
    assert_eq!(p["hourly_rate"], 85.5);
    assert_eq!(p["due_date"], "2026-12-31");
    for f in ["id", "description", "client", "created_at", "updated_at"] {
        assert!(p.get(f).is_some(), "{f}");
    }
    let id = p["id"].as_i64().unwrap();
    let path = format!("/api/projects/{id}");
    let (s, got) = app.get(&path, Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got, p);

    let (s, upd) = app
        .patch(
            &path,
            Some(&token),
            json!({"status": "on_hold", "description": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{upd}");
    assert_eq!(upd["status"], "on_hold");
    assert_eq!(upd["description"], Value::Null);
    assert_eq!(upd["client"], "ACME");
    assert_eq!(upd["name"], "Website");

    let invalid = [
        (json!({"name": ""}), "name"),
        (json!({"name": null}), "name"),
        (json!({"status": "paused"}), "status"),
        (json!({"hourly_rate": -1}), "hourly_rate"),
        (json!({"due_date": "31.12.2026"}), "due_date"),
        (json!({"due_date": "2026-02-30"}), "due_date"),
        (json!({"name": "n".repeat(201)}), "name"),
    ];
    for (body, field) in invalid {
        let got = app.patch(&path, Some(&token), body.clone()).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field, "{body}");
        let got = app
            .post("/api/projects", Some(&token), {
                let mut b = json!({"name": "ok"});
                b.as_object_mut()
                    .unwrap()
                    .extend(body.as_object().unwrap().clone());
                b
            })
            .await;
        assert_eq!(got.0.as_u16(), 422, "{body} {}", got.1);
    }
    app.assert_error(
        &app.post("/api/projects", Some(&token), json!({})).await,
        422,
        "validation_failed",
    );
    // Nothing of the rejected requests changed or created anything.
    let (_, now) = app.get(&path, Some(&token)).await;
    assert_eq!(now, upd);
    let (_, list) = app.get("/api/projects", Some(&token)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Delete takes the tasks with it.
    let (s, t) = app
        .post(
            &format!("{path}/tasks"),
            Some(&token),
            json!({"title": "Design"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let task_path = format!("/api/tasks/{}", t["id"]);
    assert_eq!(
        app.delete(&path, Some(&token)).await.0,
        StatusCode::NO_CONTENT
    );
    app.assert_error(&app.get(&path, Some(&token)).await, 404, "not_found");
    app.assert_error(
        &app.patch(&task_path, Some(&token), json!({"title": "x"}))
            .await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.get("/api/projects/abc", Some(&token)).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.get("/api/projects/999999", Some(&token)).await,
        404,
        "not_found",
    );
}

async fn project_paging_and_owner_filter(app: TestApp) {
    let ivy = app.user("ivy").await;
    let jack = app.user("jack").await;
    for i in 0..7 {
        app.post(
            "/api/projects",
            Some(&ivy),
            json!({"name": format!("ivy-{i}")}),
        )
        .await;
    }
    app.post("/api/projects", Some(&jack), json!({"name": "jack-0"}))
        .await;
    let (_, all) = app.get("/api/projects", Some(&ivy)).await;
    assert_eq!(all.as_array().unwrap().len(), 7);
    assert!(all.as_array().unwrap().iter().all(|p| p["owner"] == "ivy"));
    let (_, page) = app.get("/api/projects?limit=3&offset=5", Some(&ivy)).await;
    let names: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ivy-5", "ivy-6"]);
    app.assert_error(
        &app.get("/api/projects?limit=0", Some(&ivy)).await,
        422,
        "validation_failed",
    );
    app.assert_error(
        &app.get("/api/projects?offset=-1", Some(&ivy)).await,
        422,
        "validation_failed",
    );
    app.assert_error(
        &app.get("/api/projects?limit=ten", Some(&ivy)).await,
        400,
        "bad_request",
    );
    let (s, big) = app.get("/api/projects?limit=100000", Some(&ivy)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(big.as_array().unwrap().len(), 7);
    // Users may not look at other owners.
    app.assert_error(
        &app.get("/api/projects?owner=jack", Some(&ivy)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.get("/api/projects?owner=*", Some(&ivy)).await,
        403,
        "forbidden",
    );
    let (s, own) = app.get("/api/projects?owner=IVY", Some(&ivy)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(own.as_array().unwrap().len(), 7);
    // Analysts may.
    let analyst = app.analyst("kim").await;
    let (_, jacks) = app.get("/api/projects?owner=jack", Some(&analyst)).await;
    assert_eq!(jacks.as_array().unwrap().len(), 1);
    assert_eq!(jacks[0]["owner"], "jack");
    let (_, everyone) = app.get("/api/projects?owner=*", Some(&analyst)).await;
    assert_eq!(everyone.as_array().unwrap().len(), 8);
    let (_, mine) = app.get("/api/projects", Some(&analyst)).await;
    assert_eq!(mine, json!([]));
    let (_, nobody) = app.get("/api/projects?owner=nobody", Some(&analyst)).await;
    assert_eq!(nobody, json!([]));
}

async fn access_rules_between_users_and_roles(app: TestApp) {
    let owner = app.user("lena").await;
    let other = app.user("mark").await;
    let analyst = app.analyst("nina").await;
    let admin = app.admin().await;
    let (_, p) = app
        .post("/api/projects", Some(&owner), json!({"name": "Secret"}))
        .await;
    let path = format!("/api/projects/{}", p["id"]);
    let (_, t) = app
        .post(
            &format!("{path}/tasks"),
            Some(&owner),
            json!({"title": "T"}),
        )
        .await;
    let task = format!("/api/tasks/{}", t["id"]);

    // Another user: not found, everywhere, never forbidden.
    app.assert_error(&app.get(&path, Some(&other)).await, 404, "not_found");
    app.assert_error(
        &app.patch(&path, Some(&other), json!({"name": "x"})).await,
        404,
        "not_found",
    );
    app.assert_error(&app.delete(&path, Some(&other)).await, 404, "not_found");
    app.assert_error(
        &app.get(&format!("{path}/tasks"), Some(&other)).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.post(
            &format!("{path}/tasks"),
            Some(&other),
            json!({"title": "x"}),
        )
        .await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.patch(&task, Some(&other), json!({"title": "x"})).await,
        404,
        "not_found",
    );
    app.assert_error(&app.delete(&task, Some(&other)).await, 404, "not_found");

    // Analyst: reads, may not write.
    assert_eq!(app.get(&path, Some(&analyst)).await.0, StatusCode::OK);
    assert_eq!(
        app.get(&format!("{path}/tasks"), Some(&analyst)).await.0,
        StatusCode::OK
    );
    app.assert_error(
        &app.patch(&path, Some(&analyst), json!({"name": "x"})).await,
        403,
        "forbidden",
    );
    app.assert_error(&app.delete(&path, Some(&analyst)).await, 403, "forbidden");
    app.assert_error(
        &app.post(
            &format!("{path}/tasks"),
            Some(&analyst),
            json!({"title": "x"}),
        )
        .await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.patch(&task, Some(&analyst), json!({"title": "x"}))
            .await,
        403,
        "forbidden",
    );
    app.assert_error(&app.delete(&task, Some(&analyst)).await, 403, "forbidden");

    // Nothing changed.
    let (_, still) = app.get(&path, Some(&owner)).await;
    assert_eq!(still["name"], "Secret");
    let (_, tasks) = app.get(&format!("{path}/tasks"), Some(&owner)).await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert_eq!(tasks[0]["title"], "T");

    // Admin: everything.
    assert_eq!(
        app.patch(&path, Some(&admin), json!({"name": "Audited"}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.patch(&task, Some(&admin), json!({"status": "done"}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.delete(&task, Some(&admin)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&path, Some(&admin)).await.0,
        StatusCode::NO_CONTENT
    );

    // Role-restricted endpoints for a plain user.
    app.assert_error(
        &app.get("/api/security-events", Some(&other)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.get("/api/realtime-monitor", Some(&other)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.post(
            "/api/admin/users/lena/role",
            Some(&other),
            json!({"role": "admin"}),
        )
        .await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.send(
            Method::POST,
            &format!("/api/admin/sessions/{}/terminate", uuid::Uuid::new_v4()),
            Some(&other),
            None,
        )
        .await,
        403,
        "forbidden",
    );
    // Analysts may not change roles.
    app.assert_error(
        &app.post(
            "/api/admin/users/lena/role",
            Some(&analyst),
            json!({"role": "admin"}),
        )
        .await,
        403,
        "forbidden",
    );
    // Every protected endpoint wants a token.
    for (m, p) in [
        (Method::GET, "/api/me"),
        (Method::POST, "/api/logout"),
        (Method::GET, "/api/projects"),
        (Method::POST, "/api/projects"),
        (Method::GET, "/api/projects/1"),
        (Method::PATCH, "/api/tasks/1"),
        (Method::GET, "/api/security-events"),
        (Method::GET, "/api/realtime-monitor"),
        (Method::POST, "/api/admin/users/lena/role"),
    ] {
        let got = app.send(m.clone(), p, None, Some(json!({}))).await;
        app.assert_error(&got, 401, "unauthorized");
    }
}

async fn tasks_crud_filters_and_validation(app: TestApp) {
    let token = app.user("olga").await;
    let (_, p) = app
        .post("/api/projects", Some(&token), json!({"name": "P"}))
        .await;
    let tasks_path = format!("/api/projects/{}/tasks", p["id"]);
    let (s, t) = app
        .post(&tasks_path, Some(&token), json!({"title": "Write copy"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["status"], "todo");
    assert_eq!(t["priority"], "normal");
    assert_eq!(t["project_id"], p["id"]);
    for f in [
        "id",
        "description",
        "due_date",
        "estimate_hours",
        "created_at",
        "updated_at",
    ] {
        assert!(t.get(f).is_some(), "{f}");
    }
    let (s, t2) = app
        .post(
            &tasks_path,
            Some(&token),
            json!({"title": "Ship", "status": "in_progress", "priority": "urgent", "due_date": "2027-01-02", "estimate_hours": 2.5, "description": "d"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t2}");
    assert_eq!(t2["estimate_hours"], 2.5);
    let (_, only) = app
        .get(&format!("{tasks_path}?status=in_progress"), Some(&token))
        .await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    assert_eq!(only[0]["title"], "Ship");
    app.assert_error(
        &app.get(&format!("{tasks_path}?status=nope"), Some(&token))
            .await,
        422,
        "validation_failed",
    );
    let (_, page) = app
        .get(&format!("{tasks_path}?limit=1&offset=1"), Some(&token))
        .await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["title"], "Ship");

    let task = format!("/api/tasks/{}", t["id"]);
    let (s, u) = app
        .patch(
            &task,
            Some(&token),
            json!({"status": "done", "priority": "low", "estimate_hours": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["status"], "done");
    assert_eq!(u["priority"], "low");
    assert_eq!(u["title"], "Write copy");
    let (_, u) = app
        .patch(&task, Some(&token), json!({"estimate_hours": null}))
        .await;
    assert_eq!(u["estimate_hours"], Value::Null);
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"status": "finished"}), "status"),
        (json!({"priority": "p0"}), "priority"),
        (json!({"estimate_hours": -2}), "estimate_hours"),
        (json!({"due_date": "tomorrow"}), "due_date"),
    ] {
        let got = app.patch(&task, Some(&token), body.clone()).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field);
        let mut create = json!({"title": "ok"});
        if field != "title" {
            create
                .as_object_mut()
                .unwrap()
                .extend(body.as_object().unwrap().clone());
        } else {
            create = body;
        }
        assert_eq!(
            app.post(&tasks_path, Some(&token), create).await.0.as_u16(),
            422
        );
    }
    app.assert_error(
        &app.patch(&task, Some(&token), json!({"estimate_hours": "x"}))
            .await,
        400,
        "bad_request",
    );
    let (_, all) = app.get(&tasks_path, Some(&token)).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        2,
        "rejected creates stored nothing"
    );
    assert_eq!(
        app.delete(&task, Some(&token)).await.0,
        StatusCode::NO_CONTENT
    );
    app.assert_error(&app.delete(&task, Some(&token)).await, 404, "not_found");
    let (_, all) = app.get(&tasks_path, Some(&token)).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
}

async fn security_events_and_filters(app: TestApp) {
    app.register("pete", "password-123").await;
    app.post(
        "/api/login",
        None,
        json!({"username": "pete", "password": "nope-nope"}),
    )
    .await;
    app.login("pete", "password-123").await;
    let analyst = app.analyst("quinn").await;
    let (s, evs) = app.get("/api/security-events", Some(&analyst)).await;
    assert_eq!(s, StatusCode::OK);
    let evs = evs.as_array().unwrap();
    assert!(evs.len() >= 5);
    let ids: Vec<i64> = evs.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    for f in [
        "id",
        "kind",
        "severity",
        "username",
        "session_id",
        "risk_score",
        "detail",
        "created_at",
    ] {
        assert!(evs[0].get(f).is_some(), "{f}");
    }
    assert!(evs[0]["detail"].is_object());

    let (_, petes) = app
        .get("/api/security-events?username=PETE", Some(&analyst))
        .await;
    let kinds: Vec<&str> = petes
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["login_success", "login_failed", "register"]);
    let failed = &petes[1];
    assert_eq!(failed["severity"], "warning");
    assert!(
        !failed["detail"].to_string().contains("nope-nope"),
        "no password in events"
    );

    let (_, roles) = app
        .get("/api/security-events?kind=role_changed", Some(&analyst))
        .await;
    assert_eq!(roles.as_array().unwrap().len(), 1);
    assert_eq!(roles[0]["username"], "quinn");
    let (_, one) = app
        .get("/api/security-events?limit=1", Some(&analyst))
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (s, none) = app
        .client
        .get(app.url("/api/security-events"))
        .query(&[("since", future.as_str())])
        .bearer_auth(&analyst)
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(s, StatusCode::OK);
    assert_eq!(none.json::<Value>().await.unwrap(), json!([]));
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let resp = app
        .client
        .get(app.url("/api/security-events"))
        .query(&[("since", past.as_str())])
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        evs.len()
    );
    app.assert_error(
        &app.get("/api/security-events?since=yesterday", Some(&analyst))
            .await,
        422,
        "validation_failed",
    );
    app.assert_error(
        &app.get("/api/security-events?limit=0", Some(&analyst))
            .await,
        422,
        "validation_failed",
    );
}

async fn realtime_monitor_shape_and_roles(app: TestApp) {
    let analyst = app.analyst("rosa").await;
    let (s, m) = app.get("/api/realtime-monitor", Some(&analyst)).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert!(m["active_sessions"].is_array());
    for f in ["connections", "packets_scored", "anomalies", "terminations"] {
        assert!(m["totals"][f].as_u64().is_some(), "{f}");
    }
    assert!(m.get("global_model").is_some());
    let admin = app.admin().await;
    assert_eq!(
        app.get("/api/realtime-monitor", Some(&admin)).await.0,
        StatusCode::OK
    );
}

async fn role_changes_and_last_admin_guard(app: TestApp) {
    let admin = app.admin().await;
    let sam = app.user("sam").await;
    // The old token gains the new role at once: roles are re-read.
    app.assert_error(
        &app.get("/api/security-events", Some(&sam)).await,
        403,
        "forbidden",
    );
    let (s, b) = app
        .post(
            "/api/admin/users/SAM/role",
            Some(&admin),
            json!({"role": "analyst"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"username": "sam", "role": "analyst"}));
    assert_eq!(
        app.get("/api/security-events", Some(&sam)).await.0,
        StatusCode::OK
    );
    let (_, me) = app.get("/api/me", Some(&sam)).await;
    assert_eq!(me["role"], "analyst");

    app.assert_error(
        &app.post(
            "/api/admin/users/nobody/role",
            Some(&admin),
            json!({"role": "admin"}),
        )
        .await,
        404,
        "not_found",
    );
    let got = app
        .post(
            "/api/admin/users/sam/role",
            Some(&admin),
            json!({"role": "superuser"}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "role");
    app.assert_error(
        &app.post("/api/admin/users/sam/role", Some(&admin), json!({}))
            .await,
        422,
        "validation_failed",
    );
    app.assert_error(
        &app.post(
            "/api/admin/users/sam/role",
            Some(&admin),
            json!({"role": 1}),
        )
        .await,
        400,
        "bad_request",
    );

    // The only admin cannot step down.
    let got = app
        .post(
            &format!("/api/admin/users/{}/role", ADMIN.0),
            Some(&admin),
            json!({"role": "user"}),
        )
        .await;
    app.assert_error(&got, 409, "conflict");
    let (_, me) = app.get("/api/me", Some(&admin)).await;
    assert_eq!(me["role"], "admin");
    // With a second admin it can.
    app.post(
        "/api/admin/users/sam/role",
        Some(&admin),
        json!({"role": "admin"}),
    )
    .await;
    let (s, _) = app
        .post(
            &format!("/api/admin/users/{}/role", ADMIN.0),
            Some(&sam),
            json!({"role": "user"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.assert_error(
        &app.get("/api/security-events", Some(&admin)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.post(
            "/api/admin/users/sam/role",
            Some(&sam),
            json!({"role": "user"}),
        )
        .await,
        409,
        "conflict",
    );
    let (_, evs) = app
        .get("/api/security-events?kind=role_changed", Some(&sam))
        .await;
    assert_eq!(evs.as_array().unwrap().len(), 3);
    assert_eq!(evs[0]["detail"]["to"], "user");
}

async fn admin_termination_ends_session_for_rest(app: TestApp) {
    app.register("tina", "password-123").await;
    let (_, b) = app
        .post(
            "/api/start-session",
            None,
            json!({"username": "tina", "password": "password-123"}),
        )
        .await;
    let token = b["access_token"].as_str().unwrap().to_owned();
    let sid = b["session_id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/projects", Some(&token)).await.0,
        StatusCode::OK
    );
    let analyst = app.analyst("uma").await;
    let path = format!("/api/admin/sessions/{sid}/terminate");
    let (s, _) = app.send(Method::POST, &path, Some(&analyst), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.assert_error(
        &app.get("/api/projects", Some(&token)).await,
        401,
        "session_terminated",
    );
    app.assert_error(
        &app.post("/api/projects", Some(&token), json!({"name": "x"}))
            .await,
        401,
        "session_terminated",
    );
    // Idempotent; unknown and malformed ids are 404.
    assert_eq!(
        app.send(Method::POST, &path, Some(&analyst), None).await.0,
        StatusCode::NO_CONTENT
    );
    let unknown = format!("/api/admin/sessions/{}/terminate", uuid::Uuid::new_v4());
    app.assert_error(
        &app.send(Method::POST, &unknown, Some(&analyst), None).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.send(
            Method::POST,
            "/api/admin/sessions/xyz/terminate",
            Some(&analyst),
            None,
        )
        .await,
        404,
        "not_found",
    );
    let (_, evs) = app
        .get(
            "/api/security-events?kind=session_terminated",
            Some(&analyst),
        )
        .await;
    let evs = evs.as_array().unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0]["session_id"], sid.as_str());
    assert_eq!(evs[0]["username"], "tina");
    assert_eq!(evs[0]["severity"], "critical");
    assert_eq!(evs[0]["detail"]["reason"], "admin");
    // Signing in again opens a fresh session.
    let (s, _) = app
        .post(
            "/api/start-session",
            None,
            json!({"username": "tina", "password": "password-123"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

async fn openapi_lists_every_route(app: TestApp) {
    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    let routes = [
        ("get", "/health"),
        ("post", "/api/register"),
        ("post", "/api/login"),
        ("post", "/api/start-session"),
        ("post", "/api/logout"),
        ("get", "/api/me"),
        ("get", "/api/projects"),
        ("post", "/api/projects"),
        ("get", "/api/projects/{project_id}"),
        ("patch", "/api/projects/{project_id}"),
        ("delete", "/api/projects/{project_id}"),
        ("get", "/api/projects/{project_id}/tasks"),
        ("post", "/api/projects/{project_id}/tasks"),
        ("patch", "/api/tasks/{task_id}"),
        ("delete", "/api/tasks/{task_id}"),
        ("get", "/api/security-events"),
        ("get", "/api/realtime-monitor"),
        ("post", "/api/admin/users/{username}/role"),
        ("post", "/api/admin/sessions/{session_id}/terminate"),
        ("post", "/api/sessions/verify"),
        ("post", "/api/admin/users/{username}/profile/reset"),
        ("post", "/api/admin/train-global"),
    ];
    for (method, path) in routes {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
        // And the route really exists on the server (anything but 404/405
        // with an empty database and no token).
        let concrete = path
            .replace("{project_id}", "1")
            .replace("{task_id}", "1")
            .replace("{username}", "nobody")
            .replace("{session_id}", &uuid::Uuid::new_v4().to_string());
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (s, _) = app.send(m, &concrete, None, Some(json!({}))).await;
        assert!(
            s != StatusCode::NOT_FOUND && s != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {s}"
        );
    }
}

async fn unknown_paths_and_methods_answer_json(app: TestApp) {
    app.assert_error(&app.get("/api/nothing-here", None).await, 404, "not_found");
    app.assert_error(
        &app.send(Method::PUT, "/api/projects", None, None).await,
        405,
        "method_not_allowed",
    );
    app.assert_error(
        &app.get("/api/login", None).await,
        405,
        "method_not_allowed",
    );
    app.assert_error(&app.get("/no/such/page.html", None).await, 404, "not_found");
}
