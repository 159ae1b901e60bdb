//! Projects: list, create, read, change, delete.

use super::access::{self, Need};
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::{ServiceError, ServiceResult};
use workspace_domain::listing::ProjectSort;
use workspace_domain::work::{NewProject, ProjectPatch};
use workspace_domain::{
    Capability, HourlyRate, LongText, Page, Paged, ProjectId, ShortText, Sort, Username,
};
use workspace_persistence::projects::{
    self, OwnerFilter, ProjectChanges, ProjectFilter, ProjectRecord,
};

/// Whose projects `GET /api/projects` lists (`?owner=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The caller's own (no `?owner=`).
    Me,
    /// One user's, by name (`?owner=alice`).
    Named(String),
    /// Everyone's (`?owner=*`).
    Everyone,
}

impl Owner {
    /// From the `?owner=` value.
    pub fn from_query(owner: Option<String>) -> Self {
        match owner {
            None => Self::Me,
            Some(o) if o == "*" => Self::Everyone,
            Some(o) => Self::Named(o),
        }
    }
}

/// Lists projects: the caller's own, or (analysts, admins) another
/// owner's or everyone's.
pub async fn list(
    svc: &Services,
    caller: &Caller,
    owner: Owner,
    page: Page,
    sort: Option<Sort<ProjectSort>>,
) -> ServiceResult<Paged<ProjectRecord>> {
    let owner = owner_filter(caller, owner)?;
    let filter = ProjectFilter { owner };
    svc.read(move |conn| Ok(projects::list(conn, &filter, page, sort)?))
        .await
}

/// Whose work a list shows: the caller's own, or (analysts, admins)
/// another owner's or everyone's; 403 for others asking for `?owner=`.
pub fn owner_filter(caller: &Caller, owner: Owner) -> ServiceResult<OwnerFilter> {
    Ok(match owner {
        Owner::Me => OwnerFilter::Id(caller.id),
        Owner::Named(name) if Username::key_of(&name) == Username::key_of(&caller.username) => {
            OwnerFilter::Id(caller.id)
        }
        other => {
            caller.require(Capability::ListOthersProjects)?;
            match other {
                Owner::Named(name) => OwnerFilter::Username(name),
                _ => OwnerFilter::All,
            }
        }
    })
}

/// Creates a project owned by the caller.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    new: NewProject,
) -> ServiceResult<ProjectRecord> {
    let owner_id = caller.id;
    let currency = new.currency.unwrap_or(svc.policy().default_currency);
    svc.read(move |conn| {
        Ok(projects::create(
            conn,
            &projects::NewProject {
                owner_id,
                name: new.name.as_str(),
                description: new.description.as_ref().map(LongText::as_str),
                client: new.client.as_ref().map(ShortText::as_str),
                hourly_rate_minor: new.hourly_rate.map(HourlyRate::minor),
                currency: currency.as_str(),
                due_date: new.due_date,
                status: new.status,
            },
        )?)
    })
    .await
}

/// One project.
pub async fn get(svc: &Services, caller: &Caller, id: ProjectId) -> ServiceResult<ProjectRecord> {
    let caller = caller.clone();
    svc.read(move |conn| access::project(conn, &caller, id, Need::Read))
        .await
}

/// Changes some of a project's fields.
pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: ProjectId,
    patch: ProjectPatch,
) -> ServiceResult<ProjectRecord> {
    let caller = caller.clone();
    let changes = changes_of(patch);
    svc.write(move |work| {
        access::project(work.conn(), &caller, id, Need::Write)?;
        Ok(projects::update(work.conn(), id, &changes)?)
    })
    .await
}

fn changes_of(p: ProjectPatch) -> ProjectChanges {
    ProjectChanges {
        name: p.name.map(|n| n.into_inner()),
        description: p.description.map(|d| d.map(LongText::into_inner)),
        client: p.client.map(|c| c.map(ShortText::into_inner)),
        hourly_rate_minor: p.hourly_rate.map(|r| r.map(HourlyRate::minor)),
        currency: p.currency.map(|c| c.as_str().to_owned()),
        due_date: p.due_date,
        status: p.status,
    }
}

/// Deletes a project and its tasks.
pub async fn delete(svc: &Services, caller: &Caller, id: ProjectId) -> ServiceResult<()> {
    let caller = caller.clone();
    svc.write(move |work| {
        access::project(work.conn(), &caller, id, Need::Write)?;
        projects::delete(work.conn(), id).map_err(ServiceError::from)
    })
    .await
}
