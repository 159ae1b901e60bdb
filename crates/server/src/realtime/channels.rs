//! What a connection actor sends out, each through its own ordered queue:
//! frames for the socket ([`Outgoing`], written by the transport's writer
//! task) and database writes ([`DbJob`], run one after the other by
//! [`run_jobs`], so a connection's windows, profiles and events are stored
//! in the order they happened without blocking the actor).

use crate::services::core::Services;
use crate::services::error::ServiceResult;
use std::sync::Arc;
use tokio::sync::{mpsc, Notify};
use workspace_persistence::DbConnection;

/// Frames a connection may have waiting for its socket. A client that stops
/// reading fills it; the connection is then closed with [`QUEUE_FULL_CLOSE`]
/// instead of growing the server's memory.
pub const OUTBOUND_CAPACITY: usize = 256;
/// Close code of a connection whose outbound queue overflowed.
pub const QUEUE_FULL_CLOSE: u16 = 4408;

/// The sending side of a connection's bounded outbound queue.
#[derive(Debug, Clone)]
pub struct Outbound {
    tx: mpsc::Sender<Outgoing>,
    overflow: Arc<Notify>,
}

/// The writer's side: frames in order, and the signal that the queue
/// overflowed.
#[derive(Debug)]
pub struct OutboundRx {
    /// Frames in the order they were queued.
    pub rx: mpsc::Receiver<Outgoing>,
    /// Notified when a frame could not be queued.
    pub overflow: Arc<Notify>,
}

/// A bounded outbound queue of [`OUTBOUND_CAPACITY`] frames.
pub fn outbound() -> (Outbound, OutboundRx) {
    let (tx, rx) = mpsc::channel(OUTBOUND_CAPACITY);
    let overflow = Arc::new(Notify::new());
    (
        Outbound {
            tx,
            overflow: overflow.clone(),
        },
        OutboundRx { rx, overflow },
    )
}

impl Outbound {
    /// Queues a frame without waiting; `false` when the connection is gone
    /// or its queue is full (the writer then closes it with 4408).
    pub fn send(&self, frame: Outgoing) -> bool {
        match self.tx.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.overflow.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

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
