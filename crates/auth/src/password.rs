//! bcrypt password hashing.

use crate::error::AuthError;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use workspace_domain::Password;

/// Default bcrypt cost.
pub const DEFAULT_COST: u32 = 12;

/// Hashes a validated password with the given bcrypt cost (4–31).
pub fn hash_password(password: &Password, cost: u32) -> Result<String, AuthError> {
    bcrypt::hash(password.expose(), cost).map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks a password against a stored hash. Any malformed hash is "no match".
/// Input longer than bcrypt's 72 bytes never matches (it could not have been
/// registered, and bcrypt would otherwise compare only a prefix).
pub fn verify_password(candidate: &str, hash: &str) -> bool {
    if candidate.len() > 72 {
        return false;
    }
    bcrypt::verify(candidate, hash).unwrap_or(false)
}

/// The bcrypt cost a stored hash was made with (`$2b$12$…` → 12); `None`
/// for anything that is not a bcrypt hash.
pub fn hash_cost(hash: &str) -> Option<u32> {
    let mut parts = hash.split('$');
    let (empty, version, cost) = (parts.next()?, parts.next()?, parts.next()?);
    if !empty.is_empty() || !version.starts_with('2') || cost.len() != 2 {
        return None;
    }
    cost.parse().ok()
}

/// After a successful verification: a new hash of `candidate` at `cost`
/// when the stored one was made with another cost (so raising
/// `BCRYPT_COST` reaches every account at its next sign-in, and a wrong
/// password costs the same for existing and unknown users). `None` when
/// the hash is already at `cost` or the candidate is not a valid password.
pub fn rehash_if_needed(candidate: &str, stored: &str, cost: u32) -> Option<String> {
    if hash_cost(stored) == Some(cost) {
        return None;
    }
    let password = Password::parse(candidate).ok()?;
    hash_password(&password, cost).ok()
}

/// Spends about as long as a real verification, for logins of unknown users,
/// so response time does not reveal whether a username exists.
pub fn verify_against_dummy(candidate: &str, cost: u32) {
    if let Some(hash) = dummy_hash(cost) {
        let _ = bcrypt::verify(candidate.get(..72).unwrap_or(candidate), &hash);
    }
}

/// The dummy hash of `cost`, made once per cost: its cost must be the one
/// real hashes are checked at (a dummy of the first cost ever asked for
/// would answer unknown users at another speed than known ones).
fn dummy_hash(cost: u32) -> Option<String> {
    static DUMMIES: OnceLock<Mutex<BTreeMap<u32, String>>> = OnceLock::new();
    let dummies = DUMMIES.get_or_init(Mutex::default);
    let mut dummies = dummies.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(hash) = dummies.get(&cost) {
        return Some(hash.clone());
    }
    let hash = bcrypt::hash("dummy-password-for-timing", cost).ok()?;
    dummies.insert(cost, hash.clone());
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rehash_only_when_the_cost_differs() {
        let pw = Password::parse("correct horse").unwrap();
        let old = hash_password(&pw, 4).unwrap();
        assert_eq!(hash_cost(&old), Some(4));
        assert_eq!(hash_cost("not a hash"), None);
        assert!(rehash_if_needed("correct horse", &old, 4).is_none());
        let new = rehash_if_needed("correct horse", &old, 5).unwrap();
        assert_eq!(hash_cost(&new), Some(5));
        assert!(verify_password("correct horse", &new));
    }

    #[test]
    fn hash_and_verify() {
        let pw = Password::parse("correct horse").unwrap();
        let hash = hash_password(&pw, 4).unwrap();
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("correct horse", "not-a-hash"));
        verify_against_dummy("whatever", 4);
    }

    #[test]
    fn the_dummy_hash_has_the_cost_asked_for() {
        verify_against_dummy("whatever", 4);
        assert_eq!(dummy_hash(4).as_deref().and_then(hash_cost), Some(4));
        assert_eq!(dummy_hash(5).as_deref().and_then(hash_cost), Some(5));
        assert_eq!(dummy_hash(4).as_deref().and_then(hash_cost), Some(4));
    }

    #[test]
    fn overlong_candidates_never_match() {
        let pw = Password::parse(&"a".repeat(72)).unwrap();
        let hash = hash_password(&pw, 4).unwrap();
        assert!(verify_password(&"a".repeat(72), &hash));
        assert!(!verify_password(&"a".repeat(73), &hash));
    }
}
