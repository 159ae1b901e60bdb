//! Freelancer Workspace server: configuration, REST routes, error mapping,
//! static pages and (with the realtime work) the behavioural websocket.

pub mod app;
pub mod auth;
pub mod config;
pub mod dto;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod realtime;
pub mod routes;
pub mod security;
pub mod state;

pub use app::{build_state, start, StartError};
pub use config::Settings;
