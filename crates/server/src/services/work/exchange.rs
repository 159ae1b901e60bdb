//! Export and import of a user's whole work: projects, tasks, labels and
//! comments. An import is one transaction: new ids, references kept
//! through the document's own ids.

use super::tasks::{with_labels, TaskView};
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;
use workspace_domain::work::{NewProject, NewTask};
use workspace_domain::{
    CommentBody, Currency, EstimateHours, HourlyRate, InvoiceStatus, LabelId, LabelName, LongText,
    Page, ProjectId, ShortText, TaskId,
};
use workspace_persistence::comments::{self, CommentRecord};
use workspace_persistence::imports::{self, ImportedEntry, ImportedInvoice, ImportedLine};
use workspace_persistence::invoices::{self, Invoice, InvoiceFilter};
use workspace_persistence::labels::{self, LabelRow};
use workspace_persistence::projects::{self, OwnerFilter, ProjectFilter, ProjectRecord};
use workspace_persistence::tasks::{self, TaskFilter};
use workspace_persistence::time_entries::{self, EntryFilter, TimeEntryRow, Whose};

/// Everything a user has.
#[derive(Debug, Clone)]
pub struct Exported {
    /// Projects, by id.
    pub projects: Vec<ProjectRecord>,
    /// Tasks with labels, by id.
    pub tasks: Vec<TaskView>,
    /// Labels, by id.
    pub labels: Vec<LabelRow>,
    /// Comments on the tasks, by id.
    pub comments: Vec<CommentRecord>,
    /// Time entries the user tracked, oldest first.
    pub time_entries: Vec<TimeEntryRow>,
    /// Invoices with their lines, oldest first.
    pub invoices: Vec<Invoice>,
}

const ALL: Page = Page {
    limit: i64::MAX,
    offset: 0,
};

/// The caller's data.
pub async fn export(svc: &Services, caller: &Caller) -> ServiceResult<Exported> {
    let owner = caller.id;
    svc.read(move |conn| {
        let found_projects = projects::list(
            conn,
            &ProjectFilter {
                owner: OwnerFilter::Id(owner),
            },
            ALL,
            None,
        )?
        .items;
        let task_rows = tasks::list(
            conn,
            &TaskFilter {
                owner: Some(OwnerFilter::Id(owner)),
                ..TaskFilter::default()
            },
            ALL,
            None,
        )?
        .items;
        Ok(Exported {
            projects: found_projects,
            tasks: with_labels(conn, task_rows)?,
            labels: labels::all_of(conn, owner)?,
            comments: comments::all_on_projects_of(conn, owner)?,
            time_entries: time_entries::list(
                conn,
                &EntryFilter {
                    whose: Whose::User(owner),
                    project_id: None,
                    task_id: None,
                    from: None,
                    before: None,
                    billable: None,
                    invoiced: None,
                },
                ALL,
                true,
            )?
            .items,
            invoices: {
                let mut all = invoices::list(
                    conn,
                    &InvoiceFilter {
                        user_id: Some(owner),
                        status: None,
                        client: None,
                    },
                    ALL,
                )?
                .items;
                all.reverse();
                all
            },
        })
    })
    .await
}

/// Creation and last-change times of an imported item (`None`: now).
pub type Times = Option<(NaiveDateTime, NaiveDateTime)>;

/// A validated import: every item with its id in the document; references
/// are document ids, checked to exist.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// (document id, project, times).
    pub projects: Vec<(i64, NewProject, Times)>,
    /// (document id, name, colour, times).
    pub labels: Vec<(i64, LabelName, String, Times)>,
    /// (document id, document project id, task with document label ids, times).
    pub tasks: Vec<(i64, i64, NewTask, Times)>,
    /// (document task id, body, times).
    pub comments: Vec<(i64, CommentBody, Times)>,
    /// Invoices.
    pub invoices: Vec<InvoiceImport>,
    /// Time entries.
    pub time_entries: Vec<EntryImport>,
}

/// A validated invoice of an import; project and task ids are document ids.
#[derive(Debug, Clone)]
pub struct InvoiceImport {
    /// Its document id.
    pub doc_id: i64,
    /// Number, once sent.
    pub number: Option<String>,
    /// Client.
    pub client: String,
    /// Status.
    pub status: InvoiceStatus,
    /// Currency.
    pub currency: Currency,
    /// Period start.
    pub from: NaiveDate,
    /// Period end.
    pub to: NaiveDate,
    /// Issued.
    pub issue_date: Option<NaiveDate>,
    /// Due.
    pub due_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
    /// Lines (document project and task ids).
    pub lines: Vec<ImportedLine>,
    /// Times.
    pub times: Times,
}

/// A validated time entry of an import; task and invoice are document ids.
#[derive(Debug, Clone)]
pub struct EntryImport {
    /// Document task id.
    pub task: i64,
    /// Start.
    pub started_at: NaiveDateTime,
    /// End; `None`: running.
    pub ended_at: Option<NaiveDateTime>,
    /// Note.
    pub note: String,
    /// Billable.
    pub billable: bool,
    /// Document invoice id.
    pub invoice: Option<i64>,
    /// Times.
    pub times: Times,
}

/// How many of each were imported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Imported {
    /// Projects.
    pub projects: usize,
    /// Tasks.
    pub tasks: usize,
    /// Labels.
    pub labels: usize,
    /// Comments.
    pub comments: usize,
    /// Time entries.
    pub time_entries: usize,
    /// Invoices.
    pub invoices: usize,
}

/// Stores an import into the caller's account, all or nothing. A label
/// name the caller already has → 409 and nothing stored.
pub async fn import(svc: &Services, caller: &Caller, doc: Import) -> ServiceResult<Imported> {
    let owner = caller.id;
    let default_currency = svc.policy().default_currency;
    svc.write(move |work| {
        let conn = work.conn();
        let mut label_ids: HashMap<i64, LabelId> = HashMap::new();
        for (i, (doc_id, name, color, at)) in doc.labels.iter().enumerate() {
            let row = labels::create(conn, owner, name.as_str(), color, *at).map_err(|e| {
                if e.is_conflict() {
                    ServiceError::conflict(format!(
                        "labels[{i}]: you already have a label named '{}'.",
                        name.as_str()
                    ))
                } else {
                    e.into()
                }
            })?;
            label_ids.insert(*doc_id, row.id);
        }
        let mut project_ids: HashMap<i64, ProjectId> = HashMap::new();
        for (doc_id, p, at) in &doc.projects {
            let currency = p.currency.unwrap_or(default_currency);
            let new = projects::NewProject {
                owner_id: owner,
                name: p.name.as_str(),
                description: p.description.as_ref().map(LongText::as_str),
                client: p.client.as_ref().map(ShortText::as_str),
                hourly_rate_minor: p.hourly_rate.map(HourlyRate::minor),
                currency: currency.as_str(),
                due_date: p.due_date,
                status: p.status,
            };
            let now = workspace_persistence::now_utc();
            let (c, u) = at.unwrap_or((now, now));
            let row = projects::create_at(conn, &new, c, u)?;
            project_ids.insert(*doc_id, row.project.id);
        }
        let mut task_ids: HashMap<i64, TaskId> = HashMap::new();
        let mut task_projects: HashMap<i64, ProjectId> = HashMap::new();
        for (i, (doc_id, doc_project, t, at)) in doc.tasks.iter().enumerate() {
            let project_id = *project_ids.get(doc_project).ok_or_else(|| {
                ServiceError::invalid(
                    format!("tasks[{i}].project_id"),
                    "is not a project of the document",
                )
            })?;
            let new = tasks::NewTask {
                project_id,
                title: t.title.as_str(),
                description: t.description.as_ref().map(LongText::as_str),
                status: t.status,
                priority: t.priority,
                due_date: t.due_date,
                estimate_hours: t.estimate_hours.map(EstimateHours::value),
            };
            let now = workspace_persistence::now_utc();
            let (c, u) = at.unwrap_or((now, now));
            let row = tasks::create_at(conn, &new, c, u)?;
            let mut ids = Vec::with_capacity(t.label_ids.len());
            for l in &t.label_ids {
                ids.push(*label_ids.get(&l.get()).ok_or_else(|| {
                    ServiceError::invalid(
                        format!("tasks[{i}].label_ids"),
                        "is not a label of the document",
                    )
                })?);
            }
            labels::set_for_task(conn, row.id, &ids)?;
            task_ids.insert(*doc_id, row.id);
            task_projects.insert(*doc_id, project_id);
        }
        for (i, (doc_task, body, at)) in doc.comments.iter().enumerate() {
            let task = *task_ids.get(doc_task).ok_or_else(|| {
                ServiceError::invalid(
                    format!("comments[{i}].task_id"),
                    "is not a task of the document",
                )
            })?;
            comments::create(conn, task, owner, body.as_str(), *at)?;
        }
        import_time(conn, owner, &doc, &project_ids, &task_ids, &task_projects)?;
        Ok(Imported {
            time_entries: doc.time_entries.len(),
            invoices: doc.invoices.len(),
            projects: doc.projects.len(),
            tasks: doc.tasks.len(),
            labels: doc.labels.len(),
            comments: doc.comments.len(),
        })
    })
    .await
}

/// The invoices and time entries of an import, after its projects and
/// tasks (document ids mapped to the importer's new ones).
fn import_time(
    conn: &mut workspace_persistence::DbConnection,
    owner: workspace_domain::UserId,
    doc: &Import,
    project_ids: &HashMap<i64, ProjectId>,
    task_ids: &HashMap<i64, TaskId>,
    task_projects: &HashMap<i64, ProjectId>,
) -> ServiceResult<()> {
    let missing = || ServiceError::invalid("import", "refers to an item it does not hold");
    let mut invoice_ids: HashMap<i64, i64> = HashMap::new();
    for (i, inv) in doc.invoices.iter().enumerate() {
        let mut lines = Vec::with_capacity(inv.lines.len());
        for (p, t, description, seconds, rate, amount) in &inv.lines {
            let project = project_ids.get(p).ok_or_else(missing)?.get();
            let task = task_ids.get(t).ok_or_else(missing)?.get();
            lines.push((project, task, description.clone(), *seconds, *rate, *amount));
        }
        let now = workspace_persistence::now_utc();
        let (c, u) = inv.times.unwrap_or((now, now));
        let id = imports::insert_invoice(
            conn,
            &ImportedInvoice {
                user_id: owner,
                number: inv.number.as_deref(),
                client: &inv.client,
                status: inv.status,
                currency: inv.currency.as_str(),
                period_from: inv.from,
                period_to: inv.to,
                issue_date: inv.issue_date,
                due_date: inv.due_date,
                notes: inv.notes.as_deref(),
                lines: &lines,
                created_at: c,
                updated_at: u,
            },
        )
        .map_err(|e| {
            if e.is_conflict() {
                ServiceError::conflict(format!(
                    "invoices[{i}]: you already have an invoice numbered {}.",
                    inv.number.as_deref().unwrap_or_default()
                ))
            } else {
                e.into()
            }
        })?;
        invoice_ids.insert(inv.doc_id, id);
    }
    for (i, e) in doc.time_entries.iter().enumerate() {
        let task = task_ids.get(&e.task).ok_or_else(missing)?;
        let project = task_projects.get(&e.task).ok_or_else(missing)?;
        let invoice = match e.invoice {
            Some(d) => Some(*invoice_ids.get(&d).ok_or_else(missing)?),
            None => None,
        };
        let now = workspace_persistence::now_utc();
        let (c, u) = e.times.unwrap_or((now, now));
        imports::insert_entry(
            conn,
            &ImportedEntry {
                user_id: owner,
                project_id: project.get(),
                task_id: task.get(),
                started_at: e.started_at,
                ended_at: e.ended_at,
                note: &e.note,
                billable: e.billable,
                invoice_id: invoice,
                created_at: c,
                updated_at: u,
            },
        )
        .map_err(|err| {
            if err.is_conflict() {
                ServiceError::conflict(format!(
                    "time_entries[{i}]: a timer is already running; stop it before importing a running entry."
                ))
            } else {
                err.into()
            }
        })?;
    }
    Ok(())
}
