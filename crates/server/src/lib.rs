//! Freelancer Workspace server.
//!
//! Layers (see docs/architecture.md, "Inside the server"):
//! [`http`] (routes, extractors, DTOs, errors, OpenAPI) and [`realtime`]
//! (actors and the websocket transport) both call [`services`] (one module
//! per capability, owning transactions and what goes with them), which use
//! `workspace-persistence`, `workspace-auth`, `behavior-ml` and
//! `workspace-domain`. [`app`] wires them together.

pub mod app;
pub mod config;
pub mod http;
pub mod realtime;
pub mod realtime_log;
pub mod services;
pub mod state;

pub use app::{build_state, start, StartError};
pub use config::Settings;
