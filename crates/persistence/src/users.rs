//! Users: accounts with a case-insensitively unique username and a role.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::{Role, UserId};

use crate::connection::{transaction, DbConnection};
use crate::error::{PersistenceError, Result};
use crate::schema::users;

/// A row of `users`. `Debug` omits the password hash.
#[derive(Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Id.
    #[diesel(deserialize_as = i64)]
    pub id: UserId,
    /// Username as typed at registration.
    pub username: String,
    /// Lowercase username (unique).
    pub username_key: String,
    /// bcrypt hash. Never log it.
    pub password_hash: String,
    /// Optional e-mail address.
    pub email: Option<String>,
    /// The role.
    #[diesel(deserialize_as = String)]
    pub role: Role,
    /// Creation time (UTC).
    pub created_at: NaiveDateTime,
    /// Last update time (UTC).
    pub updated_at: NaiveDateTime,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// Data for [`create`]. `username_key` is derived from `username`.
#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    /// Username as typed (already validated by the domain).
    pub username: &'a str,
    /// bcrypt hash.
    pub password_hash: &'a str,
    /// Optional e-mail.
    pub email: Option<&'a str>,
    /// The role.
    pub role: Role,
}

impl std::fmt::Debug for NewUser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct InsertUser<'a> {
    username: &'a str,
    username_key: &'a str,
    password_hash: &'a str,
    email: Option<&'a str>,
    role: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The case-insensitive key of a username (its lowercase form).
pub fn username_key(username: &str) -> String {
    username.to_lowercase()
}

/// Creates a user. [`PersistenceError::Conflict`] when the username is taken
/// (compared case-insensitively).
pub fn create(conn: &mut DbConnection, new: &NewUser<'_>) -> Result<UserRow> {
    let now = crate::clock::now_utc();
    let key = username_key(new.username);
    let row = diesel::insert_into(users::table)
        .values(&InsertUser {
            username: new.username,
            username_key: &key,
            password_hash: new.password_hash,
            email: new.email,
            role: new.role.as_str(),
            created_at: now,
            updated_at: now,
        })
        .returning(users::all_columns)
        .get_result(conn)?;
    Ok(row)
}

/// The user with this id, if any.
pub fn find_by_id(conn: &mut DbConnection, id: UserId) -> Result<Option<UserRow>> {
    Ok(users::table
        .find(id.get())
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The user with this username, compared case-insensitively.
pub fn find_by_username(conn: &mut DbConnection, username: &str) -> Result<Option<UserRow>> {
    Ok(users::table
        .filter(users::username_key.eq(username_key(username)))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Users ordered by id.
pub fn list(conn: &mut DbConnection, limit: i64, offset: i64) -> Result<Vec<UserRow>> {
    Ok(users::table
        .order(users::id.asc())
        .limit(limit)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Number of users.
pub fn count(conn: &mut DbConnection) -> Result<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// Number of users with role `admin`.
pub fn count_admins(conn: &mut DbConnection) -> Result<i64> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .count()
        .get_result(conn)?)
}

/// Sets a user's role unconditionally (no last-admin guard; see
/// [`change_role`]). [`PersistenceError::NotFound`] for an unknown id.
pub fn update_role(conn: &mut DbConnection, id: UserId, role: Role) -> Result<UserRow> {
    Ok(diesel::update(users::table.find(id.get()))
        .set((
            users::role.eq(role.as_str()),
            users::updated_at.eq(crate::clock::now_utc()),
        ))
        .returning(users::all_columns)
        .get_result(conn)?)
}

/// Sets a user's password hash. [`PersistenceError::NotFound`] for an unknown id.
pub fn update_password_hash(
    conn: &mut DbConnection,
    id: UserId,
    password_hash: &str,
) -> Result<()> {
    let n = diesel::update(users::table.find(id.get()))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(crate::clock::now_utc()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// Outcome of [`change_role`].
#[derive(Debug, Clone, PartialEq)]
pub enum RoleChange {
    /// The role was set (possibly to the same value).
    Changed {
        /// The user after the change.
        user: UserRow,
        /// The role before the change.
        previous_role: Role,
    },
    /// Refused: the user is the last admin and the new role is not admin.
    WouldRemoveLastAdmin,
}

/// Atomically changes the role of the user named `username`
/// (case-insensitive) unless that would leave no admin.
///
/// Runs in its own transaction (or a savepoint when already inside one). On
/// PostgreSQL the admin rows are locked (`FOR UPDATE`) so two concurrent
/// demotions cannot both pass the check; on SQLite the transaction takes the
/// write lock up front. [`PersistenceError::NotFound`] for an unknown user.
pub fn change_role(conn: &mut DbConnection, username: &str, new_role: Role) -> Result<RoleChange> {
    transaction(conn, |conn| {
        let Some(user) = find_by_username(conn, username)? else {
            return Err(PersistenceError::NotFound);
        };
        if user.role == Role::Admin && new_role != Role::Admin {
            let admins = match conn {
                DbConnection::Postgresql(pg) => users::table
                    .filter(users::role.eq(Role::Admin.as_str()))
                    .select(users::id)
                    .for_update()
                    .load::<i64>(pg)?
                    .len(),
                DbConnection::Sqlite(_) => {
                    usize::try_from(count_admins(conn)?).unwrap_or(usize::MAX)
                }
            };
            if admins <= 1 {
                return Ok(RoleChange::WouldRemoveLastAdmin);
            }
        }
        let previous_role = user.role;
        let user = update_role(conn, user.id, new_role)?;
        Ok(RoleChange::Changed {
            user,
            previous_role,
        })
    })
}

/// Deletes a user (projects, tasks, sessions, profiles and windows cascade;
/// security events keep the username). [`PersistenceError::NotFound`] for an
/// unknown id.
pub fn delete(conn: &mut DbConnection, id: UserId) -> Result<()> {
    let n = diesel::delete(users::table.find(id.get())).execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// The outcome of [`delete_unless_last_admin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// The user row is gone (with everything that cascades).
    Deleted,
    /// Refused: the user is the last admin.
    WouldRemoveLastAdmin,
}

/// Deletes a user unless it is the last admin, with the same locking as
/// [`change_role`] (admin rows `FOR UPDATE` on PostgreSQL).
/// [`PersistenceError::NotFound`] for an unknown id.
pub fn delete_unless_last_admin(conn: &mut DbConnection, id: UserId) -> Result<Deletion> {
    transaction(conn, |conn| {
        let Some(user) = find_by_id(conn, id)? else {
            return Err(PersistenceError::NotFound);
        };
        if user.role == Role::Admin {
            let admins = match conn {
                DbConnection::Postgresql(pg) => users::table
                    .filter(users::role.eq(Role::Admin.as_str()))
                    .select(users::id)
                    .for_update()
                    .load::<i64>(pg)?
                    .len(),
                DbConnection::Sqlite(_) => {
                    usize::try_from(count_admins(conn)?).unwrap_or(usize::MAX)
                }
            };
            if admins <= 1 {
                return Ok(Deletion::WouldRemoveLastAdmin);
            }
        }
        delete(conn, id)?;
        Ok(Deletion::Deleted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_lowercase() {
        assert_eq!(username_key("Alice.B-1"), "alice.b-1");
    }

    #[test]
    fn debug_hides_hash() {
        let new = NewUser {
            username: "a",
            password_hash: "$2b$12$secret",
            email: None,
            role: Role::User,
        };
        assert!(!format!("{new:?}").contains("secret"));
    }
}
