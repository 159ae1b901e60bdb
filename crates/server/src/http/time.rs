//! Time tracking: the timer, time entries and the time report.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{required, Json};
use super::list::{list_params, paged_response};
use super::wire::{ser_opt_time, ser_time};
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::time::{self, EntryPatch, GroupBy, ListQuery, ManualEntry, Report};
use crate::services::work::projects::Owner;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use workspace_domain::listing::TimeEntrySort;
use workspace_domain::{parse_date, LongText, TaskId};
use workspace_persistence::time_entries::{seconds_between, TimeEntryRow};

/// Parses an RFC 3339 time into naive UTC.
pub fn parse_time(field: &'static str, value: &str) -> Result<NaiveDateTime, ServiceError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| workspace_persistence::truncate_to_micros(t.naive_utc()))
        .map_err(|_| {
            ServiceError::invalid(
                field,
                "must be an RFC 3339 time such as 2026-12-03T09:00:00Z",
            )
        })
}

fn parse_note(note: Option<String>) -> Result<String, ServiceError> {
    Ok(match note {
        Some(n) => LongText::parse_field("note", &n)?.into_inner(),
        None => String::new(),
    })
}

/// A time entry as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryOut {
    /// Id.
    pub id: i64,
    /// Task.
    pub task_id: i64,
    /// Project of the task.
    pub project_id: i64,
    /// Start.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    /// End; `null` while running.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<NaiveDateTime>,
    /// Seconds (so far, while running).
    pub seconds: i64,
    /// Note.
    pub note: String,
    /// Billable.
    pub billable: bool,
    /// The invoice it is on.
    pub invoice_id: Option<i64>,
    /// Created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<TimeEntryRow> for TimeEntryOut {
    fn from(r: TimeEntryRow) -> Self {
        let seconds = match r.ended_at {
            Some(_) => r.seconds,
            None => seconds_between(r.started_at, workspace_persistence::now_utc()),
        };
        Self {
            id: r.id,
            task_id: r.task_id,
            project_id: r.project_id,
            started_at: r.started_at,
            ended_at: r.ended_at,
            seconds,
            note: r.note,
            billable: r.billable,
            invoice_id: r.invoice_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// `POST /api/timer`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartTimer {
    /// The task to track.
    #[schema(required, value_type = i64)]
    pub task_id: Option<i64>,
    /// Note.
    pub note: Option<String>,
}

/// Starts the caller's timer (stopping the running one).
#[utoipa::path(post, path = "/api/timer", tag = "time", request_body = StartTimer,
    responses((status = 201, body = TimeEntryOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start_timer(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<StartTimer>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let task_id = TaskId::new(required(b.task_id, "task_id")?);
    let note = parse_note(b.note)?;
    let row = time::start(&svc, &user, task_id, note).await?;
    Ok(HttpResponse::Created().json(TimeEntryOut::from(row)))
}

/// The caller's running entry, or `null`.
#[utoipa::path(get, path = "/api/timer", tag = "time",
    responses((status = 200, body = Option<TimeEntryOut>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_timer(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let row = time::running(&svc, &user).await?;
    Ok(HttpResponse::Ok().json(row.map(TimeEntryOut::from)))
}

/// Stops the caller's timer.
#[utoipa::path(delete, path = "/api/timer", tag = "time",
    responses((status = 200, body = TimeEntryOut), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stop_timer(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let row = time::stop(&svc, &user).await?;
    Ok(HttpResponse::Ok().json(TimeEntryOut::from(row)))
}

/// `POST /api/time-entries`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateEntry {
    /// Task.
    #[schema(required, value_type = i64)]
    pub task_id: Option<i64>,
    /// Start, RFC 3339.
    #[schema(required, value_type = String, format = DateTime)]
    pub started_at: Option<String>,
    /// End, RFC 3339, after the start, at most 24 h later.
    #[schema(required, value_type = String, format = DateTime)]
    pub ended_at: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Default true.
    pub billable: Option<bool>,
}

/// Adds a manual entry.
#[utoipa::path(post, path = "/api/time-entries", tag = "time", request_body = CreateEntry,
    responses((status = 201, body = TimeEntryOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_entry(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<CreateEntry>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let task_id = TaskId::new(required(b.task_id, "task_id")?);
    let started_at = parse_time("started_at", &required(b.started_at, "started_at")?)?;
    let ended_at = parse_time("ended_at", &required(b.ended_at, "ended_at")?)?;
    let new = ManualEntry {
        task_id,
        started_at,
        ended_at,
        note: parse_note(b.note)?,
        billable: b.billable.unwrap_or(true),
    };
    let row = time::create(&svc, &user, new).await?;
    Ok(HttpResponse::Created().json(TimeEntryOut::from(row)))
}

/// `?project_id=&task_id=&from=&to=&billable=&invoiced=&owner=&sort=&limit=&offset=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// Project.
    pub project_id: Option<String>,
    /// Task.
    pub task_id: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC, inclusive).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC, inclusive).
    pub to: Option<String>,
    /// `true` or `false`.
    pub billable: Option<String>,
    /// `true` or `false`.
    pub invoiced: Option<String>,
    /// Analysts and admins: a username or `*`.
    pub owner: Option<String>,
    /// `started_at` or `-started_at` (default: newest first).
    #[param(pattern = "^-?(started_at)$")]
    pub sort: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

fn parse_id(field: &'static str, v: Option<String>) -> Result<Option<i64>, ServiceError> {
    v.map(|s| {
        s.parse::<i64>()
            .map_err(|_| ServiceError::invalid(field, "must be an integer id"))
    })
    .transpose()
}

fn parse_bool(field: &'static str, v: Option<String>) -> Result<Option<bool>, ServiceError> {
    v.map(|s| match s.as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ServiceError::invalid(field, "must be true or false")),
    })
    .transpose()
}

fn parse_day(field: &'static str, v: Option<String>) -> Result<Option<NaiveDate>, ServiceError> {
    Ok(v.map(|d| parse_date(field, &d)).transpose()?)
}

/// Lists time entries, newest first, paged.
#[utoipa::path(get, path = "/api/time-entries", tag = "time", params(EntryQuery),
    responses((status = 200, body = [TimeEntryOut]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_entries(
    req: HttpRequest,
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<EntryQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let params = list_params::<TimeEntrySort>(q.limit, q.offset, q.sort.as_deref(), 50, 500)?;
    let ascending = params.sort.is_some_and(|s| !s.descending);
    let lq = ListQuery {
        owner: Owner::from_query(q.owner),
        project_id: parse_id("project_id", q.project_id)?,
        task_id: parse_id("task_id", q.task_id)?,
        from: parse_day("from", q.from)?,
        to: parse_day("to", q.to)?,
        billable: parse_bool("billable", q.billable)?,
        invoiced: parse_bool("invoiced", q.invoiced)?,
    };
    let found = time::list(&svc, &user, lq, params.page, ascending).await?;
    Ok(paged_response(
        &req,
        params.page,
        &found.map(TimeEntryOut::from),
    ))
}

/// One entry.
#[utoipa::path(get, path = "/api/time-entries/{entry_id}", tag = "time",
    params(("entry_id" = i64, Path, description = "Time entry id")),
    responses((status = 200, body = TimeEntryOut), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_entry(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let row = time::get(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TimeEntryOut::from(row)))
}

/// `PATCH /api/time-entries/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateEntry {
    /// New start.
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    /// New end.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// New note.
    pub note: Option<String>,
    /// Billable.
    pub billable: Option<bool>,
}

/// Changes an entry; 409 when it is on a non-void invoice.
#[utoipa::path(patch, path = "/api/time-entries/{entry_id}", tag = "time",
    params(("entry_id" = i64, Path, description = "Time entry id")), request_body = UpdateEntry,
    responses((status = 200, body = TimeEntryOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_entry(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
    body: Json<UpdateEntry>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let patch = EntryPatch {
        started_at: b
            .started_at
            .map(|t| parse_time("started_at", &t))
            .transpose()?,
        ended_at: b.ended_at.map(|t| parse_time("ended_at", &t)).transpose()?,
        note: b.note.map(|n| parse_note(Some(n))).transpose()?,
        billable: b.billable,
    };
    let row = time::update(&svc, &user, path.into_inner(), patch).await?;
    Ok(HttpResponse::Ok().json(TimeEntryOut::from(row)))
}

/// Deletes an entry; 409 when it is on a non-void invoice.
#[utoipa::path(delete, path = "/api/time-entries/{entry_id}", tag = "time",
    params(("entry_id" = i64, Path, description = "Time entry id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_entry(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    time::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?from=&to=&group_by=&owner=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// `project` (default), `client`, `task`, `day`, `week`, `month`.
    #[param(pattern = "^(project|client|task|day|week|month)$")]
    pub group_by: Option<String>,
    /// Analysts and admins: a username or `*`.
    pub owner: Option<String>,
}

/// A report row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRowOut {
    /// Group key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Seconds.
    pub seconds: i64,
    /// Billable seconds.
    pub billable_seconds: i64,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
}

/// Totals of one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportTotalOut {
    /// Currency.
    pub currency: String,
    /// Seconds.
    pub seconds: i64,
    /// Billable seconds.
    pub billable_seconds: i64,
    /// Amount, minor units.
    pub amount_minor: i64,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// First day, or null.
    #[schema(value_type = Option<String>)]
    pub from: Option<NaiveDate>,
    /// Last day, or null.
    #[schema(value_type = Option<String>)]
    pub to: Option<NaiveDate>,
    /// The grouping.
    pub group_by: String,
    /// Rows.
    pub rows: Vec<ReportRowOut>,
    /// Totals per currency.
    pub totals: Vec<ReportTotalOut>,
}

/// Hours and earnings grouped by project, client, task, day, week or month.
#[utoipa::path(get, path = "/api/reports/time", tag = "time", params(ReportQuery),
    responses((status = 200, body = ReportOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn time_report(
    svc: web::Data<Services>,
    user: AuthUser,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let from = parse_day("from", q.from)?;
    let to = parse_day("to", q.to)?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(ServiceError::invalid("to", "must not be before from").into());
        }
    }
    let group = GroupBy::parse(q.group_by.as_deref().unwrap_or("project"))?;
    let Report { rows, totals } =
        time::report(&svc, &user, Owner::from_query(q.owner), from, to, group).await?;
    Ok(HttpResponse::Ok().json(ReportOut {
        from,
        to,
        group_by: group.as_str().to_owned(),
        rows: rows
            .into_iter()
            .map(|r| ReportRowOut {
                key: r.key,
                label: r.label,
                seconds: r.seconds,
                billable_seconds: r.billable_seconds,
                amount_minor: r.amount_minor,
                currency: r.currency,
            })
            .collect(),
        totals: totals
            .into_iter()
            .map(|t| ReportTotalOut {
                currency: t.currency,
                seconds: t.seconds,
                billable_seconds: t.billable_seconds,
                amount_minor: t.amount_minor,
            })
            .collect(),
    }))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        start_timer,
        get_timer,
        stop_timer,
        create_entry,
        list_entries,
        get_entry,
        update_entry,
        delete_entry,
        time_report
    ),
    components(schemas(
        TimeEntryOut,
        StartTimer,
        CreateEntry,
        UpdateEntry,
        ReportOut,
        ReportRowOut,
        ReportTotalOut
    ))
)]
pub struct TimeDoc;
