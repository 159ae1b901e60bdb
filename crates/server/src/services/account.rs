//! The caller's own account and sessions: password change (the other
//! sessions end), account deletion (everything of the user erased), the
//! session list and revoke, token refresh within `SESSION_MAX_SECONDS`.

use super::accounts::{self, issue_token, SignedIn};
use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
use super::events::Event;
use super::live::Notice;
use super::sessions::{end_in, session_expired, EndSession};
use serde_json::json;
use workspace_auth::{password, Issue};
use workspace_domain::{EndReason, EventKind, Password, SessionId, Severity, Username};
use workspace_persistence::sessions::MonitoredSessionRow;
use workspace_persistence::{login_failures, sessions, users};

/// Checks `candidate` against the caller's password under the login
/// throttle: a wrong one counts as a failed sign-in of the username (401
/// `invalid_credentials`; 429 once throttled). Returns the user.
async fn check_password(
    svc: &Services,
    caller: &Caller,
    candidate: String,
    field: &'static str,
) -> ServiceResult<users::UserRow> {
    let key = Username::key_of(&caller.username);
    accounts::throttled_lookup(svc, &key, &caller.username).await?;
    let id = caller.id;
    let user = svc
        .read(move |conn| users::find_by_id(conn, id)?.ok_or_else(ServiceError::invalid_token))
        .await?;
    let hash = user.password_hash.clone();
    let ok = svc
        .blocking(move || password::verify_password(&candidate, &hash))
        .await?;
    if !ok {
        accounts::record_failure(svc, key, caller.username.clone(), Some(caller.id)).await?;
        return Err(ServiceError::invalid_credentials(format!(
            "{field}: the password is wrong."
        )));
    }
    Ok(user)
}

/// `POST /api/account/password`: a right `current` sets `new` and ends
/// every other live session of the user (reason `password_changed`, on
/// REST and websocket), all in one transaction.
pub async fn change_password(
    svc: &Services,
    caller: &Caller,
    current: String,
    new: Password,
) -> ServiceResult<usize> {
    let user = check_password(svc, caller, current, "current_password").await?;
    let cost = svc.policy().bcrypt_cost;
    let hash = svc
        .blocking(move || password::hash_password(&new, cost))
        .await??;
    let keep = caller.session_id;
    svc.write(move |work| {
        users::update_password_hash(work.conn(), user.id, &hash)?;
        let mut ended = 0;
        for session in sessions::list_active_for_user(work.conn(), user.id)? {
            if Some(session.id) == keep {
                continue;
            }
            if end_in(
                work,
                &EndSession::new(session.id, EndReason::PasswordChanged),
            )? {
                ended += 1;
            }
        }
        let mut event = Event::new(EventKind::PasswordChanged, Severity::Warning)
            .user(Some(user.id), &user.username)
            .detail(json!({ "sessions_ended": ended }));
        if let Some(sid) = keep {
            event = event.session(sid);
        }
        work.record(event)?;
        work.notify(Notice::AccountChanged { user_id: user.id })?;
        Ok(ended)
    })
    .await
}

/// `DELETE /api/account`: with the right password, ends the user's live
/// sessions (reason `account_deleted`) and deletes the user row, which
/// cascades to everything the user owns (projects and their tasks and the
/// rest, sessions, behaviour profiles, stored windows, revoked tokens).
/// Security events stay, with `user_id` NULL and the username kept (the
/// schema's `ON DELETE SET NULL`: the audit log outlives the account).
/// The last admin → 409 and nothing changes.
pub async fn delete_account(
    svc: &Services,
    caller: &Caller,
    candidate: String,
) -> ServiceResult<()> {
    let user = check_password(svc, caller, candidate, "password").await?;
    svc.write(move |work| {
        let mut ended = 0;
        for session in sessions::list_active_for_user(work.conn(), user.id)? {
            if end_in(
                work,
                &EndSession::new(session.id, EndReason::AccountDeleted),
            )? {
                ended += 1;
            }
        }
        work.record(
            Event::new(EventKind::AccountDeleted, Severity::Warning)
                .user(Some(user.id), &user.username)
                .detail(json!({ "sessions_ended": ended })),
        )?;
        match users::delete_unless_last_admin(work.conn(), user.id)? {
            users::Deletion::Deleted => {}
            users::Deletion::WouldRemoveLastAdmin => {
                return Err(ServiceError::conflict(
                    "This is the last admin account; make someone else admin first.",
                ))
            }
        }
        login_failures::clear(work.conn(), &user.username_key)?;
        work.notify(Notice::AccountChanged { user_id: user.id })?;
        Ok(())
    })
    .await
}

/// `GET /api/sessions`: the caller's monitored sessions, newest first.
pub async fn list_sessions(
    svc: &Services,
    caller: &Caller,
) -> ServiceResult<Vec<MonitoredSessionRow>> {
    let id = caller.id;
    svc.read(move |conn| Ok(sessions::list_for_user(conn, id)?))
        .await
}

/// `DELETE /api/sessions/{id}`: ends one of the caller's own sessions
/// (reason `revoked`); another user's or an unknown one → 404. An ended
/// one stays ended.
pub async fn revoke_session(svc: &Services, caller: &Caller, sid: SessionId) -> ServiceResult<()> {
    let id = caller.id;
    svc.write(move |work| {
        match sessions::get(work.conn(), sid)? {
            Some(s) if s.user_id == id => {}
            _ => return Err(ServiceError::not_found("session")),
        }
        end_in(work, &EndSession::new(sid, EndReason::Revoked))?;
        Ok(())
    })
    .await
}

/// `POST /api/token/refresh`: a fresh token for the same monitored session
/// (its current token generation), or for a plain token a fresh plain one
/// carrying the first sign-in time; refused with 401 `session_expired`
/// once `SESSION_MAX_SECONDS` have passed since the start.
pub async fn refresh(svc: &Services, caller: &Caller) -> ServiceResult<SignedIn> {
    let id = caller.id;
    let sid = caller.session_id;
    let (user, generation, started) = svc
        .read(move |conn| {
            let user = users::find_by_id(conn, id)?.ok_or_else(ServiceError::invalid_token)?;
            let session = match sid {
                Some(sid) => {
                    Some(sessions::get(conn, sid)?.ok_or_else(ServiceError::invalid_token)?)
                }
                None => None,
            };
            Ok((
                user,
                session
                    .as_ref()
                    .map_or(0, |s| i64::from(s.token_generation)),
                session.map(|s| s.created_at.and_utc().timestamp()),
            ))
        })
        .await?;
    let started = started.unwrap_or_else(|| caller.token.auth_time.unwrap_or(caller.token.iat));
    if started.saturating_add(svc.session_max_seconds()) < chrono::Utc::now().timestamp() {
        return Err(session_expired());
    }
    issue_token(
        svc,
        user,
        Issue {
            sid,
            gen: generation,
            auth_time: sid.is_none().then_some(started),
            not_after: None,
        },
    )
}
