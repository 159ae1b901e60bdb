//! What every list shares: a page (`?limit=&offset=`), a sort order
//! (`?sort=field` / `?sort=-field` against a per-list enum of fields) and
//! the total number of matches for `X-Total-Count`.
//!
//! A new list adds its sort enum with [`sort_fields!`](crate::sort_fields)
//! (one line per field) and gets parsing and error messages for free.

use crate::error::DomainError;

/// Rows to return and rows to skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows to return (≥ 1).
    pub limit: i64,
    /// Rows to skip (≥ 0).
    pub offset: i64,
}

impl Page {
    /// Validates `?limit=` (at least 1; more than `max` is clamped to `max`)
    /// and `?offset=` (at least 0); absent values take `default` and 0.
    pub fn parse(
        limit: Option<i64>,
        offset: Option<i64>,
        default: i64,
        max: i64,
    ) -> Result<Self, DomainError> {
        let limit = limit.unwrap_or(default);
        if limit < 1 {
            return Err(DomainError::invalid("limit", "must be at least 1"));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(DomainError::invalid("offset", "must be 0 or more"));
        }
        Ok(Self {
            limit: limit.min(max),
            offset,
        })
    }

    /// The offset of the next page when `total` rows match, if any remain.
    pub fn next_offset(self, total: i64) -> Option<i64> {
        let next = self.offset.saturating_add(self.limit);
        (next < total).then_some(next)
    }
}

/// The fields a list may be sorted by.
pub trait SortField: Copy + Eq + 'static {
    /// Every field, in the order error messages list them.
    const ALL: &'static [Self];
    /// The field's name in `?sort=`.
    fn as_str(self) -> &'static str;
}

/// Defines a sort-field enum and its [`SortField`] implementation:
///
/// ```
/// workspace_domain::sort_fields!(
///     /// How labels can be sorted.
///     LabelSort { Name => "name", CreatedAt => "created_at" }
/// );
/// ```
#[macro_export]
macro_rules! sort_fields {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum $name {
            $($variant),+
        }

        impl $crate::listing::SortField for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }
    };
}

/// A sort order: a field, ascending or descending. Ties are always broken
/// by id (ascending), so paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    /// The field.
    pub field: F,
    /// `?sort=-field`.
    pub descending: bool,
}

impl<F: SortField> Sort<F> {
    /// Parses `field` or `-field`; anything else is an error on `sort` that
    /// lists the accepted values.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let (descending, name) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        F::ALL
            .iter()
            .find(|f| f.as_str() == name)
            .map(|&field| Self { field, descending })
            .ok_or_else(|| {
                let names: Vec<&str> = F::ALL.iter().map(|f| f.as_str()).collect();
                DomainError::invalid(
                    "sort",
                    format!(
                        "must be one of {} (prefix '-' for descending)",
                        names.join(", ")
                    ),
                )
            })
    }
}

/// One page of a list and how many rows match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    /// The rows of the page.
    pub items: Vec<T>,
    /// Rows matching the filters, ignoring the page.
    pub total: i64,
}

impl<T> Paged<T> {
    /// Converts the rows, keeping the total.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}

sort_fields!(
    /// `GET /api/projects?sort=`.
    ProjectSort {
        Name => "name",
        DueDate => "due_date",
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
    }
);

sort_fields!(
    /// `GET /api/projects/{id}/tasks?sort=` (and every task list).
    TaskSort {
        Title => "title",
        DueDate => "due_date",
        Priority => "priority",
        Status => "status",
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
    }
);

sort_fields!(
    /// `GET /api/security-events?sort=` (default: newest first).
    EventSort {
        CreatedAt => "created_at",
    }
);

sort_fields!(
    /// `GET /api/labels?sort=` (default: by name).
    LabelSort {
        Name => "name",
        CreatedAt => "created_at",
    }
);

sort_fields!(
    /// `GET /api/tasks/{id}/comments?sort=` (default: oldest first).
    CommentSort {
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
    }
);

sort_fields!(
    /// `GET /api/time-entries?sort=` (default: newest first).
    TimeEntrySort {
        StartedAt => "started_at",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        assert_eq!(
            Page::parse(None, None, 50, 500),
            Ok(Page {
                limit: 50,
                offset: 0
            })
        );
        assert_eq!(
            Page::parse(Some(9999), Some(3), 50, 500).unwrap().limit,
            500
        );
        assert_eq!(
            Page::parse(Some(0), None, 50, 500).unwrap_err().field(),
            "limit"
        );
        assert_eq!(
            Page::parse(None, Some(-1), 50, 500).unwrap_err().field(),
            "offset"
        );
        let p = Page {
            limit: 2,
            offset: 2,
        };
        assert_eq!(p.next_offset(5), Some(4));
        assert_eq!(p.next_offset(4), None);
    }

    #[test]
    fn sorts() {
        let s = Sort::<ProjectSort>::parse("-due_date").unwrap();
        assert_eq!(s.field, ProjectSort::DueDate);
        assert!(s.descending);
        assert!(!Sort::<TaskSort>::parse("priority").unwrap().descending);
        let err = Sort::<ProjectSort>::parse("owner").unwrap_err();
        assert_eq!(err.field(), "sort");
        assert!(err.to_string().contains("name, due_date"), "{err}");
        assert!(Sort::<ProjectSort>::parse("--name").is_err());
        assert!(Sort::<ProjectSort>::parse("").is_err());
    }
}
