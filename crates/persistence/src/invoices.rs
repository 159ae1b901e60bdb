//! Invoices, their lines, and the gapless number counter per user and year.
//!
//! A draft is built from entries in one transaction ([`create_draft`]); the
//! entries point at it (`time_entries.invoice_id`) until it is voided or
//! deleted ([`release_entries`]). [`next_number`] bumps the counter row of
//! (user, year) in the caller's transaction, so a rolled-back send leaves
//! no gap and two sends never get the same number.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;
use workspace_domain::{InvoiceStatus, Page, Paged, UserId};

use crate::connection::DbConnection;
use crate::error::{PersistenceError, Result};
use crate::paging::paged;
use crate::schema::{invoice_counters, invoice_lines, invoices, projects, tasks, time_entries};

/// A row of `invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// `YYYY-NNNN`, once sent.
    pub number: Option<String>,
    /// Client.
    pub client: String,
    /// Status.
    #[diesel(deserialize_as = String)]
    pub status: InvoiceStatus,
    /// ISO 4217 code.
    pub currency: String,
    /// First day billed.
    pub period_from: NaiveDate,
    /// Last day billed.
    pub period_to: NaiveDate,
    /// Issue date (set when sent).
    pub issue_date: Option<NaiveDate>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
    /// Sum of the lines.
    pub total_minor: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A row of `invoice_lines`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invoice_lines)]
pub struct LineRow {
    /// Id.
    pub id: i64,
    /// Invoice.
    pub invoice_id: i64,
    /// Project.
    pub project_id: i64,
    /// Task.
    pub task_id: i64,
    /// Description.
    pub description: String,
    /// Seconds billed.
    pub seconds: i64,
    /// Rate billed, minor units per hour.
    pub hourly_rate_minor: i64,
    /// Amount, minor units.
    pub amount_minor: i64,
}

/// An invoice with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// The invoice.
    pub invoice: InvoiceRow,
    /// Its lines, in order.
    pub lines: Vec<LineRow>,
}

/// An entry that could be billed, with what billing it needs.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Billable {
    /// Entry id.
    pub entry_id: i64,
    /// Seconds.
    pub seconds: i64,
    /// Project.
    pub project_id: i64,
    /// Task.
    pub task_id: i64,
    /// Project name.
    pub project_name: String,
    /// Task title.
    pub task_title: String,
    /// Project rate (minor units).
    pub hourly_rate_minor: Option<i64>,
    /// Project currency.
    pub currency: String,
}

/// The user's ended, billable, not yet invoiced entries of projects whose
/// client is `client`, started in `[from, before)`, oldest first.
pub fn billable_entries(
    conn: &mut DbConnection,
    user_id: UserId,
    client: &str,
    from: NaiveDateTime,
    before: NaiveDateTime,
) -> Result<Vec<Billable>> {
    Ok(time_entries::table
        .inner_join(projects::table)
        .inner_join(tasks::table)
        .filter(time_entries::user_id.eq(user_id.get()))
        .filter(time_entries::billable.eq(true))
        .filter(time_entries::invoice_id.is_null())
        .filter(time_entries::ended_at.is_not_null())
        .filter(time_entries::started_at.ge(from))
        .filter(time_entries::started_at.lt(before))
        .filter(projects::client.eq(client))
        .order((time_entries::started_at.asc(), time_entries::id.asc()))
        .select((
            time_entries::id,
            time_entries::seconds,
            time_entries::project_id,
            time_entries::task_id,
            projects::name,
            tasks::title,
            projects::hourly_rate_minor,
            projects::currency,
        ))
        .load(conn)?)
}

/// Data of a new draft.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    /// Owner.
    pub user_id: UserId,
    /// Client.
    pub client: &'a str,
    /// Currency.
    pub currency: &'a str,
    /// Period start.
    pub period_from: NaiveDate,
    /// Period end.
    pub period_to: NaiveDate,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<&'a str>,
    /// Lines: project, task, description, seconds, rate, amount.
    pub lines: Vec<(i64, i64, String, i64, i64, i64)>,
    /// The entries it bills.
    pub entry_ids: Vec<i64>,
}

/// Inserts a draft with its lines and marks its entries. Call inside a
/// transaction.
pub fn create_draft(conn: &mut DbConnection, d: &NewDraft<'_>) -> Result<Invoice> {
    let now = crate::clock::now_utc();
    let total: i64 = d.lines.iter().map(|l| l.5).sum();
    let id: i64 = diesel::insert_into(invoices::table)
        .values((
            invoices::user_id.eq(d.user_id.get()),
            invoices::client.eq(d.client),
            invoices::status.eq(InvoiceStatus::Draft.as_str()),
            invoices::currency.eq(d.currency),
            invoices::period_from.eq(d.period_from),
            invoices::period_to.eq(d.period_to),
            invoices::due_date.eq(d.due_date),
            invoices::notes.eq(d.notes),
            invoices::total_minor.eq(total),
            invoices::created_at.eq(now),
            invoices::updated_at.eq(now),
        ))
        .returning(invoices::id)
        .get_result(conn)?;
    for (project_id, task_id, description, seconds, rate, amount) in &d.lines {
        diesel::insert_into(invoice_lines::table)
            .values((
                invoice_lines::invoice_id.eq(id),
                invoice_lines::project_id.eq(project_id),
                invoice_lines::task_id.eq(task_id),
                invoice_lines::description.eq(description),
                invoice_lines::seconds.eq(seconds),
                invoice_lines::hourly_rate_minor.eq(rate),
                invoice_lines::amount_minor.eq(amount),
            ))
            .execute(conn)?;
    }
    for chunk in d.entry_ids.chunks(500) {
        diesel::update(time_entries::table.filter(time_entries::id.eq_any(chunk)))
            .set(time_entries::invoice_id.eq(Some(id)))
            .execute(conn)?;
    }
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// The invoice with its lines, if any.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<Invoice>> {
    let Some(invoice) = invoices::table
        .find(id)
        .select(InvoiceRow::as_select())
        .get_result(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let lines = invoice_lines::table
        .filter(invoice_lines::invoice_id.eq(id))
        .order(invoice_lines::id.asc())
        .select(LineRow::as_select())
        .load(conn)?;
    Ok(Some(Invoice { invoice, lines }))
}

/// Filters of [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFilter {
    /// Whose (`None`: everyone's).
    pub user_id: Option<UserId>,
    /// Status.
    pub status: Option<InvoiceStatus>,
    /// Client.
    pub client: Option<String>,
}

fn filtered(f: &InvoiceFilter) -> invoices::BoxedQuery<'static, crate::MultiBackend> {
    let mut q = invoices::table.into_boxed();
    if let Some(u) = f.user_id {
        q = q.filter(invoices::user_id.eq(u.get()));
    }
    if let Some(s) = f.status {
        q = q.filter(invoices::status.eq(s.as_str()));
    }
    if let Some(c) = &f.client {
        q = q.filter(invoices::client.eq(c.clone()));
    }
    q
}

/// One page of invoices (newest first) with their lines, and how many match.
pub fn list(conn: &mut DbConnection, f: &InvoiceFilter, page: Page) -> Result<Paged<Invoice>> {
    let rows: Vec<InvoiceRow> = filtered(f)
        .order(invoices::id.desc())
        .limit(page.limit)
        .offset(page.offset)
        .select(InvoiceRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lines: Vec<LineRow> = invoice_lines::table
        .filter(invoice_lines::invoice_id.eq_any(&ids))
        .order(invoice_lines::id.asc())
        .select(LineRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|invoice| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                lines.drain(..).partition(|l| l.invoice_id == invoice.id);
            lines = rest;
            Invoice {
                invoice,
                lines: mine,
            }
        })
        .collect();
    paged(items, page, || Ok(filtered(f).count().get_result(conn)?))
}

/// Moves an invoice from `from` to `to` if it is still in `from` (a
/// conditional update: of two concurrent moves only one matches). Returns
/// whether it moved.
pub fn set_status(
    conn: &mut DbConnection,
    id: i64,
    from: InvoiceStatus,
    to: InvoiceStatus,
) -> Result<bool> {
    let n = diesel::update(
        invoices::table
            .find(id)
            .filter(invoices::status.eq(from.as_str())),
    )
    .set((
        invoices::status.eq(to.as_str()),
        invoices::updated_at.eq(crate::clock::now_utc()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets the number and issue date of a sent invoice.
pub fn set_number(
    conn: &mut DbConnection,
    id: i64,
    number: &str,
    issue_date: NaiveDate,
) -> Result<()> {
    diesel::update(invoices::table.find(id))
        .set((
            invoices::number.eq(Some(number)),
            invoices::issue_date.eq(Some(issue_date)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets the due date and notes.
pub fn set_details(
    conn: &mut DbConnection,
    id: i64,
    due_date: Option<NaiveDate>,
    notes: Option<&str>,
) -> Result<()> {
    diesel::update(invoices::table.find(id))
        .set((
            invoices::due_date.eq(due_date),
            invoices::notes.eq(notes),
            invoices::updated_at.eq(crate::clock::now_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The next number of (user, year): the counter row is created at 1 or
/// bumped by one, and stays locked until the transaction ends.
pub fn next_number(conn: &mut DbConnection, user_id: UserId, year: i32) -> Result<i64> {
    macro_rules! bump_on {
        ($inner:expr) => {
            diesel::insert_into(invoice_counters::table)
                .values((
                    invoice_counters::user_id.eq(user_id.get()),
                    invoice_counters::year.eq(year),
                    invoice_counters::last_number.eq(1_i64),
                ))
                .on_conflict((invoice_counters::user_id, invoice_counters::year))
                .do_update()
                .set(
                    invoice_counters::last_number
                        .eq(invoice_counters::last_number + excluded(invoice_counters::last_number)),
                )
                .returning(invoice_counters::last_number)
                .get_result::<i64>($inner)
        };
    }
    Ok(match conn {
        DbConnection::Postgresql(pg) => bump_on!(pg)?,
        DbConnection::Sqlite(lite) => bump_on!(lite)?,
    })
}

/// Releases an invoice's entries (`invoice_id` back to NULL).
pub fn release_entries(conn: &mut DbConnection, id: i64) -> Result<usize> {
    Ok(
        diesel::update(time_entries::table.filter(time_entries::invoice_id.eq(Some(id))))
            .set(time_entries::invoice_id.eq(None::<i64>))
            .execute(conn)?,
    )
}

/// Deletes an invoice (its lines go with it).
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<()> {
    let n = diesel::delete(invoices::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// The status of an invoice, if it exists.
pub fn status_of(conn: &mut DbConnection, id: i64) -> Result<Option<InvoiceStatus>> {
    let s: Option<String> = invoices::table
        .find(id)
        .select(invoices::status)
        .get_result(conn)
        .optional()?;
    Ok(s.and_then(|s| InvoiceStatus::parse(&s).ok()))
}
