//! Who is asking: the authenticated caller of a request or websocket.

use super::error::{ServiceError, ServiceResult};
use workspace_domain::{permissions, Actor, Capability, Role, SessionId, UserId};

/// The authenticated caller, with the role as stored now (not as in the
/// token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// User id.
    pub id: UserId,
    /// Current username.
    pub username: String,
    /// Current role.
    pub role: Role,
    /// The monitored session of the token, if any.
    pub session_id: Option<SessionId>,
    /// What the token itself says (for sign-out and refresh).
    pub token: TokenFacts,
}

/// The facts of the caller's token that sign-out and refresh need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenFacts {
    /// Token id.
    pub jti: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// When the holder first signed in, for refreshed plain tokens.
    pub auth_time: Option<i64>,
    /// The session generation it was issued for.
    pub gen: i64,
}

impl Caller {
    /// As a permission actor.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            role: self.role,
        }
    }

    /// `Ok` when the role has the capability, else 403.
    pub fn require(&self, capability: Capability) -> ServiceResult<()> {
        if permissions::allows(self.role, capability) {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }
}
