//! JSON Web Tokens, HS256 only.

use crate::error::AuthError;
use crate::secret::JwtSecret;
use chrono::Utc;
use jsonwebtoken::{
    decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use workspace_domain::{Role, SessionId, UserId};

/// The claims of an access token (see `api.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (JWT convention).
    pub sub: String,
    /// The username at issue time.
    pub username: String,
    /// The role at issue time (informative: the server re-reads it).
    pub role: Role,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// Unique token id.
    pub jti: String,
    /// The monitored session, when the token belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The session's token generation at issue time (a passed challenge
    /// raises it; tokens of an older generation are refused). 0 if absent.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gen: i64,
    /// When the holder first signed in (seconds since the epoch), kept
    /// across refreshes of plain tokens; absent on a first token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// What a token is issued for, beyond the user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Issue {
    /// The monitored session.
    pub sid: Option<SessionId>,
    /// The session's token generation.
    pub gen: i64,
    /// The first sign-in time, for refreshed plain tokens.
    pub auth_time: Option<i64>,
    /// The token expires no later than this (seconds since the epoch).
    pub not_after: Option<i64>,
}

impl Claims {
    /// The user id, when `sub` is a valid one.
    pub fn user_id(&self) -> Option<UserId> {
        self.sub.parse().ok()
    }

    /// The monitored session: `Ok(None)` without `sid`, `Err` when `sid` is
    /// not a UUID (a token no server issued).
    pub fn session_id(&self) -> Result<Option<SessionId>, AuthError> {
        self.sid
            .as_deref()
            .map(|s| s.parse().map_err(|_| AuthError::InvalidToken))
            .transpose()
    }
}

/// Keys and rules for issuing and verifying tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_seconds: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys from a secret; tokens live `ttl_seconds`.
    pub fn new(secret: &JwtSecret, ttl_seconds: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            ttl_seconds,
        }
    }

    /// Lifetime of issued tokens, in seconds.
    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    /// Issues a token for a user, bound to a monitored session when `sid` is set.
    pub fn issue(
        &self,
        user_id: UserId,
        username: &str,
        role: Role,
        sid: Option<SessionId>,
    ) -> Result<(String, Claims), AuthError> {
        self.issue_with(
            user_id,
            username,
            role,
            Issue {
                sid,
                ..Issue::default()
            },
        )
    }

    /// Issues a token with a session generation, a first sign-in time and
    /// an upper bound on its expiry.
    pub fn issue_with(
        &self,
        user_id: UserId,
        username: &str,
        role: Role,
        issue: Issue,
    ) -> Result<(String, Claims), AuthError> {
        let now = Utc::now().timestamp();
        let mut exp = now.saturating_add(self.ttl_seconds);
        if let Some(limit) = issue.not_after {
            exp = exp.min(limit);
        }
        let claims = Claims {
            sub: user_id.to_string(),
            username: username.to_owned(),
            role,
            iat: now,
            exp,
            jti: Uuid::new_v4().to_string(),
            sid: issue.sid.map(|s| s.to_string()),
            gen: issue.gen,
            auth_time: issue.auth_time,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| AuthError::Issue)?;
        Ok((token, claims))
    }

    /// Verifies signature, algorithm (HS256 only: `none`, RS256 and the rest
    /// are rejected) and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::TokenExpired,
                _ => AuthError::InvalidToken,
            })
    }

    /// Signs arbitrary claims with this key and a chosen header; for tests
    /// that need expired or otherwise odd tokens.
    pub fn sign_raw<T: Serialize>(&self, header: &Header, claims: &T) -> Result<String, AuthError> {
        encode(header, claims, &self.encoding).map_err(|_| AuthError::Issue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            &JwtSecret::from_bytes(b"0123456789abcdef0123456789abcdef".to_vec()),
            3600,
        )
    }

    #[test]
    fn issue_and_verify() {
        let k = keys();
        let sid = SessionId::random();
        let (token, claims) = k
            .issue(UserId::new(7), "alice", Role::User, Some(sid))
            .unwrap();
        let back = k.verify(&token).unwrap();
        assert_eq!(back, claims);
        assert_eq!(back.user_id(), Some(UserId::new(7)));
        assert_eq!(back.session_id().unwrap(), Some(sid));
        let odd = Claims {
            sid: Some("not-a-uuid".into()),
            ..back
        };
        assert!(odd.session_id().is_err());
        assert_eq!(back.exp - back.iat, 3600);
    }

    #[test]
    fn other_secret_is_rejected() {
        let (token, _) = keys()
            .issue(UserId::new(1), "a", Role::Admin, None)
            .unwrap();
        let other = JwtKeys::new(&JwtSecret::from_bytes(vec![b'x'; 32]), 3600);
        assert!(matches!(other.verify(&token), Err(AuthError::InvalidToken)));
    }

    #[test]
    fn expired_is_told_apart() {
        let k = keys();
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: "1".into(),
            username: "a".into(),
            role: Role::User,
            iat: now - 100,
            exp: now - 10,
            jti: "j".into(),
            sid: None,
            gen: 0,
            auth_time: None,
        };
        let token = k.sign_raw(&Header::new(Algorithm::HS256), &claims).unwrap();
        assert!(matches!(k.verify(&token), Err(AuthError::TokenExpired)));
    }

    #[test]
    fn other_algorithms_and_none_are_rejected() {
        let k = keys();
        let (token, claims) = k.issue(UserId::new(1), "a", Role::User, None).unwrap();
        let hs512 = k.sign_raw(&Header::new(Algorithm::HS512), &claims).unwrap();
        assert!(matches!(k.verify(&hs512), Err(AuthError::InvalidToken)));
        // alg "none": header {"alg":"none","typ":"JWT"}, same payload, no signature.
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(matches!(k.verify(&none), Err(AuthError::InvalidToken)));
        assert!(matches!(k.verify("garbage"), Err(AuthError::InvalidToken)));
        // Tampered payload.
        let mut parts: Vec<&str> = token.split('.').collect();
        let other = k.issue(UserId::new(2), "b", Role::Admin, None).unwrap().0;
        let other_payload = other.split('.').nth(1).unwrap().to_owned();
        parts[1] = &other_payload;
        assert!(matches!(
            k.verify(&parts.join(".")),
            Err(AuthError::InvalidToken)
        ));
    }
}
