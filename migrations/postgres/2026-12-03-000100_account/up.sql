-- Account and sessions: where a session and an event came from, the token
-- generation a re-authentication raises, wrong challenge answers, and the
-- revoked ids of plain (unmonitored) tokens.
ALTER TABLE monitored_sessions ADD COLUMN ip TEXT;
ALTER TABLE monitored_sessions ADD COLUMN user_agent TEXT;
ALTER TABLE monitored_sessions ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitored_sessions ADD COLUMN challenge_failures INTEGER NOT NULL DEFAULT 0;
CREATE INDEX monitored_sessions_user_created_idx ON monitored_sessions (user_id, created_at);

ALTER TABLE security_events ADD COLUMN ip TEXT;
ALTER TABLE security_events ADD COLUMN user_agent TEXT;

CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);
