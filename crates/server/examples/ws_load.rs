//! Load generator for `/ws/behavioral`: N concurrent monitored sessions,
//! each sending one typed sentence (a `behavior` packet of ~100 events)
//! per second; measures the time from sending a packet to receiving its
//! `risk` message, and the CPU of the server (`--server-pid`) and of this
//! load generator over exactly the sending phase.
//!
//! ```sh
//! cargo run --release -p workspace-server --example ws_load -- \
//!     --url http://127.0.0.1:5000 --sessions 1000 --seconds 30
//! ```
//! Used by `scripts/bench-ws.sh` (`just bench-ws`), which also starts the
//! server. Prints one JSON object; CPU shares are in percent of one core.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use behavior_ml::synth::Typist;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use tokio::sync::{Barrier, Semaphore};
use tokio_tungstenite::tungstenite::Message;

/// Seconds every session keeps listening after its last packet.
const TAIL: Duration = Duration::from_secs(3);

struct Args {
    url: String,
    sessions: usize,
    seconds: u64,
    prefix: String,
    server_pid: Option<u32>,
    connect_concurrency: usize,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:5000".into(),
        sessions: 100,
        seconds: 30,
        prefix: format!("load{}", std::process::id()),
        server_pid: None,
        connect_concurrency: 100,
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
            "--connect-concurrency" => {
                a.connect_concurrency = v.parse().expect("--connect-concurrency N");
            }
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

/// Registers and signs in every session, 50 at a time.
async fn tokens(a: &Args) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut tokens = Vec::with_capacity(a.sessions);
    for chunk in (0..a.sessions).collect::<Vec<_>>().chunks(50) {
        let futs = chunk
            .iter()
            .map(|i| session_token(&client, &a.url, format!("{}_{i}", a.prefix)));
        tokens.extend(futures_util::future::join_all(futs).await);
    }
    tokens
}

/// What the sessions share with the main task.
#[derive(Default)]
struct Totals {
    latencies: Mutex<Vec<f64>>,
    sent: AtomicU64,
    connect_errors: AtomicU64,
    errors: AtomicU64,
}

impl Totals {
    fn error(&self, what: &Value) {
        if self.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            eprintln!("first error: {what}");
        }
    }
}

/// Everything one session task needs.
struct Plan {
    ws_url: String,
    index: usize,
    stagger: Duration,
    run_for: Duration,
    connect: Arc<Semaphore>,
    ready: Arc<Barrier>,
    totals: Arc<Totals>,
}

type SentAt = Arc<Mutex<HashMap<u64, Instant>>>;

/// One monitored session: connect and authenticate (a limited number at a
/// time, so the listen backlog does not overflow), wait for all the others,
/// then send one sentence per second and time the `risk` answers.
async fn session(plan: Plan, token: String) {
    let permit = plan.connect.acquire().await.unwrap();
    let Ok((ws, _)) = tokio_tungstenite::connect_async(&plan.ws_url).await else {
        plan.totals.connect_errors.fetch_add(1, Ordering::Relaxed);
        drop(permit);
        plan.ready.wait().await;
        return;
    };
    let (mut tx, mut rx) = ws.split();
    let auth = json!({"type": "auth", "token": token}).to_string();
    if tx.send(Message::text(auth)).await.is_err() || rx.next().await.is_none() {
        plan.totals.connect_errors.fetch_add(1, Ordering::Relaxed);
    }
    drop(permit);
    plan.ready.wait().await;
    let started = Instant::now();
    tokio::time::sleep(plan.stagger).await;
    // A `risk` carries the seq of the packet that completed its window, so
    // its latency is measured from that packet's send time.
    let sent_at = SentAt::default();
    let receiver = tokio::spawn(receive(rx, sent_at.clone(), plan.totals.clone()));
    let mut typist = Typist::new(plan.index as u64);
    let mut seq = 0u64;
    let mut next = tokio::time::Instant::now();
    while started.elapsed() < plan.run_for {
        seq += 1;
        let events = serde_json::to_value(typist.sentence(9)).unwrap();
        let packet = json!({"type": "behavior", "seq": seq, "events": events}).to_string();
        sent_at.lock().unwrap().insert(seq, Instant::now());
        if tx.send(Message::text(packet)).await.is_err() {
            plan.totals.error(&json!("send failed"));
            break;
        }
        plan.totals.sent.fetch_add(1, Ordering::Relaxed);
        next += Duration::from_secs(1);
        tokio::time::sleep_until(next).await;
    }
    // Let the last windows arrive, then hang up.
    tokio::time::sleep(TAIL).await;
    receiver.abort();
    let _ = tx.send(Message::Close(None)).await;
}

async fn receive<S>(mut rx: S, sent_at: SentAt, totals: Arc<Totals>)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Unpin
        + Send
        + 'static,
{
    while let Some(Ok(msg)) = rx.next().await {
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
        match v["type"].as_str() {
            Some("risk") => {
                let Some(seq) = v["seq"].as_u64() else {
                    continue;
                };
                if let Some(at) = sent_at.lock().unwrap().remove(&seq) {
                    let ms = at.elapsed().as_secs_f64() * 1000.0;
                    totals.latencies.lock().unwrap().push(ms);
                }
            }
            Some("terminated") | Some("error") => totals.error(&v),
            _ => {}
        }
    }
}

/// CPU ticks of the server and of this process, and the server threads'
/// total run-queue wait, at one moment.
fn cpu_now(server: Option<u32>) -> (Option<u64>, Option<u64>, Option<u64>) {
    (
        server.and_then(cpu_ticks),
        cpu_ticks(std::process::id()),
        server.and_then(runqueue_wait_ns),
    )
}

/// Percent of one core between two tick counts over `wall` seconds.
fn share(t0: Option<u64>, t1: Option<u64>, wall: f64) -> Option<f64> {
    let (t0, t1) = (t0?, t1?);
    Some(100.0 * t1.saturating_sub(t0) as f64 / TICKS_PER_SECOND / wall)
}

#[tokio::main]
async fn main() {
    let a = args();
    eprintln!("preparing {} sessions…", a.sessions);
    let tokens = tokens(&a).await;
    let ws_url = a.url.replacen("http", "ws", 1) + "/ws/behavioral";
    let totals = Arc::new(Totals::default());
    let ready = Arc::new(Barrier::new(a.sessions + 1));
    let connect = Arc::new(Semaphore::new(a.connect_concurrency.max(1)));
    let run_for = Duration::from_secs(a.seconds);
    let mut tasks = Vec::with_capacity(a.sessions);
    for (index, token) in tokens.into_iter().enumerate() {
        let plan = Plan {
            ws_url: ws_url.clone(),
            index,
            stagger: Duration::from_micros((index as u64 * 1_000_000) / a.sessions.max(1) as u64),
            run_for,
            connect: connect.clone(),
            ready: ready.clone(),
            totals: totals.clone(),
        };
        tasks.push(tokio::spawn(session(plan, token)));
    }
    ready.wait().await;
    let started = Instant::now();
    eprintln!(
        "all {} sessions connected ({} failed); sending for {} s",
        a.sessions,
        totals.connect_errors.load(Ordering::Relaxed),
        a.seconds
    );
    // CPU over the sending phase only: from the barrier to the moment the
    // last session sends its last packet (the stagger is under 1 s).
    let (server0, client0, wait0) = cpu_now(a.server_pid);
    tokio::time::sleep(run_for).await;
    let (server1, client1, wait1) = cpu_now(a.server_pid);
    let window = started.elapsed().as_secs_f64();
    for t in tasks {
        let _ = t.await;
    }
    let cpu = Cpu {
        server: (server0, server1),
        client: (client0, client1),
        server_wait: (wait0, wait1),
    };
    report(&a, &totals, window, &cpu);
}

/// Counters read at the start and the end of the sending phase.
struct Cpu {
    server: (Option<u64>, Option<u64>),
    client: (Option<u64>, Option<u64>),
    server_wait: (Option<u64>, Option<u64>),
}

fn report(a: &Args, totals: &Totals, window: f64, cpu: &Cpu) {
    let mut l = totals.latencies.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let sent = totals.sent.load(Ordering::Relaxed);
    let server_cpu = share(cpu.server.0, cpu.server.1, window);
    // Time the server's threads were runnable but waited for a CPU (host
    // contention), in percent of one core like the CPU shares.
    let server_wait = cpu
        .server_wait
        .0
        .zip(cpu.server_wait.1)
        .map(|(w0, w1)| 100.0 * w1.saturating_sub(w0) as f64 / 1e9 / window);
    let out = json!({
        "sessions": a.sessions,
        "sending_seconds": window,
        "packets_sent": sent,
        "packets_per_second": sent as f64 / window,
        "risk_messages_timed": l.len(),
        "latency_ms_p50": pct(0.50),
        "latency_ms_p90": pct(0.90),
        "latency_ms_p99": pct(0.99),
        "latency_ms_max": l.last().copied(),
        "connect_errors": totals.connect_errors.load(Ordering::Relaxed),
        "errors": totals.errors.load(Ordering::Relaxed),
        "server_cpu_percent_of_one_core": server_cpu,
        "server_cpu_us_per_packet": server_cpu.map(|c| c / 100.0 * 1e6 * window / sent.max(1) as f64),
        "server_runqueue_wait_percent_of_one_core": server_wait,
        "client_cpu_percent_of_one_core": share(cpu.client.0, cpu.client.1, window),
        "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
    });
    println!("{out}");
}

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// Sum over a process's threads of the time they spent runnable but waiting
/// for a CPU (`/proc/<pid>/task/*/schedstat`, second field, nanoseconds).
fn runqueue_wait_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        if let Some(wait) = stat
            .split_whitespace()
            .nth(1)
            .and_then(|w| w.parse::<u64>().ok())
        {
            total += wait;
        }
    }
    Some(total)
}

/// utime + stime of a process (all its threads), in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
