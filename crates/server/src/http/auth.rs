//! The `Bearer` token extractor: [`AuthUser`] is the authenticated
//! [`Caller`] of a request (see [`sessions::authenticate`]).

use super::error::ApiError;
use crate::services::{caller::Caller, core::Services, error::ServiceError, sessions};
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use std::ops::Deref;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Caller);

impl Deref for AuthUser {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let services =
                services.ok_or_else(|| ServiceError::internal("services are not registered"))?;
            let token = token.ok_or_else(|| {
                ServiceError::new(
                    crate::services::error::ErrorCode::Unauthorized,
                    "Send an access token: Authorization: Bearer <token>.",
                )
            })?;
            Ok(AuthUser(sessions::authenticate(&services, &token).await?))
        })
    }
}
