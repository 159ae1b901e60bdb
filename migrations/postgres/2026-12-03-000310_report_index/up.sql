-- Covering index for GET /api/reports/time (index-only scans once the
-- table is vacuumed): the report reads every entry of a user in a period.
CREATE INDEX time_entries_report_idx
    ON time_entries (user_id, started_at) INCLUDE (ended_at, project_id, task_id, seconds, billable);
