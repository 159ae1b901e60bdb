//! Cross-instance notifications: PostgreSQL LISTEN/NOTIFY, no-ops on SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use workspace_persistence::notify::{self, Listener, SESSION_CHANNEL};
use workspace_persistence::testing::TestDb;
use workspace_persistence::{PersistenceError, Result};

/// Polls until `n` payloads arrived or two seconds passed.
fn receive(listener: &mut Listener, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        got.extend(listener.poll().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    got
}

#[test]
fn sqlite_has_no_listener_and_publish_is_a_no_op() {
    let db = TestDb::sqlite();
    assert!(Listener::connect(&db.target(), SESSION_CHANNEL)
        .unwrap()
        .is_none());
    db.database()
        .run(|c| notify::publish(c, SESSION_CHANNEL, "hello"))
        .unwrap();
}

#[test]
fn postgres_delivers_committed_notifications_only() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let mut listener = Listener::connect(&db.target(), SESSION_CHANNEL)
        .unwrap()
        .expect("a PostgreSQL target has a listener");
    assert!(listener.poll().unwrap().is_empty());
    let database = db.database();

    database
        .run(|c| notify::publish(c, SESSION_CHANNEL, r#"{"ended":"s-1"}"#))
        .unwrap();
    assert_eq!(receive(&mut listener, 1), [r#"{"ended":"s-1"}"#]);

    // Rolled back: never delivered. Committed: delivered once, in order.
    let rolled_back: Result<()> = database.transaction(|c| {
        notify::publish(c, SESSION_CHANNEL, "lost")?;
        Err(PersistenceError::NotFound)
    });
    assert!(rolled_back.is_err());
    database
        .transaction(|c| -> Result<()> {
            notify::publish(c, SESSION_CHANNEL, "a")?;
            notify::publish(c, SESSION_CHANNEL, "b")?;
            Ok(())
        })
        .unwrap();
    assert_eq!(receive(&mut listener, 2), ["a", "b"]);

    // Other channels are not received.
    database
        .run(|c| notify::publish(c, "some_other_channel", "x"))
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(listener.poll().unwrap().is_empty());
}

#[test]
fn channel_names_are_validated() {
    let db = TestDb::postgres();
    let Some(db) = db else {
        return;
    };
    let err = Listener::connect(&db.target(), "bad; DROP TABLE users").unwrap_err();
    assert!(matches!(err, PersistenceError::Config(_)), "{err:?}");
}
