//! Webhooks end to end: creation rules and roles, signed deliveries to a
//! receiver on 127.0.0.1 that fails first (retried with the same delivery
//! id), and a retry made by a new server on the same database — on SQLite
//! and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{test_settings, TestApp, ADMIN};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workspace_persistence::testing::TestDb;
use workspace_server::{build_state, start, Settings};

both_backends!(webhook_creation_rules_and_roles);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    headers: HashMap<String, String>,
    body: String,
}

/// A tiny HTTP receiver: answers 500 to the first `fail_first` requests,
/// then 200.
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn receiver(fail_first: usize) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let store = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (i + 4, len);
                    }
                };
                while buf.len() < head_end + length {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                    .collect();
                let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                let n = {
                    let mut hits = store.lock().unwrap();
                    hits.push(Hit { headers, body });
                    hits.len()
                };
                let status = if n <= fail_first {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                let resp =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Receiver {
        url: format!("http://{addr}/hook"),
        hits,
    }
}

fn verify(secret: &str, hit: &Hit) {
    let sig = &hit.headers["x-workspace-signature"];
    let (t, v1) = sig.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", hit.body).as_bytes());
    assert_eq!(hex::encode(mac.finalize().into_bytes()), v1, "signature");
    let t: i64 = t.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - t).abs() < 120);
}

async fn wait_for(hits: &Arc<Mutex<Vec<Hit>>>, n: usize, secs: u64) -> Vec<Hit> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let got = hits.lock().unwrap().clone();
        if got.len() >= n || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn webhook_creation_rules_and_roles(app: TestApp) {
    let admin = app.admin().await;
    // Default settings: loopback and private targets are refused.
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/x",
        "http://10.0.0.1/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
    ] {
        let got = app
            .post("/api/admin/webhooks", Some(&admin), json!({"url": url}))
            .await;
        app.assert_error(&got, 422, "validation_failed");
        assert!(got.1["message"].as_str().unwrap().contains("url"), "{url}");
    }
    for (body, field) in [
        (json!({}), "url"),
        (json!({"url": "ftp://example.com/x"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (
            json!({"url": "https://example.com/x", "kinds": ["nope"]}),
            "kinds",
        ),
        (
            json!({"url": "https://example.com/x", "min_severity": "loud"}),
            "min_severity",
        ),
    ] {
        let got = app.post("/api/admin/webhooks", Some(&admin), body).await;
        app.assert_error(&got, 422, "validation_failed");
        assert!(
            got.1["message"].as_str().unwrap().contains(field),
            "{got:?}"
        );
    }
    let (_, list) = app.get("/api/admin/webhooks", Some(&admin)).await;
    assert_eq!(list, json!([]), "nothing stored by a rejected request");
    let analyst = app.analyst("wha").await;
    let user = app.user("whu").await;
    for t in [&analyst, &user] {
        app.assert_error(
            &app.post(
                "/api/admin/webhooks",
                Some(t),
                json!({"url": "https://example.com/x"}),
            )
            .await,
            403,
            "forbidden",
        );
        app.assert_error(
            &app.get("/api/admin/webhooks", Some(t)).await,
            403,
            "forbidden",
        );
    }
    app.assert_error(
        &app.delete("/api/admin/webhooks/999", Some(&admin)).await,
        404,
        "not_found",
    );
    app.assert_error(
        &app.get("/api/admin/webhooks/999/deliveries", Some(&admin))
            .await,
        404,
        "not_found",
    );
}

/// Starts a server on `db` (not owning it); returns its base URL and handle.
async fn start_on(
    db: &TestDb,
    tweak: impl FnOnce(&mut Settings),
) -> (String, actix_web::dev::ServerHandle) {
    let mut settings = test_settings(db);
    tweak(&mut settings);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            match build_state(settings).and_then(start) {
                Ok((server, addr)) => {
                    let _ = tx.send(Ok((addr, server.handle())));
                    let _ = server.await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
    });
    let (addr, handle) = tokio::task::spawn_blocking(move || rx.recv())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    (format!("http://{addr}"), handle)
}

fn webhook_settings(s: &mut Settings, retry_base: u64) {
    s.webhook_allow_private = true;
    s.webhook_retry_base_seconds = retry_base;
    s.webhook_poll_millis = 100;
}

async fn login(client: &reqwest::Client, base: &str, user: &str, pw: &str) -> String {
    let b: Value = client
        .post(format!("{base}/api/login"))
        .json(&json!({"username": user, "password": pw}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    b["access_token"].as_str().unwrap().to_owned()
}

async fn deliveries(client: &reqwest::Client, base: &str, token: &str, id: i64) -> Value {
    client
        .get(format!("{base}/api/admin/webhooks/{id}/deliveries"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A failing first attempt is retried with the same delivery id and a
/// valid signature — by a new server after a restart on the same DB.
async fn delivery_retry_and_restart(db: TestDb) {
    let rx = receiver(1).await;
    let client = reqwest::Client::new();
    let (base, handle) = start_on(&db, |s| webhook_settings(s, 2)).await;
    let admin = login(&client, &base, ADMIN.0, ADMIN.1).await;
    let resp = client
        .post(format!("{base}/api/admin/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({"url": rx.url, "kinds": ["login_failed"], "min_severity": "warning"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let hook: Value = resp.json().await.unwrap();
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    let id = hook["id"].as_i64().unwrap();
    assert_eq!(hook["kinds"], json!(["login_failed"]));
    let list: Value = client
        .get(format!("{base}/api/admin/webhooks"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], id);
    assert!(list[0].get("secret").is_none(), "no secret in the list");

    // A matching event (and a non-matching one).
    client
        .post(format!("{base}/api/login"))
        .json(&json!({"username": ADMIN.0, "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    let first = wait_for(&rx.hits, 1, 10).await;
    assert_eq!(first.len(), 1, "first attempt");
    let d = deliveries(&client, &base, &admin, id).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut d = d;
    while d[0]["attempts"] != 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        d = deliveries(&client, &base, &admin, id).await;
    }
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d[0]["status"], "pending");
    assert_eq!(d[0]["attempts"], 1);
    assert_eq!(d[0]["last_status"], 500);
    assert!(d[0]["next_attempt_at"].is_string());

    // Restart before the retry is due.
    handle.stop(false).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (base2, handle2) = start_on(&db, |s| webhook_settings(s, 2)).await;
    let got = wait_for(&rx.hits, 2, 20).await;
    assert_eq!(got.len(), 2, "retried after the restart");
    let (a, b) = (&got[0], &got[1]);
    assert_eq!(
        a.headers["x-workspace-delivery"],
        b.headers["x-workspace-delivery"]
    );
    assert_eq!(b.headers["x-workspace-event"], "login_failed");
    assert_eq!(a.body, b.body);
    verify(&secret, a);
    verify(&secret, b);
    let ev: Value = serde_json::from_str(&b.body).unwrap();
    assert_eq!(ev["kind"], "login_failed");
    assert_eq!(ev["severity"], "warning");
    assert!(!b.body.contains("wrong-password"));
    let admin2 = login(&client, &base2, ADMIN.0, ADMIN.1).await;
    let mut d = deliveries(&client, &base2, &admin2, id).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while d[0]["status"] != "delivered" && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        d = deliveries(&client, &base2, &admin2, id).await;
    }
    assert_eq!(d[0]["status"], "delivered", "{d}");
    assert_eq!(d[0]["attempts"], 2);
    assert_eq!(d[0]["id"], b.headers["x-workspace-delivery"].as_str());
    // Only the matching event was queued (the later successful login is info).
    assert_eq!(d.as_array().unwrap().len(), 1);
    let resp = client
        .request(Method::DELETE, format!("{base2}/api/admin/webhooks/{id}"))
        .bearer_auth(&admin2)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    handle2.stop(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_delivery_retry_and_restart() {
    delivery_retry_and_restart(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_delivery_retry_and_restart() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    delivery_retry_and_restart(db).await;
}

/// Two instances on one PostgreSQL: every delivery arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_deliver_each_once() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let rx = receiver(0).await;
    let client = reqwest::Client::new();
    let (a, ha) = start_on(&db, |s| webhook_settings(s, 1)).await;
    let (b, hb) = start_on(&db, |s| webhook_settings(s, 1)).await;
    let admin = login(&client, &a, ADMIN.0, ADMIN.1).await;
    let resp = client
        .post(format!("{a}/api/admin/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({"url": rx.url, "kinds": ["login_failed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    for i in 0..8 {
        let base = if i % 2 == 0 { &a } else { &b };
        client
            .post(format!("{base}/api/login"))
            .json(&json!({"username": format!("ghost{i}"), "password": "whatever-1"}))
            .send()
            .await
            .unwrap();
    }
    let got = wait_for(&rx.hits, 8, 20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_after = rx.hits.lock().unwrap().clone();
    assert_eq!(got.len(), 8);
    assert_eq!(got_after.len(), 8, "no delivery twice");
    let mut ids: Vec<&str> = got_after
        .iter()
        .map(|h| h.headers["x-workspace-delivery"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    ha.stop(false).await;
    hb.stop(false).await;
}
