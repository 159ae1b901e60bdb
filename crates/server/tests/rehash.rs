//! Raising `BCRYPT_COST` reaches stored hashes: a successful sign-in
//! rehashes a password whose hash has another cost, so a wrong password
//! for an existing user costs as long as one for an unknown user (issue 13).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use workspace_auth::password;
use workspace_domain::Password;
use workspace_persistence::users;

both_backends!(a_sign_in_rehashes_a_hash_of_another_cost);

fn stored_hash(app: &TestApp, name: &str) -> String {
    let db = app.db.database();
    db.run(|c| users::find_by_username(c, name))
        .unwrap()
        .unwrap()
        .password_hash
}

async fn a_sign_in_rehashes_a_hash_of_another_cost(app: TestApp) {
    // The test server hashes with cost 4.
    app.register("rhea", "password-123").await;
    assert_eq!(password::hash_cost(&stored_hash(&app, "rhea")), Some(4));
    // A hash made under an older, different cost.
    let old = password::hash_password(&Password::parse("password-123").unwrap(), 5).unwrap();
    let db = app.db.database();
    let id = db
        .run(|c| users::find_by_username(c, "rhea"))
        .unwrap()
        .unwrap()
        .id;
    db.run(|c| users::update_password_hash(c, id, &old))
        .unwrap();
    // A wrong password changes nothing.
    let (s, _) = app
        .post(
            "/api/login",
            None,
            serde_json::json!({"username": "rhea", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(s.as_u16(), 401);
    assert_eq!(stored_hash(&app, "rhea"), old);
    // The right one signs in and stores a hash of the configured cost.
    app.login("rhea", "password-123").await;
    let new = stored_hash(&app, "rhea");
    assert_ne!(new, old);
    assert_eq!(password::hash_cost(&new), Some(4));
    assert!(password::verify_password("password-123", &new));
    app.login("rhea", "password-123").await;
    assert_eq!(
        stored_hash(&app, "rhea"),
        new,
        "no rehash at the right cost"
    );
}
