DROP TABLE revoked_tokens;
ALTER TABLE security_events DROP COLUMN user_agent;
ALTER TABLE security_events DROP COLUMN ip;
DROP INDEX monitored_sessions_user_created_idx;
ALTER TABLE monitored_sessions DROP COLUMN challenge_failures;
ALTER TABLE monitored_sessions DROP COLUMN token_generation;
ALTER TABLE monitored_sessions DROP COLUMN user_agent;
ALTER TABLE monitored_sessions DROP COLUMN ip;
