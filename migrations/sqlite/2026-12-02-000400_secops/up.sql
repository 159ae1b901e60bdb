-- Security operations: webhooks with a transactional outbox of deliveries,
-- analyst feedback on events, and windows kept out of training.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url TEXT NOT NULL,
    kinds TEXT,
    min_severity TEXT,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL REFERENCES security_events (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

CREATE TABLE event_feedback (
    event_id INTEGER PRIMARY KEY NOT NULL REFERENCES security_events (id) ON DELETE CASCADE,
    verdict TEXT NOT NULL,
    by_username TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE behavior_windows ADD COLUMN intruder BOOLEAN NOT NULL DEFAULT FALSE;
