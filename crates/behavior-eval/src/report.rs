//! Shared reporting helpers: timing percentiles, progress, SVG plot.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use behavior_ml::stats::sigmoid;
use behavior_ml::Config;

/// Percentile of a list of microsecond timings.
pub fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v.get(i).copied().unwrap_or(0.0)
}

/// Time of one call in microseconds: the fastest of three runs, so that the figure is the
/// cost of the computation rather than of the operating system preempting the thread on a
/// busy machine.
pub fn time_us(mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64() * 1e6);
    }
    best
}

/// Round for JSON output.
pub fn r4(x: f64) -> f64 {
    if x.is_finite() {
        (x * 10_000.0).round() / 10_000.0
    } else {
        x
    }
}

/// A plain-text progress line on stderr, shared by worker threads.
pub struct Progress {
    label: String,
    total: usize,
    start: Instant,
    state: Mutex<(usize, Instant)>,
}

impl Progress {
    /// New progress line for `total` items.
    pub fn shared(label: &str, total: usize) -> Progress {
        Progress {
            label: label.into(),
            total,
            start: Instant::now(),
            state: Mutex::new((0, Instant::now())),
        }
    }

    /// One more item done (the line is redrawn at most five times a second).
    pub fn tick(&self) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        st.0 += 1;
        let done = st.0;
        if st.1.elapsed().as_millis() < 200 && done < self.total {
            return;
        }
        st.1 = Instant::now();
        let width = 30;
        let filled = (done * width).checked_div(self.total).unwrap_or(width);
        let bar: String = "#".repeat(filled.min(width)) + &"-".repeat(width - filled.min(width));
        let mut e = std::io::stderr();
        let _ = write!(
            e,
            "\r{} [{bar}] {done}/{} {:.1}s",
            self.label,
            self.total,
            self.start.elapsed().as_secs_f64()
        );
        if done >= self.total {
            let _ = writeln!(e);
        }
        let _ = e.flush();
    }
}

/// Mean (NaN for none).
pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Median, `None` for none.
pub fn median_opt(mut v: Vec<f64>) -> Option<f64> {
    (!v.is_empty()).then(|| percentile(&mut v, 0.5))
}

/// `k / n` (NaN when `n == 0`).
pub fn rate(k: usize, n: usize) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        k as f64 / n as f64
    }
}

fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    if v.len() < 2 {
        return 0.0;
    }
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Spread of per-fold (or per-user) figures as JSON: values, mean, sd, min, max.
pub fn spread_json(v: &[f64]) -> serde_json::Value {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    serde_json::json!({
        "values": v.iter().map(|x| r4(*x)).collect::<Vec<_>>(),
        "mean": r4(mean(&finite)),
        "sd": r4(sd(&finite)),
        "min": r4(finite.iter().copied().fold(f64::INFINITY, f64::min)),
        "max": r4(finite.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
    })
}

/// Spread as text: `mean ± sd, min–max`.
pub fn spread_text(v: &[f64]) -> String {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return "n/a".into();
    }
    format!(
        "{} values, {:.4} ± {:.4}, {:.4}–{:.4}",
        finite.len(),
        mean(&finite),
        sd(&finite),
        finite.iter().copied().fold(f64::INFINITY, f64::min),
        finite.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    )
}

/// One line of the threshold table: false accepts (intruders let through) and false rejects
/// (owners flagged) at one operating point.
#[derive(Debug, Clone)]
pub struct ThresholdRow {
    /// What the operating point is.
    pub name: String,
    /// Window-score threshold, when the point is one.
    pub threshold: Option<f64>,
    /// False accept rate.
    pub far: f64,
    /// False reject rate.
    pub frr: f64,
}

fn at_threshold(name: &str, t: f64, gen: &[f64], imp: &[f64]) -> ThresholdRow {
    ThresholdRow {
        name: name.into(),
        threshold: Some(t),
        far: rate(imp.iter().filter(|s| **s < t).count(), imp.len()),
        frr: rate(gen.iter().filter(|s| **s >= t).count(), gen.len()),
    }
}

/// Window-level rows: the medium and high levels, the score one window needs to challenge
/// on its own, and the score two windows in a row need to block.
pub fn window_thresholds(gen: &[f64], imp: &[f64], cfg: &Config) -> Vec<ThresholdRow> {
    let evidence_for = |risk: f64| -cfg.risk_scale * (1.0 - risk).ln();
    let mut rows = vec![
        at_threshold("window level medium", cfg.medium_score, gen, imp),
        at_threshold("window level high", cfg.high_score, gen, imp),
    ];
    let one = evidence_for(cfg.challenge_risk);
    if one <= cfg.max_window_evidence {
        let t = sigmoid(one + cfg.evidence_offset);
        rows.push(at_threshold("one window challenges", t, gen, imp));
    }
    let two = evidence_for(cfg.block_risk) / 2.0;
    if two <= cfg.max_window_evidence {
        let t = sigmoid(two + cfg.evidence_offset);
        rows.push(at_threshold("two windows in a row block", t, gen, imp));
    }
    rows
}

/// Session-level rows from the continuous view: owners challenged/blocked (false rejects),
/// intruders never challenged/blocked (false accepts).
pub fn session_thresholds(
    owner_challenged: f64,
    owner_blocked: f64,
    intruder_not_challenged: f64,
    intruder_not_blocked: f64,
) -> Vec<ThresholdRow> {
    vec![
        ThresholdRow {
            name: "session challenge".into(),
            threshold: None,
            far: intruder_not_challenged,
            frr: owner_challenged,
        },
        ThresholdRow {
            name: "session block".into(),
            threshold: None,
            far: intruder_not_blocked,
            frr: owner_blocked,
        },
    ]
}

/// The threshold table as JSON.
pub fn thresholds_json(rows: &[ThresholdRow]) -> serde_json::Value {
    rows.iter()
        .map(|r| {
            serde_json::json!({
                "point": r.name, "score_threshold": r.threshold.map(r4),
                "far": r4(r.far), "frr": r4(r.frr),
            })
        })
        .collect()
}

/// The threshold table as text.
pub fn thresholds_text(rows: &[ThresholdRow]) -> String {
    let mut s = String::from("operating point               score ≥     FAR      FRR\n");
    for r in rows {
        let t = r
            .threshold
            .map_or("  (session)".to_string(), |t| format!("{t:>11.3}"));
        s.push_str(&format!(
            "{:<29} {t} {:>7.2}% {:>7.2}%\n",
            r.name,
            r.far * 100.0,
            r.frr * 100.0
        ));
    }
    s
}

/// What the terms of the text output mean.
pub const LEGEND: &str = "legend:
  score      per window in [0,1]; higher = less like the account owner
  EER        equal error rate: the error where false accepts equal false rejects
  AUC        area under the ROC curve: chance that an intruder's score is above an owner's
  per-user   figure computed for each owner's own genuine vs impostor scores, then averaged
  global / pooled  all owners' scores together (one threshold for everybody)
  FAR        false accept rate: share of intruder probes/sessions let through
  FRR        false reject rate: share of owner probes/sessions flagged
  challenge  session risk >= 0.6: the password is asked again
  block      session risk >= 0.9 after two or more windows: the session ends
  ANIA       average number of impostor actions (keystrokes) before the block
  ANGA       average number of genuine actions before a wrong block of the owner
  profile only  a fresh installation: no global model yet, the owner's profile alone
  non-human  input no person produces (zero or fixed holds, metronome timing, replays,
             teleports): scored 1.0 with a reason, never learnt";

/// `Config::default()`, or with the fields of the JSON object in `BEHAVIOR_EVAL_CONFIG`
/// replaced (a development knob for tuning; not part of the contract).
pub fn live_config() -> Config {
    match std::env::var("BEHAVIOR_EVAL_CONFIG") {
        Ok(j) => serde_json::from_str(&j).unwrap_or_else(|e| {
            eprintln!("behavior-eval: ignoring BEHAVIOR_EVAL_CONFIG ({e})");
            Config::default()
        }),
        Err(_) => Config::default(),
    }
}
