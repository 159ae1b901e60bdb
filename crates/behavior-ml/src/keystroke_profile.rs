//! Per-user keystroke profile and the window-vs-profile comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::keys::KeyClass;
use crate::keystroke::{KeystrokeWindow, SUMMARY_LEN, SUMMARY_NAMES};
use crate::stats::RunStat;
use crate::{ProfileState, FORMAT_VERSION};

/// Latency statistics of one digraph (or class pair) in a profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PairProfile {
    /// `ln(DD ms)`.
    pub dd: RunStat,
    /// `asinh(UD ms / 50)`.
    pub ud: RunStat,
    /// `asinh(UU ms / 50)`.
    pub uu: RunStat,
}

/// Number of entries of the comparison vector (see [`compare`]).
pub const CMP_LEN: usize = 23;

/// Weight above which old evidence is forgotten exponentially (in windows).
const MAX_WEIGHT: f64 = 60.0;
/// Shrinkage (in pseudo-windows) of a key's spread towards the pooled spread.
const SHRINK: f64 = 3.0;
/// Per-feature z-scores are clipped at this many standard deviations.
const CLIP: f64 = 3.0;

/// A user's keystroke profile. Serialisable; contains no key codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeystrokeProfile {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Windows absorbed so far (enrollment progress).
    pub samples: u32,
    /// Windows needed before the profile is trained.
    pub required: u32,
    /// Keystrokes needed before the profile is trained (0: windows alone decide).
    #[serde(default)]
    pub required_keys: u64,
    /// Alternatively, this many windows with at least two thirds of `required_keys` keystrokes
    /// train the profile (owners who type short sentences; 0: off).
    #[serde(default)]
    pub required_windows_short: u32,
    /// Keystrokes absorbed so far.
    pub keystrokes: u64,
    hold: BTreeMap<u64, RunStat>,
    hold_class: Vec<RunStat>,
    hold_all: RunStat,
    pairs: BTreeMap<u64, PairProfile>,
    pair_class: Vec<PairProfile>,
    pair_all: PairProfile,
    summary: Vec<RunStat>,
    pooled: [f64; 4],
    /// Distances of enrollment windows to the rest of the profile (mean, sd), for calibration.
    calib: Option<(f64, f64)>,
    /// Enrollment windows, kept until the profile is trained (for calibration), then dropped.
    #[serde(default)]
    enroll_windows: Vec<KeystrokeWindow>,
    /// Fingerprints of the windows learnt, to recognise replays.
    #[serde(default)]
    seen: crate::replay::Seen,
}

/// Fingerprints of learnt keystroke windows kept per profile.
const SEEN_WINDOWS: usize = 512;

/// Result of comparing one window with a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Comparison vector fed to the global model.
    pub vector: [f64; CMP_LEN],
    /// Plain profile distance (mean clipped |z| of the timing groups).
    pub distance: f64,
    /// Signed deviations `(feature name, z)` for the reasons.
    pub signed: Vec<(&'static str, f64)>,
}

/// Names of the comparison-vector entries (for documentation and debugging).
pub const CMP_NAMES: [&str; CMP_LEN] = [
    "hold |z|",
    "DD |z|",
    "UD |z|",
    "UU |z|",
    "hold shift",
    "DD shift",
    "UD shift",
    "UU shift",
    "s:hold",
    "s:dd",
    "s:rhythm var",
    "s:hold var",
    "s:rollover",
    "s:corrections",
    "s:rate",
    "s:space hold",
    "s:shift lead",
    "s:ud",
    "pair coverage",
    "DD ratio>1.25 share",
    "DD rank disorder",
    "hold rank disorder",
    "UD rank disorder",
];

/// Gunetti and Picardi's "R" distance: how far the order of the window's values (sorted)
/// is from the order of the profile's means for the same keys or digraphs, normalised to
/// `[0, 1]` by the largest possible disorder. Scale-free: a faster or slower day keeps the
/// owner's order. `None` for fewer than 3 shared items.
fn rank_disorder(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len();
    if n < 3 {
        return None;
    }
    // order of the items by one coordinate
    let order = |key: fn(&(f64, f64)) -> f64| {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|a, b| {
            let v = |i: &usize| pairs.get(*i).map_or(0.0, key);
            v(a).total_cmp(&v(b))
        });
        idx
    };
    let mut rank = vec![0usize; n];
    for (r, i) in order(|p| p.0).iter().enumerate() {
        if let Some(slot) = rank.get_mut(*i) {
            *slot = r;
        }
    }
    let disorder: usize = order(|p| p.1)
        .iter()
        .enumerate()
        .map(|(r, i)| rank.get(*i).map_or(0, |w| w.abs_diff(r)))
        .sum();
    let max = (n * n - n % 2) / 2;
    Some(disorder as f64 / max.max(1) as f64)
}

impl KeystrokeProfile {
    /// An empty profile that needs `required` windows to be trained.
    pub fn new(required: u32) -> KeystrokeProfile {
        KeystrokeProfile::with_keys(required, 0)
    }

    /// An empty profile that needs at least `required` windows and `required_keys` keystrokes
    /// to be trained.
    pub fn with_keys(required: u32, required_keys: u64) -> KeystrokeProfile {
        KeystrokeProfile {
            version: FORMAT_VERSION,
            samples: 0,
            required: required.max(2),
            required_keys,
            required_windows_short: 0,
            keystrokes: 0,
            hold: BTreeMap::new(),
            hold_class: vec![RunStat::default(); KeyClass::COUNT],
            hold_all: RunStat::default(),
            pairs: BTreeMap::new(),
            pair_class: vec![PairProfile::default(); KeyClass::COUNT * KeyClass::COUNT],
            pair_all: PairProfile::default(),
            summary: vec![RunStat::default(); SUMMARY_LEN],
            pooled: [0.04, 0.12, 0.3, 0.3],
            calib: None,
            enroll_windows: Vec::new(),
            seen: crate::replay::Seen::default(),
        }
    }

    /// Enrollment state.
    pub fn state(&self) -> ProfileState {
        if self.enough() && self.calib.is_some() {
            ProfileState::Trained
        } else {
            ProfileState::Enrolling
        }
    }

    /// Absorb a window (enrollment, or a later low-risk window). Returns true when this call
    /// completed enrollment.
    pub fn add(&mut self, w: &KeystrokeWindow) -> bool {
        self.seen
            .insert(crate::replay::keystroke_fingerprint(w), SEEN_WINDOWS);
        let was_trained = self.state() == ProfileState::Trained;
        self.absorb(w);
        if !was_trained {
            self.enroll_windows.push(w.clone());
            if self.enough() {
                self.calibrate();
                return true;
            }
        }
        false
    }

    fn enough(&self) -> bool {
        (self.samples >= self.required && self.keystrokes >= self.required_keys)
            || (self.required_windows_short > 0
                && self.samples >= self.required_windows_short.max(self.required)
                && self.keystrokes.saturating_mul(3) >= self.required_keys.saturating_mul(2))
    }

    /// Enrollment progress `(samples, required)` in keystrokes when a keystroke requirement is
    /// set, else in windows.
    pub fn progress(&self) -> (u32, u32) {
        let trained = self.state() == ProfileState::Trained;
        if self.required_keys > 0 {
            let req = u32::try_from(self.required_keys).unwrap_or(u32::MAX);
            let have = u32::try_from(self.keystrokes).unwrap_or(u32::MAX);
            (
                if trained {
                    req
                } else {
                    have.min(req.saturating_sub(1))
                },
                req,
            )
        } else {
            (
                if trained {
                    self.required
                } else {
                    self.samples.min(self.required.saturating_sub(1))
                },
                self.required,
            )
        }
    }

    fn absorb(&mut self, w: &KeystrokeWindow) {
        self.samples = self.samples.saturating_add(1);
        self.keystrokes = self.keystrokes.saturating_add(u64::from(w.keystrokes));
        for k in &w.keys {
            let x = f64::from(k.hold);
            self.hold.entry(k.id).or_default().add(x, 1.0);
            if let Some(c) = self
                .hold_class
                .get_mut(usize::from(k.class) % KeyClass::COUNT)
            {
                c.add(x, 1.0);
            }
            self.hold_all.add(x, 1.0);
        }
        for p in &w.pairs {
            let e = self.pairs.entry(p.id).or_default();
            let c = usize::from(p.class) % (KeyClass::COUNT * KeyClass::COUNT);
            let (dd, ud, uu) = (f64::from(p.dd), f64::from(p.ud), f64::from(p.uu));
            e.dd.add(dd, 1.0);
            self.pair_all.dd.add(dd, 1.0);
            if let Some(pc) = self.pair_class.get_mut(c) {
                pc.dd.add(dd, 1.0);
            }
            if p.nu > 0 {
                e.ud.add(ud, 1.0);
                e.uu.add(uu, 1.0);
                self.pair_all.ud.add(ud, 1.0);
                self.pair_all.uu.add(uu, 1.0);
                if let Some(pc) = self.pair_class.get_mut(c) {
                    pc.ud.add(ud, 1.0);
                    pc.uu.add(uu, 1.0);
                }
            }
        }
        for (s, v) in self.summary.iter_mut().zip(w.summary) {
            s.add(f64::from(v), 1.0);
            s.cap(MAX_WEIGHT);
        }
        for s in self.hold.values_mut() {
            s.cap(MAX_WEIGHT);
        }
        for p in self.pairs.values_mut() {
            p.dd.cap(MAX_WEIGHT);
            p.ud.cap(MAX_WEIGHT);
            p.uu.cap(MAX_WEIGHT);
        }
        self.update_pooled();
    }

    fn update_pooled(&mut self) {
        fn pool<'a>(it: impl Iterator<Item = &'a RunStat>, fallback: f64) -> f64 {
            let (mut m2, mut df) = (0.0, 0.0);
            for s in it {
                if s.n > 1.0 {
                    m2 += s.m2;
                    df += s.n - 1.0;
                }
            }
            if df >= 3.0 {
                (m2 / df).max(1e-4)
            } else {
                fallback
            }
        }
        let d = [0.04, 0.12, 0.3, 0.3];
        self.pooled = [
            pool(self.hold.values(), d[0]),
            pool(self.pairs.values().map(|p| &p.dd), d[1]),
            pool(self.pairs.values().map(|p| &p.ud), d[2]),
            pool(self.pairs.values().map(|p| &p.uu), d[3]),
        ];
    }

    fn calibrate(&mut self) {
        let windows = std::mem::take(&mut self.enroll_windows);
        let mut ds = Vec::with_capacity(windows.len());
        for i in 0..windows.len() {
            let mut p = KeystrokeProfile::new(self.required);
            p.required_keys = 0;
            for (j, w) in windows.iter().enumerate() {
                if j != i {
                    p.absorb(w);
                }
            }
            if let Some(w) = windows.get(i) {
                ds.push(compare(&p, w).distance);
            }
        }
        let n = ds.len().max(1) as f64;
        let m = ds.iter().sum::<f64>() / n;
        let v = ds.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / (n - 1.0).max(1.0);
        self.calib = Some((m, v.sqrt().max(0.05)));
    }

    /// Calibrated profile-only score in `[0, 1]` for a distance from [`compare`], `None` before
    /// the profile is trained.
    pub fn profile_score(&self, distance: f64) -> Option<f64> {
        let z = self.profile_z(distance)?;
        Some(crate::stats::sigmoid(1.2 * (z - 2.0)))
    }

    /// A distance from [`compare`] standardised by the owner's leave-one-out enrollment
    /// distances, `None` before the profile is trained.
    pub fn profile_z(&self, distance: f64) -> Option<f64> {
        let (m, s) = self.calib?;
        Some((distance - m) / s)
    }

    /// Mean and standard deviation of the owner's leave-one-out enrollment distances, `None`
    /// before the profile is trained.
    pub fn calibration(&self) -> Option<(f64, f64)> {
        self.calib
    }

    /// True when exactly this window was learnt before (a replay of recorded input).
    pub fn is_replay(&mut self, w: &KeystrokeWindow) -> bool {
        self.seen.contains(crate::replay::keystroke_fingerprint(w))
    }

    /// Forget everything and start enrolling again.
    pub fn reset(&mut self) {
        *self = KeystrokeProfile {
            required_windows_short: self.required_windows_short,
            ..KeystrokeProfile::with_keys(self.required, self.required_keys)
        };
    }
}

fn var_of(s: &RunStat, pooled: f64) -> f64 {
    let within = s.var().unwrap_or(pooled);
    let df = (s.n - 1.0).max(0.0);
    let v = (df * within + SHRINK * pooled) / (df + SHRINK);
    v * (1.0 + 1.0 / s.n.max(1.0))
}

fn fallback(
    own: Option<&RunStat>,
    class: Option<&RunStat>,
    all: &RunStat,
    pooled: f64,
) -> Option<(f64, f64, f64)> {
    if let Some(s) = own.filter(|s| s.n >= 1.0) {
        return Some((s.mean, var_of(s, pooled), 1.0));
    }
    if let Some(c) = class.filter(|s| s.n >= 2.0) {
        return Some((c.mean, c.var().unwrap_or(pooled).max(pooled), 0.5));
    }
    if all.n >= 2.0 {
        return Some((all.mean, all.var().unwrap_or(pooled).max(pooled), 0.3));
    }
    None
}

#[derive(Default)]
struct Acc {
    abs: f64,
    signed: f64,
    w: f64,
}

impl Acc {
    fn add(&mut self, x: f64, (mean, var, wt): (f64, f64, f64), n: f64) {
        let z = ((x - mean) / var.max(1e-6).sqrt()).clamp(-CLIP, CLIP);
        if z.is_finite() {
            let w = wt * n.max(1.0).sqrt();
            self.abs += w * z.abs();
            self.signed += w * z;
            self.w += w;
        }
    }
    fn abs(&self) -> f64 {
        if self.w > 0.0 {
            self.abs / self.w
        } else {
            1.0
        }
    }
    fn signed(&self) -> f64 {
        if self.w > 0.0 {
            self.signed / self.w
        } else {
            0.0
        }
    }
}

/// Compare a window with a profile (partial profiles are fine; an empty profile gives a
/// neutral vector). Never panics.
pub fn compare(p: &KeystrokeProfile, w: &KeystrokeWindow) -> Comparison {
    let mut hold = Acc::default();
    let mut hold_ranks: Vec<(f64, f64)> = Vec::new();
    let mut dd_ranks: Vec<(f64, f64)> = Vec::new();
    let mut ud_ranks: Vec<(f64, f64)> = Vec::new();
    for k in &w.keys {
        let cls = p.hold_class.get(usize::from(k.class) % KeyClass::COUNT);
        if let Some(f) = fallback(p.hold.get(&k.id), cls, &p.hold_all, p.pooled[0]) {
            hold.add(f64::from(k.hold), f, f64::from(k.n));
            if f.2 >= 1.0 {
                hold_ranks.push((f64::from(k.hold), f.0));
            }
        }
    }
    let (mut dd, mut ud, mut uu) = (Acc::default(), Acc::default(), Acc::default());
    let (mut seen, mut total, mut ratio_out, mut shared) = (0.0, 0.0, 0.0, 0.0);
    for q in &w.pairs {
        let own = p.pairs.get(&q.id);
        let cls = p
            .pair_class
            .get(usize::from(q.class) % (KeyClass::COUNT * KeyClass::COUNT));
        total += 1.0;
        if own.is_some_and(|o| o.dd.n >= 1.0) {
            seen += 1.0;
        }
        let n = f64::from(q.n);
        if let Some(f) = fallback(
            own.map(|o| &o.dd),
            cls.map(|c| &c.dd),
            &p.pair_all.dd,
            p.pooled[1],
        ) {
            dd.add(f64::from(q.dd), f, n);
            if f.2 >= 1.0 {
                dd_ranks.push((f64::from(q.dd), f.0));
                shared += 1.0;
                if (f64::from(q.dd) - f.0).abs() > 1.25f64.ln() {
                    ratio_out += 1.0;
                }
            }
        }
        if q.nu > 0 {
            let nu = f64::from(q.nu);
            if let Some(f) = fallback(
                own.map(|o| &o.ud),
                cls.map(|c| &c.ud),
                &p.pair_all.ud,
                p.pooled[2],
            ) {
                ud.add(f64::from(q.ud), f, nu);
                if f.2 >= 1.0 {
                    ud_ranks.push((f64::from(q.ud), f.0));
                }
            }
            if let Some(f) = fallback(
                own.map(|o| &o.uu),
                cls.map(|c| &c.uu),
                &p.pair_all.uu,
                p.pooled[3],
            ) {
                uu.add(f64::from(q.uu), f, nu);
            }
        }
    }
    let mut v = [0.0; CMP_LEN];
    v[0] = hold.abs();
    v[1] = dd.abs();
    v[2] = ud.abs();
    v[3] = uu.abs();
    v[4] = hold.signed().abs();
    v[5] = dd.signed().abs();
    v[6] = ud.signed().abs();
    v[7] = uu.signed().abs();
    let mut signed = vec![
        ("hold times", hold.signed()),
        ("key-to-key times", dd.signed()),
        ("release-to-press times", ud.signed()),
    ];
    for (i, (s, x)) in p.summary.iter().zip(w.summary).enumerate() {
        let z = if s.n >= 2.0 {
            let sd = s
                .var()
                .unwrap_or(0.0)
                .sqrt()
                .max(0.02 + 0.05 * s.mean.abs().min(1.0));
            ((f64::from(x) - s.mean) / sd).clamp(-4.0, 4.0)
        } else {
            0.0
        };
        if let Some(slot) = v.get_mut(8 + i) {
            *slot = z.abs();
        }
        if matches!(i, 4..=6) {
            if let Some(name) = SUMMARY_NAMES.get(i) {
                signed.push((name, z));
            }
        }
    }
    v[18] = if total > 0.0 { seen / total } else { 0.0 };
    v[19] = if shared > 0.0 {
        ratio_out / shared
    } else {
        0.5
    };
    v[20] = rank_disorder(&dd_ranks).unwrap_or(0.5);
    v[21] = rank_disorder(&hold_ranks).unwrap_or(0.5);
    v[22] = rank_disorder(&ud_ranks).unwrap_or(0.5);
    for x in v.iter_mut() {
        if !x.is_finite() {
            *x = 0.0;
        }
    }
    let distance = (v[0] + v[1] + v[2] + v[3]) / 4.0;
    Comparison {
        vector: v,
        distance,
        signed,
    }
}

#[cfg(test)]
mod tests {
    use super::rank_disorder;

    #[test]
    fn rank_disorder_is_zero_for_the_same_order_and_one_for_the_reverse() {
        let same = [(1.0, 10.0), (2.0, 20.0), (3.0, 30.0), (4.0, 40.0)];
        assert_eq!(rank_disorder(&same), Some(0.0));
        // scale-free: the whole window twice as slow keeps the order
        let slower: Vec<(f64, f64)> = same.iter().map(|(x, m)| (x * 2.0, *m)).collect();
        assert_eq!(rank_disorder(&slower), Some(0.0));
        let reversed = [(4.0, 10.0), (3.0, 20.0), (2.0, 30.0), (1.0, 40.0)];
        assert_eq!(rank_disorder(&reversed), Some(1.0));
        let odd = [(3.0, 1.0), (2.0, 2.0), (1.0, 3.0)];
        assert_eq!(rank_disorder(&odd), Some(1.0));
        assert_eq!(rank_disorder(&same[..2]), None);
        let nan = [(f64::NAN, 1.0), (2.0, f64::NAN), (1.0, 3.0)];
        assert!(rank_disorder(&nan).is_some_and(|d| (0.0..=1.0).contains(&d)));
    }
}
