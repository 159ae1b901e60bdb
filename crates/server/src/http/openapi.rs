//! The OpenAPI document, generated from the handlers' annotations: each
//! resource module has its own `#[derive(OpenApi)]` struct and this module
//! merges them. A new resource adds one line to [`document`].

use super::{
    accounts, admin, behavior, error::ErrorBody, health, projects, security, tasks, webhooks,
};
use actix_web::HttpResponse;
use utoipa::{
    openapi::{
        path::Operation,
        schema::SchemaType,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, Ref, RefOr, ResponseBuilder,
    },
    Modify, Number, OpenApi,
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

/// The refusals api.md gives every endpoint ("Requests the server
/// refuses") and the 401 of every authenticated one, documented on each operation that can meet them so that no
/// operation answers a status its description leaves out: a body that is
/// not a JSON object (400) or not `application/json` (415), and text with a
/// NUL or invalid UTF-8 in a body, path or query (422). Applied to the
/// merged document, after every resource's annotations.
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                document_refusals(op);
            }
        }
    }
}

/// The bounds the server enforces on the paging parameters: `limit` ≥ 1
/// (larger values are capped, not refused) and `offset` ≥ 0. (An integer
/// beyond `i64` does not parse: 400, documented by [`document_refusals`].)
fn bound_paging_params(op: &mut Operation) {
    use utoipa::openapi::{schema::Type, Schema};
    for param in op.parameters.iter_mut().flatten() {
        let low = match param.name.as_str() {
            "limit" => 1,
            "offset" => 0,
            _ => continue,
        };
        let Some(RefOr::T(Schema::Object(obj))) = param.schema.as_mut() else {
            continue;
        };
        let integer = match &obj.schema_type {
            SchemaType::Type(t) => *t == Type::Integer,
            SchemaType::Array(ts) => ts.contains(&Type::Integer),
            SchemaType::AnyValue => false,
        };
        if integer {
            obj.minimum.get_or_insert(Number::Int(low));
        }
    }
}

fn document_refusals(op: &mut Operation) {
    bound_paging_params(op);
    let takes_query = op
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
    let takes_text =
        op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut codes: Vec<(&str, &str)> = Vec::new();
    // Every operation that takes a bearer token answers 401 when it is
    // missing, expired, revoked or its session has ended.
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        codes.push((
            "401",
            "No valid access token (missing, expired, revoked, or its session ended).",
        ));
    }
    match (takes_query, op.request_body.is_some()) {
        (true, true) => codes.push((
            "400",
            "The body is not a JSON object, or the query string does not parse.",
        )),
        (true, false) => codes.push(("400", "The query string does not parse (`?limit=abc`).")),
        (false, true) => codes.push(("400", "The body is not a JSON object.")),
        (false, false) => {}
    }
    if op.request_body.is_some() {
        codes.push(("415", "The body is not `application/json`."));
    }
    if takes_text {
        codes.push((
            "422",
            "Invalid input (also text with a NUL or invalid UTF-8).",
        ));
    }
    for (code, description) in codes {
        op.responses
            .responses
            .entry(code.to_owned())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                )
            });
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
    Refusals.modify(&mut doc);
    doc
}

/// `GET /api/openapi.json`.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
