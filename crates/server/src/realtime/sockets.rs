//! How many websockets each monitored session has open on this instance,
//! so that one session cannot open any number of sockets (each with its own
//! rate limit). A [`SocketSlot`] is held for a connection's life and gives
//! its place back when dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use workspace_domain::SessionId;

/// Open sockets per session, with the limit.
#[derive(Debug)]
pub struct SocketCounts {
    limit: usize,
    open: Mutex<HashMap<SessionId, usize>>,
}

/// One open socket of a session; dropping it frees the place.
#[derive(Debug)]
pub struct SocketSlot {
    counts: Arc<SocketCounts>,
    session: SessionId,
}

impl SocketCounts {
    /// At most `limit` sockets per session (at least one).
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A place for one more socket of `session`, or `None` at the limit.
    pub fn acquire(self: &Arc<Self>, session: SessionId) -> Option<SocketSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(session).or_insert(0);
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(SocketSlot {
            counts: self.clone(),
            session,
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self
            .counts
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.session) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_limited_and_given_back() {
        let counts = Arc::new(SocketCounts::new(2));
        let sid = SessionId::random();
        let a = counts.acquire(sid);
        let b = counts.acquire(sid);
        assert!(a.is_some() && b.is_some());
        assert!(counts.acquire(sid).is_none());
        assert!(counts.acquire(SessionId::random()).is_some());
        drop(a);
        assert!(counts.acquire(sid).is_some());
    }
}
