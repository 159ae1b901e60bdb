//! `GET /ws/behavioral`, the transport: the upgrade and its `Origin` check,
//! the authentication handshake, then the frame pump between the socket
//! and the session actor ([`super::session::WsSession`]) and the writer
//! task that owns the socket's send half. Protocol, scoring and decisions
//! are the actor's.

use super::channels::{
    outbound, run_jobs, DbJob, Outbound, OutboundRx, Outgoing, QUEUE_FULL_CLOSE,
};
use super::context::RealtimeContext;
use super::protocol::{profiles_status, server_error, ServerMessage, LIMITS};
use super::session::{ClientBinary, ClientText, Heard, SessionInfo, StreamEnded, WsSession};
use super::sockets::SocketSlot;
use crate::http::auth::bearer_token;
use crate::http::error::ApiError;
use crate::realtime_log::log_event;
use crate::services::behavior;
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ErrorCode, ServiceError};
use crate::services::sessions;
use actix::{Actor, Addr};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use behavior_ml::UserProfiles;
use futures_util::StreamExt;
use serde::Deserialize;
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};
use tokio::sync::mpsc;
use workspace_domain::SessionId;

/// Time allowed for the `auth` message.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The hard frame cap: a larger message gets an `error`
/// (`payload_too_large`), then the connection closes with
/// [`TOO_BIG_CLOSE`]. Messages over 64 KiB but under this get an `error`
/// and the connection stays.
const MAX_FRAME: usize = 1024 * 1024;
/// Close code when a session already has `WS_MAX_SOCKETS_PER_SESSION` sockets.
const TOO_MANY_CLOSE: u16 = 4429;
/// Close code for a message over [`MAX_FRAME`] (RFC 6455 "message too big").
const TOO_BIG_CLOSE: u16 = 1009;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

#[derive(Deserialize)]
struct AuthMessage {
    #[serde(rename = "type")]
    kind: String,
    token: String,
}

/// Whether the `Origin` header (when present) is allowed: listed in
/// `ALLOWED_ORIGINS`, or the server's own origin (same scheme, host and
/// port).
fn origin_allowed(req: &HttpRequest, allowed: &[String]) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if allowed.iter().any(|o| o == origin || o == "*") {
        return true;
    }
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let info = req.connection_info();
    scheme.eq_ignore_ascii_case(info.scheme()) && authority.eq_ignore_ascii_case(info.host())
}

/// The websocket endpoint.
pub async fn behavioral(
    req: HttpRequest,
    body: web::Payload,
    services: web::Data<Services>,
    realtime: web::Data<RealtimeContext>,
) -> Result<HttpResponse, actix_web::Error> {
    if !origin_allowed(&req, &realtime.allowed_origins) {
        log_event("ws_refused", &[("reason", "origin".into())]);
        return Err(ApiError(ServiceError::forbidden_because(
            "This origin may not open the behavioural stream.",
        ))
        .into());
    }
    let header_token = bearer_token(&req).map(str::to_owned);
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream
        .max_frame_size(MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME);
    let link = Link {
        socket: session,
        stream,
        conn_id: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
    };
    let services = services.get_ref().clone();
    let realtime = realtime.get_ref().clone();
    actix_web::rt::spawn(drive(services, realtime, link, header_token));
    Ok(response)
}

/// Both halves of one websocket.
struct Link {
    socket: Session,
    stream: AggregatedMessageStream,
    conn_id: u64,
}

/// A connection's life: handshake, open the session actor, pump frames.
async fn drive(
    services: Services,
    realtime: RealtimeContext,
    mut link: Link,
    header_token: Option<String>,
) {
    log_event("ws_connect", &[("conn", link.conn_id.to_string())]);
    let Some((caller, session_id)) = handshake(&services, &mut link, header_token).await else {
        return;
    };
    let Some(_slot) = claim_slot(&realtime, &mut link, &caller, session_id).await else {
        return;
    };
    let Some(profiles) = greet(&services, &realtime, &mut link, &caller, session_id).await else {
        return;
    };
    let (out_tx, out_rx) = outbound();
    let (job_tx, job_rx) = mpsc::unbounded_channel::<DbJob>();
    let Link {
        socket,
        stream,
        conn_id,
    } = link;
    actix_web::rt::spawn(write_loop(socket, out_rx));
    actix_web::rt::spawn(run_jobs(services.clone(), job_rx));
    let info = SessionInfo {
        conn_id,
        session_id,
        user_id: caller.id,
        username: caller.username,
    };
    let cx = realtime.connection(services);
    let actor = WsSession::new(info, cx, profiles, out_tx.clone(), job_tx).start();
    pump(stream, conn_id, &actor, &out_tx).await;
    actor.do_send(StreamEnded);
}

/// A place among the session's sockets on all instances; `None` when the
/// connection cannot go on (refused with 4429, or 1011 when the database
/// cannot count; it is closed).
async fn claim_slot(
    realtime: &RealtimeContext,
    link: &mut Link,
    caller: &Caller,
    session_id: SessionId,
) -> Option<SocketSlot> {
    let claimed = realtime
        .sockets
        .acquire(session_id, link.conn_id, &caller.username)
        .await;
    let (code, message, close_code) = match claimed {
        Ok(Some(slot)) => return Some(slot),
        Ok(None) => {
            log_event(
                "ws_refused",
                &[
                    ("conn", link.conn_id.to_string()),
                    ("reason", "too_many_connections".into()),
                ],
            );
            let message = format!(
                "This session already has {} open connections; close one first.",
                realtime.sockets.limit()
            );
            (ErrorCode::TooManyConnections, message, TOO_MANY_CLOSE)
        }
        Err(e) => {
            log::error!("counting the session's sockets failed: {e}");
            let message = "The connection could not be registered; reconnect shortly.".to_owned();
            (ErrorCode::ServiceUnavailable, message, 1011)
        }
    };
    let _ = link.socket.text(server_error(code, &message)).await;
    close(link.socket.clone(), close_code, code.as_str()).await;
    None
}

/// Authenticates the connection (bearer header or the first message); on
/// failure sends `error`, records `ws_auth_failed` and closes with 4401.
async fn handshake(
    services: &Services,
    link: &mut Link,
    header_token: Option<String>,
) -> Option<(Caller, SessionId)> {
    let authed = match read_token(link, header_token).await {
        Ok(token) => authenticate(services, &token).await,
        Err(e) => Err(e),
    };
    match authed {
        Ok(found) => Some(found),
        Err(e) => {
            log_event(
                "ws_auth_failed",
                &[
                    ("conn", link.conn_id.to_string()),
                    ("error", e.code.as_str().into()),
                ],
            );
            let _ = sessions::record_ws_auth_failure(services, e.code).await;
            let _ = link.socket.text(server_error(e.code, &e.message)).await;
            close(link.socket.clone(), 4401, e.code.as_str()).await;
            None
        }
    }
}

/// Waits for the `auth` message (or uses the upgrade's bearer token).
async fn read_token(link: &mut Link, header_token: Option<String>) -> Result<String, ServiceError> {
    if let Some(t) = header_token {
        return Ok(t);
    }
    let refused = |message: &str| ServiceError::new(ErrorCode::Unauthorized, message);
    let wrong_first = "The first message must be {\"type\":\"auth\",\"token\":\"…\"}.";
    let deadline = tokio::time::Instant::now() + AUTH_TIMEOUT;
    loop {
        match tokio::time::timeout_at(deadline, link.stream.next()).await {
            Err(_) => return Err(refused("No auth message within 5 seconds.")),
            Ok(None) | Ok(Some(Err(_))) => {
                return Err(refused("The connection closed before auth."))
            }
            Ok(Some(Ok(AggregatedMessage::Ping(b)))) => {
                let _ = link.socket.pong(&b).await;
            }
            Ok(Some(Ok(AggregatedMessage::Pong(_)))) => {}
            Ok(Some(Ok(AggregatedMessage::Text(text)))) => {
                return match serde_json::from_str::<AuthMessage>(&text) {
                    Ok(m) if m.kind == "auth" => Ok(m.token),
                    _ => Err(refused(wrong_first)),
                };
            }
            Ok(Some(Ok(_))) => return Err(refused(wrong_first)),
        }
    }
}

/// The token's caller, who must be in a live monitored session. api.md: an
/// auth failure is `unauthorized`; a session that has ended is
/// `session_terminated`, as on REST.
async fn authenticate(
    services: &Services,
    token: &str,
) -> Result<(Caller, SessionId), ServiceError> {
    let caller = sessions::authenticate(services, token)
        .await
        .map_err(|e| match e.code {
            ErrorCode::SessionTerminated => e,
            _ => ServiceError::new(ErrorCode::Unauthorized, e.message),
        })?;
    match caller.session_id {
        Some(sid) => Ok((caller, sid)),
        None => Err(ServiceError::new(
            ErrorCode::Unauthorized,
            "This token has no monitored session; sign in with POST /api/start-session.",
        )),
    }
}

/// Loads the owner's profiles and sends `auth_ok`; `None` when the
/// connection cannot go on (it is closed).
async fn greet(
    services: &Services,
    realtime: &RealtimeContext,
    link: &mut Link,
    caller: &Caller,
    session_id: SessionId,
) -> Option<UserProfiles> {
    let profiles = match behavior::load_profiles(services, caller.id, &realtime.config).await {
        Ok(p) => p,
        Err(e) => {
            log::error!("loading profiles failed: {e}");
            let _ = link
                .socket
                .text(server_error(
                    ErrorCode::ServiceUnavailable,
                    "Profiles could not be loaded; reconnect shortly.",
                ))
                .await;
            close(link.socket.clone(), 1011, "unavailable").await;
            return None;
        }
    };
    let hello = ServerMessage::AuthOk {
        session_id,
        profile: profiles_status(&profiles),
        limits: LIMITS,
    }
    .to_text();
    link.socket.text(hello).await.ok()?;
    log_event(
        "ws_auth",
        &[
            ("conn", link.conn_id.to_string()),
            ("session", session_id.to_string()),
            ("user", caller.username.clone()),
        ],
    );
    Some(profiles)
}

/// Moves client frames to the actor until the socket closes.
async fn pump(
    mut stream: AggregatedMessageStream,
    conn_id: u64,
    actor: &Addr<WsSession>,
    out: &Outbound,
) {
    while let Some(msg) = stream.next().await {
        match msg {
            Ok(AggregatedMessage::Text(text)) => actor.do_send(ClientText(text.to_string())),
            Ok(AggregatedMessage::Binary(_)) => actor.do_send(ClientBinary),
            Ok(AggregatedMessage::Ping(b)) => {
                let _ = out.send(Outgoing::Pong(b.to_vec()));
                actor.do_send(Heard);
            }
            Ok(AggregatedMessage::Pong(_)) => actor.do_send(Heard),
            Ok(AggregatedMessage::Close(_)) => return,
            Err(actix_ws::ProtocolError::Overflow) => {
                log_event("ws_frame_too_large", &[("conn", conn_id.to_string())]);
                out.send(Outgoing::Text(server_error(
                    ErrorCode::PayloadTooLarge,
                    "A message may be at most 1 MiB; the connection is closed.",
                )));
                out.send(Outgoing::Close(TOO_BIG_CLOSE, "message too big".into()));
                return;
            }
            Err(e) => {
                log_event(
                    "ws_protocol_error",
                    &[("conn", conn_id.to_string()), ("error", e.to_string())],
                );
                return;
            }
        }
    }
}

/// Writes queued frames to the socket in order. When the queue overflows
/// (the client stopped reading), the connection is closed with 4408 — also
/// while a write is blocked on the client — and dropped if even the close
/// frame cannot be handed over within [`CLOSE_GRACE`].
async fn write_loop(mut session: Session, queue: OutboundRx) {
    let OutboundRx { mut rx, overflow } = queue;
    loop {
        let out = tokio::select! {
            biased;
            () = overflow.notified() => break,
            out = rx.recv() => out,
        };
        let Some(out) = out else {
            let _ = session.close(None).await;
            return;
        };
        let sent = tokio::select! {
            biased;
            () = overflow.notified() => break,
            sent = write_frame(&mut session, out) => sent,
        };
        match sent {
            Ok(true) => {}
            Ok(false) | Err(_) => return,
        }
    }
    log::info!(
        "ws_outbound_full: the client does not read its socket; closing with {QUEUE_FULL_CLOSE}"
    );
    let _ = tokio::time::timeout(
        CLOSE_GRACE,
        close(session, QUEUE_FULL_CLOSE, "outbound queue full"),
    )
    .await;
}

/// How long a close frame may wait for a client that does not read.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Writes one frame; `Ok(false)` after a close frame.
async fn write_frame(session: &mut Session, out: Outgoing) -> Result<bool, actix_ws::Closed> {
    match out {
        Outgoing::Text(t) => session.text(t).await.map(|()| true),
        Outgoing::Ping => session.ping(b"hb").await.map(|()| true),
        Outgoing::Pong(b) => session.pong(&b).await.map(|()| true),
        Outgoing::Close(code, reason) => {
            close(session.clone(), code, &reason).await;
            Ok(false)
        }
    }
}

async fn close(session: Session, code: u16, reason: &str) {
    let _ = session
        .close(Some(CloseReason {
            code: CloseCode::Other(code),
            description: Some(reason.to_owned()),
        }))
        .await;
}
