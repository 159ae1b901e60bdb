//! List plumbing every list uses: `?limit=&offset=&sort=` parsed against
//! the list's sort-field enum (an unknown field → 422 naming `sort`), and
//! the answer with `X-Total-Count` (matches ignoring paging) and, when more
//! remain, `Link: <…>; rel="next"`.

use crate::services::error::ServiceError;
use actix_web::{http::header, HttpRequest, HttpResponse};
use serde::Serialize;
use workspace_domain::{Page, Paged, Sort, SortField};

/// The header with the number of matches.
pub const TOTAL_COUNT: &str = "X-Total-Count";

/// Paging and order of one list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListParams<F> {
    /// The page.
    pub page: Page,
    /// The order (`None`: the list's default).
    pub sort: Option<Sort<F>>,
}

/// Parses `?limit=` (default `default_limit`, at most `max_limit`),
/// `?offset=` and `?sort=`.
pub fn list_params<F: SortField>(
    limit: Option<i64>,
    offset: Option<i64>,
    sort: Option<&str>,
    default_limit: i64,
    max_limit: i64,
) -> Result<ListParams<F>, ServiceError> {
    Ok(ListParams {
        page: Page::parse(limit, offset, default_limit, max_limit)?,
        sort: sort.map(Sort::parse).transpose()?,
    })
}

/// 200 with the page's rows as a JSON array, `X-Total-Count` and, when
/// more rows remain, a `Link` to the next page (the same request with
/// `offset` moved on).
pub fn paged_response<T: Serialize>(
    req: &HttpRequest,
    page: Page,
    paged: &Paged<T>,
) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    builder.insert_header((TOTAL_COUNT, paged.total.to_string()));
    if let Some(next) = page.next_offset(paged.total) {
        let link = format!("<{}>; rel=\"next\"", next_url(req, page.limit, next));
        builder.insert_header((header::LINK, link));
    }
    builder.json(&paged.items)
}

/// The request's path and query with `limit` and `offset` set for the next
/// page (other parameters kept, in order).
pub(crate) fn next_url(req: &HttpRequest, limit: i64, offset: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "limit" && k != "offset" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair("offset", &offset.to_string());
    format!("{}?{}", req.path(), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use workspace_domain::listing::ProjectSort;

    #[test]
    fn params_and_next_link() {
        let p = list_params::<ProjectSort>(Some(2), None, Some("-name"), 50, 500).unwrap();
        assert_eq!(
            p.page,
            Page {
                limit: 2,
                offset: 0
            }
        );
        assert!(p.sort.is_some_and(|s| s.descending));
        let e = list_params::<ProjectSort>(None, None, Some("owner"), 50, 500).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("sort"));

        let req = TestRequest::get()
            .uri("/api/projects?owner=a+b&limit=2&sort=name")
            .to_http_request();
        let paged = Paged {
            items: vec![1, 2],
            total: 5,
        };
        let resp = paged_response(&req, p.page, &paged);
        let get = |name| resp.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(get(TOTAL_COUNT), Some("5"));
        assert_eq!(
            get(header::LINK.as_str()),
            Some("</api/projects?owner=a+b&sort=name&limit=2&offset=2>; rel=\"next\"")
        );
        let last = paged_response(
            &req,
            Page {
                limit: 2,
                offset: 4,
            },
            &paged,
        );
        assert!(last.headers().get(header::LINK).is_none());
    }
}
