//! Invoices: create from client + period, list, read, the status machine,
//! delete a draft, CSV and printable HTML exports.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{optional, patch_nullable, patch_required, required, Json};
use super::list::paged_response;
use super::wire::ser_time;
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::invoices::{self, InvoicePatch, InvoiceView, NewInvoice};
use crate::services::work::projects::Owner;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::{parse_date, HourlyRate, InvoiceStatus, LongText, Page, ShortText};
use workspace_persistence::invoices::Invoice;

/// `POST /api/invoices`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateInvoice {
    /// The client, as on the projects.
    #[schema(required, value_type = String)]
    pub client: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[schema(required, value_type = String, format = Date)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    #[schema(required, value_type = String, format = Date)]
    pub to: Option<String>,
    /// Due date.
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// `PATCH /api/invoices/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateInvoice {
    /// `sent`, `paid` or `void` (`draft` only while it is one).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, pattern = "^(draft|sent|paid|void)$")]
    pub status: Option<Option<String>>,
    /// Due date (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    /// Notes (`null` clears).
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

/// An invoice line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineOut {
    /// Project.
    pub project_id: i64,
    /// Task.
    pub task_id: i64,
    /// "Project — Task".
    pub description: String,
    /// Seconds billed.
    pub seconds: i64,
    /// Rate billed.
    #[schema(value_type = f64)]
    pub hourly_rate: HourlyRate,
    /// Amount, minor units.
    pub amount_minor: i64,
}

/// An invoice as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceOut {
    /// Id.
    pub id: i64,
    /// `YYYY-NNNN` once sent.
    pub number: Option<String>,
    /// Client.
    pub client: String,
    /// `draft`, `sent`, `paid`, `void`.
    #[schema(value_type = String)]
    pub status: InvoiceStatus,
    /// ISO 4217 code.
    pub currency: String,
    /// First day billed.
    #[schema(value_type = String)]
    pub from: NaiveDate,
    /// Last day billed.
    #[schema(value_type = String)]
    pub to: NaiveDate,
    /// Issue date.
    #[schema(value_type = Option<String>)]
    pub issue_date: Option<NaiveDate>,
    /// Due date.
    #[schema(value_type = Option<String>)]
    pub due_date: Option<NaiveDate>,
    /// Lines.
    pub lines: Vec<LineOut>,
    /// Total, minor units.
    pub total_minor: i64,
    /// Notes.
    pub notes: Option<String>,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<Invoice> for InvoiceOut {
    fn from(i: Invoice) -> Self {
        let Invoice { invoice: r, lines } = i;
        Self {
            id: r.id,
            number: r.number,
            client: r.client,
            status: r.status,
            currency: r.currency,
            from: r.period_from,
            to: r.period_to,
            issue_date: r.issue_date,
            due_date: r.due_date,
            lines: lines
                .into_iter()
                .map(|l| LineOut {
                    project_id: l.project_id,
                    task_id: l.task_id,
                    description: l.description,
                    seconds: l.seconds,
                    hourly_rate: HourlyRate::from_minor(l.hourly_rate_minor),
                    amount_minor: l.amount_minor,
                })
                .collect(),
            total_minor: r.total_minor,
            notes: r.notes,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Creates a draft from the client's billable entries of the period.
#[utoipa::path(post, path = "/api/invoices", tag = "invoices", request_body = CreateInvoice,
    responses((status = 201, body = InvoiceOut), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_invoice(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<CreateInvoice>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let client = ShortText::parse_field("client", &required(b.client, "client")?)?.into_inner();
    if client.is_empty() {
        return Err(ServiceError::invalid("client", "must not be empty").into());
    }
    let new = NewInvoice {
        client,
        from: parse_date("from", &required(b.from, "from")?)?,
        to: parse_date("to", &required(b.to, "to")?)?,
        due_date: optional(b.due_date, |d| parse_date("due_date", &d))?,
        notes: optional(b.notes, |n| LongText::parse_field("notes", &n))?.map(LongText::into_inner),
    };
    let inv = invoices::create(&svc, &user, new).await?;
    Ok(HttpResponse::Created().json(InvoiceOut::from(inv)))
}

/// `?status=&client=&owner=&limit=&offset=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// Status (`draft`, `sent`, `paid`, `void`).
    #[param(pattern = "^(draft|sent|paid|void)$")]
    pub status: Option<String>,
    /// Client.
    pub client: Option<String>,
    /// Analysts and admins: a username or `*`.
    pub owner: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Lists invoices, newest first.
#[utoipa::path(get, path = "/api/invoices", tag = "invoices", params(InvoiceQuery),
    responses((status = 200, body = [InvoiceOut]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_invoices(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<InvoiceQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = Page::parse(q.limit, q.offset, 50, 500).map_err(ServiceError::from)?;
    let status = q
        .status
        .map(|s| InvoiceStatus::parse(&s))
        .transpose()
        .map_err(ServiceError::from)?;
    let found = invoices::list(
        &svc,
        &user,
        Owner::from_query(q.owner),
        status,
        q.client,
        page,
    )
    .await?;
    Ok(paged_response(&req, page, &found.map(InvoiceOut::from)))
}

/// One invoice.
#[utoipa::path(get, path = "/api/invoices/{invoice_id}", tag = "invoices",
    params(("invoice_id" = i64, Path, description = "Invoice id")),
    responses((status = 200, body = InvoiceOut), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_invoice(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let view = invoices::get(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(InvoiceOut::from(view.invoice)))
}

/// Moves the invoice along `draft→sent→paid`, `draft|sent→void`, or
/// changes its due date and notes.
#[utoipa::path(patch, path = "/api/invoices/{invoice_id}", tag = "invoices",
    params(("invoice_id" = i64, Path, description = "Invoice id")), request_body = UpdateInvoice,
    responses((status = 200, body = InvoiceOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_invoice(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
    body: Json<UpdateInvoice>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let patch = InvoicePatch {
        status: patch_required(b.status, "status", |s| InvoiceStatus::parse(&s))?,
        due_date: patch_nullable(b.due_date, |d| parse_date("due_date", &d))?,
        notes: patch_nullable(b.notes, |n| LongText::parse_field("notes", &n))?
            .map(|n| n.map(LongText::into_inner)),
    };
    let inv = invoices::update(&svc, &user, path.into_inner(), patch).await?;
    Ok(HttpResponse::Ok().json(InvoiceOut::from(inv)))
}

/// Deletes a draft (its entries are released).
#[utoipa::path(delete, path = "/api/invoices/{invoice_id}", tag = "invoices",
    params(("invoice_id" = i64, Path, description = "Invoice id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_invoice(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    invoices::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?format=csv|html`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` or `html`.
    #[param(pattern = "^(csv|html)$")]
    pub format: Option<String>,
}

/// Major units of an amount, exactly (`1234` → `12.34`).
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

fn hours(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 3600, (seconds % 3600) / 60)
}

/// One CSV field: quoted when needed; a leading `= + - @` is defused so a
/// spreadsheet does not run it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv(view: &InvoiceView) -> String {
    let r = &view.invoice.invoice;
    let mut out = String::from(
        "number,client,currency,project_id,task_id,description,seconds,hours,hourly_rate,amount\r\n",
    );
    let number = r.number.clone().unwrap_or_default();
    for l in &view.invoice.lines {
        let row = [
            csv_field(&number),
            csv_field(&r.client),
            csv_field(&r.currency),
            l.project_id.to_string(),
            l.task_id.to_string(),
            csv_field(&l.description),
            l.seconds.to_string(),
            hours(l.seconds),
            money(l.hourly_rate_minor),
            money(l.amount_minor),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    let seconds: i64 = view.invoice.lines.iter().map(|l| l.seconds).sum();
    out.push_str(&format!(
        "{},{},{},,,Total,{seconds},{},,{}\r\n",
        csv_field(&number),
        csv_field(&r.client),
        csv_field(&r.currency),
        hours(seconds),
        money(r.total_minor)
    ));
    out
}

/// HTML-escapes text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(view: &InvoiceView) -> String {
    let r = &view.invoice.invoice;
    let e = |s: &str| escape(s);
    let title = match &r.number {
        Some(n) => format!("Invoice {}", e(n)),
        None => "Invoice (draft)".to_owned(),
    };
    let date = |d: Option<NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let mut rows = String::new();
    for l in &view.invoice.lines {
        rows.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} {}</td><td class=\"num\">{} {}</td></tr>\n",
            e(&l.description),
            hours(l.seconds),
            money(l.hourly_rate_minor),
            e(&r.currency),
            money(l.amount_minor),
            e(&r.currency),
        ));
    }
    let notes = r
        .notes
        .as_deref()
        .filter(|n| !n.is_empty())
        .map(|n| format!("<section class=\"notes\"><h2>Notes</h2>{}</section>", e(n)))
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>{title}</title>\
<link rel=\"stylesheet\" href=\"/assets/invoice/invoice.css\"></head><body>\n\
<header><div><h1>{title}</h1><span class=\"status\">{status}</span></div>\
<div class=\"meta\">Issued: {issue}<br>Due: {due}<br>Period: {from} – {to}</div></header>\n\
<div class=\"parties\"><div><h2>From</h2>{owner}</div><div><h2>Bill to</h2>{client}</div></div>\n\
<table><thead><tr><th>Description</th><th class=\"num\">Hours</th><th class=\"num\">Rate</th><th class=\"num\">Amount</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n\
<tfoot><tr><td colspan=\"3\">Total</td><td class=\"num\">{total} {currency}</td></tr></tfoot></table>\n\
{notes}\n</body></html>\n",
        status = e(r.status.as_str()),
        issue = date(r.issue_date),
        due = date(r.due_date),
        from = r.period_from,
        to = r.period_to,
        owner = e(&view.owner),
        client = e(&r.client),
        total = money(r.total_minor),
        currency = e(&r.currency),
    )
}

/// The invoice as CSV or as a printable HTML page.
#[utoipa::path(get, path = "/api/invoices/{invoice_id}/export", tag = "invoices",
    params(("invoice_id" = i64, Path, description = "Invoice id"), ExportQuery),
    responses((status = 200, description = "The invoice as CSV or as a printable HTML page",
                  content((String = "text/csv"), (String = "text/html"))),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_invoice(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = query.into_inner().format.unwrap_or_else(|| "csv".into());
    if format != "csv" && format != "html" {
        return Err(ServiceError::invalid("format", "must be csv or html").into());
    }
    let view = invoices::get(&svc, &user, path.into_inner()).await?;
    let name = view
        .invoice
        .invoice
        .number
        .clone()
        .unwrap_or_else(|| format!("draft-{}", view.invoice.invoice.id));
    Ok(if format == "csv" {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoice-{name}.csv\""),
            ))
            .body(csv(&view))
    } else {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html(&view))
    })
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        create_invoice,
        list_invoices,
        get_invoice,
        update_invoice,
        delete_invoice,
        export_invoice
    ),
    components(schemas(CreateInvoice, UpdateInvoice, InvoiceOut, LineOut))
)]
pub struct InvoicesDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_escaping() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(1), "0.01");
        assert_eq!(money(123_456), "1234.56");
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
