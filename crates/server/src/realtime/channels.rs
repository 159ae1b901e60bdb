//! What a connection actor sends out, each through its own ordered queue:
//! frames for the socket ([`Outgoing`], written by the transport's writer
//! task) and database writes ([`DbJob`], run one after the other by
//! [`run_jobs`], so a connection's windows, profiles and events are stored
//! in the order they happened without blocking the actor).

use crate::services::core::Services;
use crate::services::error::ServiceResult;
use tokio::sync::mpsc;
use workspace_persistence::DbConnection;

/// What the writer task sends on the socket.
#[derive(Debug)]
pub enum Outgoing {
    /// A text message.
    Text(String),
    /// A ping.
    Ping,
    /// A pong answering the client's ping.
    Pong(Vec<u8>),
    /// Close with a code and reason.
    Close(u16, String),
}

/// Blocking database work queued in order for one connection.
pub type DbJob = Box<dyn FnOnce(&mut DbConnection) -> ServiceResult<()> + Send>;

/// Runs a connection's database writes in order until the queue closes.
pub async fn run_jobs(services: Services, mut rx: mpsc::UnboundedReceiver<DbJob>) {
    while let Some(job) = rx.recv().await {
        if let Err(e) = services.read(job).await {
            log::warn!("realtime database write failed: {e}");
        }
    }
}
