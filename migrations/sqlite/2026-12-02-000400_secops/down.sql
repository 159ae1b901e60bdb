ALTER TABLE behavior_windows DROP COLUMN intruder;
DROP TABLE event_feedback;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
