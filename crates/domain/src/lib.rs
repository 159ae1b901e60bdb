//! Domain types and rules of Freelancer Workspace.
//!
//! Pure types with no I/O: users and roles, projects and tasks with their
//! enums, validated newtypes ("parse, don't validate": a [`Username`] can only
//! exist if it is valid) and the permission rules of the role table in
//! `api.md` as plain functions.

pub mod error;
pub mod model;
pub mod permissions;
pub mod values;

pub use error::DomainError;
pub use model::{ProjectStatus, Role, TaskPriority, TaskStatus};
pub use permissions::{Access, Actor, Capability};
pub use values::{
    parse_date, Email, EstimateHours, HourlyRate, LongText, Password, ProjectName, ShortText,
    TaskTitle, Username,
};
