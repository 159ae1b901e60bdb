//! HTTP routes, one module per resource.

pub mod accounts;
pub mod admin;
pub mod behavior;
pub mod health;
pub mod projects;
pub mod security;
pub mod tasks;

use crate::error::ApiError;
use actix_web::{web, HttpResponse};

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed())
}

async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("endpoint"))
}

/// Registers every REST route under `/api`, each resource answering 405 for
/// methods it does not take and `/api/*` answering a JSON 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let nope = || web::to(method_not_allowed);
    cfg.service(
        web::scope("/api")
            .service(
                web::resource("/register")
                    .route(web::post().to(accounts::register))
                    .default_service(nope()),
            )
            .service(
                web::resource("/login")
                    .route(web::post().to(accounts::login))
                    .default_service(nope()),
            )
            .service(
                web::resource("/start-session")
                    .route(web::post().to(accounts::start_session))
                    .default_service(nope()),
            )
            .service(
                web::resource("/logout")
                    .route(web::post().to(accounts::logout))
                    .default_service(nope()),
            )
            .service(
                web::resource("/me")
                    .route(web::get().to(accounts::me))
                    .default_service(nope()),
            )
            .service(
                web::resource("/projects")
                    .route(web::get().to(projects::list))
                    .route(web::post().to(projects::create))
                    .default_service(nope()),
            )
            .service(
                web::resource("/projects/{project_id}")
                    .route(web::get().to(projects::get))
                    .route(web::patch().to(projects::update))
                    .route(web::delete().to(projects::delete))
                    .default_service(nope()),
            )
            .service(
                web::resource("/projects/{project_id}/tasks")
                    .route(web::get().to(projects::list_tasks))
                    .route(web::post().to(projects::create_task))
                    .default_service(nope()),
            )
            .service(
                web::resource("/tasks/{task_id}")
                    .route(web::patch().to(tasks::update))
                    .route(web::delete().to(tasks::delete))
                    .default_service(nope()),
            )
            .service(
                web::resource("/security-events")
                    .route(web::get().to(security::list_events))
                    .default_service(nope()),
            )
            .service(
                web::resource("/realtime-monitor")
                    .route(web::get().to(security::monitor))
                    .default_service(nope()),
            )
            .service(
                web::resource("/admin/users/{username}/role")
                    .route(web::post().to(admin::change_role))
                    .default_service(nope()),
            )
            .service(
                web::resource("/admin/sessions/{session_id}/terminate")
                    .route(web::post().to(admin::terminate_session))
                    .default_service(nope()),
            )
            .service(
                web::resource("/sessions/verify")
                    .route(web::post().to(behavior::verify))
                    .default_service(nope()),
            )
            .service(
                web::resource("/admin/users/{username}/profile/reset")
                    .route(web::post().to(behavior::reset_profile))
                    .default_service(nope()),
            )
            .service(
                web::resource("/admin/train-global")
                    .route(web::post().to(behavior::train_global))
                    .default_service(nope()),
            )
            .service(
                web::resource("/openapi.json")
                    .route(web::get().to(crate::openapi::serve))
                    .default_service(nope()),
            )
            .default_service(web::to(api_not_found)),
    );
}
