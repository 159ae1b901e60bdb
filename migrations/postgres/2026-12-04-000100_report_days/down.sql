DROP TRIGGER IF EXISTS time_report_days_sync ON time_entries;
DROP FUNCTION IF EXISTS time_report_days_sync();
DROP TABLE IF EXISTS time_report_days;
ALTER TABLE time_entries DROP COLUMN amount_minor;
CREATE INDEX time_entries_report_idx
    ON time_entries (user_id, started_at) INCLUDE (ended_at, project_id, task_id, seconds, billable);
