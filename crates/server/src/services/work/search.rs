//! Full-text search over what the caller may read: their own work, or
//! (analysts, admins, who may read everyone's) everyone's.

use super::tasks::{with_labels, TaskView};
use crate::services::caller::Caller;
use crate::services::core::Services;
use crate::services::error::ServiceResult;
use workspace_domain::{permissions, Access, UserId};
use workspace_persistence::comments::{self, CommentRecord};
use workspace_persistence::projects::{self, ProjectRecord};
use workspace_persistence::{search, tasks};

/// What a search found, best match first.
#[derive(Debug, Clone)]
pub struct Found {
    /// Projects.
    pub projects: Vec<ProjectRecord>,
    /// Tasks.
    pub tasks: Vec<TaskView>,
    /// Comments.
    pub comments: Vec<CommentRecord>,
}

/// Searches for `text`, at most `limit` of each kind.
pub async fn search(
    svc: &Services,
    caller: &Caller,
    text: String,
    limit: i64,
) -> ServiceResult<Found> {
    // Someone who may read another user's work reads everyone's.
    let nobody = UserId::new(0);
    let owner = match permissions::project_access(caller.actor(), nobody) {
        Access::None => Some(caller.id),
        _ => None,
    };
    svc.read(move |conn| {
        let hits = search::search(conn, &text, owner, limit)?;
        let mut found_projects = Vec::new();
        for id in hits.projects {
            if let Some(p) = projects::get(conn, id)? {
                found_projects.push(p);
            }
        }
        let mut task_rows = Vec::new();
        for id in hits.tasks {
            if let Some(t) = tasks::get(conn, id)? {
                task_rows.push(t);
            }
        }
        let mut found_comments = Vec::new();
        for id in hits.comments {
            if let Some((c, _)) = comments::get_with_owner(conn, id)? {
                found_comments.push(c);
            }
        }
        Ok(Found {
            projects: found_projects,
            tasks: with_labels(conn, task_rows)?,
            comments: found_comments,
        })
    })
    .await
}
