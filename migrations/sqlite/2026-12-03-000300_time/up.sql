-- Time and money: exact rates (integer minor units) and a currency per
-- project, time entries (one running timer per user), invoices with lines
-- and a gapless number counter per user and year.
ALTER TABLE projects ADD COLUMN hourly_rate_minor BIGINT;
ALTER TABLE projects ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
UPDATE projects SET hourly_rate_minor = CAST(ROUND(hourly_rate * 100) AS INTEGER)
    WHERE hourly_rate IS NOT NULL;
ALTER TABLE projects DROP COLUMN hourly_rate;

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    number TEXT,
    client TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    issue_date DATE,
    due_date DATE,
    notes TEXT,
    total_minor BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX invoices_number_idx ON invoices (user_id, number);
CREATE INDEX invoices_user_idx ON invoices (user_id, id);

CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    project_id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    description TEXT NOT NULL,
    seconds BIGINT NOT NULL,
    hourly_rate_minor BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL
);
CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (invoice_id, id);

CREATE TABLE invoice_counters (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (user_id, year)
);

CREATE TABLE time_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    seconds BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    billable BOOLEAN NOT NULL DEFAULT TRUE,
    invoice_id INTEGER REFERENCES invoices (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX time_entries_one_running_idx ON time_entries (user_id) WHERE ended_at IS NULL;
CREATE INDEX time_entries_user_started_idx ON time_entries (user_id, started_at);
CREATE INDEX time_entries_task_idx ON time_entries (task_id);
CREATE INDEX time_entries_project_idx ON time_entries (project_id);
CREATE INDEX time_entries_invoice_idx ON time_entries (invoice_id);
