//! Balabit mouse protocol (stub, filled below).
use crate::{Args, Outcome, UsageError};

/// Run the protocol.
pub fn run(_a: &Args) -> Result<Outcome, UsageError> {
    Err(UsageError("not yet".into()))
}
