//! Liveness and database health.

use crate::services::{core::Services, system};
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Server version.
    pub version: &'static str,
}

/// `GET /health`: 200 when the database answers, 503 `degraded` otherwise.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(svc: web::Data<Services>) -> HttpResponse {
    let h = system::health(&svc).await;
    let body = Health {
        status: if h.database_ok { "ok" } else { "degraded" },
        database: h.backend,
        version: env!("CARGO_PKG_VERSION"),
    };
    if h.database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(health), components(schemas(Health)))]
pub struct HealthDoc;
