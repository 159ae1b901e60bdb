//! Liveness and database health.

use crate::{dto::Health, state::AppState};
use actix_web::{web, HttpResponse};

/// `GET /health`: 200 when the database answers, 503 `degraded` otherwise.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let ok = web::block(move || db.ping().is_ok()).await.unwrap_or(false);
    let body = Health {
        status: if ok { "ok" } else { "degraded" },
        database: state.db.backend().as_str(),
        version: env!("CARGO_PKG_VERSION"),
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
