//! Tasks of projects. Lists are ordered by ascending task id.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::{PersistenceError, Result};
use crate::schema::{projects, tasks};

/// A row of `tasks`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    /// Id.
    pub id: i64,
    /// Project id.
    pub project_id: i64,
    /// Title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// `todo`, `in_progress`, `blocked` or `done`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// Optional estimate in hours.
    pub estimate_hours: Option<f64>,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last update time (UTC).
    pub updated_at: NaiveDateTime,
}

/// A task with the owner id of its project, for permission checks in one
/// query.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct TaskWithOwner {
    /// The task row.
    #[diesel(embed)]
    pub task: TaskRow,
    /// `projects.owner_id` of the task's project.
    #[diesel(select_expression = projects::owner_id)]
    #[diesel(select_expression_type = projects::owner_id)]
    pub owner_id: i64,
}

/// Data for [`create`].
#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask<'a> {
    /// Project id.
    pub project_id: i64,
    /// Title.
    pub title: &'a str,
    /// Optional description.
    pub description: Option<&'a str>,
    /// Status (`todo` for new tasks unless given).
    pub status: &'a str,
    /// Priority (`normal` for new tasks unless given).
    pub priority: &'a str,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// Optional estimate in hours.
    pub estimate_hours: Option<f64>,
}

/// A partial update. `None` leaves a field unchanged; for nullable fields
/// `Some(None)` sets NULL.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    /// New title.
    pub title: Option<String>,
    /// New description or NULL.
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<String>,
    /// New priority.
    pub priority: Option<String>,
    /// New due date or NULL.
    pub due_date: Option<Option<NaiveDate>>,
    /// New estimate or NULL.
    pub estimate_hours: Option<Option<f64>>,
}

impl TaskChanges {
    /// `true` when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Creates a task. [`PersistenceError::ForeignKeyViolation`] when the
/// project does not exist.
pub fn create(conn: &mut DbConnection, new: &NewTask<'_>) -> Result<TaskRow> {
    let now = crate::now_utc();
    Ok(diesel::insert_into(tasks::table)
        .values((new, tasks::created_at.eq(now), tasks::updated_at.eq(now)))
        .returning(tasks::all_columns)
        .get_result(conn)?)
}

/// The task with this id, if any.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<TaskRow>> {
    Ok(tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The task with this id and its project's owner id, if any.
pub fn get_with_owner(conn: &mut DbConnection, id: i64) -> Result<Option<TaskWithOwner>> {
    Ok(tasks::table
        .inner_join(projects::table)
        .filter(tasks::id.eq(id))
        .select(TaskWithOwner::as_select())
        .get_result(conn)
        .optional()?)
}

/// Tasks of a project, optionally only those with `status`, by ascending id.
pub fn list_by_project(
    conn: &mut DbConnection,
    project_id: i64,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<TaskRow>> {
    let mut query = tasks::table
        .filter(tasks::project_id.eq(project_id))
        .order(tasks::id.asc())
        .limit(limit)
        .offset(offset)
        .select(TaskRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(tasks::status.eq(status));
    }
    Ok(query.load(conn)?)
}

/// Applies a partial update and bumps `updated_at` (an empty change set
/// changes nothing). [`PersistenceError::NotFound`] for an unknown id.
pub fn update(conn: &mut DbConnection, id: i64, changes: &TaskChanges) -> Result<TaskRow> {
    if changes.is_empty() {
        return get(conn, id)?.ok_or(PersistenceError::NotFound);
    }
    Ok(diesel::update(tasks::table.find(id))
        .set((changes, tasks::updated_at.eq(crate::now_utc())))
        .returning(tasks::all_columns)
        .get_result(conn)?)
}

/// Deletes a task. [`PersistenceError::NotFound`] for an unknown id.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<()> {
    let n = diesel::delete(tasks::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// Number of tasks of a project.
pub fn count_by_project(conn: &mut DbConnection, project_id: i64) -> Result<i64> {
    Ok(tasks::table
        .filter(tasks::project_id.eq(project_id))
        .count()
        .get_result(conn)?)
}
