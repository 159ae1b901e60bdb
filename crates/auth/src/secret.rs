//! Resolution of the JWT signing secret from configuration.

use crate::error::AuthError;
use rand::RngCore;

/// Minimum secret length in production, in bytes.
pub const MIN_PRODUCTION_SECRET_BYTES: usize = 32;

/// A signing secret. Never printed.
#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    /// Wraps raw bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// A fresh random 64-byte secret.
    pub fn random() -> Self {
        let mut bytes = vec![0u8; 64];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The bytes, for key construction.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret(***)")
    }
}

/// Where the secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// `JWT_SECRET_KEY`.
    JwtSecretKey,
    /// `AUTH_TOKEN` (fallback).
    AuthToken,
    /// Generated at start-up (development only; tokens die with the process).
    Generated,
}

/// Picks the secret: `JWT_SECRET_KEY`, else `AUTH_TOKEN`, else (outside
/// production) a random one. In production a missing or short (< 32 bytes)
/// secret is an error.
pub fn resolve_secret(
    jwt_secret_key: Option<&str>,
    auth_token: Option<&str>,
    production: bool,
) -> Result<(JwtSecret, SecretSource), AuthError> {
    let configured = [
        (jwt_secret_key, SecretSource::JwtSecretKey),
        (auth_token, SecretSource::AuthToken),
    ]
    .into_iter()
    .find_map(|(value, source)| value.filter(|v| !v.is_empty()).map(|v| (v, source)));
    match configured {
        Some((value, source)) => {
            if production && value.len() < MIN_PRODUCTION_SECRET_BYTES {
                return Err(AuthError::Secret(format!(
                    "the JWT secret must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes when APP_ENV=production"
                )));
            }
            Ok((JwtSecret::from_bytes(value.as_bytes().to_vec()), source))
        }
        None if production => Err(AuthError::Secret(
            "APP_ENV=production requires JWT_SECRET_KEY (or AUTH_TOKEN) to be set".into(),
        )),
        None => Ok((JwtSecret::random(), SecretSource::Generated)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_production_rules() {
        let long = "k".repeat(32);
        let (s, src) = resolve_secret(Some(&long), Some("other"), true).unwrap();
        assert_eq!(src, SecretSource::JwtSecretKey);
        assert_eq!(s.as_bytes(), long.as_bytes());
        let (_, src) = resolve_secret(None, Some(&long), true).unwrap();
        assert_eq!(src, SecretSource::AuthToken);
        let (_, src) = resolve_secret(Some(""), Some(&long), true).unwrap();
        assert_eq!(src, SecretSource::AuthToken);
        assert!(resolve_secret(Some("short"), None, true).is_err());
        assert!(resolve_secret(None, None, true).is_err());
        let (_, src) = resolve_secret(None, None, false).unwrap();
        assert_eq!(src, SecretSource::Generated);
        assert!(resolve_secret(Some("short"), None, false).is_ok());
        assert!(!format!("{:?}", JwtSecret::random()).contains('['));
    }
}
