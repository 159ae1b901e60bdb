//! bcrypt password hashing.

use crate::error::AuthError;
use std::sync::OnceLock;
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

/// Spends about as long as a real verification, for logins of unknown users,
/// so response time does not reveal whether a username exists.
pub fn verify_against_dummy(candidate: &str, cost: u32) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| bcrypt::hash("dummy-password-for-timing", cost).ok());
    if let Some(hash) = dummy {
        let _ = bcrypt::verify(candidate.get(..72).unwrap_or(candidate), hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn overlong_candidates_never_match() {
        let pw = Password::parse(&"a".repeat(72)).unwrap();
        let hash = hash_password(&pw, 4).unwrap();
        assert!(verify_password(&"a".repeat(72), &hash));
        assert!(!verify_password(&"a".repeat(73), &hash));
    }
}
