//! Small statistics helpers shared by the models.

use serde::{Deserialize, Serialize};

/// Weighted running mean and variance (West's weighted Welford) with optional forgetting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStat {
    /// Total weight.
    pub n: f64,
    /// Mean.
    pub mean: f64,
    /// Sum of weighted squared deviations.
    pub m2: f64,
}

impl RunStat {
    /// Add a value with a weight; non-finite input is ignored.
    pub fn add(&mut self, x: f64, w: f64) {
        if !x.is_finite() || !w.is_finite() || w <= 0.0 {
            return;
        }
        let n = self.n + w;
        let d = x - self.mean;
        let r = d * w / n;
        self.mean += r;
        self.m2 += self.n * d * r;
        self.n = n;
    }

    /// Unbiased-ish variance (`None` with fewer than two units of weight).
    pub fn var(&self) -> Option<f64> {
        (self.n > 1.0).then(|| (self.m2 / (self.n - 1.0)).max(0.0))
    }

    /// Cap the total weight at `max_n` by scaling (exponential forgetting of old data).
    pub fn cap(&mut self, max_n: f64) {
        if self.n > max_n && self.n > 0.0 {
            let f = max_n / self.n;
            self.n *= f;
            self.m2 *= f;
        }
    }
}

/// Logistic function.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Log-odds of a probability clamped to `[1e-6, 1 - 1e-6]`.
pub fn logit(p: f64) -> f64 {
    let p = if p.is_finite() {
        p.clamp(1e-6, 1.0 - 1e-6)
    } else {
        0.5
    };
    (p / (1.0 - p)).ln()
}

/// Equal error rate and ROC points from genuine (low = good) and impostor scores.
/// Returns `(eer, auc, roc)` with `roc` as `(false-accept rate, true-accept... )` pairs:
/// each point is `(false positive rate, true positive rate)` where "positive" = impostor flagged.
pub fn roc(genuine: &[f64], impostor: &[f64]) -> (f64, f64, Vec<(f64, f64)>) {
    if genuine.is_empty() || impostor.is_empty() {
        return (f64::NAN, f64::NAN, Vec::new());
    }
    // Label 1 = impostor. Sort by score descending.
    let mut all: Vec<(f64, bool)> = genuine
        .iter()
        .map(|s| (*s, false))
        .chain(impostor.iter().map(|s| (*s, true)))
        .map(|(s, l)| (if s.is_finite() { s } else { 1.0 }, l))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let np = impostor.len() as f64;
    let nn = genuine.len() as f64;
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut pts = vec![(0.0, 0.0)];
    let mut auc = 0.0;
    let mut eer = 1.0;
    let mut best_gap = f64::INFINITY;
    let mut i = 0;
    while i < all.len() {
        let s = all[i].0;
        let (ptp, pfp) = (tp, fp);
        while i < all.len() && all[i].0 == s {
            if all[i].1 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        let (tpr, fpr) = (tp / np, fp / nn);
        auc += (fp - pfp) / nn * (tp + ptp) / (2.0 * np);
        // EER: false accept (1 - tpr) vs false reject (fpr)
        let fnr = 1.0 - tpr;
        let gap = (fnr - fpr).abs();
        if gap < best_gap {
            best_gap = gap;
            eer = (fnr + fpr) / 2.0;
        }
        pts.push((fpr, tpr));
    }
    (eer, auc, pts)
}

/// The seeded generator used for reproducible sampling (training pairs, synthetic people):
/// `rand`'s standard generator, so a seed gives the same sequence on every platform.
pub type Rng = rand::rngs::StdRng;

/// A reproducible generator from a 64-bit seed.
pub fn seeded(seed: u64) -> Rng {
    rand::SeedableRng::seed_from_u64(seed)
}

/// Uniform integer in `0..n` (`0` when `n == 0`).
pub fn below(rng: &mut Rng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        rand::Rng::gen_range(rng, 0..n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_of_separable_and_random_scores() {
        let (eer, auc, pts) = roc(&[0.1, 0.2, 0.3], &[0.7, 0.8, 0.9]);
        assert_eq!(eer, 0.0);
        assert_eq!(auc, 1.0);
        assert_eq!(pts.last(), Some(&(1.0, 1.0)));
        let (eer, auc, _) = roc(&[0.5, 0.5], &[0.5, 0.5]);
        assert!((auc - 0.5).abs() < 1e-12);
        assert!((eer - 0.5).abs() < 1e-12);
        let (eer, auc, _) = roc(&[0.9, 0.8], &[0.1, 0.2]);
        assert_eq!(auc, 0.0);
        assert_eq!(eer, 1.0);
        assert!(roc(&[], &[1.0]).0.is_nan());
    }

    #[test]
    fn running_stats_and_logit() {
        let mut s = RunStat::default();
        for x in [1.0, 2.0, 3.0, 4.0, f64::NAN] {
            s.add(x, 1.0);
        }
        assert!((s.mean - 2.5).abs() < 1e-12);
        assert!((s.var().unwrap_or(0.0) - 5.0 / 3.0).abs() < 1e-12);
        s.cap(2.0);
        assert!((s.n - 2.0).abs() < 1e-12);
        assert!((sigmoid(logit(0.3)) - 0.3).abs() < 1e-12);
        assert!(logit(f64::NAN).abs() < 1e-12);
        assert!(sigmoid(-1000.0) >= 0.0 && sigmoid(1000.0) <= 1.0);
    }
}
