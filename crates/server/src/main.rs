//! The `workspace-server` binary.
//!
//! `workspace-server` runs the whole product; `workspace-server realtime`
//! runs only `/ws/behavioral` and `/health` on `REALTIME_PORT`, sharing the
//! database with the main server.

use std::process::ExitCode;
use workspace_server::{app, build_state, start, Settings};

#[actix_web::main]
async fn main() -> ExitCode {
    let realtime_only = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("realtime") => true,
        Some("-h" | "--help" | "help") => {
            println!(
                "usage: workspace-server [realtime]\n\n\
                 Without arguments: the REST API, the pages and the behavioural websocket on HOST:PORT.\n\
                 realtime: only /ws/behavioral and /health on HOST:REALTIME_PORT, sharing the database.\n\
                 Configuration comes from environment variables and .env (see README.md)."
            );
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("unknown argument {other:?}; try --help");
            return ExitCode::from(2);
        }
    };
    // A missing .env is normal; a malformed one is reported.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("warning: .env could not be read: {e}");
        }
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            log::error!("{e}");
            return ExitCode::from(2);
        }
    };
    // Start-up work (migrations, bootstrap admin) runs before serving anything.
    let started = build_state(settings).and_then(|state| {
        if realtime_only {
            app::start_realtime_only(state)
        } else {
            start(state)
        }
    });
    let (server, addr) = match started {
        Ok(s) => s,
        Err(e) => {
            log::error!("cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    if realtime_only {
        log::info!("realtime server listening on http://{addr} (ws://{addr}/ws/behavioral)");
    } else {
        log::info!("listening on http://{addr}");
    }
    match server.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("server error: {e}");
            ExitCode::from(1)
        }
    }
}
