//! Time and money (`api.md`, "Time and money") end to end over HTTP, on
//! SQLite and on PostgreSQL: exact amounts to the cent, the timer and its
//! races, entries, reports, invoices, their numbering race and status
//! machine, locked entries, roles, and refusals that store nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Datelike;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    rates_are_exact_and_validated,
    amounts_match_hand_computed_cents,
    timer_lifecycle,
    parallel_timer_starts_leave_one_running,
    manual_entries_validate_and_store_nothing_on_rejection,
    entry_list_filters_sort_and_paging,
    report_groups_and_totals,
    report_follows_edits_and_the_current_rate,
    invoice_status_machine_and_locked_entries,
    invoice_refusals_store_nothing,
    parallel_sends_number_without_gaps,
    roles_on_time_and_invoices,
    invoice_exports,
);

async fn project(app: &TestApp, token: &str, body: Value) -> i64 {
    let (s, b) = app.post("/api/projects", Some(token), body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().unwrap()
}

async fn task(app: &TestApp, token: &str, project_id: i64, title: &str) -> i64 {
    let (s, b) = app
        .post(
            &format!("/api/projects/{project_id}/tasks"),
            Some(token),
            json!({ "title": title }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_i64().unwrap()
}

async fn entry(app: &TestApp, token: &str, task_id: i64, start: &str, end: &str) -> Value {
    let (s, b) = app
        .post(
            "/api/time-entries",
            Some(token),
            json!({ "task_id": task_id, "started_at": start, "ended_at": end }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b
}

async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    let (s, b) = app.get(path, Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b.as_array().unwrap().len()
}

async fn rates_are_exact_and_validated(app: TestApp) {
    let t = app.user("alice").await;
    let (s, p) = app
        .post(
            "/api/projects",
            Some(&t),
            json!({"name": "Site", "hourly_rate": 12.5}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["hourly_rate"], json!(12.5));
    assert_eq!(p["currency"], "EUR");
    let id = p["id"].as_i64().unwrap();

    let (s, p) = app
        .post(
            "/api/projects",
            Some(&t),
            json!({"name": "Cents", "hourly_rate": 85.55, "currency": "USD"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["hourly_rate"], json!(85.55));
    assert_eq!(p["currency"], "USD");

    for (body, field) in [
        (json!({"name": "x", "hourly_rate": 12.345}), "hourly_rate"),
        (json!({"name": "x", "hourly_rate": -1}), "hourly_rate"),
        (json!({"name": "x", "currency": "eur"}), "currency"),
        (json!({"name": "x", "currency": "XYZ"}), "currency"),
        (json!({"name": "x", "currency": "EURO"}), "currency"),
    ] {
        let got = app.post("/api/projects", Some(&t), body.clone()).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field, "{body}");
    }
    assert_eq!(count(&app, &t, "/api/projects").await, 2);

    let got = app
        .patch(
            &format!("/api/projects/{id}"),
            Some(&t),
            json!({"hourly_rate": 0.001}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "hourly_rate");
    let (s, p) = app
        .patch(
            &format!("/api/projects/{id}"),
            Some(&t),
            json!({"hourly_rate": 99.99, "currency": "GBP"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["hourly_rate"], json!(99.99));
    assert_eq!(p["currency"], "GBP");
}

async fn amounts_match_hand_computed_cents(app: TestApp) {
    let t = app.user("alice").await;
    // 100.00/h: 1 s = 2.78 ct → 3; 20 min = 3333.33 ct → 3333.
    let a = project(
        &app,
        &t,
        json!({"name": "A", "client": "ACME", "hourly_rate": 100}),
    )
    .await;
    // 85.55/h: 1 s = 2.376 ct → 2; 20 min = 2851.67 ct → 2852.
    let b = project(
        &app,
        &t,
        json!({"name": "B", "client": "ACME", "hourly_rate": 85.55}),
    )
    .await;
    // 0.18/h: 100 s = exactly 0.5 ct → rounds half up to 1.
    let c = project(
        &app,
        &t,
        json!({"name": "C", "client": "Tiny", "hourly_rate": 0.18}),
    )
    .await;
    let ta = task(&app, &t, a, "a").await;
    let tb = task(&app, &t, b, "b").await;
    let tc = task(&app, &t, c, "c").await;
    let e = entry(&app, &t, ta, "2026-11-02T09:00:00Z", "2026-11-02T09:00:01Z").await;
    assert_eq!(e["seconds"], 1);
    assert_eq!(e["billable"], true);
    assert_eq!(e["invoice_id"], Value::Null);
    entry(&app, &t, ta, "2026-11-02T10:00:00Z", "2026-11-02T10:20:00Z").await;
    entry(&app, &t, tb, "2026-11-03T09:00:00Z", "2026-11-03T09:00:01Z").await;
    entry(&app, &t, tb, "2026-11-03T10:00:00Z", "2026-11-03T10:20:00Z").await;
    entry(&app, &t, tc, "2026-11-04T10:00:00Z", "2026-11-04T10:01:40Z").await;

    let (s, r) = app
        .get(
            "/api/reports/time?from=2026-11-01&to=2026-11-30&group_by=project",
            Some(&t),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rows = r["rows"].as_array().unwrap();
    let amount = |label: &str| {
        rows.iter()
            .find(|row| row["label"] == label)
            .map(|row| row["amount_minor"].as_i64().unwrap())
    };
    assert_eq!(amount("A"), Some(3 + 3333));
    assert_eq!(amount("B"), Some(2 + 2852));
    assert_eq!(amount("C"), Some(1));
    assert_eq!(r["totals"][0]["currency"], "EUR");
    assert_eq!(r["totals"][0]["amount_minor"], 3336 + 2854 + 1);
    assert_eq!(r["totals"][0]["seconds"], 1 + 1200 + 1 + 1200 + 100);

    // The invoice bills the same cents, one line per task.
    let (s, inv) = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["status"], "draft");
    assert_eq!(inv["number"], Value::Null);
    assert_eq!(inv["currency"], "EUR");
    let lines = inv["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["task_id"], ta);
    assert_eq!(lines[0]["seconds"], 1201);
    assert_eq!(lines[0]["amount_minor"], 3336);
    assert_eq!(lines[0]["hourly_rate"], json!(100.0));
    assert_eq!(lines[1]["amount_minor"], 2854);
    assert_eq!(lines[1]["hourly_rate"], json!(85.55));
    assert_eq!(inv["total_minor"], 3336 + 2854);
}

async fn timer_lifecycle(app: TestApp) {
    let t = app.user("alice").await;
    let p = project(&app, &t, json!({"name": "P"})).await;
    let t1 = task(&app, &t, p, "one").await;
    let t2 = task(&app, &t, p, "two").await;
    let (s, b) = app.get("/api/timer", Some(&t)).await;
    assert_eq!((s, b), (StatusCode::OK, Value::Null));
    let got = app.delete("/api/timer", Some(&t)).await;
    app.assert_error(&got, 404, "not_found");

    let (s, first) = app
        .post(
            "/api/timer",
            Some(&t),
            json!({"task_id": t1, "note": "coding"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["ended_at"], Value::Null);
    assert_eq!(first["task_id"], t1);
    assert_eq!(first["project_id"], p);
    assert_eq!(first["note"], "coding");
    let (_, running) = app.get("/api/timer", Some(&t)).await;
    assert_eq!(running["id"], first["id"]);

    // Starting another stops the first.
    let (s, second) = app
        .post("/api/timer", Some(&t), json!({"task_id": t2}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    let (_, old) = app
        .get(&format!("/api/time-entries/{}", first["id"]), Some(&t))
        .await;
    assert!(old["ended_at"].is_string(), "{old}");

    let (s, stopped) = app.delete("/api/timer", Some(&t)).await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
    assert_eq!(stopped["id"], second["id"]);
    assert!(stopped["ended_at"].is_string());
    assert!(stopped["seconds"].as_i64().unwrap() >= 0);
    let (_, b) = app.get("/api/timer", Some(&t)).await;
    assert_eq!(b, Value::Null);

    for (body, field) in [
        (json!({}), "task_id"),
        (json!({"task_id": t1, "note": "x".repeat(10_001)}), "note"),
    ] {
        let got = app.post("/api/timer", Some(&t), body).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field);
    }
    let got = app
        .post("/api/timer", Some(&t), json!({"task_id": 999_999}))
        .await;
    app.assert_error(&got, 404, "not_found");
    // Someone else's task is not there.
    let bob = app.user("bob").await;
    let got = app
        .post("/api/timer", Some(&bob), json!({"task_id": t1}))
        .await;
    app.assert_error(&got, 404, "not_found");
    assert_eq!(count(&app, &t, "/api/time-entries").await, 2);
}

async fn parallel_timer_starts_leave_one_running(app: TestApp) {
    let t = app.user("alice").await;
    let p = project(&app, &t, json!({"name": "P"})).await;
    let mut tasks = Vec::new();
    for i in 0..4 {
        tasks.push(task(&app, &t, p, &format!("t{i}")).await);
    }
    for round in 0..3 {
        let starts = (0..8).map(|i| {
            let body = json!({"task_id": tasks[(i + round) % tasks.len()]});
            app.post("/api/timer", Some(&t), body)
        });
        let results = futures_util::future::join_all(starts).await;
        for (s, b) in &results {
            assert_eq!(*s, StatusCode::CREATED, "{b}");
        }
        let (_, all) = app.get("/api/time-entries?limit=500", Some(&t)).await;
        let running = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ended_at"].is_null())
            .count();
        assert_eq!(running, 1, "round {round}: {all}");
        assert_eq!(all.as_array().unwrap().len(), 8 * (round + 1));
    }
}

async fn manual_entries_validate_and_store_nothing_on_rejection(app: TestApp) {
    let t = app.user("alice").await;
    let p = project(&app, &t, json!({"name": "P"})).await;
    let tk = task(&app, &t, p, "t").await;
    let cases = [
        (
            json!({"task_id": tk, "started_at": "2026-11-02T10:00:00Z", "ended_at": "2026-11-02T09:00:00Z"}),
            "ended_at",
        ),
        (
            json!({"task_id": tk, "started_at": "2026-11-02T10:00:00Z", "ended_at": "2026-11-02T10:00:00Z"}),
            "ended_at",
        ),
        (
            json!({"task_id": tk, "started_at": "2026-11-02T10:00:00Z", "ended_at": "2026-11-03T10:00:01Z"}),
            "ended_at",
        ),
        (
            json!({"task_id": tk, "started_at": "yesterday", "ended_at": "2026-11-02T10:00:00Z"}),
            "started_at",
        ),
        (
            json!({"started_at": "2026-11-02T09:00:00Z", "ended_at": "2026-11-02T10:00:00Z"}),
            "task_id",
        ),
        (
            json!({"task_id": tk, "ended_at": "2026-11-02T10:00:00Z"}),
            "started_at",
        ),
    ];
    for (body, field) in cases {
        let got = app.post("/api/time-entries", Some(&t), body.clone()).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field, "{body}");
    }
    let got = app
        .post(
            "/api/time-entries",
            Some(&t),
            json!({"task_id": tk, "started_at": "2026-11-02T09:00:00Z", "ended_at": "2026-11-02T10:00:00Z", "billable": "yes"}),
        )
        .await;
    app.assert_error(&got, 400, "bad_request");
    assert_eq!(count(&app, &t, "/api/time-entries").await, 0);

    // Exactly 24 h is fine; offsets are converted to UTC.
    let e = entry(
        &app,
        &t,
        tk,
        "2026-11-02T10:00:00+02:00",
        "2026-11-03T10:00:00+02:00",
    )
    .await;
    assert_eq!(e["seconds"], 86_400);
    assert_eq!(e["started_at"], "2026-11-02T08:00:00.000Z");

    // PATCH validates the combined span and stores nothing when refused.
    let id = e["id"].as_i64().unwrap();
    let got = app
        .patch(
            &format!("/api/time-entries/{id}"),
            Some(&t),
            json!({"ended_at": "2026-11-01T00:00:00Z"}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    let (s, e2) = app
        .patch(
            &format!("/api/time-entries/{id}"),
            Some(&t),
            json!({"ended_at": "2026-11-02T08:30:00Z", "note": "short", "billable": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e2}");
    assert_eq!(e2["seconds"], 1800);
    assert_eq!(e2["note"], "short");
    assert_eq!(e2["billable"], false);
    let (s, _) = app
        .delete(&format!("/api/time-entries/{id}"), Some(&t))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(count(&app, &t, "/api/time-entries").await, 0);
}

async fn entry_list_filters_sort_and_paging(app: TestApp) {
    let t = app.user("alice").await;
    let p1 = project(&app, &t, json!({"name": "P1"})).await;
    let p2 = project(&app, &t, json!({"name": "P2"})).await;
    let a = task(&app, &t, p1, "a").await;
    let b = task(&app, &t, p2, "b").await;
    entry(&app, &t, a, "2026-11-01T09:00:00Z", "2026-11-01T10:00:00Z").await;
    entry(&app, &t, a, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z").await;
    entry(&app, &t, b, "2026-11-03T23:30:00Z", "2026-11-04T00:30:00Z").await;
    let (s, _) = app
        .post(
            "/api/time-entries",
            Some(&t),
            json!({"task_id": b, "started_at": "2026-11-05T09:00:00Z", "ended_at": "2026-11-05T10:00:00Z", "billable": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (_, all) = app.get("/api/time-entries", Some(&t)).await;
    let starts: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["started_at"].as_str().unwrap())
        .collect();
    assert_eq!(starts[0], "2026-11-05T09:00:00.000Z", "newest first");
    let (_, asc) = app.get("/api/time-entries?sort=started_at", Some(&t)).await;
    assert_eq!(asc[0]["started_at"], "2026-11-01T09:00:00.000Z");
    let got = app.get("/api/time-entries?sort=seconds", Some(&t)).await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "sort");

    assert_eq!(
        count(&app, &t, &format!("/api/time-entries?project_id={p1}")).await,
        2
    );
    assert_eq!(
        count(&app, &t, &format!("/api/time-entries?task_id={b}")).await,
        2
    );
    assert_eq!(
        count(&app, &t, "/api/time-entries?from=2026-11-02&to=2026-11-03").await,
        2
    );
    assert_eq!(count(&app, &t, "/api/time-entries?billable=false").await, 1);
    assert_eq!(count(&app, &t, "/api/time-entries?invoiced=false").await, 4);
    assert_eq!(count(&app, &t, "/api/time-entries?invoiced=true").await, 0);
    for (q, field) in [
        ("from=2026-13-01", "from"),
        ("billable=maybe", "billable"),
        ("project_id=x", "project_id"),
    ] {
        let got = app.get(&format!("/api/time-entries?{q}"), Some(&t)).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field);
    }

    let resp = app
        .client
        .get(app.url("/api/time-entries?limit=3"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-total-count"], "4");
    let link = resp.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("offset=3") && link.contains("rel=\"next\""),
        "{link}"
    );
    let page: Value = resp.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 3);
}

async fn report_groups_and_totals(app: TestApp) {
    let t = app.user("alice").await;
    let eur = project(
        &app,
        &t,
        json!({"name": "Euro site", "client": "ACME", "hourly_rate": 60}),
    )
    .await;
    let usd = project(
        &app,
        &t,
        json!({"name": "Dollar app", "client": "Globex", "hourly_rate": 90, "currency": "USD"}),
    )
    .await;
    let te = task(&app, &t, eur, "design").await;
    let tu = task(&app, &t, usd, "build").await;
    // Monday 2026-11-02 and Tuesday 2026-11-03 (ISO week 45), Monday
    // 2026-11-09 (week 46), and 2026-12-01.
    entry(&app, &t, te, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z").await;
    entry(&app, &t, te, "2026-11-03T09:00:00Z", "2026-11-03T09:30:00Z").await;
    entry(&app, &t, tu, "2026-11-09T09:00:00Z", "2026-11-09T11:00:00Z").await;
    entry(&app, &t, tu, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z").await;
    let (s, _) = app
        .post(
            "/api/time-entries",
            Some(&t),
            json!({"task_id": te, "started_at": "2026-11-03T12:00:00Z", "ended_at": "2026-11-03T13:00:00Z", "billable": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let report = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        let t = t.clone();
        async move {
            let (s, r) = app.get(&format!("/api/reports/time?{q}"), Some(&t)).await;
            assert_eq!(s, StatusCode::OK, "{q}: {r}");
            r
        }
    };
    let r = report("from=2026-11-01&to=2026-12-31&group_by=client").await;
    assert_eq!(r["group_by"], "client");
    assert_eq!(r["from"], "2026-11-01");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{r}");
    assert_eq!(rows[0]["label"], "ACME");
    assert_eq!(rows[0]["seconds"], 3600 + 1800 + 3600);
    assert_eq!(rows[0]["billable_seconds"], 5400);
    assert_eq!(rows[0]["amount_minor"], 9000);
    assert_eq!(rows[0]["currency"], "EUR");
    assert_eq!(rows[1]["amount_minor"], 27_000);
    let totals = r["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 2);
    assert_eq!(totals[0]["currency"], "EUR");
    assert_eq!(totals[0]["amount_minor"], 9000);
    assert_eq!(totals[1]["currency"], "USD");
    assert_eq!(totals[1]["amount_minor"], 27_000);

    let r = report("from=2026-11-01&to=2026-12-31&group_by=week").await;
    let keys: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["2026-W45", "2026-W46", "2026-W49"]);
    let r = report("from=2026-11-01&to=2026-12-31&group_by=month").await;
    assert_eq!(r["rows"].as_array().unwrap().len(), 3, "{r}"); // Nov EUR, Nov USD, Dec USD
    let r = report("from=2026-11-03&to=2026-11-03&group_by=day").await;
    assert_eq!(r["rows"][0]["key"], "2026-11-03");
    assert_eq!(r["rows"][0]["seconds"], 5400);
    let r = report("group_by=task").await;
    assert_eq!(r["rows"].as_array().unwrap().len(), 2);
    let r = report("from=2026-11-01&to=2026-12-31").await;
    assert_eq!(r["group_by"], "project");

    for (q, field) in [
        ("group_by=year", "group_by"),
        ("from=2026-02-30", "from"),
        ("from=2026-11-02&to=2026-11-01", "to"),
    ] {
        let got = app.get(&format!("/api/reports/time?{q}"), Some(&t)).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field);
    }
}

/// The report is kept on write (per-day sums): every change to an entry
/// shows at once, and, as before, it prices every entry — invoiced or not —
/// at its project's current rate, while an invoice keeps the amounts it
/// was built with.
async fn report_follows_edits_and_the_current_rate(app: TestApp) {
    let t = app.user("alice").await;
    let p = project(
        &app,
        &t,
        json!({"name": "A", "client": "ACME", "hourly_rate": 100}),
    )
    .await;
    let tk = task(&app, &t, p, "a").await;
    // 100.00/h: 20 min → 3333, 1 s → 3.
    entry(&app, &t, tk, "2026-11-02T09:00:00Z", "2026-11-02T09:20:00Z").await;
    let e = entry(&app, &t, tk, "2026-11-03T09:00:00Z", "2026-11-03T09:00:01Z").await;
    let eid = e["id"].as_i64().unwrap();
    let by_day = || {
        let app = &app;
        let t = t.clone();
        async move {
            let (s, r) = app
                .get(
                    "/api/reports/time?from=2026-11-01&to=2026-11-30&group_by=day",
                    Some(&t),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            r["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["key"].as_str().unwrap().to_owned(),
                        r["seconds"].as_i64().unwrap(),
                        r["amount_minor"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let day = |d: &str, seconds: i64, amount: i64| (d.to_owned(), seconds, amount);
    assert_eq!(
        by_day().await,
        [day("2026-11-02", 1200, 3333), day("2026-11-03", 1, 3)]
    );

    // Invoice the 20 minutes (only entries of 2026-11-02).
    let (s, inv) = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-02", "to": "2026-11-02"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["total_minor"], 3333);

    // An edit moves the second entry to another day and lengthens it.
    let (s, b) = app
        .patch(
            &format!("/api/time-entries/{eid}"),
            Some(&t),
            json!({"started_at": "2026-11-04T09:00:00Z", "ended_at": "2026-11-04T10:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        by_day().await,
        [
            day("2026-11-02", 1200, 3333),
            day("2026-11-04", 3600, 10_000)
        ]
    );

    // 85.55/h: 20 min = 2851.67 → 2852, 1 h → 8555; the invoice keeps 3333.
    let (s, b) = app
        .patch(
            &format!("/api/projects/{p}"),
            Some(&t),
            json!({"hourly_rate": 85.55}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        by_day().await,
        [day("2026-11-02", 1200, 2852), day("2026-11-04", 3600, 8555)]
    );
    let (_, got) = app
        .get(&format!("/api/invoices/{}", inv["id"]), Some(&t))
        .await;
    assert_eq!(got["total_minor"], 3333);
    assert_eq!(got["lines"][0]["amount_minor"], 3333);
    // No rate: no amounts.
    let (s, b) = app
        .patch(
            &format!("/api/projects/{p}"),
            Some(&t),
            json!({"hourly_rate": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        by_day().await,
        [day("2026-11-02", 1200, 0), day("2026-11-04", 3600, 0)]
    );

    // A deleted entry leaves the report; a running timer is not in it.
    let got = app
        .delete(&format!("/api/time-entries/{eid}"), Some(&t))
        .await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    let (s, b) = app
        .post("/api/timer", Some(&t), json!({"task_id": tk}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(by_day().await, [day("2026-11-02", 1200, 0)]);
    let (s, r) = app.get("/api/reports/time?group_by=task", Some(&t)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["rows"][0]["seconds"], 1200);
}

async fn invoice_setup(app: &TestApp, t: &str) -> (i64, i64) {
    let p = project(
        app,
        t,
        json!({"name": "Site", "client": "ACME", "hourly_rate": 50}),
    )
    .await;
    let tk = task(app, t, p, "work").await;
    (p, tk)
}

async fn invoice_status_machine_and_locked_entries(app: TestApp) {
    let t = app.user("alice").await;
    let (_, tk) = invoice_setup(&app, &t).await;
    let e = entry(&app, &t, tk, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z").await;
    let eid = e["id"].as_i64().unwrap();
    let create = || {
        app.post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30", "notes": "Thanks"}),
        )
    };
    let (s, inv) = create().await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["total_minor"], 5000);
    assert_eq!(inv["notes"], "Thanks");
    let id = inv["id"].as_i64().unwrap();
    let path = format!("/api/invoices/{id}");

    // Entries on it are locked.
    let (_, e) = app.get(&format!("/api/time-entries/{eid}"), Some(&t)).await;
    assert_eq!(e["invoice_id"], id);
    let got = app
        .patch(
            &format!("/api/time-entries/{eid}"),
            Some(&t),
            json!({"note": "changed"}),
        )
        .await;
    app.assert_error(&got, 409, "conflict");
    let got = app
        .delete(&format!("/api/time-entries/{eid}"), Some(&t))
        .await;
    app.assert_error(&got, 409, "conflict");
    assert_eq!(count(&app, &t, "/api/time-entries?invoiced=true").await, 1);
    // And they are not billed twice.
    let got = create().await;
    app.assert_error(&got, 422, "validation_failed");

    // draft → paid is not a transition.
    let got = app.patch(&path, Some(&t), json!({"status": "paid"})).await;
    app.assert_error(&got, 409, "conflict");
    let got = app.patch(&path, Some(&t), json!({"status": "draft"})).await;
    app.assert_error(&got, 409, "conflict");
    let got = app.patch(&path, Some(&t), json!({"status": "gone"})).await;
    app.assert_error(&got, 422, "validation_failed");
    assert_eq!(got.1["field"], "status");

    let (s, sent) = app
        .patch(
            &path,
            Some(&t),
            json!({"status": "sent", "due_date": "2027-01-15"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    let year = chrono::Utc::now().year();
    assert_eq!(sent["number"], format!("{year}-0001"));
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["due_date"], "2027-01-15");
    assert_eq!(
        sent["issue_date"],
        chrono::Utc::now().date_naive().to_string()
    );
    let got = app.delete(&path, Some(&t)).await;
    app.assert_error(&got, 409, "conflict");
    let got = app.patch(&path, Some(&t), json!({"status": "sent"})).await;
    app.assert_error(&got, 409, "conflict");

    let (s, paid) = app.patch(&path, Some(&t), json!({"status": "paid"})).await;
    assert_eq!(s, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["number"], format!("{year}-0001"));
    for to in ["void", "sent", "draft"] {
        let got = app.patch(&path, Some(&t), json!({"status": to})).await;
        app.assert_error(&got, 409, "conflict");
    }
    let got = app.delete(&path, Some(&t)).await;
    app.assert_error(&got, 409, "conflict");
    let (_, still) = app.get(&path, Some(&t)).await;
    assert_eq!(still["status"], "paid");

    // A second invoice: sent → void releases its entries; the number stays.
    let e2 = entry(&app, &t, tk, "2026-11-03T09:00:00Z", "2026-11-03T09:20:00Z").await;
    let (_, inv2) = create().await;
    let p2 = format!("/api/invoices/{}", inv2["id"]);
    assert_eq!(inv2["total_minor"], 1667); // 1200 s × 5000 / 3600 = 1666.67
    let (_, sent2) = app.patch(&p2, Some(&t), json!({"status": "sent"})).await;
    assert_eq!(sent2["number"], format!("{year}-0002"));
    let (s, void) = app.patch(&p2, Some(&t), json!({"status": "void"})).await;
    assert_eq!(s, StatusCode::OK, "{void}");
    assert_eq!(void["status"], "void");
    let (_, e2) = app
        .get(&format!("/api/time-entries/{}", e2["id"]), Some(&t))
        .await;
    assert_eq!(e2["invoice_id"], Value::Null);
    for to in ["sent", "paid", "draft", "void"] {
        let got = app.patch(&p2, Some(&t), json!({"status": to})).await;
        app.assert_error(&got, 409, "conflict");
    }

    // A draft: void releases; another draft: DELETE releases.
    let (_, inv3) = create().await;
    let p3 = format!("/api/invoices/{}", inv3["id"]);
    let (s, _) = app.patch(&p3, Some(&t), json!({"status": "void"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(count(&app, &t, "/api/time-entries?invoiced=false").await, 1);
    let (_, inv4) = create().await;
    let p4 = format!("/api/invoices/{}", inv4["id"]);
    let (s, _) = app.delete(&p4, Some(&t)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let got = app.get(&p4, Some(&t)).await;
    app.assert_error(&got, 404, "not_found");
    assert_eq!(count(&app, &t, "/api/time-entries?invoiced=false").await, 1);
    // The entry is editable again.
    let (s, _) = app
        .patch(
            &format!("/api/time-entries/{}", e2["id"]),
            Some(&t),
            json!({"note": "free"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    assert_eq!(count(&app, &t, "/api/invoices?status=paid").await, 1);
    assert_eq!(count(&app, &t, "/api/invoices?status=void").await, 2);
    assert_eq!(count(&app, &t, "/api/invoices?client=ACME").await, 3);
    assert_eq!(count(&app, &t, "/api/invoices?client=Other").await, 0);
}

async fn invoice_refusals_store_nothing(app: TestApp) {
    let t = app.user("alice").await;
    let (_, tk) = invoice_setup(&app, &t).await;
    let usd = project(
        &app,
        &t,
        json!({"name": "US", "client": "ACME", "hourly_rate": 50, "currency": "USD"}),
    )
    .await;
    let tu = task(&app, &t, usd, "us work").await;
    // Nothing to bill: no entries yet, an entry outside the period, a
    // running one, a non-billable one.
    let got = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    entry(&app, &t, tk, "2026-10-31T23:00:00Z", "2026-10-31T23:59:59Z").await;
    let (s, _) = app
        .post(
            "/api/time-entries",
            Some(&t),
            json!({"task_id": tk, "started_at": "2026-11-02T09:00:00Z", "ended_at": "2026-11-02T10:00:00Z", "billable": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let got = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");

    // Two currencies for one client → 422, nothing stored.
    entry(&app, &t, tk, "2026-11-03T09:00:00Z", "2026-11-03T10:00:00Z").await;
    entry(&app, &t, tu, "2026-11-04T09:00:00Z", "2026-11-04T10:00:00Z").await;
    let got = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    app.assert_error(&got, 422, "validation_failed");
    assert!(got.1["message"].as_str().unwrap().contains("currenc"));
    assert_eq!(count(&app, &t, "/api/invoices").await, 0);
    assert_eq!(count(&app, &t, "/api/time-entries?invoiced=true").await, 0);

    for (body, field) in [
        (json!({"from": "2026-11-01", "to": "2026-11-30"}), "client"),
        (json!({"client": "ACME", "to": "2026-11-30"}), "from"),
        (
            json!({"client": "ACME", "from": "2026-11-01", "to": "30/11/2026"}),
            "to",
        ),
        (
            json!({"client": "ACME", "from": "2026-11-30", "to": "2026-11-01"}),
            "to",
        ),
    ] {
        let got = app.post("/api/invoices", Some(&t), body.clone()).await;
        app.assert_error(&got, 422, "validation_failed");
        assert_eq!(got.1["field"], field, "{body}");
    }
    assert_eq!(count(&app, &t, "/api/invoices").await, 0);
    // One day is fine.
    let (s, inv) = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME", "from": "2026-11-03", "to": "2026-11-03"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["total_minor"], 5000);
}

async fn parallel_sends_number_without_gaps(app: TestApp) {
    let t = app.user("alice").await;
    let (_, tk) = invoice_setup(&app, &t).await;
    let n = 6;
    let mut ids = Vec::new();
    for day in 1..=n {
        let d = format!("2026-11-{day:02}");
        entry(
            &app,
            &t,
            tk,
            &format!("{d}T09:00:00Z"),
            &format!("{d}T10:00:00Z"),
        )
        .await;
        let (s, inv) = app
            .post(
                "/api/invoices",
                Some(&t),
                json!({"client": "ACME", "from": d, "to": d}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{inv}");
        ids.push(inv["id"].as_i64().unwrap());
    }
    // Every draft sent at once, one of them twice.
    let mut targets = ids.clone();
    targets.push(ids[0]);
    let paths: Vec<String> = targets
        .iter()
        .map(|id| format!("/api/invoices/{id}"))
        .collect();
    let sends = paths
        .iter()
        .map(|p| app.patch(p, Some(&t), json!({"status": "sent"})));
    let results = futures_util::future::join_all(sends).await;
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let conflicts = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (n, 1), "{results:?}");
    let year = chrono::Utc::now().year();
    let mut numbers: Vec<String> = Vec::new();
    for id in &ids {
        let (_, inv) = app.get(&format!("/api/invoices/{id}"), Some(&t)).await;
        numbers.push(inv["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=n).map(|i| format!("{year}-{i:04}")).collect();
    assert_eq!(numbers, expected);

    // Another user's numbering starts at 1.
    let b = app.user("bob").await;
    let (_, tb) = invoice_setup(&app, &b).await;
    entry(&app, &b, tb, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z").await;
    let (_, inv) = app
        .post(
            "/api/invoices",
            Some(&b),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    let (_, sent) = app
        .patch(
            &format!("/api/invoices/{}", inv["id"]),
            Some(&b),
            json!({"status": "sent"}),
        )
        .await;
    assert_eq!(sent["number"], format!("{year}-0001"));
}

async fn roles_on_time_and_invoices(app: TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let analyst = app.analyst("ana").await;
    let admin = app.admin().await;
    let (_, tk) = invoice_setup(&app, &alice).await;
    let e = entry(
        &app,
        &alice,
        tk,
        "2026-11-02T09:00:00Z",
        "2026-11-02T10:00:00Z",
    )
    .await;
    let eid = e["id"].as_i64().unwrap();
    let (_, inv) = app
        .post(
            "/api/invoices",
            Some(&alice),
            json!({"client": "ACME", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    let inv_path = format!("/api/invoices/{}", inv["id"]);
    let entry_path = format!("/api/time-entries/{eid}");

    // Another user sees nothing.
    app.assert_error(&app.get(&entry_path, Some(&bob)).await, 404, "not_found");
    app.assert_error(&app.get(&inv_path, Some(&bob)).await, 404, "not_found");
    app.assert_error(
        &app.patch(&inv_path, Some(&bob), json!({"status": "sent"}))
            .await,
        404,
        "not_found",
    );
    assert_eq!(count(&app, &bob, "/api/time-entries").await, 0);
    app.assert_error(
        &app.get("/api/time-entries?owner=alice", Some(&bob)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.get("/api/invoices?owner=*", Some(&bob)).await,
        403,
        "forbidden",
    );

    // The analyst reads everything, writes nothing.
    assert_eq!(
        count(&app, &analyst, "/api/time-entries?owner=alice").await,
        1
    );
    assert_eq!(count(&app, &analyst, "/api/time-entries?owner=*").await, 1);
    assert_eq!(count(&app, &analyst, "/api/invoices?owner=alice").await, 1);
    assert_eq!(count(&app, &analyst, "/api/time-entries").await, 0);
    let (s, _) = app.get(&entry_path, Some(&analyst)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&inv_path, Some(&analyst)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = app
        .get(
            "/api/reports/time?owner=alice&group_by=project",
            Some(&analyst),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["totals"][0]["amount_minor"], 5000);
    app.assert_error(
        &app.patch(&inv_path, Some(&analyst), json!({"status": "sent"}))
            .await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.delete(&inv_path, Some(&analyst)).await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.post("/api/timer", Some(&analyst), json!({"task_id": tk}))
            .await,
        403,
        "forbidden",
    );
    app.assert_error(
        &app.post(
            "/api/time-entries",
            Some(&analyst),
            json!({"task_id": tk, "started_at": "2026-11-02T09:00:00Z", "ended_at": "2026-11-02T10:00:00Z"}),
        )
        .await,
        403,
        "forbidden",
    );
    let (_, still) = app.get(&inv_path, Some(&alice)).await;
    assert_eq!(still["status"], "draft");
    assert_eq!(count(&app, &alice, "/api/time-entries").await, 1);

    // An admin may write.
    let (s, sent) = app
        .patch(&inv_path, Some(&admin), json!({"status": "sent"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    // No token → 401.
    app.assert_error(&app.get("/api/timer", None).await, 401, "unauthorized");
}

async fn invoice_exports(app: TestApp) {
    let t = app.user("alice").await;
    let p = project(
        &app,
        &t,
        json!({"name": "<b>Site</b>", "client": "ACME <script>alert(1)</script>", "hourly_rate": 50}),
    )
    .await;
    let tk = task(&app, &t, p, "=cmd, \"quoted\"").await;
    entry(&app, &t, tk, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z").await;
    let (_, inv) = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"client": "ACME <script>alert(1)</script>", "from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    let id = inv["id"].as_i64().unwrap();
    let get = |format: &str| {
        app.client
            .get(app.url(&format!("/api/invoices/{id}/export?format={format}")))
            .bearer_auth(&t)
            .send()
    };
    let resp = get("csv").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with("number,client,currency"), "{csv}");
    assert!(csv.contains("50.00"), "{csv}");
    assert!(csv.contains("Total"), "{csv}");

    let resp = get("html").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("&lt;b&gt;Site&lt;/b&gt;"));
    assert!(html.contains("alice"));
    assert!(html.contains("50.00 EUR"));
    assert!(html.contains("2026-11-01"));
    assert!(html.contains("@media print") || html.contains("invoice.css"));

    let got = app
        .get(&format!("/api/invoices/{id}/export?format=pdf"), Some(&t))
        .await;
    app.assert_error(&got, 422, "validation_failed");
    let bob = app.user("bob").await;
    let got = app
        .get(&format!("/api/invoices/{id}/export?format=csv"), Some(&bob))
        .await;
    app.assert_error(&got, 404, "not_found");
}

/// Report latency over 100,000 time entries of one user (plus another
/// user's 20,000), 20 projects of 5 clients, over a year:
/// `cargo test -p workspace-server --test money report_latency -- --ignored --nocapture`
/// (add `TEST_POSTGRES_URL` for PostgreSQL, `--release` for a release
/// build). Prints p50/p99 per `group_by` over HTTP and the worst p99 per
/// backend, and checks the totals against the entries as seeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run on demand"]
async fn report_latency_on_100k_entries() {
    use workspace_persistence::imports::{insert_entry, ImportedEntry};
    let mut backends = vec![common::Backend::Sqlite];
    if std::env::var("TEST_POSTGRES_URL").is_ok() {
        backends.push(common::Backend::Postgres);
    }
    for backend in backends {
        let app = TestApp::spawn(backend).await.unwrap();
        let mut seeds = Vec::new();
        for (name, n) in [("alice", 100_000_i64), ("bob", 20_000)] {
            let token = app.user(name).await;
            let mut tasks = Vec::new();
            for p in 0..20 {
                let client = format!("Client {}", p % 5);
                let pid = project(
                    &app,
                    &token,
                    json!({"name": format!("P{p}"), "client": client, "hourly_rate": 50 + p}),
                )
                .await;
                tasks.push((pid, task(&app, &token, pid, &format!("T{p}")).await));
            }
            seeds.push((name, token, n, tasks));
        }
        let db = app.db.database();
        // What alice's report must total: (seconds, billable, amount).
        let mut expected = (0_i64, 0_i64, 0_i64);
        let base = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        for (name, _, n, tasks) in &seeds {
            let user = db
                .run(|c| workspace_persistence::users::find_by_username(c, name))
                .unwrap()
                .unwrap()
                .id;
            db.transaction(|conn| {
                for i in 0..*n {
                    let (project_id, task_id) = tasks[(i % 20) as usize];
                    let start = base + chrono::Duration::minutes(i * 5);
                    let seconds = 60 + i % 3000;
                    if *name == "alice" {
                        let billable = i64::from(i % 7 != 0);
                        let rate = (50 + i % 20) * 100;
                        expected.0 += seconds;
                        expected.1 += billable * seconds;
                        expected.2 += billable * workspace_domain::amount_minor(seconds, rate);
                    }
                    insert_entry(
                        conn,
                        &ImportedEntry {
                            user_id: user,
                            project_id,
                            task_id,
                            started_at: start,
                            ended_at: Some(start + chrono::Duration::seconds(seconds)),
                            note: "",
                            billable: i % 7 != 0,
                            invoice_id: None,
                            created_at: start,
                            updated_at: start,
                        },
                    )?;
                }
                Ok::<_, workspace_persistence::PersistenceError>(())
            })
            .unwrap();
        }
        let alice = &seeds[0].1;
        let mut worst = std::time::Duration::ZERO;
        for group_by in ["project", "client", "task", "day", "week", "month"] {
            let mut times = Vec::new();
            for _ in 0..40 {
                let started = std::time::Instant::now();
                let (s, b) = app
                    .get(
                        &format!(
                            "/api/reports/time?from=2026-01-01&to=2026-12-31&group_by={group_by}"
                        ),
                        Some(alice),
                    )
                    .await;
                times.push(started.elapsed());
                assert_eq!(s, StatusCode::OK, "{b}");
                let t = &b["totals"][0];
                let got = (
                    t["seconds"].as_i64().unwrap(),
                    t["billable_seconds"].as_i64().unwrap(),
                    t["amount_minor"].as_i64().unwrap(),
                );
                assert_eq!(got, expected, "{group_by}");
            }
            times.sort();
            let p99 = times[times.len() * 99 / 100];
            worst = worst.max(p99);
            println!(
                "{backend:?}: report by {group_by} over 100,000 entries: p50 {:?}, p99 {p99:?}",
                times[times.len() / 2],
            );
        }
        println!("{backend:?}: worst p99 over all groupings {worst:?}");
    }
}
