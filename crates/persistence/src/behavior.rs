//! Behaviour data: per-user profiles, stored feature windows for global
//! training, and global model versions. Payloads (`data`, `features`,
//! `metrics`) are serialised JSON produced by `behavior-ml`; this crate
//! stores them as text without interpreting them.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::upsert::excluded;

use workspace_domain::{SessionId, UserId};

use crate::connection::DbConnection;
use crate::error::{PersistenceError, Result};
use crate::schema::{behavior_profiles, behavior_windows, global_models};

/// A row of `behavior_profiles` (one per user and modality).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = behavior_profiles)]
pub struct ProfileRow {
    /// Id.
    pub id: i64,
    /// User id.
    #[diesel(deserialize_as = i64)]
    pub user_id: UserId,
    /// `keystroke` or `mouse`.
    pub modality: String,
    /// `enrolling` or `trained`.
    pub state: String,
    /// Number of windows the profile has seen.
    pub samples: i32,
    /// Version of the serialisation format of `data`.
    pub format_version: i32,
    /// Serialised profile (JSON).
    pub data: String,
    /// First stored (UTC).
    pub created_at: NaiveDateTime,
    /// Last stored (UTC).
    pub updated_at: NaiveDateTime,
}

/// Data for [`upsert_profile`].
#[derive(Debug, Clone, Copy)]
pub struct NewProfile<'a> {
    /// User id.
    pub user_id: UserId,
    /// `keystroke` or `mouse`.
    pub modality: &'a str,
    /// `enrolling` or `trained`.
    pub state: &'a str,
    /// Number of windows seen.
    pub samples: i32,
    /// Serialisation format version.
    pub format_version: i32,
    /// Serialised profile (JSON).
    pub data: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = behavior_profiles)]
struct InsertProfile<'a> {
    user_id: i64,
    modality: &'a str,
    state: &'a str,
    samples: i32,
    format_version: i32,
    data: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Inserts the profile of (`user_id`, `modality`) or replaces its state,
/// samples, format version and data (keeping `created_at`), atomically
/// (`INSERT … ON CONFLICT (user_id, modality) DO UPDATE`). Returns the
/// stored row. [`PersistenceError::ForeignKeyViolation`] for an unknown user.
///
/// diesel's `MultiConnection` has no `ON CONFLICT` support, so this is the
/// one place that matches on the connection variant and runs the same
/// statement on the concrete backend.
pub fn upsert_profile(conn: &mut DbConnection, profile: &NewProfile<'_>) -> Result<ProfileRow> {
    let now = crate::clock::now_utc();
    let row = InsertProfile {
        user_id: profile.user_id.get(),
        modality: profile.modality,
        state: profile.state,
        samples: profile.samples,
        format_version: profile.format_version,
        data: profile.data,
        created_at: now,
        updated_at: now,
    };
    macro_rules! upsert_on {
        ($inner:expr) => {
            diesel::insert_into(behavior_profiles::table)
                .values(&row)
                .on_conflict((behavior_profiles::user_id, behavior_profiles::modality))
                .do_update()
                .set((
                    behavior_profiles::state.eq(excluded(behavior_profiles::state)),
                    behavior_profiles::samples.eq(excluded(behavior_profiles::samples)),
                    behavior_profiles::format_version
                        .eq(excluded(behavior_profiles::format_version)),
                    behavior_profiles::data.eq(excluded(behavior_profiles::data)),
                    behavior_profiles::updated_at.eq(excluded(behavior_profiles::updated_at)),
                ))
                .execute($inner)
        };
    }
    match conn {
        DbConnection::Postgresql(pg) => upsert_on!(pg)?,
        DbConnection::Sqlite(sqlite) => upsert_on!(sqlite)?,
    };
    get_profile(conn, profile.user_id, profile.modality)?.ok_or(PersistenceError::NotFound)
}

/// The profile of a user for one modality, if any.
pub fn get_profile(
    conn: &mut DbConnection,
    user_id: UserId,
    modality: &str,
) -> Result<Option<ProfileRow>> {
    Ok(behavior_profiles::table
        .filter(behavior_profiles::user_id.eq(user_id.get()))
        .filter(behavior_profiles::modality.eq(modality))
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?)
}

/// All profiles of a user, ordered by modality.
pub fn get_profiles(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<ProfileRow>> {
    Ok(behavior_profiles::table
        .filter(behavior_profiles::user_id.eq(user_id.get()))
        .order(behavior_profiles::modality.asc())
        .select(ProfileRow::as_select())
        .load(conn)?)
}

/// Deletes all profiles of a user (profile reset); returns how many.
pub fn delete_profiles(conn: &mut DbConnection, user_id: UserId) -> Result<usize> {
    Ok(diesel::delete(
        behavior_profiles::table.filter(behavior_profiles::user_id.eq(user_id.get())),
    )
    .execute(conn)?)
}

/// A row of `behavior_windows`: one scored feature window.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = behavior_windows)]
pub struct WindowRow {
    /// Id (increasing with insertion).
    pub id: i64,
    /// User id (the label for global training).
    #[diesel(deserialize_as = i64)]
    pub user_id: UserId,
    /// Monitored session id, if any.
    pub session_id: Option<String>,
    /// `keystroke` or `mouse`.
    pub modality: String,
    /// Feature vector (JSON).
    pub features: String,
    /// Risk score it received, if scored.
    pub risk_score: Option<f64>,
    /// When stored (UTC).
    pub created_at: NaiveDateTime,
}

/// Data for [`insert_window`].
#[derive(Debug, Clone, Copy)]
pub struct NewWindow<'a> {
    /// User id.
    pub user_id: UserId,
    /// Monitored session id, if any.
    pub session_id: Option<SessionId>,
    /// `keystroke` or `mouse`.
    pub modality: &'a str,
    /// Feature vector (JSON).
    pub features: &'a str,
    /// Risk score, if scored.
    pub risk_score: Option<f64>,
}

#[derive(Insertable)]
#[diesel(table_name = behavior_windows)]
struct InsertWindow<'a> {
    user_id: i64,
    session_id: Option<String>,
    modality: &'a str,
    features: &'a str,
    risk_score: Option<f64>,
    created_at: NaiveDateTime,
}

/// Stores a feature window, timestamped now; returns its id.
pub fn insert_window(conn: &mut DbConnection, window: &NewWindow<'_>) -> Result<i64> {
    Ok(diesel::insert_into(behavior_windows::table)
        .values(&InsertWindow {
            user_id: window.user_id.get(),
            session_id: window.session_id.map(|s| s.to_string()),
            modality: window.modality,
            features: window.features,
            risk_score: window.risk_score,
            created_at: crate::clock::now_utc(),
        })
        .returning(behavior_windows::id)
        .get_result(conn)?)
}

/// Keeps a stored window out of training (a flagged window no profile
/// learnt): an analyst's `owner` verdict on its session releases it.
pub fn hold_window(conn: &mut DbConnection, id: i64) -> Result<()> {
    diesel::update(behavior_windows::table.find(id))
        .set(behavior_windows::intruder.eq(true))
        .execute(conn)?;
    Ok(())
}

/// The feature vectors (JSON) stored for one session of a user, oldest first.
pub fn session_features(
    conn: &mut DbConnection,
    user_id: UserId,
    session_id: SessionId,
) -> Result<Vec<String>> {
    Ok(behavior_windows::table
        .filter(behavior_windows::user_id.eq(user_id.get()))
        .filter(behavior_windows::session_id.eq(session_id.to_string()))
        .order(behavior_windows::id.asc())
        .select(behavior_windows::features)
        .load(conn)?)
}

/// Number of stored windows per modality, ordered by modality.
pub fn count_windows(conn: &mut DbConnection) -> Result<Vec<(String, i64)>> {
    Ok(behavior_windows::table
        .group_by(behavior_windows::modality)
        .select((behavior_windows::modality, count_star()))
        .order(behavior_windows::modality.asc())
        .load(conn)?)
}

/// Number of stored windows of one modality.
pub fn count_windows_for(conn: &mut DbConnection, modality: &str) -> Result<i64> {
    Ok(behavior_windows::table
        .filter(behavior_windows::modality.eq(modality))
        .count()
        .get_result(conn)?)
}

/// The `limit` most recent windows of a modality, newest first (with user
/// ids, for training the global model).
pub fn recent_windows(
    conn: &mut DbConnection,
    modality: &str,
    limit: i64,
) -> Result<Vec<WindowRow>> {
    Ok(behavior_windows::table
        .filter(behavior_windows::modality.eq(modality))
        .filter(behavior_windows::intruder.eq(false))
        .order(behavior_windows::id.desc())
        .limit(limit.max(0))
        .select(WindowRow::as_select())
        .load(conn)?)
}

/// Deletes all but the `keep` most recent windows of a modality (bounds
/// storage); returns how many were deleted.
pub fn prune_windows(conn: &mut DbConnection, modality: &str, keep: i64) -> Result<usize> {
    let oldest_kept: Option<i64> = behavior_windows::table
        .filter(behavior_windows::modality.eq(modality))
        .order(behavior_windows::id.desc())
        .offset(keep.max(1) - 1)
        .select(behavior_windows::id)
        .first(conn)
        .optional()?;
    let Some(oldest_kept) = oldest_kept else {
        return Ok(0);
    };
    let doomed = behavior_windows::table
        .filter(behavior_windows::modality.eq(modality))
        .filter(behavior_windows::id.lt(oldest_kept));
    let deleted = diesel::delete(doomed).execute(conn)?;
    if keep <= 0 {
        // `keep.max(1)` kept one row; drop it too.
        return Ok(
            deleted + diesel::delete(behavior_windows::table.find(oldest_kept)).execute(conn)?
        );
    }
    Ok(deleted)
}

/// Deletes all stored windows of a user; returns how many.
pub fn delete_windows_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<usize> {
    Ok(
        diesel::delete(behavior_windows::table.filter(behavior_windows::user_id.eq(user_id.get())))
            .execute(conn)?,
    )
}

/// A row of `global_models`; `id` is the version.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = global_models)]
pub struct GlobalModelRow {
    /// Version (increasing).
    pub id: i64,
    /// `keystroke` or `mouse`.
    pub modality: String,
    /// Number of windows it was trained on.
    pub samples: i64,
    /// Serialisation format version.
    pub format_version: i32,
    /// Serialised model (JSON).
    pub data: String,
    /// Training metrics (JSON), if any.
    pub metrics: Option<String>,
    /// When trained (UTC).
    pub created_at: NaiveDateTime,
}

/// A global model version without its payload (for status displays).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = global_models)]
pub struct GlobalModelInfo {
    /// Version.
    pub id: i64,
    /// `keystroke` or `mouse`.
    pub modality: String,
    /// Number of windows it was trained on.
    pub samples: i64,
    /// When trained (UTC).
    pub created_at: NaiveDateTime,
}

/// Data for [`insert_global_model`].
#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = global_models)]
pub struct NewGlobalModel<'a> {
    /// `keystroke` or `mouse`.
    pub modality: &'a str,
    /// Number of training windows.
    pub samples: i64,
    /// Serialisation format version.
    pub format_version: i32,
    /// Serialised model (JSON).
    pub data: &'a str,
    /// Training metrics (JSON), if any.
    pub metrics: Option<&'a str>,
}

/// Stores a new global model version, timestamped now; returns the row
/// (its `id` is the version).
pub fn insert_global_model(
    conn: &mut DbConnection,
    model: &NewGlobalModel<'_>,
) -> Result<GlobalModelRow> {
    Ok(diesel::insert_into(global_models::table)
        .values((model, global_models::created_at.eq(crate::clock::now_utc())))
        .returning(global_models::all_columns)
        .get_result(conn)?)
}

/// The newest global model of a modality, if any.
pub fn latest_global_model(
    conn: &mut DbConnection,
    modality: &str,
) -> Result<Option<GlobalModelRow>> {
    Ok(global_models::table
        .filter(global_models::modality.eq(modality))
        .order(global_models::id.desc())
        .select(GlobalModelRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest global model of every modality, ordered by modality.
pub fn latest_global_models(conn: &mut DbConnection) -> Result<Vec<GlobalModelRow>> {
    let modalities: Vec<String> = global_models::table
        .select(global_models::modality)
        .distinct()
        .order(global_models::modality.asc())
        .load(conn)?;
    let mut latest = Vec::with_capacity(modalities.len());
    for modality in modalities {
        latest.extend(latest_global_model(conn, &modality)?);
    }
    Ok(latest)
}

/// The newest global model version of any modality, without payload.
pub fn latest_global_model_info(conn: &mut DbConnection) -> Result<Option<GlobalModelInfo>> {
    Ok(global_models::table
        .order(global_models::id.desc())
        .select(GlobalModelInfo::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes all but the `keep` (at least 1) newest versions of a modality;
/// returns how many were deleted.
pub fn prune_global_models(conn: &mut DbConnection, modality: &str, keep: i64) -> Result<usize> {
    let oldest_kept: Option<i64> = global_models::table
        .filter(global_models::modality.eq(modality))
        .order(global_models::id.desc())
        .offset(keep.max(1) - 1)
        .select(global_models::id)
        .first(conn)
        .optional()?;
    let Some(oldest_kept) = oldest_kept else {
        return Ok(0);
    };
    Ok(diesel::delete(
        global_models::table
            .filter(global_models::modality.eq(modality))
            .filter(global_models::id.lt(oldest_kept)),
    )
    .execute(conn)?)
}
