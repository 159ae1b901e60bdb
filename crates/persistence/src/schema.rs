//! Diesel schema shared by both backends.
//!
//! Hand-maintained: it must match `migrations/sqlite` and
//! `migrations/postgres` (same tables, columns, nullability and types). Only
//! SQL types that both backends share are used: `BigInt` ids, `Text` for
//! UUIDs, enums and JSON, `Timestamp` (UTC, naive), `Date`, `Double`,
//! `Integer`.

diesel::table! {
    /// Accounts. `username_key` is the lowercase username and carries the
    /// UNIQUE constraint, so usernames are unique case-insensitively.
    users (id) {
        id -> BigInt,
        username -> Text,
        username_key -> Text,
        password_hash -> Text,
        email -> Nullable<Text>,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Projects, owned by a user (deleted with the user).
    projects (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        client -> Nullable<Text>,
        due_date -> Nullable<Date>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Hourly rate in minor units (cents).
        hourly_rate_minor -> Nullable<BigInt>,
        /// ISO 4217 code.
        currency -> Text,
    }
}

diesel::table! {
    /// Tasks of a project (deleted with the project).
    tasks (id) {
        id -> BigInt,
        project_id -> BigInt,
        title -> Text,
        description -> Nullable<Text>,
        status -> Text,
        priority -> Text,
        due_date -> Nullable<Date>,
        estimate_hours -> Nullable<Double>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Behaviourally monitored sessions; `id` is a UUID string.
    monitored_sessions (id) {
        id -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        /// Client address at start (see `TRUSTED_PROXIES`).
        ip -> Nullable<Text>,
        /// `User-Agent` at start.
        user_agent -> Nullable<Text>,
        /// Raised by a passed challenge: tokens of a lower generation are refused.
        token_generation -> Integer,
        /// Wrong challenge answers so far (three end the session).
        challenge_failures -> Integer,
        /// An open challenge must be answered by then (UTC); NULL: none open.
        challenge_deadline -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Security audit events. `user_id` becomes NULL when the user is
    /// deleted; `username` is kept. `detail` is a JSON object as text.
    security_events (id) {
        id -> BigInt,
        kind -> Text,
        severity -> Text,
        user_id -> Nullable<BigInt>,
        username -> Nullable<Text>,
        session_id -> Nullable<Text>,
        risk_score -> Nullable<Double>,
        detail -> Text,
        created_at -> Timestamp,
        /// Client address of the request that caused it, if any.
        ip -> Nullable<Text>,
        /// `User-Agent` of that request, if any.
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    /// Failed login attempts, one row per attempt, for the shared throttle.
    login_failures (id) {
        id -> BigInt,
        username_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// One behaviour profile per (user, modality); `data` is serialised JSON.
    behavior_profiles (id) {
        id -> BigInt,
        user_id -> BigInt,
        modality -> Text,
        state -> Text,
        samples -> Integer,
        format_version -> Integer,
        data -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Stored feature windows (JSON) used to train the global model.
    behavior_windows (id) {
        id -> BigInt,
        user_id -> BigInt,
        session_id -> Nullable<Text>,
        modality -> Text,
        features -> Text,
        risk_score -> Nullable<Double>,
        created_at -> Timestamp,
        /// An analyst said an intruder produced it: kept out of training.
        intruder -> Bool,
    }
}

diesel::table! {
    /// Every scored window of a monitored session as it was sent in the
    /// `risk` message (the console's session view); `reasons` is a JSON
    /// array of the raw reason strings. Bounded: pruned by id.
    session_windows (id) {
        id -> BigInt,
        session_id -> Text,
        user_id -> BigInt,
        seq -> Nullable<BigInt>,
        modality -> Text,
        score -> Nullable<Double>,
        level -> Text,
        model -> Text,
        session_risk -> Double,
        reasons -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Webhooks: where matching security events are POSTed. `kinds` is a
    /// JSON array of kinds (NULL: all); `secret` signs the deliveries.
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        kinds -> Nullable<Text>,
        min_severity -> Nullable<Text>,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The outbox: one row per (webhook, event), queued in the event's
    /// transaction; `id` is the delivery UUID sent on every attempt.
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> BigInt,
        event_id -> BigInt,
        kind -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// An analyst's verdict on a security event (at most one per event).
    event_feedback (event_id) {
        event_id -> BigInt,
        verdict -> Text,
        by_username -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Versions of the global model; `id` is the version number.
    global_models (id) {
        id -> BigInt,
        modality -> Text,
        samples -> BigInt,
        format_version -> Integer,
        data -> Text,
        metrics -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Revoked ids (`jti`) of plain tokens signed out before they expired;
    /// rows past `expires_at` are purged.
    revoked_tokens (jti) {
        jti -> Text,
        user_id -> BigInt,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Labels, each user's own; `name_key` (lowercase name) is unique per
    /// owner, so names are unique case-insensitively.
    labels (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
        name_key -> Text,
        color -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Labels on tasks (deleted with either).
    task_labels (task_id, label_id) {
        task_id -> BigInt,
        label_id -> BigInt,
    }
}

diesel::table! {
    /// Comments on tasks (deleted with the task or the author).
    comments (id) {
        id -> BigInt,
        task_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Invoices of a user; `number` is assigned when sent (gapless per user
    /// and year through `invoice_counters`).
    invoices (id) {
        id -> BigInt,
        user_id -> BigInt,
        number -> Nullable<Text>,
        client -> Text,
        status -> Text,
        currency -> Text,
        period_from -> Date,
        period_to -> Date,
        issue_date -> Nullable<Date>,
        due_date -> Nullable<Date>,
        notes -> Nullable<Text>,
        total_minor -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One line per task of an invoice, with the rate it was billed at.
    invoice_lines (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        project_id -> BigInt,
        task_id -> BigInt,
        description -> Text,
        seconds -> BigInt,
        hourly_rate_minor -> BigInt,
        amount_minor -> BigInt,
    }
}

diesel::table! {
    /// The last invoice number given per (user, year).
    invoice_counters (user_id, year) {
        user_id -> BigInt,
        year -> Integer,
        last_number -> BigInt,
    }
}

diesel::table! {
    /// Tracked time; `ended_at` NULL = the running timer (at most one per
    /// user: partial unique index). `seconds` is set when it ends.
    time_entries (id) {
        id -> BigInt,
        user_id -> BigInt,
        project_id -> BigInt,
        task_id -> BigInt,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        seconds -> BigInt,
        note -> Text,
        billable -> Bool,
        invoice_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        amount_minor -> BigInt,
    }
}

diesel::joinable!(projects -> users (owner_id));
diesel::joinable!(tasks -> projects (project_id));
diesel::joinable!(monitored_sessions -> users (user_id));
diesel::joinable!(security_events -> users (user_id));
diesel::joinable!(behavior_profiles -> users (user_id));
diesel::joinable!(behavior_windows -> users (user_id));
diesel::joinable!(session_windows -> users (user_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> security_events (event_id));
diesel::joinable!(event_feedback -> security_events (event_id));
diesel::joinable!(labels -> users (owner_id));
diesel::joinable!(task_labels -> tasks (task_id));
diesel::joinable!(task_labels -> labels (label_id));
diesel::joinable!(comments -> tasks (task_id));
diesel::table! {
    /// Instances with a live monitor, refreshed every few seconds; totals
    /// since the instance started.
    live_instances (instance_id) {
        instance_id -> Text,
        started_at -> Timestamp,
        refreshed_at -> Timestamp,
        connections -> BigInt,
        packets_scored -> BigInt,
        anomalies -> BigInt,
        terminations -> BigInt,
    }
}

diesel::table! {
    /// The live websockets of every instance, as the realtime monitor shows
    /// them; a row not refreshed within the staleness bound is ignored.
    live_sockets (instance_id, conn_id) {
        instance_id -> Text,
        conn_id -> BigInt,
        session_id -> Text,
        username -> Text,
        connected_at -> Timestamp,
        last_packet_at -> Nullable<Timestamp>,
        packets -> BigInt,
        events -> BigInt,
        last_score -> Nullable<Double>,
        max_score -> Nullable<Double>,
        level -> Text,
        profile_state -> Text,
        refreshed_at -> Timestamp,
    }
}

diesel::joinable!(comments -> users (author_id));

diesel::joinable!(invoices -> users (user_id));
diesel::joinable!(invoice_lines -> invoices (invoice_id));
diesel::joinable!(time_entries -> tasks (task_id));
diesel::joinable!(time_entries -> projects (project_id));
diesel::joinable!(time_entries -> invoices (invoice_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    projects,
    tasks,
    monitored_sessions,
    security_events,
    login_failures,
    behavior_profiles,
    behavior_windows,
    session_windows,
    global_models,
    webhooks,
    webhook_deliveries,
    event_feedback,
    revoked_tokens,
    labels,
    task_labels,
    comments,
    invoices,
    invoice_lines,
    invoice_counters,
    time_entries,
    live_instances,
    live_sockets,
);
