//! Generated non-human input (`behavior_ml::synth::bot_session`) and replays of recorded
//! human input, fed through `SessionScorer` like live messages: how much of it is caught,
//! and whether any of it advanced enrollment. (The false-flag rate on real people comes from
//! the keystroke and mouse protocols, which count real windows flagged.)

use std::time::Instant;

use behavior_ml::synth::{bot_session, Bot, MouseUser, Typist};
use behavior_ml::{Config, Event, SessionScorer, UserProfiles, WindowResult};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::report::{r4, rate};
use crate::{Outcome, Scores, UsageError};

/// Sessions generated per kind.
const SESSIONS: u64 = 50;

/// Catch figures of one kind of input.
#[derive(Debug, Clone, Default)]
struct Caught {
    name: String,
    sessions: usize,
    sessions_caught: usize,
    windows: usize,
    windows_caught: usize,
    /// Sessions after which a profile had absorbed any of the input.
    enrollment_advanced: usize,
    reasons: Vec<String>,
}

impl Caught {
    fn add(&mut self, rs: &[WindowResult], learnt: bool) {
        self.sessions += 1;
        self.windows += rs.len();
        let flagged: Vec<&WindowResult> = rs
            .iter()
            .filter(|r| r.score == Some(1.0) && r.window.is_none())
            .collect();
        self.windows_caught += flagged.len();
        self.sessions_caught += usize::from(!flagged.is_empty());
        self.enrollment_advanced += usize::from(learnt);
        for r in flagged {
            if let Some(reason) = r.reasons.first() {
                if !self.reasons.contains(reason) {
                    self.reasons.push(reason.clone());
                }
            }
        }
    }

    fn merge(mut self, o: Caught) -> Caught {
        self.sessions += o.sessions;
        self.sessions_caught += o.sessions_caught;
        self.windows += o.windows;
        self.windows_caught += o.windows_caught;
        self.enrollment_advanced += o.enrollment_advanced;
        for r in o.reasons {
            if !self.reasons.contains(&r) {
                self.reasons.push(r);
            }
        }
        self
    }
}

/// Feeds messages to a scorer, then closes what is pending.
fn feed(messages: &[Vec<Event>], p: &mut UserProfiles, s: &mut SessionScorer) -> Vec<WindowResult> {
    let mut out = Vec::new();
    for m in messages {
        out.extend(s.process(m, p, None));
    }
    out.extend(s.idle(p, None));
    out.extend(s.flush(p, None));
    out
}

/// One bot session against a fresh (enrolling) profile.
fn bot_run(bot: Bot, seed: u64, cfg: &Config) -> Caught {
    let mut p = UserProfiles::new(cfg);
    let before = p.clone();
    let mut s = SessionScorer::new(cfg.clone());
    let rs = feed(&bot_session(bot, seed), &mut p, &mut s);
    let mut c = Caught {
        name: bot.name().into(),
        ..Caught::default()
    };
    c.add(
        &rs,
        p.keystroke.keystrokes != before.keystroke.keystrokes || p.mouse.samples != 0,
    );
    c
}

fn shifted(messages: &[Vec<Event>], dt: f64) -> Vec<Vec<Event>> {
    messages
        .iter()
        .map(|m| {
            m.iter()
                .map(|e| match e.clone() {
                    Event::Keydown { t, code } => Event::Keydown { t: t + dt, code },
                    Event::Keyup { t, code } => Event::Keyup { t: t + dt, code },
                    Event::Mousemove { t, x, y } => Event::Mousemove { t: t + dt, x, y },
                    Event::Mousedown { t, button, x, y } => Event::Mousedown {
                        t: t + dt,
                        button,
                        x,
                        y,
                    },
                    Event::Mouseup { t, button, x, y } => Event::Mouseup {
                        t: t + dt,
                        button,
                        x,
                        y,
                    },
                    Event::Wheel { t, dx, dy, x, y } => Event::Wheel {
                        t: t + dt,
                        dx,
                        dy,
                        x,
                        y,
                    },
                })
                .collect()
        })
        .collect()
}

/// A person's input, learnt by their profile in one session, is recorded and sent again an
/// hour later in a new session (keyboard, or pointer).
fn replay_run(keyboard: bool, seed: u64, cfg: &Config) -> Caught {
    let recorded: Vec<Vec<Event>> = if keyboard {
        let mut t = Typist::new(seed + 500);
        (0..14).map(|_| t.sentence(9)).collect()
    } else {
        let mut u = MouseUser::new(seed + 500);
        (0..200)
            .map(|_| (0..3).flat_map(|_| u.movement()).collect())
            .collect()
    };
    let mut p = UserProfiles::new(cfg);
    let _ = feed(&recorded, &mut p, &mut SessionScorer::new(cfg.clone()));
    let before = (p.keystroke.keystrokes, p.mouse.samples);
    let rs = feed(
        &shifted(&recorded, 3_600_000.0),
        &mut p,
        &mut SessionScorer::new(cfg.clone()),
    );
    let mut c = Caught {
        name: if keyboard {
            "replay_typing"
        } else {
            "replay_pointer"
        }
        .into(),
        ..Caught::default()
    };
    c.add(&rs, (p.keystroke.keystrokes, p.mouse.samples) != before);
    c
}

/// Run the synthetic catch-rate measurement.
pub fn run() -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let cfg = crate::report::live_config();
    let mut kinds: Vec<Caught> = Bot::ALL
        .par_iter()
        .map(|bot| {
            (0..SESSIONS)
                .map(|seed| bot_run(*bot, seed, &cfg))
                .fold(Caught::default(), Caught::merge)
        })
        .collect();
    // the teleport rule is off by default (see Config::teleport_clicks_nonhuman)
    let on = Config {
        teleport_clicks_nonhuman: 2,
        ..cfg.clone()
    };
    kinds.push(
        (0..SESSIONS)
            .into_par_iter()
            .map(|seed| bot_run(Bot::TeleportClicks, seed, &on))
            .reduce(Caught::default, Caught::merge),
    );
    for keyboard in [true, false] {
        kinds.push(
            (0..SESSIONS / 5)
                .into_par_iter()
                .map(|seed| replay_run(keyboard, seed, &cfg))
                .reduce(Caught::default, Caught::merge),
        );
    }
    for (k, name) in kinds
        .iter_mut()
        .zip(Bot::ALL.iter().map(|b| b.name()).chain([
            "teleport_clicks_rule_on",
            "replay_typing",
            "replay_pointer",
        ]))
    {
        k.name = name.into();
    }
    let total = kinds.iter().cloned().fold(Caught::default(), Caught::merge);
    Ok(Outcome {
        json: json_of(&kinds, &total, start.elapsed().as_secs_f64()),
        text: text_of(&kinds, &total),
        scores: Scores::default(),
        title: "synthetic input".into(),
    })
}

fn json_of(kinds: &[Caught], total: &Caught, seconds: f64) -> Value {
    let kind = |c: &Caught| {
        json!({
            "kind": c.name, "sessions": c.sessions,
            "sessions_caught_rate": r4(rate(c.sessions_caught, c.sessions)),
            "windows": c.windows,
            "windows_caught_rate": r4(rate(c.windows_caught, c.windows)),
            "sessions_that_advanced_enrollment": c.enrollment_advanced,
            "reasons": c.reasons,
        })
    };
    json!({
        "protocol": "synthetic-nonhuman",
        "kinds": kinds.iter().map(kind).collect::<Vec<_>>(),
        "sessions": total.sessions,
        "sessions_caught_rate": r4(rate(total.sessions_caught, total.sessions)),
        "windows_caught_rate": r4(rate(total.windows_caught, total.windows)),
        "sessions_that_advanced_enrollment": total.enrollment_advanced,
        "seconds": (seconds * 10.0).round() / 10.0,
    })
}

fn text_of(kinds: &[Caught], total: &Caught) -> String {
    let mut t = String::from(
        "generated non-human input and replays through the live scorer\n\
         kind                      sessions caught   windows caught   enrollment advanced\n",
    );
    for c in kinds {
        t.push_str(&format!(
            "{:<25} {:>4} {:>7.1}%   {:>6} {:>7.1}%   {:>4}   {}\n",
            c.name,
            c.sessions,
            rate(c.sessions_caught, c.sessions) * 100.0,
            c.windows,
            rate(c.windows_caught, c.windows) * 100.0,
            c.enrollment_advanced,
            c.reasons.first().map_or("", String::as_str)
        ));
    }
    t.push_str(&format!(
        "all: sessions caught {:.1}%, windows caught {:.1}%, sessions that advanced enrollment {}\n\
         (the false-flag rate on real people is in the keystrokes and mouse outputs: \
         non-human input flagged on real windows)",
        rate(total.sessions_caught, total.sessions) * 100.0,
        rate(total.windows_caught, total.windows) * 100.0,
        total.enrollment_advanced
    ));
    t
}
