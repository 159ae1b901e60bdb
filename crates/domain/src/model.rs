//! Enumerations of the domain, with their wire names.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// Parses a wire name; the error names the field and the accepted values.
            pub fn parse(value: &str) -> Result<Self, DomainError> {
                match value {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(DomainError::invalid(
                        $field,
                        format!(
                            "must be one of {}",
                            [$($wire),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// A user's role; see the role table in `api.md`.
    Role, "role", {
        /// Own projects and tasks only.
        User => "user",
        /// Reads everyone's work and the security views.
        Analyst => "analyst",
        /// Everything, including role changes.
        Admin => "admin",
    }
);

wire_enum!(
    /// Lifecycle of a project.
    #[derive(Default)]
    ProjectStatus, "status", {
        /// Being worked on (the default).
        #[default]
        Active => "active",
        /// Paused.
        OnHold => "on_hold",
        /// Finished.
        Completed => "completed",
        /// Kept for the record.
        Archived => "archived",
    }
);

wire_enum!(
    /// Lifecycle of a task.
    #[derive(Default)]
    TaskStatus, "status", {
        /// Not started (the default).
        #[default]
        Todo => "todo",
        /// Started.
        InProgress => "in_progress",
        /// Waiting on something.
        Blocked => "blocked",
        /// Finished.
        Done => "done",
    }
);

wire_enum!(
    /// How urgent a task is.
    #[derive(Default)]
    TaskPriority, "priority", {
        /// Whenever.
        Low => "low",
        /// The default.
        #[default]
        Normal => "normal",
        /// Soon.
        High => "high",
        /// Now.
        Urgent => "urgent",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_name_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(*r));
        }
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::parse(s.as_str()), Ok(*s));
        }
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Ok(*s));
        }
        for p in TaskPriority::ALL {
            assert_eq!(TaskPriority::parse(p.as_str()), Ok(*p));
        }
    }

    #[test]
    fn unknown_names_are_rejected_with_the_field() {
        let err = Role::parse("root").unwrap_err();
        assert_eq!(err.field(), "role");
        assert!(err.to_string().contains("user, analyst, admin"));
        assert!(ProjectStatus::parse("Active").is_err());
        assert_eq!(TaskPriority::parse("").unwrap_err().field(), "priority");
    }

    #[test]
    fn defaults_match_the_contract() {
        assert_eq!(ProjectStatus::default(), ProjectStatus::Active);
        assert_eq!(TaskStatus::default(), TaskStatus::Todo);
        assert_eq!(TaskPriority::default(), TaskPriority::Normal);
    }
}
