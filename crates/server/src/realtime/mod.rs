//! Realtime behavioural sessions.
//!
//! Actors (actix):
//! - [`session::WsSession`]: one per websocket connection; owns the scoring
//!   state (`behavior_ml::SessionScorer` and the owner's profiles).
//! - [`monitor::MonitorActor`]: the registry of live connections and the
//!   totals since start-up; routes control messages (termination, a passed
//!   challenge, a profile reset) to the connections of a session or user.
//! - [`trainer::TrainerActor`]: trains the global model every
//!   `GLOBAL_TRAIN_INTERVAL_SECONDS` and on demand.
//!
//! Control messages also travel between instances: over PostgreSQL
//! `LISTEN`/`NOTIFY` ([`control`]), and each connection re-checks its
//! session in the database every few seconds (which covers SQLite too).

pub mod control;
pub mod models;
pub mod monitor;
pub mod protocol;
pub mod session;
pub mod trainer;
pub mod ws;

use actix::Addr;
use std::sync::Arc;

pub use control::ControlAction;
pub use models::GlobalModels;

/// Handles to the realtime machinery, shared by every request.
#[derive(Clone)]
pub struct Realtime {
    /// The registry.
    pub monitor: Addr<monitor::MonitorActor>,
    /// The trainer.
    pub trainer: Addr<trainer::TrainerActor>,
    /// The current global model.
    pub models: Arc<GlobalModels>,
    /// Scoring configuration (the library defaults).
    pub config: Arc<behavior_ml::Config>,
    /// Random id of this instance (to ignore its own notifications).
    pub instance_id: String,
}

/// Writes one `realtime_event` log line: `realtime_event kind=… key=value …`.
/// Values with spaces are quoted. Never pass tokens, passwords or key codes.
pub fn log_event(kind: &str, fields: &[(&str, String)]) {
    let mut line = format!("realtime_event kind={kind}");
    for (k, v) in fields {
        if v.is_empty() || v.contains(' ') || v.contains('"') || v.contains('=') {
            line.push_str(&format!(" {k}={v:?}"));
        } else {
            line.push_str(&format!(" {k}={v}"));
        }
    }
    log::info!("{line}");
}
