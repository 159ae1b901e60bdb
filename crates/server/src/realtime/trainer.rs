//! The trainer actor: trains the global model from stored windows every
//! `GLOBAL_TRAIN_INTERVAL_SECONDS` (0 disables) and on demand, off the async
//! executor; also picks up models trained by other instances.

use super::models::GlobalModels;
use crate::realtime_log::log_event;
use crate::services::behavior::{self, TrainingLimits};
use actix::prelude::*;
use std::{sync::Arc, time::Duration};
use workspace_persistence::Database;

/// How often an instance looks for a model trained elsewhere.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// The trainer.
pub struct TrainerActor {
    db: Database,
    models: Arc<GlobalModels>,
    config: Arc<behavior_ml::Config>,
    interval: Duration,
    limits: TrainingLimits,
    busy: bool,
}

impl TrainerActor {
    /// A trainer installing what it trains into `models`; `interval` zero:
    /// only on demand.
    pub fn new(
        db: Database,
        models: Arc<GlobalModels>,
        config: Arc<behavior_ml::Config>,
        interval: Duration,
        limits: TrainingLimits,
    ) -> Self {
        Self {
            db,
            models,
            config,
            interval,
            limits,
            busy: false,
        }
    }
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

impl TrainerActor {
    fn refresh(&mut self, ctx: &mut Context<Self>) {
        let db = self.db.clone();
        let known = self.models.version();
        let fut = tokio::task::spawn_blocking(move || behavior::newer_model(&db, known));
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
        let (db, cfg, limits) = (self.db.clone(), self.config.clone(), self.limits);
        let interval = self.interval;
        let fut = tokio::task::spawn_blocking(move || match manual {
            Some(by) => behavior::train_global(&db, &cfg, limits, Some(by)),
            None => behavior::train_global_periodic(&db, &cfg, limits, interval),
        });
        ctx.spawn(fut.into_actor(self).map(|res, act, _| {
            act.busy = false;
            match res {
                Ok(Ok(Some(trained))) => act.models.install(trained.version, trained.model),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => log::error!("global training failed: {e}"),
                Err(e) => log::error!("global training did not run: {e}"),
            }
        }));
    }
}
