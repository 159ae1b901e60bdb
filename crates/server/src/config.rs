//! Configuration: defaults in code, then `.env` (loaded by `main` through
//! dotenvy) and environment variables, with the names of the README.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::PathBuf;

/// Everything the server can be configured with. Field names are the
/// environment variable names in lower case. Secrets (`DATABASE_URL` may
/// hold a password) are [`SecretString`]s: `Debug` prints them redacted.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `HOST`: address to bind.
    pub host: String,
    /// `PORT`: port to bind (0 picks a free one).
    pub port: u16,
    /// `REALTIME_PORT`: port of the standalone realtime server
    /// (`workspace-server realtime`).
    pub realtime_port: u16,
    /// `DATABASE_URL`: `postgres://…` for PostgreSQL; empty for SQLite.
    #[serde(default)]
    pub database_url: Option<SecretString>,
    /// `DB_PATH`: the SQLite file when `DATABASE_URL` is empty.
    pub db_path: PathBuf,
    /// `DB_POOL_SIZE`: connections in the pool.
    pub db_pool_size: u32,
    /// `JWT_SECRET_KEY`: the token signing secret.
    #[serde(default)]
    pub jwt_secret_key: Option<SecretString>,
    /// `AUTH_TOKEN`: fallback for `JWT_SECRET_KEY`.
    #[serde(default)]
    pub auth_token: Option<SecretString>,
    /// `APP_ENV`: `production` refuses to start without a strong secret.
    pub app_env: String,
    /// `TOKEN_TTL_SECONDS`: access token lifetime.
    pub token_ttl_seconds: i64,
    /// `BCRYPT_COST`: bcrypt work factor (4–31).
    pub bcrypt_cost: u32,
    /// `LOGIN_MAX_FAILURES`: failed logins per username before 429.
    pub login_max_failures: u32,
    /// `LOGIN_WINDOW_SECONDS`: the window those failures are counted in.
    pub login_window_seconds: i64,
    /// `BOOTSTRAP_ADMIN_USERNAME`: first admin, created at start-up if missing.
    #[serde(default)]
    pub bootstrap_admin_username: Option<String>,
    /// `BOOTSTRAP_ADMIN_PASSWORD`: its password.
    #[serde(default)]
    pub bootstrap_admin_password: Option<SecretString>,
    /// `WEB_DIR`: the folder of static pages.
    pub web_dir: PathBuf,
    /// `MAX_BODY_BYTES`: largest accepted request body.
    pub max_body_bytes: usize,
    /// `ALLOWED_ORIGINS`: comma-separated origins allowed to open the
    /// websocket (empty: the server's own origin only).
    #[serde(default)]
    pub allowed_origins: Option<String>,
    /// `WS_MAX_SOCKETS_PER_SESSION`: websockets one monitored session may
    /// have open on this instance at once.
    pub ws_max_sockets_per_session: usize,
    /// `GLOBAL_TRAIN_INTERVAL_SECONDS`: global model training period (0 disables).
    pub global_train_interval_seconds: u64,
    /// `GLOBAL_TRAIN_MIN_SAMPLES`: stored windows needed before training.
    pub global_train_min_samples: u64,
    /// `GLOBAL_TRAIN_MAX_SAMPLES`: most windows used for one training.
    pub global_train_max_samples: u64,
    /// `WEBHOOK_ALLOW_PRIVATE`: allow loopback/private webhook targets.
    pub webhook_allow_private: bool,
    /// `WEBHOOK_RETRY_BASE_SECONDS`: first webhook retry delay (doubles).
    pub webhook_retry_base_seconds: u64,
    /// `WEBHOOK_POLL_MILLIS`: how often due webhook deliveries are sent.
    pub webhook_poll_millis: u64,
    /// `SESSION_MAX_SECONDS`: how long a monitored session (or a chain of
    /// refreshed tokens) lives from its start; then refresh answers 401
    /// `session_expired`.
    pub session_max_seconds: i64,
    /// `TRUSTED_PROXIES`: comma-separated IPs/CIDRs whose
    /// `X-Forwarded-For` is believed (empty: none).
    #[serde(default)]
    pub trusted_proxies: Option<String>,
    /// `DEFAULT_CURRENCY`: ISO 4217 code of new projects.
    pub default_currency: String,
}

/// Defaults, as `(variable, value)`; also the source of the README's table.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("host", "127.0.0.1"),
    ("port", "5000"),
    ("realtime_port", "5001"),
    ("db_path", "./data/workspace.db"),
    ("db_pool_size", "8"),
    ("app_env", "development"),
    ("token_ttl_seconds", "3600"),
    ("bcrypt_cost", "12"),
    ("login_max_failures", "5"),
    ("login_window_seconds", "900"),
    ("web_dir", "web"),
    ("max_body_bytes", "1048576"),
    ("ws_max_sockets_per_session", "4"),
    ("global_train_interval_seconds", "300"),
    ("global_train_min_samples", "30"),
    ("global_train_max_samples", "5000"),
    ("webhook_allow_private", "false"),
    ("webhook_retry_base_seconds", "30"),
    ("webhook_poll_millis", "1000"),
    ("session_max_seconds", "43200"),
    ("default_currency", "EUR"),
];

/// The values `APP_ENV` accepts; `test` behaves like `development`.
pub const APP_ENVS: &[&str] = &["development", "production", "test"];

/// `APP_ENV` in lower case, or an error naming the variable: a typo such as
/// `prod` must not silently fall back to development.
fn parse_app_env(value: &str) -> Result<String, ConfigError> {
    let lower = value.trim().to_ascii_lowercase();
    if APP_ENVS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(ConfigError(format!(
            "APP_ENV must be one of {}, not {value:?}",
            APP_ENVS.join(", ")
        )))
    }
}

/// A configuration problem, reported before the server starts.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Reads defaults, then the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(config::Environment::default().try_parsing(true))
    }

    /// Defaults only (tests start from here and override fields).
    pub fn defaults() -> Result<Self, ConfigError> {
        Self::from_source(config::Environment::with_prefix(
            "WORKSPACE_SETTINGS_NEVER_SET",
        ))
    }

    fn from_source(env: config::Environment) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder();
        for (key, value) in DEFAULTS {
            builder = builder
                .set_default(*key, *value)
                .map_err(|e| ConfigError(e.to_string()))?;
        }
        let settings: Settings = builder
            .add_source(env)
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.validate()
    }

    fn validate(mut self) -> Result<Self, ConfigError> {
        if !(4..=31).contains(&self.bcrypt_cost) {
            return Err(ConfigError("BCRYPT_COST must be between 4 and 31".into()));
        }
        if self.token_ttl_seconds <= 0 {
            return Err(ConfigError("TOKEN_TTL_SECONDS must be positive".into()));
        }
        if self.login_max_failures == 0 || self.login_window_seconds <= 0 {
            return Err(ConfigError(
                "LOGIN_MAX_FAILURES and LOGIN_WINDOW_SECONDS must be positive".into(),
            ));
        }
        if self.db_pool_size == 0 {
            return Err(ConfigError("DB_POOL_SIZE must be positive".into()));
        }
        if self.session_max_seconds <= 0 {
            return Err(ConfigError("SESSION_MAX_SECONDS must be positive".into()));
        }
        crate::http::client::TrustedProxies::parse(self.trusted_proxies.as_deref())
            .map_err(ConfigError)?;
        self.app_env = parse_app_env(&self.app_env)?;
        self.default_currency = self.default_currency.trim().to_ascii_uppercase();
        if workspace_domain::Currency::parse(&self.default_currency).is_err() {
            return Err(ConfigError(
                "DEFAULT_CURRENCY must be an ISO 4217 code such as EUR".into(),
            ));
        }
        for field in [
            &mut self.database_url,
            &mut self.jwt_secret_key,
            &mut self.auth_token,
            &mut self.bootstrap_admin_password,
        ] {
            if field
                .as_ref()
                .is_some_and(|v| v.expose_secret().trim().is_empty())
            {
                *field = None;
            }
        }
        for field in [
            &mut self.bootstrap_admin_username,
            &mut self.allowed_origins,
        ] {
            if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *field = None;
            }
        }
        Ok(self)
    }

    /// `DATABASE_URL`, exposed for connecting.
    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_ref().map(|s| s.expose_secret())
    }

    /// Whether `APP_ENV=production`.
    pub fn is_production(&self) -> bool {
        self.app_env.eq_ignore_ascii_case("production")
    }

    /// The explicitly allowed websocket origins.
    pub fn allowed_origins(&self) -> Vec<String> {
        self.allowed_origins
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().trim_end_matches('/').to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.port, 5000);
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.global_train_interval_seconds, 300);
        assert_eq!(s.global_train_min_samples, 30);
        assert_eq!(s.global_train_max_samples, 5000);
        assert!(s.database_url.is_none());
        assert!(!s.is_production());
    }

    #[test]
    fn debug_never_prints_secrets() {
        let mut s = Settings::defaults().unwrap();
        s.jwt_secret_key = Some("jwt-secret-value".into());
        s.auth_token = Some("auth-token-value".into());
        s.bootstrap_admin_password = Some("admin-password-value".into());
        s.database_url = Some("postgres://u:db-password@h/db".into());
        let printed = format!("{s:?}");
        for secret in [
            "jwt-secret-value",
            "auth-token-value",
            "admin-password-value",
            "db-password",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert_eq!(s.database_url(), Some("postgres://u:db-password@h/db"));
    }

    #[test]
    fn app_env_accepts_only_known_values() {
        assert_eq!(parse_app_env(" Production ").unwrap(), "production");
        assert_eq!(parse_app_env("test").unwrap(), "test");
        let e = parse_app_env("prod").unwrap_err().to_string();
        assert!(e.contains("APP_ENV") && e.contains("\"prod\""), "{e}");
        assert!(parse_app_env("").is_err());
    }
}
