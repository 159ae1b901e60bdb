//! The trainer actor: trains the global model from stored windows every
//! `GLOBAL_TRAIN_INTERVAL_SECONDS` (0 disables) and on demand, off the async
//! executor; also picks up models trained by other instances.

use super::{log_event, models::GlobalModels};
use crate::security::{Event, Severity};
use actix::prelude::*;
use behavior_ml::{FeatureWindow, GlobalModel, KeystrokeWindow, MouseWindow};
use serde_json::json;
use std::{collections::BTreeMap, sync::Arc, time::Duration, time::Instant};
use workspace_persistence::{behavior, Database, PersistenceError};

/// Modality name under which the (combined) global model is stored.
pub const MODEL_KEY: &str = "combined";
/// How often an instance looks for a model trained elsewhere.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// The trainer.
pub struct TrainerActor {
    /// Database.
    pub db: Database,
    /// Where trained models go.
    pub models: Arc<GlobalModels>,
    /// Scoring configuration.
    pub config: Arc<behavior_ml::Config>,
    /// Period (0: only on demand).
    pub interval: Duration,
    /// Stored windows needed before training.
    pub min_samples: u64,
    /// Most windows per modality used for one training.
    pub max_samples: u64,
    /// A training is running.
    pub busy: bool,
}

/// Train now (`POST /api/admin/train-global`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct TrainNow {
    /// Who asked (for the event).
    pub by: Option<String>,
}

impl Actor for TrainerActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if !self.interval.is_zero() {
            ctx.run_interval(self.interval, |act, ctx| act.train(None, ctx));
        }
        ctx.run_interval(REFRESH_EVERY, |act, ctx| act.refresh(ctx));
    }
}

impl Handler<TrainNow> for TrainerActor {
    type Result = ();
    fn handle(&mut self, m: TrainNow, ctx: &mut Context<Self>) {
        self.train(Some(m.by.unwrap_or_default()), ctx);
    }
}

/// Loads the newest stored global model, if any (start-up and refresh).
pub fn load_latest(db: &Database) -> Result<Option<(i64, GlobalModel)>, PersistenceError> {
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

impl TrainerActor {
    fn refresh(&mut self, ctx: &mut Context<Self>) {
        let db = self.db.clone();
        let known = self.models.version();
        let fut = actix_web::web::block(move || {
            let latest = db.run(behavior::latest_global_model_info)?;
            match latest {
                Some(info) if Some(info.id) > known => load_latest(&db),
                _ => Ok(None),
            }
        });
        ctx.spawn(fut.into_actor(self).map(|res, act, _| {
            if let Ok(Ok(Some((version, model)))) = res {
                log_event("global_model_loaded", &[("version", version.to_string())]);
                act.models.install(version, model);
            }
        }));
    }

    /// `manual`: `Some(who)` when asked through the API.
    fn train(&mut self, manual: Option<String>, ctx: &mut Context<Self>) {
        if self.busy {
            log_event("train", &[("status", "already_running".into())]);
            return;
        }
        self.busy = true;
        let (db, cfg) = (self.db.clone(), self.config.clone());
        let (min, max) = (self.min_samples, self.max_samples);
        let fut = actix_web::web::block(move || train_blocking(&db, &cfg, min, max, manual));
        ctx.spawn(fut.into_actor(self).map(|res, act, _| {
            act.busy = false;
            match res {
                Ok(Ok(Some((version, model)))) => act.models.install(version, model),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => log::error!("global training failed: {e}"),
                Err(e) => log::error!("global training did not run: {e}"),
            }
        }));
    }
}

/// Windows of one user in storage order (oldest first).
fn in_order<W>(mut v: Vec<(i64, W)>) -> Vec<W> {
    v.sort_by_key(|(id, _)| *id);
    v.into_iter().map(|(_, w)| w).collect()
}

fn train_blocking(
    db: &Database,
    cfg: &behavior_ml::Config,
    min_samples: u64,
    max_samples: u64,
    manual: Option<String>,
) -> Result<Option<(i64, GlobalModel)>, crate::error::ApiError> {
    let started = Instant::now();
    let limit = i64::try_from(max_samples).unwrap_or(i64::MAX);
    let (rows_k, rows_m) = db.run(|conn| {
        Ok::<_, PersistenceError>((
            behavior::recent_windows(conn, "keystroke", limit)?,
            behavior::recent_windows(conn, "mouse", limit)?,
        ))
    })?;
    let total = (rows_k.len() + rows_m.len()) as u64;
    let skip = |reason: String| -> Result<Option<(i64, GlobalModel)>, crate::error::ApiError> {
        log_event(
            "train",
            &[("status", "skipped".into()), ("reason", reason.clone())],
        );
        if let Some(by) = &manual {
            db.run(|conn| {
                Event::new("global_model_trained", Severity::Info)
                    .detail(json!({ "status": "skipped", "reason": reason, "requested_by": by }))
                    .record(conn)
            })?;
        }
        Ok(None)
    };
    if total < min_samples {
        return skip(format!(
            "not enough stored windows ({total} < {min_samples})"
        ));
    }
    let mut keystrokes: BTreeMap<i64, Vec<(i64, KeystrokeWindow)>> = BTreeMap::new();
    let mut mouse: BTreeMap<i64, Vec<(i64, MouseWindow)>> = BTreeMap::new();
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
    let keystrokes: Vec<Vec<KeystrokeWindow>> = keystrokes.into_values().map(in_order).collect();
    let mouse: Vec<(u64, Vec<MouseWindow>)> = mouse
        .into_iter()
        .map(|(u, v)| (u64::try_from(u).unwrap_or_default(), in_order(v)))
        .collect();
    let users = (keystrokes.len(), mouse.len());
    let model = match GlobalModel::train(&keystrokes, &mouse, cfg) {
        Ok(m) => m,
        Err(e) => return skip(format!("training failed: {e}")),
    };
    let data = model.to_json().map_err(crate::error::ApiError::internal)?;
    let seconds = started.elapsed().as_secs_f64();
    let metrics = json!({
        "keystroke_users": users.0, "mouse_users": users.1,
        "pairs": [model.pairs.0, model.pairs.1], "unreadable_windows": unreadable, "seconds": seconds,
    });
    let metrics_text = metrics.to_string();
    let row = db.transaction(|conn| {
        let row = behavior::insert_global_model(
            conn,
            &behavior::NewGlobalModel {
                modality: MODEL_KEY,
                samples: i64::try_from(total).unwrap_or(i64::MAX),
                format_version: i32::try_from(behavior_ml::FORMAT_VERSION).unwrap_or(1),
                data: &data,
                metrics: Some(&metrics_text),
            },
        )?;
        behavior::prune_global_models(conn, MODEL_KEY, 5)?;
        let mut detail = metrics.clone();
        detail["version"] = json!(row.id);
        detail["samples"] = json!(total);
        if let Some(by) = &manual {
            detail["requested_by"] = json!(by);
        }
        Event::new("global_model_trained", Severity::Info)
            .detail(detail)
            .record(conn)?;
        Ok::<_, crate::error::ApiError>(row)
    })?;
    log_event(
        "train",
        &[
            ("status", "trained".into()),
            ("version", row.id.to_string()),
            ("samples", total.to_string()),
            ("seconds", format!("{seconds:.2}")),
        ],
    );
    Ok(Some((row.id, model)))
}
