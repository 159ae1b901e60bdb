//! What every endpoint shares: the requests the server refuses (`api.md`,
//! "Requests the server refuses") and the list plumbing (`?limit`,
//! `?offset`, `?sort`, `X-Total-Count`, `Link`), over HTTP against the real
//! server on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    bodies_must_be_json_objects,
    nul_and_bad_utf8_are_refused_everywhere,
    lists_page_with_total_and_next_link,
    lists_sort_by_the_fields_api_md_names,
);

/// Sends a raw body with an optional content type; (status, JSON body).
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &'static [u8],
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, app.url(path)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn project_names(app: &TestApp, token: &str) -> Vec<String> {
    let (s, list) = app.get("/api/projects", Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn bodies_must_be_json_objects(app: TestApp) {
    let token = app.user("olga").await;
    let (_, p) = app
        .post("/api/projects", Some(&token), json!({"name": "kept"}))
        .await;
    let path = format!("/api/projects/{}", p["id"]);
    let body = br#"{"name":"x"}"#;

    // Not application/json → 415, nothing stored.
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let got = raw(
            &app,
            Method::POST,
            "/api/projects",
            Some(&token),
            Some(ct),
            body,
        )
        .await;
        app.assert_error(&got, 415, "unsupported_media_type");
        let got = raw(&app, Method::PATCH, &path, Some(&token), Some(ct), body).await;
        app.assert_error(&got, 415, "unsupported_media_type");
    }
    let got = raw(
        &app,
        Method::POST,
        "/api/projects",
        Some(&token),
        None,
        body,
    )
    .await;
    app.assert_error(&got, 415, "unsupported_media_type");
    let got = raw(
        &app,
        Method::POST,
        "/api/register",
        None,
        Some("text/plain"),
        body,
    )
    .await;
    app.assert_error(&got, 415, "unsupported_media_type");
    // Parameters and +json types are JSON.
    let ok = br#"{"name":"with charset"}"#;
    let ct = Some("application/json; charset=utf-8");
    let got = raw(&app, Method::POST, "/api/projects", Some(&token), ct, ok).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    assert_eq!(project_names(&app, &token).await, ["kept", "with charset"]);

    // An array or a scalar where an object is expected → 400, nothing changed.
    let json_ct = Some("application/json");
    for bad in [
        &br#"["renamed"]"#[..],
        b"\"renamed\"",
        b"42",
        b"null",
        b"true",
    ] {
        let got = raw(&app, Method::PATCH, &path, Some(&token), json_ct, bad).await;
        app.assert_error(&got, 400, "bad_request");
        let got = raw(
            &app,
            Method::POST,
            "/api/projects",
            Some(&token),
            json_ct,
            bad,
        )
        .await;
        app.assert_error(&got, 400, "bad_request");
    }
    let (_, after) = app.get(&path, Some(&token)).await;
    assert_eq!(after["name"], "kept");
    assert_eq!(project_names(&app, &token).await, ["kept", "with charset"]);
    // An empty body without a content type is not an object either.
    let got = raw(&app, Method::POST, "/api/login", None, None, b"").await;
    app.assert_error(&got, 400, "bad_request");
}

async fn nul_and_bad_utf8_are_refused_everywhere(app: TestApp) {
    let json_ct = Some("application/json");
    // In a body: 422 naming the field, nothing stored (never a 500 on PostgreSQL).
    let got = raw(
        &app,
        Method::POST,
        "/api/register",
        None,
        json_ct,
        br#"{"username":"nul\u0000user","password":"password-123"}"#,
    )
    .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "username");
    let got = raw(
        &app,
        Method::POST,
        "/api/register",
        None,
        json_ct,
        br#"{"username":"nulmail","password":"password-123","email":"a\u0000@b.c"}"#,
    )
    .await;
    assert_eq!(got.1["field"], "email", "{}", got.1);
    let got = raw(
        &app,
        Method::POST,
        "/api/login",
        None,
        json_ct,
        br#"{"username":"x\u0000","password":"password-123"}"#,
    )
    .await;
    app.assert_error(&got, 422, "validation_failed");
    let admin = app.admin().await;
    let (_, users) = app
        .get("/api/security-events?kind=register&limit=100", Some(&admin))
        .await;
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "only the bootstrap admin: {users}"
    );

    let token = app.user("nina").await;
    let got = raw(
        &app,
        Method::POST,
        "/api/projects",
        Some(&token),
        json_ct,
        br#"{"name":"ok","description":"a\u0000b"}"#,
    )
    .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "description");
    let got = raw(
        &app,
        Method::POST,
        "/api/projects",
        Some(&token),
        json_ct,
        b"{\"name\":\"\xff\xfe\"}",
    )
    .await;
    app.assert_error(&got, 422, "validation_failed");
    assert!(project_names(&app, &token).await.is_empty());

    // In a path or a query, with or without a token: 422 before anything else.
    for (path, field) in [
        ("/api/projects/%00", "path"),
        ("/api/projects/1%00", "path"),
        ("/api/admin/users/a%00b/role", "path"),
        ("/api/tasks/%FF", "path"),
        ("/api/projects?owner=a%00b", "owner"),
        ("/api/security-events?kind=%00", "kind"),
        ("/api/security-events?username=%C3%28", "username"),
        ("/api/projects?%00=1", "query"),
    ] {
        for t in [None, Some(token.as_str()), Some(admin.as_str())] {
            let got = app.get(path, t).await;
            app.assert_error(&got, 422, "validation_failed");
            assert_eq!(got.1["field"], field, "{path}: {}", got.1);
        }
    }
    let got = app
        .post(
            "/api/admin/users/x%00/role",
            Some(&admin),
            json!({"role": "admin"}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    // Escaped text that is valid still works.
    let (s, _) = app.get("/api/projects?owner=nina%20", Some(&token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// (status, X-Total-Count, Link, body) of a GET.
async fn listed(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (StatusCode, i64, Option<String>, Value) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let total = resp
        .headers()
        .get("x-total-count")
        .map_or(-1, |v| v.to_str().unwrap().parse().unwrap());
    let link = resp
        .headers()
        .get(header::LINK)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, total, link, resp.json().await.unwrap())
}

/// The target of `Link: <target>; rel="next"`.
fn next_of(link: &str) -> &str {
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    link.trim_start_matches('<')
        .split_once('>')
        .map(|(target, _)| target)
        .unwrap()
}

async fn lists_page_with_total_and_next_link(app: TestApp) {
    let token = app.user("pavel").await;
    for i in 0..5 {
        app.post(
            "/api/projects",
            Some(&token),
            json!({"name": format!("p{i}")}),
        )
        .await;
    }
    // Walk the pages through the Link headers.
    let mut path = "/api/projects?limit=2".to_owned();
    let mut seen = Vec::new();
    loop {
        let (s, total, link, body) = listed(&app, &path, &token).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(total, 5);
        seen.extend(body.as_array().unwrap().iter().map(|p| p["name"].clone()));
        match link {
            Some(link) => path = next_of(&link).to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ["p0", "p1", "p2", "p3", "p4"]);
    // Other parameters survive in the link.
    let (_, _, link, _) = listed(&app, "/api/projects?sort=-name&limit=3", &token).await;
    assert_eq!(
        next_of(&link.unwrap()),
        "/api/projects?sort=-name&limit=3&offset=3"
    );
    // Past the end: empty, the total still there, no link.
    let (s, total, link, body) = listed(&app, "/api/projects?offset=10", &token).await;
    assert_eq!((s, total, link, body), (StatusCode::OK, 5, None, json!([])));

    // A project's tasks and the security events page the same way.
    let (_, p) = app
        .post("/api/projects", Some(&token), json!({"name": "tasks"}))
        .await;
    for i in 0..3 {
        app.post(
            &format!("/api/projects/{}/tasks", p["id"]),
            Some(&token),
            json!({"title": format!("t{i}"), "status": if i == 0 { "done" } else { "todo" }}),
        )
        .await;
    }
    let tasks = format!("/api/projects/{}/tasks", p["id"]);
    let (_, total, link, body) = listed(&app, &format!("{tasks}?limit=1"), &token).await;
    assert_eq!((total, body.as_array().unwrap().len()), (3, 1));
    assert_eq!(next_of(&link.unwrap()), format!("{tasks}?limit=1&offset=1"));
    let (_, total, link, _) = listed(&app, &format!("{tasks}?status=todo"), &token).await;
    assert_eq!((total, link), (2, None));

    let analyst = app.analyst("quentin").await;
    let (_, total, _, all) = listed(&app, "/api/security-events", &analyst).await;
    assert_eq!(total, all.as_array().unwrap().len() as i64);
    let (_, paged_total, link, one) = listed(
        &app,
        "/api/security-events?limit=1&username=pavel",
        &analyst,
    )
    .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert!(paged_total >= 2, "{paged_total}");
    let next = link.unwrap();
    assert!(next_of(&next).contains("username=pavel"), "{next}");
    let (_, _, _, second) = listed(&app, next_of(&next), &analyst).await;
    assert!(second[0]["id"].as_i64() < one[0]["id"].as_i64());
}

async fn lists_sort_by_the_fields_api_md_names(app: TestApp) {
    let token = app.user("rita").await;
    for (name, due) in [
        ("beta", Some("2026-03-01")),
        ("Alpha", None),
        ("gamma", Some("2026-01-01")),
    ] {
        app.post(
            "/api/projects",
            Some(&token),
            json!({"name": name, "due_date": due}),
        )
        .await;
    }
    let names = |body: Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (sort, want) in [
        ("name", ["Alpha", "beta", "gamma"]),
        ("-name", ["gamma", "beta", "Alpha"]),
        ("due_date", ["gamma", "beta", "Alpha"]),
        ("-due_date", ["beta", "gamma", "Alpha"]),
        ("created_at", ["beta", "Alpha", "gamma"]),
        ("-updated_at", ["gamma", "Alpha", "beta"]),
    ] {
        let (s, body) = app
            .get(&format!("/api/projects?sort={sort}"), Some(&token))
            .await;
        assert_eq!(s, StatusCode::OK, "{sort}: {body}");
        assert_eq!(names(body), want, "{sort}");
    }
    for bad in ["owner", "-", "name,title", "--name", "title"] {
        let got = app
            .get(&format!("/api/projects?sort={bad}"), Some(&token))
            .await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], "sort", "{bad}");
    }

    let (_, p) = app
        .post("/api/projects", Some(&token), json!({"name": "tasks"}))
        .await;
    let tasks = format!("/api/projects/{}/tasks", p["id"]);
    for (title, priority) in [
        ("a", "high"),
        ("b", "low"),
        ("c", "urgent"),
        ("d", "normal"),
    ] {
        app.post(
            &tasks,
            Some(&token),
            json!({"title": title, "priority": priority}),
        )
        .await;
    }
    let titles = |body: Value| -> String {
        body.as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap())
            .collect()
    };
    let (_, body) = app
        .get(&format!("{tasks}?sort=priority"), Some(&token))
        .await;
    assert_eq!(titles(body), "bdac");
    let (_, body) = app
        .get(&format!("{tasks}?sort=-priority&limit=2"), Some(&token))
        .await;
    assert_eq!(titles(body), "ca");
    let got = app.get(&format!("{tasks}?sort=name"), Some(&token)).await;
    assert_eq!(got.1["field"], "sort");

    let analyst = app.analyst("sven").await;
    let (_, newest) = app.get("/api/security-events", Some(&analyst)).await;
    let (_, oldest) = app
        .get("/api/security-events?sort=created_at", Some(&analyst))
        .await;
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let mut reversed = ids(&newest);
    reversed.reverse();
    assert_eq!(ids(&oldest), reversed);
    let got = app
        .get("/api/security-events?sort=kind", Some(&analyst))
        .await;
    assert_eq!(got.1["field"], "sort");
}
