//! Stored behaviour windows (for global training and analyst feedback):
//! one window at a time, or batched for all of an instance's connections by
//! the [`WindowWriter`] thread. Depends on the database only, so the
//! services' core can own a writer without importing the behaviour service.

use super::error::{ServiceError, ServiceResult};
use behavior_ml::FeatureWindow;
use workspace_domain::{SessionId, UserId};
use workspace_persistence::{behavior, Database, DbConnection};

/// Stored windows are pruned when a new window's id is a multiple of this.
const PRUNE_EVERY: i64 = 256;

/// A scored feature window to keep for global training.
#[derive(Debug, Clone)]
pub struct WindowToStore {
    /// The owner (the label for training).
    pub user_id: UserId,
    /// The session it came from.
    pub session_id: SessionId,
    /// The window's features.
    pub features: FeatureWindow,
    /// Its score, if scored.
    pub score: Option<f64>,
    /// A flagged window the profile did not learn: stored out of training
    /// until an analyst says the owner produced it.
    pub held: bool,
}

/// Stores a window; every [`PRUNE_EVERY`] windows the oldest beyond `keep`
/// per modality are deleted.
pub fn store_window(conn: &mut DbConnection, w: &WindowToStore, keep: i64) -> ServiceResult<()> {
    let features = serde_json::to_string(&w.features).map_err(ServiceError::internal)?;
    let modality = match w.features {
        FeatureWindow::Keystroke(_) => "keystroke",
        FeatureWindow::Mouse(_) => "mouse",
    };
    let id = behavior::insert_window(
        conn,
        &behavior::NewWindow {
            user_id: w.user_id,
            session_id: Some(w.session_id),
            modality,
            features: &features,
            risk_score: w.score,
        },
    )?;
    if w.held {
        behavior::hold_window(conn, id)?;
    }
    if id % PRUNE_EVERY == 0 {
        behavior::prune_windows(conn, modality, keep)?;
    }
    Ok(())
}

/// Most windows one transaction of the [`WindowWriter`] stores.
const WINDOW_BATCH_MAX: usize = 256;

/// Stores the windows of all of an instance's connections in batches: one
/// writer thread takes whatever is queued (up to [`WINDOW_BATCH_MAX`]) and
/// stores it in one transaction, so at a thousand windows a second a
/// window no longer costs a blocking job, a checkout and a commit of its
/// own (issue 14). Nothing waits for a batch to fill: a window queued while
/// the writer is idle is written at once, alone, so stored windows appear as
/// soon as before. When the last handle is dropped (the server stops) the
/// writer stores what is still queued before the drop returns.
pub struct WindowWriter {
    queue: Option<std::sync::mpsc::Sender<WindowToStore>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WindowWriter {
    /// Starts the writer thread on `db`, keeping `keep` windows per modality.
    pub fn start(db: Database, keep: i64) -> Self {
        let (queue, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("window-writer".to_owned())
            .spawn(move || write_windows(&db, keep, &rx));
        match thread {
            Ok(thread) => Self {
                queue: Some(queue),
                thread: Some(thread),
            },
            Err(e) => {
                log::error!("cannot start the window writer, windows are not stored: {e}");
                Self {
                    queue: None,
                    thread: None,
                }
            }
        }
    }

    /// Queues a window to be stored.
    pub fn store(&self, window: WindowToStore) {
        let queued = self.queue.as_ref().is_some_and(|q| q.send(window).is_ok());
        if !queued {
            log::warn!("window writer stopped: a behaviour window was not stored");
        }
    }
}

impl Drop for WindowWriter {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has stored the rest.
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("the window writer panicked");
            }
        }
    }
}

/// The writer thread: batches until the queue is closed and empty.
fn write_windows(db: &Database, keep: i64, rx: &std::sync::mpsc::Receiver<WindowToStore>) {
    let mut batch = Vec::with_capacity(WINDOW_BATCH_MAX);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        batch.extend(rx.try_iter().take(WINDOW_BATCH_MAX - 1));
        store_batch(db, keep, &batch);
        batch.clear();
    }
}

/// Stores a batch in one transaction. When that fails for another reason
/// than the database being unavailable, each window is stored on its own, so
/// one bad window (its user deleted meanwhile) does not cost the others.
fn store_batch(db: &Database, keep: i64, batch: &[WindowToStore]) {
    let all = db.transaction(|conn| batch.iter().try_for_each(|w| store_window(conn, w, keep)));
    let Err(e) = all else { return };
    if batch.len() == 1 || e.code == super::error::ErrorCode::ServiceUnavailable {
        log::warn!(
            "realtime database write failed: {e} ({} windows not stored)",
            batch.len()
        );
        return;
    }
    for w in batch {
        if let Err(e) = db.run(|conn| store_window(conn, w, keep)) {
            log::warn!("realtime database write failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use behavior_ml::{keystroke::KeystrokeWindow, synth::Typist};
    use workspace_domain::Role;
    use workspace_persistence::{testing::TestDb, users};

    fn windows_of(typist: &mut Typist, n: usize) -> Vec<FeatureWindow> {
        let mut out = Vec::new();
        while out.len() < n {
            if let Some(w) = KeystrokeWindow::from_events(&typist.sentence(9), 10) {
                out.push(FeatureWindow::Keystroke(w));
            }
        }
        out
    }

    /// Every queued window is stored, in batches, and dropping the writer
    /// (the server stopping) stores what is still queued first.
    #[test]
    fn the_window_writer_stores_everything_queued_before_it_stops() {
        let test_db = TestDb::sqlite();
        let db = test_db.database();
        let user = db
            .run(|c| {
                users::create(
                    c,
                    &users::NewUser {
                        username: "writer",
                        password_hash: "x",
                        email: None,
                        role: Role::User,
                    },
                )
            })
            .unwrap();
        let session_id = SessionId::random();
        let writer = WindowWriter::start(db.clone(), 10_000);
        let mut typist = Typist::new(7);
        for (i, features) in windows_of(&mut typist, 300).into_iter().enumerate() {
            writer.store(WindowToStore {
                user_id: user.id,
                session_id,
                features,
                score: Some(0.1),
                held: i % 100 == 0,
            });
        }
        drop(writer);
        let stored = db
            .run(|c| behavior::session_features(c, user.id, session_id))
            .unwrap();
        assert_eq!(stored.len(), 300);
    }
}
