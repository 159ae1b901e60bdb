//! The realtime monitor across instances: each instance's live websockets
//! (`live_sockets`, keyed by instance and connection) and its totals
//! (`live_instances`). An instance claims a row when it accepts a socket
//! ([`claim_socket`], which also enforces the per-session socket limit over
//! all instances), refreshes its rows every few seconds in one batched
//! upsert ([`refresh`]) and deletes a row when the socket closes
//! ([`release_sockets`]). Rows not refreshed since a cut-off belong to a
//! dead instance: readers ignore them and [`refresh`] deletes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::upsert::excluded;

use crate::connection::DbConnection;
use crate::error::Result;
use crate::schema::{live_instances, live_sockets};

/// One live websocket of one instance.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = live_sockets, treat_none_as_default_value = false)]
pub struct SocketRow {
    /// The instance holding the socket.
    pub instance_id: String,
    /// The connection id (unique per instance).
    pub conn_id: i64,
    /// The monitored session.
    pub session_id: String,
    /// Its owner.
    pub username: String,
    /// When the socket was accepted.
    pub connected_at: NaiveDateTime,
    /// The last behaviour packet.
    pub last_packet_at: Option<NaiveDateTime>,
    /// Packets received.
    pub packets: i64,
    /// Events received.
    pub events: i64,
    /// Latest window score.
    pub last_score: Option<f64>,
    /// Highest window score.
    pub max_score: Option<f64>,
    /// `low`, `medium` or `high`.
    pub level: String,
    /// Enrollment summary.
    pub profile_state: String,
    /// When the instance last wrote the row.
    pub refreshed_at: NaiveDateTime,
}

/// An instance's counters since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Websocket connections accepted.
    pub connections: i64,
    /// Windows scored.
    pub packets_scored: i64,
    /// Windows scored high.
    pub anomalies: i64,
    /// Sessions terminated.
    pub terminations: i64,
}

#[derive(Insertable)]
#[diesel(table_name = live_instances)]
struct InstanceRow<'a> {
    instance_id: &'a str,
    started_at: NaiveDateTime,
    refreshed_at: NaiveDateTime,
    connections: i64,
    packets_scored: i64,
    anomalies: i64,
    terminations: i64,
}

/// Inserts `row` unless its session already has `limit` sockets on all
/// instances (rows refreshed at or after `fresh_since`); `Ok(false)` when
/// refused. On PostgreSQL a transaction-level advisory lock on the session
/// makes the count and the insert atomic across instances; on SQLite the
/// one statement is.
pub fn claim_socket(
    conn: &mut DbConnection,
    row: &SocketRow,
    limit: i64,
    fresh_since: NaiveDateTime,
) -> Result<bool> {
    const CLAIM: &str = "INSERT INTO live_sockets (instance_id, conn_id, session_id, username, \
         connected_at, last_packet_at, packets, events, last_score, max_score, level, \
         profile_state, refreshed_at) \
         SELECT $1, $2, $3, $4, $5, NULL, 0, 0, NULL, NULL, 'low', $6, $5 \
         WHERE (SELECT COUNT(*) FROM live_sockets WHERE session_id = $3 AND refreshed_at >= $7) < $8";
    crate::connection::transaction(conn, |conn| {
        let sql = match conn {
            DbConnection::Postgresql(_) => {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                    .bind::<diesel::sql_types::Integer, _>(SOCKET_LOCK_CLASS)
                    .bind::<Text, _>(&row.session_id)
                    .execute(conn)?;
                CLAIM.to_owned()
            }
            // `?NNN` is SQLite's numbered parameter.
            DbConnection::Sqlite(_) => CLAIM.replace('$', "?"),
        };
        let inserted = diesel::sql_query(sql)
            .bind::<Text, _>(&row.instance_id)
            .bind::<BigInt, _>(row.conn_id)
            .bind::<Text, _>(&row.session_id)
            .bind::<Text, _>(&row.username)
            .bind::<Timestamp, _>(row.connected_at)
            .bind::<Text, _>(&row.profile_state)
            .bind::<Timestamp, _>(fresh_since)
            .bind::<BigInt, _>(limit)
            .execute(conn)?;
        Ok(inserted == 1)
    })
}

/// The advisory lock class of per-session socket claims (two-key form, so
/// it never meets the single-key locks of [`crate::locks`]).
const SOCKET_LOCK_CLASS: i32 = 0x5753_534b; // "WSSK"

/// Deletes the rows of closed sockets of `instance_id`.
pub fn release_sockets(conn: &mut DbConnection, instance_id: &str, conn_ids: &[i64]) -> Result<()> {
    if conn_ids.is_empty() {
        return Ok(());
    }
    diesel::delete(
        live_sockets::table
            .filter(live_sockets::instance_id.eq(instance_id))
            .filter(live_sockets::conn_id.eq_any(conn_ids)),
    )
    .execute(conn)?;
    Ok(())
}

/// What one instance writes every few seconds.
#[derive(Debug, Clone)]
pub struct Refresh<'a> {
    /// The instance.
    pub instance_id: &'a str,
    /// When it started.
    pub started_at: NaiveDateTime,
    /// Now (the rows' `refreshed_at`).
    pub now: NaiveDateTime,
    /// Its totals.
    pub totals: Totals,
    /// Its sockets' current state (rows it no longer holds must not be
    /// here: the upsert would bring them back).
    pub sockets: &'a [SocketRow],
    /// Rows of any instance refreshed before this are deleted.
    pub stale_before: NaiveDateTime,
}

/// One refresh in one transaction: every row of the instance is marked
/// fresh, `sockets` are upserted in one batched statement, the totals
/// upserted, and rows of dead instances deleted.
pub fn refresh(conn: &mut DbConnection, r: &Refresh<'_>) -> Result<()> {
    crate::connection::transaction(conn, |conn| {
        diesel::update(live_sockets::table.filter(live_sockets::instance_id.eq(r.instance_id)))
            .set(live_sockets::refreshed_at.eq(r.now))
            .execute(conn)?;
        upsert_sockets(conn, r.sockets)?;
        upsert_instance(conn, r)?;
        diesel::delete(live_sockets::table.filter(live_sockets::refreshed_at.lt(r.stale_before)))
            .execute(conn)?;
        diesel::delete(
            live_instances::table.filter(live_instances::refreshed_at.lt(r.stale_before)),
        )
        .execute(conn)?;
        Ok(())
    })
}

fn upsert_sockets(conn: &mut DbConnection, rows: &[SocketRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    macro_rules! upsert_on {
        ($inner:expr) => {
            diesel::insert_into(live_sockets::table)
                .values(rows)
                .on_conflict((live_sockets::instance_id, live_sockets::conn_id))
                .do_update()
                .set((
                    live_sockets::last_packet_at.eq(excluded(live_sockets::last_packet_at)),
                    live_sockets::packets.eq(excluded(live_sockets::packets)),
                    live_sockets::events.eq(excluded(live_sockets::events)),
                    live_sockets::last_score.eq(excluded(live_sockets::last_score)),
                    live_sockets::max_score.eq(excluded(live_sockets::max_score)),
                    live_sockets::level.eq(excluded(live_sockets::level)),
                    live_sockets::profile_state.eq(excluded(live_sockets::profile_state)),
                    live_sockets::refreshed_at.eq(excluded(live_sockets::refreshed_at)),
                ))
                .execute($inner)
        };
    }
    match conn {
        DbConnection::Postgresql(pg) => upsert_on!(pg)?,
        DbConnection::Sqlite(sqlite) => upsert_on!(sqlite)?,
    };
    Ok(())
}

fn upsert_instance(conn: &mut DbConnection, r: &Refresh<'_>) -> Result<()> {
    let row = InstanceRow {
        instance_id: r.instance_id,
        started_at: r.started_at,
        refreshed_at: r.now,
        connections: r.totals.connections,
        packets_scored: r.totals.packets_scored,
        anomalies: r.totals.anomalies,
        terminations: r.totals.terminations,
    };
    macro_rules! upsert_on {
        ($inner:expr) => {
            diesel::insert_into(live_instances::table)
                .values(&row)
                .on_conflict(live_instances::instance_id)
                .do_update()
                .set((
                    live_instances::refreshed_at.eq(excluded(live_instances::refreshed_at)),
                    live_instances::connections.eq(excluded(live_instances::connections)),
                    live_instances::packets_scored.eq(excluded(live_instances::packets_scored)),
                    live_instances::anomalies.eq(excluded(live_instances::anomalies)),
                    live_instances::terminations.eq(excluded(live_instances::terminations)),
                ))
                .execute($inner)
        };
    }
    match conn {
        DbConnection::Postgresql(pg) => upsert_on!(pg)?,
        DbConnection::Sqlite(sqlite) => upsert_on!(sqlite)?,
    };
    Ok(())
}

/// The sockets of every instance but `instance_id` refreshed at or after
/// `fresh_since`, oldest first, and those instances' totals summed.
pub fn others(
    conn: &mut DbConnection,
    instance_id: &str,
    fresh_since: NaiveDateTime,
) -> Result<(Vec<SocketRow>, Totals)> {
    let sockets = live_sockets::table
        .filter(live_sockets::instance_id.ne(instance_id))
        .filter(live_sockets::refreshed_at.ge(fresh_since))
        .order((live_sockets::connected_at, live_sockets::conn_id))
        .select(SocketRow::as_select())
        .load(conn)?;
    let rows: Vec<(i64, i64, i64, i64)> = live_instances::table
        .filter(live_instances::instance_id.ne(instance_id))
        .filter(live_instances::refreshed_at.ge(fresh_since))
        .select((
            live_instances::connections,
            live_instances::packets_scored,
            live_instances::anomalies,
            live_instances::terminations,
        ))
        .load(conn)?;
    let totals = rows.into_iter().fold(Totals::default(), |t, r| Totals {
        connections: t.connections.saturating_add(r.0),
        packets_scored: t.packets_scored.saturating_add(r.1),
        anomalies: t.anomalies.saturating_add(r.2),
        terminations: t.terminations.saturating_add(r.3),
    });
    Ok((sockets, totals))
}
