-- Time report over a rollup (issue 11): GET /api/reports/time sums a few
-- thousand per-day rows instead of every entry of the period.
--
-- 1. Each entry stores its amount, `round_half_up(seconds × project rate /
--    3600)` in minor units, written by the application (the domain's
--    `amount_minor`) on every write and again for all of a project's entries
--    when its rate changes. Only this backfill computes it in SQL.
ALTER TABLE time_entries ADD COLUMN amount_minor BIGINT NOT NULL DEFAULT 0;
UPDATE time_entries SET amount_minor = (
    SELECT (time_entries.seconds * COALESCE(p.hourly_rate_minor, 0) + 1800) / 3600
    FROM projects p WHERE p.id = time_entries.project_id
);

-- 2. Ended entries summed per (user, UTC day of the start, project, task),
--    kept by the triggers below in the statement that changes an entry, so
--    every write path (timer, manual entries, edits, deletes, imports,
--    cascades) keeps it exact. `entries` counts the entries of a row; a row
--    whose last entry goes away is removed.
CREATE TABLE time_report_days (
    user_id BIGINT NOT NULL,
    day DATE NOT NULL,
    project_id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    billable_seconds BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, project_id, task_id)
);
CREATE INDEX time_report_days_day_idx ON time_report_days (day);

INSERT INTO time_report_days
    (user_id, day, project_id, task_id, entries, seconds, billable_seconds, amount_minor)
SELECT user_id, substr(started_at, 1, 10), project_id, task_id, COUNT(*), SUM(seconds),
       SUM(CASE WHEN billable THEN seconds ELSE 0 END),
       SUM(CASE WHEN billable THEN amount_minor ELSE 0 END)
FROM time_entries WHERE ended_at IS NOT NULL
GROUP BY user_id, substr(started_at, 1, 10), project_id, task_id;

CREATE TRIGGER time_report_days_insert AFTER INSERT ON time_entries
WHEN NEW.ended_at IS NOT NULL BEGIN
    INSERT INTO time_report_days
        (user_id, day, project_id, task_id, entries, seconds, billable_seconds, amount_minor)
    VALUES (NEW.user_id, substr(NEW.started_at, 1, 10), NEW.project_id, NEW.task_id, 1,
            NEW.seconds, CASE WHEN NEW.billable THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.billable THEN NEW.amount_minor ELSE 0 END)
    ON CONFLICT (user_id, day, project_id, task_id) DO UPDATE SET
        entries = entries + 1,
        seconds = seconds + excluded.seconds,
        billable_seconds = billable_seconds + excluded.billable_seconds,
        amount_minor = amount_minor + excluded.amount_minor;
END;

CREATE TRIGGER time_report_days_delete AFTER DELETE ON time_entries
WHEN OLD.ended_at IS NOT NULL BEGIN
    UPDATE time_report_days SET
        entries = entries - 1,
        seconds = seconds - OLD.seconds,
        billable_seconds = billable_seconds - CASE WHEN OLD.billable THEN OLD.seconds ELSE 0 END,
        amount_minor = amount_minor - CASE WHEN OLD.billable THEN OLD.amount_minor ELSE 0 END
    WHERE user_id = OLD.user_id AND day = substr(OLD.started_at, 1, 10)
      AND project_id = OLD.project_id AND task_id = OLD.task_id;
    DELETE FROM time_report_days
    WHERE user_id = OLD.user_id AND day = substr(OLD.started_at, 1, 10)
      AND project_id = OLD.project_id AND task_id = OLD.task_id AND entries <= 0;
END;

-- An update is the old entry taken out and the new one put in (only for
-- the columns the report reads: invoicing an entry fires nothing).
CREATE TRIGGER time_report_days_update_old
AFTER UPDATE OF user_id, project_id, task_id, started_at, ended_at, seconds, billable, amount_minor
ON time_entries WHEN OLD.ended_at IS NOT NULL BEGIN
    UPDATE time_report_days SET
        entries = entries - 1,
        seconds = seconds - OLD.seconds,
        billable_seconds = billable_seconds - CASE WHEN OLD.billable THEN OLD.seconds ELSE 0 END,
        amount_minor = amount_minor - CASE WHEN OLD.billable THEN OLD.amount_minor ELSE 0 END
    WHERE user_id = OLD.user_id AND day = substr(OLD.started_at, 1, 10)
      AND project_id = OLD.project_id AND task_id = OLD.task_id;
    DELETE FROM time_report_days
    WHERE user_id = OLD.user_id AND day = substr(OLD.started_at, 1, 10)
      AND project_id = OLD.project_id AND task_id = OLD.task_id AND entries <= 0;
END;

CREATE TRIGGER time_report_days_update_new
AFTER UPDATE OF user_id, project_id, task_id, started_at, ended_at, seconds, billable, amount_minor
ON time_entries WHEN NEW.ended_at IS NOT NULL BEGIN
    INSERT INTO time_report_days
        (user_id, day, project_id, task_id, entries, seconds, billable_seconds, amount_minor)
    VALUES (NEW.user_id, substr(NEW.started_at, 1, 10), NEW.project_id, NEW.task_id, 1,
            NEW.seconds, CASE WHEN NEW.billable THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.billable THEN NEW.amount_minor ELSE 0 END)
    ON CONFLICT (user_id, day, project_id, task_id) DO UPDATE SET
        entries = entries + 1,
        seconds = seconds + excluded.seconds,
        billable_seconds = billable_seconds + excluded.billable_seconds,
        amount_minor = amount_minor + excluded.amount_minor;
END;

-- The report no longer reads time_entries; its covering index only cost writes.
DROP INDEX time_entries_report_idx;
