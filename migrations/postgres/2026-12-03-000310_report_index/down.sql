DROP INDEX time_entries_report_idx;
