//! Real-browser walk through the workspace pages of issue 10 (same setup as
//! `browser.rs`: Debian's chromium through chromedriver with fantoccini,
//! against the real server on port 0 with a fresh SQLite database): labels,
//! a project with every field, tasks with labels, a comment, search as you
//! type, the overdue view, moving a task, bulk status change, keyboard
//! shortcuts, and the account page (sessions with revoke, export, password
//! change ending the other sessions).
//!
//! - Skipped (with a message, passing) when chromedriver or chromium is not
//!   installed, or while the server does not serve the issue-10 endpoints.
//! - `WEB_SCREENSHOTS_DIR=docs/screenshots` saves the screenshots listed in
//!   docs/web.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp};
use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions},
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

impl Browser {
    /// Sets a field's value as a paste would (no keystrokes), firing
    /// `input` and `change`.
    async fn set(&self, testid: &str, value: &str) {
        self.el(testid).await;
        self.client
            .execute(
                "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`);\
                 e.value = arguments[1];\
                 e.dispatchEvent(new Event('input', {bubbles: true}));\
                 e.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(testid), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Presses single keys (shortcuts) on whatever has the focus.
    async fn press(&self, keys: &str) {
        let mut acts = KeyActions::new("shortcut-keys".to_owned());
        for c in keys.chars() {
            acts = acts
                .then(KeyAction::Down { value: c })
                .pause(Duration::from_millis(90))
                .then(KeyAction::Up { value: c })
                .pause(Duration::from_millis(150));
        }
        self.client.perform_actions(acts).await.unwrap();
        self.client.release_actions().await.unwrap();
    }

    async fn blur(&self) {
        self.js("document.activeElement && document.activeElement.blur(); return null")
            .await;
    }
}

/// The row `data-testid=task-item` whose title is `title`, in the shown view.
async fn task_row(b: &Browser, title: &str) -> Element {
    task_row_in(b, "#views > :not([hidden])", title).await
}

/// The row `data-testid=task-item` under `scope` (CSS) whose title is
/// `title`. The title is an editable `<input>`, whose value is not part of
/// an element's WebDriver text, so rows are matched by the input's value.
async fn task_row_in(b: &Browser, scope: &str, title: &str) -> Element {
    let rows = format!("{scope} [data-testid=\"task-item\"]");
    let rows = rows.as_str();
    wait_for(
        &format!("task row {title:?} in {scope}"),
        WAIT,
        || async move {
            for row in b.all(rows).await {
                let input = row
                    .find(Locator::Css("input[data-field=title]"))
                    .await
                    .ok()?;
                if input.prop("value").await.ok()?.as_deref() == Some(title) {
                    return Some(row);
                }
            }
            None
        },
    )
    .await
}

async fn api_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let (s, body) = app.get(path, Some(token)).await;
    assert_eq!(s, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The task `title` of the caller, from `GET /api/tasks`.
async fn api_task(app: &TestApp, token: &str, title: &str) -> Value {
    let list = api_ok(app, "/api/tasks?limit=500", token).await;
    list.as_array()
        .and_then(|a| a.iter().find(|t| t["title"] == title).cloned())
        .unwrap_or_else(|| panic!("no task {title:?} in {list}"))
}

/// Whether the endpoints of issue 10 are served (labels, tasks across
/// projects, search, sessions, account, refresh).
async fn work_endpoints_served(app: &TestApp) -> bool {
    app.register("probe_user", USER_PASSWORD).await;
    let token = app.login("probe_user", USER_PASSWORD).await;
    for path in [
        "/api/labels",
        "/api/tasks",
        "/api/search?q=x",
        "/api/sessions",
    ] {
        let (s, _) = app.get(path, Some(&token)).await;
        if s == StatusCode::NOT_FOUND || s == StatusCode::METHOD_NOT_ALLOWED {
            eprintln!("SKIP browser_work: {path} is not served yet ({s})");
            return false;
        }
    }
    true
}

const USER: &str = "wendy_work";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_pages_of_issue_10_in_a_real_browser() {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let app = &TestApp::spawn(Backend::Sqlite).await.expect("test app");
    if !work_endpoints_served(app).await {
        return;
    }
    let realtime = websocket_served(app).await;
    let noise = ws_noise(realtime);
    let b = &driver.browser("wendy", &app.base, realtime).await;

    // ---- sign up ----
    b.go("/").await;
    b.type_into("login-username", USER).await;
    b.el("login-password")
        .await
        .send_keys(USER_PASSWORD)
        .await
        .unwrap();
    b.click("register-submit").await;
    wait_for("the workspace", WAIT, || async move {
        b.url().await.contains("/dashboard/").then_some(())
    })
    .await;
    b.el("project-name").await;
    let token = &b.token().await;

    // ---- labels (the label manager) ----
    b.go("/dashboard/#/labels").await;
    for (name, color) in [("Design", "#d62728"), ("Billing", "#2ca02c")] {
        b.type_into("label-name", name).await;
        b.set("label-color", color).await;
        b.click("label-create").await;
        b.wait_text("label-list", name).await;
    }
    b.shot("work-labels.png").await;
    let labels = api_ok(app, "/api/labels", token).await;
    let labels = labels.as_array().unwrap();
    assert_eq!(labels.len(), 2, "{labels:?}");
    let design = labels.iter().find(|l| l["name"] == "Design").unwrap();
    assert_eq!(design["color"].as_str().unwrap().to_lowercase(), "#d62728");
    b.assert_console_clean("the label manager", noise).await;

    // ---- a project with every field (create, then edit the status) ----
    b.go("/dashboard/#/").await;
    b.type_into("project-name", "Bakery logo").await;
    b.click("project-create").await;
    b.wait_count("[data-testid=\"project-item\"]", 1).await;
    b.type_into("project-name", "Website redesign").await;
    b.set("project-client", "Bakery Ltd").await;
    b.set("project-rate", "85.50").await;
    b.set("project-currency", "usd").await;
    b.set("project-description", "New site:\n  - homepage\n  - menu")
        .await;
    b.set("project-due", "2027-01-31").await;
    b.click("project-create").await;
    b.wait_count("[data-testid=\"project-item\"]", 2).await;
    b.wait_text("tasks-panel", "Tasks of “Website redesign”")
        .await;
    b.click("project-edit").await;
    b.el("edit-status")
        .await
        .select_by_value("on_hold")
        .await
        .unwrap();
    b.set("edit-client", "Bakery & Sons").await;
    b.click("project-save").await;
    b.wait_text("project-list", "On hold").await;
    let projects = api_ok(app, "/api/projects", token).await;
    let website = projects
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Website redesign")
        .cloned()
        .unwrap();
    assert_eq!(website["client"], "Bakery & Sons", "{website}");
    assert_eq!(website["hourly_rate"].as_f64(), Some(85.5), "{website}");
    assert_eq!(website["currency"], "USD", "{website}");
    assert_eq!(website["due_date"], "2027-01-31", "{website}");
    assert_eq!(website["status"], "on_hold", "{website}");
    assert_eq!(website["description"], "New site:\n  - homepage\n  - menu");

    // ---- tasks with labels ----
    let add_task = |title: &'static str, due: &'static str, label: &'static str| async move {
        b.type_into("task-title", title).await;
        if !due.is_empty() {
            b.set("task-due", due).await;
        }
        if !label.is_empty() {
            for opt in b.all("[data-testid=\"task-labels\"] label").await {
                if opt.text().await.unwrap().contains(label) {
                    opt.find(Locator::Css("input"))
                        .await
                        .unwrap()
                        .click()
                        .await
                        .unwrap();
                }
            }
        }
        b.click("task-create").await;
        task_row(b, title).await;
    };
    add_task("Draft the homepage", "2020-01-15", "Design").await;
    add_task("Send the invoice", "", "Billing").await;
    add_task("Pick photos", "", "").await;
    let draft = api_task(app, token, "Draft the homepage").await;
    assert_eq!(draft["labels"][0]["name"], "Design", "{draft}");
    let row = task_row(b, "Draft the homepage").await;
    let chip = row
        .find(Locator::Css("[data-testid=label-chip]"))
        .await
        .unwrap();
    assert_eq!(chip.text().await.unwrap(), "Design");
    b.assert_console_clean("projects and tasks with labels", noise)
        .await;

    // ---- label filter ----
    b.el("task-label-filter")
        .await
        .select_by_label("Billing")
        .await
        .unwrap();
    b.wait_count("#views > :not([hidden]) [data-testid=\"task-item\"]", 1)
        .await;
    task_row(b, "Send the invoice").await;
    b.el("task-label-filter")
        .await
        .select_by_value("")
        .await
        .unwrap();
    b.wait_count("#views > :not([hidden]) [data-testid=\"task-item\"]", 3)
        .await;

    // ---- keyboard shortcuts: j moves through the rows, ? opens the help ----
    b.blur().await;
    b.press("jj").await;
    let active = b
        .js("return document.activeElement.closest('[data-testid=task-item]')?.dataset.taskId ?? null")
        .await;
    assert!(active.is_string(), "j did not move to a task row: {active}");
    b.press("?").await;
    wait_for("the shortcuts help", WAIT, || async move {
        (b.js("return document.querySelector('[data-testid=shortcuts-help]').open")
            .await
            == Value::Bool(true))
        .then_some(())
    })
    .await;
    b.wait_text("shortcuts-help", "Next task").await;
    b.shot("work-shortcuts.png").await;
    b.click("shortcuts-close").await;

    // ---- task detail: description and a comment ----
    task_row(b, "Draft the homepage")
        .await
        .find(Locator::Css("[data-testid=task-open]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("the task view", WAIT, || async move {
        let v = b
            .js("return document.querySelector('[data-testid=detail-title]')?.value ?? ''")
            .await;
        (v == "Draft the homepage").then_some(())
    })
    .await;
    b.set(
        "detail-description",
        "Hero image, three columns.\n\n  <b>kept as typed</b>",
    )
    .await;
    b.click("detail-save").await;
    b.wait_text("page-status", "Saved").await;
    b.type_into("comment-body", "the client wants turquoise")
        .await;
    b.click("comment-add").await;
    b.wait_text("comment-list", "the client wants turquoise")
        .await;
    let draft = api_task(app, token, "Draft the homepage").await;
    assert_eq!(
        draft["description"],
        "Hero image, three columns.\n\n  <b>kept as typed</b>"
    );
    let comments = api_ok(app, &format!("/api/tasks/{}/comments", draft["id"]), token).await;
    assert_eq!(
        comments[0]["body"], "the client wants turquoise",
        "{comments}"
    );
    b.shot("work-task.png").await;
    b.assert_console_clean("the task view", noise).await;

    // ---- search as you type finds the comment ----
    b.blur().await;
    b.press("/").await;
    let focused = b
        .js("return document.activeElement.dataset.testid ?? null")
        .await;
    assert_eq!(
        focused,
        json!("search-input"),
        "/ did not focus the search box"
    );
    if realtime {
        b.type_humanly("turquoise").await;
    } else {
        b.el("search-input")
            .await
            .send_keys("turquoise")
            .await
            .unwrap();
    }
    b.wait_text("search-results", "the client wants turquoise")
        .await;
    b.shot("work-search.png").await;
    b.el("search-input")
        .await
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();

    // ---- move the task to the other project ----
    b.el("task-move-project")
        .await
        .select_by_label("Bakery logo")
        .await
        .unwrap();
    b.click("task-move").await;
    b.wait_text("page-status", "Moved").await;
    let bakery = projects
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Bakery logo")
        .cloned()
        .unwrap();
    let draft = api_task(app, token, "Draft the homepage").await;
    assert_eq!(draft["project_id"], bakery["id"], "{draft}");

    // ---- the overdue view across projects ----
    b.go("/dashboard/#/due/overdue").await;
    task_row_in(b, "[data-testid=\"due-list\"]", "Draft the homepage").await;
    let due_rows = b
        .all("[data-testid=\"due-list\"] [data-testid=\"task-item\"]")
        .await;
    assert_eq!(due_rows.len(), 1, "only the overdue task is listed");
    b.wait_text("due-list", "Bakery logo").await;
    b.shot("work-due.png").await;
    b.assert_console_clean("search, move and the due view", noise)
        .await;

    // ---- bulk status change ----
    b.go(&format!("/dashboard/#/projects/{}", website["id"]))
        .await;
    b.wait_text("tasks-panel", "Tasks of “Website redesign”")
        .await;
    b.wait_count("#views > :not([hidden]) [data-testid=\"task-item\"]", 2)
        .await;
    b.click("task-select-all").await;
    b.wait_text("bulk-count", "2 tasks selected").await;
    b.el("bulk-status")
        .await
        .select_by_value("done")
        .await
        .unwrap();
    b.click("bulk-apply").await;
    b.wait_text("page-status", "2 tasks set to Done").await;
    for title in ["Send the invoice", "Pick photos"] {
        assert_eq!(api_task(app, token, title).await["status"], "done");
    }
    // Show the bulk bar and the rows just set to Done, not wherever the
    // clicks left the page scrolled.
    b.js(
        "document.querySelector('#views > :not([hidden]) [data-testid=task-select-all]')\
          ?.scrollIntoView({block: 'start'}); return null",
    )
    .await;
    b.shot("work-dashboard.png").await;

    // ---- account: another session revoked, export, password change ----
    let (other_token, other_sid) = app.start_session(USER, USER_PASSWORD).await;
    b.go("/account/").await;
    let revoke = format!("button[data-testid=\"session-revoke\"][data-session-id=\"{other_sid}\"]");
    b.find(&revoke).await.click().await.unwrap();
    b.wait_text("page-status", "Session revoked").await;
    let (s, _) = app.get("/api/me", Some(&other_token)).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the revoked session still works"
    );

    b.click("export-download").await;
    b.wait_text("export-status", "Export ready").await;

    let (third_token, _) = app.start_session(USER, USER_PASSWORD).await;
    b.set("password-current", USER_PASSWORD).await;
    b.set("password-new", "a-new-password-77").await;
    b.set("password-confirm", "a-new-password-77").await;
    b.click("password-submit").await;
    b.wait_text("password-status", "Password changed").await;
    let (s, body) = app.get("/api/me", Some(&third_token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "session_terminated", "{body}");
    // This tab's session goes on.
    let (s, _) = app.get("/api/me", Some(&b.token().await)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            "/api/login",
            None,
            json!({"username": USER, "password": "a-new-password-77"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    b.js("window.scrollTo(0, 0); return null").await;
    b.shot("work-account.png").await;
    b.assert_console_clean("the account page", noise).await;

    // ---- narrow screen ----
    b.go("/dashboard/").await;
    b.wait_text("tasks-panel", "Tasks of").await;
    b.client.set_window_size(420, 900).await.unwrap();
    b.shot("work-dashboard-narrow.png").await;
    b.close().await;
}
