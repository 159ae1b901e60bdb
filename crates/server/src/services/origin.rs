//! Where a request came from (client address and `User-Agent`), carried
//! from the HTTP middleware to every security event the request records —
//! across the hop to the blocking thread pool: [`Services::read`] and
//! [`Services::write`](super::core::Services::write) take it along.

use std::cell::RefCell;
use std::future::Future;

/// The longest `User-Agent` kept (characters).
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// The client of the request being served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// Client address (see `TRUSTED_PROXIES`).
    pub ip: Option<String>,
    /// `User-Agent`, cut to [`MAX_USER_AGENT_CHARS`].
    pub user_agent: Option<String>,
}

tokio::task_local! {
    static REQUEST: RequestOrigin;
}

thread_local! {
    static BLOCKING: RefCell<Option<RequestOrigin>> = const { RefCell::new(None) };
}

impl RequestOrigin {
    /// An origin; the user agent is trimmed and cut, blank means none.
    pub fn new(ip: Option<String>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(str::trim)
            .filter(|ua| !ua.is_empty())
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        Self { ip, user_agent }
    }

    /// Runs `fut` with this origin as the current one.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        REQUEST.scope(self, fut).await
    }

    /// The origin of the request being served on this task or blocking
    /// thread, if any.
    pub fn current() -> Option<Self> {
        REQUEST
            .try_with(Clone::clone)
            .ok()
            .or_else(|| BLOCKING.with(|b| b.borrow().clone()))
    }

    /// Runs `f` (on a blocking thread) with `origin` as the current one.
    pub fn carry<T>(origin: Option<Self>, f: impl FnOnce() -> T) -> T {
        struct Restore(Option<RequestOrigin>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                BLOCKING.with(|b| *b.borrow_mut() = previous);
            }
        }
        let previous = BLOCKING.with(|b| b.replace(origin));
        let _restore = Restore(previous);
        f()
    }
}
