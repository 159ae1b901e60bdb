//! How many websockets each monitored session has open on all instances,
//! so that one session cannot open any number of sockets (each with its own
//! rate limit). The count is the session's rows in the shared monitor table
//! ([`MonitorStore`]): a socket's row is written when it is accepted and
//! deleted when it closes, so every instance sees it at once. A
//! [`SocketSlot`] is held for a connection's life and gives its place back
//! when dropped.

use super::monitor_store::MonitorStore;
use workspace_domain::SessionId;
use workspace_persistence::PersistenceError;

/// The per-session socket limit over all instances.
pub struct SocketCounts {
    limit: usize,
    store: MonitorStore,
}

/// One open socket of a session; dropping it frees the place.
pub struct SocketSlot {
    store: MonitorStore,
    conn_id: u64,
}

impl SocketCounts {
    /// At most `limit` sockets per session (at least one).
    pub fn new(limit: usize, store: MonitorStore) -> Self {
        Self {
            limit: limit.max(1),
            store,
        }
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A place for socket `conn_id` of `session`, or `Ok(None)` at the
    /// limit; an error when the database cannot answer.
    pub async fn acquire(
        &self,
        session: SessionId,
        conn_id: u64,
        username: &str,
    ) -> Result<Option<SocketSlot>, PersistenceError> {
        let granted = self
            .store
            .claim(
                conn_id,
                session.to_string(),
                username.to_owned(),
                self.limit,
            )
            .await?;
        Ok(granted.then(|| SocketSlot {
            store: self.store.clone(),
            conn_id,
        }))
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.store.release(self.conn_id);
    }
}
