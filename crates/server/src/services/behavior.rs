//! Behaviour profiles and the global model: loading and saving a user's
//! profiles, storing scored feature windows for global training, resetting
//! profiles, and training the global model.

use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
use super::events::{self, Event};
use super::live::Notice;
use behavior_ml::{
    FeatureWindow, GlobalModel, KeystrokeWindow, Modality, MouseWindow, ProfileState, UserProfiles,
};
use serde_json::{json, Value};
use std::{collections::BTreeMap, time::Instant};
use workspace_domain::{Capability, EventKind, SessionId, Severity, UserId, Username};
use workspace_persistence::{
    behavior, locks, now_utc, users, Database, DbConnection, PersistenceError,
};

/// Modality name under which the (combined) global model is stored.
pub const MODEL_KEY: &str = "combined";
/// Versions of the global model kept.
const MODELS_KEPT: i64 = 5;

/// The stored name of a modality.
pub fn modality_name(m: Modality) -> &'static str {
    match m {
        Modality::Keystroke => "keystroke",
        Modality::Mouse => "mouse",
    }
}

/// The stored name of a profile state.
pub fn state_name(s: ProfileState) -> &'static str {
    match s {
        ProfileState::Enrolling => "enrolling",
        ProfileState::Trained => "trained",
    }
}

/// One modality of a user's profiles, serialised, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRowData {
    /// `keystroke` or `mouse`.
    pub modality: &'static str,
    /// `enrolling` or `trained`.
    pub state: &'static str,
    /// Windows the profile has seen.
    pub samples: i32,
    /// The profile as JSON.
    pub data: String,
}

/// One modality of `profiles` as a row to store (`None`, logged, if it
/// cannot be serialised).
pub fn profile_row(profiles: &UserProfiles, m: Modality) -> Option<ProfileRowData> {
    let (state, samples, _) = profiles.status(m);
    let data = match m {
        Modality::Keystroke => serde_json::to_string(&profiles.keystroke),
        Modality::Mouse => serde_json::to_string(&profiles.mouse),
    };
    match data {
        Ok(data) => Some(ProfileRowData {
            modality: modality_name(m),
            state: state_name(state),
            samples: i32::try_from(samples).unwrap_or(i32::MAX),
            data,
        }),
        Err(e) => {
            log::error!("cannot serialise a profile: {e}");
            None
        }
    }
}

/// Stores profile rows (one upsert per modality).
pub fn save_profiles(
    conn: &mut DbConnection,
    user_id: UserId,
    rows: &[ProfileRowData],
) -> ServiceResult<()> {
    for row in rows {
        behavior::upsert_profile(
            conn,
            &behavior::NewProfile {
                user_id,
                modality: row.modality,
                state: row.state,
                samples: row.samples,
                format_version: format_version(),
                data: &row.data,
            },
        )?;
    }
    Ok(())
}

fn format_version() -> i32 {
    i32::try_from(behavior_ml::FORMAT_VERSION).unwrap_or(1)
}

/// A user's profiles as stored (fresh ones when none are).
pub async fn load_profiles(
    svc: &Services,
    user_id: UserId,
    cfg: &behavior_ml::Config,
) -> ServiceResult<UserProfiles> {
    let rows = svc
        .read(move |conn| Ok(behavior::get_profiles(conn, user_id)?))
        .await?;
    Ok(rebuild_profiles(cfg, user_id, &rows))
}

/// Rebuilds a user's profiles from stored rows; unreadable rows (another
/// format version) start afresh with a warning.
pub fn rebuild_profiles(
    cfg: &behavior_ml::Config,
    user_id: UserId,
    rows: &[behavior::ProfileRow],
) -> UserProfiles {
    let mut p = UserProfiles::for_user(cfg, u64::try_from(user_id.get()).unwrap_or_default());
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

/// An analyst said the owner produced a flagged session: the owner's stored
/// profiles learn the session's stored windows (the flagged ones too; those
/// a profile learnt already, and non-human input, are skipped). Answers how
/// many windows were learnt; the caller tells live connections to reload.
pub fn learn_confirmed_session(
    conn: &mut DbConnection,
    user_id: UserId,
    session_id: SessionId,
    cfg: &behavior_ml::Config,
) -> ServiceResult<usize> {
    let rows = behavior::get_profiles(conn, user_id)?;
    let mut profiles = rebuild_profiles(cfg, user_id, &rows);
    let mut learnt = 0;
    for text in behavior::session_features(conn, user_id, session_id)? {
        match serde_json::from_str::<FeatureWindow>(&text) {
            Ok(w) => learnt += usize::from(profiles.learn_confirmed(&w, cfg)),
            Err(e) => log::warn!("skipping an unreadable stored window: {e}"),
        }
    }
    if learnt > 0 {
        let rows: Vec<_> = [Modality::Keystroke, Modality::Mouse]
            .into_iter()
            .filter_map(|m| profile_row(&profiles, m))
            .collect();
        save_profiles(conn, user_id, &rows)?;
    }
    Ok(learnt)
}

/// `POST /api/admin/users/{username}/profile/reset` (admins): deletes the
/// user's profiles; their live connections (on every instance) enroll
/// afresh.
pub async fn reset_profiles(svc: &Services, caller: &Caller, username: &str) -> ServiceResult<()> {
    caller.require(Capability::ResetProfiles)?;
    let key = Username::key_of(username);
    let by = caller.username.clone();
    svc.write(move |work| {
        let target = users::find_by_username(work.conn(), &key)?
            .ok_or_else(|| ServiceError::not_found("user"))?;
        let deleted = behavior::delete_profiles(work.conn(), target.id)?;
        work.record(
            Event::new(EventKind::ProfileReset, Severity::Warning)
                .user(Some(target.id), &target.username)
                .detail(json!({ "deleted_profiles": deleted, "by": by })),
        )?;
        work.notify(Notice::ResetProfiles { user_id: target.id })
    })
    .await
}

/// `POST /api/admin/train-global` (admins): asks the trainer to train now.
pub fn request_training(svc: &Services, caller: &Caller) -> ServiceResult<()> {
    caller.require(Capability::TrainGlobalModel)?;
    svc.live().train_now(caller.username.clone());
    Ok(())
}

/// The newest stored global model, if any and readable.
pub fn load_latest_model(db: &Database) -> Result<Option<(i64, GlobalModel)>, PersistenceError> {
    let row = db.run(|conn| behavior::latest_global_model(conn, MODEL_KEY))?;
    Ok(row.and_then(|r| match GlobalModel::from_json(&r.data) {
        Ok(m) => Some((r.id, m)),
        Err(e) => {
            log::warn!(
                "stored global model {} is unreadable ({e}); ignoring it",
                r.id
            );
            None
        }
    }))
}

/// The newest stored global model version, when newer than `known`.
pub fn newer_model(
    db: &Database,
    known: Option<i64>,
) -> Result<Option<(i64, GlobalModel)>, PersistenceError> {
    match db.run(behavior::latest_global_model_info)? {
        Some(info) if Some(info.id) > known => load_latest_model(db),
        _ => Ok(None),
    }
}

/// Bounds of a global training.
#[derive(Debug, Clone, Copy)]
pub struct TrainingLimits {
    /// Stored windows needed before training (`GLOBAL_TRAIN_MIN_SAMPLES`).
    pub min_samples: u64,
    /// Most windows per modality used (`GLOBAL_TRAIN_MAX_SAMPLES`).
    pub max_samples: u64,
}

/// A trained and stored global model.
pub struct TrainedModel {
    /// Its version (row id).
    pub version: i64,
    /// The model.
    pub model: GlobalModel,
}

/// Stored windows grouped by user, oldest first.
struct TrainingSet {
    keystrokes: Vec<Vec<KeystrokeWindow>>,
    mouse: Vec<(u64, Vec<MouseWindow>)>,
    total: u64,
    unreadable: u64,
}

/// The periodic training of one instance among several: runs
/// [`train_global`] only when no other instance is training right now (a
/// PostgreSQL advisory lock) and the newest stored model is older than half
/// the `interval` (so N instances store one version per interval, whatever
/// their timers' phases; when the instance that trained stops, another takes
/// over within an interval). Models trained elsewhere are picked up by the
/// trainer's refresh.
pub fn train_global_periodic(
    db: &Database,
    cfg: &behavior_ml::Config,
    limits: TrainingLimits,
    interval: std::time::Duration,
) -> ServiceResult<Option<TrainedModel>> {
    let mut conn = db.conn()?;
    let out = locks::with_lock(&mut conn, locks::keys::GLOBAL_TRAINING, || {
        if let Some(latest) = db.run(behavior::latest_global_model_info)? {
            let age = (now_utc() - latest.created_at).to_std().unwrap_or_default();
            if age < interval / 2 {
                crate::realtime_log::log_event(
                    "train",
                    &[
                        ("status", "skipped".into()),
                        ("reason", "recently trained".into()),
                        ("version", latest.id.to_string()),
                    ],
                );
                return Ok(None);
            }
        }
        train_global(db, cfg, limits, None)
    })?;
    if out.is_none() {
        crate::realtime_log::log_event(
            "train",
            &[
                ("status", "skipped".into()),
                ("reason", "training elsewhere".into()),
            ],
        );
    }
    Ok(out.flatten())
}

/// Trains the global model from the stored windows and stores it with a
/// `global_model_trained` event (also when skipped and someone asked).
/// Blocking: run it on the blocking pool. `requested_by`: who asked through
/// the API (`None` for the periodic run).
pub fn train_global(
    db: &Database,
    cfg: &behavior_ml::Config,
    limits: TrainingLimits,
    requested_by: Option<String>,
) -> ServiceResult<Option<TrainedModel>> {
    let started = Instant::now();
    let set = load_training_set(db, limits.max_samples)?;
    if set.total < limits.min_samples {
        let reason = format!(
            "not enough stored windows ({} < {})",
            set.total, limits.min_samples
        );
        return skip_training(db, reason, requested_by.as_deref());
    }
    let model = match GlobalModel::train(&set.keystrokes, &set.mouse, cfg) {
        Ok(m) => m,
        Err(e) => {
            return skip_training(db, format!("training failed: {e}"), requested_by.as_deref())
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let metrics = json!({
        "keystroke_users": set.keystrokes.len(), "mouse_users": set.mouse.len(),
        "pairs": [model.pairs.0, model.pairs.1], "unreadable_windows": set.unreadable,
        "seconds": seconds,
    });
    let version = store_model(db, &model, set.total, metrics, requested_by.as_deref())?;
    crate::realtime_log::log_event(
        "train",
        &[
            ("status", "trained".into()),
            ("version", version.to_string()),
            ("samples", set.total.to_string()),
            ("seconds", format!("{seconds:.2}")),
        ],
    );
    Ok(Some(TrainedModel { version, model }))
}

fn load_training_set(db: &Database, max_samples: u64) -> ServiceResult<TrainingSet> {
    let limit = i64::try_from(max_samples).unwrap_or(i64::MAX);
    let (rows_k, rows_m) = db.run(|conn| {
        Ok::<_, PersistenceError>((
            behavior::recent_windows(conn, "keystroke", limit)?,
            behavior::recent_windows(conn, "mouse", limit)?,
        ))
    })?;
    let total = (rows_k.len() + rows_m.len()) as u64;
    let mut keystrokes: BTreeMap<UserId, Vec<(i64, KeystrokeWindow)>> = BTreeMap::new();
    let mut mouse: BTreeMap<UserId, Vec<(i64, MouseWindow)>> = BTreeMap::new();
    let mut unreadable = 0u64;
    for row in rows_k.into_iter().chain(rows_m) {
        match serde_json::from_str::<FeatureWindow>(&row.features) {
            Ok(FeatureWindow::Keystroke(w)) => {
                keystrokes.entry(row.user_id).or_default().push((row.id, w))
            }
            Ok(FeatureWindow::Mouse(w)) => mouse.entry(row.user_id).or_default().push((row.id, w)),
            Err(_) => unreadable += 1,
        }
    }
    Ok(TrainingSet {
        keystrokes: keystrokes.into_values().map(in_order).collect(),
        mouse: mouse
            .into_iter()
            .map(|(u, v)| (u64::try_from(u.get()).unwrap_or_default(), in_order(v)))
            .collect(),
        total,
        unreadable,
    })
}

/// Windows of one user in storage order (oldest first).
fn in_order<W>(mut v: Vec<(i64, W)>) -> Vec<W> {
    v.sort_by_key(|(id, _)| *id);
    v.into_iter().map(|(_, w)| w).collect()
}

fn skip_training(
    db: &Database,
    reason: String,
    requested_by: Option<&str>,
) -> ServiceResult<Option<TrainedModel>> {
    crate::realtime_log::log_event(
        "train",
        &[("status", "skipped".into()), ("reason", reason.clone())],
    );
    if let Some(by) = requested_by {
        let event = Event::new(EventKind::GlobalModelTrained, Severity::Info)
            .detail(json!({ "status": "skipped", "reason": reason, "requested_by": by }));
        db.run(|conn| events::record(conn, &event))?;
    }
    Ok(None)
}

fn store_model(
    db: &Database,
    model: &GlobalModel,
    samples: u64,
    metrics: Value,
    requested_by: Option<&str>,
) -> ServiceResult<i64> {
    let data = model.to_json().map_err(ServiceError::internal)?;
    let metrics_text = metrics.to_string();
    db.transaction(|conn| {
        let row = behavior::insert_global_model(
            conn,
            &behavior::NewGlobalModel {
                modality: MODEL_KEY,
                samples: i64::try_from(samples).unwrap_or(i64::MAX),
                format_version: format_version(),
                data: &data,
                metrics: Some(&metrics_text),
            },
        )?;
        behavior::prune_global_models(conn, MODEL_KEY, MODELS_KEPT)?;
        let mut detail = metrics;
        detail["version"] = json!(row.id);
        detail["samples"] = json!(samples);
        if let Some(by) = requested_by {
            detail["requested_by"] = json!(by);
        }
        events::record(
            conn,
            &Event::new(EventKind::GlobalModelTrained, Severity::Info).detail(detail),
        )?;
        Ok(row.id)
    })
}
