//! Full-text search over projects, tasks and comments, best match first.
//!
//! SQLite: FTS5 tables (`*_fts`, tokenizer `unicode61 remove_diacritics 2`)
//! kept in sync by triggers. PostgreSQL: generated `search_vector`
//! columns (`to_tsvector('simple', fw_search_fold(…))`) with GIN indexes;
//! `fw_search_fold` (lower-case, accents folded) is applied to the query
//! too. Both are defined in the `…_work` migrations.
//!
//! The user's text never reaches the query syntax: it is cut into words
//! of letters and digits ([`words`]), and each word becomes a prefix term.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use workspace_domain::{CommentId, ProjectId, TaskId, UserId};

use crate::connection::DbConnection;
use crate::error::Result;

/// At most this many words of a query are used.
pub const MAX_WORDS: usize = 12;

/// The words of a search text: maximal runs of letters and digits,
/// lower-cased, at most [`MAX_WORDS`].
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect()
}

/// What one search found: ids, best match first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits {
    /// Projects.
    pub projects: Vec<ProjectId>,
    /// Tasks.
    pub tasks: Vec<TaskId>,
    /// Comments.
    pub comments: Vec<CommentId>,
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Which table to search.
#[derive(Clone, Copy)]
enum Target {
    Projects,
    Tasks,
    Comments,
}

impl Target {
    /// FROM … JOIN … up to the project `p`, and the searched row's alias.
    fn from(self, sqlite: bool) -> (&'static str, &'static str) {
        match (self, sqlite) {
            (Target::Projects, true) => (
                "projects_fts JOIN projects p ON p.id = projects_fts.rowid",
                "p",
            ),
            (Target::Tasks, true) => (
                "tasks_fts JOIN tasks t ON t.id = tasks_fts.rowid \
                 JOIN projects p ON p.id = t.project_id",
                "t",
            ),
            (Target::Comments, true) => (
                "comments_fts JOIN comments c ON c.id = comments_fts.rowid \
                 JOIN tasks t ON t.id = c.task_id JOIN projects p ON p.id = t.project_id",
                "c",
            ),
            (Target::Projects, false) => ("projects p", "p"),
            (Target::Tasks, false) => ("tasks t JOIN projects p ON p.id = t.project_id", "t"),
            (Target::Comments, false) => (
                "comments c JOIN tasks t ON t.id = c.task_id \
                 JOIN projects p ON p.id = t.project_id",
                "c",
            ),
        }
    }

    fn fts_table(self) -> &'static str {
        match self {
            Target::Projects => "projects_fts",
            Target::Tasks => "tasks_fts",
            Target::Comments => "comments_fts",
        }
    }

    fn sql(self, sqlite: bool, scoped: bool) -> String {
        let (from, alias) = self.from(sqlite);
        if sqlite {
            let fts = self.fts_table();
            let owner = if scoped { " AND p.owner_id = ?" } else { "" };
            format!(
                "SELECT {alias}.id AS id FROM {from} WHERE {fts} MATCH ?{owner} \
                 ORDER BY bm25({fts}), {alias}.id LIMIT ?"
            )
        } else {
            let q = "to_tsquery('simple'::regconfig, fw_search_fold($1))";
            let (owner, limit) = if scoped {
                (" AND p.owner_id = $2", "$3")
            } else {
                ("", "$2")
            };
            format!(
                "SELECT {alias}.id AS id FROM {from} WHERE {alias}.search_vector @@ {q}{owner} \
                 ORDER BY ts_rank({alias}.search_vector, {q}) DESC, {alias}.id LIMIT {limit}"
            )
        }
    }
}

fn run(
    conn: &mut DbConnection,
    target: Target,
    words: &[String],
    owner: Option<UserId>,
    limit: i64,
) -> Result<Vec<i64>> {
    let hits: Vec<Hit> = match conn {
        DbConnection::Sqlite(c) => {
            let expr = words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            let q = diesel::sql_query(target.sql(true, owner.is_some())).bind::<Text, _>(expr);
            match owner {
                Some(o) => q
                    .bind::<BigInt, _>(o.get())
                    .bind::<BigInt, _>(limit)
                    .load(c)?,
                None => q.bind::<BigInt, _>(limit).load(c)?,
            }
        }
        DbConnection::Postgresql(c) => {
            let expr = words
                .iter()
                .map(|w| format!("{w}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            let q = diesel::sql_query(target.sql(false, owner.is_some())).bind::<Text, _>(expr);
            match owner {
                Some(o) => q
                    .bind::<BigInt, _>(o.get())
                    .bind::<BigInt, _>(limit)
                    .load(c)?,
                None => q.bind::<BigInt, _>(limit).load(c)?,
            }
        }
    };
    Ok(hits.into_iter().map(|h| h.id).collect())
}

/// Searches the three tables for `text`, each list at most `limit` long;
/// `owner` limits the hits to that user's projects (`None`: everyone's).
pub fn search(
    conn: &mut DbConnection,
    text: &str,
    owner: Option<UserId>,
    limit: i64,
) -> Result<Hits> {
    let words = words(text);
    if words.is_empty() {
        return Ok(Hits::default());
    }
    Ok(Hits {
        projects: run(conn, Target::Projects, &words, owner, limit)?
            .into_iter()
            .map(ProjectId::new)
            .collect(),
        tasks: run(conn, Target::Tasks, &words, owner, limit)?
            .into_iter()
            .map(TaskId::new)
            .collect(),
        comments: run(conn, Target::Comments, &words, owner, limit)?
            .into_iter()
            .map(CommentId::new)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_query_syntax() {
        assert_eq!(words("Café \"OR\" x* -y:"), ["café", "or", "x", "y"]);
        assert!(words("\"*:&|!()").is_empty());
    }
}
