//! Request and response bodies of the REST API (see `api.md`).

use crate::extract::double_option;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

/// RFC 3339 in UTC with a `Z`, as the contract requires.
pub fn rfc3339(t: &NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(*t, Utc).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn ser_time<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(t))
}

fn ser_opt_time<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(t)),
        None => s.serialize_none(),
    }
}

/// `POST /api/register`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–32 characters of `[A-Za-z0-9_.-]`, unique case-insensitively.
    pub username: Option<String>,
    /// 8–72 bytes.
    pub password: Option<String>,
    /// Optional e-mail address.
    pub email: Option<String>,
}

/// `POST /api/login`, `POST /api/start-session`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The username (any case).
    pub username: Option<String>,
    /// The password.
    pub password: Option<String>,
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Username as registered.
    pub username: String,
    /// `user`, `analyst` or `admin`.
    pub role: String,
    /// E-mail address, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Registration time.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// The monitored session of the caller's token (`GET /api/me` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// The short user object inside a login answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginUser {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Role.
    pub role: String,
}

/// Answer of login and start-session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The JWT.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// Who signed in.
    pub user: LoginUser,
    /// The monitored session (start-session only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Where to stream behaviour (start-session only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ws_url: Option<&'static str>,
}

/// `POST /api/projects`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProject {
    /// 1–200 characters.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The client's name.
    pub client: Option<String>,
    /// ≥ 0.
    pub hourly_rate: Option<f64>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// `active` (default), `on_hold`, `completed`, `archived`.
    pub status: Option<String>,
}

/// `PATCH /api/projects/{id}`: any subset; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateProject {
    /// New name.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// New description (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// New client (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub client: Option<Option<String>>,
    /// New rate (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub hourly_rate: Option<Option<f64>>,
    /// New due date (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    /// New status.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub status: Option<Option<String>>,
}

/// A project as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    /// Id.
    pub id: i64,
    /// The owner's username.
    pub owner: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Client.
    pub client: Option<String>,
    /// Hourly rate.
    pub hourly_rate: Option<f64>,
    /// Due date, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Status.
    pub status: String,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// `POST /api/projects/{id}/tasks`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTask {
    /// 1–200 characters.
    pub title: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// `todo` (default), `in_progress`, `blocked`, `done`.
    pub status: Option<String>,
    /// `low`, `normal` (default), `high`, `urgent`.
    pub priority: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// ≥ 0.
    pub estimate_hours: Option<f64>,
}

/// `PATCH /api/tasks/{id}`: any subset; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateTask {
    /// New title.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    /// New description (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// New status.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub status: Option<Option<String>>,
    /// New priority.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub priority: Option<Option<String>>,
    /// New due date (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    /// New estimate (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub estimate_hours: Option<Option<f64>>,
}

/// A task as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    /// Id.
    pub id: i64,
    /// Its project.
    pub project_id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Status.
    pub status: String,
    /// Priority.
    pub priority: String,
    /// Due date.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Estimate in hours.
    pub estimate_hours: Option<f64>,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A security event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Id.
    pub id: i64,
    /// Kind, e.g. `login_failed`.
    pub kind: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// Who it is about.
    pub username: Option<String>,
    /// The monitored session, if any.
    pub session_id: Option<String>,
    /// Behavioural risk, if any.
    pub risk_score: Option<f64>,
    /// Details (an object).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

/// `POST /api/admin/users/{username}/role`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// `user`, `analyst` or `admin`.
    pub role: Option<String>,
}

/// Answer of a role change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleResponse {
    /// The user.
    pub username: String,
    /// The new role.
    pub role: String,
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Server version.
    pub version: &'static str,
}

/// Optional time in monitor rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorSession {
    /// Session id.
    pub session_id: String,
    /// Owner.
    pub username: String,
    /// When the websocket connected.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub connected_at: NaiveDateTime,
    /// Last behaviour packet.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_packet_at: Option<NaiveDateTime>,
    /// Packets received.
    pub packets: u64,
    /// Events received.
    pub events: u64,
    /// Latest window score.
    pub last_score: Option<f64>,
    /// Highest window score.
    pub max_score: Option<f64>,
    /// `low`, `medium` or `high` session risk.
    pub level: String,
    /// Enrollment state per modality, e.g. `keystroke:trained,mouse:enrolling`.
    pub profile_state: String,
}

/// Totals of the realtime monitor since start-up.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct MonitorTotals {
    /// Websocket connections accepted.
    pub connections: u64,
    /// Windows scored.
    pub packets_scored: u64,
    /// Windows scored high.
    pub anomalies: u64,
    /// Sessions terminated.
    pub terminations: u64,
}

/// The global model in the monitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct GlobalModelInfo {
    /// Version (row id).
    pub version: i64,
    /// When trained.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub trained_at: NaiveDateTime,
    /// Windows used.
    pub samples: i64,
}

/// `GET /api/realtime-monitor`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorOut {
    /// Live websocket sessions.
    pub active_sessions: Vec<MonitorSession>,
    /// Counters.
    pub totals: MonitorTotals,
    /// The current global model, if any.
    pub global_model: Option<GlobalModelInfo>,
}
