//! `GET /ws/behavioral`: upgrade, authentication, and the frame pump
//! between the socket and the session actor.

use super::{
    log_event,
    protocol::{profiles_status, server_error, ServerMessage},
    session::{
        load_profiles, ClientBinary, ClientText, DbJob, Heard, Outgoing, SessionInfo, StreamEnded,
        WsSession,
    },
};
use crate::{
    auth::{authenticate, bearer_token, AuthUser},
    error::ApiError,
    security::{Event, Severity},
    state::AppState,
};
use actix::Actor;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, MessageStream, Session};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};
use tokio::sync::mpsc;
use workspace_persistence::behavior;

/// Time allowed for the `auth` message.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// Frames larger than this are refused by the transport (messages over
/// 64 KiB but under this get an `error` message and the connection stays).
const MAX_FRAME: usize = 1024 * 1024;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

#[derive(Deserialize)]
struct AuthMessage {
    #[serde(rename = "type")]
    kind: String,
    token: String,
}

/// Whether the `Origin` header (when present) is allowed: listed in
/// `ALLOWED_ORIGINS`, or the server's own origin (same host and port).
fn origin_allowed(req: &HttpRequest, state: &AppState) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if state
        .settings
        .allowed_origins()
        .iter()
        .any(|o| o == origin || o == "*")
    {
        return true;
    }
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = req.connection_info().host().to_owned();
    authority.eq_ignore_ascii_case(&host)
}

/// The websocket endpoint.
pub async fn behavioral(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    if !origin_allowed(&req, &state) {
        log_event("ws_refused", &[("reason", "origin".into())]);
        return Err(ApiError::forbidden_because(
            "This origin may not open the behavioural stream.",
        )
        .into());
    }
    let header_token = bearer_token(&req).map(str::to_owned);
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(MAX_FRAME);
    let state = state.get_ref().clone();
    actix_web::rt::spawn(drive(state, session, stream, header_token));
    Ok(response)
}

async fn close(session: Session, code: u16, reason: &str) {
    let _ = session
        .close(Some(CloseReason {
            code: CloseCode::Other(code),
            description: Some(reason.to_owned()),
        }))
        .await;
}

/// Waits for the `auth` message (or uses the upgrade's bearer token).
async fn read_token(
    session: &mut Session,
    stream: &mut actix_ws::AggregatedMessageStream,
    header_token: Option<String>,
) -> Result<String, (&'static str, String)> {
    if let Some(t) = header_token {
        return Ok(t);
    }
    let deadline = tokio::time::Instant::now() + AUTH_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, stream.next()).await;
        match next {
            Err(_) => return Err(("unauthorized", "No auth message within 5 seconds.".into())),
            Ok(None) | Ok(Some(Err(_))) => {
                return Err(("unauthorized", "The connection closed before auth.".into()))
            }
            Ok(Some(Ok(actix_ws::AggregatedMessage::Ping(b)))) => {
                let _ = session.pong(&b).await;
            }
            Ok(Some(Ok(actix_ws::AggregatedMessage::Pong(_)))) => {}
            Ok(Some(Ok(actix_ws::AggregatedMessage::Text(text)))) => {
                return match serde_json::from_str::<AuthMessage>(&text) {
                    Ok(m) if m.kind == "auth" => Ok(m.token),
                    _ => Err((
                        "unauthorized",
                        "The first message must be {\"type\":\"auth\",\"token\":\"…\"}.".into(),
                    )),
                };
            }
            Ok(Some(Ok(_))) => {
                return Err((
                    "unauthorized",
                    "The first message must be {\"type\":\"auth\",\"token\":\"…\"}.".into(),
                ))
            }
        }
    }
}

async fn auth_user(state: &AppState, token: &str) -> Result<AuthUser, (&'static str, String)> {
    // api.md: an auth failure is `unauthorized`; a session that has ended
    // is `session_terminated`, as on REST.
    let user = authenticate(state, token).await.map_err(|e| {
        let code = if e.code() == "session_terminated" {
            "session_terminated"
        } else {
            "unauthorized"
        };
        (code, e.message().to_owned())
    })?;
    if user.session_id.is_none() {
        return Err((
            "unauthorized",
            "This token has no monitored session; sign in with POST /api/start-session.".into(),
        ));
    }
    Ok(user)
}

async fn drive(
    state: AppState,
    mut session: Session,
    stream: MessageStream,
    header_token: Option<String>,
) {
    let mut stream = stream
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME);
    let conn_id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    log_event("ws_connect", &[("conn", conn_id.to_string())]);

    let authed = match read_token(&mut session, &mut stream, header_token).await {
        Ok(token) => auth_user(&state, &token).await,
        Err(e) => Err(e),
    };
    let user = match authed {
        Ok(u) => u,
        Err((code, message)) => {
            log_event(
                "ws_auth_failed",
                &[("conn", conn_id.to_string()), ("error", code.into())],
            );
            let detail = json!({ "error": code });
            let _ = state
                .db(move |conn| {
                    Event::new("ws_auth_failed", Severity::Warning)
                        .detail(detail)
                        .record(conn)
                })
                .await;
            let _ = session.text(server_error(code, &message)).await;
            close(session, 4401, code).await;
            return;
        }
    };
    let Some(session_id) = user.session_id else {
        return;
    };
    let cfg = state.realtime.config.clone();
    let user_id = user.id;
    let rows = state
        .db(move |conn| Ok(behavior::get_profiles(conn, user_id)?))
        .await;
    let profiles = match rows {
        Ok(rows) => load_profiles(&cfg, user_id, &rows),
        Err(e) => {
            let _ = session
                .text(server_error(
                    "service_unavailable",
                    "Profiles could not be loaded; reconnect shortly.",
                ))
                .await;
            log::error!("loading profiles failed: {e}");
            close(session, 1011, "unavailable").await;
            return;
        }
    };
    let hello = ServerMessage::AuthOk {
        session_id: session_id.to_string(),
        profile: profiles_status(&profiles),
    }
    .to_text();
    if session.text(hello).await.is_err() {
        return;
    }
    log_event(
        "ws_auth",
        &[
            ("conn", conn_id.to_string()),
            ("session", session_id.to_string()),
            ("user", user.username.clone()),
        ],
    );

    let (out_tx, out_rx) = mpsc::unbounded_channel::<Outgoing>();
    let (job_tx, job_rx) = mpsc::unbounded_channel::<DbJob>();
    actix_web::rt::spawn(write_loop(session, out_rx));
    actix_web::rt::spawn(job_loop(state.clone(), job_rx));
    let info = SessionInfo {
        conn_id,
        session_id,
        user_id,
        username: user.username.clone(),
    };
    let addr = WsSession::new(info, state, profiles, out_tx.clone(), job_tx).start();

    while let Some(msg) = stream.next().await {
        match msg {
            Ok(actix_ws::AggregatedMessage::Text(text)) => {
                addr.do_send(ClientText(text.to_string()))
            }
            Ok(actix_ws::AggregatedMessage::Binary(_)) => addr.do_send(ClientBinary),
            Ok(actix_ws::AggregatedMessage::Ping(b)) => {
                let _ = out_tx.send(Outgoing::Pong(b.to_vec()));
                addr.do_send(Heard);
            }
            Ok(actix_ws::AggregatedMessage::Pong(_)) => addr.do_send(Heard),
            Ok(actix_ws::AggregatedMessage::Close(_)) => break,
            Err(e) => {
                log_event(
                    "ws_protocol_error",
                    &[("conn", conn_id.to_string()), ("error", e.to_string())],
                );
                break;
            }
        }
    }
    addr.do_send(StreamEnded);
}

async fn write_loop(mut session: Session, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(out) = rx.recv().await {
        let sent = match out {
            Outgoing::Text(t) => session.text(t).await,
            Outgoing::Ping => session.ping(b"hb").await,
            Outgoing::Pong(b) => session.pong(&b).await,
            Outgoing::Close(code, reason) => {
                close(session, code, &reason).await;
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
    let _ = session.close(None).await;
}

async fn job_loop(state: AppState, mut rx: mpsc::UnboundedReceiver<DbJob>) {
    while let Some(job) = rx.recv().await {
        if let Err(e) = state.db(job).await {
            log::warn!("realtime database write failed: {e}");
        }
    }
}
