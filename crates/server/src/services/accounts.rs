//! Accounts: registration, sign-in (with the shared login throttle),
//! monitored sessions, the caller, role changes and the bootstrap admin.

use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
use super::events::{self, Event};
use super::live::Notice;
use super::origin::RequestOrigin;
use chrono::Utc;
use serde_json::json;
use workspace_auth::{password, Issue};
use workspace_domain::{
    Capability, Email, EventKind, Password, Role, SessionId, Severity, Username,
};
use workspace_persistence::{login_failures, sessions, users, Database, PersistenceError};

/// A validated registration.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Username.
    pub username: Username,
    /// Password.
    pub password: Password,
    /// E-mail address.
    pub email: Option<Email>,
}

/// What a sign-in sends: checked as typed (never validated, so that a
/// wrong one gets the same answer as any other).
#[derive(Clone)]
pub struct Credentials {
    /// The username, any case.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A successful sign-in: the user and a fresh token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user.
    pub user: users::UserRow,
    /// The access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// The monitored session the token is bound to (start-session only).
    pub session_id: Option<SessionId>,
}

/// `POST /api/register`: creates an account with role `user`.
pub async fn register(svc: &Services, new: NewAccount) -> ServiceResult<users::UserRow> {
    let cost = svc.policy().bcrypt_cost;
    let NewAccount {
        username,
        password,
        email,
    } = new;
    let hash = svc
        .blocking(move || password::hash_password(&password, cost))
        .await??;
    svc.write(move |work| {
        let created = users::create(
            work.conn(),
            &users::NewUser {
                username: username.as_str(),
                password_hash: &hash,
                email: email.as_ref().map(Email::as_str),
                role: Role::User,
            },
        )
        .map_err(|e| match e {
            PersistenceError::Conflict { .. } => {
                ServiceError::conflict("That username is taken; choose another.")
            }
            other => other.into(),
        })?;
        work.record(
            Event::new(EventKind::Register, Severity::Info)
                .user(Some(created.id), &created.username),
        )?;
        Ok(created)
    })
    .await
}

/// `POST /api/login`: checks the credentials and issues a token.
pub async fn login(svc: &Services, credentials: Credentials) -> ServiceResult<SignedIn> {
    let user = check_credentials(svc, credentials).await?;
    signed_in(svc, user, None)
}

/// `POST /api/start-session`: checks the credentials, opens a monitored
/// session and issues a token bound to it.
pub async fn start_session(svc: &Services, credentials: Credentials) -> ServiceResult<SignedIn> {
    let user = check_credentials(svc, credentials).await?;
    let sid = SessionId::random();
    let (user_id, name) = (user.id, user.username.clone());
    let origin = RequestOrigin::current().unwrap_or_default();
    svc.write(move |work| {
        sessions::create_from(
            work.conn(),
            sid,
            user_id,
            sessions::Origin {
                ip: origin.ip.as_deref(),
                user_agent: origin.user_agent.as_deref(),
            },
        )?;
        work.record(
            Event::new(EventKind::SessionStarted, Severity::Info)
                .user(Some(user_id), &name)
                .session(sid),
        )?;
        Ok(())
    })
    .await?;
    signed_in(svc, user, Some(sid))
}

fn signed_in(
    svc: &Services,
    user: users::UserRow,
    session_id: Option<SessionId>,
) -> ServiceResult<SignedIn> {
    issue_token(
        svc,
        user,
        Issue {
            sid: session_id,
            ..Issue::default()
        },
    )
}

/// Issues a token for `user` as `issue` says; `expires_in` is what is left
/// of it.
pub fn issue_token(svc: &Services, user: users::UserRow, issue: Issue) -> ServiceResult<SignedIn> {
    let (access_token, claims) = svc
        .jwt()
        .issue_with(user.id, &user.username, user.role, issue)?;
    Ok(SignedIn {
        user,
        access_token,
        expires_in: (claims.exp - claims.iat).max(0),
        session_id: issue.sid,
    })
}

/// Checks credentials under the throttle; returns the user on success.
/// Unknown users and wrong passwords get the same answer in the same time.
async fn check_credentials(
    svc: &Services,
    credentials: Credentials,
) -> ServiceResult<users::UserRow> {
    let Credentials { username, password } = credentials;
    let key = Username::key_of(&username);
    let user = throttled_lookup(svc, &key, &username).await?;
    let cost = svc.policy().bcrypt_cost;
    let (user, ok, rehashed) = svc
        .blocking(move || match user {
            Some(u) => {
                let ok = password::verify_password(&password, &u.password_hash);
                let rehashed = ok
                    .then(|| password::rehash_if_needed(&password, &u.password_hash, cost))
                    .flatten();
                (Some(u), ok, rehashed)
            }
            None => {
                password::verify_against_dummy(&password, cost);
                (None, false, None)
            }
        })
        .await?;
    match user {
        Some(user) if ok => {
            record_success(svc, key, &user, rehashed).await?;
            Ok(user)
        }
        user => {
            record_failure(svc, key, username, user.map(|u| u.id)).await?;
            Err(ServiceError::invalid_credentials(
                "The username or password is wrong.",
            ))
        }
    }
}

/// The user of `key` unless the username is throttled (then 429, with a
/// `login_throttled` event).
pub(crate) async fn throttled_lookup(
    svc: &Services,
    key: &str,
    username: &str,
) -> ServiceResult<Option<users::UserRow>> {
    let policy = svc.policy().throttle;
    let now = Utc::now();
    let since = policy.window_start(now).naive_utc();
    let (key, name) = (key.to_owned(), username.to_owned());
    let (user, retry_after) = svc
        .read(move |conn| {
            let window = login_failures::window_since(conn, &key, since)?;
            let oldest = window.oldest.map(|t| t.and_utc());
            if let Some(retry) = policy.retry_after(window.count, oldest, now) {
                let event = Event::new(EventKind::LoginThrottled, Severity::Warning)
                    .user(None, &name)
                    .detail(json!({ "failures": window.count, "retry_after_seconds": retry }));
                events::record(conn, &event)?;
                return Ok((None, Some(retry)));
            }
            Ok((users::find_by_username(conn, &key)?, None))
        })
        .await?;
    match retry_after {
        Some(retry) => Err(ServiceError::too_many_requests(
            retry,
            format!("Too many failed sign-ins for this username; try again in {retry} seconds."),
        )),
        None => Ok(user),
    }
}

/// Clears the failures, stores the `login_success` event and, when the
/// stored hash had another cost than `BCRYPT_COST`, the new hash.
async fn record_success(
    svc: &Services,
    key: String,
    user: &users::UserRow,
    rehashed: Option<String>,
) -> ServiceResult<()> {
    let (id, name) = (user.id, user.username.clone());
    svc.write(move |work| {
        login_failures::clear(work.conn(), &key)?;
        if let Some(hash) = &rehashed {
            users::update_password_hash(work.conn(), id, hash)?;
        }
        work.record(Event::new(EventKind::LoginSuccess, Severity::Info).user(Some(id), &name))?;
        Ok(())
    })
    .await
}

pub(crate) async fn record_failure(
    svc: &Services,
    key: String,
    username: String,
    user_id: Option<workspace_domain::UserId>,
) -> ServiceResult<()> {
    let since = svc.policy().throttle.window_start(Utc::now()).naive_utc();
    svc.write(move |work| {
        login_failures::record(work.conn(), &key, workspace_persistence::now_utc())?;
        // Failures older than the window no longer count anywhere.
        login_failures::prune_older_than(work.conn(), since)?;
        work.record(
            Event::new(EventKind::LoginFailed, Severity::Warning)
                .user(user_id, &username)
                .detail(json!({ "reason": "invalid_credentials" })),
        )?;
        Ok(())
    })
    .await
}

/// `GET /api/me`: the caller's account.
pub async fn me(svc: &Services, caller: &Caller) -> ServiceResult<users::UserRow> {
    let id = caller.id;
    svc.read(move |conn| {
        users::find_by_id(conn, id)?.ok_or_else(|| ServiceError::not_found("user"))
    })
    .await
}

/// `POST /api/admin/users/{username}/role` (admins): 404 unknown user, 409
/// when it would leave no admin; a real change records `role_changed`.
pub async fn change_role(
    svc: &Services,
    caller: &Caller,
    username: &str,
    new_role: Role,
) -> ServiceResult<users::UserRow> {
    caller.require(Capability::ChangeRoles)?;
    let key = Username::key_of(username);
    let by = caller.username.clone();
    svc.write(
        move |work| match users::change_role(work.conn(), &key, new_role) {
            Err(PersistenceError::NotFound) => Err(ServiceError::not_found("user")),
            Err(e) => Err(e.into()),
            Ok(users::RoleChange::WouldRemoveLastAdmin) => Err(ServiceError::conflict(
                "This is the last admin; make someone else admin first.",
            )),
            Ok(users::RoleChange::Changed {
                user,
                previous_role,
            }) => {
                if previous_role != new_role {
                    work.record(
                        Event::new(EventKind::RoleChanged, Severity::Warning)
                            .user(Some(user.id), &user.username)
                            .detail(json!({ "from": previous_role, "to": new_role, "by": by })),
                    )?;
                    work.notify(Notice::AccountChanged { user_id: user.id })?;
                }
                Ok(user)
            }
        },
    )
    .await
}

/// Creates the admin named by `BOOTSTRAP_ADMIN_USERNAME` /
/// `BOOTSTRAP_ADMIN_PASSWORD` at start-up unless that user exists (a
/// `register` event with `"bootstrap": true`). Blocking; runs before the
/// server listens. Another instance creating it at the same moment is not
/// an error.
pub fn bootstrap_admin(
    db: &Database,
    username: &str,
    password_text: &str,
    bcrypt_cost: u32,
) -> Result<(), String> {
    let username = Username::parse(username).map_err(|e| e.to_string())?;
    let password = Password::parse(password_text).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    if users::find_by_username(&mut conn, &username.key())
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(());
    }
    let hash = password::hash_password(&password, bcrypt_cost).map_err(|e| e.to_string())?;
    let new = users::NewUser {
        username: username.as_str(),
        password_hash: &hash,
        email: None,
        role: Role::Admin,
    };
    match users::create(&mut conn, &new) {
        Ok(user) => {
            log::info!("bootstrap admin created: {}", user.username);
            let event = Event::new(EventKind::Register, Severity::Info)
                .user(Some(user.id), &user.username)
                .detail(json!({ "bootstrap": true, "role": "admin" }));
            events::record(&mut conn, &event).map_err(|e| e.to_string())?;
            Ok(())
        }
        Err(PersistenceError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}
