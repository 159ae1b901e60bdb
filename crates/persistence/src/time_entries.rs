//! Time entries and the report over them. At most one running entry
//! (`ended_at IS NULL`) per user, enforced by a partial unique index: a
//! second insert of a running entry fails with
//! [`PersistenceError::Conflict`]. `seconds` and `amount_minor` (the
//! domain's [`amount_minor`] at the project's rate) are stored on every
//! write, and the database keeps `time_report_days` (per user, UTC day,
//! project and task; triggers of migration `2026-12-04-000100_report_days`)
//! in step, so the report sums a few thousand rows instead of every entry.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::IntoBoxed;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use workspace_domain::{amount_minor, Page, Paged, UserId};

use crate::connection::{DbConnection, MultiBackend};
use crate::error::{PersistenceError, Result};
use crate::paging::paged;
use crate::schema::{projects, time_entries, users};

/// A row of `time_entries`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = time_entries)]
pub struct TimeEntryRow {
    /// Id.
    pub id: i64,
    /// Whose time it is.
    pub user_id: i64,
    /// Project of the task.
    pub project_id: i64,
    /// Task.
    pub task_id: i64,
    /// Start (UTC).
    pub started_at: NaiveDateTime,
    /// End (UTC); `None` while running.
    pub ended_at: Option<NaiveDateTime>,
    /// Whole seconds between start and end (0 while running).
    pub seconds: i64,
    /// Note.
    pub note: String,
    /// Billable.
    pub billable: bool,
    /// The invoice it is billed on.
    pub invoice_id: Option<i64>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// `round_half_up(seconds × project rate / 3600)` in minor units, billable
    /// or not (0 while running); the report sums it for billable entries.
    pub amount_minor: i64,
}

/// Data for [`insert`].
#[derive(Debug, Clone, Copy)]
pub struct NewTimeEntry<'a> {
    /// Whose time.
    pub user_id: UserId,
    /// Project of the task.
    pub project_id: i64,
    /// Task.
    pub task_id: i64,
    /// Start.
    pub started_at: NaiveDateTime,
    /// End; `None` starts a running timer.
    pub ended_at: Option<NaiveDateTime>,
    /// Note.
    pub note: &'a str,
    /// Billable.
    pub billable: bool,
}

#[derive(Insertable)]
#[diesel(table_name = time_entries)]
struct InsertEntry<'a> {
    user_id: i64,
    project_id: i64,
    task_id: i64,
    started_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
    seconds: i64,
    note: &'a str,
    billable: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    amount_minor: i64,
}

/// Whole seconds from `start` to `end` (never negative).
pub fn seconds_between(start: NaiveDateTime, end: NaiveDateTime) -> i64 {
    (end - start).num_seconds().max(0)
}

/// The stored amount of `seconds` on a project: the domain's
/// [`amount_minor`] at the project's current hourly rate (no rate, or no
/// such project, = 0: writing the entry then fails on its foreign key).
pub fn amount_on_project(conn: &mut DbConnection, project_id: i64, seconds: i64) -> Result<i64> {
    let rate: Option<Option<i64>> = projects::table
        .find(project_id)
        .select(projects::hourly_rate_minor)
        .get_result(conn)
        .optional()?;
    Ok(amount_minor(seconds, rate.flatten().unwrap_or(0)))
}

/// Rewrites the stored amount of every entry of a project for a new hourly
/// rate (`None` = no rate), as the report has always priced entries at the
/// project's current rate. Call it in the transaction that changes the rate.
pub fn reprice_project(conn: &mut DbConnection, project_id: i64, rate: Option<i64>) -> Result<()> {
    // One UPDATE per distinct duration (at most a day's worth of values),
    // touching only the entries whose amount changes.
    let durations: Vec<i64> = time_entries::table
        .filter(time_entries::project_id.eq(project_id))
        .select(time_entries::seconds)
        .distinct()
        .load(conn)?;
    for seconds in durations {
        let amount = amount_minor(seconds, rate.unwrap_or(0));
        diesel::update(
            time_entries::table
                .filter(time_entries::project_id.eq(project_id))
                .filter(time_entries::seconds.eq(seconds))
                .filter(time_entries::amount_minor.ne(amount)),
        )
        .set(time_entries::amount_minor.eq(amount))
        .execute(conn)?;
    }
    Ok(())
}

/// Inserts an entry. A second running entry of a user →
/// [`PersistenceError::Conflict`].
pub fn insert(conn: &mut DbConnection, new: &NewTimeEntry<'_>) -> Result<TimeEntryRow> {
    let now = crate::clock::now_utc();
    let seconds = new
        .ended_at
        .map_or(0, |end| seconds_between(new.started_at, end));
    let amount = amount_on_project(conn, new.project_id, seconds)?;
    let id: i64 = diesel::insert_into(time_entries::table)
        .values(&InsertEntry {
            user_id: new.user_id.get(),
            project_id: new.project_id,
            task_id: new.task_id,
            started_at: new.started_at,
            ended_at: new.ended_at,
            seconds,
            note: new.note,
            billable: new.billable,
            created_at: now,
            updated_at: now,
            amount_minor: amount,
        })
        .returning(time_entries::id)
        .get_result(conn)?;
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// The entry with this id, if any.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<TimeEntryRow>> {
    Ok(time_entries::table
        .find(id)
        .select(TimeEntryRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The user's running entry, if any.
pub fn running(conn: &mut DbConnection, user_id: UserId) -> Result<Option<TimeEntryRow>> {
    Ok(time_entries::table
        .filter(time_entries::user_id.eq(user_id.get()))
        .filter(time_entries::ended_at.is_null())
        .select(TimeEntryRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Stops the user's running entry at `now` (or at its start, if `now` is
/// earlier); `None` when none runs.
pub fn stop_running(
    conn: &mut DbConnection,
    user_id: UserId,
    now: NaiveDateTime,
) -> Result<Option<TimeEntryRow>> {
    let Some(entry) = running(conn, user_id)? else {
        return Ok(None);
    };
    let end = now.max(entry.started_at);
    let seconds = seconds_between(entry.started_at, end);
    let amount = amount_on_project(conn, entry.project_id, seconds)?;
    let n = diesel::update(
        time_entries::table
            .find(entry.id)
            .filter(time_entries::ended_at.is_null()),
    )
    .set((
        time_entries::ended_at.eq(Some(end)),
        time_entries::seconds.eq(seconds),
        time_entries::amount_minor.eq(amount),
        time_entries::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    get(conn, entry.id)
}

/// Locks the user's row until the transaction ends (PostgreSQL
/// `SELECT … FOR UPDATE`), serialising the user's timer and invoice
/// changes. On SQLite the `BEGIN IMMEDIATE` transaction already holds the
/// write lock, so this does nothing there.
pub fn lock_user(conn: &mut DbConnection, user_id: UserId) -> Result<()> {
    if let DbConnection::Postgresql(pg) = conn {
        users::table
            .find(user_id.get())
            .select(users::id)
            .for_update()
            .load::<i64>(pg)?;
    }
    Ok(())
}

/// Whose entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// One user's.
    User(UserId),
    /// Everyone's.
    All,
}

/// Filters of [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFilter {
    /// Whose.
    pub whose: Whose,
    /// Of one project.
    pub project_id: Option<i64>,
    /// Of one task.
    pub task_id: Option<i64>,
    /// Started at or after.
    pub from: Option<NaiveDateTime>,
    /// Started before.
    pub before: Option<NaiveDateTime>,
    /// Billable or not.
    pub billable: Option<bool>,
    /// On an invoice or not.
    pub invoiced: Option<bool>,
}

type Filtered<'a> = IntoBoxed<'a, time_entries::table, MultiBackend>;

fn filtered(f: &EntryFilter) -> Filtered<'static> {
    let mut q = time_entries::table.into_boxed();
    if let Whose::User(id) = f.whose {
        q = q.filter(time_entries::user_id.eq(id.get()));
    }
    if let Some(p) = f.project_id {
        q = q.filter(time_entries::project_id.eq(p));
    }
    if let Some(t) = f.task_id {
        q = q.filter(time_entries::task_id.eq(t));
    }
    if let Some(from) = f.from {
        q = q.filter(time_entries::started_at.ge(from));
    }
    if let Some(before) = f.before {
        q = q.filter(time_entries::started_at.lt(before));
    }
    if let Some(b) = f.billable {
        q = q.filter(time_entries::billable.eq(b));
    }
    match f.invoiced {
        Some(true) => q = q.filter(time_entries::invoice_id.is_not_null()),
        Some(false) => q = q.filter(time_entries::invoice_id.is_null()),
        None => {}
    }
    q
}

/// One page of matching entries, by `started_at` (newest first unless
/// `ascending`), ties by id; and how many match.
pub fn list(
    conn: &mut DbConnection,
    filter: &EntryFilter,
    page: Page,
    ascending: bool,
) -> Result<Paged<TimeEntryRow>> {
    let q = filtered(filter);
    let q = if ascending {
        q.order((time_entries::started_at.asc(), time_entries::id.asc()))
    } else {
        q.order((time_entries::started_at.desc(), time_entries::id.desc()))
    };
    let items = q
        .limit(page.limit)
        .offset(page.offset)
        .select(TimeEntryRow::as_select())
        .load(conn)?;
    paged(items, page, || {
        Ok(filtered(filter).count().get_result(conn)?)
    })
}

/// A change to an entry: the new values of every writable field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryUpdate {
    /// Start.
    pub started_at: NaiveDateTime,
    /// End.
    pub ended_at: Option<NaiveDateTime>,
    /// Note.
    pub note: String,
    /// Billable.
    pub billable: bool,
}

/// Writes an entry's fields (and its `seconds`).
pub fn update(conn: &mut DbConnection, id: i64, u: &EntryUpdate) -> Result<TimeEntryRow> {
    let seconds = u.ended_at.map_or(0, |e| seconds_between(u.started_at, e));
    let project_id = get(conn, id)?.ok_or(PersistenceError::NotFound)?.project_id;
    let amount = amount_on_project(conn, project_id, seconds)?;
    let n = diesel::update(time_entries::table.find(id))
        .set((
            time_entries::started_at.eq(u.started_at),
            time_entries::ended_at.eq(u.ended_at),
            time_entries::seconds.eq(seconds),
            time_entries::amount_minor.eq(amount),
            time_entries::note.eq(&u.note),
            time_entries::billable.eq(u.billable),
            time_entries::updated_at.eq(crate::clock::now_utc()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// Deletes an entry.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<()> {
    let n = diesel::delete(time_entries::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// How a report groups entries in SQL (weeks and months are folded from
/// days by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKey {
    /// Per project (key: id).
    Project,
    /// Per client name (key: the name, `""` for none).
    Client,
    /// Per task (key: id).
    Task,
    /// Per UTC day of the start (key: `YYYY-MM-DD`).
    Day,
}

/// One aggregated group of a report.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ReportRow {
    /// Group key.
    #[diesel(sql_type = Text)]
    pub key: String,
    /// Group label.
    #[diesel(sql_type = Text)]
    pub label: String,
    /// Currency of the projects in the group.
    #[diesel(sql_type = Text)]
    pub currency: String,
    /// All seconds.
    #[diesel(sql_type = BigInt)]
    pub seconds: i64,
    /// Billable seconds.
    #[diesel(sql_type = BigInt)]
    pub billable_seconds: i64,
    /// Sum of each billable entry's stored `amount_minor`.
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
}

/// Sums the ended entries started on the UTC days `[from, before)` per
/// group and currency, from `time_report_days` (per-entry rounded amounts
/// summed when each entry was written).
pub fn report(
    conn: &mut DbConnection,
    whose: Whose,
    from: NaiveDate,
    before: NaiveDate,
    key: ReportKey,
) -> Result<Vec<ReportRow>> {
    let (key_sql, label_sql) = match key {
        ReportKey::Project => ("CAST(p.id AS TEXT)", "p.name"),
        ReportKey::Client => ("COALESCE(p.client, '')", "COALESCE(p.client, '')"),
        ReportKey::Task => ("CAST(t.id AS TEXT)", "t.title"),
        ReportKey::Day => ("CAST(r.day AS TEXT)", "CAST(r.day AS TEXT)"),
    };
    // Only the per-task report needs the task (its title).
    let task_join = match key {
        ReportKey::Task => "JOIN tasks t ON t.id = r.task_id ",
        _ => "",
    };
    // The user id is a typed integer, not client text: safe to inline.
    let user_sql = match whose {
        Whose::User(id) => format!("r.user_id = {} AND ", id.get()),
        Whose::All => String::new(),
    };
    let sql = format!(
        "SELECT {key_sql} AS key, {label_sql} AS label, p.currency AS currency, \
         CAST(SUM(r.seconds) AS BIGINT) AS seconds, \
         CAST(SUM(r.billable_seconds) AS BIGINT) AS billable_seconds, \
         CAST(SUM(r.amount_minor) AS BIGINT) AS amount_minor \
         FROM time_report_days r \
         JOIN projects p ON p.id = r.project_id \
         {task_join}\
         WHERE {user_sql}r.day >= $1 AND r.day < $2 \
         GROUP BY {key_sql}, {label_sql}, p.currency \
         ORDER BY 1, 3"
    );
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Date, _>(from)
                .bind::<Date, _>(before)
                .load::<ReportRow>($c)?
        };
    }
    Ok(match conn {
        DbConnection::Postgresql(pg) => run!(pg, sql),
        DbConnection::Sqlite(lite) => run!(lite, sql.replace('$', "?")),
    })
}

/// Midnight (UTC) of a date.
pub fn start_of(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN)
}
