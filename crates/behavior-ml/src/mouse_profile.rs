//! Per-user mouse profile: per action kind and feature, a mergeable quantile sketch of the
//! owner's distribution; a window is compared by where its actions fall in those
//! distributions.

use serde::{Deserialize, Serialize};

use crate::mouse::{ActionKind, MouseAction, MouseWindow, ACTION_FEATURES, ACTION_FEATURE_NAMES};
use crate::{ProfileState, FORMAT_VERSION};

/// Number of quantile points kept per sketch.
const QUANTILES: usize = 33;
/// Evidence (in actions) above which old data is forgotten.
const MAX_WEIGHT: f64 = 5_000.0;
/// Minimum owner actions of a kind before that kind is compared feature by feature.
const MIN_KIND: f64 = 15.0;
/// Number of entries of the mouse comparison vector.
pub const MOUSE_CMP_LEN: usize = ACTION_FEATURES + 2;

/// Features compared for each action kind (scroll actions only use a few).
fn used(kind: ActionKind, f: usize) -> bool {
    match kind {
        ActionKind::Move => f != 13,
        ActionKind::PointClick | ActionKind::Drag => true,
        ActionKind::Scroll => matches!(f, 0 | 1 | 3 | 4),
    }
}

/// A mergeable quantile sketch (weighted quantile points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Sketch {
    /// Evidence weight (actions).
    pub n: f64,
    /// Sorted quantile points.
    pub q: Vec<f32>,
}

impl Sketch {
    fn from_weighted(mut v: Vec<(f64, f64)>, n: f64) -> Sketch {
        v.retain(|(x, w)| x.is_finite() && *w > 0.0);
        if v.is_empty() {
            return Sketch::default();
        }
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = v.iter().map(|p| p.1).sum();
        let mut q = Vec::with_capacity(QUANTILES);
        let mut acc = 0.0;
        let mut it = v.iter().peekable();
        let mut cur = v.first().map(|p| p.0).unwrap_or(0.0);
        for i in 0..QUANTILES {
            let target = total * i as f64 / (QUANTILES - 1) as f64;
            while let Some(p) = it.peek() {
                if acc + p.1 * 0.5 <= target || acc == 0.0 {
                    acc += p.1;
                    cur = p.0;
                    it.next();
                } else {
                    break;
                }
            }
            q.push(cur as f32);
        }
        if let (Some(l), Some(x)) = (q.last_mut(), v.last()) {
            *l = x.0 as f32;
        }
        Sketch { n, q }
    }

    fn merge(&mut self, new: &[f64]) {
        let m = new.len() as f64;
        if m == 0.0 {
            return;
        }
        let mut pts: Vec<(f64, f64)> = new.iter().map(|x| (*x, 1.0)).collect();
        if self.n > 0.0 && !self.q.is_empty() {
            let w = self.n / self.q.len() as f64;
            pts.extend(self.q.iter().map(|x| (f64::from(*x), w)));
        }
        let n = (self.n + m).min(MAX_WEIGHT);
        *self = Sketch::from_weighted(pts, n);
    }

    /// Empirical CDF at `x` in [0,1] (0.5 for an empty sketch).
    pub fn cdf(&self, x: f64) -> f64 {
        let k = self.q.len();
        if k < 2 || !x.is_finite() {
            return 0.5;
        }
        let lo = self.q.partition_point(|v| f64::from(*v) < x);
        let hi = self.q.partition_point(|v| f64::from(*v) <= x);
        // ties: midpoint of the tied range
        let pos = if hi > lo {
            (lo + hi) as f64 / 2.0 - 0.5
        } else if lo == 0 {
            -0.5
        } else if lo >= k {
            k as f64 - 0.5
        } else {
            let (a, b) = (
                f64::from(self.q.get(lo - 1).copied().unwrap_or(0.0)),
                f64::from(self.q.get(lo).copied().unwrap_or(0.0)),
            );
            (lo - 1) as f64 + if b > a { (x - a) / (b - a) } else { 0.5 }
        };
        ((pos + 0.5) / k as f64).clamp(0.0, 1.0)
    }
}

/// A user's mouse profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MouseProfile {
    /// Format version.
    pub version: u32,
    /// Actions absorbed so far.
    pub samples: u32,
    /// Actions needed before the profile is trained.
    pub required: u32,
    /// Sketches per action kind and feature (`[kind][feature]`), empty while enrolling.
    sketches: Vec<Vec<Sketch>>,
    /// Actions per kind (with forgetting).
    kind_counts: [f64; ActionKind::COUNT],
    /// Enrollment actions, kept until the profile is trained.
    #[serde(default)]
    pending: Vec<MouseAction>,
}

/// Result of comparing a mouse window with a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct MouseComparison {
    /// Comparison vector for the global model.
    pub vector: [f64; MOUSE_CMP_LEN],
    /// Plain profile distance (mean z of all features).
    pub distance: f64,
    /// Signed deviations `(feature, z)`: positive = larger than the owner's typical value.
    pub signed: Vec<(&'static str, f64)>,
}

impl MouseProfile {
    /// An empty profile needing `required` actions.
    pub fn new(required: u32) -> MouseProfile {
        MouseProfile {
            version: FORMAT_VERSION,
            samples: 0,
            required: required.max(1),
            sketches: Vec::new(),
            kind_counts: [0.0; ActionKind::COUNT],
            pending: Vec::new(),
        }
    }

    /// Enrollment state.
    pub fn state(&self) -> ProfileState {
        if self.sketches.is_empty() {
            ProfileState::Enrolling
        } else {
            ProfileState::Trained
        }
    }

    /// Absorb a window's actions. Returns true when this call completed enrollment.
    pub fn add(&mut self, w: &MouseWindow) -> bool {
        self.samples = self
            .samples
            .saturating_add(u32::try_from(w.actions.len()).unwrap_or(u32::MAX));
        for a in &w.actions {
            if let Some(c) = self.kind_counts.get_mut(a.kind.index()) {
                *c += 1.0;
            }
        }
        let total: f64 = self.kind_counts.iter().sum();
        if total > MAX_WEIGHT {
            for c in self.kind_counts.iter_mut() {
                *c *= MAX_WEIGHT / total;
            }
        }
        if self.state() == ProfileState::Trained {
            self.merge(&w.actions);
            return false;
        }
        self.pending.extend(w.actions.iter().cloned());
        if self.samples >= self.required {
            let pending = std::mem::take(&mut self.pending);
            self.sketches = (0..ActionKind::COUNT)
                .map(|_| vec![Sketch::default(); ACTION_FEATURES])
                .collect();
            self.merge(&pending);
            return true;
        }
        false
    }

    fn merge(&mut self, actions: &[MouseAction]) {
        for (k, per_kind) in self.sketches.iter_mut().enumerate() {
            let of_kind: Vec<&MouseAction> =
                actions.iter().filter(|a| a.kind.index() == k).collect();
            if of_kind.is_empty() {
                continue;
            }
            for (f, s) in per_kind.iter_mut().enumerate() {
                let vals: Vec<f64> = of_kind
                    .iter()
                    .filter_map(|a| a.f.get(f).map(|v| f64::from(*v)))
                    .collect();
                s.merge(&vals);
            }
        }
    }

    /// Calibrated profile-only score in [0,1] for a distance from [`compare_mouse`].
    pub fn profile_score(&self, distance: f64) -> Option<f64> {
        (self.state() == ProfileState::Trained)
            .then(|| crate::stats::sigmoid(1.5 * (distance - 1.5)))
    }

    /// Forget everything and start enrolling again.
    pub fn reset(&mut self) {
        *self = MouseProfile::new(self.required);
    }

    fn sketch(&self, kind: usize, f: usize) -> Option<&Sketch> {
        self.sketches.get(kind)?.get(f)
    }
}

/// Compare a mouse window with a (trained) profile. An untrained profile gives a neutral
/// vector. Never panics.
pub fn compare_mouse(p: &MouseProfile, w: &MouseWindow) -> MouseComparison {
    let mut out_sum = [0.0f64; ACTION_FEATURES];
    let mut signed_sum = [0.0f64; ACTION_FEATURES];
    let mut cnt = [0.0f64; ACTION_FEATURES];
    let total_kind: f64 = p.kind_counts.iter().sum::<f64>().max(1.0);
    let mut surprise = 0.0;
    let mut n = 0.0;
    for a in &w.actions {
        let k = a.kind.index();
        let kc = p.kind_counts.get(k).copied().unwrap_or(0.0);
        surprise += -((kc + 1.0) / (total_kind + 4.0)).ln();
        n += 1.0;
        if kc < MIN_KIND {
            continue;
        }
        for (f, x) in a.f.iter().enumerate() {
            if !used(a.kind, f) {
                continue;
            }
            if let Some(s) = p.sketch(k, f) {
                let u = s.cdf(f64::from(*x));
                if let (Some(o), Some(sg), Some(c)) =
                    (out_sum.get_mut(f), signed_sum.get_mut(f), cnt.get_mut(f))
                {
                    *o += (2.0 * u - 1.0).abs();
                    *sg += 2.0 * u - 1.0;
                    *c += 1.0;
                }
            }
        }
    }
    let mut v = [0.0; MOUSE_CMP_LEN];
    let mut signed = Vec::new();
    let mut dist = 0.0;
    let mut nd = 0.0;
    // |2U-1| is uniform on [0,1] for the owner: mean 0.5, sd 1/sqrt(12).
    let sd = (1.0f64 / 12.0).sqrt();
    for f in 0..ACTION_FEATURES {
        let c = cnt.get(f).copied().unwrap_or(0.0);
        if c > 0.0 {
            let z = (out_sum.get(f).copied().unwrap_or(0.0) / c - 0.5) / sd * c.sqrt();
            let zs =
                signed_sum.get(f).copied().unwrap_or(0.0) / c / (1.0 / 3.0f64.sqrt()) * c.sqrt();
            if let Some(slot) = v.get_mut(f) {
                *slot = z.clamp(-10.0, 10.0);
            }
            dist += z;
            nd += 1.0;
            if let Some(name) = ACTION_FEATURE_NAMES.get(f) {
                signed.push((*name, zs.clamp(-10.0, 10.0)));
            }
        }
    }
    if let Some(slot) = v.get_mut(ACTION_FEATURES) {
        *slot = if n > 0.0 { surprise / n } else { 0.0 };
    }
    if let Some(slot) = v.get_mut(ACTION_FEATURES + 1) {
        *slot = (1.0 + n).ln();
    }
    for x in v.iter_mut() {
        if !x.is_finite() {
            *x = 0.0;
        }
    }
    MouseComparison {
        vector: v,
        distance: if nd > 0.0 { dist / nd } else { 0.0 },
        signed,
    }
}
