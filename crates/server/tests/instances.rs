//! Several server processes on one database: a termination issued through
//! one instance reaches a websocket held by another (a standalone
//! `workspace-server realtime`), so does a profile reset (PostgreSQL), and
//! the `realtime_event` log lines are written without tokens or key codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use behavior_ml::synth::Typist;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use workspace_persistence::testing::TestDb;

struct Proc {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(db: &TestDb, realtime_only: bool) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_workspace-server"));
    if realtime_only {
        cmd.arg("realtime");
    }
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("REALTIME_PORT", "0")
        .env("JWT_SECRET_KEY", SECRET)
        .env("BCRYPT_COST", "4")
        .env("BOOTSTRAP_ADMIN_USERNAME", ADMIN.0)
        .env("BOOTSTRAP_ADMIN_PASSWORD", ADMIN.1)
        .env("GLOBAL_TRAIN_INTERVAL_SECONDS", "0")
        .env("RUST_LOG", "info")
        .env("WEB_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/../../web"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in db.env_vars() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("server binary starts");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("listening on http://") {
                let rest = &line[i + "listening on http://".len()..];
                let addr = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = tx.send(addr);
            }
            sink.lock().unwrap().push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("server did not start: {:?}", log.lock().unwrap()));
    Proc { child, addr, log }
}

/// Registers `username` on the instance at `base` and opens a monitored
/// session: (its token, its session id, the bootstrap admin's token).
async fn session_and_admin(
    client: &reqwest::Client,
    base: &str,
    username: &str,
) -> (String, String, String) {
    let post = |path: &str, body: serde_json::Value| {
        client.post(format!("{base}{path}")).json(&body).send()
    };
    let creds = json!({"username": username, "password": "password-123"});
    let registered = post("/api/register", creds.clone()).await.unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let b: serde_json::Value = post("/api/start-session", creds)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = b["access_token"].as_str().unwrap().to_owned();
    let sid = b["session_id"].as_str().unwrap().to_owned();
    let admin: serde_json::Value = post(
        "/api/login",
        json!({"username": ADMIN.0, "password": ADMIN.1}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    (
        token,
        sid,
        admin["access_token"].as_str().unwrap().to_owned(),
    )
}

async fn termination_crosses_instances(backend: Backend) {
    let db = match backend {
        Backend::Sqlite => TestDb::sqlite(),
        Backend::Postgres => match TestDb::postgres() {
            Some(db) => db,
            None => return,
        },
    };
    let main = spawn_server(&db, false);
    let rt = spawn_server(&db, true);
    let app_url = format!("http://{}", main.addr);
    let client = reqwest::Client::new();
    let (token, sid, admin) = session_and_admin(&client, &app_url, "kate").await;

    // The realtime instance serves /health and the websocket only.
    let health: serde_json::Value = client
        .get(format!("http://{}/health", rt.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(
        client
            .get(format!("http://{}/api/projects", rt.addr))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws/behavioral", rt.addr))
        .await
        .unwrap();
    ws_send(&mut ws, json!({"type": "auth", "token": token})).await;
    assert_eq!(ws_next_json(&mut ws).await["type"], "auth_ok");
    let mut typist = Typist::new(77);
    // Windows close at typing pauses (or when the client goes idle), so
    // the sentences' risks arrive with the next sentence or a little later.
    let mut risks = 0;
    for seq in 0..3 {
        let (replies, closed) =
            ws_packet(&mut ws, seq, wire_events(&typist.sentence(9), 0.0), 2500).await;
        assert!(closed.is_none());
        risks += replies.iter().filter(|r| r["type"] == "risk").count();
    }
    assert!(risks >= 2, "{risks} risk messages");

    let started = Instant::now();
    let resp = client
        .request(
            Method::POST,
            format!("{app_url}/api/admin/sessions/{sid}/terminate"),
        )
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let limit = if backend == Backend::Postgres { 5 } else { 20 };
    let (msgs, code) = ws_drain_until_close(&mut ws, limit).await;
    assert_eq!(code, Some(4403), "{msgs:?}");
    assert_eq!(
        msgs.iter().find(|m| m["type"] == "terminated").unwrap()["reason"],
        "admin"
    );
    let took = started.elapsed();
    println!("{backend:?}: termination reached the other instance in {took:?}");
    if backend == Backend::Postgres {
        assert!(
            took < Duration::from_secs(2),
            "LISTEN/NOTIFY should be prompt: {took:?}"
        );
    }

    std::thread::sleep(Duration::from_millis(300));
    let log = rt.log.lock().unwrap().clone();
    let events: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("realtime_event"))
        .collect();
    for kind in [
        "kind=ws_connect",
        "kind=ws_auth",
        "kind=packet",
        "kind=score",
        "kind=profile_update",
        "kind=terminated",
        "kind=ws_disconnect",
    ] {
        assert!(
            events.iter().any(|l| l.contains(kind)),
            "{kind} missing in {events:#?}"
        );
    }
    for l in log.iter().chain(main.log.lock().unwrap().iter()) {
        assert!(!l.contains(&token), "a token was logged: {l}");
        assert!(!l.contains("password-123"), "a password was logged: {l}");
        assert!(
            !l.contains("KeyA") && !l.contains("KeyE"),
            "a key code was logged: {l}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_termination_crosses_processes() {
    termination_crosses_instances(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_termination_crosses_processes() {
    termination_crosses_instances(Backend::Postgres).await;
}

/// A profile reset made through one instance reaches a websocket held by
/// another (PostgreSQL NOTIFY; the notice travels the same path as a
/// termination).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_profile_reset_crosses_processes() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let main = spawn_server(&db, false);
    let rt = spawn_server(&db, true);
    let app_url = format!("http://{}", main.addr);
    let client = reqwest::Client::new();
    let (token, _, admin) = session_and_admin(&client, &app_url, "rhea").await;

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws/behavioral", rt.addr))
        .await
        .unwrap();
    ws_send(&mut ws, json!({"type": "auth", "token": token})).await;
    assert_eq!(ws_next_json(&mut ws).await["type"], "auth_ok");
    let mut typist = Typist::new(5);
    for seq in 0..3 {
        ws_packet(&mut ws, seq, wire_events(&typist.sentence(9), 0.0), 1500).await;
    }

    let resp = client
        .post(format!("{app_url}/api/admin/users/rhea/profile/reset"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let mut fresh = Vec::new();
    while fresh.len() < 2 {
        match ws_next(&mut ws, 3).await {
            Received::Json(m) if m["type"] == "profile" => fresh.push(m),
            Received::Json(_) => {}
            other => panic!("no profile message after the reset: {other:?}"),
        }
    }
    for m in &fresh {
        assert_eq!(m["state"], "enrolling", "{m}");
        assert_eq!(m["samples"], 0, "{m}");
    }
    let log = rt.log.lock().unwrap().clone();
    assert!(
        log.iter().any(|l| l.contains("kind=profile_reset")),
        "{log:#?}"
    );
}
