//! Keystroke windows: from raw key events to a privacy-preserving feature window.
//!
//! A window aggregates, per key, the hold times and, per ordered key pair (digraph), the
//! down-down (DD), up-down (UD) and up-up (UU) latencies, plus summary features (typing rate,
//! correction rate, rollover, …). Times are transformed before aggregation: holds and DD as
//! `ln(ms)`, UD and UU as `asinh(ms / 50)` (they may be negative when keys overlap).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::keys::{key_id, pair_id, KeyClass, KeyId};

/// Longest hold (ms) accepted as a real key press; longer ones are treated as a missing keyup.
pub const MAX_HOLD_MS: f64 = 2_000.0;
/// Longest pause (ms) between two key presses still counted as a digraph; longer breaks the chain.
pub const MAX_PAIR_GAP_MS: f64 = 3_000.0;

/// Names of the summary features, in order (see [`KeystrokeWindow::summary`]).
pub const SUMMARY_NAMES: [&str; SUMMARY_LEN] = [
    "hold times",
    "key-to-key times",
    "rhythm variability",
    "hold-time variability",
    "key overlap (rollover)",
    "correction rate",
    "typing speed",
    "space-bar hold",
    "shift-to-key time",
    "release-to-press times",
];
/// Number of summary features.
pub const SUMMARY_LEN: usize = 10;

/// One completed key press.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keystroke {
    /// Pseudonymous key id.
    pub key: KeyId,
    /// Coarse key class.
    pub class: KeyClass,
    /// Press time (ms).
    pub down: f64,
    /// Release time (ms), `None` when the keyup never came or was implausible.
    pub up: Option<f64>,
}

/// Per-key aggregate inside a window (hold time, `ln(ms)`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KeyStat {
    /// Pseudonymous key id.
    pub id: u64,
    /// [`KeyClass`] as a number.
    pub class: u8,
    /// Number of holds.
    pub n: u32,
    /// Mean of `ln(hold ms)`.
    pub hold: f32,
}

/// Per-digraph aggregate inside a window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairStat {
    /// Pseudonymous pair id.
    pub id: u64,
    /// Class pair `class_a * 8 + class_b`.
    pub class: u8,
    /// Number of occurrences (DD).
    pub n: u32,
    /// Mean `ln(DD ms)`.
    pub dd: f32,
    /// Number of occurrences with both releases known (UD, UU).
    pub nu: u32,
    /// Mean `asinh(UD ms / 50)`.
    pub ud: f32,
    /// Mean `asinh(UU ms / 50)`.
    pub uu: f32,
}

/// A keystroke feature window: what gets scored, stored and used for global training.
/// Contains no key codes and no key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeystrokeWindow {
    /// Key presses in the window.
    pub keystrokes: u32,
    /// Time span of the window (ms).
    pub duration_ms: f32,
    /// Per-key hold statistics, sorted by id.
    pub keys: Vec<KeyStat>,
    /// Per-digraph latency statistics, sorted by id.
    pub pairs: Vec<PairStat>,
    /// Summary features, see [`SUMMARY_NAMES`].
    pub summary: [f32; SUMMARY_LEN],
    /// Standard deviation of raw hold times (ms), for non-human input detection.
    pub hold_sd_ms: f32,
    /// Standard deviation of raw DD latencies (ms), for non-human input detection.
    pub dd_sd_ms: f32,
    /// Median raw DD latency (ms).
    pub dd_median_ms: f32,
    /// Share of released keys held at most [`QUICK_HOLD_MS`] (a script's keyup right after
    /// its keydown); 0 in windows stored before it was measured.
    #[serde(default)]
    pub quick_hold_share: f32,
    /// Coarsest grid (ms) every press and release time lies on (0: none, or not measured).
    #[serde(default)]
    pub grid_ms: f32,
    /// Share of DD latencies equal to the most common one (a metronome).
    #[serde(default)]
    pub dd_mode_share: f32,
}

/// Holds up to this long (ms) count as "released at once" (no finger is that quick).
pub const QUICK_HOLD_MS: f64 = 5.0;

/// Per-key hold aggregates of a window.
struct Holds {
    /// Valid holds (ms), in press order.
    raw: Vec<f64>,
    /// `ln(hold)` of space-bar presses.
    space: Vec<f64>,
    /// Key id → (class, count, sum of `ln(hold)`).
    per_key: HashMap<u64, (u8, u32, f64)>,
    /// Share of released keys with a hold of at most `QUICK_HOLD_MS`.
    quick_share: f64,
}

/// Per-digraph aggregates of a window.
struct Digraphs {
    /// Pair id → (class pair, DD count, DD sum, UD/UU count, UD sum, UU sum).
    per_pair: HashMap<u64, (u8, u32, f64, u32, f64, f64)>,
    /// Raw DD latencies (ms).
    dd: Vec<f64>,
    /// Transformed UD latencies.
    ud: Vec<f64>,
    /// `ln(DD)` after a modifier.
    shift_lead: Vec<f64>,
    /// Negative UD (overlapping keys).
    overlaps: u32,
    /// Time covered by counted pairs (ms).
    active_ms: f64,
    /// Counted pairs.
    n: u32,
}

fn hold_of(k: &Keystroke) -> Option<f64> {
    let up = k.up?;
    let h = up - k.down;
    (h.is_finite() && h > 0.0 && h <= MAX_HOLD_MS).then_some(h)
}

impl Holds {
    fn of(ks: &[Keystroke]) -> Holds {
        let mut h = Holds {
            raw: Vec::with_capacity(ks.len()),
            space: Vec::new(),
            per_key: HashMap::new(),
            quick_share: 0.0,
        };
        let (mut released, mut quick) = (0u32, 0u32);
        for k in ks {
            if let Some(up) = k.up {
                released += 1;
                quick += u32::from(up - k.down <= QUICK_HOLD_MS);
            }
            let Some(hold) = hold_of(k) else { continue };
            let lh = hold.max(1.0).ln();
            h.raw.push(hold);
            if k.class == KeyClass::Space {
                h.space.push(lh);
            }
            let e = h.per_key.entry(k.key).or_insert((k.class as u8, 0, 0.0));
            e.1 += 1;
            e.2 += lh;
        }
        if released > 0 {
            h.quick_share = f64::from(quick) / f64::from(released);
        }
        h
    }
}

impl Digraphs {
    fn of(ks: &[Keystroke]) -> Digraphs {
        let mut d = Digraphs {
            per_pair: HashMap::new(),
            dd: Vec::with_capacity(ks.len()),
            ud: Vec::with_capacity(ks.len()),
            shift_lead: Vec::new(),
            overlaps: 0,
            active_ms: 0.0,
            n: 0,
        };
        for w in ks.windows(2) {
            let [a, b] = w else { continue };
            d.add(a, b);
        }
        d
    }

    fn add(&mut self, a: &Keystroke, b: &Keystroke) {
        let dd = b.down - a.down;
        if !(dd.is_finite() && (0.0..=MAX_PAIR_GAP_MS).contains(&dd)) {
            return;
        }
        self.n += 1;
        self.active_ms += dd;
        let ldd = dd.max(1.0).ln();
        self.dd.push(dd);
        if a.class == KeyClass::Modifier {
            self.shift_lead.push(ldd);
        }
        let class = (a.class as u8) * 8 + (b.class as u8);
        let e = self
            .per_pair
            .entry(pair_id(a.key, b.key))
            .or_insert((class, 0, 0.0, 0, 0.0, 0.0));
        e.1 += 1;
        e.2 += ldd;
        if let (Some(_), Some(ua)) = (hold_of(a), a.up) {
            let ud = b.down - ua;
            if ud < 0.0 {
                self.overlaps += 1;
            }
            self.ud.push(latency_transform(ud));
            if let (Some(_), Some(ub)) = (hold_of(b), b.up) {
                e.3 += 1;
                e.4 += latency_transform(ud);
                e.5 += latency_transform(ub - ua);
            }
        }
    }
}

/// Coarsest grid (ms, in steps of 0.1 ms) all press and release times lie on, measured from
/// the first press; 0 when they do not lie on a 0.1 ms grid (real browser clocks).
fn timing_grid(ks: &[Keystroke]) -> f64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let Some(t0) = ks.first().map(|k| k.down) else {
        return 0.0;
    };
    let mut g = 0u64;
    for t in ks.iter().flat_map(|k| [Some(k.down), k.up]).flatten() {
        let tenths = (t - t0) * 10.0;
        let r = tenths.round();
        if !r.is_finite() || (tenths - r).abs() > 0.01 || r.abs() > 1e12 {
            return 0.0;
        }
        g = gcd(g, r.abs() as u64);
    }
    g as f64 / 10.0
}

/// Share of values equal (to 0.1 ms) to the most common one.
fn mode_share(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<i64, u32> = HashMap::new();
    for x in v {
        *counts.entry((x * 10.0).round() as i64).or_default() += 1;
    }
    f64::from(counts.values().copied().max().unwrap_or(0)) / v.len() as f64
}

fn finite_or(v: f64, fallback: f64) -> f32 {
    if v.is_finite() {
        v as f32
    } else {
        fallback as f32
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    quantile(v, 0.5)
}

/// Quantile (linear interpolation) of finite values; sorts `v` in place.
pub(crate) fn quantile(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let a = *v.get(lo)?;
    let b = *v.get(hi)?;
    Some(a + (b - a) * (pos - lo as f64))
}

fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// `asinh(ms / 50)`, the transform of UD/UU latencies.
pub fn latency_transform(ms: f64) -> f64 {
    (ms / 50.0).asinh()
}

impl KeystrokeWindow {
    /// Build a window from completed keystrokes (any order). Returns `None` when fewer than
    /// `min_keys` usable key presses are present.
    pub fn from_keystrokes(keystrokes: &[Keystroke], min_keys: usize) -> Option<KeystrokeWindow> {
        let mut ks: Vec<Keystroke> = keystrokes
            .iter()
            .copied()
            .filter(|k| k.down.is_finite())
            .collect();
        if ks.len() < min_keys.max(2) {
            return None;
        }
        ks.sort_by(|a, b| a.down.total_cmp(&b.down));
        let holds = Holds::of(&ks);
        let digraphs = Digraphs::of(&ks);
        if holds.raw.len() < 2 && digraphs.n < 2 {
            return None;
        }
        let (summary, med_hold, med_dd) = summary_features(&ks, &holds, &digraphs);
        let first = ks.first().map(|k| k.down).unwrap_or(0.0);
        let last = ks.last().map(|k| k.down).unwrap_or(0.0);
        let mut dd_sorted = digraphs.dd.clone();
        Some(KeystrokeWindow {
            keystrokes: ks.len() as u32,
            duration_ms: finite_or((last - first).max(0.0), 0.0),
            keys: key_stats(&holds, med_hold),
            pairs: pair_stats(&digraphs, med_dd),
            summary,
            hold_sd_ms: finite_or(sd(&holds.raw), 0.0),
            dd_sd_ms: finite_or(sd(&digraphs.dd), 0.0),
            dd_median_ms: finite_or(median(&mut dd_sorted).unwrap_or(0.0), 0.0),
            quick_hold_share: finite_or(holds.quick_share, 0.0),
            grid_ms: finite_or(timing_grid(&ks), 0.0),
            dd_mode_share: finite_or(mode_share(&digraphs.dd), 0.0),
        })
    }

    /// Build a window directly from raw events (pairs keydown/keyup by code).
    pub fn from_events(events: &[Event], min_keys: usize) -> Option<KeystrokeWindow> {
        let mut c = KeystrokeCollector::default();
        for e in events {
            c.push(e);
        }
        c.flush_open();
        KeystrokeWindow::from_keystrokes(&c.take(), min_keys)
    }
}

/// The summary features (see [`SUMMARY_NAMES`]), the median `ln(hold)` and `ln(DD)`.
fn summary_features(
    ks: &[Keystroke],
    holds: &Holds,
    d: &Digraphs,
) -> ([f32; SUMMARY_LEN], f64, f64) {
    let mut lholds: Vec<f64> = holds.raw.iter().map(|h| h.max(1.0).ln()).collect();
    let mut ldds: Vec<f64> = d.dd.iter().map(|x| x.max(1.0).ln()).collect();
    let med_hold = median(&mut lholds).unwrap_or(4.5);
    let med_dd = median(&mut ldds).unwrap_or(5.3);
    let iqr = |v: &mut Vec<f64>| -> f64 {
        match (quantile(v, 0.75), quantile(v, 0.25)) {
            (Some(a), Some(b)) => a - b,
            _ => 0.0,
        }
    };
    let corrections = ks
        .iter()
        .filter(|k| k.class == KeyClass::Correction)
        .count() as f64;
    let rate = if d.active_ms > 0.0 {
        (f64::from(d.n) * 1000.0 / d.active_ms).max(0.01).ln()
    } else {
        0.0
    };
    let (mut space, mut shift, mut ud) = (holds.space.clone(), d.shift_lead.clone(), d.ud.clone());
    let summary_f64 = [
        med_hold,
        med_dd,
        iqr(&mut ldds),
        iqr(&mut lholds),
        if d.ud.is_empty() {
            0.0
        } else {
            f64::from(d.overlaps) / d.ud.len() as f64
        },
        corrections / ks.len() as f64,
        rate,
        median(&mut space).unwrap_or(med_hold),
        median(&mut shift).unwrap_or(med_dd),
        median(&mut ud).unwrap_or(0.0),
    ];
    let mut summary = [0f32; SUMMARY_LEN];
    for (s, v) in summary.iter_mut().zip(summary_f64) {
        *s = finite_or(v, 0.0);
    }
    (summary, med_hold, med_dd)
}

fn key_stats(holds: &Holds, med_hold: f64) -> Vec<KeyStat> {
    let mut keys: Vec<KeyStat> = holds
        .per_key
        .iter()
        .map(|(id, (class, n, sum))| KeyStat {
            id: *id,
            class: *class,
            n: *n,
            hold: finite_or(sum / f64::from((*n).max(1)), med_hold),
        })
        .collect();
    keys.sort_by_key(|k| k.id);
    keys
}

fn pair_stats(d: &Digraphs, med_dd: f64) -> Vec<PairStat> {
    let mut pairs: Vec<PairStat> = d
        .per_pair
        .iter()
        .map(|(id, (class, n, sdd, nu, sud, suu))| PairStat {
            id: *id,
            class: *class,
            n: *n,
            dd: finite_or(sdd / f64::from((*n).max(1)), med_dd),
            nu: *nu,
            ud: finite_or(sud / f64::from((*nu).max(1)), 0.0),
            uu: finite_or(suu / f64::from((*nu).max(1)), 0.0),
        })
        .collect();
    pairs.sort_by_key(|p| p.id);
    pairs
}

/// Streaming pairing of keydown/keyup events into [`Keystroke`]s, across message batches.
///
/// Robust to auto-repeat (repeated keydown while held), keyups without keydown, missing keyups
/// (closed after [`MAX_HOLD_MS`]), non-finite or huge timestamps and clock jumps.
#[derive(Debug, Clone, Default)]
pub struct KeystrokeCollector {
    open: HashMap<KeyId, (KeyClass, f64)>,
    done: Vec<Keystroke>,
    last_t: f64,
}

/// Maximum number of simultaneously open keys tracked (defence against floods).
const MAX_OPEN: usize = 32;

impl KeystrokeCollector {
    /// Feed one event (non-keyboard events are ignored).
    pub fn push(&mut self, e: &Event) {
        let (t, code, down) = match e {
            Event::Keydown { t, code } => (*t, code.as_deref(), true),
            Event::Keyup { t, code } => (*t, code.as_deref(), false),
            _ => return,
        };
        if !t.is_finite() || t.abs() > 1e15 {
            return;
        }
        self.last_t = t;
        let id = key_id(code);
        if down {
            if self.open.contains_key(&id) {
                return; // auto-repeat
            }
            self.expire(t);
            if self.open.len() >= MAX_OPEN {
                self.flush_open();
            }
            self.open.insert(id, (KeyClass::of(code), t));
        } else if let Some((class, d)) = self.open.remove(&id) {
            let up = (t >= d && t - d <= MAX_HOLD_MS).then_some(t);
            self.done.push(Keystroke {
                key: id,
                class,
                down: d,
                up,
            });
        }
    }

    fn expire(&mut self, now: f64) {
        let stale: Vec<KeyId> = self
            .open
            .iter()
            .filter(|(_, (_, d))| !(now - d).is_finite() || (now - d).abs() > MAX_HOLD_MS)
            .map(|(k, _)| *k)
            .collect();
        for k in stale {
            if let Some((class, d)) = self.open.remove(&k) {
                self.done.push(Keystroke {
                    key: k,
                    class,
                    down: d,
                    up: None,
                });
            }
        }
    }

    /// Close all keys still held as keystrokes without a release.
    pub fn flush_open(&mut self) {
        for (k, (class, d)) in self.open.drain() {
            self.done.push(Keystroke {
                key: k,
                class,
                down: d,
                up: None,
            });
        }
    }

    /// Completed keystrokes waiting to be windowed.
    pub fn pending(&self) -> usize {
        self.done.len()
    }

    /// Take the completed keystrokes.
    pub fn take(&mut self) -> Vec<Keystroke> {
        std::mem::take(&mut self.done)
    }

    /// Time of the last keyboard event seen.
    pub fn last_t(&self) -> f64 {
        self.last_t
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.open.clear();
        self.done.clear();
    }
}
