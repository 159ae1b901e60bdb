//! Comments on tasks, oldest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::listing::CommentSort;
use workspace_domain::{CommentId, Page, Paged, Sort, TaskId, UserId};

use crate::connection::DbConnection;
use crate::error::{PersistenceError, Result};
use crate::paging::{paged, then_by};
use crate::schema::{comments, projects, tasks, users};

/// A comment with its author's username and its task's project owner.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRecord {
    /// Id.
    #[diesel(deserialize_as = i64)]
    pub id: CommentId,
    /// Task.
    #[diesel(deserialize_as = i64)]
    pub task_id: TaskId,
    /// Author id.
    #[diesel(deserialize_as = i64)]
    pub author_id: UserId,
    /// Body as typed.
    pub body: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// The author's username.
    #[diesel(select_expression = users::username)]
    #[diesel(select_expression_type = users::username)]
    pub author: String,
}

/// The comment with this id, with the owner of its task's project.
pub fn get_with_owner(
    conn: &mut DbConnection,
    id: CommentId,
) -> Result<Option<(CommentRecord, UserId)>> {
    let found: Option<(CommentRecord, i64)> = comments::table
        .inner_join(users::table)
        .inner_join(tasks::table.inner_join(projects::table))
        .filter(comments::id.eq(id.get()))
        .select((CommentRecord::as_select(), projects::owner_id))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(c, owner)| (c, UserId::new(owner))))
}

fn get(conn: &mut DbConnection, id: CommentId) -> Result<CommentRecord> {
    comments::table
        .inner_join(users::table)
        .filter(comments::id.eq(id.get()))
        .select(CommentRecord::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

/// Adds a comment; `at` sets both times (now when `None`).
pub fn create(
    conn: &mut DbConnection,
    task: TaskId,
    author: UserId,
    body: &str,
    at: Option<(NaiveDateTime, NaiveDateTime)>,
) -> Result<CommentRecord> {
    let now = crate::clock::now_utc();
    let (created_at, updated_at) = at.unwrap_or((now, now));
    let id: i64 = diesel::insert_into(comments::table)
        .values((
            comments::task_id.eq(task.get()),
            comments::author_id.eq(author.get()),
            comments::body.eq(body),
            comments::created_at.eq(created_at),
            comments::updated_at.eq(updated_at),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    get(conn, CommentId::new(id))
}

/// One page of a task's comments (oldest first unless sorted).
pub fn list(
    conn: &mut DbConnection,
    task: TaskId,
    page: Page,
    sort: Option<Sort<CommentSort>>,
) -> Result<Paged<CommentRecord>> {
    let mut query = comments::table
        .inner_join(users::table)
        .filter(comments::task_id.eq(task.get()))
        .into_boxed();
    if let Some(Sort { field, descending }) = sort {
        query = match field {
            CommentSort::CreatedAt => then_by!(query, comments::created_at, descending),
            CommentSort::UpdatedAt => then_by!(query, comments::updated_at, descending),
        };
    }
    let items = query
        .then_order_by(comments::id.asc())
        .limit(page.limit)
        .offset(page.offset)
        .select(CommentRecord::as_select())
        .load(conn)?;
    paged(items, page, || {
        Ok(comments::table
            .filter(comments::task_id.eq(task.get()))
            .count()
            .get_result(conn)?)
    })
}

/// Every comment on the tasks of `owner`'s projects, by id.
pub fn all_on_projects_of(conn: &mut DbConnection, owner: UserId) -> Result<Vec<CommentRecord>> {
    let task_ids = tasks::table
        .inner_join(projects::table)
        .filter(projects::owner_id.eq(owner.get()))
        .select(tasks::id);
    Ok(comments::table
        .inner_join(users::table)
        .filter(comments::task_id.eq_any(task_ids))
        .order(comments::id.asc())
        .select(CommentRecord::as_select())
        .load(conn)?)
}

/// Changes the body.
pub fn update(conn: &mut DbConnection, id: CommentId, body: &str) -> Result<CommentRecord> {
    let n = diesel::update(comments::table.find(id.get()))
        .set((
            comments::body.eq(body),
            comments::updated_at.eq(crate::clock::now_utc()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    get(conn, id)
}

/// Deletes a comment.
pub fn delete(conn: &mut DbConnection, id: CommentId) -> Result<()> {
    let n = diesel::delete(comments::table.find(id.get())).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}
