//! Revoked ids (`jti`) of plain tokens: a sign-out of a token without a
//! monitored session lists its id until the token would have expired.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use workspace_domain::UserId;

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::revoked_tokens;

#[derive(Insertable)]
#[diesel(table_name = revoked_tokens)]
struct InsertRevoked<'a> {
    jti: &'a str,
    user_id: i64,
    expires_at: NaiveDateTime,
}

/// Revokes `jti` (of a token of `user_id` expiring at `expires_at`);
/// revoking it again changes nothing. Purges ids whose tokens have expired.
pub fn revoke(
    conn: &mut DbConnection,
    jti: &str,
    user_id: UserId,
    expires_at: NaiveDateTime,
) -> Result<()> {
    purge_expired(conn, crate::clock::now_utc())?;
    if is_revoked(conn, jti)? {
        return Ok(());
    }
    diesel::insert_into(revoked_tokens::table)
        .values(&InsertRevoked {
            jti,
            user_id: user_id.get(),
            expires_at,
        })
        .execute(conn)?;
    Ok(())
}

/// Whether `jti` is revoked.
pub fn is_revoked(conn: &mut DbConnection, jti: &str) -> Result<bool> {
    Ok(revoked_tokens::table
        .find(jti)
        .select(revoked_tokens::jti)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Deletes the ids of tokens expired before `now`; returns how many.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now)))
            .execute(conn)?,
    )
}
