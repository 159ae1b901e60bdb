-- Covering index for GET /api/reports/time: the report reads every entry of
-- a user in a period; with the columns it sums in the index, SQLite answers
-- from the index alone instead of visiting 100,000 table rows.
CREATE INDEX time_entries_report_idx
    ON time_entries (user_id, started_at, ended_at, project_id, task_id, seconds, billable);
