//! `--plot`: ROC and DET curves with the EER marked, drawn with `plotters` into an SVG or a
//! PNG file (by extension).

use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::Scores;

/// Lowest error rate shown on the DET's log axes.
const DET_MIN: f64 = 1e-3;

/// Operating points: `(far, frr)` for every distinct threshold, from accepting everybody to
/// rejecting everybody. `far` = intruders accepted, `frr` = owners rejected.
pub fn error_curve(s: &Scores) -> Vec<(f64, f64)> {
    let (ng, ni) = (s.genuine.len() as f64, s.impostor.len() as f64);
    if ng == 0.0 || ni == 0.0 {
        return Vec::new();
    }
    let mut all: Vec<(f64, bool)> = s
        .genuine
        .iter()
        .map(|x| (*x, false))
        .chain(s.impostor.iter().map(|x| (*x, true)))
        .filter(|(x, _)| x.is_finite())
        .collect();
    // threshold descending: flag scores >= t
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut flagged_gen, mut flagged_imp) = (0.0, 0.0);
    let mut pts = vec![(1.0, 0.0)];
    let mut i = 0;
    while i < all.len() {
        let t = all.get(i).map_or(0.0, |p| p.0);
        while let Some((x, imp)) = all.get(i).filter(|p| p.0 == t) {
            let _ = x;
            if *imp {
                flagged_imp += 1.0;
            } else {
                flagged_gen += 1.0;
            }
            i += 1;
        }
        pts.push((1.0 - flagged_imp / ni, flagged_gen / ng));
    }
    pts
}

/// The point of the curve where the two error rates are closest, as `(rate, rate)`.
pub fn eer_point(curve: &[(f64, f64)]) -> Option<(f64, f64)> {
    curve
        .iter()
        .min_by(|a, b| (a.0 - a.1).abs().total_cmp(&(b.0 - b.1).abs()))
        .map(|(far, frr)| ((far + frr) / 2.0, (far + frr) / 2.0))
}

fn draw_roc<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curve: &[(f64, f64)],
    eer: Option<(f64, f64)>,
    title: &str,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(format!("ROC: {title}"), ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("false reject rate (owners flagged)")
        .y_desc("true reject rate (intruders flagged)")
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(0.0, 0.0), (1.0, 1.0)],
        ShapeStyle::from(&BLACK.mix(0.3)).stroke_width(1),
    ))?;
    chart.draw_series(LineSeries::new(
        curve.iter().map(|(far, frr)| (*frr, 1.0 - far)),
        ShapeStyle::from(&BLUE).stroke_width(2),
    ))?;
    if let Some((e, _)) = eer {
        chart.draw_series(std::iter::once(Circle::new((e, 1.0 - e), 5, RED.filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("EER {e:.3}"),
            ((e + 0.04).min(0.8), (1.0 - e - 0.06).max(0.05)),
            ("sans-serif", 14).into_font().color(&RED),
        )))?;
    }
    Ok(())
}

fn draw_det<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curve: &[(f64, f64)],
    eer: Option<(f64, f64)>,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let clip = |v: f64| v.clamp(DET_MIN, 1.0);
    let mut chart = ChartBuilder::on(area)
        .caption("DET (log axes)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((DET_MIN..1f64).log_scale(), (DET_MIN..1f64).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("false accept rate (intruders let through)")
        .y_desc("false reject rate (owners flagged)")
        .x_label_formatter(&|v| format!("{v}"))
        .y_label_formatter(&|v| format!("{v}"))
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(DET_MIN, DET_MIN), (1.0, 1.0)],
        ShapeStyle::from(&BLACK.mix(0.3)).stroke_width(1),
    ))?;
    chart.draw_series(LineSeries::new(
        curve.iter().map(|(far, frr)| (clip(*far), clip(*frr))),
        ShapeStyle::from(&BLUE).stroke_width(2),
    ))?;
    if let Some((e, _)) = eer {
        let p = (clip(e), clip(e));
        chart.draw_series(std::iter::once(Circle::new(p, 5, RED.filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("EER {e:.3}"),
            (clip(e * 1.4), clip(e * 1.6)),
            ("sans-serif", 14).into_font().color(&RED),
        )))?;
    }
    Ok(())
}

fn draw_all<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    s: &Scores,
    title: &str,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let curve = error_curve(s);
    let eer = eer_point(&curve);
    let (left, right) = root.split_horizontally(460);
    draw_roc(&left, &curve, eer, title)?;
    draw_det(&right, &curve, eer)?;
    root.present()?;
    Ok(())
}

/// A sans-serif font of the system for the text (plotters lays out and draws text with it,
/// in SVG too).
fn register_system_font() -> Result<(), Box<dyn Error>> {
    const CANDIDATES: [&str; 4] = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ];
    let bytes = CANDIDATES
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .ok_or("no system font found for the plot's text (install fonts-dejavu-core)")?;
    let font: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, font)
        .map_err(|_| "the system font could not be read")?;
    Ok(())
}

/// Draw ROC and DET side by side into `path` (PNG when it ends in `.png`, else SVG).
pub fn draw(path: &Path, s: &Scores, title: &str) -> Result<(), Box<dyn Error>> {
    let size = (920, 460);
    register_system_font()?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        draw_all(BitMapBackend::new(path, size).into_drawing_area(), s, title)
    } else {
        draw_all(SVGBackend::new(path, size).into_drawing_area(), s, title)
    }
}
