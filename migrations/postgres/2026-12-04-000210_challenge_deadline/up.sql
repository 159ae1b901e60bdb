-- The 60 s limit of a behavioural challenge, kept on the session so that it
-- holds for REST too (no websocket needed): set when the challenge is sent,
-- cleared by the right answer; a request after it ends the session.
ALTER TABLE monitored_sessions ADD COLUMN challenge_deadline TIMESTAMP;
