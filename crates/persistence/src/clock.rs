//! "Now" with the precision both databases store.

use chrono::{NaiveDateTime, Timelike, Utc};

/// The current UTC time, truncated to microseconds (PostgreSQL's precision),
/// so values read back are equal on both backends.
pub fn now_utc() -> NaiveDateTime {
    truncate_to_micros(Utc::now().naive_utc())
}

/// Truncates a timestamp to microsecond precision.
pub fn truncate_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond();
    t.with_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_micro_precision() {
        assert_eq!(now_utc().nanosecond() % 1_000, 0);
    }
}
