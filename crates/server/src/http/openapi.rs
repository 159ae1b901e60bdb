//! The OpenAPI document, generated from the handlers' annotations: each
//! resource module has its own `#[derive(OpenApi)]` struct and this module
//! merges them. A new resource adds one line to [`document`].

use super::{
    accounts, admin, behavior, error::ErrorBody, health, projects, security, tasks, webhooks,
};
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

/// The document's frame: title, the error body, the bearer scheme.
#[derive(OpenApi)]
#[openapi(
    info(title = "Freelancer Workspace API", description = "REST contract of Freelancer Workspace; the websocket protocol is described in docs/api.md."),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(health::HealthDoc::openapi());
    doc.merge(accounts::AccountsDoc::openapi());
    doc.merge(projects::ProjectsDoc::openapi());
    doc.merge(tasks::TasksDoc::openapi());
    doc.merge(security::SecurityDoc::openapi());
    doc.merge(admin::AdminDoc::openapi());
    doc.merge(webhooks::WebhooksDoc::openapi());
    doc.merge(behavior::BehaviorDoc::openapi());
    doc.merge(super::account::AccountDoc::openapi());
    doc.merge(super::labels::LabelsDoc::openapi());
    doc.merge(super::comments::CommentsDoc::openapi());
    doc.merge(super::search::SearchDoc::openapi());
    doc.merge(super::exchange::ExchangeDoc::openapi());
    doc.merge(super::time::TimeDoc::openapi());
    doc.merge(super::invoices::InvoicesDoc::openapi());
    doc
}

/// `GET /api/openapi.json`.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
