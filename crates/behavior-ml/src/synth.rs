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
