//! The registry of live connections and the totals since start-up. It
//! knows connections only as a [`Recipient`] of [`Apply`], so it does not
//! depend on the connection actor. Every [`REFRESH_EVERY`] it writes this
//! instance's rows and totals to the database ([`MonitorStore`]); a
//! [`Snapshot`] is this instance's registry plus the other instances' rows.

use super::monitor_store::{to_i64, MonitorStore, REFRESH_EVERY};
use crate::services::live::{LiveSession, LiveSnapshot, LiveTotals, Notice};
use actix::prelude::*;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use workspace_domain::{EndReason, SessionId, UserId};
use workspace_persistence::{live, now_utc, PersistenceError};

/// The registry actor.
pub struct MonitorActor {
    connections: HashMap<u64, Entry>,
    totals: LiveTotals,
    store: MonitorStore,
}

impl MonitorActor {
    /// A registry sharing its state through `store`.
    pub fn new(store: MonitorStore) -> Self {
        Self {
            connections: HashMap::new(),
            totals: LiveTotals::default(),
            store,
        }
    }

    fn refresh(&self) {
        let now = now_utc();
        let instance = self.store.instance_id();
        let rows = self
            .connections
            .iter()
            .map(|(id, e)| to_row(instance, *id, &e.row, now))
            .collect();
        let t = self.totals;
        self.store.refresh(
            rows,
            live::Totals {
                connections: to_i64(t.connections),
                packets_scored: to_i64(t.packets_scored),
                anomalies: to_i64(t.anomalies),
                terminations: to_i64(t.terminations),
            },
        );
    }
}

struct Entry {
    connection: Recipient<Apply>,
    user_id: UserId,
    row: LiveSession,
}

impl Actor for MonitorActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.refresh();
        ctx.run_interval(REFRESH_EVERY, |act, _| act.refresh());
    }
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
    /// Enrollment summary (one of a few constants: the row copies it only
    /// when it changed, not on every packet).
    pub profile_state: &'static str,
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

/// Read the registry of every instance.
#[derive(Message)]
#[rtype(result = "Result<LiveSnapshot, PersistenceError>")]
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
            if row.profile_state != m.profile_state {
                m.profile_state.clone_into(&mut row.profile_state);
            }
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
            Notice::ResetProfiles { user_id } | Notice::ProfilesLearnt { user_id } => {
                e.user_id == *user_id
            }
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
    type Result = ResponseFuture<Result<LiveSnapshot, PersistenceError>>;
    fn handle(&mut self, _: Snapshot, _: &mut Context<Self>) -> Self::Result {
        let mut sessions: Vec<LiveSession> =
            self.connections.values().map(|e| e.row.clone()).collect();
        let mut totals = self.totals;
        let store = self.store.clone();
        Box::pin(async move {
            let (rows, others) = store.others().await?;
            sessions.extend(rows.into_iter().filter_map(from_row));
            sessions.sort_by_key(|r| r.connected_at);
            let add = |n: i64| u64::try_from(n).unwrap_or(0);
            totals.connections += add(others.connections);
            totals.packets_scored += add(others.packets_scored);
            totals.anomalies += add(others.anomalies);
            totals.terminations += add(others.terminations);
            Ok(LiveSnapshot { sessions, totals })
        })
    }
}

fn to_row(instance: &str, conn_id: u64, r: &LiveSession, now: NaiveDateTime) -> live::SocketRow {
    live::SocketRow {
        instance_id: instance.to_owned(),
        conn_id: to_i64(conn_id),
        session_id: r.session_id.to_string(),
        username: r.username.clone(),
        connected_at: r.connected_at,
        last_packet_at: r.last_packet_at,
        packets: to_i64(r.packets),
        events: to_i64(r.events),
        last_score: r.last_score,
        max_score: r.max_score,
        level: r.level.to_owned(),
        profile_state: r.profile_state.clone(),
        refreshed_at: now,
    }
}

/// Another instance's row (`None` if it does not parse).
fn from_row(r: live::SocketRow) -> Option<LiveSession> {
    Some(LiveSession {
        session_id: r.session_id.parse().ok()?,
        username: r.username,
        connected_at: r.connected_at,
        last_packet_at: r.last_packet_at,
        packets: u64::try_from(r.packets).unwrap_or(0),
        events: u64::try_from(r.events).unwrap_or(0),
        last_score: r.last_score,
        max_score: r.max_score,
        level: match r.level.as_str() {
            "high" => "high",
            "medium" => "medium",
            _ => "low",
        },
        profile_state: r.profile_state,
    })
}
