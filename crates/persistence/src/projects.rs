//! Projects. Every read returns a [`ProjectRecord`]: the row plus the
//! owner's username, which the API shows as `owner`.
//!
//! Lists are ordered by ascending project id (creation order) unless a
//! [`Sort`] is given; ties are always broken by id, so offset paging is
//! stable under inserts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{InnerJoin, IntoBoxed};
use diesel::prelude::*;
use workspace_domain::listing::ProjectSort;
use workspace_domain::{Page, Paged, ProjectId, ProjectStatus, Sort, UserId};

use crate::connection::{DbConnection, MultiBackend};
use crate::error::{PersistenceError, Result};
use crate::native::on_native;
use crate::paging::{paged, then_by};
use crate::schema::{projects, users};
use crate::sql::lower;

/// A row of `projects`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    /// Id.
    #[diesel(deserialize_as = i64)]
    pub id: ProjectId,
    /// Owner's user id.
    #[diesel(deserialize_as = i64)]
    pub owner_id: UserId,
    /// Name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional client name.
    pub client: Option<String>,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// Status.
    #[diesel(deserialize_as = String)]
    pub status: ProjectStatus,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last update time (UTC).
    pub updated_at: NaiveDateTime,
    /// Optional hourly rate in minor units.
    pub hourly_rate_minor: Option<i64>,
    /// ISO 4217 code.
    pub currency: String,
}

/// A project with its owner's username.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = projects)]
pub struct ProjectRecord {
    /// The project row.
    #[diesel(embed)]
    pub project: ProjectRow,
    /// The owner's username (as typed at registration).
    #[diesel(select_expression = users::username)]
    #[diesel(select_expression_type = users::username)]
    pub owner_username: String,
}

/// Data for [`create`].
#[derive(Debug, Clone, Copy)]
pub struct NewProject<'a> {
    /// Owner's user id.
    pub owner_id: UserId,
    /// Name.
    pub name: &'a str,
    /// Optional description.
    pub description: Option<&'a str>,
    /// Optional client.
    pub client: Option<&'a str>,
    /// Optional hourly rate in minor units.
    pub hourly_rate_minor: Option<i64>,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// Initial status (`active` for new projects).
    pub status: ProjectStatus,
}

#[derive(Insertable)]
#[diesel(table_name = projects)]
struct InsertProject<'a> {
    owner_id: i64,
    name: &'a str,
    description: Option<&'a str>,
    client: Option<&'a str>,
    hourly_rate_minor: Option<i64>,
    currency: &'a str,
    due_date: Option<NaiveDate>,
    status: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A partial update. `None` leaves a field unchanged; for nullable fields
/// `Some(None)` sets it to NULL and `Some(Some(v))` sets it to `v`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectChanges {
    /// New name.
    pub name: Option<String>,
    /// New description or NULL.
    pub description: Option<Option<String>>,
    /// New client or NULL.
    pub client: Option<Option<String>>,
    /// New hourly rate (minor units) or NULL.
    pub hourly_rate_minor: Option<Option<i64>>,
    /// New currency.
    pub currency: Option<String>,
    /// New due date or NULL.
    pub due_date: Option<Option<NaiveDate>>,
    /// New status.
    pub status: Option<ProjectStatus>,
}

impl ProjectChanges {
    /// `true` when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = projects)]
struct ProjectChangeset<'a> {
    name: Option<&'a str>,
    description: Option<Option<&'a str>>,
    client: Option<Option<&'a str>>,
    hourly_rate_minor: Option<Option<i64>>,
    currency: Option<&'a str>,
    due_date: Option<Option<NaiveDate>>,
    status: Option<&'a str>,
    updated_at: NaiveDateTime,
}

impl<'a> ProjectChangeset<'a> {
    fn of(c: &'a ProjectChanges) -> Self {
        Self {
            name: c.name.as_deref(),
            description: c.description.as_ref().map(Option::as_deref),
            client: c.client.as_ref().map(Option::as_deref),
            hourly_rate_minor: c.hourly_rate_minor,
            currency: c.currency.as_deref(),
            due_date: c.due_date,
            status: c.status.map(ProjectStatus::as_str),
            updated_at: crate::clock::now_utc(),
        }
    }
}

/// Whose projects a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerFilter {
    /// One owner, by id.
    Id(UserId),
    /// One owner, by username (case-insensitive; unknown → no rows).
    Username(String),
    /// Everyone's.
    All,
}

/// Filters of [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFilter {
    /// Whose projects.
    pub owner: OwnerFilter,
}

/// Creates a project. [`PersistenceError::ForeignKeyViolation`] when the
/// owner does not exist.
pub fn create(conn: &mut DbConnection, new: &NewProject<'_>) -> Result<ProjectRecord> {
    let now = crate::clock::now_utc();
    create_at(conn, new, now, now)
}

/// [`create`] with given creation and update times (import).
pub fn create_at(
    conn: &mut DbConnection,
    new: &NewProject<'_>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> Result<ProjectRecord> {
    let id: i64 = diesel::insert_into(projects::table)
        .values(&InsertProject {
            owner_id: new.owner_id.get(),
            name: new.name,
            description: new.description,
            client: new.client,
            hourly_rate_minor: new.hourly_rate_minor,
            currency: new.currency,
            due_date: new.due_date,
            status: new.status.as_str(),
            created_at,
            updated_at,
        })
        .returning(projects::id)
        .get_result(conn)?;
    get(conn, ProjectId::new(id))?.ok_or(PersistenceError::NotFound)
}

/// The project with this id, if any.
pub fn get(conn: &mut DbConnection, id: ProjectId) -> Result<Option<ProjectRecord>> {
    // Every task request checks its project's access with this query.
    Ok(on_native!(conn, c => projects::table
        .inner_join(users::table)
        .filter(projects::id.eq(id.get()))
        .select(ProjectRecord::as_select())
        .get_result(c))
    .optional()?)
}

type Filtered<'a> = IntoBoxed<'a, InnerJoin<projects::table, users::table>, MultiBackend>;

fn filtered(filter: &ProjectFilter) -> Filtered<'static> {
    let query = projects::table.inner_join(users::table).into_boxed();
    match &filter.owner {
        OwnerFilter::Id(id) => query.filter(projects::owner_id.eq(id.get())),
        OwnerFilter::Username(name) => {
            query.filter(users::username_key.eq(crate::users::username_key(name)))
        }
        OwnerFilter::All => query,
    }
}

fn sorted(query: Filtered<'static>, sort: Option<Sort<ProjectSort>>) -> Filtered<'static> {
    let Some(Sort { field, descending }) = sort else {
        return query.order(projects::id.asc());
    };
    let query = match field {
        ProjectSort::Name => then_by!(query, lower(projects::name), descending),
        // Projects without a due date come last in both directions.
        ProjectSort::DueDate => {
            let query = query.then_order_by(projects::due_date.is_null().asc());
            then_by!(query, projects::due_date, descending)
        }
        ProjectSort::CreatedAt => then_by!(query, projects::created_at, descending),
        ProjectSort::UpdatedAt => then_by!(query, projects::updated_at, descending),
    };
    query.then_order_by(projects::id.asc())
}

/// One page of the projects matching `filter`, and how many match.
pub fn list(
    conn: &mut DbConnection,
    filter: &ProjectFilter,
    page: Page,
    sort: Option<Sort<ProjectSort>>,
) -> Result<Paged<ProjectRecord>> {
    let items = match (&filter.owner, sort) {
        // The default list (`GET /api/projects`), of static type: run on the
        // concrete connection, its statement is found without rendering SQL.
        (OwnerFilter::Id(owner), None) => on_native!(conn, c => projects::table
                .inner_join(users::table)
                .filter(projects::owner_id.eq(owner.get()))
                .order(projects::id.asc())
                .limit(page.limit)
                .offset(page.offset)
                .select(ProjectRecord::as_select())
                .load(c))?,
        _ => sorted(filtered(filter), sort)
            .limit(page.limit)
            .offset(page.offset)
            .select(ProjectRecord::as_select())
            .load(conn)?,
    };
    paged(items, page, || {
        Ok(filtered(filter).count().get_result(conn)?)
    })
}

/// Applies a partial update and bumps `updated_at` (an empty change set
/// changes nothing). [`PersistenceError::NotFound`] for an unknown id.
pub fn update(
    conn: &mut DbConnection,
    id: ProjectId,
    changes: &ProjectChanges,
) -> Result<ProjectRecord> {
    if !changes.is_empty() {
        let n = diesel::update(projects::table.find(id.get()))
            .set(&ProjectChangeset::of(changes))
            .execute(conn)?;
        if n == 0 {
            return Err(PersistenceError::NotFound);
        }
        // The time report prices entries at the project's current rate.
        if let Some(rate) = changes.hourly_rate_minor {
            crate::time_entries::reprice_project(conn, id.get(), rate)?;
        }
    }
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// Deletes a project and, by cascade, its tasks.
/// [`PersistenceError::NotFound`] for an unknown id.
pub fn delete(conn: &mut DbConnection, id: ProjectId) -> Result<()> {
    let n = diesel::delete(projects::table.find(id.get())).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// Number of projects of an owner.
pub fn count_by_owner(conn: &mut DbConnection, owner_id: UserId) -> Result<i64> {
    Ok(projects::table
        .filter(projects::owner_id.eq(owner_id.get()))
        .count()
        .get_result(conn)?)
}
