//! Small clocks of a connection: the message rate limit and when changed
//! profiles are due to be written.

use super::protocol::MESSAGES_PER_SECOND;
use behavior_ml::Modality;
use std::time::{Duration, Instant};

/// A token bucket: [`MESSAGES_PER_SECOND`] sustained, twice that as burst.
pub struct TokenBucket {
    tokens: f64,
    at: Instant,
}

impl Default for TokenBucket {
    fn default() -> Self {
        Self {
            tokens: Self::BURST,
            at: Instant::now(),
        }
    }
}

impl TokenBucket {
    const RATE: f64 = MESSAGES_PER_SECOND as f64;
    const BURST: f64 = 2.0 * Self::RATE;

    /// Takes a token; `false` when the message must be dropped.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * Self::RATE).min(Self::BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Profiles are written at most this often while they change (keystroke,
/// mouse). Keystroke profiles are small; a trained mouse profile is about a
/// megabyte of JSON, so it is written less often.
pub const PROFILE_SAVE_EVERY: [Duration; 2] = [Duration::from_secs(10), Duration::from_secs(60)];

/// Which modalities have unsaved changes and when each was last written.
pub struct ProfileSaves {
    dirty: [bool; 2],
    last: [Instant; 2],
}

impl Default for ProfileSaves {
    fn default() -> Self {
        Self {
            dirty: [false; 2],
            last: [Instant::now(); 2],
        }
    }
}

fn slot(m: Modality) -> usize {
    usize::from(m == Modality::Mouse)
}

impl ProfileSaves {
    /// A modality's profile changed.
    pub fn changed(&mut self, m: Modality) {
        self.dirty[slot(m)] = true;
    }

    /// Forget pending changes (the profiles were reset).
    pub fn clear(&mut self) {
        self.dirty = [false; 2];
    }

    /// The modalities to write now (all changed ones when `force`), marked
    /// as written.
    pub fn due(&mut self, force: bool) -> Vec<Modality> {
        let mut due = Vec::new();
        for m in [Modality::Keystroke, Modality::Mouse] {
            let i = slot(m);
            if self.dirty[i] && (force || self.last[i].elapsed() >= PROFILE_SAVE_EVERY[i]) {
                self.dirty[i] = false;
                self.last[i] = Instant::now();
                due.push(m);
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_drops() {
        let mut b = TokenBucket::default();
        let allowed = (0..100).filter(|_| b.take()).count();
        assert!((40..=41).contains(&allowed), "{allowed}");
    }

    #[test]
    fn saves_are_due_when_forced_or_late() {
        let mut s = ProfileSaves::default();
        assert!(s.due(true).is_empty());
        s.changed(Modality::Mouse);
        assert!(s.due(false).is_empty());
        assert_eq!(s.due(true), [Modality::Mouse]);
        assert!(s.due(true).is_empty());
    }
}
