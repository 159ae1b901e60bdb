//! Behaviour endpoints: challenge verification, profile reset, on-demand
//! global training.

use super::auth::AuthUser;
use super::error::{ApiResult, ErrorBody};
use super::extract::{required, Json};
use crate::services::core::Services;
use crate::services::error::ServiceError;
use crate::services::{behavior, sessions};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{OpenApi, ToSchema};
use workspace_domain::SessionId;

/// `POST /api/sessions/verify`.
#[derive(Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The account password.
    #[schema(required, value_type = String)]
    pub password: Option<String>,
}

/// Answer of a successful verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    /// Always true.
    pub verified: bool,
    /// The monitored session.
    #[schema(value_type = String)]
    pub session_id: SessionId,
    /// A fresh token for the same session; tokens issued before it for
    /// this session are refused from now on.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the new token expires.
    pub expires_in: i64,
}

/// Answers a `challenge`: the right password clears it and answers a fresh
/// token for the session (older ones are refused from then on); the third
/// wrong one ends
/// the session (401 `invalid_credentials`, then `session_terminated`).
#[utoipa::path(post, path = "/api/sessions/verify", tag = "behaviour", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn verify(
    svc: web::Data<Services>,
    user: AuthUser,
    body: Json<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    let candidate = required(body.into_inner().password, "password")?;
    let signed_in = sessions::verify_challenge(&svc, &user, candidate).await?;
    Ok(HttpResponse::Ok().json(VerifyResponse {
        verified: true,
        session_id: signed_in
            .session_id
            .ok_or_else(|| ServiceError::internal("verified token without a session"))?,
        access_token: signed_in.access_token,
        token_type: "Bearer",
        expires_in: signed_in.expires_in,
    }))
}

/// Deletes a user's behaviour profiles; their next windows enroll afresh.
#[utoipa::path(post, path = "/api/admin/users/{username}/profile/reset", tag = "behaviour",
    params(("username" = String, Path, description = "Username (any case)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_profile(
    svc: web::Data<Services>,
    user: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    behavior::reset_profiles(&svc, &user, &path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Trains the global model now; a `global_model_trained` event follows.
#[utoipa::path(post, path = "/api/admin/train-global", tag = "behaviour",
    responses((status = 202), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn train_global(svc: web::Data<Services>, user: AuthUser) -> ApiResult<HttpResponse> {
    behavior::request_training(&svc, &user)?;
    Ok(HttpResponse::Accepted().json(json!({ "status": "training" })))
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(verify, reset_profile, train_global),
    components(schemas(VerifyRequest, VerifyResponse))
)]
pub struct BehaviorDoc;
