//! Invoices: a draft built from a client's billable entries of a period
//! (one line per task), the status machine `draft→sent→paid`,
//! `draft|sent→void`, gapless numbers per user and year given when sent,
//! and the exports.

use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
use super::time::{end_of, whose};
use super::work::access::{self, Need};
use super::work::projects::Owner;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use workspace_domain::{amount_minor, InvoiceStatus, Page, Paged, UserId};
use workspace_persistence::invoices::{self, Invoice, InvoiceFilter, NewDraft};
use workspace_persistence::time_entries::{self, Whose};
use workspace_persistence::{users, DbConnection};

/// `POST /api/invoices`, parsed.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    /// Client (as on the projects).
    pub client: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
}

/// An invoice with its owner's username (for the printable page).
#[derive(Debug, Clone)]
pub struct InvoiceView {
    /// The invoice.
    pub invoice: Invoice,
    /// The owner's username.
    pub owner: String,
}

fn load(conn: &mut DbConnection, caller: &Caller, id: i64, need: Need) -> ServiceResult<Invoice> {
    let inv = invoices::get(conn, id)?.ok_or_else(|| ServiceError::not_found("invoice"))?;
    access::check(caller, UserId::new(inv.invoice.user_id), need, "invoice")?;
    Ok(inv)
}

/// Builds a draft from the caller's billable, uninvoiced, ended entries of
/// the client's projects started within `[from, to]`.
pub async fn create(svc: &Services, caller: &Caller, new: NewInvoice) -> ServiceResult<Invoice> {
    if new.to < new.from {
        return Err(ServiceError::invalid("to", "must not be before from"));
    }
    let user = caller.id;
    svc.write(move |work| {
        let conn = work.conn();
        time_entries::lock_user(conn, user)?;
        let entries = invoices::billable_entries(
            conn,
            user,
            &new.client,
            time_entries::start_of(new.from),
            end_of(new.to),
        )?;
        if entries.is_empty() {
            return Err(ServiceError::invalid(
                "client",
                "there is nothing to bill: no billable, uninvoiced, ended time entries of this client's projects in the period",
            ));
        }
        let mut currencies: Vec<&str> = entries.iter().map(|e| e.currency.as_str()).collect();
        currencies.sort_unstable();
        currencies.dedup();
        if currencies.len() > 1 {
            return Err(ServiceError::invalid(
                "currency",
                format!(
                    "the client's projects bill in several currencies ({}); one invoice has one currency",
                    currencies.join(", ")
                ),
            ));
        }
        let currency = currencies[0].to_owned();
        // One line per task, in order of first entry.
        let mut order: Vec<i64> = Vec::new();
        let mut lines: BTreeMap<i64, (i64, i64, String, i64, i64, i64)> = BTreeMap::new();
        for e in &entries {
            let rate = e.hourly_rate_minor.unwrap_or(0).max(0);
            let line = lines.entry(e.task_id).or_insert_with(|| {
                order.push(e.task_id);
                (
                    e.project_id,
                    e.task_id,
                    format!("{} — {}", e.project_name, e.task_title),
                    0,
                    rate,
                    0,
                )
            });
            line.3 += e.seconds;
            line.5 += amount_minor(e.seconds, rate);
        }
        let lines = order
            .iter()
            .filter_map(|t| lines.remove(t))
            .collect::<Vec<_>>();
        let draft = NewDraft {
            user_id: user,
            client: &new.client,
            currency: &currency,
            period_from: new.from,
            period_to: new.to,
            due_date: new.due_date,
            notes: new.notes.as_deref(),
            lines,
            entry_ids: entries.iter().map(|e| e.entry_id).collect(),
        };
        Ok(invoices::create_draft(conn, &draft)?)
    })
    .await
}

/// Lists invoices the caller may read.
pub async fn list(
    svc: &Services,
    caller: &Caller,
    owner: Owner,
    status: Option<InvoiceStatus>,
    client: Option<String>,
    page: Page,
) -> ServiceResult<Paged<Invoice>> {
    let caller = caller.clone();
    svc.read(move |conn| {
        let user_id = match whose(conn, &caller, &owner)? {
            Whose::User(id) => Some(id),
            Whose::All => None,
        };
        let filter = InvoiceFilter {
            user_id,
            status,
            client,
        };
        Ok(invoices::list(conn, &filter, page)?)
    })
    .await
}

/// One invoice, with its owner's name.
pub async fn get(svc: &Services, caller: &Caller, id: i64) -> ServiceResult<InvoiceView> {
    let caller = caller.clone();
    svc.read(move |conn| {
        let invoice = load(conn, &caller, id, Need::Read)?;
        let owner = users::find_by_id(conn, UserId::new(invoice.invoice.user_id))?
            .map(|u| u.username)
            .unwrap_or_default();
        Ok(InvoiceView { invoice, owner })
    })
    .await
}

/// `PATCH /api/invoices/{id}`, parsed.
#[derive(Debug, Clone, Default)]
pub struct InvoicePatch {
    /// New status.
    pub status: Option<InvoiceStatus>,
    /// New due date, or cleared.
    pub due_date: Option<Option<NaiveDate>>,
    /// New notes, or cleared.
    pub notes: Option<Option<String>>,
}

/// Changes the status (the machine of the contract) and/or details.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: i64,
    patch: InvoicePatch,
) -> ServiceResult<Invoice> {
    let caller = caller.clone();
    svc.write(move |work| {
        let conn = work.conn();
        let current = load(conn, &caller, id, Need::Write)?;
        let owner = UserId::new(current.invoice.user_id);
        time_entries::lock_user(conn, owner)?;
        // Re-read under the lock: a concurrent change may have won.
        let current = load(conn, &caller, id, Need::Write)?;
        let from = current.invoice.status;
        if patch.due_date.is_some() || patch.notes.is_some() {
            if matches!(from, InvoiceStatus::Paid | InvoiceStatus::Void) {
                return Err(ServiceError::conflict(format!(
                    "A {from} invoice cannot be changed."
                )));
            }
            let due = patch.due_date.unwrap_or(current.invoice.due_date);
            let notes = patch
                .notes
                .clone()
                .unwrap_or_else(|| current.invoice.notes.clone());
            invoices::set_details(conn, id, due, notes.as_deref())?;
        }
        if let Some(to) = patch.status {
            if !from.can_become(to) {
                return Err(ServiceError::conflict(format!(
                    "An invoice cannot go from {from} to {to}."
                )));
            }
            if !invoices::set_status(conn, id, from, to)? {
                return Err(ServiceError::conflict(
                    "The invoice was changed at the same time; reload it.",
                ));
            }
            match to {
                InvoiceStatus::Sent => {
                    let today = workspace_persistence::now_utc().date();
                    let year = today.year();
                    let n = invoices::next_number(conn, owner, year)?;
                    invoices::set_number(conn, id, &format!("{year}-{n:04}"), today)?;
                }
                InvoiceStatus::Void => {
                    invoices::release_entries(conn, id)?;
                }
                _ => {}
            }
        }
        invoices::get(conn, id)?.ok_or_else(|| ServiceError::not_found("invoice"))
    })
    .await
}

/// Deletes a draft (its entries are released); other statuses → 409.
pub async fn delete(svc: &Services, caller: &Caller, id: i64) -> ServiceResult<()> {
    let caller = caller.clone();
    svc.write(move |work| {
        let conn = work.conn();
        let current = load(conn, &caller, id, Need::Write)?;
        time_entries::lock_user(conn, UserId::new(current.invoice.user_id))?;
        let current = load(conn, &caller, id, Need::Write)?;
        if current.invoice.status != InvoiceStatus::Draft {
            return Err(ServiceError::conflict(
                "Only a draft can be deleted; void a sent invoice instead.",
            ));
        }
        invoices::release_entries(conn, id)?;
        Ok(invoices::delete(conn, id)?)
    })
    .await
}
