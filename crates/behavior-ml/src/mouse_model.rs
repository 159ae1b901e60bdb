//! The per-user mouse model: a random forest of the owner's actions against other people's,
//! with a per-user calibration measured on held-out actions so that scores mean the same
//! for every owner (a pooled threshold works for all of them).

use serde::{Deserialize, Serialize};

use crate::forest::{Forest, ForestParams};
use crate::mouse::{MouseAction, MouseWindow, ACTION_FEATURES};
use crate::stats::sigmoid;

/// How the forest's raw score is made comparable across owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calibration {
    /// The raw mean per-action probability.
    None,
    /// Standardised by the owner's held-out windows: `σ(scale · (z − offset))`.
    Owner,
    /// Placed between the owner's and other people's held-out windows:
    /// `σ(scale · (u − offset))` with `u` = 0 for a typical owner window, 1 for a typical
    /// other person's.
    OwnerReference,
}

/// How a window's per-action forest probabilities become one raw score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Mean probability (models stored before the choice existed).
    #[default]
    Mean,
    /// (Trimmed) mean of the per-action log-odds.
    Logit,
}

/// Tunables of the per-user mouse model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MouseModelParams {
    /// Trees of the forest.
    pub trees: usize,
    /// Maximum depth.
    pub max_depth: u16,
    /// Fewest training rows per leaf.
    pub min_leaf: usize,
    /// Use the features that describe the device rather than the hand (pointer event
    /// interval and events per movement).
    pub device_features: bool,
    /// Every n-th owner and reference action is held out of the forest's training to
    /// calibrate it (0: no calibration data).
    pub holdout_every: usize,
    /// Held-out actions come in runs of this many consecutive actions (1: every
    /// `holdout_every`-th action), so they are less like the ones the forest saw.
    pub holdout_block: usize,
    /// Calibration of the raw score.
    pub calibration: Calibration,
    /// Slope of the calibrated score.
    pub calibration_scale: f64,
    /// Offset of the calibrated score.
    pub calibration_offset: f64,
    /// How a window's per-action probabilities are combined.
    pub aggregate: Aggregate,
    /// Share of the per-action values dropped at each end before averaging (0: plain mean).
    pub trim: f64,
    /// Per-action probabilities are clipped to `[clip, 1 − clip]` before the log-odds.
    pub logit_clip: f64,
    /// Calibrate with the median and MAD of the held-out owner windows instead of mean/SD.
    pub robust_calibration: bool,
    /// Feature indices left out of the forest (besides the device features when off).
    pub drop_features: Vec<u8>,
}

impl Default for MouseModelParams {
    fn default() -> MouseModelParams {
        MouseModelParams {
            trees: 30,
            max_depth: 12,
            min_leaf: 5,
            device_features: false,
            holdout_every: 5,
            holdout_block: 1,
            calibration: Calibration::Owner,
            calibration_scale: 0.5,
            calibration_offset: 4.0,
            aggregate: Aggregate::Logit,
            trim: 0.0,
            logit_clip: 0.02,
            robust_calibration: false,
            // peak speed, acceleration, jerk, curvature: finite differences of the pointer
            // samples, so they describe the event rate as much as the hand
            drop_features: vec![4, 6, 7, 8],
        }
    }
}

/// Actions per window when calibrating (about one message's worth).
const CALIBRATION_WINDOW: usize = 10;
/// Indices of the device features (pointer event interval, events per movement).
const DEVICE_FEATURES: [usize; 2] = [14, 15];

/// The owner's and other people's held-out window scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForestCalibration {
    /// Mean raw score of held-out owner windows.
    pub owner_mean: f64,
    /// Their standard deviation.
    pub owner_sd: f64,
    /// Mean raw score of held-out windows of other people.
    pub reference_mean: f64,
    /// Calibration mode.
    pub mode: Calibration,
    /// Slope.
    pub scale: f64,
    /// Offset.
    pub offset: f64,
    /// How the raw score combines a window's actions (stored with the calibration because
    /// the calibration was measured with it).
    #[serde(default)]
    pub aggregate: Aggregate,
    /// Trimmed share at each end.
    #[serde(default)]
    pub trim: f64,
    /// Probability clip before the log-odds.
    #[serde(default)]
    pub logit_clip: f64,
}

impl ForestCalibration {
    /// The calibrated score of a raw forest score.
    pub fn apply(&self, raw: f64) -> f64 {
        match self.mode {
            Calibration::None if self.aggregate == Aggregate::Logit => sigmoid(raw),
            Calibration::None => raw,
            Calibration::Owner => {
                let z = (raw - self.owner_mean) / self.owner_sd.max(0.01);
                sigmoid(self.scale * (z - self.offset))
            }
            Calibration::OwnerReference => {
                let span = (self.reference_mean - self.owner_mean).max(0.02);
                let u = (raw - self.owner_mean) / span;
                sigmoid(self.scale * (u - self.offset))
            }
        }
    }
}

/// The feature columns the model uses.
pub fn columns(device_features: bool) -> Vec<u8> {
    columns_without(device_features, &[])
}

/// The feature columns the model uses, leaving out `drop` too.
pub fn columns_without(device_features: bool, drop: &[u8]) -> Vec<u8> {
    (0..ACTION_FEATURES as u8)
        .filter(|f| device_features || !DEVICE_FEATURES.contains(&usize::from(*f)))
        .filter(|f| !drop.contains(f))
        .collect()
}

/// How per-action probabilities are combined into a window's raw score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Combine {
    /// Probability or log-odds.
    pub aggregate: Aggregate,
    /// Share trimmed at each end.
    pub trim: f64,
    /// Probability clip before the log-odds.
    pub logit_clip: f64,
}

impl Combine {
    /// The plain mean probability.
    pub const MEAN: Combine = Combine {
        aggregate: Aggregate::Mean,
        trim: 0.0,
        logit_clip: 0.02,
    };

    fn of_calibration(c: Option<&ForestCalibration>) -> Combine {
        c.map_or(Combine::MEAN, |c| Combine {
            aggregate: c.aggregate,
            trim: c.trim,
            logit_clip: c.logit_clip,
        })
    }

    fn value(&self, p: f64) -> f64 {
        match self.aggregate {
            Aggregate::Mean => p,
            Aggregate::Logit => {
                let c = if self.logit_clip.is_finite() {
                    self.logit_clip.clamp(1e-4, 0.4)
                } else {
                    0.02
                };
                crate::stats::logit(p.clamp(c, 1.0 - c))
            }
        }
    }

    /// Combine the values (already transformed by `value`).
    fn reduce(&self, v: &mut [f64]) -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        let trim = if self.trim.is_finite() {
            self.trim.clamp(0.0, 0.45)
        } else {
            0.0
        };
        let k = (v.len() as f64 * trim).floor() as usize;
        let kept = if k > 0 && v.len() > 2 * k {
            v.sort_by(f64::total_cmp);
            v.get(k..v.len() - k).unwrap_or(v)
        } else {
            v
        };
        Some(kept.iter().sum::<f64>() / kept.len().max(1) as f64)
    }
}

/// Feature row of an action: the chosen features, then the action kind.
pub fn row_of(a: &MouseAction, cols: &[u8], out: &mut Vec<f64>) {
    out.clear();
    out.extend(
        cols.iter()
            .map(|c| a.f.get(usize::from(*c)).map_or(0.0, |v| f64::from(*v))),
    );
    out.push(a.kind.index() as f64);
}

/// Mean forest probability over at most `max` modelled actions spread evenly over the window.
pub fn raw_score(f: &Forest, cols: &[u8], actions: &[MouseAction], max: usize) -> Option<f64> {
    raw_score_with(f, cols, actions, max, Combine::MEAN)
}

/// The forest's per-action probabilities over at most `max` actions spread evenly over the
/// window, combined as `c` says.
pub fn raw_score_with(
    f: &Forest,
    cols: &[u8],
    actions: &[MouseAction],
    max: usize,
    c: Combine,
) -> Option<f64> {
    if actions.is_empty() {
        return None;
    }
    let step = actions.len().div_ceil(max.max(1)).max(1);
    let mut row = Vec::with_capacity(cols.len() + 1);
    let mut vals = Vec::with_capacity(max.min(actions.len()));
    for a in actions.iter().step_by(step) {
        row_of(a, cols, &mut row);
        vals.push(c.value(f.predict(&row)));
    }
    c.reduce(&mut vals)
}

/// A trained per-user model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedModel {
    /// The forest.
    pub forest: Forest,
    /// Feature columns.
    pub columns: Vec<u8>,
    /// Calibration (when held-out data was kept).
    pub calibration: Option<ForestCalibration>,
}

fn window_scores(f: &Forest, cols: &[u8], actions: &[&MouseAction], c: Combine) -> Vec<f64> {
    actions
        .chunks(CALIBRATION_WINDOW)
        .filter(|w| w.len() == CALIBRATION_WINDOW)
        .filter_map(|w| {
            let owned: Vec<MouseAction> = w.iter().map(|a| (*a).clone()).collect();
            raw_score_with(f, cols, &owned, usize::MAX, c)
        })
        .collect()
}

/// Median and MAD (scaled to an SD) of the values.
fn median_mad(v: &[f64]) -> Option<(f64, f64)> {
    if v.len() < 3 {
        return None;
    }
    let med = |x: &mut Vec<f64>| {
        x.sort_by(f64::total_cmp);
        let n = x.len();
        let a = x.get((n - 1) / 2).copied().unwrap_or(0.0);
        let b = x.get(n / 2).copied().unwrap_or(0.0);
        (a + b) / 2.0
    };
    let mut s = v.to_vec();
    let m = med(&mut s);
    let mut d: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    Some((m, 1.4826 * med(&mut d)))
}

fn mean_sd(v: &[f64]) -> Option<(f64, f64)> {
    if v.len() < 3 {
        return None;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    Some((m, var.sqrt()))
}

/// Train the forest on owner (label 0) and reference (label 1) actions, holding every
/// `holdout_every`-th of each out to calibrate it.
pub fn train(
    owner: &[MouseAction],
    reference: &[&MouseAction],
    p: &MouseModelParams,
) -> crate::Result<TrainedModel> {
    let cols = columns_without(p.device_features, &p.drop_features);
    let combine = Combine {
        aggregate: p.aggregate,
        trim: p.trim,
        logit_clip: p.logit_clip,
    };
    let block = p.holdout_block.max(1);
    let held =
        |i: usize| p.holdout_every > 1 && (i / block) % p.holdout_every == p.holdout_every - 1;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let (mut own_held, mut ref_held) = (Vec::new(), Vec::new());
    for (i, a) in owner.iter().enumerate() {
        if held(i) {
            own_held.push(a);
        } else {
            let mut r = Vec::new();
            row_of(a, &cols, &mut r);
            x.push(r);
            y.push(0);
        }
    }
    for (i, a) in reference.iter().enumerate() {
        if held(i) {
            ref_held.push(*a);
        } else {
            let mut r = Vec::new();
            row_of(a, &cols, &mut r);
            x.push(r);
            y.push(1);
        }
    }
    let forest = Forest::fit(
        &x,
        &y,
        ForestParams {
            trees: p.trees,
            max_depth: p.max_depth,
            min_leaf: p.min_leaf,
            seed: 11,
        },
    )?;
    let own_scores = window_scores(&forest, &cols, &own_held, combine);
    let owner_stats = if p.robust_calibration {
        median_mad(&own_scores)
    } else {
        mean_sd(&own_scores)
    };
    let calibration = match (
        owner_stats,
        mean_sd(&window_scores(&forest, &cols, &ref_held, combine)),
    ) {
        (Some((om, osd)), Some((rm, _))) if p.calibration != Calibration::None => {
            Some(ForestCalibration {
                owner_mean: om,
                owner_sd: osd,
                reference_mean: rm,
                mode: p.calibration,
                scale: p.calibration_scale,
                offset: p.calibration_offset,
                aggregate: p.aggregate,
                trim: p.trim,
                logit_clip: p.logit_clip,
            })
        }
        _ => None,
    };
    Ok(TrainedModel {
        forest,
        columns: cols,
        calibration,
    })
}

/// Score of a window by a trained model (calibrated when it can be).
pub fn score(
    forest: &Forest,
    cols: &[u8],
    calibration: Option<&ForestCalibration>,
    w: &MouseWindow,
    max: usize,
) -> Option<f64> {
    let raw = raw_score_with(
        forest,
        cols,
        &w.actions,
        max,
        Combine::of_calibration(calibration),
    )?;
    Some(calibration.map_or(raw, |c| c.apply(raw)))
}
