//! Validated inputs of the work resources (projects, tasks): what a request
//! body becomes once every field has been parsed. Holding one proves each
//! value is valid; the service layer only adds who may do it.
//!
//! Patches use `Option<T>` for "absent = unchanged" and `Option<Option<T>>`
//! for nullable fields (`Some(None)` clears).

use crate::ids::{LabelId, ProjectId};
use crate::model::{ProjectStatus, TaskPriority, TaskStatus};
use crate::values::{
    Currency, EstimateHours, HourlyRate, LongText, ProjectName, ShortText, TaskTitle,
};
use chrono::NaiveDate;

/// A new project.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    /// Name.
    pub name: ProjectName,
    /// Description.
    pub description: Option<LongText>,
    /// Client.
    pub client: Option<ShortText>,
    /// Hourly rate.
    pub hourly_rate: Option<HourlyRate>,
    /// Currency (`DEFAULT_CURRENCY` unless given).
    pub currency: Option<Currency>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Status (`active` unless given).
    pub status: ProjectStatus,
}

/// A change to some of a project's fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectPatch {
    /// New name.
    pub name: Option<ProjectName>,
    /// New description, or cleared.
    pub description: Option<Option<LongText>>,
    /// New client, or cleared.
    pub client: Option<Option<ShortText>>,
    /// New rate, or cleared.
    pub hourly_rate: Option<Option<HourlyRate>>,
    /// New currency.
    pub currency: Option<Currency>,
    /// New due date, or cleared.
    pub due_date: Option<Option<NaiveDate>>,
    /// New status.
    pub status: Option<ProjectStatus>,
}

/// A new task.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// Title.
    pub title: TaskTitle,
    /// Description.
    pub description: Option<LongText>,
    /// Status (`todo` unless given).
    pub status: TaskStatus,
    /// Priority (`normal` unless given).
    pub priority: TaskPriority,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Estimate.
    pub estimate_hours: Option<EstimateHours>,
    /// Labels (ids of the project owner's labels).
    pub label_ids: Vec<LabelId>,
}

/// A change to some of a task's fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<TaskTitle>,
    /// New description, or cleared.
    pub description: Option<Option<LongText>>,
    /// New status.
    pub status: Option<TaskStatus>,
    /// New priority.
    pub priority: Option<TaskPriority>,
    /// New due date, or cleared.
    pub due_date: Option<Option<NaiveDate>>,
    /// New estimate, or cleared.
    pub estimate_hours: Option<Option<EstimateHours>>,
    /// Move to this project.
    pub project_id: Option<ProjectId>,
    /// Replace the labels.
    pub label_ids: Option<Vec<LabelId>>,
}

/// A label colour: `#rrggbb` (hex digits, stored lowercase).
pub fn parse_color(value: &str) -> Result<String, crate::DomainError> {
    let hex = value.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(crate::DomainError::invalid(
            "color",
            "must be #rrggbb (six hex digits)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors() {
        assert_eq!(parse_color("#A0b1C2").unwrap(), "#a0b1c2");
        for bad in [
            "",
            "#",
            "a0b1c2",
            "#a0b1c",
            "#a0b1c2d",
            "#g0b1c2",
            "red",
            "#ａ0b1c2",
        ] {
            assert_eq!(parse_color(bad).unwrap_err().field(), "color", "{bad}");
        }
    }
}
