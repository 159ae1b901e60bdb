//! Replays real typing from the "136M Keystrokes" development data through
//! the live websocket, as the acceptance client does: keydown/keyup with
//! `KeyboardEvent.code` and the recorded timestamps, one typed sentence per
//! `behavior` message. The owner enrolls with 10 sentences and goes on
//! typing; then another participant types in the same session.
//!
//! Skipped (with a message) when `../shared/data` is absent; override the
//! folder with `BEHAVIOR_DATA_DIR`, the number of pairs with
//! `REPLAY_PAIRS` (default 40).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::{collections::BTreeMap, path::PathBuf, time::Duration};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BEHAVIOR_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        })
        .join("aalto-keystrokes-dev");
    dir.is_dir().then_some(dir)
}

/// One participant's sentences as wire events (file order of sections,
/// keystrokes by press time; each keystroke listed as keydown then keyup,
/// as a naive replay client would).
fn load(path: &std::path::Path) -> Vec<Vec<Value>> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut order: Vec<String> = Vec::new();
    let mut sections: BTreeMap<String, Vec<(f64, f64, u32)>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 9 {
            continue;
        }
        let (Ok(press), Ok(release), Ok(keycode)) = (
            cols[5].parse::<f64>(),
            cols[6].parse::<f64>(),
            cols[8].trim().parse::<u32>(),
        ) else {
            continue;
        };
        let section = cols[1].to_owned();
        if !sections.contains_key(&section) {
            order.push(section.clone());
        }
        sections
            .entry(section)
            .or_default()
            .push((press, release, keycode));
    }
    order
        .into_iter()
        .filter_map(|s| sections.remove(&s))
        .map(|mut keys| {
            keys.sort_by(|a, b| a.0.total_cmp(&b.0));
            keys.into_iter()
                .flat_map(|(press, release, keycode)| {
                    let code = behavior_ml::js_keycode_to_code(keycode);
                    [
                        json!({"t": press, "kind": "keydown", "code": code}),
                        json!({"t": release, "kind": "keyup", "code": code}),
                    ]
                })
                .collect()
        })
        .collect()
}

#[derive(Default, Debug)]
struct Outcome {
    trained_after: Option<usize>,
    owner_blocked: bool,
    owner_challenged: bool,
    intruder_blocked_after: Option<usize>,
    intruder_keystrokes: usize,
    close_code: Option<u16>,
    errors: Vec<String>,
    windows: usize,
}

/// Sends a sentence and reads what arrives within a short pause. Like a
/// client streaming typing, it does not wait for the sentence's `risk`: a
/// sentence's window closes at the typing pause before the next one (or when
/// the connection goes idle).
async fn sentence(
    ws: &mut Ws,
    seq: u64,
    events: &[Value],
    wait: Duration,
) -> (Vec<Value>, Option<Option<u16>>) {
    ws_send(
        ws,
        json!({"type": "behavior", "seq": seq, "events": events}),
    )
    .await;
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => return (got, None),
            Ok(None) | Ok(Some(Err(_))) => return (got, Some(None)),
            Ok(Some(Ok(WsMessage::Text(t)))) => got.push(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(WsMessage::Close(f)))) => return (got, Some(f.map(|f| u16::from(f.code)))),
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn replay_pair(
    app: &TestApp,
    name: &str,
    owner: &[Vec<Value>],
    intruder: &[Vec<Value>],
) -> Outcome {
    let mut out = Outcome::default();
    app.register(name, "password-123").await;
    let (token, _) = app.start_session(name, "password-123").await;
    let (mut ws, _) = app.ws_auth(&token).await;
    let mut seq = 0;
    let enroll = 10.min(owner.len().saturating_sub(1));
    let mut windows = 0;
    for (i, s) in owner.iter().enumerate() {
        seq += 1;
        let (replies, closed) = sentence(&mut ws, seq, s, Duration::from_millis(150)).await;
        out.errors.extend(
            replies
                .iter()
                .filter(|r| r["type"] == "error")
                .map(|r| r["message"].to_string()),
        );
        for r in &replies {
            if r["type"] == "risk" {
                windows += 1;
            }
            // Counted in windows: the sentences whose windows built the profile.
            if out.trained_after.is_none()
                && r["type"] == "profile"
                && r["modality"] == "keystroke"
                && r["state"] == "trained"
            {
                out.trained_after = Some(windows);
            }
        }
        out.windows = windows;
        if i >= enroll {
            out.owner_challenged |= replies.iter().any(|r| r["type"] == "challenge");
        }
        if closed.is_some() || replies.iter().any(|r| r["type"] == "terminated") {
            out.owner_blocked = true;
            return out;
        }
    }
    for (i, s) in intruder.iter().enumerate() {
        seq += 1;
        out.intruder_keystrokes += s.len() / 2;
        // The last sentence is followed by silence, so its window closes on the idle timer.
        let wait = Duration::from_millis(if i + 1 == intruder.len() { 2500 } else { 250 });
        let (replies, closed) = sentence(&mut ws, seq, s, wait).await;
        if replies.iter().any(|r| r["type"] == "terminated") {
            out.intruder_blocked_after = Some(i + 1);
            out.close_code = match closed {
                Some(c) => c,
                None => ws_drain_until_close(&mut ws, 5).await.1,
            };
            break;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_participants_owner_kept_intruder_blocked() {
    let Some(dir) = data_dir() else {
        println!("skipping the keystroke replay: ../shared/data/aalto-keystrokes-dev not found (set BEHAVIOR_DATA_DIR)");
        return;
    };
    let pairs: usize = std::env::var("REPLAY_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("_keystrokes.txt"))
        .collect();
    files.sort();
    let step = (files.len() / (pairs + 1)).max(1);
    let people: Vec<Vec<Vec<Value>>> = files
        .iter()
        .step_by(step)
        .take(pairs + 1)
        .map(|p| load(p))
        .collect();
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut outcomes = Vec::new();
    for i in 0..pairs.min(people.len().saturating_sub(1)) {
        let owner = &people[i];
        let intruder = &people[i + 1];
        if owner.len() < 12 || intruder.len() < 3 {
            continue;
        }
        let o = replay_pair(
            &app,
            &format!("owner{i}"),
            owner,
            &intruder[..intruder.len().min(10)],
        )
        .await;
        outcomes.push(o);
    }
    let n = outcomes.len();
    let trained_in_10 = outcomes
        .iter()
        .filter(|o| o.trained_after.is_some_and(|k| k <= 10))
        .count();
    let owner_blocked = outcomes.iter().filter(|o| o.owner_blocked).count();
    let owner_challenged = outcomes.iter().filter(|o| o.owner_challenged).count();
    let blocked: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.intruder_blocked_after.is_some())
        .collect();
    let mut sentences: Vec<usize> = blocked
        .iter()
        .filter_map(|o| o.intruder_blocked_after)
        .collect();
    sentences.sort_unstable();
    let mut keystrokes: Vec<usize> = blocked.iter().map(|o| o.intruder_keystrokes).collect();
    keystrokes.sort_unstable();
    let median = |v: &[usize]| v.get(v.len() / 2).copied().unwrap_or(0);
    println!(
        "replay: {n} pairs; profile trained within 10 sentences: {trained_in_10}; owners blocked: {owner_blocked}; \
         owners challenged: {owner_challenged}; intruders blocked: {} ({:.1} %), median {} sentences / {} keystrokes",
        blocked.len(),
        100.0 * blocked.len() as f64 / n.max(1) as f64,
        median(&sentences),
        median(&keystrokes),
    );
    for o in outcomes
        .iter()
        .filter(|o| o.trained_after.is_none_or(|k| k > 10) || o.intruder_blocked_after.is_none())
    {
        println!("{o:?}");
    }
    assert!(n >= pairs.min(10), "too few usable pairs: {n}");
    assert!(
        trained_in_10 * 20 >= n * 19,
        "trained within 10 sentences: {trained_in_10}/{n}"
    );
    assert!(
        blocked.iter().all(|o| o.close_code == Some(4403)),
        "{outcomes:?}"
    );
    assert!(
        owner_blocked * 40 <= n,
        "owners blocked: {owner_blocked}/{n}"
    );
    assert!(
        blocked.len() * 10 >= n * 9,
        "intruders blocked: {}/{n}",
        blocked.len()
    );
}
