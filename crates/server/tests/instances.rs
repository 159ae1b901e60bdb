//! Several server processes on one database: a termination issued through
//! one instance reaches a websocket held by another (a standalone
//! `workspace-server realtime`), so does a profile reset (PostgreSQL), and
//! the `realtime_event` log lines are written without tokens or key codes.
//! The realtime monitor of either instance lists the sockets of both, the
//! per-session socket limit counts the sockets of both, and the periodic
//! global training stores one model version per interval (PostgreSQL).
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
    spawn_server_with(db, realtime_only, &[])
}

/// A server process on `db`, with `extra` settings over the defaults.
fn spawn_server_with(db: &TestDb, realtime_only: bool, extra: &[(&str, &str)]) -> Proc {
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
    for (k, v) in extra {
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

fn test_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(TestDb::sqlite()),
        Backend::Postgres => TestDb::postgres(),
    }
}

/// Opens a websocket at `addr` with `token`: the socket and the first reply.
async fn ws_open(addr: &str, token: &str) -> (Ws, serde_json::Value) {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/behavioral"))
        .await
        .unwrap();
    ws_send(&mut ws, json!({"type": "auth", "token": token})).await;
    let first = ws_next_json(&mut ws).await;
    (ws, first)
}

async fn monitor(client: &reqwest::Client, addr: &str, admin: &str) -> serde_json::Value {
    let resp = client
        .get(format!("http://{addr}/api/realtime-monitor"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Polls the monitor at `addr` until `done` holds (instances refresh their
/// rows every 2 s); the last answer.
async fn monitor_until(
    client: &reqwest::Client,
    addr: &str,
    admin: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = monitor(client, addr, admin).await;
        if done(&m) {
            return m;
        }
        assert!(Instant::now() < deadline, "monitor at {addr}: {m:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn listed<'a>(m: &'a serde_json::Value, sid: &str) -> Vec<&'a serde_json::Value> {
    m["active_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["session_id"] == sid)
        .collect()
}

async fn monitor_and_socket_limit_span_instances(backend: Backend) {
    let Some(db) = test_db(backend) else {
        return;
    };
    let limit = [("WS_MAX_SOCKETS_PER_SESSION", "2")];
    let a = spawn_server_with(&db, false, &limit);
    let b = spawn_server_with(&db, false, &limit);
    let client = reqwest::Client::new();
    let (mona, mona_sid, admin) =
        session_and_admin(&client, &format!("http://{}", a.addr), "mona").await;
    let (nils, nils_sid, _) =
        session_and_admin(&client, &format!("http://{}", b.addr), "nils").await;

    // Mona types on instance A, Nils on instance B.
    let (mut on_a, hello) = ws_open(&a.addr, &mona).await;
    assert_eq!(hello["type"], "auth_ok", "{hello}");
    let (mut on_b, hello) = ws_open(&b.addr, &nils).await;
    assert_eq!(hello["type"], "auth_ok", "{hello}");
    let mut typist = Typist::new(31);
    for seq in 0..2 {
        ws_packet(&mut on_a, seq, wire_events(&typist.sentence(9), 0.0), 300).await;
        ws_packet(&mut on_b, seq, wire_events(&typist.sentence(9), 0.0), 300).await;
    }
    // Either instance's monitor lists both, with their progress.
    for addr in [&a.addr, &b.addr] {
        let m = monitor_until(&client, addr, &admin, |m| {
            [&mona_sid, &nils_sid]
                .iter()
                .all(|sid| listed(m, sid).iter().any(|s| s["packets"] == 2))
        })
        .await;
        for (sid, name) in [(&mona_sid, "mona"), (&nils_sid, "nils")] {
            let rows = listed(&m, sid);
            assert_eq!(rows.len(), 1, "{m:#}");
            assert_eq!(rows[0]["username"], name);
            assert!(rows[0]["events"].as_u64().unwrap() > 0, "{m:#}");
            assert!(rows[0]["last_packet_at"].is_string(), "{m:#}");
            assert!(rows[0]["profile_state"].is_string(), "{m:#}");
        }
        // The totals are summed over both instances.
        assert!(m["totals"]["connections"].as_u64().unwrap() >= 2, "{m:#}");
    }

    // Mona's second socket on B is her last (limit 2 over both instances);
    // a third on A is refused with 4429.
    let (second, hello) = ws_open(&b.addr, &mona).await;
    assert_eq!(hello["type"], "auth_ok", "{hello}");
    let (mut third, refused) = ws_open(&a.addr, &mona).await;
    assert_eq!(refused["error"], "too_many_connections", "{refused}");
    let (_, code) = ws_drain_until_close(&mut third, 10).await;
    assert_eq!(code, Some(4429));
    // Closing the one on B frees its place for A at once.
    drop(second);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_ws, hello) = ws_open(&a.addr, &mona).await;
        if hello["type"] == "auth_ok" {
            break;
        }
        assert!(Instant::now() < deadline, "the freed place never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Nils leaves B: A's monitor drops him.
    on_b.close(None).await.unwrap();
    drop(on_b);
    monitor_until(&client, &a.addr, &admin, |m| {
        listed(m, &nils_sid).is_empty()
    })
    .await;
    on_a.close(None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_monitor_and_socket_limit_span_processes() {
    monitor_and_socket_limit_span_instances(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_monitor_and_socket_limit_span_processes() {
    monitor_and_socket_limit_span_instances(Backend::Postgres).await;
}

/// A dead instance's rows stop counting: its sockets leave the monitor and
/// the socket limit within the staleness bound (10 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_rows_of_a_killed_instance_expire() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let limit = [("WS_MAX_SOCKETS_PER_SESSION", "1")];
    let a = spawn_server_with(&db, false, &limit);
    let mut b = spawn_server_with(&db, false, &limit);
    let client = reqwest::Client::new();
    let (olaf, sid, admin) =
        session_and_admin(&client, &format!("http://{}", a.addr), "olaf").await;
    let (_on_b, hello) = ws_open(&b.addr, &olaf).await;
    assert_eq!(hello["type"], "auth_ok", "{hello}");
    monitor_until(&client, &a.addr, &admin, |m| listed(m, &sid).len() == 1).await;
    let (_, refused) = ws_open(&a.addr, &olaf).await;
    assert_eq!(refused["error"], "too_many_connections", "{refused}");
    // kill -9: B never deletes its rows.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    monitor_until(&client, &a.addr, &admin, |m| listed(m, &sid).is_empty()).await;
    let (_on_a, hello) = ws_open(&a.addr, &olaf).await;
    assert_eq!(hello["type"], "auth_ok", "{hello}");
}

/// Two instances training every 2 s store one model version per interval,
/// not two: the advisory lock lets one train, the freshness check makes
/// the other skip. Each version stored has its `global_model_trained` event
/// (the rows themselves are pruned to the newest few).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_train_once_per_interval() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let client = reqwest::Client::new();
    let admin = seed_windows(&db, &client).await;
    let training = [
        ("GLOBAL_TRAIN_INTERVAL_SECONDS", "2"),
        ("GLOBAL_TRAIN_MIN_SAMPLES", "10"),
    ];
    let started = Instant::now();
    let a = spawn_server_with(&db, false, &training);
    let b = spawn_server_with(&db, false, &training);
    let trained = |addr: String| {
        let req = client
            .get(format!(
                "http://{addr}/api/security-events?kind=global_model_trained&limit=1000"
            ))
            .bearer_auth(&admin);
        async move {
            let events: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
            let mut at: Vec<chrono::DateTime<chrono::Utc>> = events
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["created_at"].as_str().unwrap().parse().unwrap())
                .collect();
            at.sort();
            at
        }
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while trained(a.addr.clone()).await.len() < 3 {
        assert!(Instant::now() < deadline, "{:#?}", a.log.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let at = trained(a.addr.clone()).await;
    let elapsed = started.elapsed();
    drop((a, b));
    // The freshness check keeps versions at least half an interval apart;
    // two instances training independently store pairs milliseconds apart.
    for pair in at.windows(2) {
        let gap = (pair[1] - pair[0]).to_std().unwrap();
        assert!(gap >= Duration::from_millis(1000), "versions at {at:?}");
    }
    let most = elapsed.as_secs_f64() + 1.0;
    assert!(
        (at.len() as f64) <= most,
        "{} versions in {elapsed:?}",
        at.len()
    );
}

/// Three users with ten stored keystroke windows each (from synthetic
/// typing), enough for a global model.
/// Returns the bootstrap admin's token.
async fn seed_windows(db: &TestDb, client: &reqwest::Client) -> String {
    use behavior_ml::{keystroke::KeystrokeWindow, FeatureWindow};
    use workspace_persistence::behavior::{self, NewWindow};
    let app = spawn_server(db, false);
    let base = format!("http://{}", app.addr);
    let database = db.database();
    for (u, name) in ["pia", "quinn", "ruth"].iter().enumerate() {
        let creds = json!({"username": name, "password": "password-123"});
        let resp = client
            .post(format!("{base}/api/register"))
            .json(&creds)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let id = database
            .run(|c| workspace_persistence::users::find_by_username(c, name))
            .unwrap()
            .unwrap()
            .id;
        let mut typist = Typist::new(900 + u as u64);
        let mut stored = 0;
        while stored < 10 {
            let Some(w) = KeystrokeWindow::from_events(&typist.sentence(12), 10) else {
                continue;
            };
            let features = serde_json::to_string(&FeatureWindow::Keystroke(w)).unwrap();
            let new = NewWindow {
                user_id: id,
                session_id: None,
                modality: "keystroke",
                features: &features,
                risk_score: None,
            };
            database.run(|c| behavior::insert_window(c, &new)).unwrap();
            stored += 1;
        }
    }
    let admin: serde_json::Value = client
        .post(format!("{base}/api/login"))
        .json(&json!({"username": ADMIN.0, "password": ADMIN.1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    admin["access_token"].as_str().unwrap().to_owned()
}
