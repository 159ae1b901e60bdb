//! The registry of live connections and the totals since start-up.

use super::{control::ControlAction, session::WsSession};
use crate::dto::{MonitorSession, MonitorTotals};
use actix::prelude::*;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use uuid::Uuid;

/// The registry actor.
#[derive(Default)]
pub struct MonitorActor {
    connections: HashMap<u64, Entry>,
    totals: MonitorTotals,
}

struct Entry {
    addr: Addr<WsSession>,
    user_id: i64,
    row: MonitorSession,
}

impl Actor for MonitorActor {
    type Context = Context<Self>;
}

/// A connection authenticated.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Connected {
    /// Connection id (unique per instance).
    pub conn_id: u64,
    /// Its actor.
    pub addr: Addr<WsSession>,
    /// Monitored session.
    pub session_id: Uuid,
    /// Owner id.
    pub user_id: i64,
    /// Owner name.
    pub username: String,
    /// When.
    pub connected_at: NaiveDateTime,
    /// Enrollment summary.
    pub profile_state: String,
}

/// A connection closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnected {
    /// Connection id.
    pub conn_id: u64,
}

/// Progress of a connection after a packet.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Progress {
    /// Connection id.
    pub conn_id: u64,
    /// When the packet arrived.
    pub at: NaiveDateTime,
    /// Whether a client packet arrived (false: windows closed by a timer).
    pub packet: bool,
    /// Events in the packet.
    pub events: u64,
    /// Window scores of the packet (`None`: learning mode).
    pub scores: Vec<Option<f64>>,
    /// Windows scored high.
    pub anomalies: u64,
    /// Session level after the packet.
    pub level: String,
    /// Enrollment summary.
    pub profile_state: String,
}

/// A session ended (counted in the totals when this instance ended it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Control {
    /// The session.
    pub session_id: Uuid,
    /// What to do.
    pub action: ControlAction,
    /// Count a termination in the totals.
    pub counted: bool,
}

/// Forget a user's profiles in their live connections.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ResetProfiles {
    /// The user.
    pub user_id: i64,
}

/// Read the registry.
#[derive(Message)]
#[rtype(result = "(Vec<MonitorSession>, MonitorTotals)")]
pub struct Snapshot;

impl Handler<Connected> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: Connected, _: &mut Context<Self>) {
        self.totals.connections += 1;
        self.connections.insert(
            m.conn_id,
            Entry {
                addr: m.addr,
                user_id: m.user_id,
                row: MonitorSession {
                    session_id: m.session_id.to_string(),
                    username: m.username,
                    connected_at: m.connected_at,
                    last_packet_at: None,
                    packets: 0,
                    events: 0,
                    last_score: None,
                    max_score: None,
                    level: "low".into(),
                    profile_state: m.profile_state,
                },
            },
        );
    }
}

impl Handler<Disconnected> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: Disconnected, _: &mut Context<Self>) {
        self.connections.remove(&m.conn_id);
    }
}

impl Handler<Progress> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: Progress, _: &mut Context<Self>) {
        self.totals.packets_scored += m.scores.len() as u64;
        self.totals.anomalies += m.anomalies;
        if let Some(e) = self.connections.get_mut(&m.conn_id) {
            let row = &mut e.row;
            row.packets += u64::from(m.packet);
            row.events += m.events;
            row.last_packet_at = Some(m.at);
            for s in m.scores.into_iter().flatten() {
                row.last_score = Some(s);
                row.max_score = Some(row.max_score.map_or(s, |x| x.max(s)));
            }
            row.level = m.level;
            row.profile_state = m.profile_state;
        }
    }
}

impl Handler<Control> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: Control, _: &mut Context<Self>) {
        let sid = m.session_id.to_string();
        if m.counted && matches!(m.action, ControlAction::Terminate { .. }) {
            self.totals.terminations += 1;
        }
        for e in self
            .connections
            .values()
            .filter(|e| e.row.session_id == sid)
        {
            e.addr.do_send(super::session::Apply(m.action.clone()));
        }
    }
}

impl Handler<ResetProfiles> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: ResetProfiles, _: &mut Context<Self>) {
        for e in self.connections.values().filter(|e| e.user_id == m.user_id) {
            e.addr.do_send(super::session::ResetProfile);
        }
    }
}

impl Handler<Snapshot> for MonitorActor {
    type Result = MessageResult<Snapshot>;
    fn handle(&mut self, _: Snapshot, _: &mut Context<Self>) -> Self::Result {
        let mut rows: Vec<MonitorSession> = self
            .connections
            .values()
            .map(|e| MonitorSession {
                session_id: e.row.session_id.clone(),
                username: e.row.username.clone(),
                connected_at: e.row.connected_at,
                last_packet_at: e.row.last_packet_at,
                packets: e.row.packets,
                events: e.row.events,
                last_score: e.row.last_score,
                max_score: e.row.max_score,
                level: e.row.level.clone(),
                profile_state: e.row.profile_state.clone(),
            })
            .collect();
        rows.sort_by_key(|r| r.connected_at);
        let t = &self.totals;
        MessageResult((
            rows,
            MonitorTotals {
                connections: t.connections,
                packets_scored: t.packets_scored,
                anomalies: t.anomalies,
                terminations: t.terminations,
            },
        ))
    }
}
