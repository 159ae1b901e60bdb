//! Labels: each user's own; names unique per user case-insensitively.

use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use workspace_domain::listing::LabelSort;
use workspace_domain::{LabelId, LabelName, Page, Paged, Sort};
use workspace_persistence::labels::{self, LabelRow};
use workspace_persistence::{DbConnection, PersistenceError};

fn conflict(e: PersistenceError) -> ServiceError {
    if e.is_conflict() {
        ServiceError::conflict("You already have a label with that name.")
    } else {
        e.into()
    }
}

/// A label of the caller's, else 404 (another user's labels are not shown).
fn own(conn: &mut DbConnection, caller: &Caller, id: LabelId) -> ServiceResult<LabelRow> {
    match labels::get(conn, id)? {
        Some(l) if l.owner_id == caller.id => Ok(l),
        _ => Err(ServiceError::not_found("label")),
    }
}

/// The caller's labels.
pub async fn list(
    svc: &Services,
    caller: &Caller,
    page: Page,
    sort: Option<Sort<LabelSort>>,
) -> ServiceResult<Paged<LabelRow>> {
    let owner = caller.id;
    svc.read(move |conn| Ok(labels::list(conn, owner, page, sort)?))
        .await
}

/// Creates a label; 409 when the name is taken.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    name: LabelName,
    color: String,
) -> ServiceResult<LabelRow> {
    let owner = caller.id;
    svc.write(move |work| {
        labels::create(work.conn(), owner, name.as_str(), &color, None).map_err(conflict)
    })
    .await
}

/// Renames and/or recolours one of the caller's labels.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: LabelId,
    name: Option<LabelName>,
    color: Option<String>,
) -> ServiceResult<LabelRow> {
    let caller = caller.clone();
    svc.write(move |work| {
        own(work.conn(), &caller, id)?;
        labels::update(
            work.conn(),
            id,
            name.as_ref().map(LabelName::as_str),
            color.as_deref(),
        )
        .map_err(conflict)
    })
    .await
}

/// Deletes one of the caller's labels.
pub async fn delete(svc: &Services, caller: &Caller, id: LabelId) -> ServiceResult<()> {
    let caller = caller.clone();
    svc.write(move |work| {
        own(work.conn(), &caller, id)?;
        Ok(labels::delete(work.conn(), id)?)
    })
    .await
}
