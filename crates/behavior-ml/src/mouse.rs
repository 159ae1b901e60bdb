//! Mouse windows: raw pointer events → mouse actions → feature window.
//!
//! A *movement action* is a run of pointer moves delimited by pauses and clicks. It is a
//! mouse move (MM) when it ends without a click, a point-and-click (PC) when a button goes
//! down within [`PAUSE_MS`] of its last move, and a drag-and-drop (DD) when the button is held
//! during the moves. Wheel events close together form a scroll action. Each action gets
//! [`ACTION_FEATURES`] features.

use serde::{Deserialize, Serialize};

use crate::events::Event;

/// A pause longer than this (ms) between two moves ends an action.
pub const PAUSE_MS: f64 = 500.0;
/// Wheel events further apart than this (ms) start a new scroll action.
const SCROLL_GAP_MS: f64 = 400.0;
/// Number of features per action.
pub const ACTION_FEATURES: usize = 16;
/// Names of the action features.
pub const ACTION_FEATURE_NAMES: [&str; ACTION_FEATURES] = [
    "movement duration",
    "movement length",
    "straightness",
    "mean speed",
    "peak speed",
    "speed variability",
    "acceleration",
    "jerk",
    "curvature",
    "direction (sin)",
    "direction (cos)",
    "time to peak speed",
    "deviation from straight line",
    "click hold",
    "pointer event interval",
    "pointer events per movement",
];

/// Kind of mouse action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Move without a click.
    Move,
    /// Move followed by a click.
    PointClick,
    /// Drag with a button held.
    Drag,
    /// Scroll (wheel).
    Scroll,
}

impl ActionKind {
    /// Index 0..4.
    pub fn index(self) -> usize {
        match self {
            ActionKind::Move => 0,
            ActionKind::PointClick => 1,
            ActionKind::Drag => 2,
            ActionKind::Scroll => 3,
        }
    }
    /// Number of kinds.
    pub const COUNT: usize = 4;
}

/// One mouse action with its features (all finite).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MouseAction {
    /// Kind.
    pub kind: ActionKind,
    /// Features, see [`ACTION_FEATURE_NAMES`].
    pub f: [f32; ACTION_FEATURES],
}

/// A mouse feature window: the actions completed in one batch of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MouseWindow {
    /// Actions, in time order.
    pub actions: Vec<MouseAction>,
    /// Pointer events that went into the window.
    pub events: u32,
    /// Duration (ms) covered.
    pub duration_ms: f32,
    /// Clicks without an approach movement (after a pause, or onto a point the pointer jumped
    /// to): no features to compare, but they are use of the mouse and count toward enrollment.
    #[serde(default)]
    pub clicks: u32,
    /// Of those, clicks onto a point more than 100 px from where the pointer was (a pointer
    /// that teleports to its targets).
    #[serde(default)]
    pub teleport_clicks: u32,
}

#[derive(Debug, Clone, Copy)]
struct Pt {
    t: f64,
    x: f64,
    y: f64,
}

fn clean(v: f64) -> f32 {
    if v.is_finite() {
        v.clamp(-1e6, 1e6) as f32
    } else {
        0.0
    }
}

/// Features of a movement (points in time order, ≥ 2), `hold` = click hold (ms) if any.
fn movement_features(pts: &[Pt], hold: Option<f64>) -> Option<[f32; ACTION_FEATURES]> {
    if pts.len() < 3 {
        return None;
    }
    let (first, last) = (pts.first()?, pts.last()?);
    let duration = last.t - first.t;
    if duration.is_nan() || duration <= 0.0 {
        return None;
    }
    let mut length = 0.0;
    let mut speeds: Vec<(f64, f64)> = Vec::with_capacity(pts.len()); // (t, v)
    let mut angles = Vec::with_capacity(pts.len());
    for w in pts.windows(2) {
        let [a, b] = w else { continue };
        let (dx, dy, dt) = (b.x - a.x, b.y - a.y, b.t - a.t);
        let d = (dx * dx + dy * dy).sqrt();
        length += d;
        if dt > 0.0 {
            speeds.push(((a.t + b.t) / 2.0, d / dt));
        }
        if d > 0.0 {
            angles.push((dy.atan2(dx), d));
        }
    }
    if length < 3.0 || speeds.len() < 2 {
        return None;
    }
    let (sx, sy) = (last.x - first.x, last.y - first.y);
    let straight = (sx * sx + sy * sy).sqrt();
    let n = speeds.len() as f64;
    let mean_v = speeds.iter().map(|s| s.1).sum::<f64>() / n;
    let (mut max_v, mut t_max) = (0.0, first.t);
    for s in &speeds {
        if s.1 > max_v {
            max_v = s.1;
            t_max = s.0;
        }
    }
    let sd_v = (speeds.iter().map(|s| (s.1 - mean_v).powi(2)).sum::<f64>() / n).sqrt();
    let mut acc = Vec::with_capacity(speeds.len());
    for w in speeds.windows(2) {
        let [a, b] = w else { continue };
        let dt = b.0 - a.0;
        if dt > 0.0 {
            acc.push(((a.0 + b.0) / 2.0, (b.1 - a.1) / dt));
        }
    }
    let mean_abs_acc = acc.iter().map(|a| a.1.abs()).sum::<f64>() / acc.len().max(1) as f64;
    let mut jerk = 0.0;
    let mut nj = 0.0;
    for w in acc.windows(2) {
        let [a, b] = w else { continue };
        let dt = b.0 - a.0;
        if dt > 0.0 {
            jerk += ((b.1 - a.1) / dt).abs();
            nj += 1.0;
        }
    }
    let mut curv = 0.0;
    for w in angles.windows(2) {
        let [a, b] = w else { continue };
        let mut d = b.0 - a.0;
        while d > std::f64::consts::PI {
            d -= 2.0 * std::f64::consts::PI;
        }
        while d < -std::f64::consts::PI {
            d += 2.0 * std::f64::consts::PI;
        }
        curv += d.abs();
    }
    let curvature = curv / length;
    let mut dev: f64 = 0.0;
    if straight > 0.0 {
        for p in pts {
            let cross = ((p.x - first.x) * sy - (p.y - first.y) * sx).abs() / straight;
            dev = dev.max(cross);
        }
    }
    let dir = sy.atan2(sx);
    let f = [
        duration.max(1.0).ln(),
        length.max(1.0).ln(),
        if length > 0.0 {
            (straight / length).min(1.0)
        } else {
            1.0
        },
        (mean_v * 1000.0).max(1e-3).ln(),
        (max_v * 1000.0).max(1e-3).ln(),
        if mean_v > 0.0 { sd_v / mean_v } else { 0.0 },
        (mean_abs_acc * 1e6).max(1e-3).ln(),
        (if nj > 0.0 { jerk / nj } else { 0.0 } * 1e9)
            .max(1e-3)
            .ln(),
        (1.0 + curvature * 100.0).ln(),
        dir.sin(),
        dir.cos(),
        ((t_max - first.t) / duration).clamp(0.0, 1.0),
        (1.0 + dev / straight.max(1.0)).ln(),
        hold.map_or(0.0, |h| h.clamp(1.0, 5000.0).ln()),
        (duration / (pts.len() - 1) as f64).max(0.1).ln(),
        (pts.len() as f64).ln(),
    ];
    let mut out = [0f32; ACTION_FEATURES];
    for (o, v) in out.iter_mut().zip(f) {
        *o = clean(v);
    }
    Some(out)
}

/// A click farther than this (px) from where the pointer was is a teleport.
pub const TELEPORT_PX: f64 = 100.0;

/// Streaming segmentation of pointer events into [`MouseAction`]s, across message batches.
/// Robust to repeated timestamps, zero-length moves, clock jumps and non-finite numbers.
#[derive(Debug, Clone, Default)]
pub struct MouseCollector {
    moves: Vec<Pt>,
    press: Option<(f64, Vec<Pt>)>,
    /// Where the pointer is (last known position).
    last_pos: Option<Pt>,
    /// Where the pointer was when the current run of moves started.
    anchor: Option<Pt>,
    /// Jump (px) to the pending click without an approach movement.
    click: Option<f64>,
    clicks: u32,
    teleport_clicks: u32,
    pending_click: Option<Vec<Pt>>,
    scroll: Option<(f64, f64, u32, f64)>, // start, last, count, |dy| sum
    done: Vec<MouseAction>,
    events: u32,
    first_t: Option<f64>,
    last_t: f64,
}

/// Longest movement kept in memory (points); longer ones are cut.
const MAX_POINTS: usize = 2_000;

impl MouseCollector {
    /// Feed one event (keyboard events are ignored).
    pub fn push(&mut self, e: &Event) {
        let t = e.t();
        if e.is_keyboard() || !t.is_finite() || t.abs() > 1e15 {
            return;
        }
        // clock jump backwards or a huge gap: close everything open
        if t < self.last_t - 1.0 || t - self.last_t > 60_000.0 {
            self.close_move();
            self.close_scroll();
            self.press = None;
        }
        self.events = self.events.saturating_add(1);
        self.first_t.get_or_insert(t);
        self.last_t = t;
        let ok = |v: f64| v.is_finite() && v.abs() < 1e7;
        match e {
            Event::Mousemove { x, y, .. } => {
                if !(ok(*x) && ok(*y)) {
                    return;
                }
                let p = Pt { t, x: *x, y: *y };
                let before = self.last_pos.replace(p);
                if let Some((_, pts)) = self.press.as_mut() {
                    if pts.len() < MAX_POINTS {
                        pts.push(p);
                    }
                    return;
                }
                self.pending_click = None;
                if let Some(l) = self.moves.last() {
                    if t - l.t > PAUSE_MS || self.moves.len() >= MAX_POINTS {
                        self.close_move();
                    }
                }
                if let Some(l) = self.moves.last() {
                    if l.x == p.x && l.y == p.y {
                        return; // zero-length move
                    }
                }
                if self.moves.is_empty() {
                    self.anchor = before;
                }
                self.moves.push(p);
            }
            Event::Mousedown { x, y, .. } => {
                let here = (ok(*x) && ok(*y)).then_some(Pt { t, x: *x, y: *y });
                self.mouse_down(t, here);
            }
            Event::Mouseup { x, y, .. } => {
                let here = (ok(*x) && ok(*y)).then_some(Pt { t, x: *x, y: *y });
                self.mouse_up(t, here);
            }
            Event::Wheel { dy, dx, .. } => {
                self.close_move();
                let mag = if ok(*dy) && ok(*dx) {
                    dy.abs() + dx.abs()
                } else {
                    0.0
                };
                match self.scroll.as_mut() {
                    Some(s) if t - s.1 <= SCROLL_GAP_MS => {
                        s.1 = t;
                        s.2 = s.2.saturating_add(1);
                        s.3 += mag;
                    }
                    _ => {
                        self.close_scroll();
                        self.scroll = Some((t, t, 1, mag));
                    }
                }
            }
            Event::Keydown { .. } | Event::Keyup { .. } => {}
        }
    }

    /// A button went down at `here` (time `t`).
    fn mouse_down(&mut self, t: f64, here: Option<Pt>) {
        self.close_scroll();
        let recent = self.moves.last().is_some_and(|l| t - l.t <= PAUSE_MS);
        let pts = std::mem::take(&mut self.moves);
        self.click = None;
        self.pending_click = if recent && pts.len() >= 3 {
            Some(pts)
        } else {
            // a click with no approach path: how long the pointer rested and how far
            // it jumped to get here
            let from = if pts.is_empty() || !recent {
                // the pointer rested where it is
                self.last_pos
            } else {
                self.anchor
            };
            let jump = match (from, here) {
                (Some(a), Some(b)) => ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt(),
                // one or two pointer events out of nowhere, then a click
                (None, Some(_)) if !pts.is_empty() => f64::INFINITY,
                _ => 0.0,
            };
            self.click = Some(jump);
            self.emit_move(&pts);
            None
        };
        if here.is_some() {
            self.last_pos = here;
        }
        let start: Vec<Pt> = here.into_iter().collect();
        self.press = Some((t, start));
    }

    /// A button went up at `here`: a drag, a point-and-click, or a click without a movement.
    fn mouse_up(&mut self, t: f64, here: Option<Pt>) {
        let Some((down, mut pts)) = self.press.take() else {
            return;
        };
        let hold = t - down;
        if let Some(p) = here {
            pts.push(p);
        }
        let dragged = pts.len() >= 4
            && pts
                .first()
                .zip(pts.last())
                .is_some_and(|(a, b)| (a.x - b.x).abs() + (a.y - b.y).abs() > 4.0);
        if dragged {
            if let Some(f) = movement_features(&pts, Some(hold)) {
                self.done.push(MouseAction {
                    kind: ActionKind::Drag,
                    f,
                });
            }
        } else if let Some(mv) = self.pending_click.take() {
            if let Some(f) = movement_features(&mv, Some(hold)) {
                self.done.push(MouseAction {
                    kind: ActionKind::PointClick,
                    f,
                });
            }
        } else if let Some(jump) = self.click.take() {
            self.clicks = self.clicks.saturating_add(1);
            if jump > TELEPORT_PX {
                self.teleport_clicks = self.teleport_clicks.saturating_add(1);
            }
        }
    }

    fn emit_move(&mut self, pts: &[Pt]) {
        if let Some(f) = movement_features(pts, None) {
            self.done.push(MouseAction {
                kind: ActionKind::Move,
                f,
            });
        }
    }

    fn close_move(&mut self) {
        let pts = std::mem::take(&mut self.moves);
        self.emit_move(&pts);
    }

    fn close_scroll(&mut self) {
        if let Some((s, l, n, mag)) = self.scroll.take() {
            let mut f = [0f32; ACTION_FEATURES];
            f[0] = clean((l - s).max(1.0).ln());
            f[1] = clean(f64::from(n).ln());
            f[3] = clean((1.0 + mag).ln());
            f[4] = clean(f64::from(n) * 1000.0 / (l - s).max(50.0));
            self.done.push(MouseAction {
                kind: ActionKind::Scroll,
                f,
            });
        }
    }

    /// Close actions that can no longer continue given the current time `now` (ms): a move
    /// or scroll idle longer than the pause threshold.
    pub fn close_idle(&mut self, now: f64) {
        if self.moves.last().is_some_and(|l| now - l.t > PAUSE_MS) && self.press.is_none() {
            self.pending_click = None;
            self.close_move();
        }
        if self.scroll.is_some_and(|s| now - s.1 > SCROLL_GAP_MS) {
            self.close_scroll();
        }
    }

    /// Close every open action (end of a recording).
    pub fn flush(&mut self) {
        if let Some(mv) = self.pending_click.take() {
            self.emit_move(&mv);
        }
        self.close_move();
        self.close_scroll();
    }

    /// Completed actions (and clicks without a movement) waiting to be windowed.
    pub fn pending(&self) -> usize {
        self.done.len() + self.clicks as usize
    }

    /// Time of the last pointer event.
    pub fn last_t(&self) -> f64 {
        self.last_t
    }

    /// Take the completed actions as a window (`None` if fewer than `min_actions`).
    pub fn take_window(&mut self, min_actions: usize) -> Option<MouseWindow> {
        if self.done.len() + (self.clicks as usize) < min_actions.max(1) {
            return None;
        }
        let actions = std::mem::take(&mut self.done);
        let events = std::mem::take(&mut self.events);
        let start = self.first_t.take().unwrap_or(self.last_t);
        Some(MouseWindow {
            actions,
            events,
            duration_ms: clean(self.last_t - start),
            clicks: std::mem::take(&mut self.clicks),
            teleport_clicks: std::mem::take(&mut self.teleport_clicks),
        })
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        *self = MouseCollector::default();
    }
}

impl MouseWindow {
    /// Build a window from a complete recording of events (closes open actions).
    pub fn from_events(events: &[Event], min_actions: usize) -> Option<MouseWindow> {
        let mut c = MouseCollector::default();
        for e in events {
            c.push(e);
        }
        c.flush();
        c.take_window(min_actions)
    }
}
