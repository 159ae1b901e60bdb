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
    /// Calibration of the raw score.
    pub calibration: Calibration,
    /// Slope of the calibrated score.
    pub calibration_scale: f64,
    /// Offset of the calibrated score.
    pub calibration_offset: f64,
}

impl Default for MouseModelParams {
    fn default() -> MouseModelParams {
        MouseModelParams {
            trees: 30,
            max_depth: 12,
            min_leaf: 5,
            device_features: false,
            holdout_every: 5,
            calibration: Calibration::Owner,
            calibration_scale: 0.5,
            calibration_offset: 4.0,
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
}

impl ForestCalibration {
    /// The calibrated score of a raw forest score.
    pub fn apply(&self, raw: f64) -> f64 {
        match self.mode {
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
    (0..ACTION_FEATURES as u8)
        .filter(|f| device_features || !DEVICE_FEATURES.contains(&usize::from(*f)))
        .collect()
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
    if actions.is_empty() {
        return None;
    }
    let step = actions.len().div_ceil(max.max(1)).max(1);
    let mut row = Vec::with_capacity(cols.len() + 1);
    let (mut sum, mut n) = (0.0, 0.0);
    for a in actions.iter().step_by(step) {
        row_of(a, cols, &mut row);
        sum += f.predict(&row);
        n += 1.0;
    }
    Some(sum / n)
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

fn window_scores(f: &Forest, cols: &[u8], actions: &[&MouseAction]) -> Vec<f64> {
    actions
        .chunks(CALIBRATION_WINDOW)
        .filter(|c| c.len() == CALIBRATION_WINDOW)
        .filter_map(|c| {
            let owned: Vec<MouseAction> = c.iter().map(|a| (*a).clone()).collect();
            raw_score(f, cols, &owned, usize::MAX)
        })
        .collect()
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
    let cols = columns(p.device_features);
    let held = |i: usize| p.holdout_every > 1 && i % p.holdout_every == p.holdout_every - 1;
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
    let calibration = match (
        mean_sd(&window_scores(&forest, &cols, &own_held)),
        mean_sd(&window_scores(&forest, &cols, &ref_held)),
    ) {
        (Some((om, osd)), Some((rm, _))) if p.calibration != Calibration::None => {
            Some(ForestCalibration {
                owner_mean: om,
                owner_sd: osd,
                reference_mean: rm,
                mode: p.calibration,
                scale: p.calibration_scale,
                offset: p.calibration_offset,
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
    let raw = raw_score(forest, cols, &w.actions, max)?;
    Some(calibration.map_or(raw, |c| c.apply(raw)))
}
