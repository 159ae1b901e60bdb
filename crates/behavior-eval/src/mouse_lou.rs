//! Leave-users-out mouse protocol (placeholder).
use crate::{MouseArgs, Outcome, UsageError};
/// Run the protocol.
pub fn run(_a: &MouseArgs) -> Result<Outcome, UsageError> {
    Err(UsageError("not yet".into()))
}
