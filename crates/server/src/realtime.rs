//! Live behavioural sessions as seen by the realtime monitor.
//!
//! This module keeps the registry that `GET /api/realtime-monitor` reads.

use crate::dto::{MonitorSession, MonitorTotals};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};
use uuid::Uuid;

#[derive(Default)]
struct Inner {
    sessions: HashMap<Uuid, MonitorSession>,
    totals: MonitorTotals,
}

/// The registry of live sessions and the totals since start-up.
#[derive(Clone, Default)]
pub struct Monitor {
    inner: Arc<Mutex<Inner>>,
}

impl Monitor {
    /// The live sessions (oldest connection first) and the totals.
    pub fn snapshot(&self) -> (Vec<MonitorSession>, MonitorTotals) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut sessions: Vec<MonitorSession> = inner
            .sessions
            .values()
            .map(|s| MonitorSession {
                session_id: s.session_id.clone(),
                username: s.username.clone(),
                connected_at: s.connected_at,
                last_packet_at: s.last_packet_at,
                packets: s.packets,
                events: s.events,
                last_score: s.last_score,
                max_score: s.max_score,
                level: s.level.clone(),
                profile_state: s.profile_state.clone(),
            })
            .collect();
        sessions.sort_by_key(|s| s.connected_at);
        let t = &inner.totals;
        (
            sessions,
            MonitorTotals {
                connections: t.connections,
                packets_scored: t.packets_scored,
                anomalies: t.anomalies,
                terminations: t.terminations,
            },
        )
    }

    /// A session was ended outside the websocket (logout, admin); live
    /// connections of it are told and closed.
    pub fn end_session(&self, session_id: Uuid, reason: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.sessions.remove(&session_id).is_some() && reason != "logout" {
            inner.totals.terminations += 1;
        }
    }
}
