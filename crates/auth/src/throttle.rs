//! The login throttle rule. Failures are counted by the caller (the server
//! keeps them in the database so several instances share them).

use chrono::{DateTime, Duration, Utc};

/// At most `max_failures` failed logins per username within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures that trigger the throttle.
    pub max_failures: u32,
    /// The sliding window.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
        }
    }
}

impl ThrottlePolicy {
    /// Start of the window that ends now.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// When throttled (`failures_in_window` ≥ the maximum), the seconds until
    /// the oldest counted failure leaves the window; `None` when not throttled.
    pub fn retry_after(
        &self,
        failures_in_window: i64,
        oldest_in_window: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<u64> {
        if failures_in_window < i64::from(self.max_failures) {
            return None;
        }
        let until = oldest_in_window.map_or(now + self.window, |t| t + self.window);
        let secs = (until - now).num_seconds().max(1);
        Some(u64::try_from(secs).unwrap_or(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_at_the_limit() {
        let p = ThrottlePolicy::default();
        let now = Utc::now();
        assert_eq!(p.retry_after(4, Some(now), now), None);
        let oldest = now - Duration::minutes(5);
        assert_eq!(p.retry_after(5, Some(oldest), now), Some(600));
        assert_eq!(p.retry_after(9, None, now), Some(900));
        assert_eq!(
            p.retry_after(5, Some(now - Duration::minutes(20)), now),
            Some(1)
        );
    }
}
