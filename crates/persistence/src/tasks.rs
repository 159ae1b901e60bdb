//! Tasks of projects. Lists are ordered by ascending task id unless a
//! [`Sort`] is given; ties are always broken by id.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{case_when, IntoBoxed};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use workspace_domain::listing::TaskSort;
use workspace_domain::{
    LabelId, Page, Paged, ProjectId, Sort, TaskId, TaskPriority, TaskStatus, UserId,
};

use crate::connection::{DbConnection, MultiBackend};
use crate::error::{PersistenceError, Result};
use crate::native::on_native;
use crate::paging::{paged, then_by};
use crate::projects::OwnerFilter;
use crate::schema::{projects, task_labels, tasks, users};
use crate::sql::{lower, lower_nullable};

/// A row of `tasks`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    /// Id.
    #[diesel(deserialize_as = i64)]
    pub id: TaskId,
    /// Project id.
    #[diesel(deserialize_as = i64)]
    pub project_id: ProjectId,
    /// Title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// Status.
    #[diesel(deserialize_as = String)]
    pub status: TaskStatus,
    /// Priority.
    #[diesel(deserialize_as = String)]
    pub priority: TaskPriority,
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
    #[diesel(deserialize_as = i64)]
    pub owner_id: UserId,
}

/// Data for [`create`].
#[derive(Debug, Clone, Copy)]
pub struct NewTask<'a> {
    /// Project id.
    pub project_id: ProjectId,
    /// Title.
    pub title: &'a str,
    /// Optional description.
    pub description: Option<&'a str>,
    /// Status (`todo` for new tasks unless given).
    pub status: TaskStatus,
    /// Priority (`normal` for new tasks unless given).
    pub priority: TaskPriority,
    /// Optional due date.
    pub due_date: Option<NaiveDate>,
    /// Optional estimate in hours.
    pub estimate_hours: Option<f64>,
}

#[derive(Insertable)]
#[diesel(table_name = tasks)]
struct InsertTask<'a> {
    project_id: i64,
    title: &'a str,
    description: Option<&'a str>,
    status: &'a str,
    priority: &'a str,
    due_date: Option<NaiveDate>,
    estimate_hours: Option<f64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A partial update. `None` leaves a field unchanged; for nullable fields
/// `Some(None)` sets NULL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskChanges {
    /// New title.
    pub title: Option<String>,
    /// New description or NULL.
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<TaskStatus>,
    /// New priority.
    pub priority: Option<TaskPriority>,
    /// New due date or NULL.
    pub due_date: Option<Option<NaiveDate>>,
    /// New estimate or NULL.
    pub estimate_hours: Option<Option<f64>>,
    /// Move to this project.
    pub project_id: Option<ProjectId>,
}

impl TaskChanges {
    /// `true` when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = tasks)]
struct TaskChangeset<'a> {
    title: Option<&'a str>,
    description: Option<Option<&'a str>>,
    status: Option<&'a str>,
    priority: Option<&'a str>,
    due_date: Option<Option<NaiveDate>>,
    estimate_hours: Option<Option<f64>>,
    project_id: Option<i64>,
    updated_at: NaiveDateTime,
}

impl<'a> TaskChangeset<'a> {
    fn of(c: &'a TaskChanges) -> Self {
        Self {
            title: c.title.as_deref(),
            description: c.description.as_ref().map(Option::as_deref),
            status: c.status.map(TaskStatus::as_str),
            priority: c.priority.map(TaskPriority::as_str),
            due_date: c.due_date,
            estimate_hours: c.estimate_hours,
            project_id: c.project_id.map(ProjectId::get),
            updated_at: crate::clock::now_utc(),
        }
    }
}

/// Filters of [`list`]; every field narrows the list when set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only tasks of this project.
    pub project_id: Option<ProjectId>,
    /// Only tasks with this status.
    pub status: Option<TaskStatus>,
    /// Only tasks of projects of this owner (or these owners).
    pub owner: Option<OwnerFilter>,
    /// Only tasks with this priority.
    pub priority: Option<TaskPriority>,
    /// Only tasks carrying this label.
    pub label_id: Option<LabelId>,
    /// Only tasks whose title or description contains this text
    /// (case-insensitively).
    pub text: Option<String>,
    /// Only tasks by due date.
    pub due: Option<DueFilter>,
}

impl TaskFilter {
    /// `true` when nothing but the project narrows the list.
    fn only_project(&self) -> bool {
        // Destructured so that a new filter field has to be considered here.
        let Self {
            project_id: _,
            status,
            owner,
            priority,
            label_id,
            text,
            due,
        } = self;
        status.is_none()
            && owner.is_none()
            && priority.is_none()
            && label_id.is_none()
            && text.is_none()
            && due.is_none()
    }
}

/// A due-date filter, in dates already computed in the caller's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueFilter {
    /// Due before this date and not done.
    Before(NaiveDate),
    /// Due within these dates (inclusive).
    Between(NaiveDate, NaiveDate),
    /// No due date.
    None,
}

/// `text` as a LIKE pattern matching it anywhere (`%`, `_` and `\` escaped).
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Creates a task. [`PersistenceError::ForeignKeyViolation`] when the
/// project does not exist.
pub fn create(conn: &mut DbConnection, new: &NewTask<'_>) -> Result<TaskRow> {
    let now = crate::clock::now_utc();
    create_at(conn, new, now, now)
}

/// [`create`] with given creation and update times (import).
pub fn create_at(
    conn: &mut DbConnection,
    new: &NewTask<'_>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> Result<TaskRow> {
    Ok(diesel::insert_into(tasks::table)
        .values(&InsertTask {
            project_id: new.project_id.get(),
            title: new.title,
            description: new.description,
            status: new.status.as_str(),
            priority: new.priority.as_str(),
            due_date: new.due_date,
            estimate_hours: new.estimate_hours,
            created_at,
            updated_at,
        })
        .returning(tasks::all_columns)
        .get_result(conn)?)
}

/// The task with this id, if any.
pub fn get(conn: &mut DbConnection, id: TaskId) -> Result<Option<TaskRow>> {
    Ok(tasks::table
        .find(id.get())
        .select(TaskRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The task with this id and its project's owner id, if any.
pub fn get_with_owner(conn: &mut DbConnection, id: TaskId) -> Result<Option<TaskWithOwner>> {
    // Every change of a task starts with this query.
    Ok(on_native!(conn, c => tasks::table
        .inner_join(projects::table)
        .filter(tasks::id.eq(id.get()))
        .select(TaskWithOwner::as_select())
        .get_result(c))
    .optional()?)
}

type Filtered<'a> = IntoBoxed<'a, tasks::table, MultiBackend>;

fn filtered(filter: &TaskFilter) -> Filtered<'static> {
    let mut query = tasks::table.into_boxed();
    if let Some(project_id) = filter.project_id {
        query = query.filter(tasks::project_id.eq(project_id.get()));
    }
    if let Some(status) = filter.status {
        query = query.filter(tasks::status.eq(status.as_str()));
    }
    match &filter.owner {
        None | Some(OwnerFilter::All) => {}
        Some(OwnerFilter::Id(id)) => {
            let own = projects::table
                .filter(projects::owner_id.eq(id.get()))
                .select(projects::id);
            query = query.filter(tasks::project_id.eq_any(own));
        }
        Some(OwnerFilter::Username(name)) => {
            let theirs = projects::table
                .inner_join(users::table)
                .filter(users::username_key.eq(crate::users::username_key(name)))
                .select(projects::id);
            query = query.filter(tasks::project_id.eq_any(theirs));
        }
    }
    if let Some(priority) = filter.priority {
        query = query.filter(tasks::priority.eq(priority.as_str()));
    }
    if let Some(label) = filter.label_id {
        let labelled = task_labels::table
            .filter(task_labels::label_id.eq(label.get()))
            .select(task_labels::task_id);
        query = query.filter(tasks::id.eq_any(labelled));
    }
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(text);
        query = query.filter(
            lower(tasks::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_nullable(tasks::description)
                    .like(pattern)
                    .escape('\\')
                    .assume_not_null()),
        );
    }
    match filter.due {
        None => {}
        Some(DueFilter::Before(day)) => {
            query = query
                .filter(tasks::due_date.lt(day))
                .filter(tasks::status.ne(TaskStatus::Done.as_str()));
        }
        Some(DueFilter::Between(from, to)) => {
            query = query.filter(tasks::due_date.between(from, to));
        }
        Some(DueFilter::None) => {
            query = query.filter(tasks::due_date.is_null());
        }
    }
    query
}

/// `CASE column WHEN <first> THEN 0 … END`: the declaration order of a
/// four-valued wire enum (`low < normal < high < urgent`,
/// `todo < in_progress < blocked < done`), not the alphabetical one.
macro_rules! rank_of {
    ($column:expr, $all:expr) => {
        case_when::<_, _, Integer>($column.eq($all[0].as_str()), 0)
            .when($column.eq($all[1].as_str()), 1)
            .when($column.eq($all[2].as_str()), 2)
            .otherwise(3)
    };
}

fn sorted(query: Filtered<'static>, sort: Option<Sort<TaskSort>>) -> Filtered<'static> {
    let Some(Sort { field, descending }) = sort else {
        return query.order(tasks::id.asc());
    };
    let query = match field {
        TaskSort::Title => then_by!(query, lower(tasks::title), descending),
        // Tasks without a due date come last in both directions.
        TaskSort::DueDate => {
            let query = query.then_order_by(tasks::due_date.is_null().asc());
            then_by!(query, tasks::due_date, descending)
        }
        TaskSort::Priority => {
            then_by!(
                query,
                rank_of!(tasks::priority, TaskPriority::ALL),
                descending
            )
        }
        TaskSort::Status => then_by!(query, rank_of!(tasks::status, TaskStatus::ALL), descending),
        TaskSort::CreatedAt => then_by!(query, tasks::created_at, descending),
        TaskSort::UpdatedAt => then_by!(query, tasks::updated_at, descending),
    };
    query.then_order_by(tasks::id.asc())
}

/// One page of the tasks matching `filter`, and how many match.
pub fn list(
    conn: &mut DbConnection,
    filter: &TaskFilter,
    page: Page,
    sort: Option<Sort<TaskSort>>,
) -> Result<Paged<TaskRow>> {
    let items = match (filter.project_id, sort) {
        // A project's tasks unfiltered (`GET /api/projects/{id}/tasks`), of
        // static type: run on the concrete connection, its statement is
        // found without rendering SQL.
        (Some(project_id), None) if filter.only_project() => on_native!(conn, c => tasks::table
                .filter(tasks::project_id.eq(project_id.get()))
                .order(tasks::id.asc())
                .limit(page.limit)
                .offset(page.offset)
                .select(TaskRow::as_select())
                .load(c))?,
        _ => sorted(filtered(filter), sort)
            .limit(page.limit)
            .offset(page.offset)
            .select(TaskRow::as_select())
            .load(conn)?,
    };
    paged(items, page, || {
        Ok(filtered(filter).count().get_result(conn)?)
    })
}

/// Applies a partial update and bumps `updated_at` (an empty change set
/// changes nothing). [`PersistenceError::NotFound`] for an unknown id.
pub fn update(conn: &mut DbConnection, id: TaskId, changes: &TaskChanges) -> Result<TaskRow> {
    if changes.is_empty() {
        return get(conn, id)?.ok_or(PersistenceError::NotFound);
    }
    Ok(diesel::update(tasks::table.find(id.get()))
        .set(&TaskChangeset::of(changes))
        .returning(tasks::all_columns)
        .get_result(conn)?)
}

/// Deletes a task. [`PersistenceError::NotFound`] for an unknown id.
pub fn delete(conn: &mut DbConnection, id: TaskId) -> Result<()> {
    let n = diesel::delete(tasks::table.find(id.get())).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// Number of tasks of a project.
pub fn count_by_project(conn: &mut DbConnection, project_id: ProjectId) -> Result<i64> {
    Ok(tasks::table
        .filter(tasks::project_id.eq(project_id.get()))
        .count()
        .get_result(conn)?)
}
