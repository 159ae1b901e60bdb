//! The monitor's state in the database, shared by every instance (see
//! `workspace_persistence::live`). One writer thread per instance runs its
//! writes in order — socket claims, releases and the periodic refresh — so
//! a refresh built before a socket closed can never bring its row back: the
//! writer only upserts sockets it granted and has not released.

use chrono::NaiveDateTime;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::oneshot;
use workspace_persistence::live::{self, Refresh, SocketRow, Totals};
use workspace_persistence::{now_utc, Database, PersistenceError};

/// How often an instance writes its sockets and totals.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
/// Rows not refreshed for this long belong to a dead instance.
pub const STALE_AFTER_SECONDS: i64 = 10;

/// This instance's handle on the shared monitor state (cheap to clone).
#[derive(Clone)]
pub struct MonitorStore {
    tx: mpsc::Sender<Job>,
    db: Database,
    instance_id: Arc<str>,
    refresh_queued: Arc<AtomicBool>,
}

enum Job {
    Claim {
        row: SocketRow,
        limit: i64,
        reply: oneshot::Sender<Result<bool, PersistenceError>>,
    },
    Release(i64),
    Refresh {
        sockets: Vec<SocketRow>,
        totals: Totals,
    },
}

/// The cut-off before which rows are stale.
pub fn fresh_since(now: NaiveDateTime) -> NaiveDateTime {
    now - chrono::Duration::seconds(STALE_AFTER_SECONDS)
}

impl MonitorStore {
    /// Starts the writer thread of instance `instance_id`.
    pub fn start(db: Database, instance_id: &str) -> Self {
        let (tx, rx) = mpsc::channel();
        let store = Self {
            tx,
            db: db.clone(),
            instance_id: Arc::from(instance_id),
            refresh_queued: Arc::new(AtomicBool::new(false)),
        };
        let writer = Writer {
            db,
            instance_id: instance_id.to_owned(),
            started_at: now_utc(),
            granted: HashSet::new(),
            orphans: Vec::new(),
            failing: false,
            refresh_queued: store.refresh_queued.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("monitor-writer".into())
            .spawn(move || writer.run(&rx));
        if let Err(e) = spawned {
            log::error!("cannot start the monitor writer: {e}");
        }
        store
    }

    /// This instance's id.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Claims a place for socket `conn_id` of `session_id`: `Ok(false)` when
    /// the session already has `limit` sockets on all instances.
    pub async fn claim(
        &self,
        conn_id: u64,
        session_id: String,
        username: String,
        limit: usize,
    ) -> Result<bool, PersistenceError> {
        let now = now_utc();
        let row = SocketRow {
            instance_id: self.instance_id.to_string(),
            conn_id: to_i64(conn_id),
            session_id,
            username,
            connected_at: now,
            last_packet_at: None,
            packets: 0,
            events: 0,
            last_score: None,
            max_score: None,
            level: "low".into(),
            profile_state: String::new(),
            refreshed_at: now,
        };
        let (reply, answer) = oneshot::channel();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let stopped = || PersistenceError::Unavailable("the monitor writer stopped".into());
        self.tx
            .send(Job::Claim { row, limit, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The socket closed: its row goes.
    pub fn release(&self, conn_id: u64) {
        let _ = self.tx.send(Job::Release(to_i64(conn_id)));
    }

    /// Writes this instance's sockets and totals (skipped while the previous
    /// refresh has not run, so a slow database never piles them up).
    pub fn refresh(&self, sockets: Vec<SocketRow>, totals: Totals) {
        if self.refresh_queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let _ = self.tx.send(Job::Refresh { sockets, totals });
    }

    /// The other instances' live sockets and summed totals.
    pub async fn others(&self) -> Result<(Vec<SocketRow>, Totals), PersistenceError> {
        let (db, me) = (self.db.clone(), self.instance_id.clone());
        tokio::task::spawn_blocking(move || {
            db.run(|conn| live::others(conn, &me, fresh_since(now_utc())))
        })
        .await
        .map_err(|e| PersistenceError::Unavailable(e.to_string()))?
    }
}

/// A count as a database integer.
pub fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

struct Writer {
    db: Database,
    instance_id: String,
    started_at: NaiveDateTime,
    /// Sockets claimed and not released.
    granted: HashSet<i64>,
    /// Released sockets whose row could not be deleted yet.
    orphans: Vec<i64>,
    failing: bool,
    refresh_queued: Arc<AtomicBool>,
}

impl Writer {
    fn run(mut self, rx: &mpsc::Receiver<Job>) {
        while let Ok(job) = rx.recv() {
            match job {
                Job::Claim { row, limit, reply } => {
                    let conn_id = row.conn_id;
                    let fresh = fresh_since(row.connected_at);
                    let res = self
                        .db
                        .run(|conn| live::claim_socket(conn, &row, limit, fresh));
                    if let Ok(true) = res {
                        self.granted.insert(conn_id);
                    }
                    // Nobody waits for the place any more: give it back.
                    if let Err(Ok(true)) = reply.send(res) {
                        self.granted.remove(&conn_id);
                        self.orphans.push(conn_id);
                        self.delete_orphans();
                    }
                }
                Job::Release(conn_id) => {
                    self.granted.remove(&conn_id);
                    self.orphans.push(conn_id);
                    self.delete_orphans();
                }
                Job::Refresh {
                    mut sockets,
                    totals,
                } => {
                    self.refresh_queued.store(false, Ordering::Release);
                    sockets.retain(|s| self.granted.contains(&s.conn_id));
                    self.delete_orphans();
                    self.refresh(&mut sockets, totals);
                }
            }
        }
    }

    fn delete_orphans(&mut self) {
        let res = self
            .db
            .run(|conn| live::release_sockets(conn, &self.instance_id, &self.orphans));
        if self.report(res).is_some() {
            self.orphans.clear();
        }
    }

    fn refresh(&mut self, sockets: &mut [SocketRow], totals: Totals) {
        let now = now_utc();
        for s in sockets.iter_mut() {
            s.refreshed_at = now;
        }
        let r = Refresh {
            instance_id: &self.instance_id,
            started_at: self.started_at,
            now,
            totals,
            sockets,
            stale_before: fresh_since(now),
        };
        let res = self.db.run(|conn| live::refresh(conn, &r));
        self.report(res);
    }

    /// Logs the first failure of a streak and the recovery.
    fn report<T>(&mut self, res: Result<T, PersistenceError>) -> Option<T> {
        match res {
            Ok(v) => {
                if std::mem::take(&mut self.failing) {
                    log::info!("the realtime monitor writes its state again");
                }
                Some(v)
            }
            Err(e) => {
                if !std::mem::replace(&mut self.failing, true) {
                    log::warn!("the realtime monitor cannot write its state: {e}");
                }
                None
            }
        }
    }
}
