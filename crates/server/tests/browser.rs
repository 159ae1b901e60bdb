//! Real-browser tests of the pages in `web/` (issue 5): Debian's chromium,
//! driven through chromedriver with fantoccini, against the real server on
//! port 0 with a fresh database.
//!
//! - Skipped (with a message, passing) when chromedriver or chromium is not
//!   installed; `CHROMEDRIVER` and `CHROMIUM` override the binaries' paths.
//! - `WEB_SCREENSHOTS_DIR=docs/screenshots` (relative to the workspace root)
//!   saves a PNG of each page on the way.
//! - The live parts (risk indicator fed by `/ws/behavioral`, the challenge
//!   dialog, live sessions in the monitor) run when the server answers the
//!   websocket; until it does they are reported as skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp, ADMIN};
use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions, MouseActions, PointerAction, MOUSE_BUTTON_LEFT},
    elements::Element,
    key::Key,
    Client, ClientBuilder, Locator,
};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::{
    future::Future,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const WAIT: Duration = Duration::from_secs(15);
const USER_PASSWORD: &str = "correct-horse-42";

// ---------- chromedriver and the browser ----------

fn find_tool(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A chromedriver process of our own, killed on drop.
struct Chromedriver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromedriver {
    /// Starts chromedriver on a free port; `None` (after saying why) when
    /// chromedriver or chromium is missing.
    async fn start() -> Option<Self> {
        let driver = find_tool(
            "CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        );
        let chromium = find_tool(
            "CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            eprintln!(
                "SKIP browser tests: chromedriver and chromium are not installed \
                 (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let me = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{}/status", me.url)).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(me)
    }

    /// A fresh headless chromium with its own profile directory.
    async fn browser(&self, name: &'static str, base: &str, human: bool) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": self.chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("open a chromium session");
        let session = client.session_id().await.unwrap().expect("session id");
        Browser {
            client,
            name,
            base: base.to_owned(),
            log_url: format!("{}/session/{session}/se/log", self.url),
            human,
            _profile: profile,
        }
    }
}

struct Browser {
    client: Client,
    name: &'static str,
    base: String,
    log_url: String,
    human: bool,
    _profile: tempfile::TempDir,
}

fn css_testid(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

/// Polls `f` until it yields `Some`, failing with `what` after `timeout`.
async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

impl Browser {
    async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("[{}] no element {css}: {e}", self.name))
    }

    async fn el(&self, testid: &str) -> Element {
        self.find(&css_testid(testid)).await
    }

    async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    /// Types into a field: like a person when the page streams behaviour
    /// (WebDriver's instantaneous typing is rightly taken for a script and
    /// challenged), at WebDriver speed otherwise.
    async fn type_into(&self, testid: &str, text: &str) {
        let el = self.el(testid).await;
        el.click().await.unwrap();
        if self.human {
            self.type_humanly(text).await;
        } else {
            el.send_keys(text).await.unwrap();
        }
    }

    async fn click(&self, testid: &str) {
        self.el(testid).await.click().await.unwrap();
    }

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    async fn wait_url(&self, part: &str) -> String {
        wait_for(
            &format!("[{}] URL with {part}", self.name),
            WAIT,
            || async move {
                let u = self.url().await;
                u.contains(part).then_some(u)
            },
        )
        .await
    }

    /// Waits until the element's text contains `needle`; returns the text.
    async fn wait_text(&self, testid: &str, needle: &str) -> String {
        wait_for(
            &format!("[{}] {testid} to contain {needle:?}", self.name),
            WAIT,
            || async move {
                let el = self
                    .client
                    .find(Locator::Css(&css_testid(testid)))
                    .await
                    .ok()?;
                let t = el.text().await.ok()?;
                t.contains(needle).then_some(t)
            },
        )
        .await
    }

    async fn wait_count(&self, css: &str, n: usize) {
        wait_for(
            &format!("[{}] {n} × {css}", self.name),
            WAIT,
            || async move { (self.all(css).await.len() == n).then_some(()) },
        )
        .await;
    }

    /// The token of the signed-in session kept in sessionStorage.
    async fn token(&self) -> String {
        let v = self
            .js("return JSON.parse(sessionStorage.getItem('fw.session')).token")
            .await;
        v.as_str().expect("a stored token").to_owned()
    }

    async fn session_id(&self) -> String {
        let v = self
            .js("return JSON.parse(sessionStorage.getItem('fw.session')).sessionId")
            .await;
        v.as_str().expect("a stored session id").to_owned()
    }

    /// Browser console entries since the last call (chromedriver clears them).
    async fn console(&self) -> Vec<Value> {
        let r = reqwest::Client::new()
            .post(&self.log_url)
            .json(&json!({"type": "browser"}))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["value"].as_array().cloned().unwrap_or_default()
    }

    /// Asserts no SEVERE console entry since the last call, except those
    /// whose message contains one of `allowed`.
    async fn assert_console_clean(&self, step: &str, allowed: &[&str]) {
        let severe: Vec<String> = self
            .console()
            .await
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .filter(|m| !allowed.iter().any(|a| m.contains(a)))
            .collect();
        assert!(
            severe.is_empty(),
            "[{}] severe console entries after {step}: {severe:#?}",
            self.name
        );
    }

    /// Saves a screenshot when `WEB_SCREENSHOTS_DIR` is set.
    async fn shot(&self, file: &str) {
        let Some(dir) = std::env::var_os("WEB_SCREENSHOTS_DIR") else {
            return;
        };
        let mut dir = PathBuf::from(dir);
        if dir.is_relative() {
            dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(dir);
        }
        std::fs::create_dir_all(&dir).unwrap();
        // Let transitions and pending renders settle.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(file), png).unwrap();
    }

    /// Types `text` into the focused element one key at a time with
    /// person-like hold and flight times (WebDriver's own typing is
    /// instantaneous, which no person produces).
    async fn type_humanly(&self, text: &str) {
        let mut keys = KeyActions::new("keyboard".to_owned());
        {
            let mut rng = rand::thread_rng();
            for c in text.chars() {
                keys = keys
                    .then(KeyAction::Down { value: c })
                    .pause(Duration::from_millis(rng.gen_range(70..140)))
                    .then(KeyAction::Up { value: c })
                    .pause(Duration::from_millis(rng.gen_range(60..220)));
            }
        }
        self.client.perform_actions(keys).await.unwrap();
        self.client.release_actions().await.unwrap();
    }

    /// Moves the mouse along a wobbly path and clicks on `testid`.
    async fn point_and_click(&self, testid: &str) {
        let target = self.el(testid).await;
        let mut mouse = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveTo {
            duration: Some(Duration::from_millis(200)),
            x: 300.0,
            y: 300.0,
        });
        {
            let mut rng = rand::thread_rng();
            for _ in 0..12 {
                mouse = mouse.then(PointerAction::MoveBy {
                    duration: Some(Duration::from_millis(rng.gen_range(30..70))),
                    x: rng.gen_range(-25.0..25.0),
                    y: rng.gen_range(-15.0..15.0),
                });
            }
        }
        mouse = mouse
            .then(PointerAction::MoveToElement {
                element: target,
                duration: Some(Duration::from_millis(400)),
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .pause(Duration::from_millis(90))
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client.perform_actions(mouse).await.unwrap();
        self.client.release_actions().await.unwrap();
    }

    async fn close(&self) {
        let _ = self.client.clone().close().await;
    }
}

/// Whether the server answers `/ws/behavioral` (the realtime part).
async fn websocket_served(app: &TestApp) -> bool {
    let url = format!("ws://{}/ws/behavioral", app.addr);
    match tokio_tungstenite::connect_async(url).await {
        Ok((mut ws, _)) => {
            let _ = ws.close(None).await;
            true
        }
        Err(_) => false,
    }
}

/// What a page may log while `/ws/behavioral` is not served yet.
fn ws_noise(realtime: bool) -> &'static [&'static str] {
    if realtime {
        &[]
    } else {
        &["/ws/behavioral"]
    }
}

// ---------- the flow ----------

async fn sign_up(b: &Browser, username: &str) {
    b.go("/").await;
    b.type_into("login-username", username).await;
    b.type_into("login-password", USER_PASSWORD).await;
    b.click("register-submit").await;
    b.wait_url("/dashboard/").await;
}

async fn sign_in(b: &Browser, username: &str, password: &str) {
    b.go("/").await;
    let user = b.el("login-username").await;
    user.clear().await.unwrap();
    user.send_keys(username).await.unwrap();
    let pass = b.el("login-password").await;
    pass.clear().await.unwrap();
    pass.send_keys(password).await.unwrap();
    b.click("login-submit").await;
    b.wait_url("/dashboard/").await;
}

/// The task row (`data-testid=task-item`) whose title input holds `title`.
async fn task_row(b: &Browser, title: &str) -> Element {
    wait_for(&format!("task row {title:?}"), WAIT, || async move {
        for row in b.all("[data-testid=\"task-item\"]").await {
            let input = row
                .find(Locator::Css("input[data-field=title]"))
                .await
                .ok()?;
            if input.prop("value").await.ok()?.as_deref() == Some(title) {
                return Some(row);
            }
        }
        None
    })
    .await
}

async fn api_tasks(app: &TestApp, token: &str, project_id: i64) -> Vec<Value> {
    let (s, body) = app
        .get(&format!("/api/projects/{project_id}/tasks"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_work_in_a_real_browser() {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let app = &TestApp::spawn(Backend::Sqlite).await.expect("test app");
    let realtime = websocket_served(app).await;
    if !realtime {
        eprintln!(
            "NOTE browser test: /ws/behavioral is not served yet; the live risk indicator, \
             challenge dialog and live-monitor checks are SKIPPED"
        );
    }

    // ---- sign-in page: wrong credentials, sign-up ----
    let bob = &driver.browser("bob", &app.base, realtime).await;
    bob.go("/").await;
    bob.el("login-username").await;
    bob.shot("sign-in.png").await;
    bob.assert_console_clean("opening the sign-in page", &[])
        .await;

    bob.type_into("login-username", "nobody_here").await;
    bob.type_into("login-password", "not-the-password").await;
    bob.click("login-submit").await;
    let msg = wait_for("a wrong-credentials message", WAIT, || async move {
        let t = bob.find("#form-error").await.text().await.ok()?;
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(msg.contains("Wrong username or password"), "{msg}");
    bob.shot("sign-in-error.png").await;
    // The 401 answer itself is logged by the browser; nothing else may be.
    bob.assert_console_clean("a wrong password", &["/api/start-session"])
        .await;

    sign_up(bob, "bob_browser").await;
    bob.wait_text("risk-indicator", "").await;
    let who = &bob.find("#who").await;
    wait_for("the user name in the header", WAIT, || async move {
        who.text().await.ok().filter(|t| t.contains("bob_browser"))
    })
    .await;
    let token = &bob.token().await;

    // ---- projects and tasks ----
    bob.type_into("project-name", "Website redesign").await;
    bob.click("project-create").await;
    bob.wait_text("project-list", "Website redesign").await;
    bob.type_into("project-name", "Bakery logo").await;
    bob.click("project-create").await;
    bob.wait_count("[data-testid=\"project-item\"]", 2).await;

    // Clicking a project row opens its tasks.
    let rows = bob.all("[data-testid=\"project-item\"]").await;
    let mut website = None;
    for r in rows {
        if r.text().await.unwrap().contains("Website redesign") {
            website = Some(r);
        }
    }
    website
        .expect("the Website project row")
        .click()
        .await
        .unwrap();
    bob.wait_text("tasks-panel", "Tasks of “Website redesign”")
        .await;
    let project_id: i64 = bob
        .find("[data-testid=\"project-item\"][aria-current=\"true\"]")
        .await
        .attr("data-project-id")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();

    bob.type_into("task-title", "Draft the homepage").await;
    bob.click("task-create").await;
    bob.wait_text("task-list", "").await;
    task_row(bob, "Draft the homepage").await;
    bob.type_into("task-title", "Send the invoice").await;
    bob.click("task-create").await;
    task_row(bob, "Send the invoice").await;
    bob.wait_count("[data-testid=\"task-item\"]", 2).await;

    // Edit: status, priority, estimate.
    let row = task_row(bob, "Draft the homepage").await;
    row.find(Locator::Css("select[data-field=status]"))
        .await
        .unwrap()
        .select_by_value("done")
        .await
        .unwrap();
    row.find(Locator::Css("select[data-field=priority]"))
        .await
        .unwrap()
        .select_by_value("high")
        .await
        .unwrap();
    let est = row
        .find(Locator::Css("input[data-field=estimate_hours]"))
        .await
        .unwrap();
    est.click().await.unwrap();
    est.send_keys(&format!("2.5{}", Key::Tab)).await.unwrap();
    wait_for("the edits to reach the server", WAIT, || async move {
        let tasks = api_tasks(app, token, project_id).await;
        let t = tasks.iter().find(|t| t["title"] == "Draft the homepage")?;
        (t["status"] == "done"
            && t["priority"] == "high"
            && t["estimate_hours"].as_f64() == Some(2.5))
        .then_some(())
    })
    .await;

    // Filter by status.
    bob.el("task-filter")
        .await
        .select_by_value("done")
        .await
        .unwrap();
    bob.wait_count("[data-testid=\"task-item\"]", 1).await;
    task_row(bob, "Draft the homepage").await;
    bob.el("task-filter")
        .await
        .select_by_value("todo")
        .await
        .unwrap();
    bob.wait_count("[data-testid=\"task-item\"]", 1).await;
    task_row(bob, "Send the invoice").await;
    bob.el("task-filter")
        .await
        .select_by_value("")
        .await
        .unwrap();
    bob.wait_count("[data-testid=\"task-item\"]", 2).await;

    // Delete a task.
    let row = task_row(bob, "Send the invoice").await;
    row.find(Locator::Css("[data-testid=task-delete]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    bob.wait_count("[data-testid=\"task-item\"]", 1).await;
    assert_eq!(api_tasks(app, token, project_id).await.len(), 1);

    // A reload keeps the data and the chosen project.
    bob.client.refresh().await.unwrap();
    bob.wait_text("tasks-panel", "Tasks of “Website redesign”")
        .await;
    task_row(bob, "Draft the homepage").await;
    bob.assert_console_clean("working with projects and tasks", ws_noise(realtime))
        .await;

    // ---- the live stream moves the risk indicator ----
    if realtime {
        let before = &bob.el("risk-indicator").await.text().await.unwrap();
        bob.point_and_click("task-title").await;
        // The server scores a keystroke window once a sentence is over (a
        // typing pause, or enough keys): type sentences with pauses until a
        // `risk` message has reached the indicator.
        let phrases = [
            "call the client about the new colours ",
            "send the revised quote on monday ",
            "book two hours for the logo review ",
            "ask for the photos of the shop front ",
        ];
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut after = None;
        for phrase in phrases.iter().cycle() {
            bob.type_humanly(phrase).await;
            tokio::time::sleep(Duration::from_millis(2500)).await;
            let el = bob.el("risk-indicator").await;
            let windows: u64 = el
                .attr("data-windows")
                .await
                .unwrap()
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            let t = el.text().await.unwrap();
            if windows > 0 && t != *before {
                after = Some(t);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the risk indicator did not change with the live stream: {t:?}"
            );
        }
        let after = after.unwrap();
        eprintln!("risk indicator before: {before:?}\nafter: {after:?}");
        // Typing like a person is not challenged.
        let challenged = bob
            .js("return document.querySelector('[data-testid=challenge-dialog]')?.open === true")
            .await;
        assert_eq!(
            challenged,
            Value::Bool(false),
            "a person-like session was challenged: {after:?}"
        );
    } else {
        eprintln!("SKIP (needs /ws/behavioral): risk indicator fed by the live stream");
    }
    bob.shot("dashboard.png").await;

    // ---- a plain user may not use the analyst console ----
    bob.go("/analyst/").await;
    bob.wait_text("analyst-message", "Not allowed").await;
    bob.shot("analyst-forbidden.png").await;
    bob.go("/dashboard/").await;
    task_row(bob, "Draft the homepage").await;
    bob.assert_console_clean("the analyst console as a user", ws_noise(realtime))
        .await;

    // ---- narrow screen ----
    bob.client.set_window_size(420, 900).await.unwrap();
    bob.shot("dashboard-narrow.png").await;
    bob.client.set_window_size(1280, 900).await.unwrap();

    // ---- the challenge dialog (its session stays open for the monitor) ----
    let dana = &driver.browser("dana", &app.base, true).await;
    if realtime {
        challenge_flow(dana).await;
    } else {
        eprintln!("SKIP (needs /ws/behavioral): challenge dialog");
    }

    // ---- the analyst console (bootstrap admin) ----
    app.register("carol_browser", USER_PASSWORD).await;
    let admin = &driver.browser("admin", &app.base, realtime).await;
    sign_in(admin, ADMIN.0, ADMIN.1).await;
    admin.go("/analyst/").await;
    admin.wait_text("events-table", "session_started").await;
    admin.wait_text("events-table", "bob_browser").await;
    // Filter by user and kind.
    admin.type_into("events-username", "bob_browser").await;
    admin.click("events-apply").await;
    wait_for("events filtered by username", WAIT, || async move {
        let rows = admin.all("[data-testid=\"event-row\"]").await;
        if rows.is_empty() {
            return None;
        }
        for r in &rows {
            if !r.text().await.ok()?.contains("bob_browser") {
                return None;
            }
        }
        Some(())
    })
    .await;
    admin.type_into("events-kind", "register").await;
    admin.click("events-apply").await;
    admin.wait_count("[data-testid=\"event-row\"]", 1).await;

    if realtime {
        let sid = bob.session_id().await;
        admin
            .find(&format!(
                "[data-testid=\"monitor-row\"][data-session-id=\"{sid}\"]"
            ))
            .await;
        // dana's scripted window scored 1.00: her row shows it.
        wait_for("dana's score in the monitor", WAIT, || async move {
            let row = admin
                .client
                .find(Locator::Css(
                    "[data-testid=\"monitor-row\"][data-username=\"dana_browser\"]",
                ))
                .await
                .ok()?;
            row.text().await.ok().filter(|t| t.contains("1.00"))
        })
        .await;
    } else {
        eprintln!("SKIP (needs /ws/behavioral): live sessions listed in the monitor table");
    }
    admin.shot("analyst.png").await;

    // Role management.
    admin.type_into("role-username", "carol_browser").await;
    admin
        .el("role-select")
        .await
        .select_by_value("analyst")
        .await
        .unwrap();
    admin.click("role-submit").await;
    admin
        .wait_text("page-status", "carol_browser now has the role “analyst”")
        .await;
    let (s, me) = app
        .post(
            "/api/login",
            None,
            json!({"username": "carol_browser", "password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["user"]["role"], "analyst");
    admin
        .assert_console_clean("using the analyst console", ws_noise(realtime))
        .await;

    // ---- termination sends the user back to sign-in with a message ----
    let sid = bob.session_id().await;
    if realtime {
        // From the console: the terminate button of bob's live session.
        // The table is redrawn every few seconds: retry a click that lands
        // on a row just replaced.
        let css = format!("button[data-testid=\"terminate-session\"][data-session-id=\"{sid}\"]");
        let css = css.as_str();
        wait_for("a click on bob's terminate button", WAIT, || async move {
            let button = admin.client.find(Locator::Css(css)).await.ok()?;
            button.click().await.ok()
        })
        .await;
        // It asks first, with a reason field.
        admin.el("confirm-dialog").await;
        admin.type_into("confirm-reason", "test run").await;
        admin.click("confirm-ok").await;
    } else {
        let admin_token = admin.token().await;
        let (s, body) = app
            .post(
                &format!("/api/admin/sessions/{sid}/terminate"),
                Some(&admin_token),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
        // Without the websocket the page learns it on its next request.
        bob.el("project-item").await.click().await.unwrap();
    }
    let url = bob.wait_url("reason=").await;
    let message = bob.wait_text("login-message", "Session terminated").await;
    eprintln!("after termination: {url} — {message}");
    bob.shot("terminated.png").await;
    assert!(bob
        .js("return sessionStorage.getItem('fw.session')")
        .await
        .is_null());
    let (s, body) = app.get("/api/projects", Some(token)).await;
    app.assert_error(&(s, body), 401, "session_terminated");
    // Without the websocket the ended session shows as one 401 on the next request.
    let allowed: &[&str] = if realtime {
        &[]
    } else {
        &["/ws/behavioral", "401"]
    };
    bob.assert_console_clean("the termination", allowed).await;

    // ---- signing in again and out ----
    sign_in(bob, "bob_browser", USER_PASSWORD).await;
    task_row(bob, "Draft the homepage").await;
    bob.click("logout").await;
    bob.wait_url("reason=signed_out").await;
    bob.wait_text("login-message", "signed out").await;
    bob.assert_console_clean("signing out", ws_noise(realtime))
        .await;

    dana.close().await;
    admin.close().await;
    bob.close().await;

    // ---- three wrong answers to the challenge end the session ----
    if realtime {
        let erin = &driver.browser("erin", &app.base, true).await;
        wrong_answer_flow(erin).await;
        erin.close().await;
    } else {
        eprintln!("SKIP (needs /ws/behavioral): wrong answer to the challenge");
    }
}

/// Signs up `username` and types like a script until the server challenges.
async fn provoke_challenge(b: &Browser, username: &str) {
    sign_up(b, username).await;
    b.el("task-title").await;
    b.type_into("project-name", "Scripted project").await;
    b.click("project-create").await;
    b.wait_text("project-list", "Scripted project").await;
    // WebDriver's own typing: superhuman rate, no variance.
    let field = &b.el("task-title").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open = b
            .js("return document.querySelector('[data-testid=challenge-dialog]')?.open === true")
            .await;
        if open == Value::Bool(true) {
            break;
        }
        assert!(
            !b.url().await.contains("reason="),
            "the session was terminated before any challenge"
        );
        assert!(
            Instant::now() < deadline,
            "no challenge within 60 s of scripted input"
        );
        let _ = field
            .send_keys("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Three wrong answers to the challenge end the session: back to sign-in
/// with a message.
async fn wrong_answer_flow(erin: &Browser) {
    provoke_challenge(erin, "erin_browser").await;
    // api.md: three wrong answers end the session; the first two leave the
    // dialog open with the tries left.
    for left in ["2 tries left", "1 try left"] {
        erin.type_into("challenge-password", "not-my-password")
            .await;
        erin.click("challenge-submit").await;
        erin.wait_text("challenge-error", left).await;
        erin.el("challenge-password").await.clear().await.unwrap();
    }
    erin.type_into("challenge-password", "not-my-password")
        .await;
    erin.click("challenge-submit").await;
    erin.wait_url("reason=terminated").await;
    let message = erin
        .wait_text("login-message", "password check failed")
        .await;
    eprintln!("after a wrong challenge answer: {message}");
    // The 401 answer of the verification itself is logged by the browser.
    erin.assert_console_clean("a wrong challenge answer", &["/api/sessions/verify"])
        .await;
}

/// A session whose input no person produces gets challenged; the dialog
/// asks for the password and a correct answer lets the user go on.
async fn challenge_flow(dana: &Browser) {
    provoke_challenge(dana, "dana_browser").await;
    // The scripted window shows in the indicator as high risk, with the reason.
    let indicator = dana.wait_text("risk-indicator", "Risk: high").await;
    eprintln!("risk indicator under scripted input: {indicator:?}");
    dana.shot("challenge.png").await;
    dana.type_into("challenge-password", USER_PASSWORD).await;
    dana.click("challenge-submit").await;
    wait_for(
        "the challenge dialog to close after the right password",
        WAIT,
        || async move {
            let open = dana
                .js("return document.querySelector('[data-testid=challenge-dialog]').open")
                .await;
            (open == Value::Bool(false)).then_some(())
        },
    )
    .await;
    dana.wait_text("risk-indicator", "identity confirmed").await;
    dana.assert_console_clean("the challenge", &[]).await;
}

/// Runs without a browser: every hook of issue 5 is in the pages, and no page
/// loads anything from another host.
#[test]
fn pages_name_every_test_hook_and_load_nothing_from_outside() {
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let mut files = Vec::new();
    let mut dirs = vec![web.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "html" || e == "js" || e == "css" || e == "svg")
            {
                files.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    for page in [
        "index.html",
        "dashboard/index.html",
        "analyst/index.html",
        "favicon.svg",
    ] {
        assert!(web.join(page).is_file(), "web/{page} is missing");
    }
    let all: String = files.iter().map(|(_, text)| text.as_str()).collect();
    for hook in [
        "login-username",
        "login-password",
        "login-submit",
        "register-submit",
        "logout",
        "project-name",
        "project-create",
        "project-list",
        "project-item",
        "task-title",
        "task-create",
        "task-list",
        "risk-indicator",
        "events-table",
        "monitor-table",
    ] {
        assert!(
            all.contains(&format!("data-testid=\"{hook}\""))
                || all.contains(&format!("\"data-testid\": \"{hook}\"")),
            "no element has data-testid=\"{hook}\""
        );
    }
    for (path, text) in &files {
        for outside in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "url(http",
            "url(//",
            "@import",
            "from \"http",
            "import(\"http",
            "fetch(\"http",
        ] {
            assert!(
                !text.contains(outside),
                "{} loads from outside ({outside})",
                path.display()
            );
        }
    }
    for page in ["index.html", "dashboard/index.html", "analyst/index.html"] {
        let html = std::fs::read_to_string(web.join(page)).unwrap();
        assert!(html.contains("rel=\"icon\""), "{page} has no icon link");
        assert!(html.contains("name=\"viewport\""), "{page} has no viewport");
        assert!(
            html.contains("<html lang=\"en\">"),
            "{page} has no language"
        );
    }
}

// ---------- issue 12: the console's session and user views, the kinder challenge ----------

/// The analyst console's session and user views, and the owner's side of a
/// challenge: a wrong then right answer keeps the session and the typed
/// text; a termination keeps it too (restored after signing in again, the
/// username pre-filled).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_views_and_a_kinder_challenge() {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let app = &TestApp::spawn(Backend::Sqlite).await.expect("test app");
    if !websocket_served(app).await {
        eprintln!("SKIP console views: /ws/behavioral is not served");
        return;
    }
    let olga = &driver.browser("olga", &app.base, true).await;
    let typed = wrong_then_right_answer(olga).await;
    let admin = &driver.browser("admin", &app.base, true).await;
    sign_in(admin, ADMIN.0, ADMIN.1).await;
    console_session_view(app, admin, &olga.session_id().await).await;
    console_user_view(app, admin, "olga_browser").await;
    text_kept_across_termination(olga, &typed).await;
    olga.close().await;
    admin.close().await;
}

/// Provokes a challenge, reads its reason in plain words, answers wrong
/// then right; returns the text typed in the task field, still there.
async fn wrong_then_right_answer(olga: &Browser) -> String {
    provoke_challenge(olga, "olga_browser").await;
    let reason = olga.wait_text("challenge-reason", "What stood out").await;
    eprintln!("challenge reason shown to the owner: {reason}");
    assert!(!reason.contains(" SD"), "{reason}");
    assert!(
        reason.contains("usual") || reason.contains("person"),
        "{reason}"
    );
    olga.shot("challenge-plain.png").await;
    let typed = olga
        .el("task-title")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(!typed.is_empty());
    let first_token = olga.token().await;
    olga.type_into("challenge-password", "not-my-password")
        .await;
    olga.click("challenge-submit").await;
    olga.wait_text("challenge-error", "left").await;
    let open = olga
        .js("return document.querySelector('[data-testid=challenge-dialog]').open")
        .await;
    assert_eq!(open, Value::Bool(true), "a wrong answer leaves tries");
    let pass = olga.el("challenge-password").await;
    pass.clear().await.unwrap();
    olga.type_into("challenge-password", USER_PASSWORD).await;
    olga.click("challenge-submit").await;
    wait_for("the dialog to close", WAIT, || async move {
        let open = olga
            .js("return document.querySelector('[data-testid=challenge-dialog]').open")
            .await;
        (open == Value::Bool(false)).then_some(())
    })
    .await;
    let field = olga
        .js("return [document.activeElement.dataset.testid, document.activeElement.value]")
        .await;
    assert_eq!(
        field,
        json!(["task-title", typed]),
        "focus and text are back"
    );
    assert_ne!(olga.token().await, first_token, "a fresh token");
    assert!(olga.url().await.contains("/dashboard/"));
    olga.assert_console_clean("a wrong then right answer", &["/api/sessions/verify"])
        .await;
    typed
}

/// The admin opens the flagged session from the events table, reads every
/// window's reasons and marks the challenge as the owner's.
async fn console_session_view(app: &TestApp, admin: &Browser, sid: &str) {
    admin.go("/analyst/").await;
    let link = format!("a[data-testid=\"event-session-link\"][href=\"#/sessions/{sid}\"]");
    admin.find(&link).await.click().await.unwrap();
    admin.el("session-view").await;
    admin.wait_text("session-user", "olga_browser").await;
    // Its last activity is that of its newest window or event.
    let seen = admin.el("session-last-seen").await.text().await.unwrap();
    assert!(seen.contains("20"), "last seen: {seen:?}");
    admin.el("session-chart").await;
    // The session chart's styles must not reach the header's risk sparkline
    // (they once shared a class and squeezed the indicator's text to one
    // letter per line).
    let text_width = admin
        .js("const t = document.querySelector('.topbar .risk-text'); return t ? t.getBoundingClientRect().width : 1000")
        .await;
    assert!(
        text_width.as_f64().unwrap_or(0.0) > 100.0,
        "header indicator text {text_width}px wide"
    );
    // The scripted typing's windows, each with its reason for the analyst.
    let reasons = admin.wait_text("windows-table", "automated input").await;
    eprintln!("session view windows: {reasons}");
    assert!(!admin.all(&css_testid("window-reason")).await.is_empty());
    assert!(!admin.all(&css_testid("chart-decision")).await.is_empty());
    let item = admin
        .find("[data-testid=\"session-event\"][data-kind=\"risk_elevated\"]")
        .await;
    let event_id: i64 = item
        .attr("data-event-id")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    item.find(Locator::Css(&css_testid("feedback-note")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    admin.type_humanly("her new keyboard").await;
    item.find(Locator::Css(&css_testid("feedback-owner")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    admin
        .wait_text("session-events", "the owner (false alarm)")
        .await;
    admin
        .js("document.querySelector('[data-testid=session-view]').scrollIntoView()")
        .await;
    admin.shot("console-session.png").await;
    let token = admin.token().await;
    let (_, evs) = app
        .get(
            &format!("/api/security-events?session_id={sid}&kind=risk_elevated"),
            Some(&token),
        )
        .await;
    let ev = evs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == event_id)
        .expect("the event");
    assert_eq!(ev["feedback"]["verdict"], "owner");
    assert_eq!(ev["feedback"]["note"], "her new keyboard");
    admin.assert_console_clean("the session view", &[]).await;
}

/// The admin opens the user and ends all their sessions with a reason.
async fn console_user_view(app: &TestApp, admin: &Browser, username: &str) {
    admin.click("user-link").await;
    admin.el("user-view").await;
    admin.wait_text("user-facts", "user").await;
    admin.wait_text("user-feedback", "her new keyboard").await;
    admin.el("user-sessions").await;
    admin.click("user-terminate-all").await;
    admin.el("confirm-dialog").await;
    admin.type_into("confirm-reason", "lost laptop").await;
    admin.click("confirm-ok").await;
    admin.wait_text("user-live-sessions", "0").await;
    admin
        .js("document.querySelector('[data-testid=user-view]').scrollIntoView()")
        .await;
    admin.shot("console-user.png").await;
    let token = admin.token().await;
    let (_, evs) = app
        .get(
            &format!("/api/security-events?username={username}&kind=session_terminated"),
            Some(&token),
        )
        .await;
    assert_eq!(evs[0]["detail"]["note"], "lost laptop", "{evs}");
    assert_eq!(evs[0]["detail"]["by"], ADMIN.0);
    admin.assert_console_clean("the user view", &[]).await;
}

/// The terminated owner finds the username filled in, signs in, and the
/// text typed before comes back into the task field.
async fn text_kept_across_termination(olga: &Browser, typed: &str) {
    olga.wait_url("reason=terminated").await;
    olga.wait_text("login-message", "comes back after you sign in")
        .await;
    let name = olga.el("login-username").await.prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some("olga_browser"));
    let pass = olga.el("login-password").await;
    pass.send_keys(USER_PASSWORD).await.unwrap();
    olga.click("login-submit").await;
    olga.wait_url("/dashboard/").await;
    wait_for("the typed text back in its field", WAIT, || async move {
        let v = olga.el("task-title").await.prop("value").await.ok()??;
        (v == typed).then_some(())
    })
    .await;
    olga.wait_text("page-status", "Restored").await;
    olga.assert_console_clean("signing in again", &[]).await;
}
