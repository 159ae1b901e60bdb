ALTER TABLE monitored_sessions DROP COLUMN challenge_deadline;
