DROP TRIGGER IF EXISTS time_report_days_update_new;
DROP TRIGGER IF EXISTS time_report_days_update_old;
DROP TRIGGER IF EXISTS time_report_days_delete;
DROP TRIGGER IF EXISTS time_report_days_insert;
DROP TABLE IF EXISTS time_report_days;
ALTER TABLE time_entries DROP COLUMN amount_minor;
CREATE INDEX time_entries_report_idx
    ON time_entries (user_id, started_at, ended_at, project_id, task_id, seconds, billable);
