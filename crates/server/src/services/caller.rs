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
