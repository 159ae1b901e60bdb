-- Initial schema (SQLite). Keep in step with migrations/postgres and
-- crates/persistence/src/schema.rs.
-- Timestamps are UTC, written by the application (diesel stores them as
-- 'YYYY-MM-DD HH:MM:SS[.ffffff]' text); ids are 64-bit integers.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('user', 'analyst', 'admin')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT users_username_key_unique UNIQUE (username_key)
);
CREATE INDEX users_role_idx ON users (role);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    client TEXT,
    hourly_rate DOUBLE PRECISION,
    due_date DATE,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_owner_id_idx ON projects (owner_id, id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    due_date DATE,
    estimate_hours DOUBLE PRECISION,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_project_status_idx ON tasks (project_id, status);

CREATE TABLE monitored_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP,
    ended_at TIMESTAMP,
    end_reason TEXT
);
CREATE INDEX monitored_sessions_user_idx ON monitored_sessions (user_id, ended_at);

CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    username TEXT,
    session_id TEXT,
    risk_score DOUBLE PRECISION,
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX security_events_created_idx ON security_events (created_at, id);
CREATE INDEX security_events_username_idx ON security_events (lower(username), created_at);
CREATE INDEX security_events_kind_idx ON security_events (kind, created_at);
CREATE INDEX security_events_user_id_idx ON security_events (user_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_created_idx ON login_failures (username_key, created_at);
CREATE INDEX login_failures_created_idx ON login_failures (created_at);

CREATE TABLE behavior_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    modality TEXT NOT NULL,
    state TEXT NOT NULL,
    samples INTEGER NOT NULL,
    format_version INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT behavior_profiles_user_modality_unique UNIQUE (user_id, modality)
);

CREATE TABLE behavior_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT,
    modality TEXT NOT NULL,
    features TEXT NOT NULL,
    risk_score DOUBLE PRECISION,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX behavior_windows_modality_idx ON behavior_windows (modality, id);
CREATE INDEX behavior_windows_user_idx ON behavior_windows (user_id);

CREATE TABLE global_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    modality TEXT NOT NULL,
    samples BIGINT NOT NULL,
    format_version INTEGER NOT NULL,
    data TEXT NOT NULL,
    metrics TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX global_models_modality_idx ON global_models (modality, id);
