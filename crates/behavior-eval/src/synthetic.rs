//! Synthetic non-human input (placeholder).
use crate::{Outcome, UsageError};
/// Run.
pub fn run() -> Result<Outcome, UsageError> {
    Err(UsageError("not yet".into()))
}
