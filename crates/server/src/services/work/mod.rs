//! Work: projects and tasks, and who may see or change them. New work
//! resources (labels, comments, search, time entries) add a module here and
//! reuse [`access`] for their permission checks.

pub mod access;
pub mod comments;
pub mod exchange;
pub mod labels;
pub mod projects;
pub mod search;
pub mod tasks;
