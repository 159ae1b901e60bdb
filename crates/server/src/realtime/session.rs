//! The session actor: one per authenticated websocket. It owns the
//! protocol after authentication, the scoring state and the decisions
//! (challenge, block); the transport ([`super::ws`]) only moves frames.

use super::channels::{DbJob, Outbound, Outgoing};
use super::context::ConnectionContext;
use super::monitor::{Apply, Connected, Disconnected, Progress};
use super::pacing::{ProfileSaves, TokenBucket};
use super::protocol::{
    parse_client, profile_summary, server_error, BehaviorPacket, ClientMessage, ServerMessage,
};
use crate::realtime_log::log_event;
use crate::services::behavior::{self, modality_name, state_name};
use crate::services::error::ErrorCode;
use crate::services::events::{self, Event};
use crate::services::live::Notice;
use crate::services::secops;
use crate::services::sessions::{self, EndSession};
use crate::services::windows::WindowToStore;
use actix::prelude::*;
use behavior_ml::{
    Decision, FeatureWindow, Level, Modality, ProfileState, SessionScorer, UserProfiles,
    WindowResult,
};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use workspace_domain::{EndReason, EventKind, SessionId, Severity, UserId};
use workspace_persistence::now_utc;
use workspace_persistence::session_windows::NewSessionWindow;

/// Server pings this often.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A connection silent this long is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time to answer a challenge.
pub const CHALLENGE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the connection re-reads its session from the database (ends
/// made by other processes on SQLite, or missed notifications).
pub const SESSION_RECHECK: Duration = Duration::from_secs(10);
/// Added to the library's typing pause before an idle connection's pending
/// keystroke window is closed.
pub const IDLE_SLACK: Duration = Duration::from_millis(250);

/// Who and what a connection is about, fixed at authentication.
pub struct SessionInfo {
    /// Connection id.
    pub conn_id: u64,
    /// Monitored session.
    pub session_id: SessionId,
    /// Owner id.
    pub user_id: UserId,
    /// Owner name.
    pub username: String,
}

/// Where the scored windows being reported came from.
struct Batch {
    seq: Option<u64>,
    /// Events of the client packet; `None` when a timer closed the windows.
    events: Option<usize>,
}

/// The actor.
pub struct WsSession {
    info: SessionInfo,
    cx: ConnectionContext,
    out: Outbound,
    jobs: UnboundedSender<DbJob>,
    scorer: SessionScorer,
    profiles: UserProfiles,
    /// Last reported (state, samples) per modality (keystroke, mouse).
    status: [(ProfileState, u32); 2],
    last_heard: Instant,
    last_recheck: Instant,
    challenge_deadline: Option<Instant>,
    ended: bool,
    bucket: TokenBucket,
    saves: ProfileSaves,
    training_mouse: bool,
    last_seq: Option<u64>,
    packet_gen: u64,
    /// When a dropped (rate-limited) message was last logged, and how many
    /// were dropped since: the log gets at most one line per second.
    rate_log: RateLog,
}

fn slot(m: Modality) -> usize {
    usize::from(m == Modality::Mouse)
}

impl WsSession {
    /// A session actor for an authenticated connection.
    pub fn new(
        info: SessionInfo,
        cx: ConnectionContext,
        profiles: UserProfiles,
        out: Outbound,
        jobs: UnboundedSender<DbJob>,
    ) -> Self {
        let scorer = SessionScorer::new((*cx.config).clone());
        let status = [
            status_of(&profiles, Modality::Keystroke),
            status_of(&profiles, Modality::Mouse),
        ];
        Self {
            info,
            cx,
            out,
            jobs,
            scorer,
            profiles,
            status,
            last_heard: Instant::now(),
            last_recheck: Instant::now(),
            challenge_deadline: None,
            ended: false,
            bucket: TokenBucket::default(),
            saves: ProfileSaves::default(),
            training_mouse: false,
            last_seq: None,
            packet_gen: 0,
            rate_log: RateLog::default(),
        }
    }

    fn send(&self, text: String) {
        let _ = self.out.send(Outgoing::Text(text));
    }

    /// Whether `realtime_event` lines are written (`RUST_LOG`): the
    /// per-packet lines build their fields only then.
    fn logging() -> bool {
        log::log_enabled!(target: crate::realtime_log::TARGET, log::Level::Info)
    }

    fn log(&self, kind: &str, mut fields: Vec<(&str, String)>) {
        fields.insert(0, ("session", self.info.session_id.to_string()));
        fields.insert(1, ("user", self.info.username.clone()));
        log_event(kind, &fields);
    }

    /// Queues an event write (in order with the connection's other writes).
    fn record(&self, event: Event) {
        let _ = self.jobs.send(Box::new(move |conn| {
            events::record(conn, &event).map(|_| ())
        }));
    }

    fn event(&self, kind: EventKind, severity: Severity) -> Event {
        Event::new(kind, severity)
            .user(Some(self.info.user_id), &self.info.username)
            .session(self.info.session_id)
    }

    fn session_level(&self) -> &'static str {
        let cfg = self.scorer.config();
        let r = self.scorer.session_risk();
        if r >= cfg.block_risk {
            "high"
        } else if r >= cfg.challenge_risk {
            "medium"
        } else {
            "low"
        }
    }

    // ----- protocol -------------------------------------------------------

    fn on_text(&mut self, text: &str, ctx: &mut Context<Self>) {
        if !self.bucket.take() {
            self.send(server_error(
                ErrorCode::TooManyRequests,
                "Too many messages; slow down to about one per second. This one was dropped.",
            ));
            if let Some(dropped) = self.rate_log.dropped(Instant::now()) {
                self.log("rate_limited", vec![("dropped", dropped.to_string())]);
            }
            return;
        }
        match parse_client(text) {
            Ok(ClientMessage::Behavior(mut p)) => {
                if let Some(w) = p.warning.take() {
                    self.log("bad_message", vec![("code", w.code.as_str().into())]);
                    self.send(w.to_message());
                }
                self.score_packet(p, ctx);
            }
            Ok(ClientMessage::Auth) => self.send(server_error(
                ErrorCode::BadRequest,
                "This connection is already authenticated.",
            )),
            Err(e) => {
                self.log("bad_message", vec![("code", e.code.as_str().into())]);
                self.send(e.to_message());
            }
        }
    }

    // ----- scoring --------------------------------------------------------

    fn score_packet(&mut self, packet: BehaviorPacket, ctx: &mut Context<Self>) {
        let global = self.cx.models.current();
        let results = self.scorer.process(
            &packet.events,
            &mut self.profiles,
            global.as_ref().map(|m| &m.model),
        );
        self.last_seq = packet.seq;
        self.packet_gen += 1;
        self.close_window_when_idle(ctx);
        let batch = Batch {
            seq: packet.seq,
            events: Some(packet.events.len()),
        };
        self.report(&results, &batch, ctx);
    }

    /// A typing pause ends a keystroke window; when nothing follows, close
    /// it from a timer so the sentence is scored now rather than with the
    /// next one.
    fn close_window_when_idle(&mut self, ctx: &mut Context<Self>) {
        let generation = self.packet_gen;
        let pause =
            Duration::from_secs_f64(self.scorer.config().keystroke_pause_ms.max(0.0) / 1000.0);
        ctx.run_later(pause + IDLE_SLACK, move |act, ctx| {
            if act.packet_gen != generation || act.ended {
                return;
            }
            let global = act.cx.models.current();
            let results = act
                .scorer
                .idle(&mut act.profiles, global.as_ref().map(|m| &m.model));
            if !results.is_empty() {
                let batch = Batch {
                    seq: act.last_seq,
                    events: None,
                };
                act.report(&results, &batch, ctx);
            }
        });
    }

    /// Sends and logs each scored window, tells the monitor, then acts on
    /// the strongest decision.
    fn report(&mut self, results: &[WindowResult], batch: &Batch, ctx: &mut Context<Self>) {
        let mut decision = Decision::None;
        for r in results {
            self.send_risk(r, batch.seq);
            self.log_scored_window(r, batch.seq);
            self.after_window(r);
            decision = strongest(decision, r.decision);
        }
        self.log_batch(results.len(), batch);
        self.tell_monitor(results, batch);
        match decision {
            Decision::Block => self.end_here(EndReason::Anomaly, ctx),
            Decision::Challenge => self.challenge(results),
            Decision::None => {}
        }
        self.save_profiles(false);
        self.maybe_train_mouse(ctx);
    }

    fn send_risk(&self, r: &WindowResult, seq: Option<u64>) {
        self.send(
            ServerMessage::Risk {
                seq,
                modality: r.modality,
                score: r.score,
                level: r.level,
                model: r.model,
                session_risk: r.session_risk,
                reasons: &r.reasons,
            }
            .to_text(),
        );
        if !Self::logging() {
            return;
        }
        self.log(
            "score",
            vec![
                ("seq", seq.map_or_else(String::new, |s| s.to_string())),
                ("modality", modality_name(r.modality).into()),
                (
                    "score",
                    r.score.map_or_else(|| "null".into(), |s| format!("{s:.3}")),
                ),
                ("level", level_name(r.level).into()),
                ("model", format!("{:?}", r.model).to_lowercase()),
                ("session_risk", format!("{:.3}", r.session_risk)),
            ],
        );
    }

    /// Keeps the window as its `risk` message said it, for the console's
    /// session view (written by the connection's database job queue).
    fn log_scored_window(&self, r: &WindowResult, seq: Option<u64>) {
        let (session_id, user_id) = (self.info.session_id, self.info.user_id);
        let (modality, level) = (modality_name(r.modality), level_name(r.level));
        let model = secops::model_name(r.model);
        let (score, session_risk, reasons) = (r.score, r.session_risk, r.reasons.clone());
        let seq = seq.and_then(|s| i64::try_from(s).ok());
        let _ = self.jobs.send(Box::new(move |conn| {
            secops::log_window(
                conn,
                &NewSessionWindow {
                    session_id,
                    user_id,
                    seq,
                    modality,
                    score,
                    level,
                    model,
                    session_risk,
                    reasons: &reasons,
                },
            )
        }));
    }

    fn log_batch(&self, windows: usize, batch: &Batch) {
        if !Self::logging() {
            return;
        }
        self.log(
            if batch.events.is_some() {
                "packet"
            } else {
                "idle_close"
            },
            vec![
                ("seq", batch.seq.map_or_else(String::new, |s| s.to_string())),
                ("events", batch.events.unwrap_or(0).to_string()),
                ("windows", windows.to_string()),
                ("session_risk", format!("{:.3}", self.scorer.session_risk())),
            ],
        );
    }

    fn tell_monitor(&self, results: &[WindowResult], batch: &Batch) {
        self.cx.monitor.do_send(Progress {
            conn_id: self.info.conn_id,
            at: now_utc(),
            packet: batch.events.is_some(),
            events: batch.events.unwrap_or(0) as u64,
            scores: results.iter().map(|r| r.score).collect(),
            anomalies: results.iter().filter(|r| r.level == Level::High).count() as u64,
            level: self.session_level(),
            profile_state: profile_summary(&self.profiles),
        });
    }

    fn after_window(&mut self, r: &WindowResult) {
        if !r.profile_changed {
            // A flagged window no profile learnt: kept out of training, so an
            // analyst's `owner` verdict on the session can teach it.
            if let (Some(w), true) = (&r.window, r.level != Level::Low) {
                self.store_window(w, r.score, true);
            }
            return;
        }
        self.saves.changed(r.modality);
        if let Some(w) = &r.window {
            self.store_window(w, r.score, false);
        }
        self.report_profile(r.modality);
    }

    /// Sends a `profile` message when enrollment progressed or the state
    /// changed; records `profile_trained` on the change to trained.
    fn report_profile(&mut self, m: Modality) {
        let (state, samples) = status_of(&self.profiles, m);
        let (old_state, old_samples) = self.status[slot(m)];
        if state == old_state && (state == ProfileState::Trained || samples == old_samples) {
            return;
        }
        self.status[slot(m)] = (state, samples);
        let (_, _, required) = self.profiles.status(m);
        self.send(
            ServerMessage::Profile {
                modality: m,
                state,
                samples,
                required,
            }
            .to_text(),
        );
        self.log(
            "profile_update",
            vec![
                ("modality", modality_name(m).into()),
                ("state", state_name(state).into()),
                ("samples", samples.to_string()),
                ("required", required.to_string()),
            ],
        );
        if state == ProfileState::Trained && old_state != ProfileState::Trained {
            self.record(
                self.event(EventKind::ProfileTrained, Severity::Info)
                    .detail(json!({ "modality": modality_name(m), "samples": samples })),
            );
            self.save_profiles(true);
        }
    }

    fn store_window(&self, features: &FeatureWindow, score: Option<f64>, held: bool) {
        let window = WindowToStore {
            user_id: self.info.user_id,
            session_id: self.info.session_id,
            features: features.clone(),
            score,
            held,
        };
        self.cx.services.windows().store(window);
    }

    fn save_profiles(&mut self, force: bool) {
        let rows: Vec<_> = self
            .saves
            .due(force)
            .into_iter()
            .filter_map(|m| behavior::profile_row(&self.profiles, m))
            .collect();
        if rows.is_empty() {
            return;
        }
        let user_id = self.info.user_id;
        let _ = self.jobs.send(Box::new(move |conn| {
            behavior::save_profiles(conn, user_id, &rows)
        }));
    }

    fn maybe_train_mouse(&mut self, ctx: &mut Context<Self>) {
        if self.training_mouse || self.ended || !self.profiles.mouse_model_stale() {
            return;
        }
        let Some(global) = self.cx.models.current() else {
            return;
        };
        if global.model.mouse_reference.is_none() {
            return;
        }
        self.training_mouse = true;
        let mut profiles = self.profiles.clone();
        let fut = tokio::task::spawn_blocking(move || {
            profiles
                .train_mouse_model(&global.model)
                .map(|trained| trained.then_some(profiles.mouse))
        });
        ctx.spawn(fut.into_actor(self).map(|res, act, _| {
            act.training_mouse = false;
            match res {
                Ok(Ok(Some(mouse))) => {
                    act.profiles.mouse = mouse;
                    act.saves.changed(Modality::Mouse);
                    act.log(
                        "profile_update",
                        vec![("modality", "mouse".into()), ("model", "retrained".into())],
                    );
                    act.report_profile(Modality::Mouse);
                    act.save_profiles(true);
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => log::warn!("mouse model training failed: {e}"),
                Err(e) => log::warn!("mouse model training did not run: {e}"),
            }
        }));
    }

    // ----- decisions ------------------------------------------------------

    fn challenge(&mut self, results: &[WindowResult]) {
        if self.challenge_deadline.is_some() || self.ended {
            return;
        }
        self.challenge_deadline = Some(Instant::now() + CHALLENGE_TIMEOUT);
        let sid = self.info.session_id;
        let _ = self
            .jobs
            .send(Box::new(move |conn| sessions::open_challenge(conn, sid)));
        let reason = results
            .iter()
            .flat_map(|r| r.reasons.iter())
            .next()
            .cloned()
            .unwrap_or_else(|| "typing or pointing unlike the account owner's".into());
        let risk = self.scorer.session_risk();
        self.send(ServerMessage::Challenge { reason: &reason }.to_text());
        self.log("challenge", vec![("session_risk", format!("{risk:.3}"))]);
        let last = results.last();
        self.record(
            self.event(EventKind::RiskElevated, Severity::Warning)
                .risk(Some(risk))
                .detail(json!({
                    "action": "challenge",
                    "modality": last.map(|r| modality_name(r.modality)),
                    "window_score": last.and_then(|r| r.score),
                    "reasons": last.map(|r| r.reasons.clone()).unwrap_or_default(),
                })),
        );
    }

    /// This connection decided to end the session: it is ended through the
    /// one service call first (so REST refuses the token before the client
    /// hears `terminated`), then the socket is told and closed.
    fn end_here(&mut self, reason: EndReason, ctx: &mut Context<Self>) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.save_profiles(true);
        let risk = self.scorer.session_risk();
        let end = EndSession {
            risk: Some(risk),
            ..EndSession::new(self.info.session_id, reason)
        };
        let svc = self.cx.services.clone();
        let ending = async move { sessions::end(&svc, end).await };
        ctx.wait(ending.into_actor(self).map(move |res, act, ctx| {
            if let Err(e) = res {
                log::error!("could not end session {}: {e}", act.info.session_id);
            }
            act.finish(reason.as_str(), risk, ctx);
        }));
    }

    /// The session was ended elsewhere (a notice, or the re-check).
    fn ended_elsewhere(&mut self, reason: &str, ctx: &mut Context<Self>) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.save_profiles(true);
        let risk = self.scorer.session_risk();
        self.finish(reason, risk, ctx);
    }

    fn finish(&mut self, reason: &str, risk: f64, ctx: &mut Context<Self>) {
        self.send(
            ServerMessage::Terminated {
                reason,
                session_risk: risk,
            }
            .to_text(),
        );
        let _ = self.out.send(Outgoing::Close(
            4403,
            format!("session terminated: {reason}"),
        ));
        self.log(
            "terminated",
            vec![
                ("reason", reason.into()),
                ("session_risk", format!("{risk:.3}")),
            ],
        );
        ctx.stop();
    }

    fn recheck_session(&mut self, ctx: &mut Context<Self>) {
        let svc = self.cx.services.clone();
        let sid = self.info.session_id;
        let fut = async move { sessions::ended_reason(&svc, sid).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            if let Ok(Some(reason)) = res {
                act.ended_elsewhere(&reason, ctx);
            }
        }));
    }

    /// The stored profiles learnt more (analyst feedback): take them, so this
    /// connection's next save does not write its older copy over them.
    fn reload_profiles(&mut self, ctx: &mut Context<Self>) {
        let svc = self.cx.services.clone();
        let cfg = self.cx.config.clone();
        let user_id = self.info.user_id;
        let fut = async move { behavior::load_profiles(&svc, user_id, &cfg).await };
        ctx.spawn(fut.into_actor(self).map(move |res, act, _| match res {
            Ok(profiles) => {
                act.profiles = profiles;
                act.saves.clear();
                for m in [Modality::Keystroke, Modality::Mouse] {
                    act.report_profile(m);
                }
                act.log("profiles_reloaded", vec![]);
            }
            Err(e) => log::warn!("cannot reload the profiles of user {user_id}: {e}"),
        }));
    }

    fn reset_profiles(&mut self) {
        self.profiles.reset();
        self.saves.clear();
        for m in [Modality::Keystroke, Modality::Mouse] {
            // Force a `profile` message with the fresh state.
            self.status[slot(m)] = (ProfileState::Trained, u32::MAX);
            self.report_profile(m);
        }
        self.log("profile_reset", vec![]);
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.ended {
            return;
        }
        if self.last_heard.elapsed() > CLIENT_TIMEOUT {
            self.log("ws_timeout", vec![]);
            let _ = self.out.send(Outgoing::Close(1001, "no heartbeat".into()));
            ctx.stop();
            return;
        }
        if self.challenge_deadline.is_some_and(|d| Instant::now() >= d) {
            self.end_here(EndReason::ChallengeTimeout, ctx);
            return;
        }
        let _ = self.out.send(Outgoing::Ping);
        if self.last_recheck.elapsed() >= SESSION_RECHECK {
            self.last_recheck = Instant::now();
            self.recheck_session(ctx);
        }
        self.save_profiles(false);
    }
}

impl Actor for WsSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.cx.monitor.do_send(Connected {
            conn_id: self.info.conn_id,
            connection: ctx.address().recipient(),
            session_id: self.info.session_id,
            user_id: self.info.user_id,
            username: self.info.username.clone(),
            connected_at: now_utc(),
            profile_state: profile_summary(&self.profiles).to_owned(),
        });
        ctx.run_interval(HEARTBEAT, |act, ctx| act.tick(ctx));
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.save_profiles(true);
        self.log(
            "ws_disconnect",
            vec![
                ("conn", self.info.conn_id.to_string()),
                ("session_risk", format!("{:.3}", self.scorer.session_risk())),
            ],
        );
        self.cx.monitor.do_send(Disconnected {
            conn_id: self.info.conn_id,
        });
    }
}

/// A text frame from the client.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ClientText(pub String);

/// A binary frame from the client (not part of the protocol).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ClientBinary;

/// Counts rate-limited messages and says when to log them: the first at
/// once, then at most one line per second with the number dropped since.
#[derive(Debug, Default)]
struct RateLog {
    last: Option<Instant>,
    since: u64,
}

impl RateLog {
    /// One more dropped message; `Some(count)` when a line is due.
    fn dropped(&mut self, now: Instant) -> Option<u64> {
        self.since += 1;
        let due = self
            .last
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if !due {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.since))
    }
}

/// The client is alive (a pong or a ping).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Heard;

/// The socket closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StreamEnded;

impl Handler<ClientText> for WsSession {
    type Result = ();
    fn handle(&mut self, m: ClientText, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        if !self.ended {
            self.on_text(&m.0, ctx);
        }
    }
}

impl Handler<ClientBinary> for WsSession {
    type Result = ();
    fn handle(&mut self, _: ClientBinary, _: &mut Context<Self>) {
        self.last_heard = Instant::now();
        self.send(server_error(
            ErrorCode::BadRequest,
            "Binary messages are not supported; send JSON text.",
        ));
    }
}

impl Handler<Heard> for WsSession {
    type Result = ();
    fn handle(&mut self, _: Heard, _: &mut Context<Self>) {
        self.last_heard = Instant::now();
    }
}

impl Handler<StreamEnded> for WsSession {
    type Result = ();
    fn handle(&mut self, _: StreamEnded, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<Apply> for WsSession {
    type Result = ();
    fn handle(&mut self, m: Apply, ctx: &mut Context<Self>) {
        match m.0 {
            Notice::Terminate { reason, .. } => self.ended_elsewhere(reason.as_str(), ctx),
            Notice::ChallengePassed { .. } => {
                if self.challenge_deadline.take().is_some() {
                    self.log("challenge_passed", vec![]);
                }
                self.scorer.challenge_passed();
            }
            Notice::ResetProfiles { .. } => self.reset_profiles(),
            Notice::ProfilesLearnt { .. } => self.reload_profiles(ctx),
            Notice::AccountChanged { .. } => {}
        }
    }
}

fn status_of(p: &UserProfiles, m: Modality) -> (ProfileState, u32) {
    let (state, samples, _) = p.status(m);
    (state, samples)
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Low => "low",
        Level::Medium => "medium",
        Level::High => "high",
    }
}

/// The stronger of two decisions (block > challenge > none).
fn strongest(a: Decision, b: Decision) -> Decision {
    let rank = |d: Decision| match d {
        Decision::None => 0,
        Decision::Challenge => 1,
        Decision::Block => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod rate_log_tests {
    use super::RateLog;
    use std::time::{Duration, Instant};

    #[test]
    fn at_most_one_line_per_second() {
        let mut log = RateLog::default();
        let t0 = Instant::now();
        assert_eq!(log.dropped(t0), Some(1));
        let lines = (1..1000u64)
            .filter_map(|i| log.dropped(t0 + Duration::from_micros(i * 900)))
            .count();
        assert_eq!(lines, 0, "within the first second");
        assert_eq!(log.dropped(t0 + Duration::from_secs(1)), Some(1000));
    }
}
