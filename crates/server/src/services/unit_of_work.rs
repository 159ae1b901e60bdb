//! One transaction and everything that must happen with it, written once:
//! the rows a service changes, the security events that describe the
//! change, and the notices live connections must get — published to other
//! instances inside the transaction (PostgreSQL `NOTIFY` is sent on commit)
//! and delivered locally by [`Services::write`](super::core::Services::write)
//! after the commit.

use super::error::ServiceResult;
use super::events::{self, Event};
use super::live::Notice;
use super::notify;
use workspace_domain::EventId;
use workspace_persistence::DbConnection;

/// An open transaction of a service call.
pub struct UnitOfWork<'c> {
    conn: &'c mut DbConnection,
    origin: &'c str,
    notices: Vec<Notice>,
}

impl<'c> UnitOfWork<'c> {
    /// A unit of work on a connection inside a transaction; `origin` is this
    /// instance's id.
    pub fn new(conn: &'c mut DbConnection, origin: &'c str) -> Self {
        Self {
            conn,
            origin,
            notices: Vec::new(),
        }
    }

    /// The connection, for repository calls.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// Stores a security event as part of this change.
    pub fn record(&mut self, event: Event) -> ServiceResult<EventId> {
        events::record(self.conn, &event)
    }

    /// Raises a notice: published to other instances now (sent on commit),
    /// delivered to this instance's connections after the commit.
    pub fn notify(&mut self, notice: Notice) -> ServiceResult<()> {
        notify::publish(self.conn, self.origin, &notice)?;
        self.notices.push(notice);
        Ok(())
    }

    /// The notices raised, for delivery after the commit.
    pub fn into_notices(self) -> Vec<Notice> {
        self.notices
    }
}
