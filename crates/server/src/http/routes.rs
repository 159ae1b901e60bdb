//! The route table: one line per route. Every path under `/api` answers a
//! JSON 405 for methods it does not take and unknown paths a JSON 404.
//!
//! A new endpoint adds its line here (and its handler in the resource's
//! module).

use super::error::ApiError;
use super::{accounts, admin, behavior, health, openapi, projects, security, tasks, webhooks};
use crate::services::error::{ErrorCode, ServiceError};
use actix_web::{web, HttpResponse};

/// Registers every REST route under `/api`, one group per area.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let api = web::scope("/api")
        .configure(accounts_routes)
        .configure(work_routes)
        .configure(security_routes)
        .configure(time_routes)
        .service(resource("/openapi.json").route(web::get().to(openapi::serve)))
        .default_service(web::to(api_not_found));
    cfg.service(api);
}

/// Sign-up, sign-in, tokens, the account and its sessions (`/sessions/verify`
/// before `/sessions/{session_id}`: the first match wins).
fn accounts_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, post};
    cfg.service(resource("/register").route(post().to(accounts::register)))
        .service(resource("/login").route(post().to(accounts::login)))
        .service(resource("/start-session").route(post().to(accounts::start_session)))
        .service(resource("/logout").route(post().to(accounts::logout)))
        .service(resource("/me").route(get().to(accounts::me)))
        .service(resource("/sessions/verify").route(post().to(behavior::verify)))
        .service(resource("/account").route(delete().to(super::account::delete_account)))
        .service(resource("/account/password").route(post().to(super::account::change_password)))
        .service(resource("/sessions").route(get().to(super::account::list_sessions)))
        .service(
            resource("/sessions/{session_id}").route(delete().to(super::account::revoke_session)),
        )
        .service(resource("/token/refresh").route(post().to(super::account::refresh)));
}

/// Projects, tasks, labels, comments, search, export and import.
fn work_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post};
    cfg.service(
        resource("/projects")
            .route(get().to(projects::list_projects))
            .route(post().to(projects::create_project)),
    )
    .service(
        resource("/projects/{project_id}")
            .route(get().to(projects::get_project))
            .route(patch().to(projects::update_project))
            .route(delete().to(projects::delete_project)),
    )
    .service(
        resource("/projects/{project_id}/tasks")
            .route(get().to(tasks::list_project_tasks))
            .route(post().to(tasks::create_task)),
    )
    .service(
        resource("/tasks/{task_id}")
            .route(get().to(tasks::get_task))
            .route(patch().to(tasks::update_task))
            .route(delete().to(tasks::delete_task)),
    )
    .service(resource("/tasks").route(get().to(tasks::list_tasks)))
    .service(
        resource("/labels")
            .route(get().to(super::labels::list_labels))
            .route(post().to(super::labels::create_label)),
    )
    .service(
        resource("/labels/{label_id}")
            .route(patch().to(super::labels::update_label))
            .route(delete().to(super::labels::delete_label)),
    )
    .service(
        resource("/tasks/{task_id}/comments")
            .route(get().to(super::comments::list_comments))
            .route(post().to(super::comments::create_comment)),
    )
    .service(
        resource("/comments/{comment_id}")
            .route(patch().to(super::comments::update_comment))
            .route(delete().to(super::comments::delete_comment)),
    )
    .service(resource("/search").route(get().to(super::search::search)))
    .service(resource("/export").route(get().to(super::exchange::export)))
    .service(
        resource("/import")
            .app_data(super::extract::BodyLimit(super::exchange::IMPORT_MAX_BYTES))
            .route(post().to(super::exchange::import)),
    );
}

/// Security events, the monitor and the admin/analyst operations.
fn security_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, post};
    cfg.service(resource("/security-events").route(get().to(security::list_events)))
        .service(
            resource("/security-events/{event_id}/feedback")
                .route(post().to(security::give_feedback)),
        )
        .service(resource("/realtime-monitor").route(get().to(security::monitor)))
        .service(resource("/admin/users").route(get().to(admin::list_users)))
        .service(resource("/admin/users/{username}").route(get().to(admin::user_view)))
        .service(resource("/admin/sessions/{session_id}").route(get().to(admin::session_view)))
        .service(
            resource("/admin/webhooks")
                .route(get().to(webhooks::list_webhooks))
                .route(post().to(webhooks::create_webhook)),
        )
        .service(resource("/admin/webhooks/{id}").route(delete().to(webhooks::delete_webhook)))
        .service(
            resource("/admin/webhooks/{id}/deliveries").route(get().to(webhooks::list_deliveries)),
        )
        .service(resource("/admin/users/{username}/role").route(post().to(admin::change_role)))
        .service(
            resource("/admin/users/{username}/sessions/terminate")
                .route(post().to(admin::terminate_user_sessions)),
        )
        .service(
            resource("/admin/sessions/{session_id}/terminate")
                .route(post().to(admin::terminate_session)),
        )
        .service(
            resource("/admin/users/{username}/profile/reset")
                .route(post().to(behavior::reset_profile)),
        )
        .service(resource("/admin/train-global").route(post().to(behavior::train_global)));
}

/// The timer, time entries, the report and invoices.
fn time_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post};
    cfg.service(
        resource("/timer")
            .route(get().to(super::time::get_timer))
            .route(post().to(super::time::start_timer))
            .route(delete().to(super::time::stop_timer)),
    )
    .service(
        resource("/time-entries")
            .route(get().to(super::time::list_entries))
            .route(post().to(super::time::create_entry)),
    )
    .service(
        resource("/time-entries/{entry_id}")
            .route(get().to(super::time::get_entry))
            .route(patch().to(super::time::update_entry))
            .route(delete().to(super::time::delete_entry)),
    )
    .service(resource("/reports/time").route(get().to(super::time::time_report)))
    .service(
        resource("/invoices")
            .route(get().to(super::invoices::list_invoices))
            .route(post().to(super::invoices::create_invoice)),
    )
    .service(
        resource("/invoices/{invoice_id}")
            .route(get().to(super::invoices::get_invoice))
            .route(patch().to(super::invoices::update_invoice))
            .route(delete().to(super::invoices::delete_invoice)),
    )
    .service(
        resource("/invoices/{invoice_id}/export").route(get().to(super::invoices::export_invoice)),
    );
}

/// `/health` (GET and HEAD): outside `/api`, but like every route its other
/// methods answer a JSON 405 with `Allow`.
pub fn configure_health(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/health")
            .route(web::get().to(health::health))
            .route(web::head().to(health::health)),
    );
}

/// A resource whose other methods answer 405.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError(ServiceError::new(
        ErrorCode::MethodNotAllowed,
        "This path does not accept that HTTP method.",
    )))
}

async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(ServiceError::not_found("endpoint")))
}

/// The JSON 404 of paths outside `/api` that match no page.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(ServiceError::not_found("page")))
}
