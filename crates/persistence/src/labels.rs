//! Labels (each user's own) and the labels of tasks.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::listing::LabelSort;
use workspace_domain::{LabelId, Page, Paged, Sort, TaskId, UserId};

use crate::connection::DbConnection;
use crate::error::{PersistenceError, Result};
use crate::paging::{paged, then_by};
use crate::schema::{labels, task_labels};
use crate::sql::lower;

/// A row of `labels`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = labels)]
pub struct LabelRow {
    /// Id.
    #[diesel(deserialize_as = i64)]
    pub id: LabelId,
    /// Owner.
    #[diesel(deserialize_as = i64)]
    pub owner_id: UserId,
    /// Name as given.
    pub name: String,
    /// Lowercase name (unique per owner).
    pub name_key: String,
    /// `#rrggbb`.
    pub color: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = labels)]
struct InsertLabel<'a> {
    owner_id: i64,
    name: &'a str,
    name_key: String,
    color: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The key names are unique by.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Creates a label; [`PersistenceError::Conflict`] when the owner has one
/// of that name (case-insensitively). `at` sets both times (now when `None`).
pub fn create(
    conn: &mut DbConnection,
    owner: UserId,
    name: &str,
    color: &str,
    at: Option<(NaiveDateTime, NaiveDateTime)>,
) -> Result<LabelRow> {
    let now = crate::clock::now_utc();
    let (created_at, updated_at) = at.unwrap_or((now, now));
    Ok(diesel::insert_into(labels::table)
        .values(&InsertLabel {
            owner_id: owner.get(),
            name,
            name_key: name_key(name),
            color,
            created_at,
            updated_at,
        })
        .returning(labels::all_columns)
        .get_result(conn)?)
}

/// The label with this id, if any.
pub fn get(conn: &mut DbConnection, id: LabelId) -> Result<Option<LabelRow>> {
    Ok(labels::table
        .find(id.get())
        .select(LabelRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// One page of an owner's labels.
pub fn list(
    conn: &mut DbConnection,
    owner: UserId,
    page: Page,
    sort: Option<Sort<LabelSort>>,
) -> Result<Paged<LabelRow>> {
    let mut query = labels::table
        .filter(labels::owner_id.eq(owner.get()))
        .into_boxed();
    let Sort { field, descending } = sort.unwrap_or(Sort {
        field: LabelSort::Name,
        descending: false,
    });
    query = match field {
        LabelSort::Name => then_by!(query, lower(labels::name), descending),
        LabelSort::CreatedAt => then_by!(query, labels::created_at, descending),
    };
    let items = query
        .then_order_by(labels::id.asc())
        .limit(page.limit)
        .offset(page.offset)
        .select(LabelRow::as_select())
        .load(conn)?;
    paged(items, page, || {
        Ok(labels::table
            .filter(labels::owner_id.eq(owner.get()))
            .count()
            .get_result(conn)?)
    })
}

/// Every label of an owner, by id.
pub fn all_of(conn: &mut DbConnection, owner: UserId) -> Result<Vec<LabelRow>> {
    Ok(labels::table
        .filter(labels::owner_id.eq(owner.get()))
        .order(labels::id.asc())
        .select(LabelRow::as_select())
        .load(conn)?)
}

/// Renames and/or recolours a label.
pub fn update(
    conn: &mut DbConnection,
    id: LabelId,
    name: Option<&str>,
    color: Option<&str>,
) -> Result<LabelRow> {
    let now = crate::clock::now_utc();
    if let Some(name) = name {
        diesel::update(labels::table.find(id.get()))
            .set((
                labels::name.eq(name),
                labels::name_key.eq(name_key(name)),
                labels::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    if let Some(color) = color {
        diesel::update(labels::table.find(id.get()))
            .set((labels::color.eq(color), labels::updated_at.eq(now)))
            .execute(conn)?;
    }
    get(conn, id)?.ok_or(PersistenceError::NotFound)
}

/// Deletes a label (and it leaves every task).
pub fn delete(conn: &mut DbConnection, id: LabelId) -> Result<()> {
    let n = diesel::delete(labels::table.find(id.get())).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// How many of `ids` are labels of `owner`.
pub fn count_owned(conn: &mut DbConnection, owner: UserId, ids: &[LabelId]) -> Result<i64> {
    let raw: Vec<i64> = ids.iter().map(|i| i.get()).collect();
    Ok(labels::table
        .filter(labels::owner_id.eq(owner.get()))
        .filter(labels::id.eq_any(raw))
        .count()
        .get_result(conn)?)
}

/// Replaces the labels of a task.
pub fn set_for_task(conn: &mut DbConnection, task: TaskId, ids: &[LabelId]) -> Result<()> {
    diesel::delete(task_labels::table.filter(task_labels::task_id.eq(task.get()))).execute(conn)?;
    let mut raw: Vec<i64> = ids.iter().map(|i| i.get()).collect();
    raw.sort_unstable();
    raw.dedup();
    for label_id in raw {
        diesel::insert_into(task_labels::table)
            .values((
                task_labels::task_id.eq(task.get()),
                task_labels::label_id.eq(label_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Removes from a task the labels not owned by `owner` (after a move to
/// another owner's project).
pub fn keep_owned_on_task(conn: &mut DbConnection, task: TaskId, owner: UserId) -> Result<()> {
    let foreign = labels::table
        .filter(labels::owner_id.ne(owner.get()))
        .select(labels::id);
    diesel::delete(
        task_labels::table
            .filter(task_labels::task_id.eq(task.get()))
            .filter(task_labels::label_id.eq_any(foreign)),
    )
    .execute(conn)?;
    Ok(())
}

/// The labels of each of `tasks` (by name), keyed by task.
pub fn of_tasks(
    conn: &mut DbConnection,
    tasks: &[TaskId],
) -> Result<HashMap<TaskId, Vec<LabelRow>>> {
    let raw: Vec<i64> = tasks.iter().map(|i| i.get()).collect();
    let mut out: HashMap<TaskId, Vec<LabelRow>> = HashMap::new();
    if raw.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, LabelRow)> = task_labels::table
        .inner_join(labels::table)
        .filter(task_labels::task_id.eq_any(raw))
        .order((lower(labels::name).asc(), labels::id.asc()))
        .select((task_labels::task_id, LabelRow::as_select()))
        .load(conn)?;
    for (task_id, label) in rows {
        out.entry(TaskId::new(task_id)).or_default().push(label);
    }
    Ok(out)
}
