//! Shared plumbing of list queries: the total for `X-Total-Count` and
//! ascending/descending order on a boxed query.

use workspace_domain::{Page, Paged};

use crate::error::Result;

/// Wraps one page of rows with the number of rows matching in all. The
/// count query runs only when the page alone cannot tell: a page shorter
/// than the limit (and not past the end) already ends the list.
pub(crate) fn paged<T>(
    items: Vec<T>,
    page: Page,
    count: impl FnOnce() -> Result<i64>,
) -> Result<Paged<T>> {
    let n = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let total = if n < page.limit && (n > 0 || page.offset == 0) {
        page.offset + n
    } else {
        count()?
    };
    Ok(Paged { items, total })
}

/// Appends `expr ASC` or `expr DESC` to a boxed query's `ORDER BY`.
macro_rules! then_by {
    ($query:expr, $expr:expr, $descending:expr) => {
        if $descending {
            $query.then_order_by($expr.desc())
        } else {
            $query.then_order_by($expr.asc())
        }
    };
}
pub(crate) use then_by;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_when_needed() {
        let page = Page {
            limit: 3,
            offset: 0,
        };
        let never = || -> Result<i64> { panic!("no count needed") };
        assert_eq!(paged(vec![1, 2], page, never).unwrap().total, 2);
        assert_eq!(paged(Vec::<i32>::new(), page, never).unwrap().total, 0);
        let later = Page {
            limit: 3,
            offset: 6,
        };
        assert_eq!(paged(vec![1], later, never).unwrap().total, 7);
        assert_eq!(paged(vec![1, 2, 3], page, || Ok(10)).unwrap().total, 10);
        assert_eq!(paged(Vec::<i32>::new(), later, || Ok(4)).unwrap().total, 4);
    }
}
