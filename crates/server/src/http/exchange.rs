//! `GET /api/export` and `POST /api/import`: the caller's whole work as one
//! document, format `freelancer-workspace` version 1.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::Json;
use super::projects::CreateProject;
use super::tasks::CreateTask;
use super::wire::rfc3339;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::work::exchange::{self, EntryImport, Import, InvoiceImport, Times};
use crate::services::work::tasks::TaskView;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{OpenApi, ToSchema};
use workspace_domain::work::parse_color;
use workspace_domain::{
    parse_date, CommentBody, Currency, HourlyRate, InvoiceStatus, LabelId, LabelName, LongText,
    ShortText,
};
use workspace_persistence::comments::CommentRecord;
use workspace_persistence::invoices::Invoice;
use workspace_persistence::labels::LabelRow;
use workspace_persistence::projects::ProjectRecord;
use workspace_persistence::time_entries::TimeEntryRow;

/// The document's `format`.
pub const FORMAT: &str = "freelancer-workspace";
/// The document's `version`.
pub const VERSION: i64 = 1;
/// Largest import body: a whole account's export, bigger than the usual
/// body limit.
pub const IMPORT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// A project of the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ProjectDoc {
    /// Id within the document.
    pub id: Option<i64>,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Client.
    pub client: Option<String>,
    /// Hourly rate (at most 2 decimals).
    pub hourly_rate: Option<f64>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// A task of the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TaskDoc {
    /// Id within the document.
    pub id: Option<i64>,
    /// A project id of the document.
    pub project_id: Option<i64>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Priority.
    pub priority: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Estimate in hours.
    pub estimate_hours: Option<f64>,
    /// Label ids of the document.
    #[serde(default)]
    pub label_ids: Vec<i64>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// A label of the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct LabelDoc {
    /// Id within the document.
    pub id: Option<i64>,
    /// Name.
    pub name: Option<String>,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// A comment of the document (imported as the importer's).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CommentDoc {
    /// Id within the document.
    pub id: Option<i64>,
    /// A task id of the document.
    pub task_id: Option<i64>,
    /// The author's username (informative).
    pub author: Option<String>,
    /// Text.
    pub body: Option<String>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// A time entry of the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TimeEntryDoc {
    /// Id within the document.
    pub id: Option<i64>,
    /// A task id of the document.
    pub task_id: Option<i64>,
    /// The task's project (informative; the task decides).
    pub project_id: Option<i64>,
    /// RFC 3339.
    pub started_at: Option<String>,
    /// RFC 3339; null: running.
    pub ended_at: Option<String>,
    /// Seconds (informative; the times decide).
    pub seconds: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// Billable (default true).
    pub billable: Option<bool>,
    /// An invoice id of the document.
    pub invoice_id: Option<i64>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// An invoice line of the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct InvoiceLineDoc {
    /// A project id of the document.
    pub project_id: Option<i64>,
    /// A task id of the document.
    pub task_id: Option<i64>,
    /// Text of the line.
    pub description: Option<String>,
    /// Billed seconds.
    pub seconds: Option<i64>,
    /// Rate billed (at most 2 decimals).
    pub hourly_rate: Option<f64>,
    /// Amount in minor units.
    pub amount_minor: Option<i64>,
}

/// An invoice of the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct InvoiceDoc {
    /// Id within the document.
    pub id: Option<i64>,
    /// `YYYY-NNNN` once sent.
    pub number: Option<String>,
    /// Client.
    pub client: Option<String>,
    /// `draft`, `sent`, `paid` or `void`.
    pub status: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// Period start, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Period end, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Lines.
    #[serde(default)]
    pub lines: Vec<InvoiceLineDoc>,
    /// Sum of the lines (informative; the lines decide).
    pub total_minor: Option<i64>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// The whole document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceDoc {
    /// `freelancer-workspace`.
    #[schema(required, value_type = String)]
    pub format: Option<String>,
    /// `1`.
    #[schema(required, value_type = i64)]
    pub version: Option<i64>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<ProjectDoc>,
    /// Tasks.
    #[serde(default)]
    pub tasks: Vec<TaskDoc>,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<LabelDoc>,
    /// Comments.
    #[serde(default)]
    pub comments: Vec<CommentDoc>,
    /// Time entries.
    #[serde(default)]
    pub time_entries: Vec<TimeEntryDoc>,
    /// Invoices with their lines.
    #[serde(default)]
    pub invoices: Vec<InvoiceDoc>,
}

/// What an import stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    /// Projects created.
    pub projects: usize,
    /// Tasks created.
    pub tasks: usize,
    /// Labels created.
    pub labels: usize,
    /// Comments created.
    pub comments: usize,
    /// Time entries created.
    pub time_entries: usize,
    /// Invoices created.
    pub invoices: usize,
}

/// Everything the caller has, as one document.
#[utoipa::path(get, path = "/api/export", tag = "exchange",
    responses((status = 200, body = WorkspaceDoc), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let data = exchange::export(&svc, &user).await?;
    let doc = WorkspaceDoc {
        format: Some(FORMAT.into()),
        version: Some(VERSION),
        projects: data.projects.into_iter().map(ProjectDoc::from).collect(),
        tasks: data.tasks.into_iter().map(TaskDoc::from).collect(),
        labels: data.labels.into_iter().map(LabelDoc::from).collect(),
        comments: data.comments.into_iter().map(CommentDoc::from).collect(),
        time_entries: data
            .time_entries
            .into_iter()
            .map(TimeEntryDoc::from)
            .collect(),
        invoices: data.invoices.into_iter().map(InvoiceDoc::from).collect(),
    };
    Ok(HttpResponse::Ok().json(doc))
}

/// A stored rate as the document's number.
fn rate_number(minor: i64) -> Option<f64> {
    HourlyRate::from_minor(minor).to_json_number().as_f64()
}

impl From<ProjectRecord> for ProjectDoc {
    fn from(r: ProjectRecord) -> Self {
        let p = r.project;
        ProjectDoc {
            id: Some(p.id.get()),
            name: Some(p.name),
            description: p.description,
            client: p.client,
            hourly_rate: p.hourly_rate_minor.and_then(rate_number),
            currency: Some(p.currency),
            due_date: p.due_date.map(|d| d.to_string()),
            status: Some(p.status.as_str().into()),
            created_at: Some(rfc3339(&p.created_at)),
            updated_at: Some(rfc3339(&p.updated_at)),
        }
    }
}

impl From<TaskView> for TaskDoc {
    fn from(v: TaskView) -> Self {
        let t = v.task;
        TaskDoc {
            id: Some(t.id.get()),
            project_id: Some(t.project_id.get()),
            title: Some(t.title),
            description: t.description,
            status: Some(t.status.as_str().into()),
            priority: Some(t.priority.as_str().into()),
            due_date: t.due_date.map(|d| d.to_string()),
            estimate_hours: t.estimate_hours,
            label_ids: v.labels.iter().map(|l| l.id.get()).collect(),
            created_at: Some(rfc3339(&t.created_at)),
            updated_at: Some(rfc3339(&t.updated_at)),
        }
    }
}

impl From<LabelRow> for LabelDoc {
    fn from(l: LabelRow) -> Self {
        LabelDoc {
            id: Some(l.id.get()),
            name: Some(l.name),
            color: Some(l.color),
            created_at: Some(rfc3339(&l.created_at)),
            updated_at: Some(rfc3339(&l.updated_at)),
        }
    }
}

impl From<CommentRecord> for CommentDoc {
    fn from(c: CommentRecord) -> Self {
        CommentDoc {
            id: Some(c.id.get()),
            task_id: Some(c.task_id.get()),
            author: Some(c.author),
            body: Some(c.body),
            created_at: Some(rfc3339(&c.created_at)),
            updated_at: Some(rfc3339(&c.updated_at)),
        }
    }
}

impl From<TimeEntryRow> for TimeEntryDoc {
    fn from(e: TimeEntryRow) -> Self {
        TimeEntryDoc {
            id: Some(e.id),
            task_id: Some(e.task_id),
            project_id: Some(e.project_id),
            started_at: Some(rfc3339(&e.started_at)),
            ended_at: e.ended_at.as_ref().map(rfc3339),
            seconds: Some(e.seconds),
            note: Some(e.note),
            billable: Some(e.billable),
            invoice_id: e.invoice_id,
            created_at: Some(rfc3339(&e.created_at)),
            updated_at: Some(rfc3339(&e.updated_at)),
        }
    }
}

impl From<Invoice> for InvoiceDoc {
    fn from(inv: Invoice) -> Self {
        let i = inv.invoice;
        InvoiceDoc {
            id: Some(i.id),
            number: i.number,
            client: Some(i.client),
            status: Some(i.status.as_str().into()),
            currency: Some(i.currency),
            from: Some(i.period_from.to_string()),
            to: Some(i.period_to.to_string()),
            issue_date: i.issue_date.map(|d| d.to_string()),
            due_date: i.due_date.map(|d| d.to_string()),
            notes: i.notes,
            lines: inv
                .lines
                .into_iter()
                .map(|l| InvoiceLineDoc {
                    project_id: Some(l.project_id),
                    task_id: Some(l.task_id),
                    description: Some(l.description),
                    seconds: Some(l.seconds),
                    hourly_rate: rate_number(l.hourly_rate_minor),
                    amount_minor: Some(l.amount_minor),
                })
                .collect(),
            total_minor: Some(i.total_minor),
            created_at: Some(rfc3339(&i.created_at)),
            updated_at: Some(rfc3339(&i.updated_at)),
        }
    }
}

/// Prefixes the field of a validation error with the item's place.
fn at(place: String) -> impl Fn(ServiceError) -> ServiceError {
    move |mut e| {
        e.field = Some(match e.field.take() {
            Some(f) => format!("{place}.{f}").into(),
            None => place.clone().into(),
        });
        e
    }
}

fn time(field: String, value: Option<&str>) -> ServiceResult<Option<NaiveDateTime>> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.naive_utc())
                .map_err(|_| ServiceError::invalid(field, "must be an RFC 3339 time"))
        })
        .transpose()
}

fn times(place: &str, created: Option<&str>, updated: Option<&str>) -> ServiceResult<Times> {
    let c = time(format!("{place}.created_at"), created)?;
    let u = time(format!("{place}.updated_at"), updated)?;
    Ok(match (c, u) {
        (None, None) => None,
        (Some(c), None) => Some((c, c)),
        (None, Some(u)) => Some((u, u)),
        (Some(c), Some(u)) => Some((c, u)),
    })
}

fn id_of(place: &str, id: Option<i64>, seen: &mut HashSet<i64>) -> ServiceResult<i64> {
    let id = id.ok_or_else(|| ServiceError::invalid(format!("{place}.id"), "is required"))?;
    if !seen.insert(id) {
        return Err(ServiceError::invalid(
            format!("{place}.id"),
            "is used twice in the document",
        ));
    }
    Ok(id)
}

fn validate(doc: WorkspaceDoc) -> ServiceResult<Import> {
    if doc.format.as_deref() != Some(FORMAT) {
        return Err(ServiceError::invalid(
            "format",
            "must be \"freelancer-workspace\"",
        ));
    }
    if doc.version != Some(VERSION) {
        return Err(ServiceError::invalid("version", "must be 1"));
    }
    let mut out = Import::default();
    let project_ids = validate_projects(doc.projects, &mut out)?;
    let label_ids = validate_labels(doc.labels, &mut out)?;
    let task_ids = validate_tasks(doc.tasks, &project_ids, &label_ids, &mut out)?;
    validate_comments(doc.comments, &task_ids, &mut out)?;
    let mut seen = HashSet::new();
    for (i, inv) in doc.invoices.into_iter().enumerate() {
        let place = format!("invoices[{i}]");
        let id = id_of(&place, inv.id, &mut seen)?;
        out.invoices
            .push(invoice(&place, id, inv, &project_ids, &task_ids).map_err(at(place))?);
    }
    let invoice_ids = seen;
    let mut seen = HashSet::new();
    for (i, e) in doc.time_entries.into_iter().enumerate() {
        let place = format!("time_entries[{i}]");
        id_of(&place, e.id, &mut seen)?;
        out.time_entries
            .push(entry(e, &task_ids, &invoice_ids).map_err(at(place))?);
    }
    Ok(out)
}

/// The document's projects; answers their document ids.
fn validate_projects(docs: Vec<ProjectDoc>, out: &mut Import) -> ServiceResult<HashSet<i64>> {
    let mut seen = HashSet::new();
    for (i, p) in docs.into_iter().enumerate() {
        let place = format!("projects[{i}]");
        let id = id_of(&place, p.id, &mut seen)?;
        let t = times(&place, p.created_at.as_deref(), p.updated_at.as_deref())?;
        let new = CreateProject {
            name: p.name,
            description: p.description,
            client: p.client,
            hourly_rate: p.hourly_rate,
            currency: p.currency,
            due_date: p.due_date,
            status: p.status,
        }
        .parse()
        .map_err(at(place))?;
        out.projects.push((id, new, t));
    }
    Ok(seen)
}

/// The document's labels (names unique case-insensitively); answers their ids.
fn validate_labels(docs: Vec<LabelDoc>, out: &mut Import) -> ServiceResult<HashSet<i64>> {
    let mut seen = HashSet::new();
    let mut label_names = HashSet::new();
    for (i, l) in docs.into_iter().enumerate() {
        let place = format!("labels[{i}]");
        let id = id_of(&place, l.id, &mut seen)?;
        let t = times(&place, l.created_at.as_deref(), l.updated_at.as_deref())?;
        let name = l
            .name
            .ok_or_else(|| ServiceError::invalid("name", "is required"))
            .and_then(|n| Ok(LabelName::parse(&n)?))
            .map_err(at(place.clone()))?;
        let color = l
            .color
            .ok_or_else(|| ServiceError::invalid("color", "is required"))
            .and_then(|c| Ok(parse_color(&c)?))
            .map_err(at(place.clone()))?;
        if !label_names.insert(name.as_str().to_lowercase()) {
            return Err(ServiceError::invalid(
                format!("{place}.name"),
                "is used twice in the document",
            ));
        }
        out.labels.push((id, name, color, t));
    }
    Ok(seen)
}

/// The document's tasks, on its projects with its labels; answers their ids.
fn validate_tasks(
    docs: Vec<TaskDoc>,
    project_ids: &HashSet<i64>,
    label_ids: &HashSet<i64>,
    out: &mut Import,
) -> ServiceResult<HashSet<i64>> {
    let mut seen = HashSet::new();
    for (i, task) in docs.into_iter().enumerate() {
        let place = format!("tasks[{i}]");
        let id = id_of(&place, task.id, &mut seen)?;
        let t = times(
            &place,
            task.created_at.as_deref(),
            task.updated_at.as_deref(),
        )?;
        let project = task
            .project_id
            .filter(|p| project_ids.contains(p))
            .ok_or_else(|| {
                ServiceError::invalid(
                    format!("{place}.project_id"),
                    "must be the id of a project of the document",
                )
            })?;
        if task.label_ids.iter().any(|l| !label_ids.contains(l)) {
            return Err(ServiceError::invalid(
                format!("{place}.label_ids"),
                "must be ids of labels of the document",
            ));
        }
        let new = CreateTask {
            title: task.title,
            description: task.description,
            status: task.status,
            priority: task.priority,
            due_date: task.due_date,
            estimate_hours: task.estimate_hours,
            label_ids: Some(task.label_ids.into_iter().map(LabelId::new).collect()),
        }
        .parse()
        .map_err(at(place))?;
        out.tasks.push((id, project, new, t));
    }
    Ok(seen)
}

/// The document's comments, on its tasks.
fn validate_comments(
    docs: Vec<CommentDoc>,
    task_ids: &HashSet<i64>,
    out: &mut Import,
) -> ServiceResult<()> {
    let mut seen = HashSet::new();
    for (i, c) in docs.into_iter().enumerate() {
        let place = format!("comments[{i}]");
        id_of(&place, c.id, &mut seen)?;
        let t = times(&place, c.created_at.as_deref(), c.updated_at.as_deref())?;
        let task = c.task_id.filter(|x| task_ids.contains(x)).ok_or_else(|| {
            ServiceError::invalid(
                format!("{place}.task_id"),
                "must be the id of a task of the document",
            )
        })?;
        let body = c
            .body
            .ok_or_else(|| ServiceError::invalid("body", "is required"))
            .and_then(|b| Ok(CommentBody::parse(&b)?))
            .map_err(at(place))?;
        out.comments.push((task, body, t));
    }
    Ok(())
}

fn doc_ref(field: &str, id: Option<i64>, known: &HashSet<i64>, what: &str) -> ServiceResult<i64> {
    id.filter(|x| known.contains(x)).ok_or_else(|| {
        ServiceError::invalid(
            field.to_owned(),
            format!("must be the id of {what} of the document"),
        )
    })
}

fn required<T>(field: &'static str, value: Option<T>) -> ServiceResult<T> {
    value.ok_or_else(|| ServiceError::invalid(field, "is required"))
}

fn date(field: &'static str, value: Option<&str>) -> ServiceResult<Option<chrono::NaiveDate>> {
    Ok(value.map(|v| parse_date(field, v)).transpose()?)
}

fn count(field: &'static str, value: Option<i64>) -> ServiceResult<i64> {
    match value {
        Some(v) if v >= 0 => Ok(v),
        Some(_) => Err(ServiceError::invalid(field, "must be ≥ 0")),
        None => Err(ServiceError::invalid(field, "is required")),
    }
}

fn invoice(
    place: &str,
    id: i64,
    inv: InvoiceDoc,
    projects: &HashSet<i64>,
    tasks: &HashSet<i64>,
) -> ServiceResult<InvoiceImport> {
    let status = InvoiceStatus::parse(&required("status", inv.status)?)?;
    let currency = Currency::parse_field("currency", &required("currency", inv.currency)?)?;
    let client = ShortText::parse_field("client", &required("client", inv.client)?)?;
    let from = date("from", Some(&required("from", inv.from)?))?.unwrap_or_default();
    let to = date("to", Some(&required("to", inv.to)?))?.unwrap_or_default();
    let number = match inv.number {
        Some(n) if workspace_persistence::imports::parse_number(&n).is_some() && n.len() <= 20 => {
            Some(n)
        }
        Some(_) => return Err(ServiceError::invalid("number", "must look like 2026-0001")),
        None => None,
    };
    let notes = inv
        .notes
        .map(|n| LongText::parse_field("notes", &n))
        .transpose()?;
    let mut lines = Vec::with_capacity(inv.lines.len());
    for (k, l) in inv.lines.into_iter().enumerate() {
        let line = || -> ServiceResult<_> {
            let project = doc_ref("project_id", l.project_id, projects, "a project")?;
            let task = doc_ref("task_id", l.task_id, tasks, "a task")?;
            let rate = HourlyRate::parse(required("hourly_rate", l.hourly_rate)?)?;
            let description =
                ShortText::parse_field("description", &required("description", l.description)?)?;
            Ok((
                project,
                task,
                description.as_str().to_owned(),
                count("seconds", l.seconds)?,
                rate.minor(),
                count("amount_minor", l.amount_minor)?,
            ))
        };
        lines.push(line().map_err(at(format!("lines[{k}]")))?);
    }
    Ok(InvoiceImport {
        doc_id: id,
        number,
        client: client.as_str().to_owned(),
        status,
        currency,
        from,
        to,
        issue_date: date("issue_date", inv.issue_date.as_deref())?,
        due_date: date("due_date", inv.due_date.as_deref())?,
        notes: notes.map(|n| n.as_str().to_owned()),
        lines,
        times: times(place, inv.created_at.as_deref(), inv.updated_at.as_deref()).map_err(
            |mut e| {
                // `times` names the full place already.
                e.field = e
                    .field
                    .map(|f| f.rsplit('.').next().unwrap_or_default().to_owned().into());
                e
            },
        )?,
    })
}

fn entry(
    e: TimeEntryDoc,
    tasks: &HashSet<i64>,
    invoices: &HashSet<i64>,
) -> ServiceResult<EntryImport> {
    let task = doc_ref("task_id", e.task_id, tasks, "a task")?;
    let started_at = time(
        "started_at".into(),
        Some(&required("started_at", e.started_at)?),
    )?
    .unwrap_or_default();
    let ended_at = time("ended_at".into(), e.ended_at.as_deref())?;
    if ended_at.is_some_and(|end| end < started_at) {
        return Err(ServiceError::invalid(
            "ended_at",
            "must not be before started_at",
        ));
    }
    let invoice = match e.invoice_id {
        None => None,
        id => Some(doc_ref("invoice_id", id, invoices, "an invoice")?),
    };
    let note = match e.note {
        Some(n) if !n.is_empty() => ShortText::parse_field("note", &n)?.as_str().to_owned(),
        _ => String::new(),
    };
    let t = times("x", e.created_at.as_deref(), e.updated_at.as_deref()).map_err(|mut err| {
        err.field = err
            .field
            .map(|f| f.trim_start_matches("x.").to_owned().into());
        err
    })?;
    Ok(EntryImport {
        task,
        started_at,
        ended_at,
        note,
        billable: e.billable.unwrap_or(true),
        invoice,
        times: t,
    })
}

/// Imports a document into the caller's account (new ids), all or nothing.
#[utoipa::path(post, path = "/api/import", tag = "exchange", request_body = WorkspaceDoc,
    responses((status = 201, body = ImportOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<WorkspaceDoc>,
) -> ApiResult<HttpResponse> {
    let doc = validate(body.into_inner())?;
    let n = exchange::import(&svc, &user, doc).await?;
    Ok(HttpResponse::Created().json(ImportOut {
        time_entries: n.time_entries,
        invoices: n.invoices,
        projects: n.projects,
        tasks: n.tasks,
        labels: n.labels,
        comments: n.comments,
    }))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(export, import),
    components(schemas(WorkspaceDoc, ProjectDoc, TaskDoc, LabelDoc, CommentDoc, ImportOut))
)]
pub struct ExchangeDoc;
