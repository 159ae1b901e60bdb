//! Hot queries run on the concrete connection inside [`DbConnection`].
//!
//! Through the `MultiConnection` wrapper diesel renders a query's SQL text
//! on every execution (twice: once to ask whether the statement may be
//! cached, once to send it), even when the query has a static type. On the
//! concrete `SqliteConnection`/`PgConnection` a query of static type finds
//! its prepared statement by that type, without rendering anything (issue
//! 14, lever 3). Use it for the queries every request makes; boxed
//! (dynamically built) queries gain little and stay on the wrapper.
//!
//! [`DbConnection`]: crate::connection::DbConnection

/// `on_native!(conn, c => body)`: evaluates `body` with `c` bound to the
/// concrete connection inside `conn`. The query is written once; the macro
/// expands it once per backend (`Selectable::as_select` fixes the backend
/// of a query's type, so one query value cannot serve both).
macro_rules! on_native {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::connection::DbConnection::Sqlite($c) => $body,
            $crate::connection::DbConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_native;
