//! Projects. Every read returns a [`ProjectRecord`]: the row plus the
//! owner's username, which the API shows as `owner`.
//!
//! Lists are ordered by ascending project id (creation order), which is
//! stable under inserts for offset paging.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::{PersistenceError, Result};
use crate::schema::{projects, users};

/// A row of `projects`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    /// Id.
    pub id: i64,
    /// Owner's user id.
    pub owner_id: i64,
    /// Name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional client name.
    pub client: Option<String>,
    /// Optional hourly rate.
    pub hourly_rate: Option<f64>,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// `active`, `on_hold`, `completed` or `archived`.
    pub status: String,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last update time (UTC).
    pub updated_at: NaiveDateTime,
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
#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = projects)]
pub struct NewProject<'a> {
    /// Owner's user id.
    pub owner_id: i64,
    /// Name.
    pub name: &'a str,
    /// Optional description.
    pub description: Option<&'a str>,
    /// Optional client.
    pub client: Option<&'a str>,
    /// Optional hourly rate.
    pub hourly_rate: Option<f64>,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// Initial status (`active` for new projects).
    pub status: &'a str,
}

/// A partial update. `None` leaves a field unchanged; for nullable fields
/// `Some(None)` sets it to NULL and `Some(Some(v))` sets it to `v`.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = projects)]
pub struct ProjectChanges {
    /// New name.
    pub name: Option<String>,
    /// New description or NULL.
    pub description: Option<Option<String>>,
    /// New client or NULL.
    pub client: Option<Option<String>>,
    /// New hourly rate or NULL.
    pub hourly_rate: Option<Option<f64>>,
    /// New due date or NULL.
    pub due_date: Option<Option<NaiveDate>>,
    /// New status.
    pub status: Option<String>,
}

impl ProjectChanges {
    /// `true` when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Creates a project. [`PersistenceError::ForeignKeyViolation`] when the
/// owner does not exist.
pub fn create(conn: &mut DbConnection, new: &NewProject<'_>) -> Result<ProjectRecord> {
    let now = crate::now_utc();
    let id: i64 = diesel::insert_into(projects::table)
        .values((
            new,
            projects::created_at.eq(now),
            projects::updated_at.eq(now),
        ))
        .returning(projects::id)
        .get_result(conn)?;
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// The project with this id, if any.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<ProjectRecord>> {
    Ok(projects::table
        .inner_join(users::table)
        .filter(projects::id.eq(id))
        .select(ProjectRecord::as_select())
        .get_result(conn)
        .optional()?)
}

/// Projects of one owner, by ascending id.
pub fn list_by_owner(
    conn: &mut DbConnection,
    owner_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<ProjectRecord>> {
    Ok(projects::table
        .inner_join(users::table)
        .filter(projects::owner_id.eq(owner_id))
        .order(projects::id.asc())
        .limit(limit)
        .offset(offset)
        .select(ProjectRecord::as_select())
        .load(conn)?)
}

/// Projects of every owner (`owner_username = None`, the API's `?owner=*`)
/// or of the owner with that username (case-insensitive; an unknown name
/// yields an empty list), by ascending id.
pub fn list_all(
    conn: &mut DbConnection,
    owner_username: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ProjectRecord>> {
    let mut query = projects::table
        .inner_join(users::table)
        .order(projects::id.asc())
        .limit(limit)
        .offset(offset)
        .select(ProjectRecord::as_select())
        .into_boxed();
    if let Some(name) = owner_username {
        query = query.filter(users::username_key.eq(crate::users::username_key(name)));
    }
    Ok(query.load(conn)?)
}

/// Applies a partial update and bumps `updated_at` (an empty change set
/// changes nothing). [`PersistenceError::NotFound`] for an unknown id.
pub fn update(conn: &mut DbConnection, id: i64, changes: &ProjectChanges) -> Result<ProjectRecord> {
    if !changes.is_empty() {
        let n = diesel::update(projects::table.find(id))
            .set((changes, projects::updated_at.eq(crate::now_utc())))
            .execute(conn)?;
        if n == 0 {
            return Err(PersistenceError::NotFound);
        }
    }
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// Deletes a project and, by cascade, its tasks.
/// [`PersistenceError::NotFound`] for an unknown id.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<()> {
    let n = diesel::delete(projects::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// Number of projects of an owner.
pub fn count_by_owner(conn: &mut DbConnection, owner_id: i64) -> Result<i64> {
    Ok(projects::table
        .filter(projects::owner_id.eq(owner_id))
        .count()
        .get_result(conn)?)
}
