-- The analyst console's session view: every scored window of a monitored
-- session with its score, level, model and the raw reason strings (the
-- `risk` message as sent). `behavior_windows` keeps only the windows that
-- trained a profile (never the flagged ones) and no level or reasons, so
-- this is its own bounded log (pruned by id as it grows).
CREATE TABLE session_windows (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq BIGINT,
    modality TEXT NOT NULL,
    score DOUBLE PRECISION,
    level TEXT NOT NULL,
    model TEXT NOT NULL,
    session_risk DOUBLE PRECISION NOT NULL,
    reasons TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX session_windows_session_idx ON session_windows (session_id, id);
CREATE INDEX session_windows_user_idx ON session_windows (user_id);
