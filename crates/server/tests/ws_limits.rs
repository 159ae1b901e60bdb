//! Limits of `/ws/behavioral` that protect the server ("Requests the server
//! refuses"): the 1 MiB frame cap, the `Origin` scheme, and the bounded
//! outbound queue of a client that does not read. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

both_backends!(
    a_message_over_one_mebibyte_gets_an_error_then_1009,
    the_origin_check_compares_the_scheme,
    a_client_that_never_reads_is_closed_with_4408,
    a_session_opens_at_most_four_sockets,
);

async fn a_message_over_one_mebibyte_gets_an_error_then_1009(app: TestApp) {
    app.register("mia", "password-123").await;
    let (token, _) = app.start_session("mia", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    // Under the cap but over 64 KiB: an error, and the connection stays.
    let padded = format!(
        r#"{{"type":"behavior","seq":1,"pad":"{}","events":[]}}"#,
        "x".repeat(200_000)
    );
    ws_send_text(&mut ws, padded).await;
    let reply = ws_next_json(&mut ws).await;
    assert_eq!(reply["error"], "payload_too_large", "{reply}");
    // Over the hard cap: the error first, then close 1009.
    let huge = format!(
        r#"{{"type":"behavior","seq":2,"pad":"{}","events":[]}}"#,
        "x".repeat(1_100_000)
    );
    ws_send_text(&mut ws, huge).await;
    let (got, code) = ws_drain_until_close(&mut ws, 10).await;
    assert!(
        got.iter()
            .any(|m| m["type"] == "error" && m["error"] == "payload_too_large"),
        "{got:?}"
    );
    assert_eq!(code, Some(1009));
}

async fn the_origin_check_compares_the_scheme(app: TestApp) {
    let authority = app.base.trim_start_matches("http://").to_owned();
    for (origin, allowed) in [
        (format!("http://{authority}"), true),
        (format!("ftp://{authority}"), false),
        (format!("https://{authority}"), false),
        (authority.clone(), false),
        ("http://evil.example".to_owned(), false),
    ] {
        let mut req = app.ws_url().into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        let result = tokio_tungstenite::connect_async(req).await;
        assert_eq!(result.is_ok(), allowed, "Origin {origin}");
    }
}

async fn a_client_that_never_reads_is_closed_with_4408(app: TestApp) {
    app.register("nico", "password-123").await;
    let (token, _) = app.start_session("nico", "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    // Every binary frame earns an `error` reply; send far more than the
    // socket buffers and the outbound queue hold, reading nothing.
    const FRAMES: usize = 200_000;
    for _ in 0..FRAMES {
        ws.feed(Message::binary(vec![1u8])).await.unwrap();
    }
    ws.flush().await.unwrap();
    let mut replies = 0usize;
    let code = loop {
        match ws_next(&mut ws, 20).await {
            Received::Json(_) => replies += 1,
            Received::Closed(code) => break code,
            Received::Timeout => panic!("no close after {replies} replies"),
        }
    };
    assert!(replies < FRAMES, "all {replies} replies were queued");
    // The close frame arrives when it could be handed over; a connection
    // the server had to drop ends without one.
    assert!(matches!(code, Some(4408) | None), "closed with {code:?}");
}

async fn a_session_opens_at_most_four_sockets(app: TestApp) {
    app.register("olga", "password-123").await;
    let (token, _) = app.start_session("olga", "password-123").await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(app.ws_auth(&token).await.0);
    }
    // The fifth: `error` too_many_connections, then close 4429.
    let (mut fifth, _) = tokio_tungstenite::connect_async(app.ws_url())
        .await
        .unwrap();
    ws_send(
        &mut fifth,
        serde_json::json!({"type": "auth", "token": token}),
    )
    .await;
    let (got, code) = ws_drain_until_close(&mut fifth, 10).await;
    assert!(
        got.iter().any(|m| m["error"] == "too_many_connections"),
        "{got:?}"
    );
    assert_eq!(code, Some(4429));
    // Closing one frees its place.
    let mut first = open.remove(0);
    first.close(None).await.unwrap();
    drop(first);
    let mut admitted = false;
    for _ in 0..50 {
        let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url())
            .await
            .unwrap();
        ws_send(&mut ws, serde_json::json!({"type": "auth", "token": token})).await;
        if let Received::Json(v) = ws_next(&mut ws, 5).await {
            if v["type"] == "auth_ok" {
                admitted = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(admitted, "a freed place was not given back");
}
