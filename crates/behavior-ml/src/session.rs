//! Per-connection scoring: raw event batches in, scored windows and decisions out.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::global::GlobalModel;
use crate::keystroke::{KeystrokeCollector, KeystrokeWindow};
use crate::keystroke_profile::{compare, KeystrokeProfile};
use crate::mouse::{ActionKind, MouseCollector, MouseWindow};
use crate::mouse_profile::{compare_mouse, MouseProfile};
use crate::stats::{logit, sigmoid};
use crate::{Config, ProfileState, FORMAT_VERSION};

/// Which input a window came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// Keyboard.
    Keystroke,
    /// Mouse.
    Mouse,
}

/// Risk level of one window (`low|medium|high` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Looks like the owner (or nothing known yet).
    Low,
    /// Unusual.
    Medium,
    /// Very unlike the owner, or input no person produces.
    High,
}

/// Which model produced a score (`profile|global|none` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelUsed {
    /// The owner's trained profile (fused with the global model when one exists).
    Profile,
    /// The global model against a still-enrolling profile.
    Global,
    /// No model yet (learning mode).
    None,
}

/// What the server should do after a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Nothing.
    None,
    /// Ask for the password again (session risk reached the challenge threshold).
    Challenge,
    /// End the session (session risk reached the block threshold).
    Block,
}

/// A feature window to store for global training (contains no key codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "modality", rename_all = "lowercase")]
pub enum FeatureWindow {
    /// Keystroke window.
    Keystroke(KeystrokeWindow),
    /// Mouse window.
    Mouse(MouseWindow),
}

/// A user's profiles for both modalities; what the server stores per user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfiles {
    /// Format version.
    pub version: u32,
    /// Opaque tag of the user (e.g. the database id); used to keep a user's own actions out
    /// of the "other people" reference when training their per-user mouse model.
    #[serde(default)]
    pub user_tag: u64,
    /// Keystroke profile.
    pub keystroke: KeystrokeProfile,
    /// Mouse profile.
    pub mouse: MouseProfile,
}

impl UserProfiles {
    /// Fresh, enrolling profiles with the enrollment sizes of `cfg`.
    pub fn new(cfg: &Config) -> UserProfiles {
        UserProfiles {
            version: FORMAT_VERSION,
            user_tag: 0,
            keystroke: {
                let mut k = KeystrokeProfile::with_keys(
                    cfg.keystroke_enroll_windows,
                    u64::from(cfg.keystroke_enroll_keys),
                );
                k.required_windows_short = cfg.keystroke_enroll_windows_short;
                k
            },
            mouse: MouseProfile::new(cfg.mouse_enroll_actions),
        }
    }

    /// Serialise to JSON (for the database).
    pub fn to_json(&self) -> crate::Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Deserialise from JSON, checking the format version.
    pub fn from_json(s: &str) -> crate::Result<UserProfiles> {
        let p: UserProfiles = serde_json::from_str(s)?;
        crate::check_version(p.version)?;
        crate::check_version(p.keystroke.version)?;
        crate::check_version(p.mouse.version)?;
        Ok(p)
    }

    /// Fresh profiles for the user identified by `user_tag` (e.g. the database id).
    pub fn for_user(cfg: &Config, user_tag: u64) -> UserProfiles {
        UserProfiles {
            user_tag,
            ..UserProfiles::new(cfg)
        }
    }

    /// True when the per-user mouse model should be (re)trained with
    /// [`UserProfiles::train_mouse_model`].
    pub fn mouse_model_stale(&self) -> bool {
        self.mouse.model_stale()
    }

    /// (Re)train the per-user mouse model against the global model's reference actions.
    /// CPU-bound, about a second: call it off the async executor (e.g. `spawn_blocking`),
    /// then persist the profiles. Returns `Ok(false)` when the global model has no reference
    /// actions yet, and an error when there are fewer than 100 owner actions or fewer than
    /// 100 reference actions of *other* users (a forest against nobody would accept anyone).
    pub fn train_mouse_model(&mut self, global: &GlobalModel) -> crate::Result<bool> {
        self.train_mouse_model_with(global, &Config::default())
    }

    /// [`UserProfiles::train_mouse_model`] with the mouse-model parameters of `cfg`.
    pub fn train_mouse_model_with(
        &mut self,
        global: &GlobalModel,
        cfg: &Config,
    ) -> crate::Result<bool> {
        match global.mouse_reference.as_ref() {
            Some(r) => {
                self.mouse
                    .train_model_with(r, self.user_tag, &cfg.mouse_model)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Analyst feedback: the owner produced `w` (verdict `owner` on a risk or termination
    /// event), so the profile of its modality learns it although it scored too high to be
    /// learnt on its own. Call it with each of the session's stored windows. Windows the
    /// profile learnt already (it keeps their fingerprints: every low-risk window of the
    /// session) are skipped, so nothing is counted twice, and non-human input is never learnt
    /// whatever the verdict. Returns true when the profile changed (persist the profiles).
    pub fn learn_confirmed(&mut self, w: &FeatureWindow, cfg: &Config) -> bool {
        match w {
            FeatureWindow::Keystroke(k) => {
                if self.keystroke.is_replay(k) || keystroke_nonhuman(k).is_some() {
                    return false;
                }
                self.keystroke.add(k);
                true
            }
            FeatureWindow::Mouse(m) => {
                if m.actions.is_empty()
                    || self.mouse.replayed_share(m) >= 0.5
                    || mouse_nonhuman_with(m, cfg).is_some()
                {
                    return false;
                }
                self.mouse.add(m);
                true
            }
        }
    }

    /// Forget both profiles (start enrolling again).
    pub fn reset(&mut self) {
        self.keystroke.reset();
        self.mouse.reset();
    }

    /// Enrollment status of a modality: `(state, samples, required)` as in the `profile`
    /// message (keystroke samples are keystrokes, or windows when no keystroke requirement
    /// is configured; mouse samples are actions).
    pub fn status(&self, m: Modality) -> (ProfileState, u32, u32) {
        match m {
            Modality::Keystroke => {
                let (samples, required) = self.keystroke.progress();
                (self.keystroke.state(), samples, required)
            }
            Modality::Mouse => (
                self.mouse.state(),
                self.mouse.samples.min(self.mouse.required),
                self.mouse.required,
            ),
        }
    }
}

/// What the monitor and pages show for a modality: its enrollment state, or `not_used` for a
/// modality the user does not use (a keyboard-only user's mouse) instead of "enrolling"
/// forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// Collecting samples.
    Enrolling,
    /// Ready to score.
    Trained,
    /// The other modality finished enrolling while this one collected less than
    /// [`NOT_USED_SHARE`] of its requirement; it goes back to `enrolling` as soon as it is used.
    NotUsed,
}

/// Share of a modality's enrollment requirement below which it counts as not used once the
/// other modality is trained.
pub const NOT_USED_SHARE: f64 = 0.05;

impl UserProfiles {
    /// Usage state of a modality (see [`Usage`]).
    pub fn usage(&self, m: Modality) -> Usage {
        let (state, samples, required) = self.status(m);
        let other = match m {
            Modality::Keystroke => Modality::Mouse,
            Modality::Mouse => Modality::Keystroke,
        };
        match state {
            ProfileState::Trained => Usage::Trained,
            ProfileState::Enrolling
                if self.status(other).0 == ProfileState::Trained
                    && f64::from(samples) < NOT_USED_SHARE * f64::from(required) =>
            {
                Usage::NotUsed
            }
            ProfileState::Enrolling => Usage::Enrolling,
        }
    }
}

/// Score of one window, before the session decision.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowScore {
    /// Score in `[0, 1]` (higher = less like the owner), `None` in learning mode.
    pub score: Option<f64>,
    /// Model used.
    pub model: ModelUsed,
    /// Human-readable reasons.
    pub reasons: Vec<String>,
}

fn reasons_from(signed: &[(&'static str, f64)], min_z: f64, max: usize) -> Vec<String> {
    let mut v: Vec<&(&str, f64)> = signed.iter().filter(|(_, z)| z.abs() >= min_z).collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    v.into_iter()
        .take(max)
        .map(|(name, z)| {
            let timing = name.ends_with("times") || name.ends_with("hold");
            let dir = match (timing, *z > 0.0) {
                (true, true) => "slower",
                (true, false) => "faster",
                (false, true) => "higher",
                (false, false) => "lower",
            };
            format!("{name} {dir} than profile ({:.1} SD)", z.abs())
        })
        .collect()
}

fn fuse(cfg: &Config, global: Option<f64>, profile: f64) -> f64 {
    match global {
        Some(g) => sigmoid(cfg.fusion_global * logit(g) + cfg.fusion_profile * logit(profile)),
        None => profile,
    }
}

/// Score a keystroke window against a profile (and the global model if any). Pure function
/// used by [`SessionScorer`] and by the evaluation.
pub fn score_keystroke(
    p: &KeystrokeProfile,
    global: Option<&GlobalModel>,
    w: &KeystrokeWindow,
    cfg: &Config,
) -> WindowScore {
    let gm = global.and_then(|g| g.keystroke.as_ref());
    if p.samples < cfg.min_samples_for_global && p.state() != ProfileState::Trained {
        return WindowScore {
            score: None,
            model: ModelUsed::None,
            reasons: Vec::new(),
        };
    }
    let c = compare(p, w);
    let g = gm.and(global).and_then(|m| m.keystroke_prob(&c.vector));
    let (score, model) = match (p.profile_score(c.distance), g) {
        (Some(ps), Some(g)) => (Some(fuse(cfg, Some(g), ps)), ModelUsed::Profile),
        (Some(ps), None) => (
            Some(p.calibration().map_or(ps, |(m, s)| {
                let z = (c.distance - m) / s.max(cfg.profile_only_min_sd);
                sigmoid(cfg.profile_only_scale * (z - cfg.profile_only_offset))
            })),
            ModelUsed::Profile,
        ),
        (None, Some(g)) => (Some(g), ModelUsed::Global),
        (None, None) => (None, ModelUsed::None),
    };
    let reasons = match score {
        Some(s) if s >= cfg.medium_score => reasons_from(&c.signed, cfg.reason_min_sd / 2.0, 3),
        Some(_) => reasons_from(&c.signed, cfg.reason_min_sd * 1.5, 2),
        None => Vec::new(),
    };
    WindowScore {
        score,
        model,
        reasons,
    }
}

/// Score a mouse window against a profile (and the global model if any).
///
/// Trained profile: the per-user forest's score when it exists (fused with the global pair
/// model), otherwise the profile distance fused with the global pair model. Enrolling profile
/// with at least 100 actions and a global model: the global pair model alone. Otherwise
/// learning mode (`None`).
pub fn score_mouse(
    p: &MouseProfile,
    global: Option<&GlobalModel>,
    w: &MouseWindow,
    cfg: &Config,
) -> WindowScore {
    let none = WindowScore {
        score: None,
        model: ModelUsed::None,
        reasons: Vec::new(),
    };
    if !p.has_sketches() || w.actions.is_empty() {
        return none;
    }
    let c = compare_mouse(p, global.and_then(|g| g.mouse_population.as_ref()), w);
    let g = global
        .and_then(|g| g.mouse.as_ref())
        .map(|m| m.prob(&c.vector));
    let reasons_for = |score: f64| {
        if score >= cfg.medium_score {
            reasons_from(&c.signed, cfg.reason_min_sd, 3)
        } else {
            reasons_from(&c.signed, cfg.reason_min_sd * 2.0, 2)
        }
    };
    if p.state() != ProfileState::Trained {
        return match g {
            Some(g) => WindowScore {
                score: Some(g),
                model: ModelUsed::Global,
                reasons: reasons_for(g),
            },
            None => none,
        };
    }
    let score = match (p.model_score(w), g) {
        (Some(f), Some(g)) => {
            sigmoid(cfg.mouse_fusion_model * logit(f) + cfg.mouse_fusion_global * logit(g))
        }
        (Some(f), None) => f,
        (None, g) => fuse(cfg, g, p.profile_score(c.distance).unwrap_or(0.5)),
    };
    WindowScore {
        score: Some(score),
        model: ModelUsed::Profile,
        reasons: reasons_for(score),
    }
}

/// Reason given when a keystroke window is not humanly possible, if it is not.
///
/// The thresholds sit well outside what 6,000 real typed sentences of 400 people show
/// (docs/behavior.md): hold-time SD ≥ 11 ms, DD SD ≥ 29 ms, at most 26 % of holds ≤ 5 ms,
/// at most 34 % of DD latencies equal, timing grids of at most 16 ms (coarse browser clocks).
pub fn keystroke_nonhuman(w: &KeystrokeWindow) -> Option<String> {
    if w.keystrokes < 10 {
        return None;
    }
    let holds: u32 = w.keys.iter().map(|k| k.n).sum();
    let dds: u32 = w.pairs.iter().map(|p| p.n).sum();
    if w.quick_hold_share >= 0.5 {
        return Some(format!(
            "keys released at once after the press ({:.0}% of holds under 5 ms: automated input)",
            f64::from(w.quick_hold_share) * 100.0
        ));
    }
    if holds >= 10 && dds >= 10 && w.hold_sd_ms < 1.0 && w.dd_sd_ms < 1.0 {
        return Some("key timings with zero variance (automated input)".into());
    }
    if holds >= 10 && w.hold_sd_ms < 3.0 {
        return Some("every key released the same time after its press (automated input)".into());
    }
    if dds >= 5 && w.dd_median_ms < 15.0 {
        return Some(format!(
            "typing faster than a person can ({:.0} keys/s)",
            1000.0 / f64::from(w.dd_median_ms.max(0.5))
        ));
    }
    if dds >= 10 && (w.dd_sd_ms < 8.0 || w.dd_mode_share >= 0.6) {
        return Some("keys pressed at metronome intervals (automated input)".into());
    }
    if w.grid_ms >= 20.0 {
        return Some(format!(
            "key timings on an exact {:.0} ms grid (automated input)",
            w.grid_ms
        ));
    }
    None
}

/// Reason given when a mouse window is not humanly possible, if it is not (with the default
/// configuration).
pub fn mouse_nonhuman(w: &MouseWindow) -> Option<String> {
    mouse_nonhuman_with(w, &Config::default())
}

/// [`mouse_nonhuman`] with the teleport rule of `cfg` (`teleport_clicks_nonhuman`).
pub fn mouse_nonhuman_with(w: &MouseWindow, cfg: &Config) -> Option<String> {
    let moves: Vec<_> = w
        .actions
        .iter()
        .filter(|a| a.kind != ActionKind::Scroll)
        .collect();
    let f = |a: &crate::mouse::MouseAction, i: usize| a.f.get(i).map_or(0.0, |v| f64::from(*v));
    if moves.len() >= 3 && moves.iter().all(|a| f(a, 5).abs() < 1e-4) {
        return Some("pointer moves at perfectly constant speed (automated input)".into());
    }
    if moves.iter().filter(|a| f(a, 4) > 11.5).count() >= 2 {
        return Some("pointer faster than a person can move it".into());
    }
    // paths of at least 5 pointer events, all ruler-straight at an even speed
    let long: Vec<_> = moves.iter().filter(|a| f(a, 15) >= 5f64.ln()).collect();
    let ruler = long
        .iter()
        .filter(|a| f(a, 2) >= 0.995 && f(a, 5) < 0.15)
        .count();
    if long.len() >= 3 && ruler * 5 >= long.len() * 4 {
        return Some("pointer moves in straight lines at constant speed (automated input)".into());
    }
    if cfg.teleport_clicks_nonhuman > 0 && w.teleport_clicks >= cfg.teleport_clicks_nonhuman {
        return Some(
            "pointer jumps onto its click targets without moving there (automated input)".into(),
        );
    }
    None
}

fn available_model(state: ProfileState, global: bool) -> ModelUsed {
    match (state, global) {
        (ProfileState::Trained, _) => ModelUsed::Profile,
        (ProfileState::Enrolling, true) => ModelUsed::Global,
        (ProfileState::Enrolling, false) => ModelUsed::None,
    }
}

/// One scored window, ready to be sent as a `risk` message and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowResult {
    /// Modality.
    pub modality: Modality,
    /// Score in `[0, 1]`, `None` in learning mode.
    pub score: Option<f64>,
    /// Level of this window.
    pub level: Level,
    /// Model used.
    pub model: ModelUsed,
    /// Accumulated session risk in `[0, 1]` after this window.
    pub session_risk: f64,
    /// Reasons in words.
    pub reasons: Vec<String>,
    /// Decision after this window.
    pub decision: Decision,
    /// Feature window to store for global training (`None` for non-human input, which must
    /// not train anything).
    pub window: Option<FeatureWindow>,
    /// True when the profile of this modality changed (enrollment progress or update); the
    /// server should persist the profiles and send a `profile` message.
    pub profile_changed: bool,
    /// State of the modality's profile after this window.
    pub profile_state: ProfileState,
    /// Enrollment progress (samples, required) of the modality's profile.
    pub samples: u32,
    /// Required samples.
    pub required: u32,
    /// Keystrokes (or mouse actions) in the window.
    pub size: u32,
    /// True when the per-user mouse model should be (re)trained: call
    /// [`UserProfiles::train_mouse_model`] off the async executor, then persist the profiles.
    pub mouse_model_stale: bool,
}

/// Per-connection scorer: owns the partial windows and the session risk of one session.
///
/// The server keeps one per websocket connection, calls [`SessionScorer::process`] with each
/// `behavior` message's events, the owner's [`UserProfiles`] (updated in place) and the
/// latest [`GlobalModel`], then sends a `risk` message per result, persists the profiles when
/// `profile_changed`, stores `window` for global training, and acts on `decision`.
#[derive(Debug, Clone)]
pub struct SessionScorer {
    cfg: Config,
    keys: KeystrokeCollector,
    mouse: MouseCollector,
    evidence: f64,
    windows: u32,
    challenged: bool,
    blocked: bool,
    seen_packets: HashSet<u64>,
    packet_order: VecDeque<u64>,
}

impl SessionScorer {
    /// A scorer with the given configuration (use `Config::default()` in production).
    pub fn new(cfg: Config) -> SessionScorer {
        SessionScorer {
            cfg,
            keys: KeystrokeCollector::default(),
            mouse: MouseCollector::default(),
            evidence: 0.0,
            windows: 0,
            challenged: false,
            blocked: false,
            seen_packets: HashSet::new(),
            packet_order: VecDeque::new(),
        }
    }

    /// Configuration in use.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Current session risk in `[0, 1]`.
    pub fn session_risk(&self) -> f64 {
        1.0 - (-self.evidence / self.cfg.risk_scale).exp()
    }

    /// True once a block decision was issued.
    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    /// The owner answered a challenge (password re-entered): clear the accumulated evidence.
    pub fn challenge_passed(&mut self) {
        self.evidence = 0.0;
        self.challenged = false;
    }

    fn packet_hash(events: &[Event]) -> Option<u64> {
        if events.len() < 8 {
            return None;
        }
        let t0 = events.first().map(Event::t).unwrap_or(0.0);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |v: u64| {
            h ^= v;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        for e in events {
            let dt = ((e.t() - t0) * 1000.0).round();
            mix(dt.to_bits());
            match e {
                Event::Keydown { code, .. } => {
                    mix(1);
                    mix(crate::keys::key_id(code.as_deref()));
                }
                Event::Keyup { code, .. } => {
                    mix(2);
                    mix(crate::keys::key_id(code.as_deref()));
                }
                Event::Mousemove { x, y, .. } => {
                    mix(3);
                    mix(x.to_bits());
                    mix(y.to_bits());
                }
                Event::Mousedown { x, y, button, .. } | Event::Mouseup { x, y, button, .. } => {
                    mix(4 + u64::from(*button));
                    mix(x.to_bits());
                    mix(y.to_bits());
                }
                Event::Wheel { dx, dy, .. } => {
                    mix(9);
                    mix(dx.to_bits());
                    mix(dy.to_bits());
                }
            }
        }
        Some(h)
    }

    /// Process one batch of events (one `behavior` message). Returns one result per window
    /// completed by this batch (often none for small batches).
    pub fn process(
        &mut self,
        events: &[Event],
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
    ) -> Vec<WindowResult> {
        let mut repeat = false;
        if let Some(h) = Self::packet_hash(events) {
            if !self.seen_packets.insert(h) {
                repeat = true;
            } else {
                self.packet_order.push_back(h);
                if self.packet_order.len() > 512 {
                    if let Some(old) = self.packet_order.pop_front() {
                        self.seen_packets.remove(&old);
                    }
                }
            }
        }
        let mut out = Vec::new();
        if repeat {
            // Do not let replayed events into the windows; report them as high risk.
            let keyboard = events.iter().filter(|e| e.is_keyboard()).count() * 2 >= events.len();
            let (modality, model) = if keyboard {
                (
                    Modality::Keystroke,
                    available_model(
                        profiles.keystroke.state(),
                        global.is_some_and(|g| g.keystroke.is_some()),
                    ),
                )
            } else {
                (
                    Modality::Mouse,
                    available_model(
                        profiles.mouse.state(),
                        global.is_some_and(|g| g.mouse.is_some()),
                    ),
                )
            };
            let r = self.decide(
                modality,
                WindowScore {
                    score: Some(1.0),
                    model,
                    reasons: vec!["exact repeat of an earlier packet (replayed input)".into()],
                },
                None,
                false,
                profiles,
                true,
                0,
            );
            out.push(r);
            return out;
        }
        for w in self.collect(events, false) {
            self.score_window(w, profiles, global, &mut out);
        }
        out
    }

    /// The client has sent nothing for longer than the typing pause: closes the pending
    /// keystroke window when it holds at least `keystroke_min_window` keystrokes, exactly as
    /// the next keydown after a pause would, so a typed sentence is scored without waiting for
    /// the next one. Shorter bursts stay pending (nothing is discarded). Servers call this
    /// from a timer about `keystroke_pause_ms` after the last message.
    pub fn idle(
        &mut self,
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
    ) -> Vec<WindowResult> {
        let mut out = Vec::new();
        let min_keys = self.cfg.keystroke_min_window as usize;
        if self.keys.pending() >= min_keys {
            if let Some(w) = cut_keystroke_window(&mut self.keys, min_keys) {
                self.score_window(w, profiles, global, &mut out);
            }
        }
        out
    }

    /// Force windows from whatever is pending (e.g. end of a recording or a long pause).
    pub fn flush(
        &mut self,
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
    ) -> Vec<WindowResult> {
        let mut out = Vec::new();
        for w in self.collect(&[], true) {
            self.score_window(w, profiles, global, &mut out);
        }
        out
    }

    /// Score one already-cut window (for example a stored one, or one built by
    /// [`SessionScorer::windows_only`]) exactly as [`SessionScorer::process`] scores the
    /// windows it cuts: the profile learns from it and the session decision advances.
    pub fn process_window(
        &mut self,
        w: FeatureWindow,
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
    ) -> Option<WindowResult> {
        let mut out = Vec::with_capacity(1);
        self.score_window(w, profiles, global, &mut out);
        out.pop()
    }

    /// Cut feature windows from a batch without scoring them, with exactly the windowing of
    /// [`SessionScorer::process`] (for building training data from recordings). `flush`
    /// closes everything pending at the end.
    pub fn windows_only(&mut self, events: &[Event], flush: bool) -> Vec<FeatureWindow> {
        self.collect(events, flush)
    }

    fn collect(&mut self, events: &[Event], flush: bool) -> Vec<FeatureWindow> {
        let mut out = Vec::new();
        let min_keys = self.cfg.keystroke_min_window as usize;
        let cut_keys = |keys: &mut KeystrokeCollector, out: &mut Vec<FeatureWindow>| {
            out.extend(cut_keystroke_window(keys, min_keys));
        };
        for e in events {
            if e.is_keyboard() {
                // a typing pause closes the pending window (sentence / field boundary)
                if let Event::Keydown { t, .. } = e {
                    let gap = (t - self.keys.last_t()).abs();
                    if gap.is_finite()
                        && gap > self.cfg.keystroke_pause_ms
                        && self.keys.pending() >= min_keys
                    {
                        cut_keys(&mut self.keys, &mut out);
                    }
                }
                self.keys.push(e);
                if self.keys.pending() >= self.cfg.keystroke_max_window as usize {
                    cut_keys(&mut self.keys, &mut out);
                }
            } else {
                self.mouse.push(e);
            }
        }
        if flush {
            self.keys.flush_open();
            if self.keys.pending() >= min_keys / 2 {
                cut_keys(&mut self.keys, &mut out);
            } else {
                self.keys.take();
            }
            self.mouse.flush();
            if let Some(w) = self.mouse.take_window(1) {
                out.push(FeatureWindow::Mouse(w));
            }
        } else {
            let now = self.mouse.last_t();
            self.mouse.close_idle(now);
            if let Some(w) = self
                .mouse
                .take_window(self.cfg.mouse_min_window_actions as usize)
            {
                out.push(FeatureWindow::Mouse(w));
            }
        }
        out
    }

    fn score_window(
        &mut self,
        w: FeatureWindow,
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
        out: &mut Vec<WindowResult>,
    ) {
        match w {
            FeatureWindow::Keystroke(w) => self.cut_keys(w, profiles, global, out),
            FeatureWindow::Mouse(w) => self.cut_mouse(w, profiles, global, out),
        }
    }

    fn cut_keys(
        &mut self,
        w: KeystrokeWindow,
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
        out: &mut Vec<WindowResult>,
    ) {
        let size = w.keystrokes;
        let verdict = if profiles.keystroke.is_replay(&w) {
            Some("exact replay of earlier recorded typing (replayed input)".to_string())
        } else {
            keystroke_nonhuman(&w)
        };
        let (ws, nonhuman) = match verdict {
            Some(reason) => (
                WindowScore {
                    score: Some(1.0),
                    model: available_model(
                        profiles.keystroke.state(),
                        global.is_some_and(|g| g.keystroke.is_some()),
                    ),
                    reasons: vec![reason],
                },
                true,
            ),
            None => (
                score_keystroke(&profiles.keystroke, global, &w, &self.cfg),
                false,
            ),
        };
        let mut changed = false;
        // Profile-only scores are steeper than the fused ones: their update threshold is set
        // on the calibrated distance instead.
        let max_score = if global.and_then(|g| g.keystroke.as_ref()).is_none() {
            sigmoid(
                self.cfg.profile_only_scale
                    * (self.cfg.profile_only_update_max_z - self.cfg.profile_only_offset),
            )
        } else {
            self.cfg.update_max_score
        };
        if !nonhuman && self.may_learn(&ws, profiles.keystroke.state(), max_score) {
            profiles.keystroke.add(&w);
            changed = true;
        }
        let window = (!nonhuman).then_some(FeatureWindow::Keystroke(w));
        out.push(self.decide(
            Modality::Keystroke,
            ws,
            window,
            changed,
            profiles,
            nonhuman,
            size,
        ));
    }

    fn cut_mouse(
        &mut self,
        w: MouseWindow,
        profiles: &mut UserProfiles,
        global: Option<&GlobalModel>,
        out: &mut Vec<WindowResult>,
    ) {
        let size = u32::try_from(w.actions.len())
            .unwrap_or(u32::MAX)
            .saturating_add(w.clicks);
        let verdict = if profiles.mouse.replayed_share(&w) >= 0.5 {
            Some("exact replay of earlier recorded pointer movements (replayed input)".to_string())
        } else {
            mouse_nonhuman_with(&w, &self.cfg)
        };
        let (ws, nonhuman) = match verdict {
            Some(reason) => (
                WindowScore {
                    score: Some(1.0),
                    model: available_model(
                        profiles.mouse.state(),
                        global.is_some_and(|g| g.mouse.is_some()),
                    ),
                    reasons: vec![reason],
                },
                true,
            ),
            None => (score_mouse(&profiles.mouse, global, &w, &self.cfg), false),
        };
        let mut changed = false;
        if !nonhuman && self.may_learn(&ws, profiles.mouse.state(), self.cfg.update_max_score) {
            profiles.mouse.add(&w);
            changed = true;
        }
        let window = (!nonhuman).then_some(FeatureWindow::Mouse(w));
        out.push(self.decide(
            Modality::Mouse,
            ws,
            window,
            changed,
            profiles,
            nonhuman,
            size,
        ));
    }

    fn may_learn(&self, ws: &WindowScore, state: ProfileState, update_max_score: f64) -> bool {
        if self.challenged || self.blocked {
            return false;
        }
        match (state, ws.score) {
            (ProfileState::Enrolling, None) => true,
            (ProfileState::Enrolling, Some(s)) => s < self.cfg.enroll_max_score,
            (ProfileState::Trained, Some(s)) => s < update_max_score,
            (ProfileState::Trained, None) => false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &mut self,
        modality: Modality,
        ws: WindowScore,
        window: Option<FeatureWindow>,
        profile_changed: bool,
        profiles: &UserProfiles,
        nonhuman: bool,
        size: u32,
    ) -> WindowResult {
        let learning = ws.model == ModelUsed::None;
        if let Some(s) = ws.score {
            // a still-enrolling profile is less certain: its evidence counts less
            let weight = if ws.model == ModelUsed::Global {
                self.cfg.enrolling_evidence_weight
            } else {
                1.0
            };
            let e = weight
                * (logit(s) - self.cfg.evidence_offset)
                    .clamp(-self.cfg.max_window_evidence, self.cfg.max_window_evidence);
            self.evidence = (self.evidence + e).max(0.0);
            self.windows = self.windows.saturating_add(1);
        }
        let risk = self.session_risk();
        let level = match ws.score {
            Some(s) if nonhuman || s >= self.cfg.high_score => Level::High,
            Some(s) if s >= self.cfg.medium_score => Level::Medium,
            _ => Level::Low,
        };
        let decision =
            if self.blocked || (!learning && risk >= self.cfg.block_risk && self.windows >= 2) {
                self.blocked = true;
                Decision::Block
            } else if risk >= self.cfg.challenge_risk && (!learning || nonhuman) {
                self.challenged = true;
                Decision::Challenge
            } else {
                Decision::None
            };
        let (state, samples, required) = profiles.status(modality);
        WindowResult {
            modality,
            score: ws.score,
            level,
            model: ws.model,
            session_risk: risk,
            reasons: ws.reasons,
            decision,
            window,
            profile_changed,
            profile_state: state,
            samples,
            required,
            size,
            mouse_model_stale: profiles.mouse_model_stale(),
        }
    }
}

/// Takes the pending keystrokes as one window (the cut shared by pauses, the
/// size cap, flushes and idle connections); `None` when too few are usable.
fn cut_keystroke_window(keys: &mut KeystrokeCollector, min_keys: usize) -> Option<FeatureWindow> {
    let ks = keys.take();
    KeystrokeWindow::from_keystrokes(&ks, min_keys / 2).map(FeatureWindow::Keystroke)
}
