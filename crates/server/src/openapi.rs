//! The OpenAPI document, generated from the handlers' annotations.

use crate::{dto, error, routes};
use actix_web::HttpResponse;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Freelancer Workspace API", description = "REST contract of Freelancer Workspace; the websocket protocol is described in docs/api.md."),
    paths(
        routes::health::health,
        routes::accounts::register,
        routes::accounts::login,
        routes::accounts::start_session,
        routes::accounts::logout,
        routes::accounts::me,
        routes::projects::list,
        routes::projects::create,
        routes::projects::get,
        routes::projects::update,
        routes::projects::delete,
        routes::projects::list_tasks,
        routes::projects::create_task,
        routes::tasks::update,
        routes::tasks::delete,
        routes::security::list_events,
        routes::security::monitor,
        routes::admin::change_role,
        routes::admin::terminate_session,
        routes::behavior::verify,
        routes::behavior::reset_profile,
        routes::behavior::train_global,
    ),
    components(schemas(
        error::ErrorBody, dto::RegisterRequest, dto::LoginRequest, dto::UserOut, dto::LoginUser,
        dto::LoginResponse, dto::CreateProject, dto::UpdateProject, dto::ProjectOut,
        dto::CreateTask, dto::UpdateTask, dto::TaskOut, dto::EventOut, dto::RoleRequest,
        dto::RoleResponse, dto::Health, dto::MonitorOut, dto::MonitorSession,
        dto::MonitorTotals, dto::GlobalModelInfo, routes::behavior::VerifyRequest,
        routes::behavior::VerifyResponse,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
