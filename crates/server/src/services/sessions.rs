//! Sessions: who a token belongs to, and ending a monitored session — one
//! function whoever asks (logout, an analyst, the anomaly detector, a
//! failed or timed-out challenge; later a password change, an account
//! deletion, a revoke).

use super::caller::{Caller, TokenFacts};
use super::caller_cache::{CacheKey, CallerFacts};
use super::core::Services;
use super::error::{ErrorCode, ServiceError, ServiceResult};
use super::events::Event;
use super::live::Notice;
use super::unit_of_work::UnitOfWork;
use serde_json::json;
use workspace_auth::password;
use workspace_domain::{Capability, EndReason, EventKind, SessionId, Severity, UserId};
use workspace_persistence::{revoked_tokens, sessions, users, DbConnection};

/// Verifies a token and loads the caller — the one path of REST requests
/// and websocket authentication. The user (role, existence) and a monitored
/// session (`session_terminated` once ended, the token generation) come from
/// the database, or from this instance's [`CallerCache`](super::caller_cache::CallerCache) when it read them
/// less than [`MAX_AGE`](super::caller_cache::MAX_AGE) ago and no notice has changed them
/// since: a role change, termination, revoke, password change, sign-out or
/// deleted account takes effect on the next request here, and on other
/// instances as soon as the notice arrives.
pub async fn authenticate(svc: &Services, token: &str) -> ServiceResult<Caller> {
    let claims = svc.jwt().verify(token)?;
    let user_id = claims.user_id().ok_or_else(ServiceError::invalid_token)?;
    let session_id = claims.session_id()?;
    let facts = TokenFacts {
        jti: claims.jti,
        iat: claims.iat,
        exp: claims.exp,
        auth_time: claims.auth_time,
        gen: claims.gen,
    };
    let max = svc.session_max_seconds();
    if session_id.is_none()
        && facts.auth_time.unwrap_or(facts.iat).saturating_add(max) < chrono::Utc::now().timestamp()
    {
        return Err(session_expired());
    }
    let key = match session_id {
        Some(sid) => CacheKey::Session(sid),
        None => CacheKey::Token(user_id, facts.jti.clone()),
    };
    let stored = match svc.callers().get(&key) {
        Some(stored) => stored,
        None => {
            let epoch = svc.callers().epoch();
            let read_at = std::time::Instant::now();
            let jti = facts.jti.clone();
            let stored = svc
                .read(move |conn| load_caller(conn, user_id, session_id, &jti))
                .await?;
            svc.callers().insert(epoch, key, stored.clone(), read_at);
            stored
        }
    };
    if let (Some(sid), Some(deadline)) = (session_id, stored.challenge_deadline) {
        if deadline <= workspace_persistence::now_utc() {
            // The challenge went unanswered for its 60 s, websocket or not
            // (ending it raises the notice that drops the cached caller).
            end(svc, EndSession::new(sid, EndReason::ChallengeTimeout)).await?;
            return Err(ServiceError::session_ended());
        }
    }
    check_caller(stored, user_id, session_id, facts, max)
}

/// Seconds a behavioural challenge may stay unanswered.
pub const CHALLENGE_SECONDS: i64 = 60;

/// A challenge was sent: the session must answer it within
/// [`CHALLENGE_SECONDS`], on REST too (an open one keeps its deadline).
pub fn open_challenge(conn: &mut DbConnection, sid: SessionId) -> ServiceResult<()> {
    let deadline = workspace_persistence::now_utc() + chrono::Duration::seconds(CHALLENGE_SECONDS);
    sessions::open_challenge(conn, sid, deadline)?;
    Ok(())
}

/// Reads what a token's validity depends on; errors for a missing user or
/// session, an ended session and a revoked plain token.
fn load_caller(
    conn: &mut DbConnection,
    user_id: UserId,
    session_id: Option<SessionId>,
    jti: &str,
) -> ServiceResult<CallerFacts> {
    let user = users::find_by_id(conn, user_id)?.ok_or_else(ServiceError::invalid_token)?;
    let mut challenge_deadline = None;
    let session = match session_id {
        Some(sid) => {
            let session = sessions::get(conn, sid)?.ok_or_else(ServiceError::invalid_token)?;
            if session.user_id != user.id {
                return Err(ServiceError::invalid_token());
            }
            if !session.is_active() {
                return Err(ServiceError::session_ended());
            }
            challenge_deadline = session.challenge_deadline;
            Some((
                session.created_at.and_utc().timestamp(),
                i64::from(session.token_generation),
            ))
        }
        None => {
            if revoked_tokens::is_revoked(conn, jti)? {
                return Err(ServiceError::new(
                    ErrorCode::Unauthorized,
                    "This token has been signed out; sign in again.",
                ));
            }
            None
        }
    };
    Ok(CallerFacts {
        user_id: user.id,
        username: user.username,
        role: user.role,
        session,
        challenge_deadline,
    })
}

/// The checks that depend on the clock and the token: session or token age
/// (`SESSION_MAX_SECONDS`) and the session's token generation.
fn check_caller(
    stored: CallerFacts,
    user_id: UserId,
    session_id: Option<SessionId>,
    facts: TokenFacts,
    max: i64,
) -> ServiceResult<Caller> {
    if stored.user_id != user_id {
        return Err(ServiceError::invalid_token());
    }
    let now = chrono::Utc::now().timestamp();
    let started = stored
        .session
        .map_or(facts.auth_time.unwrap_or(facts.iat), |(started, _)| started);
    if started.saturating_add(max) < now {
        return Err(session_expired());
    }
    if stored
        .session
        .is_some_and(|(_, generation)| generation > facts.gen)
    {
        return Err(ServiceError::new(
            ErrorCode::Unauthorized,
            "This token was replaced when the session was verified again; use the new token.",
        ));
    }
    Ok(Caller {
        id: stored.user_id,
        username: stored.username,
        role: stored.role,
        session_id,
        token: facts,
    })
}

/// 401 `session_expired`: older than `SESSION_MAX_SECONDS`.
pub fn session_expired() -> ServiceError {
    ServiceError::new(
        ErrorCode::SessionExpired,
        "This session has reached its maximum age; sign in again.",
    )
}

/// A request to end a monitored session.
#[derive(Debug, Clone, PartialEq)]
pub struct EndSession {
    /// The session.
    pub session_id: SessionId,
    /// Why.
    pub reason: EndReason,
    /// The session risk at the end, when behaviour decided it.
    pub risk: Option<f64>,
    /// Who ended it, when a person did (stored on the event).
    pub by: Option<String>,
    /// The person's stated reason (stored on the event as `note`).
    pub note: Option<String>,
}

impl EndSession {
    /// Ends `session_id` for `reason`.
    pub fn new(session_id: SessionId, reason: EndReason) -> Self {
        Self {
            session_id,
            reason,
            risk: None,
            by: None,
            note: None,
        }
    }
}

/// Ends a session inside `work`: marks the row ended, records the events
/// (`anomaly_blocked` for an anomaly; `session_terminated`, or
/// `session_ended` for the owner's own sign-out) and raises the
/// [`Notice::Terminate`] that closes its websockets on every instance.
/// Returns whether this call ended it (`false`: already ended or unknown —
/// nothing is recorded or sent). Compose it into a larger change (password
/// change, account deletion) by calling it with that change's unit of work.
pub fn end_in(work: &mut UnitOfWork<'_>, end: &EndSession) -> ServiceResult<bool> {
    if !sessions::end(work.conn(), end.session_id, end.reason)? {
        return Ok(false);
    }
    let (owner_id, owner_name) = owner_of(work, end.session_id)?;
    let about = |kind, severity| {
        Event::new(kind, severity)
            .user(owner_id, &owner_name)
            .session(end.session_id)
            .risk(end.risk)
    };
    if end.reason == EndReason::Anomaly {
        work.record(
            about(EventKind::AnomalyBlocked, Severity::Critical)
                .detail(json!({ "session_risk": end.risk })),
        )?;
    }
    let mut detail = json!({ "reason": end.reason });
    if let Some(risk) = end.risk {
        detail["session_risk"] = json!(risk);
    }
    if let Some(by) = &end.by {
        detail["by"] = json!(by);
    }
    if let Some(note) = &end.note {
        detail["note"] = json!(note);
    }
    let (kind, severity) = if end.reason.is_termination() {
        (EventKind::SessionTerminated, Severity::Critical)
    } else {
        (EventKind::SessionEnded, Severity::Info)
    };
    work.record(about(kind, severity).detail(detail))?;
    work.notify(Notice::Terminate {
        session_id: end.session_id,
        reason: end.reason,
    })?;
    Ok(true)
}

/// The owner of a session (id and name; the name is empty if the user is
/// gone).
fn owner_of(work: &mut UnitOfWork<'_>, sid: SessionId) -> ServiceResult<(Option<UserId>, String)> {
    let Some(session) = sessions::get(work.conn(), sid)? else {
        return Ok((None, String::new()));
    };
    let name = users::find_by_id(work.conn(), session.user_id)?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok((Some(session.user_id), name))
}

/// Ends a session in its own transaction; see [`end_in`].
pub async fn end(svc: &Services, end: EndSession) -> ServiceResult<bool> {
    svc.write(move |work| end_in(work, &end)).await
}

/// `POST /api/logout`: ends the caller's monitored session; a token of no
/// monitored session is revoked (its `jti`, until it would have expired).
pub async fn logout(svc: &Services, caller: &Caller) -> ServiceResult<()> {
    if let Some(sid) = caller.session_id {
        end(svc, EndSession::new(sid, EndReason::Logout)).await?;
        return Ok(());
    }
    let jti = caller.token.jti.clone();
    let expires_at = chrono::DateTime::from_timestamp(caller.token.exp, 0)
        .map(|t| t.naive_utc())
        .ok_or_else(ServiceError::invalid_token)?;
    let (id, name) = (caller.id, caller.username.clone());
    svc.write(move |work| {
        revoked_tokens::revoke(work.conn(), &jti, id, expires_at)?;
        work.record(
            Event::new(EventKind::SessionEnded, Severity::Info)
                .user(Some(id), &name)
                .detail(json!({ "reason": "logout", "token": "revoked" })),
        )?;
        work.notify(Notice::AccountChanged { user_id: id })?;
        Ok(())
    })
    .await
}

/// The longest reason an analyst may give for a termination (characters).
pub const MAX_REASON_CHARS: usize = 500;

/// Validates a termination reason: trimmed, blank means none, at most
/// [`MAX_REASON_CHARS`] characters.
pub fn termination_reason(reason: Option<String>) -> ServiceResult<Option<String>> {
    let Some(reason) = reason else {
        return Ok(None);
    };
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ServiceError::invalid(
            "reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok((!reason.is_empty()).then(|| reason.to_owned()))
}

/// `POST /api/admin/sessions/{id}/terminate` (analysts, admins): 404 for an
/// unknown session; an ended one stays ended. `reason` (validated with
/// [`termination_reason`]) is stored on the event with the acting user.
pub async fn terminate(
    svc: &Services,
    caller: &Caller,
    sid: SessionId,
    reason: Option<String>,
) -> ServiceResult<()> {
    caller.require(Capability::TerminateSessions)?;
    let note = termination_reason(reason)?;
    let by = caller.username.clone();
    svc.write(move |work| {
        if sessions::get(work.conn(), sid)?.is_none() {
            return Err(ServiceError::not_found("session"));
        }
        end_in(
            work,
            &EndSession {
                by: Some(by),
                note,
                ..EndSession::new(sid, EndReason::Admin)
            },
        )
    })
    .await?;
    Ok(())
}

/// `POST /api/admin/users/{username}/sessions/terminate` (analysts,
/// admins): every live session of the user ends in one transaction, each
/// through [`end_in`] (events, websockets on every instance). 404 for an
/// unknown user. Returns how many ended.
pub async fn terminate_user(
    svc: &Services,
    caller: &Caller,
    username: String,
    reason: Option<String>,
) -> ServiceResult<usize> {
    caller.require(Capability::TerminateSessions)?;
    let note = termination_reason(reason)?;
    let by = caller.username.clone();
    svc.write(move |work| {
        let user = users::find_by_username(work.conn(), &username)?
            .ok_or_else(|| ServiceError::not_found("user"))?;
        let mut ended = 0;
        for session in sessions::list_active_for_user(work.conn(), user.id)? {
            let end = EndSession {
                by: Some(by.clone()),
                note: note.clone(),
                ..EndSession::new(session.id, EndReason::Admin)
            };
            if end_in(work, &end)? {
                ended += 1;
            }
        }
        Ok(ended)
    })
    .await
}

/// Wrong challenge answers that end the session.
pub const CHALLENGE_TRIES: i32 = 3;

/// `POST /api/sessions/verify`: the right password clears the session's
/// challenge (everywhere) and raises the session's token generation, so
/// only the fresh token answered from then on is accepted; the third
/// wrong answer ends the session.
pub async fn verify_challenge(
    svc: &Services,
    caller: &Caller,
    candidate: String,
) -> ServiceResult<super::accounts::SignedIn> {
    let sid = caller.session_id.ok_or_else(|| {
        ServiceError::invalid(
            "token",
            "must belong to a monitored session (POST /api/start-session)",
        )
    })?;
    let id = caller.id;
    let user = svc
        .read(move |conn| users::find_by_id(conn, id)?.ok_or_else(ServiceError::invalid_token))
        .await?;
    let hash = user.password_hash.clone();
    let ok = svc
        .blocking(move || password::verify_password(&candidate, &hash))
        .await?;
    if !ok {
        let ended = svc
            .write(move |work| {
                let failures = sessions::add_challenge_failure(work.conn(), sid)?;
                let name = users::find_by_id(work.conn(), id)?
                    .map(|u| u.username)
                    .unwrap_or_default();
                work.record(
                    Event::new(EventKind::ChallengeFailed, Severity::Warning)
                        .user(Some(id), &name)
                        .session(sid)
                        .detail(json!({ "failures": failures, "tries": CHALLENGE_TRIES })),
                )?;
                match failures {
                    Some(n) if n < CHALLENGE_TRIES => Ok(Some(n)),
                    _ => {
                        end_in(work, &EndSession::new(sid, EndReason::ChallengeFailed))?;
                        Ok(None)
                    }
                }
            })
            .await?;
        return Err(match ended {
            Some(n) => {
                let left = CHALLENGE_TRIES - n;
                ServiceError::invalid_credentials(format!(
                    "The password is wrong; {left} {} left before the session ends.",
                    if left == 1 { "try" } else { "tries" }
                ))
            }
            None => ServiceError::invalid_credentials(
                "The password is wrong; the session has been ended. Sign in again.",
            ),
        });
    }
    let name = caller.username.clone();
    let generation = svc
        .write(move |work| {
            let Some(generation) = sessions::advance_generation(work.conn(), sid)? else {
                return Err(ServiceError::session_ended());
            };
            work.record(
                Event::new(EventKind::ChallengePassed, Severity::Info)
                    .user(Some(id), &name)
                    .session(sid),
            )?;
            work.notify(Notice::ChallengePassed { session_id: sid })?;
            Ok(generation)
        })
        .await?;
    super::accounts::issue_token(
        svc,
        user,
        workspace_auth::Issue {
            sid: Some(sid),
            gen: i64::from(generation),
            auth_time: None,
            not_after: None,
        },
    )
}

/// Why a session ended, if it has (`None` while live or unknown): what a
/// connection re-checks so ends made anywhere reach it even without a
/// notice.
pub async fn ended_reason(svc: &Services, sid: SessionId) -> ServiceResult<Option<String>> {
    svc.read(move |conn| {
        Ok(sessions::get(conn, sid)?.and_then(|s| {
            s.ended_at
                .map(|_| s.end_reason.unwrap_or_else(|| "ended".into()))
        }))
    })
    .await
}

/// Records a `ws_auth_failed` event (the websocket refused a token).
pub async fn record_ws_auth_failure(
    svc: &Services,
    code: super::error::ErrorCode,
) -> ServiceResult<()> {
    let event =
        Event::new(EventKind::WsAuthFailed, Severity::Warning).detail(json!({ "error": code }));
    svc.read(move |conn| super::events::record(conn, &event).map(|_| ()))
        .await
}
