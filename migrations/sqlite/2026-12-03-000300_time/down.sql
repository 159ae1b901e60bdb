DROP TABLE time_entries;
DROP TABLE invoice_counters;
DROP TABLE invoice_lines;
DROP TABLE invoices;
ALTER TABLE projects ADD COLUMN hourly_rate DOUBLE PRECISION;
UPDATE projects SET hourly_rate = hourly_rate_minor / 100.0 WHERE hourly_rate_minor IS NOT NULL;
ALTER TABLE projects DROP COLUMN currency;
ALTER TABLE projects DROP COLUMN hourly_rate_minor;
