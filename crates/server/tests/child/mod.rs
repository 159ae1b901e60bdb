//! The real `workspace-server` binary as a child process, for the tests that
//! need what an in-process server cannot show: exit codes, stderr, `kill -9`
//! and a restart on the same database.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{mpsc, Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

/// The JWT secret the child signs with (same as the in-process harness).
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The bootstrap admin of every child.
pub const ADMIN: (&str, &str) = ("root", "root-password-1");

/// The server binary with a clean environment: only `PATH`, the settings
/// tests rely on and `db_env` (`DATABASE_URL`/`DB_PATH`), run in `dir` so no
/// `.env` of the repository is read.
pub fn server_command(dir: &Path, db_env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_workspace-server"));
    cmd.current_dir(dir)
        .env_clear()
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
        .env("WEB_DIR", web_dir());
    for (k, v) in db_env {
        cmd.env(k, v);
    }
    cmd
}

/// The repository's `web/` folder.
pub fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

/// What a process that ran to its end left behind.
#[derive(Debug)]
pub struct Finished {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Asserts the code, that nothing panicked and that exactly one line was
    /// logged at ERROR level.
    pub fn assert_clean_failure(&self, code: i32) {
        assert_eq!(self.code, Some(code), "{self:#?}");
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        let errors = self
            .stderr
            .lines()
            .filter(|l| l.contains(" ERROR "))
            .count();
        assert_eq!(errors, 1, "expected one ERROR line:\n{}", self.stderr);
    }
}

/// Runs `cmd` to its end (killed after `timeout`), capturing its output.
pub fn run_to_end(mut cmd: Command, timeout: Duration) -> Finished {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary starts");
    let out = read_all(child.stdout.take().unwrap());
    let err = read_all(child.stderr.take().unwrap());
    let Some(status) = wait_until(&mut child, timeout) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("still running after {timeout:?}: {}", err.join().unwrap())
    };
    Finished {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(mut r: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

fn wait_until(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

/// A running server process; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    /// `host:port` it listens on.
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const LISTENING: &str = "listening on http://";

impl ServerProcess {
    /// Starts `cmd` and waits (at most 60 s) for its "listening on" line.
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("server binary starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = log.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find(LISTENING) {
                    let addr = line[i + LISTENING.len()..].split_whitespace().next();
                    let _ = tx.send(addr.unwrap_or_default().to_owned());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("server did not start: {:#?}", log.lock().unwrap()));
        Self { child, addr, log }
    }

    /// `http://host:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything it has logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL the server");
        let status = self.child.wait().expect("reap the server");
        assert_eq!(status.code(), None, "killed by a signal");
    }

    /// SIGTERM (the shell's `kill` builtin, by pid: a minimal system has no
    /// `kill` binary) and waits at most `timeout` for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let sent = Command::new("sh")
            .args(["-c", "kill -TERM \"$0\"", &self.child.id().to_string()])
            .status()
            .expect("run sh");
        assert!(sent.success(), "kill -TERM failed");
        wait_until(&mut self.child, timeout)
            .unwrap_or_else(|| panic!("no exit within {timeout:?}: {:#?}", self.log()))
    }
}
