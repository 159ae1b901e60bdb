//! Behaviour-specific REST endpoints: challenge verification, profile
//! reset and on-demand global training.

use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, ErrorBody},
    extract::required,
    realtime::{monitor::ResetProfiles, trainer::TrainNow, ControlAction},
    security::{Event, Severity},
    state::AppState,
};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use workspace_auth::{password, require};
use workspace_domain::{Capability, Username};
use workspace_persistence::{behavior, users};

/// `POST /api/sessions/verify`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The account password.
    pub password: Option<String>,
}

/// Answer of a successful verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    /// Always true.
    pub verified: bool,
    /// The monitored session.
    pub session_id: String,
}

/// Answers a `challenge`: the right password clears it; a wrong one ends
/// the session (401 `invalid_credentials`, then `session_terminated`).
#[utoipa::path(post, path = "/api/sessions/verify", tag = "behaviour", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn verify(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    let candidate = required(body.into_inner().password, "password")?;
    let sid = user.session_id.ok_or_else(|| {
        ApiError::validation(
            "token",
            "must belong to a monitored session (POST /api/start-session)",
        )
    })?;
    let id = user.id;
    let row = state
        .db(move |conn| {
            users::find_by_id(conn, id)?
                .ok_or_else(|| ApiError::unauthorized("unauthorized", "Sign in again."))
        })
        .await?;
    let ok = web::block(move || password::verify_password(&candidate, &row.password_hash)).await?;
    let rt = state.realtime.clone();
    if ok {
        let passed = ControlAction::ChallengePassed;
        let published = passed.clone();
        let name = user.username.clone();
        state
            .db(move |conn| {
                Event::new("challenge_passed", Severity::Info)
                    .user(Some(id), &name)
                    .session(sid)
                    .record(conn)?;
                rt.publish(conn, sid, &published)
            })
            .await?;
        state.realtime.control_local(sid, passed, false);
        return Ok(HttpResponse::Ok().json(VerifyResponse {
            verified: true,
            session_id: sid.to_string(),
        }));
    }
    let name = user.username.clone();
    let ended = state
        .tx(move |conn| rt.end_session(conn, sid, (id, &name), "challenge_failed", None, json!({})))
        .await?;
    if ended {
        state.realtime.terminated(sid, "challenge_failed");
    }
    Err(ApiError::unauthorized(
        "invalid_credentials",
        "The password is wrong; the session has been ended. Sign in again.",
    ))
}

/// Deletes a user's behaviour profiles; their next windows enroll afresh.
#[utoipa::path(post, path = "/api/admin/users/{username}/profile/reset", tag = "behaviour",
    params(("username" = String, Path, description = "Username (any case)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_profile(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(user.role, Capability::ResetProfiles)?;
    let key = Username::key_of(&path.into_inner());
    let target = state
        .tx(move |conn| {
            let target =
                users::find_by_username(conn, &key)?.ok_or_else(|| ApiError::not_found("user"))?;
            let deleted = behavior::delete_profiles(conn, target.id)?;
            Event::new("profile_reset", Severity::Warning)
                .user(Some(target.id), &target.username)
                .detail(json!({ "deleted_profiles": deleted, "by": user.username }))
                .record(conn)?;
            Ok(target)
        })
        .await?;
    state
        .realtime
        .monitor
        .do_send(ResetProfiles { user_id: target.id });
    Ok(HttpResponse::NoContent().finish())
}

/// Trains the global model now; a `global_model_trained` event follows.
#[utoipa::path(post, path = "/api/admin/train-global", tag = "behaviour",
    responses((status = 202), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn train_global(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    require(user.role, Capability::TrainGlobalModel)?;
    state.realtime.trainer.do_send(TrainNow {
        by: Some(user.username),
    });
    Ok(HttpResponse::Accepted().json(json!({ "status": "training" })))
}
