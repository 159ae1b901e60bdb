//! Load generator for `/ws/behavioral`: N concurrent monitored sessions,
//! each sending one typed sentence (a `behavior` packet of ~100 events)
//! per second; measures the time from sending a packet to receiving its
//! `risk` message.
//!
//! ```sh
//! cargo run --release -p workspace-server --example ws_load -- \
//!     --url http://127.0.0.1:5000 --sessions 1000 --seconds 30
//! ```
//! Used by `scripts/bench-ws.sh` (`just bench-ws`), which also starts the
//! server and measures its CPU.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use behavior_ml::synth::Typist;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio_tungstenite::tungstenite::Message;

struct Args {
    url: String,
    sessions: usize,
    seconds: u64,
    prefix: String,
    server_pid: Option<u32>,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:5000".into(),
        sessions: 100,
        seconds: 30,
        prefix: format!("load{}", std::process::id()),
        server_pid: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--url" => a.url = v,
            "--sessions" => a.sessions = v.parse().expect("--sessions N"),
            "--seconds" => a.seconds = v.parse().expect("--seconds N"),
            "--prefix" => a.prefix = v,
            "--server-pid" => a.server_pid = v.parse().ok(),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

async fn session_token(client: &reqwest::Client, url: &str, name: String) -> String {
    let body = json!({"username": name, "password": "load-test-password"});
    let _ = client
        .post(format!("{url}/api/register"))
        .json(&body)
        .send()
        .await;
    let r: Value = client
        .post(format!("{url}/api/start-session"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"]
        .as_str()
        .expect("start-session")
        .to_owned()
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::new();
    eprintln!("preparing {} sessions…", a.sessions);
    let mut tokens = Vec::with_capacity(a.sessions);
    for chunk in (0..a.sessions).collect::<Vec<_>>().chunks(50) {
        let futs = chunk
            .iter()
            .map(|i| session_token(&client, &a.url, format!("{}_{i}", a.prefix)));
        tokens.extend(futures_util::future::join_all(futs).await);
    }
    let ws_url = a.url.replacen("http", "ws", 1) + "/ws/behavioral";
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let ready = Arc::new(tokio::sync::Barrier::new(a.sessions + 1));
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let errors = Arc::new(Mutex::new(0u64));
    let run_for = Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let ws_url = ws_url.clone();
        let latencies = latencies.clone();
        let errors = errors.clone();
        let ready = ready.clone();
        let sent = sent.clone();
        let stagger = Duration::from_micros((i as u64 * 1_000_000) / a.sessions.max(1) as u64);
        tasks.push(tokio::spawn(async move {
            let Ok((ws, _)) = tokio_tungstenite::connect_async(&ws_url).await else {
                *errors.lock().unwrap() += 1;
                ready.wait().await;
                return;
            };
            let (mut tx, mut rx) = ws.split();
            tx.send(Message::text(
                json!({"type": "auth", "token": token}).to_string(),
            ))
            .await
            .unwrap();
            // auth_ok
            let _ = rx.next().await;
            ready.wait().await;
            let started = Instant::now();
            tokio::time::sleep(stagger).await;
            let mut typist = Typist::new(i as u64);
            // Sender: one sentence per second, whatever the replies. Receiver:
            // a `risk` carries the seq of the packet that completed its window,
            // so its latency is measured from that packet's send time.
            let sent_at: Arc<Mutex<std::collections::HashMap<u64, Instant>>> = Arc::default();
            let sent_rx = sent_at.clone();
            let lat = latencies.clone();
            let errs = errors.clone();
            let receiver = tokio::spawn(async move {
                while let Some(Ok(msg)) = rx.next().await {
                    let Message::Text(t) = msg else { continue };
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    match v["type"].as_str() {
                        Some("risk") => {
                            let Some(seq) = v["seq"].as_u64() else {
                                continue;
                            };
                            if let Some(at) = sent_rx.lock().unwrap().remove(&seq) {
                                lat.lock()
                                    .unwrap()
                                    .push(at.elapsed().as_secs_f64() * 1000.0);
                            }
                        }
                        Some("terminated") | Some("error") => {
                            let mut e = errs.lock().unwrap();
                            if *e == 0 {
                                eprintln!("first error: {v}");
                            }
                            *e += 1;
                        }
                        _ => {}
                    }
                }
            });
            let mut seq = 0u64;
            let mut next = tokio::time::Instant::now();
            while started.elapsed() < run_for {
                seq += 1;
                let events = serde_json::to_value(typist.sentence(9)).unwrap();
                sent_at.lock().unwrap().insert(seq, Instant::now());
                if tx
                    .send(Message::text(
                        json!({"type": "behavior", "seq": seq, "events": events}).to_string(),
                    ))
                    .await
                    .is_err()
                {
                    *errors.lock().unwrap() += 1;
                    break;
                }
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                next += Duration::from_secs(1);
                tokio::time::sleep_until(next).await;
            }
            // Let the last windows arrive, then hang up.
            tokio::time::sleep(Duration::from_secs(3)).await;
            receiver.abort();
            let _ = tx.send(Message::Close(None)).await;
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    let cpu0 = a.server_pid.and_then(cpu_ticks);
    eprintln!(
        "all {} sessions connected; sending for {} s",
        a.sessions, a.seconds
    );
    for t in tasks {
        let _ = t.await;
    }
    let cpu1 = a.server_pid.and_then(cpu_ticks);
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let wall = started.elapsed().as_secs_f64();
    let out = json!({
        "sessions": a.sessions,
        "seconds": wall,
        "packets_sent": sent.load(std::sync::atomic::Ordering::Relaxed),
        "packets_per_second": sent.load(std::sync::atomic::Ordering::Relaxed) as f64 / (wall - 3.0).max(1.0),
        "risk_messages_timed": l.len(),
        "latency_ms_p50": pct(0.50),
        "latency_ms_p90": pct(0.90),
        "latency_ms_p99": pct(0.99),
        "latency_ms_max": l.last().copied(),
        "errors": *errors.lock().unwrap(),
        "server_cpu_percent_of_one_core": cpu0.zip(cpu1).map(|(c0, c1)| 100.0 * (c1 - c0) as f64 / 100.0 / wall),
    });
    println!("{out}");
}

/// utime + stime of a process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
