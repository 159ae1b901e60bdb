//! Error type of the crate.

use thiserror::Error;

/// Everything that can go wrong in `behavior-ml`.
///
/// Scoring never fails on odd input (it degrades to "no window" instead); errors come from
/// (de)serialisation, version mismatches and model training.
#[derive(Debug, Error)]
pub enum BehaviorError {
    /// JSON could not be parsed or produced.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored profile or model was written by an incompatible format version.
    #[error("unsupported format version {found} (expected {expected})")]
    Version {
        /// Version found in the data.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// Training could not run (too little data, only one class, numerical failure).
    #[error("training failed: {0}")]
    Training(String),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, BehaviorError>;
