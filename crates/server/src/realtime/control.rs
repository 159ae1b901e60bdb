//! Session control across connections and instances.

use super::{log_event, monitor::Control, Realtime};
use serde::{Deserialize, Serialize};
use std::{thread, time::Duration};
use uuid::Uuid;
use workspace_persistence::{
    notify::{self, Listener, SESSION_CHANNEL},
    DatabaseTarget, DbConnection,
};

/// What to do with the live connections of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ControlAction {
    /// End it: send `terminated` and close with 4403.
    Terminate {
        /// `admin`, `anomaly`, `challenge_failed`, `logout`…
        reason: String,
    },
    /// The owner answered the challenge.
    ChallengePassed,
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: String,
    session_id: Uuid,
    #[serde(flatten)]
    action: ControlAction,
}

impl Realtime {
    /// Applies `action` to this instance's connections of `session_id` now;
    /// call [`Realtime::publish`] inside the database transaction that
    /// records the change so other instances hear of it too.
    pub fn control_local(&self, session_id: Uuid, action: ControlAction, counted: bool) {
        self.monitor.do_send(Control {
            session_id,
            action,
            counted,
        });
    }

    /// Tells other instances (PostgreSQL only; delivered on commit).
    pub fn publish(
        &self,
        conn: &mut DbConnection,
        session_id: Uuid,
        action: &ControlAction,
    ) -> Result<(), crate::error::ApiError> {
        let payload = serde_json::to_string(&Envelope {
            origin: self.instance_id.clone(),
            session_id,
            action: action.clone(),
        })
        .map_err(crate::error::ApiError::internal)?;
        notify::publish(conn, SESSION_CHANNEL, &payload)?;
        Ok(())
    }

    /// Ends a monitored session inside the caller's transaction: marks it
    /// ended, records `session_terminated` (and `anomaly_blocked` for
    /// `reason == "anomaly"`) with the risk, and tells other instances.
    /// Returns whether this call ended it; when it did, call
    /// [`Realtime::terminated`] after the commit.
    pub fn end_session(
        &self,
        conn: &mut DbConnection,
        session_id: Uuid,
        owner: (i64, &str),
        reason: &str,
        risk: Option<f64>,
        mut detail: serde_json::Value,
    ) -> Result<bool, crate::error::ApiError> {
        use crate::security::{Event, Severity};
        if !workspace_persistence::sessions::end(conn, &session_id.to_string(), reason)? {
            return Ok(false);
        }
        let (user_id, username) = owner;
        if reason == "anomaly" {
            Event::new("anomaly_blocked", Severity::Critical)
                .user(Some(user_id), username)
                .session(session_id)
                .risk(risk)
                .detail(serde_json::json!({ "session_risk": risk }))
                .record(conn)?;
        }
        detail["reason"] = serde_json::json!(reason);
        Event::new("session_terminated", Severity::Critical)
            .user(Some(user_id), username)
            .session(session_id)
            .risk(risk)
            .detail(detail)
            .record(conn)?;
        self.publish(
            conn,
            session_id,
            &ControlAction::Terminate {
                reason: reason.to_owned(),
            },
        )?;
        Ok(true)
    }

    /// After [`Realtime::end_session`] committed: closes this instance's
    /// connections of the session and counts the termination.
    pub fn terminated(&self, session_id: Uuid, reason: &str) {
        self.control_local(
            session_id,
            ControlAction::Terminate {
                reason: reason.to_owned(),
            },
            true,
        );
    }

    /// Starts the listener thread for PostgreSQL targets (nothing for SQLite):
    /// notifications from other instances become local control messages.
    pub fn spawn_listener(&self, target: DatabaseTarget) {
        if !matches!(target, DatabaseTarget::Postgres(_)) {
            return;
        }
        let rt = self.clone();
        let spawned = thread::Builder::new()
            .name("session-listener".into())
            .spawn(move || listen_forever(&rt, &target));
        if let Err(e) = spawned {
            log::error!("cannot start the session listener: {e}");
        }
    }
}

fn listen_forever(rt: &Realtime, target: &DatabaseTarget) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match Listener::connect(target, SESSION_CHANNEL) {
            Ok(Some(mut listener)) => {
                log_event("listener", &[("status", "listening".into())]);
                backoff = Duration::from_millis(500);
                loop {
                    match listener.poll() {
                        Ok(payloads) => {
                            for p in payloads {
                                deliver(rt, &p);
                            }
                        }
                        Err(e) => {
                            log::warn!("session listener lost its connection: {e}");
                            break;
                        }
                    }
                    if !rt.monitor.connected() {
                        return;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
            Ok(None) => return,
            Err(e) => log::warn!("session listener cannot connect: {e}"),
        }
        if !rt.monitor.connected() {
            return;
        }
        thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

fn deliver(rt: &Realtime, payload: &str) {
    match serde_json::from_str::<Envelope>(payload) {
        Ok(env) if env.origin == rt.instance_id => {}
        Ok(env) => {
            log_event(
                "control_received",
                &[
                    ("session", env.session_id.to_string()),
                    ("origin", env.origin),
                ],
            );
            rt.control_local(env.session_id, env.action, false);
        }
        Err(e) => log::warn!("ignoring a malformed session notification: {e}"),
    }
}
