//! Recording security events.

use crate::error::ApiError;
use serde_json::{json, Value};
use workspace_persistence::{events, DbConnection};

/// Event severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Routine.
    Info,
    /// Worth a look.
    Warning,
    /// Acted upon.
    Critical,
}

impl Severity {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// A security event to store.
#[derive(Debug, Clone)]
pub struct Event {
    kind: &'static str,
    severity: Severity,
    user_id: Option<i64>,
    username: Option<String>,
    session_id: Option<String>,
    risk_score: Option<f64>,
    detail: Value,
}

impl Event {
    /// A new event of a kind (see `api.md` for the kinds).
    pub fn new(kind: &'static str, severity: Severity) -> Self {
        Self {
            kind,
            severity,
            user_id: None,
            username: None,
            session_id: None,
            risk_score: None,
            detail: json!({}),
        }
    }

    /// About this user.
    pub fn user(mut self, id: Option<i64>, username: &str) -> Self {
        self.user_id = id;
        self.username = Some(username.to_owned());
        self
    }

    /// In this monitored session.
    pub fn session(mut self, session_id: impl ToString) -> Self {
        self.session_id = Some(session_id.to_string());
        self
    }

    /// With this risk score.
    pub fn risk(mut self, score: Option<f64>) -> Self {
        self.risk_score = score;
        self
    }

    /// With these details (an object; never secrets).
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// Stores the event.
    pub fn record(self, conn: &mut DbConnection) -> Result<(), ApiError> {
        events::insert(
            conn,
            &events::NewSecurityEvent {
                kind: self.kind,
                severity: self.severity.as_str(),
                user_id: self.user_id,
                username: self.username.as_deref(),
                session_id: self.session_id.as_deref(),
                risk_score: self.risk_score,
                detail: &self.detail,
            },
        )?;
        Ok(())
    }
}
