//! This instance's side of [`LiveSessions`]: notices go to the monitor
//! (which forwards them to the connections concerned), training requests to
//! the trainer.

use super::monitor::{Deliver, MonitorActor, Snapshot};
use super::trainer::{TrainNow, TrainerActor};
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::live::{LiveSessions, LiveSnapshot, Notice, Origin};
use actix::Addr;
use futures_util::future::LocalBoxFuture;

/// The realtime actors of this instance, as services see them.
pub struct Hub {
    /// The registry.
    pub monitor: Addr<MonitorActor>,
    /// The trainer.
    pub trainer: Addr<TrainerActor>,
}

impl LiveSessions for Hub {
    fn deliver(&self, notice: &Notice, origin: Origin) {
        self.monitor.do_send(Deliver {
            notice: notice.clone(),
            counted: origin == Origin::Local,
        });
    }

    fn snapshot(&self) -> LocalBoxFuture<'static, ServiceResult<LiveSnapshot>> {
        let request = self.monitor.send(Snapshot);
        Box::pin(async move { Ok(request.await.map_err(ServiceError::internal)??) })
    }

    fn train_now(&self, requested_by: String) {
        self.trainer.do_send(TrainNow {
            by: Some(requested_by),
        });
    }

    fn running(&self) -> bool {
        self.monitor.connected()
    }
}
