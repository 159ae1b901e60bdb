//! Time tracking: the timer, manual entries and the time report. Entries
//! belong to the user who tracked them; analysts read everyone's
//! (`?owner=`), only the owner or an admin changes them.

use super::caller::Caller;
use super::core::Services;
use super::error::{ErrorCode, ServiceError, ServiceResult};
use super::work::access::{self, Need};
use super::work::projects::Owner;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;
use workspace_domain::{Capability, Page, Paged, TaskId, UserId, Username};
use workspace_persistence::time_entries::{
    self, EntryFilter, EntryUpdate, NewTimeEntry, ReportKey, TimeEntryRow, Whose,
};
use workspace_persistence::{invoices, users, DbConnection, PersistenceError};

/// Bounds of an open report period (both databases store these).
const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Longest manual entry.
pub const MAX_ENTRY_SECONDS: i64 = 24 * 3600;

/// Resolves `?owner=` to whose entries or invoices to show.
pub fn whose(conn: &mut DbConnection, caller: &Caller, owner: &Owner) -> ServiceResult<Whose> {
    match owner {
        Owner::Me => Ok(Whose::User(caller.id)),
        Owner::Named(name) if Username::key_of(name) == Username::key_of(&caller.username) => {
            Ok(Whose::User(caller.id))
        }
        other => {
            caller.require(Capability::ListOthersProjects)?;
            match other {
                Owner::Named(name) => Ok(Whose::User(
                    users::find_by_username(conn, name)?.map_or(UserId::new(-1), |u| u.id),
                )),
                _ => Ok(Whose::All),
            }
        }
    }
}

/// Checks access to an entry (owned by its `user_id`).
fn entry(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    need: Need,
) -> ServiceResult<TimeEntryRow> {
    let row = time_entries::get(conn, id)?.ok_or_else(|| ServiceError::not_found("time entry"))?;
    access::check(caller, UserId::new(row.user_id), need, "time entry")?;
    Ok(row)
}

/// 409 when the entry is on an invoice that is not void.
fn ensure_unlocked(conn: &mut DbConnection, row: &TimeEntryRow) -> ServiceResult<()> {
    if let Some(invoice_id) = row.invoice_id {
        let status = invoices::status_of(conn, invoice_id)?;
        if status.is_some_and(|s| s != workspace_domain::InvoiceStatus::Void) {
            return Err(ServiceError::conflict(
                "This time entry is on an invoice; void or delete the invoice first.",
            ));
        }
    }
    Ok(())
}

/// Starts the caller's timer on a task (stopping the running one first).
/// Parallel starts leave exactly one running: the partial unique index
/// refuses a second, and the start is retried.
pub async fn start(
    svc: &Services,
    caller: &Caller,
    task_id: TaskId,
    note: String,
) -> ServiceResult<TimeEntryRow> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let caller = caller.clone();
        let note = note.clone();
        let result = svc
            .write(move |work| {
                let task = access::task(work.conn(), &caller, task_id, Need::Write)?;
                time_entries::lock_user(work.conn(), caller.id)?;
                let now = workspace_persistence::now_utc();
                time_entries::stop_running(work.conn(), caller.id, now)?;
                time_entries::insert(
                    work.conn(),
                    &NewTimeEntry {
                        user_id: caller.id,
                        project_id: task.project_id.get(),
                        task_id: task.id.get(),
                        started_at: now,
                        ended_at: None,
                        note: &note,
                        billable: true,
                    },
                )
                .map_err(|e| match e {
                    PersistenceError::Conflict { .. } => {
                        ServiceError::conflict("Another timer was started at the same time.")
                    }
                    other => other.into(),
                })
            })
            .await;
        match result {
            Err(e)
                if attempt < 5
                    && (e.code == ErrorCode::Conflict
                        || e.code == ErrorCode::ServiceUnavailable) => {}
            other => return other,
        }
    }
}

/// The caller's running entry, if any.
pub async fn running(svc: &Services, caller: &Caller) -> ServiceResult<Option<TimeEntryRow>> {
    let id = caller.id;
    svc.read(move |conn| Ok(time_entries::running(conn, id)?))
        .await
}

/// Stops the caller's timer; 404 when none runs.
pub async fn stop(svc: &Services, caller: &Caller) -> ServiceResult<TimeEntryRow> {
    let id = caller.id;
    svc.write(move |work| {
        time_entries::lock_user(work.conn(), id)?;
        time_entries::stop_running(work.conn(), id, workspace_persistence::now_utc())?
            .ok_or_else(|| ServiceError::not_found("running timer"))
    })
    .await
}

/// Checks a manual span: end after start, at most 24 h.
pub fn check_span(start: NaiveDateTime, end: NaiveDateTime) -> ServiceResult<()> {
    if end <= start {
        return Err(ServiceError::invalid(
            "ended_at",
            "must be after started_at",
        ));
    }
    if end - start > Duration::seconds(MAX_ENTRY_SECONDS) {
        return Err(ServiceError::invalid(
            "ended_at",
            "must be at most 24 hours after started_at",
        ));
    }
    Ok(())
}

/// A manual entry.
#[derive(Debug, Clone)]
pub struct ManualEntry {
    /// Task.
    pub task_id: TaskId,
    /// Start.
    pub started_at: NaiveDateTime,
    /// End.
    pub ended_at: NaiveDateTime,
    /// Note.
    pub note: String,
    /// Billable.
    pub billable: bool,
}

/// Adds a manual entry on a task the caller may change.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    new: ManualEntry,
) -> ServiceResult<TimeEntryRow> {
    check_span(new.started_at, new.ended_at)?;
    let caller = caller.clone();
    svc.write(move |work| {
        let task = access::task(work.conn(), &caller, new.task_id, Need::Write)?;
        Ok(time_entries::insert(
            work.conn(),
            &NewTimeEntry {
                user_id: caller.id,
                project_id: task.project_id.get(),
                task_id: task.id.get(),
                started_at: new.started_at,
                ended_at: Some(new.ended_at),
                note: &new.note,
                billable: new.billable,
            },
        )?)
    })
    .await
}

/// Filters of the entry list, before `?owner=` is resolved.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// `?owner=`.
    pub owner: Owner,
    /// Project.
    pub project_id: Option<i64>,
    /// Task.
    pub task_id: Option<i64>,
    /// First day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    pub to: Option<NaiveDate>,
    /// Billable.
    pub billable: Option<bool>,
    /// Invoiced.
    pub invoiced: Option<bool>,
}

/// The day after `day` at midnight (for inclusive `to` dates).
pub fn end_of(day: NaiveDate) -> NaiveDateTime {
    time_entries::start_of(day.succ_opt().unwrap_or(day))
}

/// Lists entries the caller may read.
pub async fn list(
    svc: &Services,
    caller: &Caller,
    q: ListQuery,
    page: Page,
    ascending: bool,
) -> ServiceResult<Paged<TimeEntryRow>> {
    let caller = caller.clone();
    svc.read(move |conn| {
        let filter = EntryFilter {
            whose: whose(conn, &caller, &q.owner)?,
            project_id: q.project_id,
            task_id: q.task_id,
            from: q.from.map(time_entries::start_of),
            before: q.to.map(end_of),
            billable: q.billable,
            invoiced: q.invoiced,
        };
        Ok(time_entries::list(conn, &filter, page, ascending)?)
    })
    .await
}

/// One entry.
pub async fn get(svc: &Services, caller: &Caller, id: i64) -> ServiceResult<TimeEntryRow> {
    let caller = caller.clone();
    svc.read(move |conn| entry(conn, &caller, id, Need::Read))
        .await
}

/// A change to an entry (absent = unchanged).
#[derive(Debug, Clone, Default)]
pub struct EntryPatch {
    /// Start.
    pub started_at: Option<NaiveDateTime>,
    /// End.
    pub ended_at: Option<NaiveDateTime>,
    /// Note.
    pub note: Option<String>,
    /// Billable.
    pub billable: Option<bool>,
}

/// Changes an entry; 409 when it is on a non-void invoice.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: i64,
    patch: EntryPatch,
) -> ServiceResult<TimeEntryRow> {
    let caller = caller.clone();
    svc.write(move |work| {
        let row = entry(work.conn(), &caller, id, Need::Write)?;
        ensure_unlocked(work.conn(), &row)?;
        let started_at = patch.started_at.unwrap_or(row.started_at);
        let ended_at = match (patch.ended_at, row.ended_at) {
            (Some(e), _) => Some(e),
            (None, e) => e,
        };
        match ended_at {
            Some(end) => check_span(started_at, end)?,
            None if started_at > workspace_persistence::now_utc() => {
                return Err(ServiceError::invalid(
                    "started_at",
                    "a running timer cannot start in the future",
                ))
            }
            None => {}
        }
        Ok(time_entries::update(
            work.conn(),
            id,
            &EntryUpdate {
                started_at,
                ended_at,
                note: patch.note.unwrap_or(row.note),
                billable: patch.billable.unwrap_or(row.billable),
            },
        )?)
    })
    .await
}

/// Deletes an entry; 409 when it is on a non-void invoice.
pub async fn delete(svc: &Services, caller: &Caller, id: i64) -> ServiceResult<()> {
    let caller = caller.clone();
    svc.write(move |work| {
        let row = entry(work.conn(), &caller, id, Need::Write)?;
        ensure_unlocked(work.conn(), &row)?;
        Ok(time_entries::delete(work.conn(), id)?)
    })
    .await
}

/// How the report groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Per project.
    Project,
    /// Per client.
    Client,
    /// Per task.
    Task,
    /// Per day.
    Day,
    /// Per ISO week.
    Week,
    /// Per month.
    Month,
}

impl GroupBy {
    /// Parses `?group_by=`.
    pub fn parse(value: &str) -> ServiceResult<Self> {
        Ok(match value {
            "project" => Self::Project,
            "client" => Self::Client,
            "task" => Self::Task,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            _ => {
                return Err(ServiceError::invalid(
                    "group_by",
                    "must be one of project, client, task, day, week, month",
                ))
            }
        })
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Client => "client",
            Self::Task => "task",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Seconds.
    pub seconds: i64,
    /// Billable seconds.
    pub billable_seconds: i64,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
}

/// The report: rows and totals per currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Rows.
    pub rows: Vec<ReportLine>,
    /// Totals per currency (currency, seconds, billable, amount).
    pub totals: Vec<ReportLine>,
}

fn fold_key(group: GroupBy, day: &str) -> (String, String) {
    let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
        return (day.to_owned(), day.to_owned());
    };
    match group {
        GroupBy::Week => {
            let w = date.iso_week();
            let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            (
                format!("{}-W{:02}", w.year(), w.week()),
                format!("Week of {}", monday.format("%Y-%m-%d")),
            )
        }
        GroupBy::Month => (
            format!("{}-{:02}", date.year(), date.month()),
            date.format("%B %Y").to_string(),
        ),
        _ => (day.to_owned(), day.to_owned()),
    }
}

/// The time report over the ended entries started within `[from, to]`.
pub async fn report(
    svc: &Services,
    caller: &Caller,
    owner: Owner,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    group: GroupBy,
) -> ServiceResult<Report> {
    let caller = caller.clone();
    svc.read(move |conn| {
        let whose = whose(conn, &caller, &owner)?;
        // Started within [from, to] = started on a UTC day in [from, to + 1).
        let start = from.unwrap_or(EARLIEST);
        let before = to.map_or(LATEST, |day| day.succ_opt().unwrap_or(day));
        let key = match group {
            GroupBy::Project => ReportKey::Project,
            GroupBy::Client => ReportKey::Client,
            GroupBy::Task => ReportKey::Task,
            GroupBy::Day | GroupBy::Week | GroupBy::Month => ReportKey::Day,
        };
        let raw = time_entries::report(conn, whose, start, before, key)?;
        let mut grouped: BTreeMap<(String, String), ReportLine> = BTreeMap::new();
        for r in raw {
            let (key, label) = match group {
                GroupBy::Week | GroupBy::Month => fold_key(group, &r.key),
                GroupBy::Client if r.label.is_empty() => (String::new(), "(no client)".into()),
                _ => (r.key, r.label),
            };
            let line = grouped
                .entry((key.clone(), r.currency.clone()))
                .or_insert_with(|| ReportLine {
                    key,
                    label,
                    seconds: 0,
                    billable_seconds: 0,
                    amount_minor: 0,
                    currency: r.currency.clone(),
                });
            line.seconds += r.seconds;
            line.billable_seconds += r.billable_seconds;
            line.amount_minor += r.amount_minor;
        }
        let mut rows: Vec<ReportLine> = grouped.into_values().collect();
        if matches!(group, GroupBy::Project | GroupBy::Client | GroupBy::Task) {
            rows.sort_by(|a, b| {
                (a.label.to_lowercase(), &a.key, &a.currency).cmp(&(
                    b.label.to_lowercase(),
                    &b.key,
                    &b.currency,
                ))
            });
        }
        let mut totals: BTreeMap<String, ReportLine> = BTreeMap::new();
        for r in &rows {
            let t = totals
                .entry(r.currency.clone())
                .or_insert_with(|| ReportLine {
                    key: r.currency.clone(),
                    label: r.currency.clone(),
                    seconds: 0,
                    billable_seconds: 0,
                    amount_minor: 0,
                    currency: r.currency.clone(),
                });
            t.seconds += r.seconds;
            t.billable_seconds += r.billable_seconds;
            t.amount_minor += r.amount_minor;
        }
        Ok(Report {
            rows,
            totals: totals.into_values().collect(),
        })
    })
    .await
}
