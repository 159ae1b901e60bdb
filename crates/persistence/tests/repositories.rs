//! One repository test-suite, run against SQLite and (when
//! `TEST_POSTGRES_URL` is set) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate};
use serde_json::json;
use workspace_domain::listing::{ProjectSort, TaskSort};
use workspace_domain::{
    EndReason, EventKind, Page, ProjectId, ProjectStatus, Role, SessionId, Severity, Sort, TaskId,
    TaskPriority, TaskStatus, UserId,
};
use workspace_persistence::projects::{OwnerFilter, ProjectFilter};
use workspace_persistence::tasks::TaskFilter;
use workspace_persistence::testing::TestDb;
use workspace_persistence::{
    behavior, events, login_failures, now_utc, projects, sessions, tasks, transaction, users,
    Backend, Database, DbConnection, PersistenceError,
};

/// Generates `sqlite::<name>` and `postgres::<name>` tests calling `<name>(&Database)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let db = workspace_persistence::testing::TestDb::sqlite();
                    assert_eq!(db.backend(), workspace_persistence::Backend::Sqlite);
                    super::$name(&db.database());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let Some(db) = workspace_persistence::testing::TestDb::postgres() else {
                        return;
                    };
                    assert_eq!(db.backend(), workspace_persistence::Backend::Postgres);
                    super::$name(&db.database());
                }
            )*
        }
    };
}

on_both_backends!(
    ping_and_backend,
    migrations_are_idempotent,
    users_crud_and_case_insensitive_uniqueness,
    users_paging_and_roles,
    change_role_guards_last_admin,
    projects_crud_null_updates_and_paging,
    projects_list_all_with_owner_filter,
    tasks_crud_filters_and_owner,
    projects_and_tasks_sort_the_same_on_both_backends,
    cascade_deletes,
    sessions_lifecycle_and_idempotent_end,
    security_events_filters,
    login_failures_counting,
    transactions_commit_and_roll_back,
    behavior_profiles_upsert,
    behavior_windows_sampling_and_pruning,
    global_models_versions,
    behavior_data_cascades_with_user,
);

fn new_user<'a>(name: &'a str, role: &str) -> users::NewUser<'a> {
    users::NewUser {
        username: name,
        password_hash: "$2b$04$not-a-real-hash",
        email: None,
        role: role.parse().unwrap(),
    }
}

fn page(limit: i64, offset: i64) -> Page {
    Page { limit, offset }
}

fn with<T>(db: &Database, f: impl FnOnce(&mut DbConnection) -> T) -> T {
    let mut conn = db.conn().unwrap();
    f(&mut conn)
}

fn ping_and_backend(db: &Database) {
    db.ping().unwrap();
    let expected = match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(db.backend().as_str(), expected);
    with(db, |c| assert_eq!(c.backend(), db.backend()));
}

fn migrations_are_idempotent(db: &Database) {
    assert_eq!(db.run_migrations().unwrap(), 0);
    assert_eq!(db.run_migrations().unwrap(), 0);
    with(db, |c| assert_eq!(users::count(c).unwrap(), 0));
}

fn users_crud_and_case_insensitive_uniqueness(db: &Database) {
    with(db, |c| {
        let alice = users::create(
            c,
            &users::NewUser {
                email: Some("alice@example.com"),
                ..new_user("Alice", "user")
            },
        )
        .unwrap();
        assert_eq!(alice.username, "Alice");
        assert_eq!(alice.username_key, "alice");
        assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
        assert_eq!(alice.role.as_str(), "user");

        let err = users::create(c, &new_user("aLiCe", "user")).unwrap_err();
        assert!(err.is_conflict(), "{err:?}");
        assert_eq!(users::count(c).unwrap(), 1);

        let found = users::find_by_username(c, "ALICE").unwrap().unwrap();
        assert_eq!(found, alice);
        assert_eq!(users::find_by_id(c, alice.id).unwrap().unwrap(), alice);
        assert!(users::find_by_username(c, "bob").unwrap().is_none());
        assert!(users::find_by_id(c, UserId::new(alice.id.get() + 1000))
            .unwrap()
            .is_none());

        users::update_password_hash(c, alice.id, "$2b$04$other").unwrap();
        let updated = users::find_by_id(c, alice.id).unwrap().unwrap();
        assert_eq!(updated.password_hash, "$2b$04$other");
        assert!(updated.updated_at >= alice.updated_at);

        users::delete(c, alice.id).unwrap();
        assert!(users::find_by_id(c, alice.id).unwrap().is_none());
        assert!(matches!(
            users::delete(c, alice.id),
            Err(PersistenceError::NotFound)
        ));
        // The name is free again.
        users::create(c, &new_user("ALICE", "user")).unwrap();
    });
}

fn users_paging_and_roles(db: &Database) {
    with(db, |c| {
        let ids: Vec<UserId> = (0..5)
            .map(|i| {
                users::create(c, &new_user(&format!("user{i}"), "user"))
                    .unwrap()
                    .id
            })
            .collect();
        let page1 = users::list(c, 2, 0).unwrap();
        let page2 = users::list(c, 2, 2).unwrap();
        let page3 = users::list(c, 2, 4).unwrap();
        let got: Vec<UserId> = page1
            .iter()
            .chain(&page2)
            .chain(&page3)
            .map(|u| u.id)
            .collect();
        assert_eq!(got, ids);
        assert!(users::list(c, 2, 6).unwrap().is_empty());

        assert_eq!(users::count_admins(c).unwrap(), 0);
        let u = users::update_role(c, ids[0], Role::Admin).unwrap();
        assert_eq!(u.role.as_str(), "admin");
        assert_eq!(users::count_admins(c).unwrap(), 1);
        assert!(matches!(
            users::update_role(c, UserId::new(999_999), Role::Admin),
            Err(PersistenceError::NotFound)
        ));
        // The role column only takes the three roles (a CHECK constraint
        // behind the typed `Role`).
        use diesel::RunQueryDsl;
        assert!(diesel::sql_query(format!(
            "UPDATE users SET role = 'root' WHERE id = {}",
            ids[1]
        ))
        .execute(c)
        .is_err());
    });
}

fn change_role_guards_last_admin(db: &Database) {
    with(db, |c| {
        users::create(c, &new_user("root", "admin")).unwrap();
        users::create(c, &new_user("eve", "user")).unwrap();

        assert_eq!(
            users::change_role(c, "ROOT", Role::User).unwrap(),
            users::RoleChange::WouldRemoveLastAdmin
        );
        match users::change_role(c, "eve", Role::Admin).unwrap() {
            users::RoleChange::Changed {
                user,
                previous_role,
            } => {
                assert_eq!(user.role.as_str(), "admin");
                assert_eq!(previous_role, Role::User);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            users::change_role(c, "root", Role::Analyst).unwrap(),
            users::RoleChange::Changed { .. }
        ));
        assert_eq!(
            users::change_role(c, "eve", Role::User).unwrap(),
            users::RoleChange::WouldRemoveLastAdmin
        );
        // Admin to admin is fine even for the last admin.
        assert!(matches!(
            users::change_role(c, "eve", Role::Admin).unwrap(),
            users::RoleChange::Changed { .. }
        ));
        assert!(matches!(
            users::change_role(c, "nobody", Role::Admin),
            Err(PersistenceError::NotFound)
        ));
        assert_eq!(users::count_admins(c).unwrap(), 1);
    });

    // Concurrent demotions of the two last admins: exactly one may win.
    with(db, |c| {
        users::change_role(c, "root", Role::Admin).unwrap();
    });
    let handles: Vec<_> = ["root", "eve"]
        .into_iter()
        .map(|name| {
            let db = db.clone();
            std::thread::spawn(move || db.run(|c| users::change_role(c, name, Role::User)))
        })
        .collect();
    let outcomes: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    let changed = outcomes
        .iter()
        .filter(|o| matches!(o, users::RoleChange::Changed { .. }))
        .count();
    assert_eq!(changed, 1, "{outcomes:?}");
    with(db, |c| assert_eq!(users::count_admins(c).unwrap(), 1));
}

fn sample_project(owner_id: UserId, name: &str) -> projects::NewProject<'_> {
    projects::NewProject {
        owner_id,
        name,
        description: Some("desc"),
        client: Some("ACME"),
        hourly_rate_minor: Some(8550),
        currency: "EUR",
        due_date: NaiveDate::from_ymd_opt(2026, 12, 31),
        status: ProjectStatus::Active,
    }
}

fn projects_crud_null_updates_and_paging(db: &Database) {
    with(db, |c| {
        let owner = users::create(c, &new_user("Owner", "user")).unwrap();
        let p = projects::create(c, &sample_project(owner.id, "Website")).unwrap();
        assert_eq!(p.owner_username, "Owner");
        assert_eq!(p.project.owner_id, owner.id);
        assert_eq!(p.project.name, "Website");
        assert_eq!(p.project.hourly_rate_minor, Some(8550));
        assert_eq!(p.project.due_date, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(projects::get(c, p.project.id).unwrap().unwrap(), p);

        // Partial update: rename, clear description and due date, keep the rest.
        let changes = projects::ProjectChanges {
            name: Some("Web shop".into()),
            description: Some(None),
            due_date: Some(None),
            status: Some(ProjectStatus::OnHold),
            ..Default::default()
        };
        let u = projects::update(c, p.project.id, &changes).unwrap();
        assert_eq!(u.project.name, "Web shop");
        assert_eq!(u.project.description, None);
        assert_eq!(u.project.due_date, None);
        assert_eq!(u.project.client.as_deref(), Some("ACME"));
        assert_eq!(u.project.hourly_rate_minor, Some(8550));
        assert_eq!(u.project.status.as_str(), "on_hold");
        assert!(u.project.updated_at >= p.project.updated_at);
        assert_eq!(u.project.created_at, p.project.created_at);

        // Set values again, and clear the rate.
        let u = projects::update(
            c,
            p.project.id,
            &projects::ProjectChanges {
                description: Some(Some("new".into())),
                hourly_rate_minor: Some(None),
                client: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(u.project.description.as_deref(), Some("new"));
        assert_eq!(u.project.hourly_rate_minor, None);
        assert_eq!(u.project.client, None);
        assert_eq!(u.project.name, "Web shop");

        // Empty change set: nothing changes.
        let same = projects::update(c, p.project.id, &Default::default()).unwrap();
        assert_eq!(same, u);
        assert!(matches!(
            projects::update(c, ProjectId::new(999_999), &changes),
            Err(PersistenceError::NotFound)
        ));
        assert!(matches!(
            projects::update(c, ProjectId::new(999_999), &Default::default()),
            Err(PersistenceError::NotFound)
        ));

        // Paging by ascending id.
        let mut ids = vec![p.project.id];
        for i in 0..4 {
            ids.push(
                projects::create(c, &sample_project(owner.id, &format!("P{i}")))
                    .unwrap()
                    .project
                    .id,
            );
        }
        let own = ProjectFilter {
            owner: OwnerFilter::Id(owner.id),
        };
        let a = projects::list(c, &own, page(3, 0), None).unwrap();
        let b = projects::list(c, &own, page(3, 3), None).unwrap();
        assert_eq!((a.total, b.total), (5, 5));
        let got: Vec<ProjectId> = a
            .items
            .iter()
            .chain(&b.items)
            .map(|p| p.project.id)
            .collect();
        assert_eq!(got, ids);
        assert_eq!(projects::count_by_owner(c, owner.id).unwrap(), 5);

        // Unknown owner → foreign key violation.
        let err = projects::create(c, &sample_project(UserId::new(999_999), "x")).unwrap_err();
        assert!(
            matches!(err, PersistenceError::ForeignKeyViolation(_)),
            "{err:?}"
        );

        projects::delete(c, p.project.id).unwrap();
        assert!(projects::get(c, p.project.id).unwrap().is_none());
        assert!(matches!(
            projects::delete(c, p.project.id),
            Err(PersistenceError::NotFound)
        ));
    });
}

fn projects_list_all_with_owner_filter(db: &Database) {
    with(db, |c| {
        let a = users::create(c, &new_user("Ann", "user")).unwrap();
        let b = users::create(c, &new_user("bob", "analyst")).unwrap();
        let pa = projects::create(c, &sample_project(a.id, "A1")).unwrap();
        let pb = projects::create(c, &sample_project(b.id, "B1")).unwrap();
        let pa2 = projects::create(c, &sample_project(a.id, "A2")).unwrap();

        let of = |owner: OwnerFilter| ProjectFilter { owner };
        let named = |name: &str| of(OwnerFilter::Username(name.into()));
        let all = projects::list(c, &of(OwnerFilter::All), page(50, 0), None).unwrap();
        assert_eq!(all.items, vec![pa.clone(), pb.clone(), pa2.clone()]);
        assert_eq!(all.total, 3);
        assert_eq!(all.items[1].owner_username, "bob");

        let anns = projects::list(c, &named("ANN"), page(50, 0), None).unwrap();
        assert_eq!(anns.items, vec![pa.clone(), pa2.clone()]);
        let second = projects::list(c, &named("ann"), page(1, 1), None).unwrap();
        assert_eq!(second.items, vec![pa2]);
        assert_eq!(second.total, 2);
        assert!(projects::list(c, &named("nobody"), page(50, 0), None)
            .unwrap()
            .items
            .is_empty());
        let bobs = projects::list(c, &of(OwnerFilter::Id(b.id)), page(50, 0), None).unwrap();
        assert_eq!(bobs.items, vec![pb]);
    });
}

fn tasks_crud_filters_and_owner(db: &Database) {
    with(db, |c| {
        let owner = users::create(c, &new_user("tasker", "user")).unwrap();
        let p = projects::create(c, &sample_project(owner.id, "P"))
            .unwrap()
            .project;
        let t = tasks::create(
            c,
            &tasks::NewTask {
                project_id: p.id,
                title: "Design",
                description: Some("mockups"),
                status: TaskStatus::Todo,
                priority: TaskPriority::Normal,
                due_date: NaiveDate::from_ymd_opt(2027, 1, 15),
                estimate_hours: Some(7.5),
            },
        )
        .unwrap();
        assert_eq!(t.project_id, p.id);
        assert_eq!(t.estimate_hours, Some(7.5));
        assert_eq!(tasks::get(c, t.id).unwrap().unwrap(), t);
        let with_owner = tasks::get_with_owner(c, t.id).unwrap().unwrap();
        assert_eq!(with_owner.task, t);
        assert_eq!(with_owner.owner_id, owner.id);
        assert!(tasks::get_with_owner(c, TaskId::new(999_999))
            .unwrap()
            .is_none());

        for (i, status) in ["todo", "done", "in_progress", "done", "blocked"]
            .iter()
            .enumerate()
        {
            tasks::create(
                c,
                &tasks::NewTask {
                    project_id: p.id,
                    title: &format!("T{i}"),
                    description: None,
                    status: status.parse().unwrap(),
                    priority: TaskPriority::Low,
                    due_date: None,
                    estimate_hours: None,
                },
            )
            .unwrap();
        }
        let of_p = TaskFilter {
            project_id: Some(p.id),
            ..Default::default()
        };
        let all = tasks::list(c, &of_p, page(100, 0), None).unwrap().items;
        assert_eq!(all.len(), 6);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id));
        let done_filter = TaskFilter {
            status: Some(TaskStatus::Done),
            ..of_p.clone()
        };
        let done = tasks::list(c, &done_filter, page(100, 0), None)
            .unwrap()
            .items;
        assert_eq!(
            done.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
            ["T1", "T3"]
        );
        let second = tasks::list(c, &of_p, page(2, 2), None).unwrap();
        assert_eq!(second.items, all[2..4].to_vec());
        assert_eq!(second.total, 6);
        assert_eq!(tasks::count_by_project(c, p.id).unwrap(), 6);

        let u = tasks::update(
            c,
            t.id,
            &tasks::TaskChanges {
                status: Some(TaskStatus::InProgress),
                description: Some(None),
                estimate_hours: Some(None),
                due_date: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(u.status.as_str(), "in_progress");
        assert_eq!(u.description, None);
        assert_eq!(u.estimate_hours, None);
        assert_eq!(u.due_date, None);
        assert_eq!(u.title, "Design");
        assert_eq!(u.priority.as_str(), "normal");
        let u2 = tasks::update(
            c,
            t.id,
            &tasks::TaskChanges {
                title: Some("Design v2".into()),
                priority: Some(TaskPriority::Urgent),
                estimate_hours: Some(Some(2.0)),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(u2.title, "Design v2");
        assert_eq!(u2.priority.as_str(), "urgent");
        assert_eq!(u2.estimate_hours, Some(2.0));
        assert_eq!(u2.status.as_str(), "in_progress");
        assert_eq!(tasks::update(c, t.id, &Default::default()).unwrap(), u2);
        assert!(matches!(
            tasks::update(c, TaskId::new(999_999), &tasks::TaskChanges::default()),
            Err(PersistenceError::NotFound)
        ));
        assert!(matches!(
            tasks::update(
                c,
                TaskId::new(999_999),
                &tasks::TaskChanges {
                    title: Some("x".into()),
                    ..Default::default()
                }
            ),
            Err(PersistenceError::NotFound)
        ));

        let err = tasks::create(
            c,
            &tasks::NewTask {
                project_id: ProjectId::new(999_999),
                title: "orphan",
                description: None,
                status: TaskStatus::Todo,
                priority: TaskPriority::Normal,
                due_date: None,
                estimate_hours: None,
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, PersistenceError::ForeignKeyViolation(_)),
            "{err:?}"
        );

        tasks::delete(c, t.id).unwrap();
        assert!(tasks::get(c, t.id).unwrap().is_none());
        assert!(matches!(
            tasks::delete(c, t.id),
            Err(PersistenceError::NotFound)
        ));
    });
}

fn projects_and_tasks_sort_the_same_on_both_backends(db: &Database) {
    with(db, |c| {
        let owner = users::create(c, &new_user("sorter", "user")).unwrap();
        let due = |d| NaiveDate::from_ymd_opt(2026, 5, d);
        let mut project_ids = Vec::new();
        for (name, due_date) in [("beta", due(3)), ("Alpha", None), ("gamma", due(1))] {
            let new = projects::NewProject {
                due_date,
                ..sample_project(owner.id, name)
            };
            project_ids.push(projects::create(c, &new).unwrap().project.id);
        }
        let own = ProjectFilter {
            owner: OwnerFilter::Id(owner.id),
        };
        let names = |c: &mut DbConnection, sort: &str| -> Vec<String> {
            let sort = Sort::<ProjectSort>::parse(sort).unwrap();
            projects::list(c, &own, page(10, 0), Some(sort))
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.project.name)
                .collect()
        };
        // Case-insensitive names; no due date last in both directions.
        assert_eq!(names(c, "name"), ["Alpha", "beta", "gamma"]);
        assert_eq!(names(c, "-name"), ["gamma", "beta", "Alpha"]);
        assert_eq!(names(c, "due_date"), ["gamma", "beta", "Alpha"]);
        assert_eq!(names(c, "-due_date"), ["beta", "gamma", "Alpha"]);
        assert_eq!(names(c, "created_at"), ["beta", "Alpha", "gamma"]);
        assert_eq!(names(c, "-created_at"), ["gamma", "Alpha", "beta"]);

        let project_id = project_ids[0];
        for (title, priority, status) in [
            ("a", TaskPriority::High, TaskStatus::Done),
            ("b", TaskPriority::Low, TaskStatus::Blocked),
            ("c", TaskPriority::Urgent, TaskStatus::Todo),
            ("d", TaskPriority::Normal, TaskStatus::InProgress),
            ("e", TaskPriority::Low, TaskStatus::Todo),
        ] {
            let new = tasks::NewTask {
                project_id,
                title,
                description: None,
                status,
                priority,
                due_date: None,
                estimate_hours: None,
            };
            tasks::create(c, &new).unwrap();
        }
        let filter = TaskFilter {
            project_id: Some(project_id),
            ..Default::default()
        };
        let titles = |c: &mut DbConnection, sort: &str, page: Page| -> (String, i64) {
            let sort = Sort::<TaskSort>::parse(sort).unwrap();
            let got = tasks::list(c, &filter, page, Some(sort)).unwrap();
            (
                got.items.iter().map(|t| t.title.as_str()).collect(),
                got.total,
            )
        };
        // Declaration order, not alphabetical; ties by id.
        assert_eq!(titles(c, "priority", page(10, 0)).0, "bedac");
        assert_eq!(titles(c, "-priority", page(10, 0)).0, "cadbe");
        assert_eq!(titles(c, "status", page(10, 0)).0, "cedba");
        assert_eq!(titles(c, "-title", page(10, 0)).0, "edcba");
        // A sorted page and the total of all matches.
        assert_eq!(titles(c, "priority", page(2, 1)), ("ed".to_owned(), 5));
        assert_eq!(titles(c, "priority", page(2, 10)), (String::new(), 5));
    });
}

fn cascade_deletes(db: &Database) {
    with(db, |c| {
        let u = users::create(c, &new_user("gone", "user")).unwrap();
        let keep = users::create(c, &new_user("stays", "user")).unwrap();
        let p = projects::create(c, &sample_project(u.id, "P"))
            .unwrap()
            .project;
        let kept_project = projects::create(c, &sample_project(keep.id, "K"))
            .unwrap()
            .project;
        let t = tasks::create(
            c,
            &tasks::NewTask {
                project_id: p.id,
                title: "t",
                description: None,
                status: TaskStatus::Todo,
                priority: TaskPriority::Normal,
                due_date: None,
                estimate_hours: None,
            },
        )
        .unwrap();
        let sid: SessionId = "11111111-1111-4111-8111-111111111111".parse().unwrap();
        sessions::create(c, sid, u.id).unwrap();
        let ev = events::insert(
            c,
            &events::NewSecurityEvent {
                kind: EventKind::LoginSuccess,
                severity: Severity::Info,
                user_id: Some(u.id),
                username: Some("gone"),
                session_id: None,
                risk_score: None,
                detail: &json!({}),
                ip: None,
                user_agent: None,
            },
        )
        .unwrap();

        // Deleting a project deletes its tasks.
        let p2 = projects::create(c, &sample_project(u.id, "P2"))
            .unwrap()
            .project;
        let t2 = tasks::create(
            c,
            &tasks::NewTask {
                project_id: p2.id,
                title: "t2",
                description: None,
                status: TaskStatus::Todo,
                priority: TaskPriority::Normal,
                due_date: None,
                estimate_hours: None,
            },
        )
        .unwrap();
        projects::delete(c, p2.id).unwrap();
        assert!(tasks::get(c, t2.id).unwrap().is_none());

        // Deleting the user deletes projects, tasks, sessions; events keep the name.
        users::delete(c, u.id).unwrap();
        assert!(projects::get(c, p.id).unwrap().is_none());
        assert!(tasks::get(c, t.id).unwrap().is_none());
        assert!(sessions::get(c, sid).unwrap().is_none());
        let evs = events::list(c, &events::EventFilter::default(), page(10, 0), None)
            .unwrap()
            .items;
        let kept = evs.iter().find(|e| e.id == ev.id).unwrap();
        assert_eq!(kept.user_id, None);
        assert_eq!(kept.username.as_deref(), Some("gone"));
        assert!(projects::get(c, kept_project.id).unwrap().is_some());
    });
}

fn sessions_lifecycle_and_idempotent_end(db: &Database) {
    with(db, |c| {
        let u = users::create(c, &new_user("sess", "user")).unwrap();
        let id1 = SessionId::random();
        let id2 = SessionId::random();
        let s1 = sessions::create(c, id1, u.id).unwrap();
        assert!(s1.is_active());
        assert_eq!(sessions::get(c, id1).unwrap().unwrap(), s1);
        sessions::create(c, id2, u.id).unwrap();
        assert!(sessions::create(c, id2, u.id).unwrap_err().is_conflict());
        assert!(matches!(
            sessions::create(c, SessionId::random(), UserId::new(999_999)),
            Err(PersistenceError::ForeignKeyViolation(_))
        ));

        let seen = now_utc();
        let missing = SessionId::random();
        assert!(sessions::touch(c, id1, seen).unwrap());
        assert_eq!(
            sessions::get(c, id1).unwrap().unwrap().last_seen_at,
            Some(seen)
        );
        assert!(!sessions::touch(c, missing, seen).unwrap());

        let active = sessions::list_active_for_user(c, u.id).unwrap();
        assert_eq!(active.len(), 2);
        let other = users::create(c, &new_user("sess2", "user")).unwrap();
        let id3 = SessionId::random();
        sessions::create(c, id3, other.id).unwrap();
        assert_eq!(sessions::list_active(c, 100).unwrap().len(), 3);
        let first = sessions::list_active(c, 1).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].user_id, u.id);
        assert!(sessions::end(c, id3, EndReason::Logout).unwrap());

        assert!(sessions::end(c, id1, EndReason::Anomaly).unwrap());
        assert!(!sessions::end(c, id1, EndReason::Logout).unwrap());
        let ended = sessions::get(c, id1).unwrap().unwrap();
        assert!(!ended.is_active());
        assert_eq!(ended.end_reason.as_deref(), Some("anomaly"));
        assert_eq!(ended.reason(), Some(EndReason::Anomaly));
        assert!(!sessions::touch(c, id1, now_utc()).unwrap());
        assert!(!sessions::end(c, missing, EndReason::Logout).unwrap());

        let active = sessions::list_active_for_user(c, u.id).unwrap();
        assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [id2]);
        assert_eq!(
            sessions::end_all_for_user(c, u.id, EndReason::Admin).unwrap(),
            1
        );
        assert!(sessions::list_active_for_user(c, u.id).unwrap().is_empty());
    });
}

fn security_events_filters(db: &Database) {
    with(db, |c| {
        let u = users::create(c, &new_user("Mallory", "user")).unwrap();
        let sid = SessionId::random();
        let insert = |c: &mut DbConnection, kind: EventKind, username: Option<&str>| {
            // Distinct timestamps, so the `since` filter below is exact.
            std::thread::sleep(std::time::Duration::from_millis(2));
            events::insert(
                c,
                &events::NewSecurityEvent {
                    kind,
                    severity: Severity::Warning,
                    user_id: username.map(|_| u.id),
                    username,
                    session_id: Some(sid),
                    risk_score: Some(0.75),
                    detail: &json!({"ip": "127.0.0.1", "n": 1}),
                    ip: None,
                    user_agent: None,
                },
            )
            .unwrap()
        };
        let e1 = insert(c, EventKind::LoginFailed, Some("Mallory"));
        let e2 = insert(c, EventKind::LoginSuccess, Some("Mallory"));
        let e3 = insert(c, EventKind::LoginFailed, None);
        let e4 = insert(c, EventKind::Register, Some("Mallory"));
        assert_eq!(e1.detail_json(), json!({"ip": "127.0.0.1", "n": 1}));
        assert_eq!(e1.risk_score, Some(0.75));
        assert_eq!(e1.session_id, Some(sid.to_string()));
        assert_eq!(e1.kind, "login_failed");
        assert_eq!(e1.severity, Severity::Warning);
        assert_eq!(events::count(c).unwrap(), 4);

        let mut list = |filter: events::EventFilter, limit: i64, offset: i64| {
            let got = events::list(c, &filter, page(limit, offset), None).unwrap();
            (
                got.items.into_iter().map(|e| e.id).collect::<Vec<_>>(),
                got.total,
            )
        };
        let all = list(events::EventFilter::default(), 100, 0);
        assert_eq!(all, (vec![e4.id, e3.id, e2.id, e1.id], 4));

        let by_user = events::EventFilter {
            username: Some("mallory".into()),
            ..Default::default()
        };
        assert_eq!(list(by_user, 100, 0).0, [e4.id, e2.id, e1.id]);

        let by_kind = events::EventFilter {
            kind: Some(EventKind::LoginFailed),
            ..Default::default()
        };
        assert_eq!(list(by_kind, 100, 0).0, [e3.id, e1.id]);

        let both = events::EventFilter {
            kind: Some(EventKind::LoginFailed),
            username: Some("MALLORY".into()),
            ..Default::default()
        };
        assert_eq!(list(both, 100, 0).0, [e1.id]);

        let since = events::EventFilter {
            since: Some(e3.created_at),
            ..Default::default()
        };
        assert_eq!(list(since, 100, 0).0, [e4.id, e3.id]);
        let future = events::EventFilter {
            since: Some(now_utc() + Duration::hours(1)),
            ..Default::default()
        };
        assert!(list(future, 100, 0).0.is_empty());

        assert_eq!(
            list(events::EventFilter::default(), 2, 0),
            (vec![e4.id, e3.id], 4)
        );
        assert_eq!(
            list(events::EventFilter::default(), 2, 2),
            (vec![e2.id, e1.id], 4)
        );
        // Oldest first on request.
        let oldest_first = events::list(
            c,
            &events::EventFilter::default(),
            page(100, 0),
            Some(Sort::parse("created_at").unwrap()),
        )
        .unwrap();
        assert_eq!(
            oldest_first.items.iter().map(|e| e.id).collect::<Vec<_>>(),
            [e1.id, e2.id, e3.id, e4.id]
        );
    });
}

fn login_failures_counting(db: &Database) {
    with(db, |c| {
        let now = now_utc();
        let key = users::username_key("Victim");
        for minutes in [30, 10, 5, 1] {
            login_failures::record(c, &key, now - Duration::minutes(minutes)).unwrap();
        }
        login_failures::record(c, "other", now).unwrap();

        let since = now - Duration::minutes(15);
        assert_eq!(login_failures::count_since(c, &key, since).unwrap(), 3);
        let w = login_failures::window_since(c, &key, since).unwrap();
        assert_eq!(w.count, 3);
        assert_eq!(w.oldest, Some(now - Duration::minutes(10)));
        let empty = login_failures::window_since(c, "nobody", since).unwrap();
        assert_eq!(empty.count, 0);
        assert_eq!(empty.oldest, None);

        assert_eq!(login_failures::prune_older_than(c, since).unwrap(), 1);
        assert_eq!(
            login_failures::count_since(c, &key, now - Duration::days(1)).unwrap(),
            3
        );
        assert_eq!(login_failures::clear(c, &key).unwrap(), 3);
        assert_eq!(login_failures::count_since(c, &key, since).unwrap(), 0);
        assert_eq!(login_failures::count_since(c, "other", since).unwrap(), 1);
    });
}

fn transactions_commit_and_roll_back(db: &Database) {
    let result: Result<(), PersistenceError> = db.transaction(|c| {
        users::create(c, &new_user("tx1", "user"))?;
        Err(PersistenceError::NotFound)
    });
    assert!(matches!(result, Err(PersistenceError::NotFound)));
    with(db, |c| {
        assert!(users::find_by_username(c, "tx1").unwrap().is_none())
    });

    db.transaction(|c| -> Result<(), PersistenceError> {
        users::create(c, &new_user("tx2", "user"))?;
        // Nested: a savepoint that rolls back alone.
        let inner: Result<(), PersistenceError> = transaction(c, |c| {
            users::create(c, &new_user("tx3", "user"))?;
            Err(PersistenceError::NotFound)
        });
        assert!(inner.is_err());
        Ok(())
    })
    .unwrap();
    with(db, |c| {
        assert!(users::find_by_username(c, "tx2").unwrap().is_some());
        assert!(users::find_by_username(c, "tx3").unwrap().is_none());
    });

    // A unique violation inside a transaction surfaces as Conflict and rolls back.
    let err = db
        .transaction(|c| -> Result<(), PersistenceError> {
            users::create(c, &new_user("tx4", "user"))?;
            users::create(c, &new_user("TX2", "user"))?;
            Ok(())
        })
        .unwrap_err();
    assert!(err.is_conflict());
    with(db, |c| {
        assert!(users::find_by_username(c, "tx4").unwrap().is_none())
    });
}

#[test]
fn testdb_sqlite_file_is_removed_on_drop() {
    let db = TestDb::sqlite();
    let path = db.db_path().to_path_buf();
    assert!(path.exists());
    assert_eq!(db.database_url(), None);
    assert!(db
        .env_vars()
        .contains(&("DATABASE_URL".to_owned(), String::new())));
    drop(db);
    assert!(!path.exists());
}

#[test]
fn testdb_postgres_database_is_dropped_and_ping_fails_fast() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let url = db.database_url().unwrap().to_owned();
    assert!(url.contains("/wstest_"));
    assert!(db
        .env_vars()
        .contains(&("DATABASE_URL".to_owned(), url.clone())));
    // A second handle on the same URL sees the migrated schema.
    let other = Database::connect_with(
        workspace_persistence::DatabaseTarget::Postgres(url.clone()),
        &workspace_persistence::PoolOptions {
            checkout_timeout: std::time::Duration::from_secs(1),
            ..workspace_persistence::PoolOptions::new(2)
        },
    )
    .unwrap();
    assert_eq!(other.run_migrations().unwrap(), 0);
    other.ping().unwrap();
    // Dropping the TestDb drops the database (FORCE ends `other`'s connections).
    drop(db);
    let started = std::time::Instant::now();
    let err = other.ping().unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    let err = other.run(users::count).unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(Database::connect(Some(&url), std::path::Path::new("unused"), 1).is_err());
}

#[test]
fn handles_and_errors_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Database>();
    assert_send_sync::<PersistenceError>();
}

#[test]
fn pool_options_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let target = workspace_persistence::DatabaseTarget::Sqlite(dir.path().join("p.db"));
    let opts = workspace_persistence::PoolOptions {
        max_size: 1,
        min_idle: Some(1),
        checkout_timeout: std::time::Duration::from_millis(200),
        test_on_check_out: Some(true),
    };
    let db = Database::connect_with(target, &opts).unwrap();
    let held = db.conn().unwrap();
    // The only connection is checked out: the next checkout times out.
    let err = db.conn().map(|_| ()).unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    drop(held);
    db.ping().unwrap();
}

#[test]
fn sqlite_connections_have_pragmas() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Val {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let db = TestDb::sqlite();
    let database = db.database();
    let mut conn = database.conn().unwrap();
    let mut pragma = |name: &str, column: &str| -> String {
        diesel::sql_query(format!(
            "SELECT CAST(p.{column} AS TEXT) AS v FROM pragma_{name} p"
        ))
        .get_result::<Val>(&mut *conn)
        .unwrap()
        .v
    };
    assert_eq!(pragma("journal_mode", "journal_mode"), "wal");
    assert_eq!(pragma("foreign_keys", "foreign_keys"), "1");
    assert_eq!(pragma("busy_timeout", "timeout"), "5000");
}

#[test]
fn connect_creates_sqlite_parent_directory_and_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/ws.db");
    let db = Database::connect(Some(""), &path, 2).unwrap();
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    with(&db, |c| {
        users::create(c, &new_user("persist", "user")).unwrap()
    });
    drop(db);
    // Reopening runs no migration and keeps the data.
    let db = Database::connect(None, &path, 2).unwrap();
    assert_eq!(db.run_migrations().unwrap(), 0);
    with(&db, |c| {
        assert!(users::find_by_username(c, "PERSIST").unwrap().is_some())
    });
}

#[test]
fn connect_fails_when_postgres_is_unreachable() {
    // Nothing listens on port 1.
    let err = Database::connect(
        Some("postgres://postgres@127.0.0.1:1/none?connect_timeout=2"),
        std::path::Path::new("unused"),
        1,
    )
    .unwrap_err();
    assert!(matches!(err, PersistenceError::Connection(_)), "{err:?}");
}

fn profile<'a>(
    user_id: UserId,
    modality: &'a str,
    state: &'a str,
    samples: i32,
    data: &'a str,
) -> behavior::NewProfile<'a> {
    behavior::NewProfile {
        user_id,
        modality,
        state,
        samples,
        format_version: 1,
        data,
    }
}

fn behavior_profiles_upsert(db: &Database) {
    with(db, |c| {
        let u = users::create(c, &new_user("typist", "user")).unwrap();
        let other = users::create(c, &new_user("other", "user")).unwrap();
        assert!(behavior::get_profiles(c, u.id).unwrap().is_empty());
        assert!(behavior::get_profile(c, u.id, "keystroke")
            .unwrap()
            .is_none());

        let p1 =
            behavior::upsert_profile(c, &profile(u.id, "keystroke", "enrolling", 3, r#"{"v":1}"#))
                .unwrap();
        assert_eq!(p1.state, "enrolling");
        assert_eq!(p1.samples, 3);
        assert_eq!(p1.data, r#"{"v":1}"#);

        let p2 = behavior::upsert_profile(
            c,
            &behavior::NewProfile {
                format_version: 2,
                ..profile(u.id, "keystroke", "trained", 40, r#"{"v":2}"#)
            },
        )
        .unwrap();
        assert_eq!(p2.id, p1.id);
        assert_eq!(p2.state, "trained");
        assert_eq!(p2.samples, 40);
        assert_eq!(p2.format_version, 2);
        assert_eq!(p2.data, r#"{"v":2}"#);
        assert_eq!(p2.created_at, p1.created_at);
        assert!(p2.updated_at >= p1.updated_at);

        let m = behavior::upsert_profile(c, &profile(u.id, "mouse", "enrolling", 1, "{}")).unwrap();
        behavior::upsert_profile(c, &profile(other.id, "mouse", "enrolling", 9, "{}")).unwrap();
        let all = behavior::get_profiles(c, u.id).unwrap();
        assert_eq!(all, vec![p2.clone(), m]);
        assert_eq!(
            behavior::get_profile(c, u.id, "keystroke").unwrap(),
            Some(p2)
        );

        let err = behavior::upsert_profile(
            c,
            &profile(UserId::new(999_999), "mouse", "enrolling", 1, "{}"),
        )
        .unwrap_err();
        assert!(
            matches!(err, PersistenceError::ForeignKeyViolation(_)),
            "{err:?}"
        );

        assert_eq!(behavior::delete_profiles(c, u.id).unwrap(), 2);
        assert!(behavior::get_profiles(c, u.id).unwrap().is_empty());
        assert_eq!(behavior::get_profiles(c, other.id).unwrap().len(), 1);
        // Re-enrollment after a reset starts a new row.
        let again =
            behavior::upsert_profile(c, &profile(u.id, "keystroke", "enrolling", 0, "{}")).unwrap();
        assert_eq!(again.samples, 0);
    });
}

const WINDOW_SESSION: &str = "22222222-2222-4222-8222-222222222222";

fn window<'a>(user_id: UserId, modality: &'a str, features: &'a str) -> behavior::NewWindow<'a> {
    behavior::NewWindow {
        user_id,
        session_id: Some(WINDOW_SESSION.parse().unwrap()),
        modality,
        features,
        risk_score: Some(0.25),
    }
}

fn behavior_windows_sampling_and_pruning(db: &Database) {
    with(db, |c| {
        let a = users::create(c, &new_user("wa", "user")).unwrap();
        let b = users::create(c, &new_user("wb", "user")).unwrap();
        assert!(behavior::count_windows(c).unwrap().is_empty());
        let mut key_ids = Vec::new();
        for i in 0..6 {
            let user = if i % 2 == 0 { a.id } else { b.id };
            key_ids.push(
                behavior::insert_window(c, &window(user, "keystroke", &format!("[{i}]"))).unwrap(),
            );
        }
        behavior::insert_window(
            c,
            &behavior::NewWindow {
                session_id: None,
                risk_score: None,
                ..window(a.id, "mouse", "[0.5]")
            },
        )
        .unwrap();
        assert_eq!(
            behavior::count_windows(c).unwrap(),
            vec![("keystroke".to_owned(), 6), ("mouse".to_owned(), 1)]
        );
        assert_eq!(behavior::count_windows_for(c, "keystroke").unwrap(), 6);
        assert_eq!(behavior::count_windows_for(c, "none").unwrap(), 0);

        let recent = behavior::recent_windows(c, "keystroke", 4).unwrap();
        assert_eq!(
            recent.iter().map(|w| w.id).collect::<Vec<_>>(),
            key_ids[2..].iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!(recent[0].features, "[5]");
        assert_eq!(recent[0].user_id, b.id);
        assert_eq!(recent[1].user_id, a.id);
        assert_eq!(recent[0].session_id.as_deref(), Some(WINDOW_SESSION));
        assert_eq!(recent[0].risk_score, Some(0.25));
        let mouse = behavior::recent_windows(c, "mouse", 10).unwrap();
        assert_eq!(mouse.len(), 1);
        assert_eq!(mouse[0].session_id, None);

        assert_eq!(behavior::prune_windows(c, "keystroke", 4).unwrap(), 2);
        assert_eq!(behavior::count_windows_for(c, "keystroke").unwrap(), 4);
        assert_eq!(behavior::prune_windows(c, "keystroke", 10).unwrap(), 0);
        assert_eq!(behavior::prune_windows(c, "none", 10).unwrap(), 0);
        assert_eq!(behavior::count_windows_for(c, "mouse").unwrap(), 1);
        assert_eq!(behavior::delete_windows_for_user(c, b.id).unwrap(), 2);
        assert_eq!(behavior::count_windows_for(c, "keystroke").unwrap(), 2);
        assert_eq!(behavior::prune_windows(c, "keystroke", 0).unwrap(), 2);
        assert_eq!(behavior::count_windows_for(c, "keystroke").unwrap(), 0);
    });
}

fn global_models_versions(db: &Database) {
    with(db, |c| {
        assert!(behavior::latest_global_model(c, "keystroke")
            .unwrap()
            .is_none());
        assert!(behavior::latest_global_models(c).unwrap().is_empty());
        assert!(behavior::latest_global_model_info(c).unwrap().is_none());
        let model = |modality, samples, data| behavior::NewGlobalModel {
            modality,
            samples,
            format_version: 1,
            data,
            metrics: Some(r#"{"auc":0.9}"#),
        };
        let k1 = behavior::insert_global_model(c, &model("keystroke", 100, "k1")).unwrap();
        let m1 = behavior::insert_global_model(c, &model("mouse", 50, "m1")).unwrap();
        let k2 = behavior::insert_global_model(
            c,
            &behavior::NewGlobalModel {
                metrics: None,
                ..model("keystroke", 5_000_000_000, "k2")
            },
        )
        .unwrap();
        assert!(k2.id > k1.id);
        assert_eq!(k1.metrics.as_deref(), Some(r#"{"auc":0.9}"#));
        assert_eq!(k2.samples, 5_000_000_000);
        assert_eq!(k2.metrics, None);
        assert_eq!(
            behavior::latest_global_model(c, "keystroke").unwrap(),
            Some(k2.clone())
        );
        assert_eq!(
            behavior::latest_global_model(c, "mouse").unwrap(),
            Some(m1.clone())
        );
        assert_eq!(
            behavior::latest_global_models(c).unwrap(),
            vec![k2.clone(), m1]
        );
        let info = behavior::latest_global_model_info(c).unwrap().unwrap();
        assert_eq!(
            (info.id, info.modality.as_str(), info.samples),
            (k2.id, "keystroke", k2.samples)
        );
        assert_eq!(info.created_at, k2.created_at);

        assert_eq!(behavior::prune_global_models(c, "keystroke", 1).unwrap(), 1);
        assert_eq!(
            behavior::latest_global_model(c, "keystroke").unwrap(),
            Some(k2)
        );
        assert_eq!(behavior::prune_global_models(c, "keystroke", 1).unwrap(), 0);
    });
}

fn behavior_data_cascades_with_user(db: &Database) {
    with(db, |c| {
        let u = users::create(c, &new_user("leaver", "user")).unwrap();
        behavior::upsert_profile(c, &profile(u.id, "mouse", "trained", 30, "{}")).unwrap();
        behavior::insert_window(c, &window(u.id, "mouse", "[]")).unwrap();
        users::delete(c, u.id).unwrap();
        assert!(behavior::get_profiles(c, u.id).unwrap().is_empty());
        assert_eq!(behavior::count_windows_for(c, "mouse").unwrap(), 0);
    });
}

/// Both migration histories must produce the same tables, columns and
/// nullability (types are checked by every repository test loading rows).
#[test]
fn migration_histories_agree() {
    use diesel::prelude::*;
    use std::collections::BTreeMap;

    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        nullable: bool,
    }
    fn columns(db: &Database) -> BTreeMap<(String, String), bool> {
        let sql = match db.backend() {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name, p.\"notnull\" = 0 AS nullable \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                   AND m.name NOT LIKE '%\\_fts%' ESCAPE '\\' \
                   AND m.name <> '__diesel_schema_migrations'"
            }
            Backend::Postgres => {
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                        is_nullable = 'YES' AS nullable \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
                   AND column_name <> 'search_vector'"
            }
        };
        with(db, |c| {
            diesel::sql_query(sql)
                .load::<Col>(c)
                .unwrap()
                .into_iter()
                .map(|c| ((c.table_name, c.column_name), c.nullable))
                .collect()
        })
    }

    let sqlite = TestDb::sqlite();
    let sqlite_cols = columns(&sqlite.database());
    assert_eq!(
        sqlite_cols
            .keys()
            .map(|(t, _)| t.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        // + webhooks, webhook_deliveries, event_feedback (secops)
        // + revoked_tokens (account)
        // + labels, task_labels, comments (work)
        // + invoices, invoice_lines, invoice_counters, time_entries (time)
        // + time_report_days (report_days), session_windows (session_windows),
        // + live_instances, live_sockets (monitor)
        24
    );
    assert_eq!(
        sqlite_cols.get(&("users".into(), "email".into())),
        Some(&true)
    );
    assert_eq!(
        sqlite_cols.get(&("users".into(), "id".into())),
        Some(&false)
    );
    let Some(pg) = TestDb::postgres() else {
        return;
    };
    assert_eq!(columns(&pg.database()), sqlite_cols);
}

/// Without a ping on every checkout (a connection used in the last second
/// is trusted), a connection PostgreSQL dropped fails its next statement
/// once: a read answers unavailable and the connection is discarded; a
/// transaction's failed `BEGIN` is retried on another connection.
#[test]
fn postgres_connections_dropped_by_the_server_are_replaced() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    let url = test_db.database_url().unwrap().to_owned();
    let db = Database::connect_with(
        workspace_persistence::DatabaseTarget::Postgres(url.clone()),
        // No idle connection kept: a replacement opened in the background
        // would be handed out instead of the dropped one.
        &workspace_persistence::PoolOptions {
            min_idle: Some(0),
            ..workspace_persistence::PoolOptions::new(2)
        },
    )
    .unwrap();
    let pid_of_next = || {
        db.run(|c| {
            Ok::<_, PersistenceError>(
                diesel::sql_query("SELECT pg_backend_pid() AS pid")
                    .get_result::<Pid>(c)?
                    .pid,
            )
        })
        .unwrap()
    };
    let mut admin = diesel::PgConnection::establish(&url).unwrap();
    let mut terminate = |pid: i32| {
        diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
            .execute(&mut admin)
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
    };

    terminate(pid_of_next());
    let err = db.run(users::count).unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(
        db.run(users::count).unwrap(),
        0,
        "the dead one was replaced"
    );

    terminate(pid_of_next());
    let n = db.transaction(users::count).unwrap();
    assert_eq!(n, 0, "BEGIN on the dead connection was retried");
}
