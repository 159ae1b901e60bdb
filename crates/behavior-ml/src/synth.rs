//! Synthetic typists and mouse users, for tests, benchmarks and examples. Each synthetic
//! person has stable timing habits plus noise, so models can be checked on telling people
//! apart without any recorded data.

use crate::events::Event;
use crate::stats::{below, seeded, Rng};

const WORDS: [&str; 24] = [
    "the", "project", "deadline", "moved", "to", "friday", "please", "review", "invoice", "for",
    "client", "work", "design", "update", "meeting", "notes", "and", "send", "draft", "budget",
    "task", "done", "today", "report",
];

fn code_of(c: char) -> Option<String> {
    match c {
        'a'..='z' => Some(format!("Key{}", c.to_ascii_uppercase())),
        ' ' => Some("Space".into()),
        _ => None,
    }
}

fn normal(rng: &mut Rng) -> f64 {
    rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng)
}

fn unit(rng: &mut Rng) -> f64 {
    rand::Rng::gen::<f64>(rng)
}

/// A synthetic typist with per-key hold and per-transition latency habits.
#[derive(Debug, Clone)]
pub struct Typist {
    rng: Rng,
    hold_base: f64,
    gap_base: f64,
    key_hold: [f64; 27],
    key_gap: [f64; 27],
    jitter: f64,
    t: f64,
}

impl Typist {
    /// A typist determined by `seed`.
    pub fn new(seed: u64) -> Typist {
        let mut r = seeded(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xabcdef);
        let hold_base = 70.0 + 60.0 * unit(&mut r);
        let gap_base = 110.0 + 150.0 * unit(&mut r);
        let mut key_hold = [0.0; 27];
        let mut key_gap = [0.0; 27];
        for k in 0..27 {
            key_hold[k] = 0.25 * normal(&mut r);
            key_gap[k] = 0.35 * normal(&mut r);
        }
        Typist {
            rng: seeded(seed ^ 0x1234_5678),
            hold_base,
            gap_base,
            key_hold,
            key_gap,
            jitter: 0.15,
            t: 1000.0,
        }
    }

    /// Events of one typed sentence of about `words` words (keydown/keyup, time ordered).
    pub fn sentence(&mut self, words: usize) -> Vec<Event> {
        let mut text = String::new();
        for i in 0..words {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(
                WORDS
                    .get(below(&mut self.rng, WORDS.len()))
                    .copied()
                    .unwrap_or("the"),
            );
        }
        let mut ev = Vec::new();
        for c in text.chars() {
            let Some(code) = code_of(c) else { continue };
            let k = if c == ' ' {
                26
            } else {
                (c as usize).saturating_sub('a' as usize).min(25)
            };
            let gap = self.gap_base
                * (self.key_gap.get(k).copied().unwrap_or(0.0)
                    + self.jitter * normal(&mut self.rng))
                .exp();
            let hold = self.hold_base
                * (self.key_hold.get(k).copied().unwrap_or(0.0)
                    + self.jitter * normal(&mut self.rng))
                .exp();
            self.t += gap;
            ev.push(Event::Keydown {
                t: self.t,
                code: Some(code.clone()),
            });
            ev.push(Event::Keyup {
                t: self.t + hold,
                code: Some(code),
            });
        }
        self.t += 2000.0;
        ev.sort_by(|a, b| a.t().total_cmp(&b.t()));
        ev
    }
}

/// A synthetic mouse user with habitual speed, curvature, sampling rate and click hold.
#[derive(Debug, Clone)]
pub struct MouseUser {
    rng: Rng,
    speed: f64,
    curve: f64,
    dt: f64,
    hold: f64,
    overshoot: f64,
    t: f64,
    x: f64,
    y: f64,
}

impl MouseUser {
    /// A mouse user determined by `seed`.
    pub fn new(seed: u64) -> MouseUser {
        let mut r = seeded(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x77);
        MouseUser {
            speed: 0.4 + 1.6 * unit(&mut r),
            curve: 0.05 + 0.4 * unit(&mut r),
            dt: [8.0, 16.0, 16.0, 33.0]
                .get(below(&mut r, 4))
                .copied()
                .unwrap_or(16.0),
            hold: 60.0 + 120.0 * unit(&mut r),
            overshoot: 0.1 * unit(&mut r),
            rng: seeded(seed ^ 0x9999),
            t: 0.0,
            x: 500.0,
            y: 400.0,
        }
    }

    /// About one second's worth of events: a movement to a random target, often a click.
    pub fn movement(&mut self) -> Vec<Event> {
        let tx = 50.0 + below(&mut self.rng, 1200) as f64;
        let ty = 50.0 + below(&mut self.rng, 700) as f64;
        let (sx, sy) = (self.x, self.y);
        let dist = ((tx - sx).powi(2) + (ty - sy).powi(2)).sqrt().max(20.0);
        let dur = (dist / self.speed * (1.0 + 0.15 * normal(&mut self.rng))).clamp(80.0, 3000.0);
        let bend = self.curve * dist * (1.0 + 0.3 * normal(&mut self.rng));
        let (nx, ny) = (-(ty - sy) / dist, (tx - sx) / dist);
        let mut ev = Vec::new();
        let steps = (dur / self.dt).ceil().max(3.0) as usize;
        for i in 1..=steps {
            let u = i as f64 / steps as f64;
            // minimum-jerk profile with a slight overshoot
            let s = 10.0 * u.powi(3) - 15.0 * u.powi(4) + 6.0 * u.powi(5);
            let s = s + self.overshoot * (std::f64::consts::PI * u).sin() * u;
            let b = bend * (std::f64::consts::PI * u).sin();
            let x = sx + (tx - sx) * s + nx * b + normal(&mut self.rng);
            let y = sy + (ty - sy) * s + ny * b + normal(&mut self.rng);
            let t = self.t + u * dur + 0.2 * self.dt * normal(&mut self.rng).abs();
            ev.push(Event::Mousemove {
                t,
                x: x.round(),
                y: y.round(),
            });
        }
        self.t += dur;
        self.x = tx;
        self.y = ty;
        if below(&mut self.rng, 2) == 0 {
            self.t += 30.0 + 50.0 * normal(&mut self.rng).abs();
            ev.push(Event::Mousedown {
                t: self.t,
                button: 0,
                x: tx,
                y: ty,
            });
            self.t += self.hold * (1.0 + 0.15 * normal(&mut self.rng)).max(0.3);
            ev.push(Event::Mouseup {
                t: self.t,
                button: 0,
                x: tx,
                y: ty,
            });
        }
        self.t += 600.0 + 400.0 * normal(&mut self.rng).abs();
        ev
    }
}

/// Kinds of generated non-human input (see [`bot_session`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bot {
    /// WebDriver typing: one character at a time, 120–200 ms pauses, keyup right after keydown.
    WebDriverTyping,
    /// Every key held exactly 80 ms, natural-looking pauses.
    FixedHold,
    /// A key every 150 ms exactly, holds vary.
    Metronome,
    /// A metronome with ±3 ms of added jitter and holds of 70 ± 2 ms.
    JitteredMetronome,
    /// Random-looking timings that all fall on a 50 ms grid.
    Grid,
    /// A key every 8 ms.
    Superhuman,
    /// The pointer jumps onto each target and clicks it.
    TeleportClicks,
    /// Straight lines at constant speed, 16 ms per step, rounded to pixels.
    StraightPaths,
    /// The pointer crosses the screen in a few milliseconds.
    FastPointer,
}

impl Bot {
    /// Every kind.
    pub const ALL: [Bot; 9] = [
        Bot::WebDriverTyping,
        Bot::FixedHold,
        Bot::Metronome,
        Bot::JitteredMetronome,
        Bot::Grid,
        Bot::Superhuman,
        Bot::TeleportClicks,
        Bot::StraightPaths,
        Bot::FastPointer,
    ];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Bot::WebDriverTyping => "webdriver_typing",
            Bot::FixedHold => "fixed_hold",
            Bot::Metronome => "metronome",
            Bot::JitteredMetronome => "jittered_metronome",
            Bot::Grid => "grid_50ms",
            Bot::Superhuman => "superhuman_rate",
            Bot::TeleportClicks => "teleport_clicks",
            Bot::StraightPaths => "straight_constant_speed",
            Bot::FastPointer => "fast_pointer",
        }
    }

    /// True for keyboard bots.
    pub fn is_keyboard(self) -> bool {
        !matches!(
            self,
            Bot::TeleportClicks | Bot::StraightPaths | Bot::FastPointer
        )
    }
}

fn bot_keys(bot: Bot, rng: &mut Rng, sentences: usize) -> Vec<Vec<Event>> {
    let mut t = 10_000.0;
    let mut out = Vec::new();
    for _ in 0..sentences {
        let mut ev = Vec::new();
        for i in 0..48usize {
            let code = Some(format!("Key{}", char::from(b'A' + (below(rng, 26) as u8))));
            let (gap, hold) = match bot {
                Bot::WebDriverTyping => (120.0 + 80.0 * unit(rng), unit(rng)),
                Bot::FixedHold => ((90.0 + 160.0 * unit(rng)).round(), 80.0),
                Bot::Metronome => (150.0, (60.0 + 60.0 * unit(rng)).round()),
                Bot::JitteredMetronome => (147.0 + 6.0 * unit(rng), 68.0 + 4.0 * unit(rng)),
                Bot::Grid => (
                    50.0 * (2 + below(rng, 4)) as f64,
                    50.0 * (1 + below(rng, 2)) as f64,
                ),
                _ => (8.0, 4.0 + 2.0 * unit(rng)),
            };
            if i > 0 {
                t += gap;
            }
            ev.push(Event::Keydown {
                t,
                code: code.clone(),
            });
            ev.push(Event::Keyup { t: t + hold, code });
        }
        ev.sort_by(|a, b| a.t().total_cmp(&b.t()));
        out.push(ev);
        t += 3_000.0;
    }
    out
}

fn bot_pointer(bot: Bot, rng: &mut Rng, seconds: usize) -> Vec<Vec<Event>> {
    let (mut t, mut x, mut y) = (10_000.0, 400.0, 300.0);
    let mut out = Vec::new();
    for _ in 0..seconds {
        let mut ev = Vec::new();
        for _ in 0..3 {
            let (tx, ty) = (
                50.0 + below(rng, 1200) as f64,
                50.0 + below(rng, 700) as f64,
            );
            match bot {
                Bot::TeleportClicks => {
                    t += 150.0 + 100.0 * unit(rng);
                    ev.push(Event::Mousemove { t, x: tx, y: ty });
                }
                _ => {
                    let steps = if bot == Bot::FastPointer { 4 } else { 20 };
                    let dt = if bot == Bot::FastPointer { 1.0 } else { 16.0 };
                    for k in 1..=steps {
                        let u = k as f64 / steps as f64;
                        t += dt;
                        ev.push(Event::Mousemove {
                            t,
                            x: (x + (tx - x) * u).round(),
                            y: (y + (ty - y) * u).round(),
                        });
                    }
                }
            }
            (x, y) = (tx, ty);
            t += 20.0;
            ev.push(Event::Mousedown { t, button: 0, x, y });
            t += 2.0 + 3.0 * unit(rng);
            ev.push(Event::Mouseup { t, button: 0, x, y });
            t += 80.0;
        }
        out.push(ev);
    }
    out
}

/// A generated (not recorded) session of non-human input, as `behavior` messages of about one
/// second (keyboard bots: one typed sentence per message). Deterministic for a seed.
pub fn bot_session(bot: Bot, seed: u64) -> Vec<Vec<Event>> {
    let mut rng = seeded(seed ^ 0xb07);
    if bot.is_keyboard() {
        bot_keys(bot, &mut rng, 6)
    } else {
        bot_pointer(bot, &mut rng, 12)
    }
}
