//! Shared reporting helpers: timing percentiles, progress, SVG plot.

use std::io::Write;
use std::time::Instant;

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

/// A plain-text progress line on stderr.
pub struct Progress {
    label: String,
    total: usize,
    start: Instant,
    last: Instant,
}

impl Progress {
    /// New progress line.
    pub fn new(label: &str, total: usize) -> Progress {
        Progress {
            label: label.into(),
            total,
            start: Instant::now(),
            last: Instant::now(),
        }
    }
    /// Report `done` items (throttled).
    pub fn update(&mut self, done: usize) {
        if self.last.elapsed().as_millis() < 200 && done < self.total {
            return;
        }
        self.last = Instant::now();
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

/// ROC curve as a hand-written SVG (false-positive rate vs true-positive rate, impostor =
/// positive), with the diagonal and the EER line.
pub fn roc_svg(roc: &[(f64, f64)], title: &str) -> String {
    let (w, h, m) = (420.0, 420.0, 50.0);
    let sx = |x: f64| m + x * (w - 2.0 * m);
    let sy = |y: f64| h - m - y * (h - 2.0 * m);
    let mut pts = String::new();
    for (x, y) in roc {
        pts.push_str(&format!("{:.2},{:.2} ", sx(*x), sy(*y)));
    }
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n\
<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
<text x=\"{}\" y=\"25\" font-family=\"sans-serif\" font-size=\"14\" text-anchor=\"middle\">ROC: {title}</text>\n\
<rect x=\"{m}\" y=\"{m}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n\
<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>\n\
<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e88\" stroke-dasharray=\"2 3\"/>\n",
        w / 2.0,
        w - 2.0 * m,
        h - 2.0 * m,
        sx(0.0),
        sy(0.0),
        sx(1.0),
        sy(1.0),
        sx(0.0),
        sy(1.0),
        sx(1.0),
        sy(0.0),
    );
    for i in 0..=5 {
        let v = i as f64 / 5.0;
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"middle\">{v:.1}</text>\n\
<text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"end\">{v:.1}</text>\n",
            sx(v),
            h - m + 15.0,
            m - 5.0,
            sy(v) + 3.0
        ));
    }
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"middle\">false positive rate (owners flagged)</text>\n\
<text x=\"15\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 15 {})\">true positive rate (intruders flagged)</text>\n\
<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\" points=\"{pts}\"/>\n</svg>\n",
        w / 2.0,
        h - 12.0,
        h / 2.0,
        h / 2.0
    ));
    s
}

/// Thin a ROC curve to at most `max` points (keeps the shape for plotting).
pub fn thin(roc: Vec<(f64, f64)>, max: usize) -> Vec<(f64, f64)> {
    if roc.len() <= max || max < 2 {
        return roc;
    }
    let step = roc.len() as f64 / max as f64;
    let mut out: Vec<(f64, f64)> = (0..max)
        .filter_map(|i| roc.get((i as f64 * step) as usize).copied())
        .collect();
    if let Some(l) = roc.last() {
        out.push(*l);
    }
    out
}
