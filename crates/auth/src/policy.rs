//! Role policy: checks a role against the capability table of the domain.

use crate::error::AuthError;
use workspace_domain::{permissions, Capability, Role};

/// `Ok(())` when the role has the capability, else [`AuthError::Forbidden`].
pub fn require(role: Role, capability: Capability) -> Result<(), AuthError> {
    if permissions::allows(role, capability) {
        Ok(())
    } else {
        Err(AuthError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_follows_the_table() {
        assert!(require(Role::Admin, Capability::ChangeRoles).is_ok());
        assert!(require(Role::Analyst, Capability::ChangeRoles).is_err());
        assert!(require(Role::Analyst, Capability::ReadSecurityEvents).is_ok());
        assert!(require(Role::User, Capability::ReadSecurityEvents).is_err());
    }
}
