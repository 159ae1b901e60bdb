//! Inserting time entries and invoices as an import document describes them
//! (their own times, numbers and statuses), inside the import's transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use workspace_domain::{InvoiceStatus, UserId};

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::{invoice_counters, invoice_lines, invoices, time_entries};

/// A time entry of an import (ids already mapped to the importer's).
#[derive(Debug, Clone)]
pub struct ImportedEntry<'a> {
    /// Owner.
    pub user_id: UserId,
    /// Project.
    pub project_id: i64,
    /// Task.
    pub task_id: i64,
    /// Start (UTC).
    pub started_at: NaiveDateTime,
    /// End (UTC); `None`: running.
    pub ended_at: Option<NaiveDateTime>,
    /// Note.
    pub note: &'a str,
    /// Billable.
    pub billable: bool,
    /// The importer's invoice it is on.
    pub invoice_id: Option<i64>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// Inserts an entry; its seconds follow from its times, its amount from
/// them and the project's rate. A second running entry of the user →
/// `Conflict`.
pub fn insert_entry(conn: &mut DbConnection, e: &ImportedEntry<'_>) -> Result<i64> {
    let seconds = e.ended_at.map_or(0, |end| {
        crate::time_entries::seconds_between(e.started_at, end)
    });
    let amount = crate::time_entries::amount_on_project(conn, e.project_id, seconds)?;
    Ok(diesel::insert_into(time_entries::table)
        .values((
            time_entries::user_id.eq(e.user_id.get()),
            time_entries::project_id.eq(e.project_id),
            time_entries::task_id.eq(e.task_id),
            time_entries::started_at.eq(e.started_at),
            time_entries::ended_at.eq(e.ended_at),
            time_entries::seconds.eq(seconds),
            time_entries::note.eq(e.note),
            time_entries::billable.eq(e.billable),
            time_entries::invoice_id.eq(e.invoice_id),
            time_entries::created_at.eq(e.created_at),
            time_entries::updated_at.eq(e.updated_at),
            time_entries::amount_minor.eq(amount),
        ))
        .returning(time_entries::id)
        .get_result(conn)?)
}

/// An invoice line of an import: project, task, description, seconds,
/// rate (minor units), amount (minor units).
pub type ImportedLine = (i64, i64, String, i64, i64, i64);

/// An invoice of an import (ids already mapped to the importer's).
#[derive(Debug, Clone)]
pub struct ImportedInvoice<'a> {
    /// Owner.
    pub user_id: UserId,
    /// `YYYY-NNNN` once sent.
    pub number: Option<&'a str>,
    /// Client.
    pub client: &'a str,
    /// Status.
    pub status: InvoiceStatus,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// Period start.
    pub period_from: NaiveDate,
    /// Period end.
    pub period_to: NaiveDate,
    /// Issued.
    pub issue_date: Option<NaiveDate>,
    /// Due.
    pub due_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<&'a str>,
    /// Lines.
    pub lines: &'a [ImportedLine],
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// Inserts an invoice with its lines (total = sum of the lines). A number
/// `YYYY-NNNN` raises the importer's counter of that year to at least NNNN,
/// so invoices sent later never repeat it.
pub fn insert_invoice(conn: &mut DbConnection, i: &ImportedInvoice<'_>) -> Result<i64> {
    let total: i64 = i.lines.iter().map(|l| l.5).sum();
    let id: i64 = diesel::insert_into(invoices::table)
        .values((
            invoices::user_id.eq(i.user_id.get()),
            invoices::number.eq(i.number),
            invoices::client.eq(i.client),
            invoices::status.eq(i.status.as_str()),
            invoices::currency.eq(i.currency),
            invoices::period_from.eq(i.period_from),
            invoices::period_to.eq(i.period_to),
            invoices::issue_date.eq(i.issue_date),
            invoices::due_date.eq(i.due_date),
            invoices::notes.eq(i.notes),
            invoices::total_minor.eq(total),
            invoices::created_at.eq(i.created_at),
            invoices::updated_at.eq(i.updated_at),
        ))
        .returning(invoices::id)
        .get_result(conn)?;
    for (project_id, task_id, description, seconds, rate, amount) in i.lines {
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
    if let Some((year, n)) = i.number.and_then(parse_number) {
        raise_counter(conn, i.user_id, year, n)?;
    }
    Ok(id)
}

/// `2026-0007` → (2026, 7).
pub fn parse_number(number: &str) -> Option<(i32, i64)> {
    let (year, n) = number.split_once('-')?;
    Some((year.parse().ok()?, n.parse().ok()?))
}

fn raise_counter(conn: &mut DbConnection, user: UserId, year: i32, at_least: i64) -> Result<()> {
    let current: Option<i64> = invoice_counters::table
        .filter(invoice_counters::user_id.eq(user.get()))
        .filter(invoice_counters::year.eq(year))
        .select(invoice_counters::last_number)
        .get_result(conn)
        .optional()?;
    match current {
        Some(c) if c >= at_least => {}
        Some(_) => {
            diesel::update(
                invoice_counters::table
                    .filter(invoice_counters::user_id.eq(user.get()))
                    .filter(invoice_counters::year.eq(year)),
            )
            .set(invoice_counters::last_number.eq(at_least))
            .execute(conn)?;
        }
        None => {
            diesel::insert_into(invoice_counters::table)
                .values((
                    invoice_counters::user_id.eq(user.get()),
                    invoice_counters::year.eq(year),
                    invoice_counters::last_number.eq(at_least),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
