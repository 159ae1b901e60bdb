//! The time report's rollup (`time_report_days`, migration
//! `2026-12-04-000100_report_days`) on SQLite and (with `TEST_POSTGRES_URL`)
//! PostgreSQL: the migration's backfill prices existing entries and sums
//! them, and after every kind of write the rollup equals the entries summed
//! from scratch, each entry's stored amount being the domain's
//! `amount_minor` at its project's current rate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;
use workspace_domain::{
    amount_minor, Page, ProjectId, ProjectStatus, TaskPriority, TaskStatus, UserId,
};
use workspace_persistence::connection::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use workspace_persistence::imports::{insert_entry, ImportedEntry};
use workspace_persistence::testing::TestDb;
use workspace_persistence::time_entries::{
    self, EntryFilter, EntryUpdate, NewTimeEntry, ReportKey, TimeEntryRow, Whose,
};
use workspace_persistence::{projects, tasks, users, Backend, DbConnection, MultiBackend};

fn each_backend(test: fn(&mut DbConnection)) {
    for db in TestDb::all() {
        let database = db.database();
        let mut conn = database.conn().unwrap();
        test(&mut conn);
    }
}

#[test]
fn backfill_prices_and_sums_existing_entries() {
    each_backend(backfill);
}

#[test]
fn rollup_follows_every_write() {
    each_backend(writes);
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn user(conn: &mut DbConnection, name: &str) -> UserId {
    users::create(
        conn,
        &users::NewUser {
            username: name,
            password_hash: "$2b$04$not-a-real-hash",
            email: None,
            role: "user".parse().unwrap(),
        },
    )
    .unwrap()
    .id
}

/// A project with this rate (minor units) and one task; (project, task).
fn project(conn: &mut DbConnection, owner: UserId, name: &str, rate: Option<i64>) -> (i64, i64) {
    let p = projects::create(
        conn,
        &projects::NewProject {
            owner_id: owner,
            name,
            description: None,
            client: Some("ACME"),
            hourly_rate_minor: rate,
            currency: "EUR",
            due_date: None,
            status: ProjectStatus::Active,
        },
    )
    .unwrap()
    .project
    .id;
    let t = tasks::create(
        conn,
        &tasks::NewTask {
            project_id: p,
            title: name,
            description: None,
            status: TaskStatus::Todo,
            priority: TaskPriority::Normal,
            due_date: None,
            estimate_hours: None,
        },
    )
    .unwrap()
    .id;
    (p.get(), t.get())
}

fn add(conn: &mut DbConnection, u: UserId, (p, t): (i64, i64), start: &str, end: &str) -> i64 {
    time_entries::insert(
        conn,
        &NewTimeEntry {
            user_id: u,
            project_id: p,
            task_id: t,
            started_at: at(start),
            ended_at: Some(at(end)),
            note: "",
            billable: true,
        },
    )
    .unwrap()
    .id
}

fn entries(conn: &mut DbConnection) -> Vec<TimeEntryRow> {
    let all = EntryFilter {
        whose: Whose::All,
        project_id: None,
        task_id: None,
        from: None,
        before: None,
        billable: None,
        invoiced: None,
    };
    let page = Page {
        limit: 10_000,
        offset: 0,
    };
    time_entries::list(conn, &all, page, true).unwrap().items
}

#[derive(Debug, QueryableByName)]
struct DayRow {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    project_id: i64,
    #[diesel(sql_type = BigInt)]
    task_id: i64,
    #[diesel(sql_type = BigInt)]
    entries: i64,
    #[diesel(sql_type = BigInt)]
    seconds: i64,
    #[diesel(sql_type = BigInt)]
    billable_seconds: i64,
    #[diesel(sql_type = BigInt)]
    amount_minor: i64,
}

type Sums = BTreeMap<(i64, String, i64, i64), [i64; 4]>;

fn stored_days(conn: &mut DbConnection) -> Sums {
    diesel::sql_query(
        "SELECT user_id, CAST(day AS TEXT) AS day, project_id, task_id, entries, seconds, \
         billable_seconds, amount_minor FROM time_report_days",
    )
    .load::<DayRow>(conn)
    .unwrap()
    .into_iter()
    .map(|r| {
        (
            (r.user_id, r.day, r.project_id, r.task_id),
            [r.entries, r.seconds, r.billable_seconds, r.amount_minor],
        )
    })
    .collect()
}

/// Checks every stored amount against the domain at the project's rate and
/// the rollup against the ended entries summed from scratch; returns the sums.
fn check(conn: &mut DbConnection) -> Sums {
    let mut expected = Sums::new();
    for e in entries(conn) {
        let rate = projects::get(conn, ProjectId::new(e.project_id))
            .unwrap()
            .unwrap()
            .project
            .hourly_rate_minor
            .unwrap_or(0);
        assert_eq!(e.amount_minor, amount_minor(e.seconds, rate), "{e:?}");
        if e.ended_at.is_none() {
            continue;
        }
        let day = e.started_at.date().format("%Y-%m-%d").to_string();
        let sums = expected
            .entry((e.user_id, day, e.project_id, e.task_id))
            .or_default();
        let billable = i64::from(e.billable);
        sums[0] += 1;
        sums[1] += e.seconds;
        sums[2] += billable * e.seconds;
        sums[3] += billable * e.amount_minor;
    }
    assert_eq!(stored_days(conn), expected);
    expected
}

fn reapply_migration(conn: &mut DbConnection) {
    let source = match conn.backend() {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    let all = MigrationSource::<MultiBackend>::migrations(&source).unwrap();
    let ours = all
        .iter()
        .find(|m| m.name().to_string().ends_with("_report_days"))
        .expect("the report_days migration is embedded");
    conn.revert_migration(ours.as_ref()).unwrap();
    assert_eq!(workspace_persistence::run_migrations(conn).unwrap(), 1);
}

fn backfill(conn: &mut DbConnection) {
    let u = user(conn, "alice");
    let other = user(conn, "bob");
    let pa = project(conn, u, "A", Some(10_000));
    let pb = project(conn, u, "B", Some(8555));
    let pc = project(conn, u, "C", Some(18));
    let pd = project(conn, u, "D", None);
    let pe = project(conn, other, "E", Some(5000));
    // 1 s at 100.00/h = 2.78 ct → 3; 20 min → 3333; on the same task and day.
    add(conn, u, pa, "2026-11-02 09:00:00", "2026-11-02 09:00:01");
    add(conn, u, pa, "2026-11-02 10:00:00", "2026-11-02 10:20:00");
    // 85.55/h: 20 min = 2851.67 ct → 2852; a late entry is still on its start day.
    add(conn, u, pb, "2026-11-02 23:50:00", "2026-11-03 00:10:00");
    // 0.18/h, 100 s = exactly 0.5 ct → 1.
    add(conn, u, pc, "2026-11-04 10:00:00", "2026-11-04 10:01:40");
    add(conn, u, pd, "2026-11-04 10:00:00", "2026-11-04 11:00:00");
    let unbilled = add(conn, u, pb, "2026-11-05 10:00:00", "2026-11-05 11:00:00");
    time_entries::update(
        conn,
        unbilled,
        &EntryUpdate {
            started_at: at("2026-11-05 10:00:00"),
            ended_at: Some(at("2026-11-05 11:00:00")),
            note: String::new(),
            billable: false,
        },
    )
    .unwrap();
    add(
        conn,
        other,
        pe,
        "2026-11-02 09:00:00",
        "2026-11-02 10:00:00",
    );
    // A running timer: no amount, not in the report.
    time_entries::insert(
        conn,
        &NewTimeEntry {
            user_id: u,
            project_id: pa.0,
            task_id: pa.1,
            started_at: at("2026-11-06 09:00:00"),
            ended_at: None,
            note: "",
            billable: true,
        },
    )
    .unwrap();
    let before = check(conn);
    assert_eq!(before.len(), 6, "{before:?}");

    // The migration again over these entries: its down drops the amounts
    // and the rollup, its up must compute both from the entries alone.
    reapply_migration(conn);
    assert_eq!(check(conn), before);
    let amounts: Vec<i64> = entries(conn).iter().map(|e| e.amount_minor).collect();
    assert_eq!(amounts, [3, 5000, 3333, 2852, 1, 0, 8555, 0]);
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let rows = time_entries::report(
        conn,
        Whose::User(u),
        day("2026-11-01"),
        day("2026-12-01"),
        ReportKey::Day,
    )
    .unwrap();
    let sums: Vec<(&str, i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.seconds,
                r.billable_seconds,
                r.amount_minor,
            )
        })
        .collect();
    assert_eq!(
        sums,
        [
            ("2026-11-02", 2401, 2401, 3 + 3333 + 2852),
            ("2026-11-04", 3700, 3700, 1),
            ("2026-11-05", 3600, 0, 0),
        ]
    );
}

fn writes(conn: &mut DbConnection) {
    let u = user(conn, "alice");
    let a = project(conn, u, "A", Some(10_000));
    let b = project(conn, u, "B", Some(8555));
    let first = add(conn, u, a, "2026-11-02 09:00:00", "2026-11-02 09:20:00");
    add(conn, u, a, "2026-11-02 11:00:00", "2026-11-02 11:00:01");
    add(conn, u, b, "2026-11-03 09:00:00", "2026-11-03 10:00:00");
    check(conn);

    // Timer: running entries stay out until stopped.
    time_entries::insert(
        conn,
        &NewTimeEntry {
            user_id: u,
            project_id: b.0,
            task_id: b.1,
            started_at: at("2026-11-04 09:00:00"),
            ended_at: None,
            note: "",
            billable: true,
        },
    )
    .unwrap();
    check(conn);
    time_entries::stop_running(conn, u, at("2026-11-04 09:20:00")).unwrap();
    assert_eq!(check(conn).len(), 3);

    // An edit moving an entry to another day and making it unbillable, and back.
    for (day, billable) in [("2026-11-05", false), ("2026-11-02", true)] {
        time_entries::update(
            conn,
            first,
            &EntryUpdate {
                started_at: at(&format!("{day} 09:00:00")),
                ended_at: Some(at(&format!("{day} 09:30:00"))),
                note: "moved".into(),
                billable,
            },
        )
        .unwrap();
        check(conn);
    }

    // An import.
    insert_entry(
        conn,
        &ImportedEntry {
            user_id: u,
            project_id: b.0,
            task_id: b.1,
            started_at: at("2026-11-06 08:00:00"),
            ended_at: Some(at("2026-11-06 08:20:00")),
            note: "",
            billable: true,
            invoice_id: None,
            created_at: at("2026-11-06 08:20:00"),
            updated_at: at("2026-11-06 08:20:00"),
        },
    )
    .unwrap();
    check(conn);

    // A new rate reprices every entry of the project (the report always
    // priced at the current rate), and no rate prices them at 0.
    for rate in [Some(12_345), None, Some(8555)] {
        let changes = projects::ProjectChanges {
            hourly_rate_minor: Some(rate),
            ..Default::default()
        };
        projects::update(conn, ProjectId::new(b.0), &changes).unwrap();
        check(conn);
    }

    // Deletes: one entry, then by cascade a task's, a project's, a user's.
    time_entries::delete(conn, first).unwrap();
    check(conn);
    let c = project(conn, u, "C", Some(100));
    add(conn, u, c, "2026-11-07 09:00:00", "2026-11-07 10:00:00");
    tasks::delete(conn, workspace_domain::TaskId::new(c.1)).unwrap();
    check(conn);
    projects::delete(conn, ProjectId::new(a.0)).unwrap();
    assert_eq!(check(conn).len(), 3);
    users::delete(conn, u).unwrap();
    assert!(check(conn).is_empty());
}
