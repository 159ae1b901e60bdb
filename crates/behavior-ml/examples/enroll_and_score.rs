//! Enroll a user and score a stream of raw events, the way the realtime server does.
//!
//! ```text
//! cargo run -p behavior-ml --example enroll_and_score            # synthetic typists
//! cargo run -p behavior-ml --example enroll_and_score -- FILE    # JSON lines, one `events`
//!                                                                # array per line
//! ```
//!
//! With a file, the first lines enroll the profile and later lines are scored; without one,
//! synthetic typists are used: a global model is trained on 40 of them, the owner enrolls
//! with 10 sentences, types on, and then an intruder takes over until the session is blocked.

use behavior_ml::keystroke::KeystrokeWindow;
use behavior_ml::synth::Typist;
use behavior_ml::{
    Config, Decision, Event, GlobalModel, SessionScorer, UserProfiles, WindowResult,
};

fn print(label: &str, r: &WindowResult) {
    let msg = serde_json::json!({
        "type": "risk",
        "modality": r.modality,
        "score": r.score.map(|s| (s * 1000.0).round() / 1000.0),
        "level": r.level,
        "model": r.model,
        "session_risk": (r.session_risk * 1000.0).round() / 1000.0,
        "reasons": r.reasons,
    });
    println!(
        "{label:<9} {msg} decision={:?} profile={:?} {}/{}",
        r.decision, r.profile_state, r.samples, r.required
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cfg = Config::default();
    let mut profiles = UserProfiles::for_user(&cfg, 1);
    let mut scorer = SessionScorer::new(cfg.clone());

    if let Some(path) = std::env::args().nth(1) {
        let text = std::fs::read_to_string(path)?;
        for (i, line) in text.lines().enumerate() {
            let events: Vec<Event> = match serde_json::from_str(line) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("line {}: {e}", i + 1);
                    continue;
                }
            };
            for r in scorer.process(&events, &mut profiles, None) {
                print(&format!("line {}", i + 1), &r);
            }
        }
        for r in scorer.flush(&mut profiles, None) {
            print("end", &r);
        }
        println!("{}", profiles.to_json()?.len());
        return Ok(());
    }

    // A global model from other people's stored windows (the server's trainer does this).
    let others: Vec<Vec<KeystrokeWindow>> = (100..140)
        .map(|seed| {
            let mut t = Typist::new(seed);
            (0..15)
                .filter_map(|_| KeystrokeWindow::from_events(&t.sentence(9), 10))
                .collect()
        })
        .collect();
    let global = GlobalModel::train(&others, &[], &cfg)?;

    let mut owner = Typist::new(1);
    for _ in 0..14 {
        for r in scorer.process(&owner.sentence(9), &mut profiles, Some(&global)) {
            print("owner", &r);
        }
    }
    let mut intruder = Typist::new(2);
    'outer: for _ in 0..10 {
        for r in scorer.process(&intruder.sentence(9), &mut profiles, Some(&global)) {
            print("intruder", &r);
            if r.decision == Decision::Block {
                break 'outer;
            }
        }
    }
    println!(
        "stored profile: {} bytes of JSON",
        profiles.to_json()?.len()
    );
    Ok(())
}
