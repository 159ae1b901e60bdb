//! The `workspace-server` binary.

use std::process::ExitCode;
use workspace_server::{build_state, start, Settings};

#[actix_web::main]
async fn main() -> ExitCode {
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
    let state = match actix_web::web::block(move || build_state(settings)).await {
        Ok(Ok(state)) => state,
        Ok(Err(e)) => {
            log::error!("cannot start: {e}");
            return ExitCode::from(1);
        }
        Err(e) => {
            log::error!("cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let (server, addr) = match start(state) {
        Ok(s) => s,
        Err(e) => {
            log::error!("cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    log::info!("listening on http://{addr}");
    match server.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("server error: {e}");
            ExitCode::from(1)
        }
    }
}
