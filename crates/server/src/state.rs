//! What the running application holds: the services every handler and
//! connection uses, the realtime context of the websocket endpoint, and the
//! configuration.

use crate::config::Settings;
use crate::realtime::context::RealtimeContext;
use crate::services::core::Services;
use std::sync::Arc;

/// Built by [`crate::app::build_state`] before the server listens.
#[derive(Clone)]
pub struct AppState {
    /// Services.
    pub services: Services,
    /// The realtime actors and the global model.
    pub realtime: RealtimeContext,
    /// Configuration.
    pub settings: Arc<Settings>,
}
