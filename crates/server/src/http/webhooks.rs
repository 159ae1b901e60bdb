//! Webhooks (admins): where security events are POSTed, and their
//! deliveries.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{required, Json};
use super::wire::ser_time;
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::webhooks::{self, AllowPrivate, NewWebhook};
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use workspace_domain::{EventKind, Severity};
use workspace_persistence::webhooks::{DeliveryRow, WebhookRow};

/// `POST /api/admin/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookRequest {
    /// `http(s)://…`; loopback/private targets need `WEBHOOK_ALLOW_PRIVATE=true`.
    #[schema(required, value_type = String)]
    pub url: Option<String>,
    /// Event kinds to deliver; `null` or absent: every kind.
    pub kinds: Option<Vec<String>>,
    /// Lowest severity delivered (`info`, `warning`, `critical`).
    #[schema(pattern = "^(info|warning|critical)$")]
    pub min_severity: Option<String>,
}

/// A webhook (the secret only in the creation answer).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    /// Id.
    pub id: i64,
    /// Target.
    pub url: String,
    /// Kinds delivered, `null` for all.
    pub kinds: Option<Vec<String>>,
    /// Lowest severity delivered.
    pub min_severity: Option<String>,
    /// When created.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Signing secret: only in the answer to the creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn out(w: WebhookRow, with_secret: bool) -> WebhookOut {
    WebhookOut {
        id: w.id,
        kinds: w.kinds.and_then(|k| serde_json::from_str(&k).ok()),
        min_severity: w.min_severity,
        created_at: w.created_at,
        secret: with_secret.then_some(w.secret),
        url: w.url,
    }
}

/// One delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// The delivery UUID (`X-Workspace-Delivery`).
    pub id: String,
    /// The event delivered.
    pub event_id: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// HTTP status of the last attempt.
    pub last_status: Option<i32>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// When the next attempt is due (pending only).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<String>,
}

impl From<DeliveryRow> for DeliveryOut {
    fn from(d: DeliveryRow) -> Self {
        Self {
            next_attempt_at: (d.status == "pending")
                .then(|| super::wire::rfc3339(&d.next_attempt_at)),
            id: d.id,
            event_id: d.event_id,
            status: d.status,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
        }
    }
}

/// Creates a webhook (admins): 201 with its `secret`, shown only here.
#[utoipa::path(post, path = "/api/admin/webhooks", tag = "admin", request_body = WebhookRequest,
    responses((status = 201, body = WebhookOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_webhook(
    svc: web::Data<Services>,
    allow: web::Data<AllowPrivate>,
    user: AuthUser,
    body: Json<WebhookRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let url = required(b.url, "url")?;
    let kinds = b
        .kinds
        .map(|ks| {
            ks.iter()
                .map(|k| {
                    EventKind::parse(k)
                        .map_err(|_| ServiceError::invalid("kinds", format!("unknown kind {k:?}")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let min_severity = b
        .min_severity
        .map(|s| Severity::parse(&s))
        .transpose()
        .map_err(|_| ServiceError::invalid("min_severity", "must be info, warning or critical"))?;
    let hook = webhooks::create(
        &svc,
        &user,
        NewWebhook {
            url,
            kinds,
            min_severity,
        },
        allow.0,
    )
    .await?;
    Ok(HttpResponse::Created().json(out(hook, true)))
}

/// Lists webhooks (admins), without secrets.
#[utoipa::path(get, path = "/api/admin/webhooks", tag = "admin",
    responses((status = 200, body = [WebhookOut]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_webhooks(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    let hooks = webhooks::list(&svc, &user).await?;
    Ok(HttpResponse::Ok().json(hooks.into_iter().map(|h| out(h, false)).collect::<Vec<_>>()))
}

/// Deletes a webhook and its deliveries (admins).
#[utoipa::path(delete, path = "/api/admin/webhooks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_webhook(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    webhooks::delete(&svc, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's latest deliveries, newest first (admins).
#[utoipa::path(get, path = "/api/admin/webhooks/{id}/deliveries", tag = "admin",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = [DeliveryOut]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_deliveries(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let rows = webhooks::deliveries(&svc, &user, path.into_inner(), 200).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(DeliveryOut::from).collect::<Vec<_>>()))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(create_webhook, list_webhooks, delete_webhook, list_deliveries),
    components(schemas(WebhookRequest, WebhookOut, DeliveryOut))
)]
pub struct WebhooksDoc;
