//! Typed ids. Each id is a newtype so a `ProjectId` cannot be passed where a
//! `TaskId` is meant; on the wire and in the database they are plain integers
//! (`SessionId`: a UUID string), `#[serde(transparent)]`.
//!
//! A new resource adds one line: `int_id!(/// docs
//! LabelId);`.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

macro_rules! int_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw id, for the database and the wire.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

int_id!(
    /// A user (`users.id`).
    UserId
);
int_id!(
    /// A project (`projects.id`).
    ProjectId
);
int_id!(
    /// A task (`tasks.id`).
    TaskId
);
int_id!(
    /// A security event (`security_events.id`).
    EventId
);
int_id!(
    /// A label (`labels.id`).
    LabelId
);
int_id!(
    /// A comment (`comments.id`).
    CommentId
);

/// A monitored session: a random UUID (v4), stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(Uuid);

impl SessionId {
    /// A fresh random id.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// Wraps a UUID.
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    /// The UUID.
    pub const fn uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hyphenated lower case, as stored and as on the wire.
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for SessionId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

impl TryFrom<String> for SessionId {
    type Error = uuid::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_transparent_on_the_wire() {
        let id = ProjectId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<ProjectId>("42").unwrap(), id);
        assert_eq!("42".parse::<ProjectId>().unwrap(), id);
        assert_eq!(i64::from(id), 42);
        assert_eq!(id.to_string(), "42");
        let sid = SessionId::random();
        let text = serde_json::to_string(&sid).unwrap();
        assert_eq!(text, format!("\"{sid}\""));
        assert_eq!(serde_json::from_str::<SessionId>(&text).unwrap(), sid);
        assert!("not-a-uuid".parse::<SessionId>().is_err());
        assert_eq!(SessionId::try_from(sid.to_string()).unwrap(), sid);
    }
}
