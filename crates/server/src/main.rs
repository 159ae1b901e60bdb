//! The `workspace-server` binary.
//!
//! `workspace-server` runs the whole product; `workspace-server realtime`
//! runs only `/ws/behavioral` and `/health` on `REALTIME_PORT`, sharing the
//! database with the main server.
//!
//! Exit codes (README, "Exit codes"): 0 after a clean stop (SIGINT/SIGTERM),
//! 2 for a configuration problem the operator fixes by changing a setting
//! (including a bad `DATABASE_URL`, a `HOST` that does not resolve and a port
//! already in use), 1 for any other failure (the database does not answer or
//! refuses the login, a migration fails, the server fails while running).

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use std::{net::ToSocketAddrs, process::ExitCode};
use workspace_domain::{Password, Username};
use workspace_persistence::{DatabaseTarget, PersistenceError};
use workspace_server::{app, build_state, Settings, StartError};

/// Freelancer Workspace server: the REST API, the web pages and the
/// behavioural websocket on HOST:PORT.
#[derive(Debug, Parser)]
#[command(
    name = "workspace-server",
    version,
    after_help = "Configuration comes from environment variables and .env (see README.md).\n\
                  Exit codes: 0 stopped, 2 configuration error, 1 any other failure."
)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum Mode {
    /// Only /ws/behavioral and /health on HOST:REALTIME_PORT, sharing the database.
    Realtime,
}

/// Why the process stops unsuccessfully.
#[derive(Debug)]
enum Failure {
    /// A setting must change: exit code 2.
    Config(String),
    /// Anything else: exit code 1.
    Runtime(String),
}

impl Failure {
    fn exit(self) -> ExitCode {
        match self {
            Self::Config(message) => {
                log::error!("configuration error: {message}");
                ExitCode::from(2)
            }
            Self::Runtime(message) => {
                log::error!("cannot run: {message}");
                ExitCode::from(1)
            }
        }
    }
}

impl From<StartError> for Failure {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Config(c) => Self::Config(c.0),
            StartError::Secret(_)
            | StartError::Bind { .. }
            | StartError::Database(PersistenceError::Config(_)) => Self::Config(e.to_string()),
            StartError::Database(_) | StartError::Bootstrap(_) => Self::Runtime(e.to_string()),
        }
    }
}

fn main() -> ExitCode {
    // Usage errors exit 2, `--help` and `--version` exit 0 (clap's codes).
    let cli = Cli::parse();
    // A missing .env is normal; a malformed one is reported.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("warning: .env could not be read: {e}");
        }
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mode = cli.mode;
    // Configuration is checked before a runtime, a database or an actor exists.
    let settings = match Settings::from_env()
        .map_err(|e| Failure::Config(e.0))
        .and_then(|s| preflight(&s, mode).map(|()| s))
    {
        Ok(s) => s,
        Err(f) => return f.exit(),
    };
    let system = actix_web::rt::System::new();
    match system.block_on(serve(settings, mode)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.exit(),
    }
}

/// The checks that need neither the database nor the network beyond a name
/// lookup, so that a typo is reported at once and with exit code 2.
fn preflight(settings: &Settings, mode: Option<Mode>) -> Result<(), Failure> {
    let target = DatabaseTarget::resolve(settings.database_url(), &settings.db_path)
        .map_err(|e| Failure::Config(e.to_string()))?;
    if let DatabaseTarget::Postgres(url) = &target {
        check_postgres_url(url).map_err(Failure::Config)?;
    }
    let port = match mode {
        Some(Mode::Realtime) => settings.realtime_port,
        None => settings.port,
    };
    let resolved = (settings.host.as_str(), port).to_socket_addrs();
    if !resolved.is_ok_and(|mut addrs| addrs.next().is_some()) {
        return Err(Failure::Config(format!(
            "HOST {:?} is not an address or a name that resolves",
            settings.host
        )));
    }
    if let (Some(name), Some(pw)) = (
        settings.bootstrap_admin_username.as_deref(),
        settings.bootstrap_admin_password.as_ref(),
    ) {
        let pw = pw.expose_secret();
        let bad =
            |e: workspace_domain::DomainError| Failure::Config(format!("BOOTSTRAP_ADMIN_*: {e}"));
        Username::parse(name).map_err(bad)?;
        Password::parse(pw).map_err(bad)?;
    }
    Ok(())
}

/// A PostgreSQL URL that is not a URL at all (e.g. a port that is not a
/// number) is a configuration error, not an unreachable database. libpq's
/// multi-host form (`host1:5432,host2:5432`) is left to libpq to judge.
fn check_postgres_url(url: &str) -> Result<(), String> {
    let authority = url
        .split_once("://")
        .map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
    if authority.contains(',') {
        return Ok(());
    }
    // The message of `url` names the problem; the URL itself (it may hold a
    // password) is never repeated.
    url::Url::parse(url)
        .map(drop)
        .map_err(|e| format!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))
}

/// Opens the database, binds and serves until SIGINT/SIGTERM.
async fn serve(settings: Settings, mode: Option<Mode>) -> Result<(), Failure> {
    // The port first: if it is taken, nothing else has started.
    let port = match mode {
        Some(Mode::Realtime) => settings.realtime_port,
        None => settings.port,
    };
    let listener = app::listen_on(&settings.host, port)?;
    // Start-up work (migrations, bootstrap admin) runs before serving anything.
    let started = build_state(settings).and_then(|state| match mode {
        Some(Mode::Realtime) => app::start_realtime_only(state, listener),
        None => app::start_on(state, listener),
    });
    let (server, addr) = match started {
        Ok(s) => s,
        Err(e) => {
            settle().await;
            return Err(e.into());
        }
    };
    match mode {
        Some(Mode::Realtime) => {
            log::info!("realtime server listening on http://{addr} (ws://{addr}/ws/behavioral)")
        }
        None => log::info!("listening on http://{addr}"),
    }
    server
        .await
        .map_err(|e| Failure::Runtime(format!("server error: {e}")))
}

/// Gives the actors that `build_state` started one turn of the runtime, so
/// they run their `started` hook inside it. An actor that was never polled
/// runs that hook while the runtime is being dropped, where its timers panic
/// ("there is no reactor running") — after a failed bind, for example.
async fn settle() {
    actix_web::rt::task::yield_now().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_are_checked_for_shape_only() {
        for ok in [
            "postgres://user:pw@127.0.0.1:5432/db?sslmode=require",
            "postgresql:///db?host=/var/run/postgresql",
            "postgres://[::1]:5432/db",
            "postgres://h1:5432,h2:5433/db",
        ] {
            assert!(check_postgres_url(ok).is_ok(), "{ok}");
        }
        let e = check_postgres_url("postgres://user:secret@host:abc/db").unwrap_err();
        assert!(e.contains("DATABASE_URL") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn start_errors_map_to_the_documented_exit_codes() {
        let bind = StartError::Bind {
            addr: "127.0.0.1:1".into(),
            source: std::io::Error::other("in use"),
        };
        assert!(matches!(Failure::from(bind), Failure::Config(_)));
        let unreachable = StartError::Database(PersistenceError::Connection("refused".into()));
        assert!(matches!(Failure::from(unreachable), Failure::Runtime(_)));
        let url = StartError::Database(PersistenceError::Config("scheme".into()));
        assert!(matches!(Failure::from(url), Failure::Config(_)));
    }

    #[test]
    fn the_command_line_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        assert_eq!(
            Cli::try_parse_from(["workspace-server", "realtime"])
                .unwrap()
                .mode,
            Some(Mode::Realtime)
        );
        assert!(Cli::try_parse_from(["workspace-server", "nonsense"]).is_err());
    }
}
