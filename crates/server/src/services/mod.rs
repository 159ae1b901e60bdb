//! The service layer: one module per capability between the HTTP handlers
//! (and the realtime actors) and storage. A service function takes
//! [`core::Services`] and the [`caller::Caller`], checks what the caller may
//! do, and owns its transaction with everything that goes with it
//! ([`unit_of_work::UnitOfWork`]: rows, security events, notices to live
//! connections on every instance).
//!
//! | module | capability |
//! |---|---|
//! | `account` | the caller's own account: password change, deletion, sessions, refresh |
//! | `accounts` | registration, sign-in, the caller, roles, bootstrap admin |
//! | `origin` | the request's client address and user agent, for events |
//! | `sessions` | token → caller, ending a monitored session, challenges |
//! | `caller_cache` | what authentication read, until a notice says it changed |
//! | `work` | projects and tasks and who may see or change them |
//! | `audit` | the security event log and the realtime monitor |
//! | `behavior` | behaviour profiles, stored windows, the global model |
//!
//! Room for what comes next: `time` and `invoices` (time tracking and
//! billing), `webhooks` (the outbox written by `UnitOfWork::record`),
//! labels/comments/search under `work`.

pub mod account;
pub mod accounts;
pub mod audit;
pub mod behavior;
pub mod caller;
pub mod caller_cache;
pub mod core;
pub mod error;
pub mod events;
pub mod invoices;
pub mod live;
pub mod notify;
pub mod origin;
pub mod outbox;
pub mod secops;
pub mod sessions;
pub mod system;
pub mod time;
pub mod unit_of_work;
pub mod webhooks;
pub mod windows;
pub mod work;
