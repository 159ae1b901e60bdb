//! Per-user mouse profile: per action kind and feature, a mergeable quantile sketch of the
//! owner's distribution; a window is compared by where its actions fall in those
//! distributions.

use serde::{Deserialize, Serialize};

use crate::forest::Forest;
use crate::mouse::{ActionKind, MouseAction, MouseWindow, ACTION_FEATURES, ACTION_FEATURE_NAMES};
use crate::mouse_model::{ForestCalibration, MouseModelParams};
use crate::{ProfileState, FORMAT_VERSION};

/// Number of quantile points kept per sketch.
const QUANTILES: usize = 33;
/// Evidence (in actions) above which old data is forgotten.
const MAX_WEIGHT: f64 = 5_000.0;
/// Minimum owner actions of a kind before that kind is compared feature by feature.
const MIN_KIND: f64 = 15.0;
/// Number of entries of the mouse comparison vector: per feature the owner-outlyingness and
/// the owner-vs-population log-likelihood ratio, then kind surprise and window size.
pub const MOUSE_CMP_LEN: usize = 2 * ACTION_FEATURES + 2;

/// Features compared for each action kind (scroll actions only use a few).
fn used(kind: ActionKind, f: usize) -> bool {
    match kind {
        ActionKind::Move => f != 13,
        ActionKind::PointClick | ActionKind::Drag => true,
        ActionKind::Scroll => matches!(f, 0 | 1 | 3 | 4),
        // hold only exists for clicks and drags
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
        v.retain(|(x, w)| x.is_finite() && w.is_finite() && *w > 0.0);
        if v.is_empty() {
            return Sketch::default();
        }
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        // cumulative weight at each point's centre; quantiles interpolate between centres
        let mut centres = Vec::with_capacity(v.len());
        let mut acc = 0.0;
        for (_, w) in &v {
            centres.push(acc + w / 2.0);
            acc += w;
        }
        let total = acc;
        let mut q = Vec::with_capacity(QUANTILES);
        let mut j = 0;
        for i in 0..QUANTILES {
            let t = total * i as f64 / (QUANTILES - 1) as f64;
            while j + 1 < v.len() && centres.get(j + 1).is_some_and(|c| *c <= t) {
                j += 1;
            }
            let (x0, c0) = (
                v.get(j).map_or(0.0, |p| p.0),
                centres.get(j).copied().unwrap_or(0.0),
            );
            let x = match (v.get(j + 1), centres.get(j + 1)) {
                (Some(p1), Some(c1)) if t > c0 && *c1 > c0 => {
                    x0 + (p1.0 - x0) * ((t - c0) / (c1 - c0)).min(1.0)
                }
                _ => x0,
            };
            q.push(x as f32);
        }
        if let (Some(f), Some(x)) = (q.first_mut(), v.first()) {
            *f = x.0 as f32;
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
        if self.n > 0.0 && self.q.len() >= 2 {
            // Each bin between two quantile points holds an equal share of the old mass,
            // spread uniformly (4 points per bin), so repeated merges keep the shape.
            let w = self.n / ((self.q.len() - 1) * 4) as f64;
            for b in self.q.windows(2) {
                let [lo, hi] = b else { continue };
                let (lo, hi) = (f64::from(*lo), f64::from(*hi));
                for j in 0..4 {
                    pts.push((lo + (hi - lo) * (f64::from(j) + 0.5) / 4.0, w));
                }
            }
        }
        let n = (self.n + m).min(MAX_WEIGHT);
        *self = Sketch::from_weighted(pts, n);
    }

    /// Empirical CDF at `x` in `[0, 1]` (0.5 for an empty sketch).
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

/// Population distributions of action features (`[kind][feature]` sketches over many users),
/// part of the global model: the reference an owner's distribution is contrasted with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Population {
    /// Sketches per kind and feature.
    pub sketches: Vec<Vec<Sketch>>,
}

impl Population {
    /// Build from many users' windows (each user weighted equally up to `per_user` actions).
    pub fn build(users: &[Vec<MouseWindow>], per_user: usize) -> Population {
        let mut vals: Vec<Vec<Vec<(f64, f64)>>> =
            vec![vec![Vec::new(); ACTION_FEATURES]; ActionKind::COUNT];
        for ws in users {
            let actions: Vec<&MouseAction> = ws.iter().flat_map(|w| w.actions.iter()).collect();
            if actions.is_empty() {
                continue;
            }
            let step = (actions.len() / per_user.max(1)).max(1);
            let taken: Vec<&&MouseAction> = actions.iter().step_by(step).collect();
            let w = 1.0 / taken.len() as f64;
            for a in taken {
                if let Some(per_kind) = vals.get_mut(a.kind.index()) {
                    for (f, x) in a.f.iter().enumerate() {
                        if let Some(v) = per_kind.get_mut(f) {
                            v.push((f64::from(*x), w));
                        }
                    }
                }
            }
        }
        Population {
            sketches: vals
                .into_iter()
                .map(|per_kind| {
                    per_kind
                        .into_iter()
                        .map(|v| {
                            let n = v.len() as f64;
                            Sketch::from_weighted(v, n)
                        })
                        .collect()
                })
                .collect(),
        }
    }

    fn sketch(&self, kind: usize, f: usize) -> Option<&Sketch> {
        self.sketches.get(kind)?.get(f)
    }
}

/// Log-ratio of the owner's probability mass to the population's in the population bin of
/// `x` (population quantile bins carry equal mass).
fn llr(owner: &Sketch, pop: &Sketch, x: f64) -> Option<f64> {
    let k = pop.q.len();
    if k < 3 || owner.q.len() < 3 || !x.is_finite() {
        return None;
    }
    let i = pop.q.partition_point(|v| f64::from(*v) < x).clamp(1, k - 1);
    let (lo, hi) = (f64::from(*pop.q.get(i - 1)?), f64::from(*pop.q.get(i)?));
    let pop_mass = 1.0 / (k - 1) as f64;
    let own_mass = if hi > lo {
        owner.cdf(hi) - owner.cdf(lo)
    } else {
        // a point mass in the population (ties): compare the owner's mass near it
        let c = owner.cdf(x);
        (c.min(1.0 - c) * 0.0 + pop_mass).min(1.0)
    };
    let eps = 0.25 * pop_mass;
    Some(
        ((own_mass.max(0.0) + eps) / (pop_mass + eps))
            .ln()
            .clamp(-3.0, 3.0),
    )
}

/// Owner actions kept for training the per-user forest.
const RESERVOIR: usize = 3_000;
/// Enrollment actions after which the owner's sketches are first built (the global model can
/// then score an enrolling user).
const SKETCH_START: usize = 100;
/// Retrain the per-user forest after this many new actions.
const RETRAIN_EVERY: u32 = 2_000;
/// Most actions of one window compared with the sketches.
const MAX_COMPARED: usize = 32;
/// Most actions of one window scored by the per-user forest.
const MAX_SCORED: usize = 16;
/// Fewest reference actions of other users a per-user forest is trained against.
const MIN_REFERENCE_ROWS: usize = 100;
/// Reference actions drawn from other users when training a per-user forest.
const REFERENCE_ROWS: usize = 3_000;

/// Feature row of an action for the per-user forest (features + kind).
pub fn action_row(a: &MouseAction) -> Vec<f64> {
    let mut v: Vec<f64> = a.f.iter().map(|x| f64::from(*x)).collect();
    v.push(a.kind.index() as f64);
    v
}

/// Reference mouse actions from many users (part of the global model), grouped by an opaque
/// user tag so a user's own actions are never used as "other people" for that user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MouseReference {
    /// `(user tag, actions)` groups.
    pub groups: Vec<(u64, Vec<MouseAction>)>,
}

impl MouseReference {
    /// Sample up to `total` actions spread evenly over the users.
    pub fn build(users: &[(u64, Vec<MouseWindow>)], total: usize) -> MouseReference {
        let per = (total / users.len().max(1)).max(20);
        MouseReference {
            groups: users
                .iter()
                .map(|(tag, ws)| {
                    let acts: Vec<&MouseAction> =
                        ws.iter().flat_map(|w| w.actions.iter()).collect();
                    let step = (acts.len() / per).max(1);
                    (
                        *tag,
                        acts.into_iter().step_by(step).take(per).cloned().collect(),
                    )
                })
                .filter(|(_, a): &(u64, Vec<MouseAction>)| !a.is_empty())
                .collect(),
        }
    }
}

/// A user's mouse profile: quantile sketches of the owner's action features, a reservoir of
/// recent owner actions and, once trained, a per-user random forest (owner vs other people).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MouseProfile {
    /// Format version.
    pub version: u32,
    /// Actions absorbed so far.
    pub samples: u32,
    /// Actions needed before the profile is trained.
    pub required: u32,
    /// Sketches per action kind and feature (`[kind][feature]`), empty at first.
    sketches: Vec<Vec<Sketch>>,
    /// Actions per kind (with forgetting).
    kind_counts: Vec<f64>,
    /// First actions, kept until the sketches are built.
    #[serde(default)]
    pending: Vec<MouseAction>,
    /// Recent owner actions (for the per-user forest).
    #[serde(default)]
    reservoir: Vec<MouseAction>,
    /// Per-user forest: P(action is not the owner's).
    #[serde(default)]
    forest: Option<Forest>,
    /// `samples` when the forest was last trained.
    #[serde(default)]
    forest_samples: u32,
    /// Feature columns of the forest (`None`: all features, as stored before columns were
    /// chosen).
    #[serde(default)]
    forest_columns: Option<Vec<u8>>,
    /// Calibration of the forest's score, measured on held-out actions.
    #[serde(default)]
    forest_calibration: Option<ForestCalibration>,
    /// Fingerprints of the actions learnt, to recognise replays.
    #[serde(default)]
    seen: crate::replay::Seen,
}

/// Fingerprints of learnt mouse actions kept per profile.
const SEEN_ACTIONS: usize = 4_096;

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
            kind_counts: vec![0.0; ActionKind::COUNT],
            pending: Vec::new(),
            reservoir: Vec::new(),
            forest: None,
            forest_samples: 0,
            forest_columns: None,
            forest_calibration: None,
            seen: crate::replay::Seen::default(),
        }
    }

    /// Enrollment state.
    pub fn state(&self) -> ProfileState {
        if self.samples >= self.required && !self.sketches.is_empty() {
            ProfileState::Trained
        } else {
            ProfileState::Enrolling
        }
    }

    /// True once the owner's distributions exist (from 100 actions on), so the
    /// global model can compare windows with them.
    pub fn has_sketches(&self) -> bool {
        !self.sketches.is_empty()
    }

    /// True when the per-user forest should be (re)trained with
    /// [`MouseProfile::train_model`] (trained profile, and no forest yet, a forest stored by an
    /// earlier version, or many new actions since the last training).
    pub fn model_stale(&self) -> bool {
        self.state() == ProfileState::Trained
            && self.reservoir.len() >= SKETCH_START
            && (self.forest.is_none()
                // trained before features were chosen and scores calibrated
                || self.forest_columns.is_none()
                || self.samples.saturating_sub(self.forest_samples) >= RETRAIN_EVERY)
    }

    /// True when a per-user forest is available.
    pub fn has_model(&self) -> bool {
        self.forest.is_some()
    }

    /// Train the per-user forest (smartcore random forest) with the default parameters.
    pub fn train_model(&mut self, reference: &MouseReference, own_tag: u64) -> crate::Result<()> {
        self.train_model_with(reference, own_tag, &MouseModelParams::default())
    }

    /// Train the per-user forest: the owner's recent actions against reference actions of
    /// other users (`own_tag` excludes the owner's own group), part of each held out to
    /// calibrate the score. Takes about a second; run it off any latency-sensitive thread.
    pub fn train_model_with(
        &mut self,
        reference: &MouseReference,
        own_tag: u64,
        params: &MouseModelParams,
    ) -> crate::Result<()> {
        let others: Vec<&Vec<MouseAction>> = reference
            .groups
            .iter()
            .filter(|(t, _)| *t != own_tag)
            .map(|(_, a)| a)
            .collect();
        let per = (REFERENCE_ROWS / others.len().max(1)).max(1);
        let mut refs: Vec<&MouseAction> = Vec::new();
        for g in others {
            let step = (g.len() / per).max(1);
            refs.extend(g.iter().step_by(step).take(per));
        }
        let owners = self.reservoir.len();
        if owners < SKETCH_START || refs.len() < MIN_REFERENCE_ROWS {
            return Err(crate::BehaviorError::Training(format!(
                "need {SKETCH_START} owner actions and {MIN_REFERENCE_ROWS} reference actions of other users (have {owners} and {})",
                refs.len()
            )));
        }
        let m = crate::mouse_model::train(&self.reservoir, &refs, params)?;
        self.forest = Some(m.forest);
        self.forest_columns = Some(m.columns);
        self.forest_calibration = m.calibration;
        self.forest_samples = self.samples;
        Ok(())
    }

    /// Probability (per-user forest, calibrated when it was) that the window is not the
    /// owner's.
    pub fn model_score(&self, w: &MouseWindow) -> Option<f64> {
        let f = self.forest.as_ref()?;
        let all;
        let cols = match &self.forest_columns {
            Some(c) => c.as_slice(),
            None => {
                all = crate::mouse_model::columns(true);
                all.as_slice()
            }
        };
        crate::mouse_model::score(f, cols, self.forest_calibration.as_ref(), w, MAX_SCORED)
    }

    /// Absorb a window's actions. Returns true when this call completed enrollment.
    pub fn add(&mut self, w: &MouseWindow) -> bool {
        // clicks without a movement are use of the mouse too (not those onto points the
        // pointer jumped to: that is what scripts do)
        self.samples = self
            .samples
            .saturating_add(w.clicks.saturating_sub(w.teleport_clicks));
        for h in w
            .actions
            .iter()
            .filter_map(crate::replay::action_fingerprint)
        {
            self.seen.insert(h, SEEN_ACTIONS);
        }
        let was = self.state();
        for a in &w.actions {
            self.samples = self.samples.saturating_add(1);
            if self.kind_counts.len() < ActionKind::COUNT {
                // profiles stored before a kind existed
                self.kind_counts.resize(ActionKind::COUNT, 0.0);
            }
            if let Some(c) = self.kind_counts.get_mut(a.kind.index()) {
                *c += 1.0;
            }
            if self.reservoir.len() < RESERVOIR {
                self.reservoir.push(a.clone());
            } else {
                // recency-biased replacement (deterministic)
                let mut h = u64::from(self.samples).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                h ^= h >> 29;
                let i = (h % RESERVOIR as u64) as usize;
                if let Some(slot) = self.reservoir.get_mut(i) {
                    *slot = a.clone();
                }
            }
        }
        let total: f64 = self.kind_counts.iter().sum();
        if total > MAX_WEIGHT {
            for c in self.kind_counts.iter_mut() {
                *c *= MAX_WEIGHT / total;
            }
        }
        if self.sketches.is_empty() {
            self.pending.extend(w.actions.iter().cloned());
            if self.pending.len() >= SKETCH_START {
                let pending = std::mem::take(&mut self.pending);
                self.sketches = (0..ActionKind::COUNT)
                    .map(|_| vec![Sketch::default(); ACTION_FEATURES])
                    .collect();
                self.merge(&pending);
            }
        } else {
            self.merge(&w.actions);
        }
        was == ProfileState::Enrolling && self.state() == ProfileState::Trained
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

    /// Calibrated profile-only score in `[0, 1]` for a distance from [`compare_mouse`].
    pub fn profile_score(&self, distance: f64) -> Option<f64> {
        (self.state() == ProfileState::Trained)
            .then(|| crate::stats::sigmoid(1.5 * (distance - 1.5)))
    }

    /// Share of the window's movements that were learnt before exactly (a replay of recorded
    /// input when high; 0 for windows with fewer than 3 fingerprinted movements).
    pub fn replayed_share(&mut self, w: &MouseWindow) -> f64 {
        let prints: Vec<u64> = w
            .actions
            .iter()
            .filter_map(crate::replay::action_fingerprint)
            .collect();
        if prints.len() < 3 {
            return 0.0;
        }
        let hits = prints.iter().filter(|h| self.seen.contains(**h)).count();
        hits as f64 / prints.len() as f64
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
pub fn compare_mouse(
    p: &MouseProfile,
    pop: Option<&Population>,
    w: &MouseWindow,
) -> MouseComparison {
    let mut out_sum = [0.0f64; ACTION_FEATURES];
    let mut signed_sum = [0.0f64; ACTION_FEATURES];
    let mut cnt = [0.0f64; ACTION_FEATURES];
    let mut llr_sum = [0.0f64; ACTION_FEATURES];
    let mut llr_cnt = [0.0f64; ACTION_FEATURES];
    let total_kind: f64 = p.kind_counts.iter().sum::<f64>().max(1.0);
    let mut surprise = 0.0;
    let mut n = 0.0;
    // bounded cost: at most MAX_COMPARED actions, evenly spread over the window
    let step = w.actions.len().div_ceil(MAX_COMPARED).max(1);
    for a in w.actions.iter().step_by(step) {
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
            if let (Some(s), Some(ps)) = (p.sketch(k, f), pop.and_then(|q| q.sketch(k, f))) {
                if let Some(l) = llr(s, ps, f64::from(*x)) {
                    if let (Some(ls), Some(lc)) = (llr_sum.get_mut(f), llr_cnt.get_mut(f)) {
                        *ls += l;
                        *lc += 1.0;
                    }
                }
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
            let z = (out_sum.get(f).copied().unwrap_or(0.0) / c - 0.5) / sd;
            let zs =
                signed_sum.get(f).copied().unwrap_or(0.0) / c / (1.0 / 3.0f64.sqrt()) * c.sqrt();
            let lc = llr_cnt.get(f).copied().unwrap_or(0.0);
            if lc > 0.0 {
                if let Some(slot) = v.get_mut(ACTION_FEATURES + f) {
                    *slot = -llr_sum.get(f).copied().unwrap_or(0.0) / lc;
                }
            }
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
    if let Some(slot) = v.get_mut(2 * ACTION_FEATURES) {
        *slot = if n > 0.0 { surprise / n } else { 0.0 };
    }
    if let Some(slot) = v.get_mut(2 * ACTION_FEATURES + 1) {
        *slot = (1.0 + n).ln();
    }
    for x in v.iter_mut() {
        if !x.is_finite() {
            *x = 0.0;
        }
    }
    MouseComparison {
        vector: v,
        distance: if nd > 0.0 {
            dist / nd * (1.0 + n).sqrt()
        } else {
            0.0
        },
        signed,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sketch_cdf_uniform() {
        let vals: Vec<f64> = (0..1000).map(f64::from).collect();
        let mut s = Sketch::default();
        s.merge(&vals);
        eprintln!("{:?}", s.q);
        for (x, want) in [
            (500.0, 0.5),
            (100.0, 0.1),
            (900.0, 0.9),
            (-5.0, 0.0),
            (2000.0, 1.0),
        ] {
            let c = s.cdf(x);
            assert!((c - want).abs() < 0.05, "cdf({x}) = {c}, want {want}");
        }
        // merging more data of another distribution shifts it
        let more: Vec<f64> = (0..1000).map(|i| f64::from(i) + 1000.0).collect();
        s.merge(&more);
        let c = s.cdf(1000.0);
        assert!((c - 0.5).abs() < 0.06, "after merge cdf(1000) = {c}");
        // many small merges keep the shape
        let mut s = Sketch::default();
        for chunk in 0..100 {
            let vals: Vec<f64> = (0..10)
                .map(|i| f64::from(((chunk * 10 + i) * 7919) % 1000))
                .collect();
            s.merge(&vals);
        }
        eprintln!("{:?}", s.q);
        for (x, want) in [(500.0, 0.5), (100.0, 0.1), (900.0, 0.9)] {
            let c = s.cdf(x);
            assert!(
                (c - want).abs() < 0.07,
                "small merges: cdf({x}) = {c}, want {want}"
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod synth_tests {
    use super::*;
    use crate::synth::MouseUser;

    fn windows(seed: u64, n: usize) -> Vec<MouseWindow> {
        let mut u = MouseUser::new(seed);
        let mut c = crate::mouse::MouseCollector::default();
        let mut out = Vec::new();
        for _ in 0..n {
            for _ in 0..6 {
                for e in u.movement() {
                    c.push(&e);
                }
            }
            c.flush();
            if let Some(w) = c.take_window(1) {
                out.push(w);
            }
        }
        out
    }

    #[test]
    fn llr_separates_synthetic_users() {
        let users: Vec<Vec<MouseWindow>> = (0..6).map(|s| windows(s, 120)).collect();
        let pop = Population::build(&users, 2000);
        let mut p = MouseProfile::new(300);
        for w in users[0].iter().take(80) {
            p.add(w);
        }
        // summed over the owner's later windows and every other user's
        let llr_sum = |ws: &[MouseWindow]| -> f64 {
            ws.iter()
                .map(|w| {
                    compare_mouse(&p, Some(&pop), w).vector[ACTION_FEATURES..2 * ACTION_FEATURES]
                        .iter()
                        .sum::<f64>()
                })
                .sum::<f64>()
                / ws.len() as f64
        };
        let l_own = llr_sum(&users[0][90..120]);
        for (u, ws) in users.iter().enumerate().skip(1) {
            let l_other = llr_sum(&ws[90..120]);
            assert!(l_own < l_other, "user {u}: {l_own} vs {l_other}");
        }
    }
}
