//! # behavior-ml
//!
//! Continuous behavioural authentication from keystroke and mouse dynamics: wire events,
//! windowing, privacy-preserving features, per-user profiles, a global model trained with
//! [`smartcore`] that transfers to unseen users, and a session decision that accumulates
//! evidence so one odd window never ends a session.
//!
//! No web, database, async runtime or I/O: only serde.
//!
//! ## Server usage
//!
//! ```
//! use behavior_ml::{Config, SessionScorer, UserProfiles, Event, Decision};
//!
//! let cfg = Config::default();
//! let mut profiles = UserProfiles::for_user(&cfg, 42); // or UserProfiles::from_json(stored)?
//! let global = None;                               // or Some(&GlobalModel::from_json(..)?)
//! let mut scorer = SessionScorer::new(cfg.clone()); // one per websocket connection
//!
//! let batch: Vec<Event> = serde_json::from_str(
//!     r#"[{"t":0,"kind":"keydown","code":"KeyA"},{"t":80,"kind":"keyup","code":"KeyA"}]"#,
//! ).unwrap();
//! for r in scorer.process(&batch, &mut profiles, global) {
//!     // send {"type":"risk", score: r.score, level: r.level, model: r.model,
//!     //       session_risk: r.session_risk, reasons: r.reasons}
//!     if r.profile_changed { /* persist profiles.to_json()?, send a profile message */ }
//!     if let Some(w) = r.window { /* store w for global training */ let _ = w; }
//!     match r.decision { Decision::Block => {}, Decision::Challenge => {}, Decision::None => {} }
//!     if r.mouse_model_stale { /* off the executor: profiles.train_mouse_model(&global)? */ }
//! }
//! // after a few quiet seconds: scorer.flush(&mut profiles, global) closes pending windows
//! ```
//!
//! Periodically, a trainer collects users' stored windows and calls
//! [`GlobalModel::train`] (keystroke windows per user; mouse windows per user with an opaque
//! user tag), then hands the new model to the scorers.
//!
//! Enrollment: keystrokes need at least 300 key presses (about 7 typed sentences; or 8
//! windows of short sentences), mouse 400 actions (a few minutes of pointing and clicking;
//! the global model scores an enrolling mouse profile from 100 actions on). See `docs/behavior.md` for the design and
//! the measured figures.

#![warn(missing_docs)]

pub mod error;
pub mod events;
pub mod forest;
pub mod global;
pub mod keycodes;
pub mod keys;
pub mod keystroke;
pub mod keystroke_profile;
pub mod mouse;
pub mod mouse_model;
pub mod mouse_profile;
pub mod replay;
pub mod session;
pub mod stats;
pub mod synth;

use serde::{Deserialize, Serialize};

pub use error::{BehaviorError, Result};
pub use events::Event;
pub use global::GlobalModel;
pub use keycodes::js_keycode_to_code;
pub use keystroke::KeystrokeWindow;
pub use keystroke_profile::KeystrokeProfile;
pub use mouse::MouseWindow;
pub use mouse_profile::MouseProfile;
pub use session::{
    score_keystroke, score_mouse, Decision, FeatureWindow, Level, Modality, ModelUsed,
    SessionScorer, Usage, UserProfiles, WindowResult, WindowScore,
};

/// Format version of serialised profiles, windows and models.
pub const FORMAT_VERSION: u32 = 1;

pub(crate) fn check_version(v: u32) -> Result<()> {
    if v == FORMAT_VERSION {
        Ok(())
    } else {
        Err(BehaviorError::Version {
            found: v,
            expected: FORMAT_VERSION,
        })
    }
}

/// Enrollment state of a profile (`enrolling|trained` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileState {
    /// Still collecting samples.
    Enrolling,
    /// Ready to score.
    Trained,
}

/// Tunables. `Config::default()` is what the server and the evaluation use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Keystroke windows (at least) needed to train a keystroke profile.
    pub keystroke_enroll_windows: u32,
    /// Keystrokes (at least) needed to train a keystroke profile.
    pub keystroke_enroll_keys: u32,
    /// Alternatively, this many keystroke windows with at least two thirds of
    /// `keystroke_enroll_keys` train the profile (short sentences; 0: off).
    pub keystroke_enroll_windows_short: u32,
    /// Windows of the "full" profiles the global model's training pairs are built from
    /// (about what a profile holds when its enrollment completes).
    pub pair_profile_windows: u32,
    /// A typing pause (ms without keyboard events) closes the pending keystroke window when
    /// it holds at least `keystroke_min_window` key presses.
    pub keystroke_pause_ms: f64,
    /// Fewest key presses a pause-delimited window needs (fewer: they wait for more typing).
    pub keystroke_min_window: u32,
    /// A window is cut as soon as this many keystrokes are pending.
    pub keystroke_max_window: u32,
    /// Mouse actions needed to train a mouse profile.
    pub mouse_enroll_actions: u32,
    /// A batch with at least this many completed mouse actions pending becomes a window.
    pub mouse_min_window_actions: u32,
    /// Profile windows absorbed before the global model scores an enrolling user.
    pub min_samples_for_global: u32,
    /// Weight of the per-user mouse forest's log-odds in the fused mouse score.
    pub mouse_fusion_model: f64,
    /// Weight of the global mouse model's log-odds in the fused mouse score.
    pub mouse_fusion_global: f64,
    /// Weight of the global model's log-odds in the fused score.
    pub fusion_global: f64,
    /// Without a global model (fresh installation) a trained keystroke profile scores a window
    /// `σ(profile_only_scale · (z − profile_only_offset))`, `z` being the window's distance
    /// standardised by the owner's leave-one-out enrollment distances.
    pub profile_only_scale: f64,
    /// See `profile_only_scale`.
    pub profile_only_offset: f64,
    /// Floor of the enrollment distances' standard deviation in the profile-only score (a
    /// handful of enrollment windows can agree by chance).
    pub profile_only_min_sd: f64,
    /// Without a global model, a trained keystroke profile learns from windows whose
    /// calibrated distance `z` is below this (with one, from windows scoring below
    /// `update_max_score`).
    pub profile_only_update_max_z: f64,
    /// Weight of the profile's log-odds in the fused score.
    pub fusion_profile: f64,
    /// Window score at or above which the level is `medium`.
    pub medium_score: f64,
    /// Window score at or above which the level is `high`.
    pub high_score: f64,
    /// A trained profile is updated only from windows scoring below this.
    pub update_max_score: f64,
    /// During enrollment, windows scoring at or above this (by the global model) are not
    /// absorbed.
    pub enroll_max_score: f64,
    /// Evidence per window is `logit(score) - evidence_offset`, accumulated with a floor at 0
    /// (a CUSUM).
    pub evidence_offset: f64,
    /// Weight of the evidence of windows scored by the global model alone (enrolling
    /// profiles).
    pub enrolling_evidence_weight: f64,
    /// Cap of one window's evidence, so one odd window never blocks.
    pub max_window_evidence: f64,
    /// `session_risk = 1 - exp(-evidence / risk_scale)`.
    pub risk_scale: f64,
    /// Session risk at which the user is challenged.
    pub challenge_risk: f64,
    /// Session risk at which the session is ended.
    pub block_risk: f64,
    /// Reasons list deviations of at least this many standard deviations.
    pub reason_min_sd: f64,
    /// The per-user mouse model.
    pub mouse_model: mouse_model::MouseModelParams,
    /// Impostor pairs per genuine pair when training the keystroke global model.
    pub pair_impostors: u32,
    /// A mouse window with at least this many clicks onto points the pointer jumped to
    /// (> 100 px, no movement there) is non-human; 0 turns the rule off. Off by default until
    /// the server's WebDriver browser test moves the pointer before it clicks (WebDriver's
    /// element click is exactly such a jump).
    pub teleport_clicks_nonhuman: u32,
    /// Also train a random forest on the keystroke pair vectors (averaged with the linear
    /// model).
    pub keystroke_forest: bool,
    /// Regularisation (α) of the keystroke global model's logistic regression.
    pub keystroke_alpha: f64,
    /// Each training user's windows give this many "full" profiles for the keystroke global
    /// model's pairs (the window order rotated each time, so the genuine windows differ).
    pub pair_rotations: u32,
    /// Genuine pairs per user from the partial (about a third of a full) profile, so
    /// enrolling users are covered (0: none).
    pub pair_partial_genuine: u32,
    /// Also a profile of this many windows (0: none), with up to `pair_mid_genuine` genuine
    /// pairs, for profiles between the partial and the full one.
    pub pair_mid_windows: u32,
    /// See `pair_mid_windows`.
    pub pair_mid_genuine: u32,
    /// Each impostor pair is the closest (smallest profile distance) of this many random
    /// windows of other users (1: a random one), so the model learns the border region.
    pub pair_hard_candidates: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            keystroke_enroll_windows: 5,
            keystroke_enroll_keys: 300,
            keystroke_enroll_windows_short: 8,
            pair_profile_windows: 10,
            keystroke_pause_ms: 1_500.0,
            keystroke_min_window: 20,
            keystroke_max_window: 80,
            mouse_enroll_actions: 400,
            mouse_min_window_actions: 4,
            min_samples_for_global: 2,
            mouse_fusion_model: 1.0,
            mouse_fusion_global: 0.3,
            fusion_global: 1.0,
            profile_only_scale: 2.2,
            profile_only_offset: 0.7,
            profile_only_min_sd: 0.18,
            profile_only_update_max_z: 0.7,
            fusion_profile: 0.5,
            medium_score: 0.5,
            high_score: 0.8,
            update_max_score: 0.3,
            enroll_max_score: 0.9,
            evidence_offset: 0.5,
            enrolling_evidence_weight: 0.5,
            max_window_evidence: 4.0,
            risk_scale: 3.0,
            challenge_risk: 0.6,
            block_risk: 0.9,
            reason_min_sd: 2.0,
            mouse_model: mouse_model::MouseModelParams::default(),
            pair_impostors: 2,
            teleport_clicks_nonhuman: 0,
            keystroke_forest: false,
            keystroke_alpha: 1.0,
            pair_rotations: 1,
            pair_partial_genuine: 2,
            pair_mid_windows: 0,
            pair_mid_genuine: 4,
            pair_hard_candidates: 1,
        }
    }
}
