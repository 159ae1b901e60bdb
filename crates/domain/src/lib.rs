//! Domain types and rules of Freelancer Workspace.
//!
//! Pure types with no I/O: typed ids, users and roles, projects and tasks
//! with their enums, validated newtypes ("parse, don't validate": a
//! [`Username`] can only exist if it is valid), the validated inputs of the
//! work resources, list paging and sorting, and the permission rules of the
//! role table in `api.md` as plain functions.

pub mod error;
pub mod ids;
pub mod listing;
pub mod model;
pub mod permissions;
pub mod values;
pub mod work;

pub use error::DomainError;
pub use ids::{CommentId, EventId, LabelId, ProjectId, SessionId, TaskId, UserId};
pub use listing::{Page, Paged, Sort, SortField};
pub use model::{
    EndReason, EventKind, InvoiceStatus, ProjectStatus, Role, Severity, TaskPriority, TaskStatus,
};
pub use permissions::{Access, Actor, Capability};
pub use values::{
    amount_minor, parse_date, CommentBody, Currency, Email, EstimateHours, HourlyRate, LabelName,
    LongText, Password, ProjectName, ShortText, TaskTitle, Username,
};
