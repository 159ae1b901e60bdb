//! The current global model, shared by all connections of an instance.

use behavior_ml::GlobalModel;
use std::sync::{Arc, PoisonError, RwLock};

/// A loaded global model and its version (database row id).
pub struct LoadedModel {
    /// Version.
    pub version: i64,
    /// The model.
    pub model: GlobalModel,
}

/// The cache. Readers clone an `Arc` per packet; the trainer swaps it.
#[derive(Default)]
pub struct GlobalModels {
    current: RwLock<Option<Arc<LoadedModel>>>,
}

impl GlobalModels {
    /// The current model, if any.
    pub fn current(&self) -> Option<Arc<LoadedModel>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The current version, if any.
    pub fn version(&self) -> Option<i64> {
        self.current().map(|m| m.version)
    }

    /// Installs a model unless a newer one is already there.
    pub fn install(&self, version: i64, model: GlobalModel) {
        let mut slot = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(|m| m.version < version) {
            *slot = Some(Arc::new(LoadedModel { version, model }));
        }
    }
}
