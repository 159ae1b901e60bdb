//! SQL functions both backends have, for use in queries.

use diesel::sql_types::{Nullable, Text};

diesel::define_sql_function! {
    /// SQL `lower()` of a text.
    fn lower(x: Text) -> Text;
}

diesel::define_sql_function! {
    /// SQL `lower()` of a nullable text.
    #[sql_name = "lower"]
    fn lower_nullable(x: Nullable<Text>) -> Nullable<Text>;
}
