//! Security operations for analysts: the user list of the console (and,
//! with it, feedback on events).

use super::caller::Caller;
use super::core::Services;
use super::error::ServiceResult;
use workspace_domain::{Capability, Page, Paged};
use workspace_persistence::user_overview::{self, UserFilter, UserOverview};

/// `GET /api/admin/users` (analysts, admins): users by username with live
/// sessions, last activity and profile states.
pub async fn list_users(
    svc: &Services,
    caller: &Caller,
    filter: UserFilter,
    page: Page,
) -> ServiceResult<Paged<UserOverview>> {
    caller.require(Capability::ListUsers)?;
    svc.read(move |conn| Ok(user_overview::list(conn, &filter, page)?))
        .await
}
