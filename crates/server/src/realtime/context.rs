//! What the realtime layer needs: [`RealtimeContext`] for the websocket
//! endpoint (shared by every request) and the narrow [`ConnectionContext`]
//! a connection actor gets — services, the global model, the scoring
//! configuration and the monitor, not the whole application state.

use super::models::GlobalModels;
use super::monitor::MonitorActor;
use super::sockets::SocketCounts;
use crate::services::core::Services;
use actix::Addr;
use std::sync::Arc;

/// Shared by every websocket request of this instance.
#[derive(Clone)]
pub struct RealtimeContext {
    /// The current global model.
    pub models: Arc<GlobalModels>,
    /// Scoring configuration (the library defaults).
    pub config: Arc<behavior_ml::Config>,
    /// The registry of live connections.
    pub monitor: Addr<MonitorActor>,
    /// Origins allowed to open the websocket besides the server's own
    /// (`ALLOWED_ORIGINS`; `*` for any).
    pub allowed_origins: Arc<Vec<String>>,
    /// Open sockets per monitored session (`WS_MAX_SOCKETS_PER_SESSION`).
    pub sockets: Arc<SocketCounts>,
}

impl RealtimeContext {
    /// The context of one connection.
    pub fn connection(&self, services: Services) -> ConnectionContext {
        ConnectionContext {
            services,
            models: self.models.clone(),
            config: self.config.clone(),
            monitor: self.monitor.clone(),
        }
    }
}

/// What one connection actor may use.
#[derive(Clone)]
pub struct ConnectionContext {
    /// Services (ending the session, storing windows and profiles, events).
    pub services: Services,
    /// The current global model.
    pub models: Arc<GlobalModels>,
    /// Scoring configuration.
    pub config: Arc<behavior_ml::Config>,
    /// The registry, told about connects, progress and disconnects.
    pub monitor: Addr<MonitorActor>,
}
