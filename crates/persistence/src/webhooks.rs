//! Webhooks and their delivery outbox. A delivery row is queued in the
//! same transaction as its event; workers claim due rows with a lease
//! (a conditional `UPDATE`, so one instance at a time attempts a row on
//! either backend) and record each attempt.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::{webhook_deliveries, webhooks};

/// A row of `webhooks`.
#[derive(Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    /// Id.
    pub id: i64,
    /// Target URL.
    pub url: String,
    /// JSON array of kinds, `None` for all.
    pub kinds: Option<String>,
    /// Lowest severity delivered, `None` for all.
    pub min_severity: Option<String>,
    /// Signing secret. Never log it.
    pub secret: String,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
}

impl std::fmt::Debug for WebhookRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRow")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("kinds", &self.kinds)
            .field("min_severity", &self.min_severity)
            .finish_non_exhaustive()
    }
}

#[derive(Insertable)]
#[diesel(table_name = webhooks)]
struct InsertWebhook<'a> {
    url: &'a str,
    kinds: Option<String>,
    min_severity: Option<&'a str>,
    secret: &'a str,
    created_at: NaiveDateTime,
}

/// Stores a webhook.
pub fn create(
    conn: &mut DbConnection,
    url: &str,
    kinds: Option<String>,
    min_severity: Option<&str>,
    secret: &str,
) -> Result<WebhookRow> {
    Ok(diesel::insert_into(webhooks::table)
        .values(&InsertWebhook {
            url,
            kinds,
            min_severity,
            secret,
            created_at: crate::clock::now_utc(),
        })
        .returning(webhooks::all_columns)
        .get_result(conn)?)
}

/// Every webhook, by id.
pub fn list(conn: &mut DbConnection) -> Result<Vec<WebhookRow>> {
    Ok(webhooks::table
        .order(webhooks::id.asc())
        .select(WebhookRow::as_select())
        .load(conn)?)
}

/// One webhook.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<WebhookRow>> {
    Ok(webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes a webhook and its deliveries; whether it existed.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<bool> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
        .execute(conn)?;
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? > 0)
}

/// A row of `webhook_deliveries`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    /// The delivery UUID (`X-Workspace-Delivery`).
    pub id: String,
    /// Webhook.
    pub webhook_id: i64,
    /// Event.
    pub event_id: i64,
    /// Event kind (`X-Workspace-Event`).
    pub kind: String,
    /// The JSON body, fixed at queueing so every attempt signs the same.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// HTTP status of the last attempt, if one answered.
    pub last_status: Option<i32>,
    /// Error of the last attempt, if any.
    pub last_error: Option<String>,
    /// When the next attempt is due (UTC).
    pub next_attempt_at: NaiveDateTime,
    /// A worker's lease, if claimed.
    pub locked_until: Option<NaiveDateTime>,
    /// Queueing time (UTC).
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct InsertDelivery<'a> {
    id: String,
    webhook_id: i64,
    event_id: i64,
    kind: &'a str,
    body: &'a str,
    status: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Queues a pending delivery, due now.
pub fn enqueue(
    conn: &mut DbConnection,
    webhook_id: i64,
    event_id: i64,
    kind: &str,
    body: &str,
) -> Result<()> {
    let now = crate::clock::now_utc();
    diesel::insert_into(webhook_deliveries::table)
        .values(&InsertDelivery {
            id: uuid::Uuid::new_v4().to_string(),
            webhook_id,
            event_id,
            kind,
            body,
            status: "pending",
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// Deliveries of a webhook, newest first, at most `limit`.
pub fn list_deliveries(
    conn: &mut DbConnection,
    webhook_id: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit.max(0))
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Claims up to `limit` due pending deliveries for `lease`: each row is
/// taken by a conditional update that only one worker can win.
pub fn claim_due(conn: &mut DbConnection, limit: i64, lease: Duration) -> Result<Vec<DeliveryRow>> {
    let now = crate::clock::now_utc();
    let due = || {
        webhook_deliveries::status.eq("pending").and(
            webhook_deliveries::next_attempt_at.le(now).and(
                webhook_deliveries::locked_until
                    .is_null()
                    .or(webhook_deliveries::locked_until.lt(now)),
            ),
        )
    };
    let ids: Vec<String> = webhook_deliveries::table
        .filter(due())
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit.max(0))
        .select(webhook_deliveries::id)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in ids {
        let won = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&id))
                .filter(due()),
        )
        .set(webhook_deliveries::locked_until.eq(now + lease))
        .execute(conn)?;
        if won == 1 {
            if let Some(row) = webhook_deliveries::table
                .find(&id)
                .select(DeliveryRow::as_select())
                .first(conn)
                .optional()?
            {
                claimed.push(row);
            }
        }
    }
    Ok(claimed)
}

/// Records an attempt: `next` `None` means delivered (2xx), otherwise the
/// next due time, or `failed` when `give_up`.
pub fn record_attempt(
    conn: &mut DbConnection,
    id: &str,
    last_status: Option<i32>,
    last_error: Option<&str>,
    outcome: Outcome,
) -> Result<()> {
    let (status, next) = match outcome {
        Outcome::Delivered => ("delivered", None),
        Outcome::Retry(at) => ("pending", Some(at)),
        Outcome::Failed => ("failed", None),
    };
    let target = webhook_deliveries::table.filter(webhook_deliveries::id.eq(id));
    diesel::update(target)
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::last_status.eq(last_status),
            webhook_deliveries::last_error.eq(last_error),
            webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if let Some(at) = next {
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(id)))
            .set(webhook_deliveries::next_attempt_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

/// What an attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Try again at this time (UTC).
    Retry(NaiveDateTime),
    /// Given up.
    Failed,
}
