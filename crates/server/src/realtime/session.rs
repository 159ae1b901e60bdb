//! The session actor: one per websocket connection.

use super::{
    control::ControlAction,
    log_event,
    monitor::{Connected, Disconnected, Progress},
    protocol::{
        parse_client, profile_summary, server_error, BehaviorPacket, ClientMessage, ServerMessage,
    },
};
use crate::{
    error::ApiError,
    security::{Event, Severity},
    state::AppState,
};
use actix::prelude::*;
use behavior_ml::{
    Decision, FeatureWindow, Level, Modality, ProfileState, SessionScorer, UserProfiles,
    WindowResult,
};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;
use workspace_persistence::{behavior, now_utc, sessions, DbConnection};

/// Server pings this often.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A connection silent this long is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time to answer a challenge.
pub const CHALLENGE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the connection re-reads its session from the database (ends
/// made by other processes on SQLite, or missed notifications).
pub const SESSION_RECHECK: Duration = Duration::from_secs(10);
/// Profiles are written at most this often while they change.
/// (Keystroke profiles are small; a trained mouse profile is about a
/// megabyte of JSON, so it is written less often.)
pub const PROFILE_SAVE_EVERY: [Duration; 2] = [Duration::from_secs(10), Duration::from_secs(60)];
/// Packet rate limit: sustained packets per second and burst.
pub const RATE_PER_SEC: f64 = 20.0;
/// Burst of the packet rate limit.
pub const RATE_BURST: f64 = 40.0;
/// Added to the library's typing pause before an idle connection's pending
/// keystroke window is closed.
pub const IDLE_SLACK: Duration = Duration::from_millis(250);

/// What the results being reported came with.
struct PacketInfo {
    seq: Option<u64>,
    events: usize,
    arrived: bool,
}

/// What the writer task sends on the socket.
#[derive(Debug)]
pub enum Outgoing {
    /// A text message.
    Text(String),
    /// A ping.
    Ping,
    /// A pong answering the client's ping.
    Pong(Vec<u8>),
    /// Close with a code and reason.
    Close(u16, String),
}

/// Blocking database work queued in order for one connection.
pub type DbJob = Box<dyn FnOnce(&mut DbConnection) -> Result<(), ApiError> + Send>;

/// Who and what a connection is about, fixed at authentication.
pub struct SessionInfo {
    /// Connection id.
    pub conn_id: u64,
    /// Monitored session.
    pub session_id: Uuid,
    /// Owner id.
    pub user_id: i64,
    /// Owner name.
    pub username: String,
}

struct TokenBucket {
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * RATE_PER_SEC).min(RATE_BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The actor.
pub struct WsSession {
    info: SessionInfo,
    state: AppState,
    out: UnboundedSender<Outgoing>,
    jobs: UnboundedSender<DbJob>,
    scorer: SessionScorer,
    profiles: UserProfiles,
    status: [(ProfileState, u32); 2],
    last_heard: Instant,
    last_recheck: Instant,
    challenge_deadline: Option<Instant>,
    ended: bool,
    bucket: TokenBucket,
    /// Unsaved changes per modality (keystroke, mouse).
    profile_dirty: [bool; 2],
    last_profile_save: [Instant; 2],
    training_mouse: bool,
    last_seq: Option<u64>,
    packet_gen: u64,
}

impl WsSession {
    /// A session actor for an authenticated connection.
    pub fn new(
        info: SessionInfo,
        state: AppState,
        profiles: UserProfiles,
        out: UnboundedSender<Outgoing>,
        jobs: UnboundedSender<DbJob>,
    ) -> Self {
        let cfg = (*state.realtime.config).clone();
        let status = [
            status_of(&profiles, Modality::Keystroke),
            status_of(&profiles, Modality::Mouse),
        ];
        Self {
            info,
            state,
            out,
            jobs,
            scorer: SessionScorer::new(cfg),
            profiles,
            status,
            last_heard: Instant::now(),
            last_recheck: Instant::now(),
            challenge_deadline: None,
            ended: false,
            bucket: TokenBucket {
                tokens: RATE_BURST,
                at: Instant::now(),
            },
            profile_dirty: [false; 2],
            last_profile_save: [Instant::now(); 2],
            training_mouse: false,
            last_seq: None,
            packet_gen: 0,
        }
    }

    fn send(&self, text: String) {
        let _ = self.out.send(Outgoing::Text(text));
    }

    fn log(&self, kind: &str, mut fields: Vec<(&str, String)>) {
        fields.insert(0, ("session", self.info.session_id.to_string()));
        fields.insert(1, ("user", self.info.username.clone()));
        log_event(kind, &fields);
    }

    fn record(&self, event: Event) {
        let _ = self.jobs.send(Box::new(move |conn| event.record(conn)));
    }

    fn event(&self, kind: &'static str, severity: Severity) -> Event {
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

    fn handle_packet(&mut self, packet: BehaviorPacket, ctx: &mut Context<Self>) {
        let global = self.state.realtime.models.current();
        let results = self.scorer.process(
            &packet.events,
            &mut self.profiles,
            global.as_ref().map(|m| &m.model),
        );
        self.last_seq = packet.seq;
        self.packet_gen += 1;
        let generation = self.packet_gen;
        // A typing pause ends a keystroke window; when nothing follows, close it
        // from a timer so the sentence is scored now rather than with the next one.
        let pause =
            Duration::from_secs_f64(self.scorer.config().keystroke_pause_ms.max(0.0) / 1000.0);
        ctx.run_later(pause + IDLE_SLACK, move |act, ctx| {
            if act.packet_gen == generation && !act.ended {
                let global = act.state.realtime.models.current();
                let results = act
                    .scorer
                    .idle(&mut act.profiles, global.as_ref().map(|m| &m.model));
                if !results.is_empty() {
                    act.handle_results(&results, act.last_seq, None, ctx);
                }
            }
        });
        self.handle_results(&results, packet.seq, Some(packet.events.len()), ctx);
    }

    fn handle_results(
        &mut self,
        results: &[WindowResult],
        seq: Option<u64>,
        events: Option<usize>,
        ctx: &mut Context<Self>,
    ) {
        let packet = PacketInfo {
            seq,
            events: events.unwrap_or(0),
            arrived: events.is_some(),
        };
        let mut scores = Vec::with_capacity(results.len());
        let mut anomalies = 0;
        let mut decision = Decision::None;
        for r in results {
            self.send(
                ServerMessage::Risk {
                    seq: packet.seq,
                    modality: r.modality,
                    score: r.score,
                    level: r.level,
                    model: r.model,
                    session_risk: r.session_risk,
                    reasons: &r.reasons,
                }
                .to_text(),
            );
            scores.push(r.score);
            if r.level == Level::High {
                anomalies += 1;
            }
            self.log(
                "score",
                vec![
                    (
                        "seq",
                        packet.seq.map_or_else(String::new, |s| s.to_string()),
                    ),
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
            self.after_window(r);
            decision = decision.max_by(r.decision);
        }
        self.log(
            if packet.arrived {
                "packet"
            } else {
                "idle_close"
            },
            vec![
                (
                    "seq",
                    packet.seq.map_or_else(String::new, |s| s.to_string()),
                ),
                ("events", packet.events.to_string()),
                ("windows", results.len().to_string()),
                ("session_risk", format!("{:.3}", self.scorer.session_risk())),
            ],
        );
        self.state.realtime.monitor.do_send(Progress {
            conn_id: self.info.conn_id,
            at: now_utc(),
            packet: packet.arrived,
            events: packet.events as u64,
            scores,
            anomalies,
            level: self.session_level().into(),
            profile_state: profile_summary(&self.profiles),
        });
        match decision {
            Decision::Block => self.terminate("anomaly".into(), true, ctx),
            Decision::Challenge => self.challenge(results),
            Decision::None => {}
        }
        self.maybe_save_profiles(false);
        self.maybe_train_mouse(ctx);
    }

    fn after_window(&mut self, r: &WindowResult) {
        if !r.profile_changed {
            return;
        }
        self.profile_dirty[usize::from(r.modality == Modality::Mouse)] = true;
        if let Some(w) = &r.window {
            self.store_window(w, r.score);
        }
        self.report_profile(r.modality);
    }

    /// Sends a `profile` message when enrollment progressed or the state
    /// changed; records `profile_trained` on the change to trained.
    fn report_profile(&mut self, m: Modality) {
        let i = usize::from(m == Modality::Mouse);
        let (state, samples) = status_of(&self.profiles, m);
        let (old_state, old_samples) = self.status[i];
        if state == old_state && (state == ProfileState::Trained || samples == old_samples) {
            return;
        }
        self.status[i] = (state, samples);
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
                self.event("profile_trained", Severity::Info)
                    .detail(json!({ "modality": modality_name(m), "samples": samples })),
            );
            self.maybe_save_profiles(true);
        }
    }

    fn store_window(&self, w: &FeatureWindow, score: Option<f64>) {
        let Ok(features) = serde_json::to_string(w) else {
            return;
        };
        let modality = match w {
            FeatureWindow::Keystroke(_) => "keystroke",
            FeatureWindow::Mouse(_) => "mouse",
        };
        let (user_id, sid) = (self.info.user_id, self.info.session_id.to_string());
        let keep = i64::try_from(
            self.state
                .settings
                .global_train_max_samples
                .saturating_mul(4),
        )
        .unwrap_or(i64::MAX);
        let _ = self.jobs.send(Box::new(move |conn| {
            let id = behavior::insert_window(
                conn,
                &behavior::NewWindow {
                    user_id,
                    session_id: Some(&sid),
                    modality,
                    features: &features,
                    risk_score: score,
                },
            )?;
            if id % 256 == 0 {
                behavior::prune_windows(conn, modality, keep)?;
            }
            Ok(())
        }));
    }

    fn maybe_save_profiles(&mut self, force: bool) {
        let mut rows = Vec::new();
        for (i, m) in [Modality::Keystroke, Modality::Mouse]
            .into_iter()
            .enumerate()
        {
            if self.profile_dirty[i]
                && (force || self.last_profile_save[i].elapsed() >= PROFILE_SAVE_EVERY[i])
            {
                self.profile_dirty[i] = false;
                self.last_profile_save[i] = Instant::now();
                rows.extend(profile_row(&self.profiles, m));
            }
        }
        if rows.is_empty() {
            return;
        }
        let user_id = self.info.user_id;
        let _ = self.jobs.send(Box::new(move |conn| {
            save_profile_rows(conn, user_id, &rows)
        }));
    }

    fn maybe_train_mouse(&mut self, ctx: &mut Context<Self>) {
        if self.training_mouse || self.ended || !self.profiles.mouse_model_stale() {
            return;
        }
        let Some(global) = self.state.realtime.models.current() else {
            return;
        };
        if global.model.mouse_reference.is_none() {
            return;
        }
        self.training_mouse = true;
        let mut profiles = self.profiles.clone();
        let fut = actix_web::web::block(move || {
            profiles
                .train_mouse_model(&global.model)
                .map(|trained| trained.then_some(profiles.mouse))
        });
        ctx.spawn(fut.into_actor(self).map(|res, act, _| {
            act.training_mouse = false;
            match res {
                Ok(Ok(Some(mouse))) => {
                    act.profiles.mouse = mouse;
                    act.profile_dirty[1] = true;
                    act.log(
                        "profile_update",
                        vec![("modality", "mouse".into()), ("model", "retrained".into())],
                    );
                    act.report_profile(Modality::Mouse);
                    act.maybe_save_profiles(true);
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => log::warn!("mouse model training failed: {e}"),
                Err(e) => log::warn!("mouse model training did not run: {e}"),
            }
        }));
    }

    fn challenge(&mut self, results: &[WindowResult]) {
        if self.challenge_deadline.is_some() || self.ended {
            return;
        }
        self.challenge_deadline = Some(Instant::now() + CHALLENGE_TIMEOUT);
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
            self.event("risk_elevated", Severity::Warning)
                .risk(Some(risk))
                .detail(json!({
                    "action": "challenge",
                    "modality": last.map(|r| modality_name(r.modality)),
                    "window_score": last.and_then(|r| r.score),
                    "reasons": last.map(|r| r.reasons.clone()).unwrap_or_default(),
                })),
        );
    }

    /// Ends the session. When this connection decided it (`originated`), the
    /// session is ended in the database first, so REST refuses the token
    /// before the client hears `terminated`.
    fn terminate(&mut self, reason: String, originated: bool, ctx: &mut Context<Self>) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.maybe_save_profiles(true);
        let risk = self.scorer.session_risk();
        if !originated {
            self.finish(&reason, risk, ctx);
            return;
        }
        let sid = self.info.session_id;
        let (user_id, username) = (self.info.user_id, self.info.username.clone());
        let st = self.state.clone();
        let why = reason.clone();
        let db_work = async move {
            let rt = st.realtime.clone();
            st.tx(move |conn| {
                rt.end_session(
                    conn,
                    sid,
                    (user_id, &username),
                    &why,
                    Some(risk),
                    json!({ "session_risk": risk }),
                )
            })
            .await
        };
        ctx.wait(db_work.into_actor(self).map(move |res, act, ctx| {
            match res {
                Ok(true) => act.state.realtime.terminated(act.info.session_id, &reason),
                Ok(false) => {}
                Err(e) => log::error!("could not end session {}: {e}", act.info.session_id),
            }
            act.finish(&reason, risk, ctx);
        }));
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
        let sid = self.info.session_id.to_string();
        let st = self.state.clone();
        let fut = async move {
            st.db(move |conn| {
                Ok(sessions::get(conn, &sid)?.and_then(|s| {
                    s.ended_at
                        .map(|_| s.end_reason.unwrap_or_else(|| "ended".into()))
                }))
            })
            .await
        };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            if let Ok(Some(reason)) = res {
                act.terminate(reason, false, ctx);
            }
        }));
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
            self.terminate("challenge_timeout".into(), true, ctx);
            return;
        }
        let _ = self.out.send(Outgoing::Ping);
        if self.last_recheck.elapsed() >= SESSION_RECHECK {
            self.last_recheck = Instant::now();
            self.recheck_session(ctx);
        }
        self.maybe_save_profiles(false);
    }
}

impl Actor for WsSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.state.realtime.monitor.do_send(Connected {
            conn_id: self.info.conn_id,
            addr: ctx.address(),
            session_id: self.info.session_id,
            user_id: self.info.user_id,
            username: self.info.username.clone(),
            connected_at: now_utc(),
            profile_state: profile_summary(&self.profiles),
        });
        ctx.run_interval(HEARTBEAT, |act, ctx| act.tick(ctx));
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.maybe_save_profiles(true);
        self.log(
            "ws_disconnect",
            vec![
                ("conn", self.info.conn_id.to_string()),
                ("session_risk", format!("{:.3}", self.scorer.session_risk())),
            ],
        );
        self.state.realtime.monitor.do_send(Disconnected {
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

/// The client is alive (a pong or any frame).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Heard;

/// The socket closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StreamEnded;

/// A control action from the monitor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Apply(pub ControlAction);

/// Forget the profiles (an admin reset them).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ResetProfile;

impl Handler<ClientText> for WsSession {
    type Result = ();
    fn handle(&mut self, m: ClientText, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        if self.ended {
            return;
        }
        if !self.bucket.take() {
            self.send(server_error(
                "too_many_requests",
                "Too many messages; slow down to about one per second. This one was dropped.",
            ));
            self.log("rate_limited", vec![]);
            return;
        }
        match parse_client(&m.0) {
            Ok(ClientMessage::Behavior(mut p)) => {
                if let Some(w) = p.warning.take() {
                    self.log("bad_message", vec![("code", w.code.into())]);
                    self.send(w.to_message());
                }
                self.handle_packet(p, ctx);
            }
            Ok(ClientMessage::Auth) => self.send(server_error(
                "bad_request",
                "This connection is already authenticated.",
            )),
            Err(e) => {
                self.log("bad_message", vec![("code", e.code.into())]);
                self.send(e.to_message());
            }
        }
    }
}

impl Handler<ClientBinary> for WsSession {
    type Result = ();
    fn handle(&mut self, _: ClientBinary, _: &mut Context<Self>) {
        self.last_heard = Instant::now();
        self.send(server_error(
            "bad_request",
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
            ControlAction::Terminate { reason } => self.terminate(reason, false, ctx),
            ControlAction::ChallengePassed => {
                if self.challenge_deadline.take().is_some() {
                    self.log("challenge_passed", vec![]);
                }
                self.scorer.challenge_passed();
            }
        }
    }
}

impl Handler<ResetProfile> for WsSession {
    type Result = ();
    fn handle(&mut self, _: ResetProfile, _: &mut Context<Self>) {
        self.profiles.reset();
        self.profile_dirty = [false; 2];
        for m in [Modality::Keystroke, Modality::Mouse] {
            let i = usize::from(m == Modality::Mouse);
            self.status[i] = (ProfileState::Trained, u32::MAX);
            self.report_profile(m);
        }
        self.log("profile_reset", vec![]);
    }
}

fn status_of(p: &UserProfiles, m: Modality) -> (ProfileState, u32) {
    let (state, samples, _) = p.status(m);
    (state, samples)
}

fn modality_name(m: Modality) -> &'static str {
    match m {
        Modality::Keystroke => "keystroke",
        Modality::Mouse => "mouse",
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Low => "low",
        Level::Medium => "medium",
        Level::High => "high",
    }
}

fn state_name(s: ProfileState) -> &'static str {
    match s {
        ProfileState::Enrolling => "enrolling",
        ProfileState::Trained => "trained",
    }
}

trait DecisionExt {
    fn max_by(self, other: Decision) -> Decision;
}

impl DecisionExt for Decision {
    fn max_by(self, other: Decision) -> Decision {
        let rank = |d: Decision| match d {
            Decision::None => 0,
            Decision::Challenge => 1,
            Decision::Block => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// A profile row to store: modality, state, samples, JSON.
pub type ProfileRowData = (&'static str, &'static str, i32, String);

/// One modality of a user's profiles as a row to store.
pub fn profile_row(p: &UserProfiles, m: Modality) -> Option<ProfileRowData> {
    let (state, samples, _) = p.status(m);
    let data = match m {
        Modality::Keystroke => serde_json::to_string(&p.keystroke),
        Modality::Mouse => serde_json::to_string(&p.mouse),
    };
    match data {
        Ok(d) => Some((
            modality_name(m),
            state_name(state),
            i32::try_from(samples).unwrap_or(i32::MAX),
            d,
        )),
        Err(e) => {
            log::error!("cannot serialise a profile: {e}");
            None
        }
    }
}

/// Writes profile rows (upsert per modality).
pub fn save_profile_rows(
    conn: &mut DbConnection,
    user_id: i64,
    rows: &[ProfileRowData],
) -> Result<(), ApiError> {
    for (modality, state, samples, data) in rows {
        behavior::upsert_profile(
            conn,
            &behavior::NewProfile {
                user_id,
                modality,
                state,
                samples: *samples,
                format_version: i32::try_from(behavior_ml::FORMAT_VERSION).unwrap_or(1),
                data,
            },
        )?;
    }
    Ok(())
}

/// Rebuilds a user's profiles from stored rows; unreadable rows (another
/// format version) start afresh with a warning.
pub fn load_profiles(
    cfg: &behavior_ml::Config,
    user_id: i64,
    rows: &[behavior::ProfileRow],
) -> UserProfiles {
    let mut p = UserProfiles::for_user(cfg, u64::try_from(user_id).unwrap_or_default());
    for row in rows {
        let ok = match row.modality.as_str() {
            "keystroke" => serde_json::from_str(&row.data)
                .map(|k| p.keystroke = k)
                .is_ok(),
            "mouse" => serde_json::from_str(&row.data).map(|m| p.mouse = m).is_ok(),
            _ => true,
        };
        if !ok {
            log::warn!(
                "stored {} profile of user {user_id} is unreadable; enrolling afresh",
                row.modality
            );
        }
    }
    p
}
