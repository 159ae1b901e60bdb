//! Realtime behavioural sessions.
//!
//! Actors (actix):
//! - [`session::WsSession`]: one per websocket connection; the protocol
//!   after authentication, the scoring state and the decisions.
//! - [`monitor::MonitorActor`]: the registry of live connections (known as
//!   `Recipient`s) and the totals; routes notices to the connections of a
//!   session or user.
//! - [`trainer::TrainerActor`]: trains the global model every
//!   `GLOBAL_TRAIN_INTERVAL_SECONDS` and on demand.
//!
//! [`ws`] is the transport (upgrade, handshake, frames in and out);
//! [`hub::Hub`] is this layer's side of the services' `LiveSessions` port.

pub mod channels;
pub mod context;
pub mod hub;
pub mod models;
pub mod monitor;
pub mod monitor_store;
pub mod pacing;
pub mod protocol;
pub mod session;
pub mod sockets;
pub mod trainer;
pub mod ws;
