//! Test harness: starts the real server on port 0 with a fresh database
//! (a temp SQLite file, or a fresh PostgreSQL database when
//! `TEST_POSTGRES_URL` is set) and talks to it over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::{net::SocketAddr, path::PathBuf, sync::mpsc, thread};
use workspace_persistence::testing::TestDb;
use workspace_server::{build_state, start, Settings};

/// The JWT secret tests sign with (so they can forge odd tokens).
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The bootstrap admin.
pub const ADMIN: (&str, &str) = ("root", "root-password-1");

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server with its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub client: Client,
    /// Shared with the other instances started by [`TestApp::spawn_beside`].
    pub db: std::sync::Arc<TestDb>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command; the server thread ends on its own.
        drop(self.handle.stop(false));
    }
}

/// Settings for a test server on `db`.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut s = Settings::defaults().unwrap();
    s.host = "127.0.0.1".into();
    s.port = 0;
    s.bcrypt_cost = 4;
    s.jwt_secret_key = Some(SECRET.into());
    s.database_url = db.database_url().map(Into::into);
    s.db_path = db.db_path().to_path_buf();
    s.db_pool_size = 4;
    s.bootstrap_admin_username = Some(ADMIN.0.into());
    s.bootstrap_admin_password = Some(ADMIN.1.into());
    s.web_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    s.global_train_interval_seconds = 0;
    s
}

impl TestApp {
    /// Starts a server on a fresh database of `backend`; `None` (after
    /// printing why) when PostgreSQL is not configured.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`] with adjusted settings.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<Self> {
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres()?,
        };
        Some(Self::spawn_on(std::sync::Arc::new(db), tweak).await)
    }

    /// A second instance (own process state: pool, caches, `NOTIFY`
    /// listener) on this app's database.
    pub async fn spawn_beside(&self) -> Self {
        Self::spawn_on(self.db.clone(), |_| {}).await
    }

    async fn spawn_on(db: std::sync::Arc<TestDb>, tweak: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings(&db);
        tweak(&mut settings);
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let started = build_state(settings).and_then(start);
                match started {
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
            .expect("server thread died")
            .expect("server failed to start");
        Self {
            addr,
            base: format!("http://{addr}"),
            client: Client::new(),
            db,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with an optional token and JSON body; returns the
    /// status and the JSON body (`Value::Null` when empty or not JSON).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, token, None).await
    }

    /// Registers a user; panics unless 201.
    pub async fn register(&self, username: &str, password: &str) -> Value {
        let (s, b) = self
            .post(
                "/api/register",
                None,
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b
    }

    /// Logs in; returns the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let (s, b) = self
            .post(
                "/api/login",
                None,
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["access_token"].as_str().unwrap().to_owned()
    }

    /// Registers and logs in; returns the token.
    pub async fn user(&self, username: &str) -> String {
        self.register(username, "password-123").await;
        self.login(username, "password-123").await
    }

    /// The bootstrap admin's token.
    pub async fn admin(&self) -> String {
        self.login(ADMIN.0, ADMIN.1).await
    }

    /// A user promoted to analyst; returns the token.
    pub async fn analyst(&self, username: &str) -> String {
        self.register(username, "password-123").await;
        let admin = self.admin().await;
        let (s, b) = self
            .post(
                &format!("/api/admin/users/{username}/role"),
                Some(&admin),
                json!({"role": "analyst"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        self.login(username, "password-123").await
    }

    /// Asserts an error answer: status, code and the JSON body's shape.
    pub fn assert_error(&self, got: &(StatusCode, Value), status: u16, code: &str) {
        assert_eq!(got.0.as_u16(), status, "body: {}", got.1);
        assert_eq!(got.1["error"], code, "body: {}", got.1);
        assert!(
            got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
            "body: {}",
            got.1
        );
    }
}

/// Defines each listed `async fn name(app: TestApp)` as a test on SQLite and
/// one on PostgreSQL (skipped with a message without `TEST_POSTGRES_URL`).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite)
                        .await
                        .expect("sqlite test app");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await else {
                        return;
                    };
                    super::$name(app).await;
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------
// WebSocket helpers

use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent, for assertions.
#[derive(Debug)]
pub enum Received {
    Json(Value),
    Closed(Option<u16>),
    Timeout,
}

impl TestApp {
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws/behavioral", self.addr)
    }

    /// Opens a monitored session: (token, session id).
    pub async fn start_session(&self, username: &str, password: &str) -> (String, String) {
        let (s, b) = self
            .post(
                "/api/start-session",
                None,
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        (
            b["access_token"].as_str().unwrap().to_owned(),
            b["session_id"].as_str().unwrap().to_owned(),
        )
    }

    /// Connects and authenticates; returns the socket and the `auth_ok`.
    pub async fn ws_auth(&self, token: &str) -> (Ws, Value) {
        let (mut ws, _) = tokio_tungstenite::connect_async(self.ws_url())
            .await
            .unwrap();
        ws_send(&mut ws, json!({"type": "auth", "token": token})).await;
        let hello = ws_next_json(&mut ws).await;
        assert_eq!(hello["type"], "auth_ok", "{hello}");
        (ws, hello)
    }
}

pub async fn ws_send(ws: &mut Ws, v: Value) {
    ws.send(WsMessage::text(v.to_string())).await.unwrap();
}

pub async fn ws_send_text(ws: &mut Ws, s: String) {
    ws.send(WsMessage::text(s)).await.unwrap();
}

/// The next JSON message or close, skipping pings; `Timeout` after `secs`.
pub async fn ws_next(ws: &mut Ws, secs: u64) -> Received {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Received::Timeout,
            Ok(None) => return Received::Closed(None),
            Ok(Some(Err(_))) => return Received::Closed(None),
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                return Received::Json(serde_json::from_str(&t).unwrap())
            }
            Ok(Some(Ok(WsMessage::Close(frame)))) => {
                return Received::Closed(frame.map(|f| u16::from(f.code)))
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The next JSON message; panics on close or timeout.
pub async fn ws_next_json(ws: &mut Ws) -> Value {
    match ws_next(ws, 10).await {
        Received::Json(v) => v,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// Reads until the socket closes; returns the messages and the close code.
pub async fn ws_drain_until_close(ws: &mut Ws, secs: u64) -> (Vec<Value>, Option<u16>) {
    let mut got = Vec::new();
    loop {
        match ws_next(ws, secs).await {
            Received::Json(v) => got.push(v),
            Received::Closed(code) => return (got, code),
            Received::Timeout => panic!("no close within {secs}s; got {got:?}"),
        }
    }
}

/// Serialises library events to wire JSON, shifted by `dt` milliseconds.
pub fn wire_events(events: &[behavior_ml::Event], dt: f64) -> Value {
    let mut v = serde_json::to_value(events).unwrap();
    for e in v.as_array_mut().unwrap() {
        let t = e["t"].as_f64().unwrap();
        e["t"] = json!(t + dt);
    }
    v
}

/// Sends one `behavior` packet and collects replies until `risk`/`profile`
/// messages stop arriving for `quiet_ms` (or the socket closes).
pub async fn ws_packet(
    ws: &mut Ws,
    seq: u64,
    events: Value,
    quiet_ms: u64,
) -> (Vec<Value>, Option<Option<u16>>) {
    ws_send(
        ws,
        json!({"type": "behavior", "seq": seq, "events": events}),
    )
    .await;
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_millis(quiet_ms), ws.next()).await {
            Err(_) => return (got, None),
            Ok(None) | Ok(Some(Err(_))) => return (got, Some(None)),
            Ok(Some(Ok(WsMessage::Text(t)))) => got.push(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(WsMessage::Close(frame)))) => {
                return (got, Some(frame.map(|f| u16::from(f.code))))
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}
