//! Start-up and shutdown of the real binary: exit codes (README, "Exit
//! codes"), one clean ERROR line and never a panic for a configuration
//! problem, `--version`/`--help`, and a clean stop on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod child;

use child::{run_to_end, server_command, Finished, ServerProcess};
use std::{net::TcpListener, process::Command, time::Duration};
use workspace_persistence::testing::TestDb;

const LIMIT: Duration = Duration::from_secs(60);

/// The binary on a fresh SQLite file with `extra` settings and arguments.
fn run_sqlite(args: &[&str], extra: &[(&str, &str)]) -> Finished {
    let db = TestDb::sqlite();
    run_on(&db, args, extra)
}

fn run_on(db: &TestDb, args: &[&str], extra: &[(&str, &str)]) -> Finished {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = server_command(dir.path(), &db.env_vars());
    cmd.args(args);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    run_to_end(cmd, LIMIT)
}

fn bare(args: &[&str]) -> Finished {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_workspace-server"));
    cmd.current_dir(dir.path()).env_clear().args(args);
    run_to_end(cmd, LIMIT)
}

#[test]
fn version_prints_the_package_version() {
    for flag in ["--version", "-V"] {
        let out = bare(&[flag]);
        assert_eq!(out.code, Some(0), "{out:#?}");
        assert_eq!(
            out.stdout.trim(),
            format!("workspace-server {}", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn help_describes_the_realtime_mode_and_the_exit_codes() {
    let out = bare(&["--help"]);
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert!(out.stdout.contains("realtime"), "{}", out.stdout);
    assert!(out.stdout.contains("REALTIME_PORT"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2 configuration error"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_unknown_argument_is_a_usage_error() {
    let out = bare(&["--nonsense"]);
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert!(out.stderr.contains("--nonsense"), "{}", out.stderr);
    let out = bare(&["serve"]);
    assert_eq!(out.code, Some(2), "{out:#?}");
}

fn port_in_use(db: &TestDb, realtime: bool) {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (args, var): (&[&str], _) = if realtime {
        (&["realtime"], "REALTIME_PORT")
    } else {
        (&[], "PORT")
    };
    let out = run_on(db, args, &[(var, &port)]);
    out.assert_clean_failure(2);
    assert!(
        out.stderr
            .contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_port_in_use_exits_2_without_a_panic_on_sqlite() {
    port_in_use(&TestDb::sqlite(), false);
    port_in_use(&TestDb::sqlite(), true);
}

/// The port is bound before the database is opened: when it is taken,
/// no database file appears and no migration runs.
#[test]
fn a_port_in_use_opens_no_database() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("never.db");
    let out = run_sqlite(
        &[],
        &[("PORT", &port), ("DB_PATH", db_path.to_str().unwrap())],
    );
    out.assert_clean_failure(2);
    assert!(
        !db_path.exists(),
        "the database was opened for a port in use"
    );
}

#[test]
fn a_port_in_use_exits_2_without_a_panic_on_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    port_in_use(&db, false);
    port_in_use(&db, true);
}

#[test]
fn a_host_that_does_not_resolve_exits_2() {
    for host in ["no-such-host.invalid", "300.1.2.3", "bad host"] {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("never.db");
        let out = run_sqlite(
            &[],
            &[("HOST", host), ("DB_PATH", db_path.to_str().unwrap())],
        );
        out.assert_clean_failure(2);
        assert!(out.stderr.contains("HOST"), "{}", out.stderr);
        // Checked before the database is opened.
        assert!(!db_path.exists(), "the database was created for a bad HOST");
    }
}

#[test]
fn a_bad_database_url_exits_2_and_never_prints_the_password() {
    for url in [
        "mysql://user:hunter2@localhost/db",
        "hunter2",
        "postgres://user:hunter2@127.0.0.1:notaport/db",
    ] {
        let out = run_sqlite(&[], &[("DATABASE_URL", url)]);
        out.assert_clean_failure(2);
        assert!(out.stderr.contains("DATABASE_URL"), "{}", out.stderr);
        assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
    }
}

#[test]
fn an_unreachable_postgres_exits_1() {
    // A port nobody listens on (bound, then released).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://nobody:hunter2@127.0.0.1:{port}/workspace");
    let out = run_sqlite(&[], &[("DATABASE_URL", &url)]);
    out.assert_clean_failure(1);
    assert!(out.stderr.contains("cannot connect"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

#[test]
fn app_env_accepts_only_known_values() {
    for typo in ["prod", "dev", "staging"] {
        let out = run_sqlite(&[], &[("APP_ENV", typo)]);
        out.assert_clean_failure(2);
        assert!(out.stderr.contains("APP_ENV"), "{}", out.stderr);
        assert!(out.stderr.contains(&format!("{typo:?}")), "{}", out.stderr);
    }
    // production refuses a short secret: also a configuration error.
    let out = run_sqlite(
        &[],
        &[("APP_ENV", "production"), ("JWT_SECRET_KEY", "short")],
    );
    out.assert_clean_failure(2);
    assert!(out.stderr.contains("APP_ENV=production"), "{}", out.stderr);
}

#[test]
fn a_value_that_does_not_parse_exits_2_naming_it() {
    for (var, value, named) in [
        ("PORT", "abc", "port"),
        ("BCRYPT_COST", "40", "BCRYPT_COST"),
        ("BOOTSTRAP_ADMIN_PASSWORD", "short", "BOOTSTRAP_ADMIN"),
    ] {
        let out = run_sqlite(&[], &[(var, value)]);
        out.assert_clean_failure(2);
        assert!(out.stderr.contains(named), "{var}: {}", out.stderr);
    }
}

async fn starts_and_stops_on_sigterm(db: &TestDb, app_env: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = server_command(dir.path(), &db.env_vars());
    cmd.env("APP_ENV", app_env);
    let mut server = ServerProcess::spawn(cmd);
    let health: serde_json::Value = reqwest::get(server.url("/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    let status = server.terminate(Duration::from_secs(40));
    assert_eq!(status.code(), Some(0), "{:#?}", server.log());
    assert!(
        !server.log().iter().any(|l| l.contains("panicked")),
        "{:#?}",
        server.log()
    );
}

#[tokio::test]
async fn sigterm_stops_cleanly_with_0_on_sqlite() {
    starts_and_stops_on_sigterm(&TestDb::sqlite(), "production").await;
}

#[tokio::test]
async fn sigterm_stops_cleanly_with_0_on_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    starts_and_stops_on_sigterm(&db, "Production").await;
}
