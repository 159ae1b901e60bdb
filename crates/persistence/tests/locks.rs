//! Cluster locks: one holder at a time on PostgreSQL, released on return.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use workspace_persistence::locks::{keys, with_lock};
use workspace_persistence::testing::TestDb;
use workspace_persistence::{Backend, PersistenceError};

#[test]
fn a_held_lock_is_refused_elsewhere_and_released_after() {
    for test_db in TestDb::all() {
        let db = test_db.database();
        let mut first = db.conn().unwrap();
        let mut second = db.conn().unwrap();
        let inner = with_lock(&mut first, keys::GLOBAL_TRAINING, || {
            with_lock(&mut second, keys::GLOBAL_TRAINING, || {
                Ok::<_, PersistenceError>("ran")
            })
        })
        .unwrap()
        .expect("the first holder runs");
        match test_db.backend() {
            Backend::Postgres => assert_eq!(inner, None, "second holder must be refused"),
            Backend::Sqlite => assert_eq!(inner, Some("ran")),
        }
        // Released: the second connection gets it now, also after an error.
        let failed = with_lock(&mut first, keys::GLOBAL_TRAINING, || {
            Err::<(), _>(PersistenceError::NotFound)
        });
        assert!(failed.is_err());
        let again = with_lock(&mut second, keys::GLOBAL_TRAINING, || {
            Ok::<_, PersistenceError>(1)
        })
        .unwrap();
        assert_eq!(again, Some(1));
    }
}
