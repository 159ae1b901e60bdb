//! A random forest trained with smartcore's `RandomForestRegressor` on 0/1 labels (its mean
//! leaf value is a probability estimate), flattened into plain validated node arrays so that
//! it serialises independently of smartcore's internal format and evaluates without any
//! possibility of panicking on a corrupted model.

use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::{BehaviorError, Result};

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

fn is_zero_f64(v: &f64) -> bool {
    *v == 0.0
}

/// One node: a leaf when `left == 0` (children always come after their parent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlatNode {
    /// Feature tested.
    #[serde(rename = "f", default, skip_serializing_if = "is_zero_u32")]
    pub feature: u32,
    /// Threshold: go left when `x[feature] <= threshold`.
    #[serde(rename = "t", default, skip_serializing_if = "is_zero_f64")]
    pub threshold: f64,
    /// Left child index (0 = leaf).
    #[serde(rename = "l", default, skip_serializing_if = "is_zero_u32")]
    pub left: u32,
    /// Right child index.
    #[serde(rename = "r", default, skip_serializing_if = "is_zero_u32")]
    pub right: u32,
    /// Leaf value.
    #[serde(rename = "v", default, skip_serializing_if = "is_zero_f64")]
    pub value: f64,
}

/// A flattened forest: the prediction is the mean of the trees' leaf values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// Number of input features.
    pub features: usize,
    /// Trees.
    pub trees: Vec<Vec<FlatNode>>,
}

/// Forest training parameters.
#[derive(Debug, Clone, Copy)]
pub struct ForestParams {
    /// Trees.
    pub trees: usize,
    /// Maximum depth.
    pub max_depth: u16,
    /// Minimum samples per leaf.
    pub min_leaf: usize,
    /// Seed.
    pub seed: u64,
}

impl Forest {
    /// Train on rows `x` with labels `y` (0/1).
    pub fn fit(x: &[Vec<f64>], y: &[u32], p: ForestParams) -> Result<Forest> {
        let d = x.first().map(Vec::len).unwrap_or(0);
        if x.len() < 10 || d == 0 || x.len() != y.len() || x.iter().any(|r| r.len() != d) {
            return Err(BehaviorError::Training(
                "too few or ragged training rows".into(),
            ));
        }
        let rows: Vec<Vec<f64>> = x
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| if v.is_finite() { *v } else { 0.0 })
                    .collect()
            })
            .collect();
        let xm =
            DenseMatrix::from_2d_vec(&rows).map_err(|e| BehaviorError::Training(e.to_string()))?;
        let yv: Vec<f64> = y.iter().map(|v| f64::from(*v)).collect();
        let m = ((d as f64).sqrt().ceil() as usize).max(1);
        let params = RandomForestRegressorParameters::default()
            .with_n_trees(p.trees.max(1))
            .with_max_depth(p.max_depth)
            .with_min_samples_leaf(p.min_leaf.max(1))
            .with_m(m)
            .with_seed(p.seed);
        let rf = RandomForestRegressor::fit(&xm, &yv, params)
            .map_err(|e| BehaviorError::Training(e.to_string()))?;
        let v = serde_json::to_value(&rf)?;
        let trees_json = v
            .get("forest_regressor")
            .and_then(|f| f.get("trees"))
            .and_then(|t| t.as_array())
            .ok_or_else(|| BehaviorError::Training("unexpected smartcore forest layout".into()))?;
        let mut trees = Vec::with_capacity(trees_json.len());
        for t in trees_json {
            let nodes = t.get("nodes").and_then(|n| n.as_array()).ok_or_else(|| {
                BehaviorError::Training("unexpected smartcore tree layout".into())
            })?;
            let mut flat = Vec::with_capacity(nodes.len());
            for n in nodes {
                let num = |k: &str| n.get(k).and_then(serde_json::Value::as_f64);
                let idx = |k: &str| n.get(k).and_then(serde_json::Value::as_u64);
                let (left, right) = match (idx("true_child"), idx("false_child")) {
                    (Some(l), Some(r)) => {
                        (u32::try_from(l).unwrap_or(0), u32::try_from(r).unwrap_or(0))
                    }
                    _ => (0, 0),
                };
                // smartcore sends a missing split value to the right; -MAX does the same and,
                // unlike NaN, survives JSON
                let value = if left == 0 {
                    num("output").filter(|v| v.is_finite()).unwrap_or(0.5)
                } else {
                    0.0
                };
                let threshold = if left == 0 {
                    0.0
                } else {
                    num("split_value")
                        .filter(|v| v.is_finite())
                        .unwrap_or(-f64::MAX)
                };
                flat.push(FlatNode {
                    feature: u32::try_from(idx("split_feature").unwrap_or(0)).unwrap_or(0),
                    threshold,
                    left,
                    right,
                    value,
                });
            }
            trees.push(flat);
        }
        let f = Forest { features: d, trees };
        f.validate()?;
        Ok(f)
    }

    /// Check the structure (children after parents, features in range).
    pub fn validate(&self) -> Result<()> {
        for t in &self.trees {
            for (i, n) in t.iter().enumerate() {
                if n.left != 0 {
                    let ok = (n.left as usize) > i
                        && (n.right as usize) > i
                        && (n.left as usize) < t.len()
                        && (n.right as usize) < t.len()
                        && (n.feature as usize) < self.features;
                    if !ok {
                        return Err(BehaviorError::Training("malformed forest".into()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Mean leaf value (probability of label 1). Never panics; malformed trees count 0.5.
    pub fn predict(&self, x: &[f64]) -> f64 {
        if self.trees.is_empty() {
            return 0.5;
        }
        let mut sum = 0.0;
        for t in &self.trees {
            let mut i = 0usize;
            let mut value = 0.5;
            // at most len steps: children always have larger indices
            for _ in 0..t.len() {
                let Some(n) = t.get(i) else { break };
                if n.left == 0 {
                    value = n.value;
                    break;
                }
                let v = x.get(n.feature as usize).copied().unwrap_or(0.0);
                let next = if v <= n.threshold { n.left } else { n.right } as usize;
                if next <= i {
                    break;
                }
                i = next;
            }
            sum += value;
        }
        sum / self.trees.len() as f64
    }
}
