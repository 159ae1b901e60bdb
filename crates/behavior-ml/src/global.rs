//! The global model: a smartcore logistic regression over window-vs-profile comparison
//! vectors, trained on pairs labelled same-user / different-user from many users' stored
//! windows. Because it learns what "same person" looks like rather than any one person, it
//! transfers to users it never saw (and scores users who are still enrolling).

use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use crate::keystroke::KeystrokeWindow;
use crate::keystroke_profile::{compare, KeystrokeProfile, CMP_LEN};
use crate::mouse::MouseWindow;
use crate::mouse_profile::{
    compare_mouse, MouseProfile, MouseReference, Population, MOUSE_CMP_LEN,
};
use crate::stats::{below, seeded, sigmoid, Rng};
use crate::{BehaviorError, Config, Result, FORMAT_VERSION};

/// A standardised linear model `P(different user) = σ(w·((x-μ)/s) + b)`, fitted by smartcore
/// and stored as plain numbers (so it serialises independently of smartcore's format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// Feature means.
    pub mean: Vec<f64>,
    /// Feature scales.
    pub scale: Vec<f64>,
    /// Weights.
    pub weights: Vec<f64>,
    /// Intercept.
    pub bias: f64,
}

impl LinearModel {
    /// Fit with smartcore's `LogisticRegression` (label 1 = different user).
    pub fn fit(x: &[Vec<f64>], y: &[u32], alpha: f64) -> Result<LinearModel> {
        let d = x.first().map(Vec::len).unwrap_or(0);
        if x.len() < 10 || d == 0 || x.len() != y.len() {
            return Err(BehaviorError::Training("too few training pairs".into()));
        }
        if !y.contains(&0) || !y.contains(&1) {
            return Err(BehaviorError::Training(
                "need both same-user and different-user pairs".into(),
            ));
        }
        let n = x.len() as f64;
        let mut mean = vec![0.0; d];
        for row in x {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v / n;
            }
        }
        let mut scale = vec![0.0; d];
        for row in x {
            for ((s, v), m) in scale.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m) / n;
            }
        }
        for s in scale.iter_mut() {
            *s = if s.is_finite() && *s > 1e-12 {
                s.sqrt()
            } else {
                1.0
            };
        }
        let rows: Vec<Vec<f64>> = x
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&mean)
                    .zip(&scale)
                    .map(|((v, m), s)| {
                        let z = (v - m) / s;
                        if z.is_finite() {
                            z.clamp(-20.0, 20.0)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let xm =
            DenseMatrix::from_2d_vec(&rows).map_err(|e| BehaviorError::Training(e.to_string()))?;
        let yv: Vec<u32> = y.to_vec();
        let params = LogisticRegressionParameters::default().with_alpha(alpha);
        let lr = LogisticRegression::fit(&xm, &yv, params)
            .map_err(|e| BehaviorError::Training(e.to_string()))?;
        let coef = lr.coefficients();
        let weights: Vec<f64> = (0..d).map(|j| *coef.get((0, j))).collect();
        let bias = *lr.intercept().get((0, 0));
        if weights.iter().any(|w| !w.is_finite()) || !bias.is_finite() {
            return Err(BehaviorError::Training("non-finite coefficients".into()));
        }
        Ok(LinearModel {
            mean,
            scale,
            weights,
            bias,
        })
    }

    /// Linear score (log-odds of "different user").
    pub fn logit(&self, v: &[f64]) -> f64 {
        let mut s = self.bias;
        for (((x, m), sc), w) in v.iter().zip(&self.mean).zip(&self.scale).zip(&self.weights) {
            let z = ((x - m) / sc).clamp(-20.0, 20.0);
            if z.is_finite() {
                s += w * z;
            }
        }
        s
    }

    /// Probability that the window comes from a different user.
    pub fn prob(&self, v: &[f64]) -> f64 {
        sigmoid(self.logit(v))
    }
}

/// The global model for both modalities (either may be missing when there was no data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalModel {
    /// Format version.
    pub version: u32,
    /// Keystroke pair model.
    pub keystroke: Option<LinearModel>,
    /// Optional random forest on the same keystroke pair vectors, averaged with the linear
    /// model in log-odds (`Config::keystroke_forest`).
    #[serde(default)]
    pub keystroke_forest: Option<crate::forest::Forest>,
    /// Mouse pair model.
    pub mouse: Option<LinearModel>,
    /// Population distributions of mouse action features (reference for the mouse model).
    #[serde(default)]
    pub mouse_population: Option<Population>,
    /// Reference actions of many users for training per-user mouse forests.
    #[serde(default)]
    pub mouse_reference: Option<MouseReference>,
    /// Users whose windows trained the model (keystroke, mouse).
    pub users: (u32, u32),
    /// Training pairs used (keystroke, mouse).
    pub pairs: (u32, u32),
}

fn sample_others(rng: &mut Rng, users: usize, me: usize) -> Option<usize> {
    if users < 2 {
        return None;
    }
    let mut o = below(rng, users - 1);
    if o >= me {
        o += 1;
    }
    Some(o)
}

impl GlobalModel {
    /// Train from per-user window histories (each inner `Vec` is one user's windows in time
    /// order). Users with too few windows are skipped. A modality with no usable data is left
    /// out (`None`); it is an error only when neither modality could be trained.
    pub fn train(
        keystrokes: &[Vec<KeystrokeWindow>],
        mouse: &[(u64, Vec<MouseWindow>)],
        cfg: &Config,
    ) -> Result<GlobalModel> {
        let (k, kf, kp, ku) = train_keystroke(keystrokes, cfg);
        let mouse_windows: Vec<Vec<MouseWindow>> = mouse.iter().map(|(_, w)| w.clone()).collect();
        let pop = Population::build(&mouse_windows, 2_000);
        let (m, mp, mu) = train_mouse(&mouse_windows, &pop, cfg);
        let reference = MouseReference::build(mouse, 6_000);
        if k.is_none() && m.is_none() {
            return Err(BehaviorError::Training(
                "no modality had enough data".into(),
            ));
        }
        Ok(GlobalModel {
            version: FORMAT_VERSION,
            keystroke: k,
            keystroke_forest: kf,
            mouse_population: m.as_ref().map(|_| pop),
            mouse_reference: (!reference.groups.is_empty()).then_some(reference),
            mouse: m,
            users: (ku, mu),
            pairs: (kp, mp),
        })
    }

    /// Serialise to JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Deserialise from JSON, checking the format version.
    pub fn from_json(s: &str) -> Result<GlobalModel> {
        let m: GlobalModel = serde_json::from_str(s)?;
        crate::check_version(m.version)?;
        Ok(m)
    }
}

/// Build keystroke training pairs: rows of comparison vectors and labels (1 = different).
pub fn keystroke_pairs(
    users: &[Vec<KeystrokeWindow>],
    cfg: &Config,
) -> (Vec<Vec<f64>>, Vec<u32>, u32) {
    let mut rng = seeded(0x5eed_0001);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut used = 0;
    let enroll = cfg.pair_profile_windows.max(2) as usize;
    for (u, ws) in users.iter().enumerate() {
        if ws.len() < 3 {
            continue;
        }
        used += 1;
        // full profile, plus a partial one so enrolling users are covered too
        let full = enroll.min(ws.len() - 1);
        let partial = (full / 3).max(2).min(full);
        let rest = ws.len() - full;
        let mut setups: Vec<(usize, usize, usize)> = (0..cfg.pair_rotations.max(1) as usize)
            .map(|r| (full, 8usize, (r * rest) % ws.len()))
            .collect();
        setups.dedup_by_key(|s| s.2);
        let mid = cfg.pair_mid_windows as usize;
        if mid > partial && mid < full && cfg.pair_mid_genuine > 0 {
            setups.push((mid, cfg.pair_mid_genuine as usize, 0));
        }
        if cfg.pair_partial_genuine > 0 {
            setups.push((partial, cfg.pair_partial_genuine as usize, 0));
        }
        for (k, max_gen, offset) in setups {
            let order: Vec<&KeystrokeWindow> =
                ws.iter().cycle().skip(offset).take(ws.len()).collect();
            let mut p = KeystrokeProfile::new(cfg.pair_profile_windows);
            for w in order.iter().take(k) {
                p.add(w);
            }
            let genuine: Vec<&KeystrokeWindow> =
                order.iter().skip(k).take(max_gen).copied().collect();
            for w in &genuine {
                x.push(compare(&p, w).vector.to_vec());
                y.push(0);
            }
            for _ in 0..(genuine.len() * cfg.pair_impostors.max(1) as usize) {
                let mut best: Option<crate::keystroke_profile::Comparison> = None;
                for _ in 0..cfg.pair_hard_candidates.max(1) {
                    if let Some(o) = sample_others(&mut rng, users.len(), u) {
                        if let Some(ow) = users.get(o).filter(|v| !v.is_empty()) {
                            if let Some(w) = ow.get(below(&mut rng, ow.len())) {
                                let c = compare(&p, w);
                                if best.as_ref().is_none_or(|b| c.distance < b.distance) {
                                    best = Some(c);
                                }
                            }
                        }
                    }
                }
                if let Some(c) = best {
                    x.push(c.vector.to_vec());
                    y.push(1);
                }
            }
        }
    }
    (x, y, used)
}

fn train_keystroke(
    users: &[Vec<KeystrokeWindow>],
    cfg: &Config,
) -> (Option<LinearModel>, Option<crate::forest::Forest>, u32, u32) {
    let (x, y, used) = keystroke_pairs(users, cfg);
    debug_assert!(x.iter().all(|r| r.len() == CMP_LEN));
    let n = x.len() as u32;
    let forest = if cfg.keystroke_forest {
        crate::forest::Forest::fit(
            &x,
            &y,
            crate::forest::ForestParams {
                trees: 40,
                max_depth: 10,
                min_leaf: 10,
                seed: 7,
            },
        )
        .ok()
    } else {
        None
    };
    (
        LinearModel::fit(&x, &y, cfg.keystroke_alpha).ok(),
        forest,
        n,
        used,
    )
}

impl GlobalModel {
    /// Probability that a keystroke comparison vector comes from a different user (`None`
    /// without a keystroke model).
    pub fn keystroke_prob(&self, v: &[f64]) -> Option<f64> {
        let lr = self.keystroke.as_ref()?.prob(v);
        Some(match &self.keystroke_forest {
            Some(f) => {
                let p = f.predict(v).clamp(0.01, 0.99);
                sigmoid((crate::stats::logit(lr) + crate::stats::logit(p)) / 2.0)
            }
            None => lr,
        })
    }
}

/// Build mouse training pairs: per user, a profile from the first half of their actions;
/// genuine = later windows, impostor = other users' windows.
pub fn mouse_pairs(
    users: &[Vec<MouseWindow>],
    pop: &Population,
    cfg: &Config,
) -> (Vec<Vec<f64>>, Vec<u32>, u32) {
    let mut rng = seeded(0x5eed_0002);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut used = 0;
    for (u, ws) in users.iter().enumerate() {
        let total: usize = ws.iter().map(|w| w.actions.len()).sum();
        let mut p = MouseProfile::new(cfg.mouse_enroll_actions.min((total / 2).max(1) as u32));
        let mut i = 0;
        while i < ws.len() && p.state() != crate::ProfileState::Trained {
            if let Some(w) = ws.get(i) {
                p.add(w);
            }
            i += 1;
        }
        if p.state() != crate::ProfileState::Trained || i >= ws.len() {
            continue;
        }
        used += 1;
        let genuine: Vec<&MouseWindow> = ws.iter().skip(i).take(400).collect();
        for w in &genuine {
            x.push(compare_mouse(&p, Some(pop), w).vector.to_vec());
            y.push(0);
            if let Some(o) = sample_others(&mut rng, users.len(), u) {
                if let Some(ow) = users.get(o).filter(|v| !v.is_empty()) {
                    if let Some(w) = ow.get(below(&mut rng, ow.len())) {
                        x.push(compare_mouse(&p, Some(pop), w).vector.to_vec());
                        y.push(1);
                    }
                }
            }
        }
    }
    (x, y, used)
}

fn train_mouse(
    users: &[Vec<MouseWindow>],
    pop: &Population,
    cfg: &Config,
) -> (Option<LinearModel>, u32, u32) {
    let (x, y, used) = mouse_pairs(users, pop, cfg);
    debug_assert!(x.iter().all(|r| r.len() == MOUSE_CMP_LEN));
    let n = x.len() as u32;
    (LinearModel::fit(&x, &y, 1.0).ok(), n, used)
}
