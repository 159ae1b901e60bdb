//! Real-browser test of the time and money pages (issue 11): the header
//! timer started and stopped from a task (and still running after a
//! reload), a manual entry, the report's chart and totals, an invoice drafted,
//! sent and opened as its printable page. Debian's chromium through
//! chromedriver with fantoccini, against the real server on port 0 with a
//! fresh SQLite database, like tests/browser.rs.
//!
//! - Skipped (with a message, passing) when chromedriver or chromium is not
//!   installed, or while the server does not answer `GET /api/timer` yet.
//! - `WEB_SCREENSHOTS_DIR=docs/screenshots` saves a PNG of each page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
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
    async fn browser(&self, name: &'static str, base: &str) -> Browser {
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
            _profile: profile,
        }
    }
}

struct Browser {
    client: Client,
    name: &'static str,
    base: String,
    log_url: String,
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

    async fn click(&self, testid: &str) {
        self.el(testid).await.click().await.unwrap();
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

    /// Sets a form control's value from script and fires `change` (date and
    /// time inputs take typed text in the locale's order; this does not).
    async fn set_value(&self, testid: &str, value: &str) {
        self.client
            .execute(
                "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
                 el.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(css_testid(testid)), json!(value)],
            )
            .await
            .unwrap();
    }

    async fn close(&self) {
        let _ = self.client.clone().close().await;
    }
}

/// What the pages may log on a server without the parts other issues add:
/// `/ws/behavioral` (realtime) and `GET /api/tasks` (tasks across projects,
/// asked once; the pages then read tasks per project).
const NOISE: &[&str] = &["/ws/behavioral", "/api/tasks?limit"];

/// "225.05" for 22505 minor units (the page formats in en-US: no grouping below 1,000).
fn major(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

async fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, body) = app.get("/api/time-entries", Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_and_money_pages_work_in_a_real_browser() {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let app = &TestApp::spawn(Backend::Sqlite).await.expect("test app");
    let password = "correct-horse-42";
    app.register("tess_time", password).await;
    let (s, login) = app
        .post(
            "/api/start-session",
            None,
            json!({"username": "tess_time", "password": password}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{login}");
    let token = login["access_token"].as_str().unwrap().to_owned();
    let token = token.as_str();
    let (s, timer) = app.get("/api/timer", Some(token)).await;
    if s == StatusCode::NOT_FOUND {
        eprintln!("SKIP time pages browser test: the server has no GET /api/timer yet ({timer})");
        return;
    }
    assert_eq!(s, StatusCode::OK, "{timer}");

    // A project with a client and a rate, and two tasks (set up over the API).
    let (s, project) = app
        .post(
            "/api/projects",
            Some(token),
            json!({"name": "Website redesign", "client": "Acme Ltd", "hourly_rate": 90}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{project}");
    let pid = project["id"].as_i64().unwrap();
    let mut task_ids = Vec::new();
    for title in ["Wireframes", "Landing <page>"] {
        let (s, t) = app
            .post(
                &format!("/api/projects/{pid}/tasks"),
                Some(token),
                json!({"title": title}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        task_ids.push(t["id"].as_i64().unwrap());
    }
    let (wire, landing) = (task_ids[0], task_ids[1]);

    // Signed in as that monitored session (the sign-in page is tested in browser.rs).
    let b = &driver.browser("tess", &app.base).await;
    b.go("/").await;
    b.client
        .execute(
            "sessionStorage.setItem('fw.session', JSON.stringify({token: arguments[0], \
             user: arguments[1], sessionId: arguments[2], wsUrl: '/ws/behavioral', \
             expiresAt: Date.now() + 3600000}))",
            vec![
                json!(token),
                login["user"].clone(),
                login["session_id"].clone(),
            ],
        )
        .await
        .unwrap();

    // ---- the timer, started from a task of the project's log ----
    b.go(&format!("/time/#/projects/{pid}")).await;
    b.wait_text("time-project-tasks", "Landing <page>").await;
    b.wait_text("timer", "No timer").await;
    b.find(&format!(
        "[data-testid=\"task-timer-start\"][data-task-id=\"{wire}\"]"
    ))
    .await
    .click()
    .await
    .unwrap();
    b.find("[data-testid=\"timer\"][data-running=\"true\"]")
        .await;
    b.wait_text("timer-task", "Wireframes").await;
    let (s, running) = app.get("/api/timer", Some(token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(running["task_id"], wire, "{running}");
    assert!(running["ended_at"].is_null(), "{running}");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let elapsed = b.el("timer-elapsed").await.text().await.unwrap();
    assert!(
        elapsed.starts_with("0:00:0") && elapsed != "0:00:00",
        "{elapsed}"
    );
    b.shot("timer-running.png").await;

    // It survives a reload (read back with GET /api/timer).
    b.client.refresh().await.unwrap();
    b.find("[data-testid=\"timer\"][data-running=\"true\"]")
        .await;
    b.wait_text("timer-task", "Wireframes").await;
    b.assert_console_clean("starting the timer", NOISE).await;

    b.click("timer-stop").await;
    b.find("[data-testid=\"timer\"][data-running=\"false\"]")
        .await;
    let (s, none) = app.get("/api/timer", Some(token)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(none.is_null(), "{none}");
    let list = entries(app, token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(!list[0]["ended_at"].is_null());
    assert!(list[0]["seconds"].as_i64().unwrap() >= 2, "{list:?}");
    b.wait_count("[data-testid=\"time-entry\"]", 1).await;

    // ---- a manual entry: 2 h 30 min on the other task, today ----
    b.el("time-add-task")
        .await
        .select_by_value(&landing.to_string())
        .await
        .unwrap();
    let today = b
        .client
        .execute(
            "const d = new Date(); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;",
            vec![],
        )
        .await
        .unwrap();
    let today = today.as_str().unwrap().to_owned();
    b.set_value("time-add-date", &today).await;
    b.set_value("time-add-start", "00:10").await;
    b.set_value("time-add-end", "02:40").await;
    b.set_value("time-add-note", "Hero section").await;
    b.click("time-add-submit").await;
    b.wait_count("[data-testid=\"time-entry\"]", 2).await;
    b.wait_text("time-entries", "2:30:00").await;
    b.wait_text("time-entries", "Hero section").await;
    let list = entries(app, token).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let manual = list
        .iter()
        .find(|e| e["task_id"] == landing)
        .expect("the manual entry");
    assert_eq!(manual["seconds"], 9000, "{manual}");
    assert_eq!(manual["note"], "Hero section");
    b.shot("time-log.png").await;
    b.assert_console_clean("adding an entry", NOISE).await;

    // Edit its note in place.
    let mid = manual["id"].as_i64().unwrap();
    b.find(&format!(
        "[data-testid=\"time-entry\"][data-entry-id=\"{mid}\"] [data-testid=\"time-entry-edit\"]"
    ))
    .await
    .click()
    .await
    .unwrap();
    b.set_value("time-edit-note", "Hero section and footer")
        .await;
    b.click("time-entry-save").await;
    b.wait_text("time-entries", "Hero section and footer").await;
    let (s, edited) = app
        .get(&format!("/api/time-entries?task_id={landing}"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited[0]["note"], "Hero section and footer", "{edited}");
    assert_eq!(edited[0]["seconds"], 9000, "{edited}");

    // ---- the week ----
    b.click("time-tab-week").await;
    b.wait_text("week-table", "Landing <page>").await;
    b.shot("time-week.png").await;

    // ---- the report: chart and totals match the API's report ----
    b.click("time-tab-report").await;
    let amount = b.wait_text("report-total-amount", ".").await;
    let from = b
        .el("report-from")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let (s, report) = app
        .get(
            &format!("/api/reports/time?from={from}&to={today}&group_by=week"),
            Some(token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let total = report["totals"][0]["amount_minor"].as_i64().unwrap();
    // 2.5 h × 90/h = 225.00, plus the few seconds of the timer.
    assert!((22_500..22_600).contains(&total), "{report}");
    assert!(amount.contains(&major(total)), "{amount} vs {total}");
    b.find("[data-testid=\"chart-week\"]").await;
    assert!(!b.all("[data-testid=\"chart-week-bar\"]").await.is_empty());
    b.wait_count("[data-testid=\"chart-client-bar\"]", 1).await;
    b.wait_text("report-client-chart", "Acme Ltd").await;
    assert!(!b.all("[data-testid=\"report-row\"]").await.is_empty());
    b.shot("time-report.png").await;
    b.assert_console_clean("the report", NOISE).await;

    // ---- an invoice: draft from client + period, review, send, printable ----
    b.click("time-tab-invoices").await;
    b.wait_text("invoice-list-state", "No invoices yet").await;
    b.find("[data-testid=\"invoice-client\"] option[value=\"Acme Ltd\"]")
        .await;
    b.el("invoice-client")
        .await
        .select_by_value("Acme Ltd")
        .await
        .unwrap();
    b.set_value("invoice-from", "2000-01-01").await;
    b.set_value("invoice-to", &today).await;
    b.click("invoice-create").await;
    b.wait_count("[data-testid=\"invoice-line\"]", 2).await;
    let url = b.client.current_url().await.unwrap().to_string();
    let id: i64 = url
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an invoice id in {url}"));
    let (s, inv) = app.get(&format!("/api/invoices/{id}"), Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{inv}");
    assert_eq!(inv["status"], "draft");
    assert_eq!(inv["total_minor"].as_i64().unwrap(), total, "{inv}");
    let shown = b.wait_text("invoice-total", ".").await;
    assert!(shown.contains(&major(total)), "{shown}");
    b.wait_text("invoice-lines", "Landing <page>").await;
    b.shot("invoice-draft.png").await;

    b.click("invoice-send").await;
    b.wait_text("invoice-title", "Sent").await;
    let (_, inv) = app.get(&format!("/api/invoices/{id}"), Some(token)).await;
    assert_eq!(inv["status"], "sent", "{inv}");
    let number = &inv["number"]
        .as_str()
        .expect("a number once sent")
        .to_owned();
    b.wait_text("invoice-title", number).await;
    b.shot("invoice-sent.png").await;
    b.assert_console_clean("sending the invoice", NOISE).await;

    let main = &b.client.window().await.unwrap();
    b.click("invoice-print").await;
    let printable = wait_for("the printable invoice tab", WAIT, || async move {
        let all = b.client.windows().await.ok()?;
        all.into_iter().find(|w| w != main)
    })
    .await;
    b.client.switch_to_window(printable).await.unwrap();
    let text = wait_for("the printable invoice", WAIT, || async move {
        let body = b.client.find(Locator::Css("body")).await.ok()?;
        let t = body.text().await.ok()?;
        (t.contains(number.as_str()) && t.contains("Acme Ltd")).then_some(t)
    })
    .await;
    assert!(
        text.contains("Landing <page>"),
        "the task title, escaped: {text}"
    );
    let href = b.client.current_url().await.unwrap().to_string();
    assert!(href.starts_with("blob:"), "{href}");
    b.shot("invoice-print.png").await;
    b.assert_console_clean("the printable invoice", NOISE).await;
    b.client.close_window().await.unwrap();
    b.client.switch_to_window(main.clone()).await.unwrap();

    b.click("invoice-paid").await;
    b.wait_text("invoice-title", "Paid").await;
    b.click("invoice-back").await;
    b.wait_count("[data-testid=\"invoice-row\"]", 1).await;
    b.wait_text("invoice-list", number).await;
    b.shot("invoices.png").await;
    b.assert_console_clean("the invoices", NOISE).await;
    b.close().await;
}
