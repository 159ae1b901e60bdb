//! The registry of live connections and the totals since start-up. It
//! knows connections only as a [`Recipient`] of [`Apply`], so it does not
//! depend on the connection actor.

use crate::services::live::{LiveSession, LiveSnapshot, LiveTotals, Notice};
use actix::prelude::*;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use workspace_domain::{EndReason, SessionId, UserId};

/// The registry actor.
#[derive(Default)]
pub struct MonitorActor {
    connections: HashMap<u64, Entry>,
    totals: LiveTotals,
}

struct Entry {
    connection: Recipient<Apply>,
    user_id: UserId,
    row: LiveSession,
}

impl Actor for MonitorActor {
    type Context = Context<Self>;
}

/// A notice for one connection (sent by the monitor, handled by the
/// connection actor).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Apply(pub Notice);

/// A connection authenticated.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Connected {
    /// Connection id (unique per instance).
    pub conn_id: u64,
    /// Where notices for it go.
    pub connection: Recipient<Apply>,
    /// Monitored session.
    pub session_id: SessionId,
    /// Owner id.
    pub user_id: UserId,
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

/// Progress of a connection after a packet (or windows closed by a timer).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Progress {
    /// Connection id.
    pub conn_id: u64,
    /// When.
    pub at: NaiveDateTime,
    /// Whether a client packet arrived (false: windows closed by a timer).
    pub packet: bool,
    /// Events in the packet.
    pub events: u64,
    /// Window scores (`None`: learning mode).
    pub scores: Vec<Option<f64>>,
    /// Windows scored high.
    pub anomalies: u64,
    /// Session level after the packet.
    pub level: &'static str,
    /// Enrollment summary.
    pub profile_state: String,
}

/// A committed change for this instance's connections (from the hub).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver {
    /// What happened.
    pub notice: Notice,
    /// Count a termination in the totals (this instance ended it).
    pub counted: bool,
}

/// Read the registry.
#[derive(Message)]
#[rtype(result = "LiveSnapshot")]
pub struct Snapshot;

impl Handler<Connected> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: Connected, _: &mut Context<Self>) {
        self.totals.connections += 1;
        let row = LiveSession {
            session_id: m.session_id,
            username: m.username,
            connected_at: m.connected_at,
            last_packet_at: None,
            packets: 0,
            events: 0,
            last_score: None,
            max_score: None,
            level: "low",
            profile_state: m.profile_state,
        };
        let entry = Entry {
            connection: m.connection,
            user_id: m.user_id,
            row,
        };
        self.connections.insert(m.conn_id, entry);
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

impl Handler<Deliver> for MonitorActor {
    type Result = ();
    fn handle(&mut self, m: Deliver, _: &mut Context<Self>) {
        let reaches = |e: &Entry| match &m.notice {
            Notice::Terminate { session_id, .. } | Notice::ChallengePassed { session_id } => {
                e.row.session_id == *session_id
            }
            Notice::ResetProfiles { user_id } => e.user_id == *user_id,
            Notice::AccountChanged { .. } => false,
        };
        if m.counted && is_termination(&m.notice) {
            self.totals.terminations += 1;
        }
        for e in self.connections.values().filter(|e| reaches(e)) {
            e.connection.do_send(Apply(m.notice.clone()));
        }
    }
}

fn is_termination(notice: &Notice) -> bool {
    matches!(notice, Notice::Terminate { reason, .. } if EndReason::is_termination(*reason))
}

impl Handler<Snapshot> for MonitorActor {
    type Result = MessageResult<Snapshot>;
    fn handle(&mut self, _: Snapshot, _: &mut Context<Self>) -> Self::Result {
        let mut sessions: Vec<LiveSession> =
            self.connections.values().map(|e| e.row.clone()).collect();
        sessions.sort_by_key(|r| r.connected_at);
        MessageResult(LiveSnapshot {
            sessions,
            totals: self.totals,
        })
    }
}
