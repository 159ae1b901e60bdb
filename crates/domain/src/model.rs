//! Enumerations of the domain, with their wire names.

use crate::error::DomainError;
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

        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(value: &str) -> Result<Self, DomainError> {
                Self::parse(value)
            }
        }

        // For database columns that hold the wire name.
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(value: String) -> Result<Self, DomainError> {
                Self::parse(&value)
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

wire_enum!(
    /// How serious a security event is.
    Severity, "severity", {
        /// Routine.
        Info => "info",
        /// Worth a look.
        Warning => "warning",
        /// Acted upon.
        Critical => "critical",
    }
);

wire_enum!(
    /// The kind of a security event (`api.md`, "Security"). A new kind is one
    /// line here.
    EventKind, "kind", {
        /// An account was created.
        Register => "register",
        /// A sign-in succeeded.
        LoginSuccess => "login_success",
        /// A sign-in failed.
        LoginFailed => "login_failed",
        /// Sign-ins of a username are throttled.
        LoginThrottled => "login_throttled",
        /// A monitored session started.
        SessionStarted => "session_started",
        /// A monitored session ended normally (logout).
        SessionEnded => "session_ended",
        /// A monitored session was ended by the server or an analyst.
        SessionTerminated => "session_terminated",
        /// A websocket failed to authenticate.
        WsAuthFailed => "ws_auth_failed",
        /// Behaviour looked unlike the owner: a challenge was sent.
        RiskElevated => "risk_elevated",
        /// Behaviour blocked the session.
        AnomalyBlocked => "anomaly_blocked",
        /// The owner answered a challenge.
        ChallengePassed => "challenge_passed",
        /// A user's role changed.
        RoleChanged => "role_changed",
        /// A behaviour profile finished enrolling.
        ProfileTrained => "profile_trained",
        /// A user's behaviour profiles were deleted.
        ProfileReset => "profile_reset",
        /// The global behaviour model was trained (or a training was skipped).
        GlobalModelTrained => "global_model_trained",
        /// An analyst gave a verdict (owner or intruder) on an event.
        FeedbackGiven => "feedback_given",
        /// The owner changed their password (other sessions ended).
        PasswordChanged => "password_changed",
        /// The owner deleted their account (their data erased).
        AccountDeleted => "account_deleted",
        /// A wrong answer to a challenge (the session ends at the third).
        ChallengeFailed => "challenge_failed",
    }
);

wire_enum!(
    /// Why a monitored session ended (`monitored_sessions.end_reason`, the
    /// `terminated` message's `reason`).
    EndReason, "reason", {
        /// The owner signed out.
        Logout => "logout",
        /// An analyst or admin ended it.
        Admin => "admin",
        /// Behaviour reached the block threshold.
        Anomaly => "anomaly",
        /// A wrong password answered the challenge.
        ChallengeFailed => "challenge_failed",
        /// The challenge was not answered in time.
        ChallengeTimeout => "challenge_timeout",
        /// The password was changed from another session.
        PasswordChanged => "password_changed",
        /// The account was deleted.
        AccountDeleted => "account_deleted",
        /// The owner revoked it from their session list.
        Revoked => "revoked",
    }
);

impl EndReason {
    /// Whether the end is a termination (not the owner's own sign-out): it
    /// is stored as `session_terminated` (critical) rather than
    /// `session_ended`, and counted in the monitor's totals.
    pub fn is_termination(self) -> bool {
        !matches!(self, Self::Logout | Self::Revoked)
    }
}

wire_enum!(
    /// Lifecycle of an invoice (`api.md`, "Time and money").
    InvoiceStatus, "status", {
        /// Being prepared; its entries are locked to it.
        Draft => "draft",
        /// Numbered and issued.
        Sent => "sent",
        /// Settled.
        Paid => "paid",
        /// Cancelled; its entries were released.
        Void => "void",
    }
);

impl InvoiceStatus {
    /// Whether the machine allows `self → to`: `draft→sent`, `sent→paid`,
    /// `draft|sent→void`.
    pub fn can_become(self, to: InvoiceStatus) -> bool {
        use InvoiceStatus::*;
        matches!(
            (self, to),
            (Draft, Sent) | (Sent, Paid) | (Draft, Void) | (Sent, Void)
        )
    }
}

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
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Ok(*k));
            assert_eq!(
                serde_json::to_string(k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        for r in EndReason::ALL {
            assert_eq!(EndReason::try_from(r.as_str().to_owned()), Ok(*r));
        }
        assert!(!EndReason::Logout.is_termination());
        assert!(EndReason::Anomaly.is_termination());
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
