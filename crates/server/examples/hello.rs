//! The framework baseline of `just bench-api`: a plain actix-web server whose
//! only route, `GET /health`, answers a small JSON object shaped like the
//! real server's health answer — no database, no middleware, no state.
//!
//! It uses actix-web's default worker count, as `workspace-server` does, so
//! the two are compared on equal terms in the same benchmark run.
//!
//! ```sh
//! cargo run --release -p workspace-server --example hello -- --port 18400
//! ```
//! Prints `listening on http://ADDR workers=N` once it accepts connections.

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Serialize;

/// The same fields as the real `/health` body.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
    version: &'static str,
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: "none",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// `--host H` (127.0.0.1) and `--port P` (0 = any free port).
fn address() -> Result<(String, u16), String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host = value,
            "--port" => port = value.parse().map_err(|_| format!("bad port {value}"))?,
            other => return Err(format!("unknown argument {other} (use --host, --port)")),
        }
    }
    Ok((host, port))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let (host, port) = address().map_err(std::io::Error::other)?;
    let server = HttpServer::new(|| App::new().route("/health", web::get().to(health)))
        .bind((host.as_str(), port))?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    for addr in server.addrs() {
        println!("listening on http://{addr} workers={workers}");
    }
    server.run().await
}
