//! "Organising work" of `api.md` end to end over HTTP, on SQLite and on
//! PostgreSQL: tasks across projects with filters and due views, moving a
//! task, sorting and paging metadata, labels, comments, full-text search
//! and export/import.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Days, Utc};
use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    tasks_across_projects_filters_and_due_views,
    sorting_and_paging_metadata,
    moving_a_task_between_projects,
    labels_crud_and_on_tasks,
    comments_and_their_permissions,
    search_is_full_text_and_isolated,
    export_import_round_trip_and_rejection,
    openapi_lists_the_organising_routes,
);

async fn openapi_lists_the_organising_routes(app: TestApp) {
    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    for (method, path) in [
        ("get", "/api/tasks"),
        ("get", "/api/tasks/{task_id}"),
        ("get", "/api/labels"),
        ("post", "/api/labels"),
        ("patch", "/api/labels/{label_id}"),
        ("delete", "/api/labels/{label_id}"),
        ("get", "/api/tasks/{task_id}/comments"),
        ("post", "/api/tasks/{task_id}/comments"),
        ("patch", "/api/comments/{comment_id}"),
        ("delete", "/api/comments/{comment_id}"),
        ("get", "/api/search"),
        ("get", "/api/export"),
        ("post", "/api/import"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
        // The route exists: without a token it is a 401, not a 404/405.
        let concrete = path
            .replace("{task_id}", "1")
            .replace("{label_id}", "1")
            .replace("{comment_id}", "1");
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (s, b) = app.send(m, &concrete, None, Some(json!({}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {concrete}: {b}");
    }
}

async fn project(app: &TestApp, token: &str, name: &str) -> i64 {
    let (s, b) = app
        .post("/api/projects", Some(token), json!({"name": name}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().unwrap()
}

async fn task(app: &TestApp, token: &str, project: i64, body: Value) -> Value {
    let (s, b) = app
        .post(&format!("/api/projects/{project}/tasks"), Some(token), body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b
}

/// GET with headers: (status, X-Total-Count, Link, body).
async fn get_list(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (u16, Option<i64>, Option<String>, Value) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let total = h("x-total-count").and_then(|v| v.parse().ok());
    let link = h("link");
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, total, link, body)
}

fn titles(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

fn day(offset: i64) -> String {
    let today = Utc::now().date_naive();
    let d = if offset >= 0 {
        today + Days::new(offset as u64)
    } else {
        today - Days::new((-offset) as u64)
    };
    d.to_string()
}

async fn tasks_across_projects_filters_and_due_views(app: TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let analyst = app.analyst("ana").await;
    let p1 = project(&app, &alice, "Website").await;
    let p2 = project(&app, &alice, "Logo").await;
    let late = task(
        &app,
        &alice,
        p1,
        json!({"title": "Late", "due_date": day(-2), "priority": "high"}),
    )
    .await;
    task(
        &app,
        &alice,
        p1,
        json!({"title": "Late but done", "due_date": day(-2), "status": "done"}),
    )
    .await;
    task(
        &app,
        &alice,
        p2,
        json!({"title": "Today", "due_date": day(0), "description": "Call the printer"}),
    )
    .await;
    task(
        &app,
        &alice,
        p2,
        json!({"title": "Soon", "due_date": day(3)}),
    )
    .await;
    task(&app, &alice, p2, json!({"title": "Whenever"})).await;
    let bp = project(&app, &bob, "Bob's").await;
    task(
        &app,
        &bob,
        bp,
        json!({"title": "Bob task", "due_date": day(-2)}),
    )
    .await;

    let (s, total, _, b) = get_list(&app, "/api/tasks", &alice).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(total, Some(5));
    assert_eq!(b.as_array().unwrap().len(), 5);
    assert!(b[0]["labels"].is_array(), "{b}");

    let (_, _, _, b) = get_list(&app, "/api/tasks?due=overdue", &alice).await;
    assert_eq!(titles(&b), ["Late"]);
    // Overdue in a zone far ahead or behind still means "before today there".
    let (s, _, _, b) = get_list(&app, "/api/tasks?due=overdue&tz=Pacific/Kiritimati", &alice).await;
    assert_eq!(s, 200, "{b}");
    assert!(titles(&b).contains(&"Late".to_owned()));
    let (_, _, _, b) = get_list(&app, "/api/tasks?due=today&tz=UTC", &alice).await;
    assert_eq!(titles(&b), ["Today"]);
    let (_, _, _, b) = get_list(&app, "/api/tasks?due=week", &alice).await;
    assert_eq!(titles(&b), ["Today", "Soon"]);
    let (_, _, _, b) = get_list(&app, "/api/tasks?due=none", &alice).await;
    assert_eq!(titles(&b), ["Whenever"]);
    let (_, _, _, b) = get_list(&app, "/api/tasks?priority=high", &alice).await;
    assert_eq!(titles(&b), ["Late"]);
    let (_, _, _, b) = get_list(
        &app,
        &format!("/api/tasks?project_id={p1}&status=done"),
        &alice,
    )
    .await;
    assert_eq!(titles(&b), ["Late but done"]);
    let (_, _, _, b) = get_list(&app, "/api/tasks?q=PRINTER", &alice).await;
    assert_eq!(titles(&b), ["Today"]);
    let (_, _, _, b) = get_list(&app, "/api/tasks?q=100%25", &alice).await;
    assert!(b.as_array().unwrap().is_empty());

    // Bad input names the field.
    for (path, field) in [
        ("/api/tasks?tz=Mars/Olympus", "tz"),
        ("/api/tasks?due=someday", "due"),
        ("/api/tasks?priority=meh", "priority"),
        ("/api/tasks?label=x", "label"),
        ("/api/tasks?project_id=x", "project_id"),
    ] {
        let got = app.get(path, Some(&alice)).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field, "{path}: {}", got.1);
    }

    // Other users see nothing of Alice's; analysts read, never write.
    let (_, total, _, b) = get_list(&app, "/api/tasks", &bob).await;
    assert_eq!((total, titles(&b)), (Some(1), vec!["Bob task".to_owned()]));
    let late_id = late["id"].as_i64().unwrap();
    let (s, b) = app
        .get(&format!("/api/tasks/{late_id}"), Some(&alice))
        .await;
    assert_eq!((s, b["title"].as_str()), (StatusCode::OK, Some("Late")));
    app.assert_error(
        &app.get(&format!("/api/tasks/{late_id}"), Some(&bob)).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.get(&format!("/api/tasks?project_id={p1}"), Some(&bob))
            .await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.get("/api/tasks?owner=alice", Some(&bob)).await,
        403,
        "forbidden",
    );
    let (_, total, _, _) = get_list(&app, "/api/tasks?owner=alice", &analyst).await;
    assert_eq!(total, Some(5));
    let (_, total, _, _) = get_list(&app, "/api/tasks?owner=*", &analyst).await;
    assert_eq!(total, Some(6));
    let (s, _) = app
        .get(&format!("/api/tasks/{late_id}"), Some(&analyst))
        .await;
    assert_eq!(s, StatusCode::OK);
    let got = app
        .patch(
            &format!("/api/tasks/{late_id}"),
            Some(&analyst),
            json!({"title": "x"}),
        )
        .await;
    app.assert_error(&got, 403, "forbidden");
    let (_, b) = app
        .get(&format!("/api/tasks/{late_id}"), Some(&alice))
        .await;
    assert_eq!(b["title"], "Late");
}

async fn sorting_and_paging_metadata(app: TestApp) {
    let alice = app.user("alice").await;
    let p = project(&app, &alice, "B project").await;
    project(&app, &alice, "a project").await;
    for (title, prio) in [("b", "low"), ("c", "urgent"), ("a", "normal")] {
        task(&app, &alice, p, json!({"title": title, "priority": prio})).await;
    }
    let (_, _, _, b) = get_list(&app, "/api/tasks?sort=title", &alice).await;
    assert_eq!(titles(&b), ["a", "b", "c"]);
    let (_, _, _, b) = get_list(&app, "/api/tasks?sort=-priority", &alice).await;
    assert_eq!(titles(&b), ["c", "a", "b"]);
    let (_, _, _, b) = get_list(&app, "/api/projects?sort=name", &alice).await;
    assert_eq!(b[0]["name"], "a project");
    for path in [
        "/api/tasks?sort=owner",
        "/api/projects?sort=-title",
        "/api/labels?sort=color",
    ] {
        let got = app.get(path, Some(&alice)).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], "sort", "{path}");
    }
    let (s, total, link, b) = get_list(&app, "/api/tasks?sort=title&limit=2", &alice).await;
    assert_eq!((s, total), (200, Some(3)));
    assert_eq!(titles(&b), ["a", "b"]);
    let link = link.expect("Link header");
    assert!(
        link.contains("offset=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    let (_, _, link, b) = get_list(&app, "/api/tasks?sort=title&limit=2&offset=2", &alice).await;
    assert_eq!(titles(&b), ["c"]);
    assert!(link.is_none());
    let (_, total, _, _) =
        get_list(&app, &format!("/api/projects/{p}/tasks?limit=1"), &alice).await;
    assert_eq!(total, Some(3));
}

async fn moving_a_task_between_projects(app: TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let analyst = app.analyst("ana").await;
    let from = project(&app, &alice, "From").await;
    let to = project(&app, &alice, "To").await;
    let bobs = project(&app, &bob, "Bob's").await;
    let t = task(&app, &alice, from, json!({"title": "Move me"})).await;
    let id = t["id"].as_i64().unwrap();
    let path = format!("/api/tasks/{id}");

    let got = app
        .patch(&path, Some(&alice), json!({"project_id": bobs}))
        .await;
    app.assert_error(&got, 404, "not_found");
    let got = app
        .patch(&path, Some(&alice), json!({"project_id": null}))
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "project_id");
    let got = app
        .patch(&path, Some(&analyst), json!({"project_id": to}))
        .await;
    app.assert_error(&got, 403, "forbidden");
    let (_, b) = app.get(&path, Some(&alice)).await;
    assert_eq!(b["project_id"], from);

    let (s, b) = app
        .patch(
            &path,
            Some(&alice),
            json!({"project_id": to, "title": "Moved"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["project_id"].as_i64(), b["title"].as_str()),
        (Some(to), Some("Moved"))
    );
    let (_, total, _, _) = get_list(&app, &format!("/api/projects/{from}/tasks"), &alice).await;
    assert_eq!(total, Some(0));
    let (_, total, _, _) = get_list(&app, &format!("/api/projects/{to}/tasks"), &alice).await;
    assert_eq!(total, Some(1));
}

async fn labels_crud_and_on_tasks(app: TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (s, red) = app
        .post(
            "/api/labels",
            Some(&alice),
            json!({"name": "Urgent", "color": "#FF0000"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{red}");
    assert_eq!(red["color"], "#ff0000");
    let red_id = red["id"].as_i64().unwrap();
    let got = app
        .post(
            "/api/labels",
            Some(&alice),
            json!({"name": "urgent", "color": "#00ff00"}),
        )
        .await;
    app.assert_error(&got, 409, "conflict");
    // Another user may use the same name.
    let (s, bobs) = app
        .post(
            "/api/labels",
            Some(&bob),
            json!({"name": "URGENT", "color": "#00ff00"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let bob_label = bobs["id"].as_i64().unwrap();
    for (body, field) in [
        (json!({"name": "x", "color": "red"}), "color"),
        (json!({"name": "x", "color": "#12345g"}), "color"),
        (json!({"name": "", "color": "#123456"}), "name"),
        (json!({"name": "x".repeat(51), "color": "#123456"}), "name"),
        (json!({"color": "#123456"}), "name"),
    ] {
        let got = app.post("/api/labels", Some(&alice), body).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field);
    }
    let (_, total, _, list) = get_list(&app, "/api/labels", &alice).await;
    assert_eq!(total, Some(1), "{list}");

    // Bob cannot see or touch Alice's label.
    let got = app
        .patch(
            &format!("/api/labels/{red_id}"),
            Some(&bob),
            json!({"name": "mine"}),
        )
        .await;
    app.assert_error(&got, 404, "not_found");
    app.assert_error(
        &app.delete(&format!("/api/labels/{red_id}"), Some(&bob))
            .await,
        404,
        "not_found",
    );
    let (s, b) = app
        .patch(
            &format!("/api/labels/{red_id}"),
            Some(&alice),
            json!({"name": "Hot"}),
        )
        .await;
    assert_eq!(
        (s, b["name"].as_str(), b["color"].as_str()),
        (StatusCode::OK, Some("Hot"), Some("#ff0000"))
    );

    // Tasks carry labels; only the owner's labels are accepted.
    let p = project(&app, &alice, "P").await;
    let got = app
        .post(
            &format!("/api/projects/{p}/tasks"),
            Some(&alice),
            json!({"title": "T", "label_ids": [bob_label]}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "label_ids");
    let (_, total, _, _) = get_list(&app, "/api/tasks", &alice).await;
    assert_eq!(total, Some(0), "a rejected task is not stored");
    let t = task(
        &app,
        &alice,
        p,
        json!({"title": "T", "label_ids": [red_id]}),
    )
    .await;
    assert_eq!(
        t["labels"],
        json!([{"id": red_id, "name": "Hot", "color": "#ff0000"}])
    );
    task(&app, &alice, p, json!({"title": "Plain"})).await;
    let (_, _, _, b) = get_list(&app, &format!("/api/tasks?label={red_id}"), &alice).await;
    assert_eq!(titles(&b), ["T"]);
    let (_, _, _, b) = get_list(
        &app,
        &format!("/api/projects/{p}/tasks?label={red_id}"),
        &alice,
    )
    .await;
    assert_eq!(titles(&b), ["T"]);
    let tid = t["id"].as_i64().unwrap();
    let got = app
        .patch(
            &format!("/api/tasks/{tid}"),
            Some(&alice),
            json!({"label_ids": [red_id, bob_label]}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    let (_, b) = app.get(&format!("/api/tasks/{tid}"), Some(&alice)).await;
    assert_eq!(
        b["labels"].as_array().unwrap().len(),
        1,
        "unchanged after a refusal"
    );
    let (s, b) = app
        .patch(
            &format!("/api/tasks/{tid}"),
            Some(&alice),
            json!({"label_ids": []}),
        )
        .await;
    assert_eq!((s, b["labels"].clone()), (StatusCode::OK, json!([])));
    app.patch(
        &format!("/api/tasks/{tid}"),
        Some(&alice),
        json!({"label_ids": [red_id]}),
    )
    .await;
    let (s, _) = app
        .delete(&format!("/api/labels/{red_id}"), Some(&alice))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, b) = app.get(&format!("/api/tasks/{tid}"), Some(&alice)).await;
    assert_eq!(b["labels"], json!([]));
}

async fn comments_and_their_permissions(app: TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let analyst = app.analyst("ana").await;
    let admin = app.admin().await;
    let p = project(&app, &alice, "P").await;
    let t = task(&app, &alice, p, json!({"title": "T"})).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/tasks/{t}/comments");

    let body = "  First line\nsecond line  ";
    let (s, c) = app.post(&path, Some(&alice), json!({"body": body})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(
        (
            c["body"].as_str(),
            c["author"].as_str(),
            c["task_id"].as_i64()
        ),
        (Some(body), Some("alice"), Some(t))
    );
    assert!(c["created_at"].as_str().unwrap().ends_with('Z'));
    let cid = c["id"].as_i64().unwrap();
    let (s, _) = app
        .post(&path, Some(&admin), json!({"body": "From the admin"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);

    for (b, field) in [
        (json!({"body": "   "}), "body"),
        (json!({}), "body"),
        (json!({"body": "x".repeat(10_001)}), "body"),
    ] {
        let got = app.post(&path, Some(&alice), b).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field);
    }
    app.assert_error(&app.get(&path, Some(&bob)).await, 404, "not_found");
    app.assert_error(
        &app.post(&path, Some(&bob), json!({"body": "hi"})).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.post(&path, Some(&analyst), json!({"body": "hi"})).await,
        403,
        "forbidden",
    );
    let (_, total, _, list) = get_list(&app, &path, &analyst).await;
    assert_eq!(total, Some(2), "{list}");
    assert_eq!(list[0]["id"], cid, "oldest first");

    let cpath = format!("/api/comments/{cid}");
    app.assert_error(
        &app.patch(&cpath, Some(&bob), json!({"body": "x"})).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.patch(&cpath, Some(&analyst), json!({"body": "x"}))
            .await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.patch(&cpath, Some(&admin), json!({"body": "x"})).await,
        403,
        "forbidden",
    );
    app.assert_error(&app.delete(&cpath, Some(&analyst)).await, 403, "forbidden");
    let (s, b) = app
        .patch(&cpath, Some(&alice), json!({"body": "Edited"}))
        .await;
    assert_eq!((s, b["body"].as_str()), (StatusCode::OK, Some("Edited")));
    let (s, _) = app.delete(&cpath, Some(&admin)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, total, _, _) = get_list(&app, &path, &alice).await;
    assert_eq!(total, Some(1));
}

fn names(v: &Value, key: &str, field: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_owned())
        .collect()
}

async fn search_is_full_text_and_isolated(app: TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let analyst = app.analyst("ana").await;
    let (_, p) = app
        .post(
            "/api/projects",
            Some(&alice),
            json!({"name": "Café Rénovation", "client": "Müller GmbH"}),
        )
        .await;
    let pid = p["id"].as_i64().unwrap();
    let t = task(
        &app,
        &alice,
        pid,
        json!({"title": "Peinture façade", "description": "Two coats"}),
    )
    .await;
    let tid = t["id"].as_i64().unwrap();
    app.post(
        &format!("/api/tasks/{tid}/comments"),
        Some(&alice),
        json!({"body": "Appeler l'électricien"}),
    )
    .await;
    let bp = project(&app, &bob, "Cafe secret").await;
    task(&app, &bob, bp, json!({"title": "Peinture secrète"})).await;

    let (s, b) = app.get("/api/search?q=cafe", Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(names(&b, "projects", "name"), ["Café Rénovation"]);
    let (_, b) = app.get("/api/search?q=R%C3%89NOV", Some(&alice)).await;
    assert_eq!(
        names(&b, "projects", "name"),
        ["Café Rénovation"],
        "prefix, case and accents"
    );
    let (_, b) = app.get("/api/search?q=muller", Some(&alice)).await;
    assert_eq!(names(&b, "projects", "name").len(), 1, "client is searched");
    let (_, b) = app.get("/api/search?q=FACADE%20pein", Some(&alice)).await;
    assert_eq!(names(&b, "tasks", "title"), ["Peinture façade"]);
    assert!(b["tasks"][0]["labels"].is_array());
    let (_, b) = app.get("/api/search?q=electr", Some(&alice)).await;
    assert_eq!(names(&b, "comments", "body"), ["Appeler l'électricien"]);
    let (_, b) = app.get("/api/search?q=peinture", Some(&alice)).await;
    assert_eq!(
        names(&b, "tasks", "title"),
        ["Peinture façade"],
        "never Bob's"
    );
    let (_, b) = app.get("/api/search?q=peinture", Some(&bob)).await;
    assert_eq!(names(&b, "tasks", "title"), ["Peinture secrète"]);
    let (_, b) = app.get("/api/search?q=electricien", Some(&bob)).await;
    assert!(b["comments"].as_array().unwrap().is_empty());
    let (_, b) = app.get("/api/search?q=peinture", Some(&analyst)).await;
    assert_eq!(
        names(&b, "tasks", "title").len(),
        2,
        "analysts read everyone's"
    );

    // Edits and deletions are followed by the index.
    app.patch(
        &format!("/api/tasks/{tid}"),
        Some(&alice),
        json!({"title": "Toiture"}),
    )
    .await;
    let (_, b) = app.get("/api/search?q=toit", Some(&alice)).await;
    assert_eq!(names(&b, "tasks", "title"), ["Toiture"]);
    let (_, b) = app.get("/api/search?q=facade", Some(&alice)).await;
    assert!(b["tasks"].as_array().unwrap().is_empty(), "{b}");

    // Query syntax in the input is only text: never an error.
    for q in [
        "%22",
        "*",
        "a%20OR%20b",
        "NEAR(x",
        "%26%7C!()%3A*",
        "'",
        "-x",
        "x%5E2",
        "",
        "%E2%80%94",
    ] {
        let (s, b) = app.get(&format!("/api/search?q={q}"), Some(&alice)).await;
        assert_eq!(s, StatusCode::OK, "q={q}: {b}");
        assert!(b["projects"].is_array() && b["tasks"].is_array() && b["comments"].is_array());
    }
    let (_, b) = app.get("/api/search?q=cafe&limit=0", Some(&alice)).await;
    assert_eq!(b["field"], "limit");

    app.delete(&format!("/api/projects/{pid}"), Some(&alice))
        .await;
    let (_, b) = app
        .get("/api/search?q=cafe%20electricien%20toiture", Some(&alice))
        .await;
    assert_eq!(b, json!({"projects": [], "tasks": [], "comments": []}));
}

/// The document without ids: references replaced by positions.
fn without_ids(doc: &Value) -> Value {
    let pos = |key: &str, id: &Value| -> Value {
        json!(doc[key]
            .as_array()
            .unwrap()
            .iter()
            .position(|x| &x["id"] == id))
    };
    let mut d = doc.clone();
    for key in [
        "projects",
        "labels",
        "tasks",
        "comments",
        "time_entries",
        "invoices",
    ] {
        for item in d[key].as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("id");
        }
    }
    for (i, t) in doc["tasks"].as_array().unwrap().iter().enumerate() {
        d["tasks"][i]["project_id"] = pos("projects", &t["project_id"]);
        d["tasks"][i]["label_ids"] = json!(t["label_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| pos("labels", l))
            .collect::<Vec<_>>());
    }
    for (i, c) in doc["comments"].as_array().unwrap().iter().enumerate() {
        d["comments"][i]["task_id"] = pos("tasks", &c["task_id"]);
    }
    for (i, e) in doc["time_entries"].as_array().unwrap().iter().enumerate() {
        d["time_entries"][i]["task_id"] = pos("tasks", &e["task_id"]);
        d["time_entries"][i]["project_id"] = pos("projects", &e["project_id"]);
        if !e["invoice_id"].is_null() {
            d["time_entries"][i]["invoice_id"] = pos("invoices", &e["invoice_id"]);
        }
    }
    for (i, inv) in doc["invoices"].as_array().unwrap().iter().enumerate() {
        for (k, l) in inv["lines"].as_array().unwrap().iter().enumerate() {
            d["invoices"][i]["lines"][k]["task_id"] = pos("tasks", &l["task_id"]);
            d["invoices"][i]["lines"][k]["project_id"] = pos("projects", &l["project_id"]);
        }
    }
    d
}

async fn export_import_round_trip_and_rejection(app: TestApp) {
    let alice = app.user("alice").await;
    let carol = app.user("carol").await;
    let (_, l1) = app
        .post(
            "/api/labels",
            Some(&alice),
            json!({"name": "Blue", "color": "#0000ff"}),
        )
        .await;
    let (_, l2) = app
        .post(
            "/api/labels",
            Some(&alice),
            json!({"name": "Green", "color": "#00ff00"}),
        )
        .await;
    let (_, p) = app
        .post("/api/projects", Some(&alice), json!({"name": "Site", "client": "ACME", "hourly_rate": 80.5, "due_date": "2027-01-31", "description": "Über"}))
        .await;
    let p2 = project(&app, &alice, "Empty").await;
    let pid = p["id"].as_i64().unwrap();
    let t = task(&app, &alice, pid, json!({"title": "Design", "priority": "high", "estimate_hours": 2.5, "due_date": "2027-01-10", "label_ids": [l1["id"], l2["id"]]})).await;
    task(
        &app,
        &alice,
        p2,
        json!({"title": "Nothing", "status": "blocked"}),
    )
    .await;
    app.post(
        &format!("/api/tasks/{}/comments", t["id"]),
        Some(&alice),
        json!({"body": "Looks good\n"}),
    )
    .await;

    // Time: two entries on an invoice that was sent, one not invoiced.
    for (from, to) in [
        ("2026-11-02T09:00:00Z", "2026-11-02T10:20:00Z"),
        ("2026-11-03T09:00:00Z", "2026-11-03T09:00:01Z"),
    ] {
        let (s, b) = app
            .post(
                "/api/time-entries",
                Some(&alice),
                json!({"task_id": t["id"], "started_at": from, "ended_at": to, "note": "work"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, inv) = app
        .post(
            "/api/invoices",
            Some(&alice),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let (s, sent) = app
        .patch(
            &format!("/api/invoices/{}", inv["id"]),
            Some(&alice),
            json!({"status": "sent"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    app.post(
        "/api/time-entries",
        Some(&alice),
        json!({"task_id": t["id"], "started_at": "2026-12-01T08:00:00Z",
               "ended_at": "2026-12-01T08:30:00Z", "billable": false}),
    )
    .await;

    let (s, doc) = app.get("/api/export", Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    assert_eq!(
        (doc["format"].as_str(), doc["version"].as_i64()),
        (Some("freelancer-workspace"), Some(1))
    );
    assert_eq!(doc["time_entries"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(doc["invoices"].as_array().unwrap().len(), 1, "{doc}");
    // 80.5/h: 80 min = 10733.33 → 10733; 1 s = 2.236 → 2.
    assert_eq!(doc["invoices"][0]["total_minor"], 10_735, "{doc}");
    assert_eq!(doc["invoices"][0]["status"], "sent");
    assert_eq!(doc["projects"].as_array().unwrap().len(), 2);
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(doc["labels"].as_array().unwrap().len(), 2);
    assert_eq!(doc["comments"].as_array().unwrap().len(), 1);

    // A bad document stores nothing.
    let mut bad = doc.clone();
    bad["tasks"][1]["project_id"] = json!(999_999);
    let got = app.post("/api/import", Some(&carol), bad).await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "tasks[1].project_id");
    let mut bad = doc.clone();
    bad["tasks"][0]["title"] = json!("");
    let got = app.post("/api/import", Some(&carol), bad).await;
    assert_eq!(got.1["field"], "tasks[0].title");
    let mut bad = doc.clone();
    bad["invoices"][0]["lines"][0]["hourly_rate"] = json!(1.005);
    let got = app.post("/api/import", Some(&carol), bad).await;
    assert_eq!(
        got.1["field"], "invoices[0].lines[0].hourly_rate",
        "{}",
        got.1
    );
    let mut bad = doc.clone();
    bad["time_entries"][0]["invoice_id"] = json!(424_242);
    let got = app.post("/api/import", Some(&carol), bad).await;
    assert_eq!(got.1["field"], "time_entries[0].invoice_id", "{}", got.1);
    let mut bad = doc.clone();
    bad["format"] = json!("something-else");
    let got = app.post("/api/import", Some(&carol), bad).await;
    assert_eq!(got.1["field"], "format");
    // Fails in the database half-way (a label name Carol already has): rolled back.
    app.post(
        "/api/labels",
        Some(&carol),
        json!({"name": "green", "color": "#111111"}),
    )
    .await;
    let got = app.post("/api/import", Some(&carol), doc.clone()).await;
    app.assert_error(&got, 409, "conflict");
    let (_, empty) = app.get("/api/export", Some(&carol)).await;
    assert_eq!(empty["projects"], json!([]));
    assert_eq!(empty["labels"].as_array().unwrap().len(), 1);
    let (_, labels) = app.get("/api/labels", Some(&carol)).await;
    let green = labels[0]["id"].as_i64().unwrap();
    app.delete(&format!("/api/labels/{green}"), Some(&carol))
        .await;

    let (s, b) = app.post("/api/import", Some(&carol), doc.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, again) = app.get("/api/export", Some(&carol)).await;
    let mut expected = without_ids(&doc);
    // Comments are imported as the importer's.
    expected["comments"][0]["author"] = json!("carol");
    assert_eq!(without_ids(&again), expected);
    assert_ne!(again["projects"][0]["id"], doc["projects"][0]["id"]);
    // Carol now has the three entries.
    let (_, carol_entries) = app.get("/api/time-entries", Some(&carol)).await;
    assert_eq!(
        carol_entries.as_array().map(Vec::len),
        Some(3),
        "{carol_entries}"
    );
    // A whole account can be bigger than the usual 1 MiB body limit.
    let dave = app.user("dave").await;
    let big: Vec<Value> = (0..120)
        .map(|i| json!({"id": i, "name": format!("P{i}"), "description": "d".repeat(10_000)}))
        .collect();
    let (s, b) = app
        .post(
            "/api/import",
            Some(&dave),
            json!({"format": "freelancer-workspace", "version": 1, "projects": big}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["projects"], 120);
    // Alice's own data is untouched.
    let (_, mine) = app.get("/api/export", Some(&alice)).await;
    assert_eq!(mine, doc);
}

/// Search latency on 10,000 tasks of one user (plus another user's 10,000):
/// `cargo test -p workspace-server --test organising search_latency -- --ignored --nocapture`
/// (add `TEST_POSTGRES_URL` for PostgreSQL). Prints p50/p99 over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run on demand"]
async fn search_latency_on_10k_tasks() {
    let mut backends = vec![common::Backend::Sqlite];
    if std::env::var("TEST_POSTGRES_URL").is_ok() {
        backends.push(common::Backend::Postgres);
    }
    for backend in backends {
        let app = TestApp::spawn(backend).await.unwrap();
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let pa = project(&app, &alice, "Alice work").await;
        let pb = project(&app, &bob, "Bob work").await;
        let words = [
            "peinture",
            "façade",
            "rénovation",
            "électricité",
            "jardin",
            "toiture",
            "cuisine",
            "plomberie",
        ];
        let db = app.db.database();
        db.transaction(|conn| {
            for (p, n) in [(pa, 10_000), (pb, 10_000)] {
                for i in 0..n {
                    let title = format!("{} {} lot {i}", words[i % 8], words[(i / 8) % 8]);
                    let desc = format!("Note {i} about {}", words[(i / 3) % 8]);
                    workspace_persistence::tasks::create(
                        conn,
                        &workspace_persistence::tasks::NewTask {
                            project_id: workspace_domain::ProjectId::new(p),
                            title: &title,
                            description: Some(&desc),
                            status: Default::default(),
                            priority: Default::default(),
                            due_date: None,
                            estimate_hours: None,
                        },
                    )?;
                }
            }
            Ok::<_, workspace_persistence::PersistenceError>(())
        })
        .unwrap();
        let queries = [
            "pein",
            "facade renov",
            "electricite",
            "lot 99",
            "jard toit",
            "zzz",
        ];
        let mut times = Vec::new();
        for round in 0..200 {
            let q = queries[round % queries.len()];
            let started = std::time::Instant::now();
            let (s, _) = app
                .get(&format!("/api/search?q={q}&limit=20"), Some(&alice))
                .await;
            times.push(started.elapsed());
            assert_eq!(s, StatusCode::OK);
        }
        times.sort();
        println!(
            "{backend:?}: search over 10,000 tasks: p50 {:?}, p99 {:?}",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}
