//! What [`sessions::authenticate`](super::sessions::authenticate) last read
//! from the database about a token, kept in memory so that a request makes
//! one blocking database trip (its handler's) instead of two.
//!
//! An entry holds the user's name and role and, for a monitored session, its
//! start and token generation; it exists only while the database said the
//! token is good (user present, session live, plain token not revoked). It is
//! dropped
//!
//! - at once on this instance by every change that affects it, through the
//!   notices of the change's [`UnitOfWork`](super::unit_of_work::UnitOfWork)
//!   (delivered after the commit: [`Notice::Terminate`] and
//!   [`Notice::ChallengePassed`] drop the session's entry,
//!   [`Notice::AccountChanged`] every entry of the user);
//! - on the other instances when the same notice arrives over PostgreSQL
//!   `NOTIFY` (the listener polls every 100 ms);
//! - and in any case [`MAX_AGE`] after it was read, so that a change made
//!   without a notice (by hand in the database) is seen within that time.
//!
//! A lookup that raced with an invalidation (it read the database before the
//! change committed and finished after the notice) is not stored: every
//! invalidation moves an epoch, and an entry is kept only if the epoch did
//! not move while it was being read.

use super::error::ServiceResult;
use super::live::{LiveSessions, LiveSnapshot, Notice, Origin};
use futures_util::future::LocalBoxFuture;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use workspace_domain::{Role, SessionId, UserId};

/// How long an entry is trusted without a notice.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Entries kept at most; beyond, stale ones go first, then all.
const MAX_ENTRIES: usize = 65_536;

/// What a token is looked up by: its monitored session, or (plain tokens)
/// its user and token id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    /// A monitored-session token.
    Session(SessionId),
    /// A plain token (`jti`).
    Token(UserId, String),
}

/// The stored facts behind a good token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerFacts {
    /// User id.
    pub user_id: UserId,
    /// Username as stored.
    pub username: String,
    /// Role as stored.
    pub role: Role,
    /// For a session: when it started (seconds since the epoch) and its
    /// token generation.
    pub session: Option<(i64, i64)>,
    /// The deadline of the session's open challenge (past it, the next
    /// request ends the session).
    pub challenge_deadline: Option<chrono::NaiveDateTime>,
}

#[derive(Debug)]
struct Entry {
    facts: CallerFacts,
    read_at: Instant,
}

/// The cache; one per instance, shared by its workers.
#[derive(Debug, Default)]
pub struct CallerCache {
    entries: Mutex<HashMap<CacheKey, Entry>>,
    epoch: AtomicU64,
}

impl CallerCache {
    fn entries(&self) -> MutexGuard<'_, HashMap<CacheKey, Entry>> {
        // A panic while holding the lock cannot leave a half-written entry
        // (inserts and removals are single calls): keep using the map.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The facts for `key` if read less than [`MAX_AGE`] ago.
    pub fn get(&self, key: &CacheKey) -> Option<CallerFacts> {
        let entries = self.entries();
        let entry = entries.get(key)?;
        (entry.read_at.elapsed() < MAX_AGE).then(|| entry.facts.clone())
    }

    /// The epoch to pass to [`CallerCache::insert`] after reading the
    /// database.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores facts read since `epoch`, unless an invalidation happened
    /// in between.
    pub fn insert(&self, epoch: u64, key: CacheKey, facts: CallerFacts, read_at: Instant) {
        let mut entries = self.entries();
        // Checked under the lock: invalidations move the epoch under it too.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.read_at.elapsed() < MAX_AGE);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, Entry { facts, read_at });
    }

    fn invalidate(&self, drop_it: impl Fn(&CacheKey, &CallerFacts) -> bool) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.retain(|k, e| !drop_it(k, &e.facts));
    }

    /// Drops what `notice` makes stale.
    pub fn apply(&self, notice: &Notice) {
        match notice {
            Notice::Terminate { session_id, .. } | Notice::ChallengePassed { session_id } => {
                let key = CacheKey::Session(*session_id);
                self.invalidate(|k, _| *k == key);
            }
            Notice::AccountChanged { user_id } => {
                self.invalidate(|_, f| f.user_id == *user_id);
            }
            Notice::ResetProfiles { .. } | Notice::ProfilesLearnt { .. } => {}
        }
    }
}

/// The live side as [`Services`](super::core::Services) holds it: every
/// notice, local or heard from another instance, first updates the cache,
/// then reaches the connections.
pub struct Invalidating {
    /// The cache.
    pub cache: Arc<CallerCache>,
    /// The realtime side.
    pub inner: Arc<dyn LiveSessions>,
}

impl LiveSessions for Invalidating {
    fn deliver(&self, notice: &Notice, origin: Origin) {
        self.cache.apply(notice);
        if !matches!(notice, Notice::AccountChanged { .. }) {
            self.inner.deliver(notice, origin);
        }
    }

    fn snapshot(&self) -> LocalBoxFuture<'static, ServiceResult<LiveSnapshot>> {
        self.inner.snapshot()
    }

    fn train_now(&self, requested_by: String) {
        self.inner.train_now(requested_by);
    }

    fn running(&self) -> bool {
        self.inner.running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_domain::EndReason;

    fn facts(user: i64) -> CallerFacts {
        CallerFacts {
            user_id: UserId::new(user),
            username: format!("u{user}"),
            role: Role::User,
            session: None,
            challenge_deadline: None,
        }
    }

    #[test]
    fn notices_drop_what_they_concern_and_races_are_not_stored() {
        let cache = CallerCache::default();
        let sid = SessionId::random();
        let plain = CacheKey::Token(UserId::new(2), "j".into());
        let e = cache.epoch();
        cache.insert(e, CacheKey::Session(sid), facts(1), Instant::now());
        cache.insert(e, plain.clone(), facts(2), Instant::now());
        assert!(cache.get(&CacheKey::Session(sid)).is_some());
        cache.apply(&Notice::Terminate {
            session_id: sid,
            reason: EndReason::Admin,
        });
        assert!(cache.get(&CacheKey::Session(sid)).is_none());
        assert!(cache.get(&plain).is_some());
        cache.apply(&Notice::AccountChanged {
            user_id: UserId::new(2),
        });
        assert!(cache.get(&plain).is_none());
        // Read before the last invalidation: not kept.
        cache.insert(e, plain.clone(), facts(2), Instant::now());
        assert!(cache.get(&plain).is_none());
        let stale = Instant::now().checked_sub(MAX_AGE).unwrap();
        cache.insert(cache.epoch(), plain.clone(), facts(2), stale);
        assert!(cache.get(&plain).is_none());
    }
}
