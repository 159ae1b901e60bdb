//! The HTTP layer: the route table, request parsing (extractors, the
//! refusal of NUL and bad UTF-8, list parameters), the one [`error::ApiError`],
//! the [`auth::AuthUser`] extractor, the OpenAPI document, and one module per
//! resource with its handlers and request/response bodies (DTOs).
//!
//! A handler parses into domain types, calls one service function and maps
//! the result to a DTO.

pub mod account;
pub mod accounts;
pub mod admin;
pub mod auth;
pub mod behavior;
pub mod client;
pub mod comments;
pub mod error;
pub mod exchange;
pub mod extract;
pub mod headers;
pub mod health;
pub mod invoices;
pub mod labels;
pub mod list;
pub mod openapi;
pub mod projects;
pub mod refuse;
pub mod routes;
pub mod search;
pub mod security;
pub mod tasks;
pub mod time;
pub mod webhooks;
pub mod wire;
