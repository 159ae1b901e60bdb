//! The `Bearer` token extractor. Each request re-reads the user (so a role
//! change or a deleted user takes effect at once) and, for a monitored
//! session, checks that it has not ended.

use crate::{error::ApiError, state::AppState};
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use std::{future::Future, pin::Pin};
use uuid::Uuid;
use workspace_domain::{Actor, Role};
use workspace_persistence::{sessions, users};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// User id.
    pub id: i64,
    /// Current username.
    pub username: String,
    /// Current role (from the database, not the token).
    pub role: Role,
    /// The monitored session of the token, if any.
    pub session_id: Option<Uuid>,
}

impl AuthUser {
    /// As a permission actor.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            role: self.role,
        }
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Verifies a token and loads the caller: the shared path of REST requests
/// and websocket authentication.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.jwt.verify(token)?;
    let user_id = claims.user_id().ok_or_else(invalid_token)?;
    let session_id = match claims.sid.as_deref() {
        Some(sid) => Some(Uuid::parse_str(sid).map_err(|_| invalid_token())?),
        None => None,
    };
    state
        .db(move |conn| {
            let user = users::find_by_id(conn, user_id)?.ok_or_else(invalid_token)?;
            let role = Role::parse(&user.role).map_err(ApiError::internal)?;
            if let Some(sid) = session_id {
                let session = sessions::get(conn, &sid.to_string())?.ok_or_else(invalid_token)?;
                if session.user_id != user.id {
                    return Err(invalid_token());
                }
                if session.ended_at.is_some() {
                    return Err(ApiError::unauthorized(
                        "session_terminated",
                        "This session has ended; sign in again.",
                    ));
                }
            }
            Ok(AuthUser {
                id: user.id,
                username: user.username,
                role,
                session_id,
            })
        })
        .await
}

fn invalid_token() -> ApiError {
    ApiError::unauthorized(
        "unauthorized",
        "The token is missing or not valid; sign in again.",
    )
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| {
                ApiError::unauthorized(
                    "unauthorized",
                    "Send an access token: Authorization: Bearer <token>.",
                )
            })?;
            authenticate(&state, &token).await
        })
    }
}
