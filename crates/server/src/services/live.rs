//! The port between services and the live connections of this instance.
//!
//! Services decide *what* live sockets must be told ([`Notice`]); the
//! realtime layer implements [`LiveSessions`] to tell them. Notices raised
//! in a [`UnitOfWork`](super::unit_of_work::UnitOfWork) also travel to the
//! other instances (PostgreSQL `NOTIFY`, see [`super::notify`]) and are
//! delivered here with [`Origin::Remote`].

use super::error::ServiceResult;
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use workspace_domain::{EndReason, SessionId, UserId};

/// What live connections must be told after a change committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Notice {
    /// The session ended: send `terminated` and close (4403).
    Terminate {
        /// The session.
        session_id: SessionId,
        /// Why.
        reason: EndReason,
    },
    /// The owner answered the session's challenge.
    ChallengePassed {
        /// The session.
        session_id: SessionId,
    },
    /// The user's behaviour profiles were deleted: enroll afresh.
    ResetProfiles {
        /// The user.
        user_id: UserId,
    },
    /// An analyst said a flagged session was the owner's and the stored
    /// profiles learnt its windows: live connections reload them.
    ProfilesLearnt {
        /// The user.
        user_id: UserId,
    },
    /// The account's role changed, it was deleted, its password changed or
    /// one of its plain tokens was signed out: what authentication cached
    /// about the user is stale (no connection is told anything).
    AccountChanged {
        /// The user.
        user_id: UserId,
    },
}

/// Where a notice comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A change made by this instance (counted in this monitor's totals).
    Local,
    /// Another instance's change, heard over `NOTIFY`.
    Remote,
}

/// One live connection as the monitor shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSession {
    /// The monitored session.
    pub session_id: SessionId,
    /// Its owner.
    pub username: String,
    /// When the websocket authenticated.
    pub connected_at: NaiveDateTime,
    /// The last behaviour packet.
    pub last_packet_at: Option<NaiveDateTime>,
    /// Packets received.
    pub packets: u64,
    /// Events received.
    pub events: u64,
    /// Latest window score.
    pub last_score: Option<f64>,
    /// Highest window score.
    pub max_score: Option<f64>,
    /// `low`, `medium` or `high` session risk.
    pub level: &'static str,
    /// Enrollment per modality, e.g. `keystroke:trained mouse:enrolling`.
    pub profile_state: String,
}

/// Counters since start-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveTotals {
    /// Websocket connections accepted.
    pub connections: u64,
    /// Windows scored.
    pub packets_scored: u64,
    /// Windows scored high.
    pub anomalies: u64,
    /// Sessions terminated by this instance.
    pub terminations: u64,
}

/// The live connections of this instance and its totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveSnapshot {
    /// Connections, oldest first.
    pub sessions: Vec<LiveSession>,
    /// Totals.
    pub totals: LiveTotals,
}

/// The realtime side, as services see it.
pub trait LiveSessions: Send + Sync {
    /// Tells this instance's connections about a committed change.
    fn deliver(&self, notice: &Notice, origin: Origin);
    /// The registry of live connections.
    fn snapshot(&self) -> LocalBoxFuture<'static, ServiceResult<LiveSnapshot>>;
    /// Starts a global model training now (`requested_by`: who asked).
    fn train_now(&self, requested_by: String);
    /// Whether the realtime machinery still runs (background threads stop
    /// when it does not).
    fn running(&self) -> bool;
}
