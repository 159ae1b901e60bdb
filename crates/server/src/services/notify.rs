//! Notices across instances: published with PostgreSQL `NOTIFY` inside the
//! transaction that makes the change (so they are sent on commit and never
//! for a rolled-back change), heard by a listener thread per instance. On
//! SQLite (one instance) publishing is a no-op and there is no listener;
//! connections also re-check their session every few seconds.

use super::error::{ServiceError, ServiceResult};
use super::live::{LiveSessions, Notice, Origin};
use crate::realtime_log::log_event;
use serde::{Deserialize, Serialize};
use std::{sync::Arc, thread, time::Duration};
use workspace_persistence::{
    notify::{self, Listener, SESSION_CHANNEL},
    DatabaseTarget, DbConnection,
};

/// A notice on the wire, tagged with the instance that sent it.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: String,
    #[serde(flatten)]
    notice: Notice,
}

/// Sends `notice` to the other instances when the current transaction
/// commits (PostgreSQL; nothing on SQLite).
pub fn publish(conn: &mut DbConnection, origin: &str, notice: &Notice) -> ServiceResult<()> {
    let payload = serde_json::to_string(&Envelope {
        origin: origin.to_owned(),
        notice: notice.clone(),
    })
    .map_err(ServiceError::internal)?;
    notify::publish(conn, SESSION_CHANNEL, &payload)?;
    Ok(())
}

/// Starts the listener thread for PostgreSQL targets (nothing for SQLite):
/// other instances' notices are delivered to `live` as [`Origin::Remote`].
/// The thread ends when `live` stops running.
pub fn spawn_listener(target: DatabaseTarget, instance_id: String, live: Arc<dyn LiveSessions>) {
    if !matches!(target, DatabaseTarget::Postgres(_)) {
        return;
    }
    let spawned = thread::Builder::new()
        .name("session-listener".into())
        .spawn(move || listen_forever(&target, &instance_id, live.as_ref()));
    if let Err(e) = spawned {
        log::error!("cannot start the session listener: {e}");
    }
}

const POLL_EVERY: Duration = Duration::from_millis(100);
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

fn listen_forever(target: &DatabaseTarget, instance_id: &str, live: &dyn LiveSessions) {
    let mut backoff = FIRST_BACKOFF;
    while live.running() {
        match Listener::connect(target, SESSION_CHANNEL) {
            Ok(Some(mut listener)) => {
                log_event("listener", &[("status", "listening".into())]);
                backoff = FIRST_BACKOFF;
                poll_until_lost(&mut listener, instance_id, live);
            }
            Ok(None) => return,
            Err(e) => log::warn!("session listener cannot connect: {e}"),
        }
        if !live.running() {
            return;
        }
        thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Delivers what arrives until the connection is lost or `live` stops.
fn poll_until_lost(listener: &mut Listener, instance_id: &str, live: &dyn LiveSessions) {
    while live.running() {
        match listener.poll() {
            Ok(payloads) => {
                for p in payloads {
                    deliver(&p, instance_id, live);
                }
            }
            Err(e) => {
                log::warn!("session listener lost its connection: {e}");
                return;
            }
        }
        thread::sleep(POLL_EVERY);
    }
}

fn deliver(payload: &str, instance_id: &str, live: &dyn LiveSessions) {
    match serde_json::from_str::<Envelope>(payload) {
        Ok(env) if env.origin == instance_id => {}
        Ok(env) => {
            let (kind, about) = match &env.notice {
                Notice::Terminate { session_id, .. } => ("terminate", session_id.to_string()),
                Notice::ChallengePassed { session_id } => {
                    ("challenge_passed", session_id.to_string())
                }
                Notice::ResetProfiles { user_id } => ("reset_profiles", format!("user:{user_id}")),
                Notice::ProfilesLearnt { user_id } => {
                    ("profiles_learnt", format!("user:{user_id}"))
                }
                Notice::AccountChanged { user_id } => {
                    ("account_changed", format!("user:{user_id}"))
                }
            };
            log_event(
                "control_received",
                &[
                    ("notice", kind.into()),
                    ("about", about),
                    ("origin", env.origin),
                ],
            );
            live.deliver(&env.notice, Origin::Remote);
        }
        Err(e) => log::warn!("ignoring a malformed session notification: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_domain::{EndReason, SessionId, UserId};

    #[test]
    fn envelopes_round_trip() {
        for notice in [
            Notice::Terminate {
                session_id: SessionId::random(),
                reason: EndReason::Admin,
            },
            Notice::ChallengePassed {
                session_id: SessionId::random(),
            },
            Notice::ResetProfiles {
                user_id: UserId::new(7),
            },
            Notice::AccountChanged {
                user_id: UserId::new(7),
            },
            Notice::ProfilesLearnt {
                user_id: UserId::new(7),
            },
        ] {
            let text = serde_json::to_string(&Envelope {
                origin: "a".into(),
                notice: notice.clone(),
            })
            .unwrap();
            let back: Envelope = serde_json::from_str(&text).unwrap();
            assert_eq!(back.notice, notice);
            assert!(text.len() < 8000);
        }
    }
}
