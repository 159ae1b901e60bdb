//! Reading the Balabit mouse dynamics files (format: `../shared/data/README.md`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use behavior_ml::{Config, Event, FeatureWindow, MouseWindow, SessionScorer};
use rayon::prelude::*;

use crate::UsageError;

/// Batches of this many ms of client time are fed as one message, like the page does.
const BATCH_MS: f64 = 1_000.0;

/// One line of a session file as an event, `None` for lines that carry no event.
fn row_event(line: &str) -> Result<Option<Event>, ()> {
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    let [_, client, button, state, x, y] = f.as_slice() else {
        return Err(());
    };
    let (Ok(t), Ok(x), Ok(y)) = (client.parse::<f64>(), x.parse::<f64>(), y.parse::<f64>()) else {
        return Err(());
    };
    let t = t * 1000.0;
    let b = match *button {
        "Left" => 0u8,
        "Right" => 2,
        _ => 1,
    };
    let wheel = |dy: f64| Event::Wheel {
        t,
        dx: 0.0,
        dy,
        x,
        y,
    };
    Ok(Some(match (*button, *state) {
        (_, "Move") | (_, "Drag") => Event::Mousemove { t, x, y },
        ("Scroll", "Down") => wheel(120.0),
        ("Scroll", "Up") => wheel(-120.0),
        (_, "Pressed") => Event::Mousedown { t, button: b, x, y },
        (_, "Released") => Event::Mouseup { t, button: b, x, y },
        _ => return Err(()),
    }))
}

/// Parse one Balabit session file into events. Returns the events and the skipped rows.
pub fn parse_session(path: &Path) -> Result<(Vec<Event>, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut ev = Vec::new();
    let mut skipped = 0;
    for (i, line) in text.lines().enumerate() {
        if (i == 0 && line.starts_with("record")) || line.trim().is_empty() {
            continue;
        }
        match row_event(line) {
            Ok(Some(e)) => ev.push(e),
            Ok(None) => {}
            Err(()) => skipped += 1,
        }
    }
    Ok((ev, skipped))
}

/// Parse a session, or report it and return no events with one skipped row.
pub fn parse_or_skip(path: &Path) -> (Vec<Event>, usize) {
    parse_session(path).unwrap_or_else(|e| {
        eprintln!("behavior-eval: skipping {e}");
        (Vec::new(), 1)
    })
}

/// Split a recording into ~1 s batches (the page's messages).
pub fn batches(ev: &[Event]) -> Vec<&[Event]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut t0 = ev.first().map(Event::t).unwrap_or(0.0);
    for (i, e) in ev.iter().enumerate() {
        if e.t() - t0 >= BATCH_MS || e.t() < t0 {
            if let Some(b) = ev.get(start..i) {
                out.push(b);
            }
            start = i;
            t0 = e.t();
        }
    }
    if let Some(b) = ev.get(start..).filter(|b| !b.is_empty()) {
        out.push(b);
    }
    out
}

/// The mouse windows the server would cut from a recording sent in 1 s messages.
pub fn session_windows(ev: &[Event], cfg: &Config) -> Vec<MouseWindow> {
    let mut s = SessionScorer::new(cfg.clone());
    let bs = batches(ev);
    let n = bs.len();
    let mut out = Vec::new();
    for (i, b) in bs.into_iter().enumerate() {
        for w in s.windows_only(b, i + 1 == n) {
            if let FeatureWindow::Mouse(m) = w {
                out.push(m);
            }
        }
    }
    out
}

/// Sorted entries of a directory.
pub fn list_dir(p: &Path) -> Result<Vec<PathBuf>, UsageError> {
    let rd = std::fs::read_dir(p)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", p.display())))?;
    let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    v.sort();
    Ok(v)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string()
}

/// The three parts of a Balabit directory, checked.
pub struct Layout {
    /// `training_files/`.
    pub train: PathBuf,
    /// `test_files/`.
    pub test: PathBuf,
    /// `labels.csv`.
    pub labels: PathBuf,
}

impl Layout {
    /// Check that `dir` is a Balabit directory.
    pub fn of(dir: &Path) -> Result<Layout, UsageError> {
        let l = Layout {
            train: dir.join("training_files"),
            test: dir.join("test_files"),
            labels: dir.join("labels.csv"),
        };
        if !l.train.is_dir() || !l.test.is_dir() || !l.labels.is_file() {
            return Err(UsageError(format!(
                "{} is not a Balabit data directory (needs training_files/, test_files/ and labels.csv)",
                dir.display()
            )));
        }
        Ok(l)
    }
}

/// `labels.csv`: file name → illegal. Returns the labels and the skipped rows.
pub fn read_labels(path: &Path) -> Result<(HashMap<String, bool>, usize), UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let mut skipped = 0usize;
    let mut labels = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        match f.as_slice() {
            [name, v] if *v == "0" || *v == "1" => {
                labels.insert(name.to_string(), *v == "1");
            }
            _ if i == 0 => {}
            _ => skipped += 1,
        }
    }
    Ok((labels, skipped))
}

/// A user's training sessions: the user name and its session files.
pub struct TrainingUser {
    /// Folder name (`user7`).
    pub name: String,
    /// Session files in name order.
    pub files: Vec<PathBuf>,
}

/// The user folders of `training_files/` (at most `max_sessions` sessions each).
pub fn training_users(
    dir: &Path,
    max_sessions: Option<usize>,
) -> Result<Vec<TrainingUser>, UsageError> {
    let mut users = Vec::new();
    for d in list_dir(dir)?.into_iter().filter(|d| d.is_dir()) {
        let mut files = list_dir(&d)?;
        if let Some(n) = max_sessions {
            files.truncate(n);
        }
        users.push(TrainingUser {
            name: file_name(&d),
            files,
        });
    }
    if users.is_empty() {
        return Err(UsageError(format!(
            "{} holds no user folders",
            dir.display()
        )));
    }
    Ok(users)
}

/// Windows of each training session of each user (in parallel), and the skipped rows.
pub fn training_windows(
    users: &[TrainingUser],
    cfg: &Config,
) -> (Vec<Vec<Vec<MouseWindow>>>, usize) {
    let loaded: Vec<(Vec<Vec<MouseWindow>>, usize)> = users
        .par_iter()
        .map(|u| {
            let mut skipped = 0;
            let sessions = u
                .files
                .par_iter()
                .map(|f| {
                    let (ev, s) = parse_or_skip(f);
                    (session_windows(&ev, cfg), s)
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|(w, s)| {
                    skipped += s;
                    w
                })
                .collect();
            (sessions, skipped)
        })
        .collect();
    let skipped = loaded.iter().map(|l| l.1).sum();
    (loaded.into_iter().map(|l| l.0).collect(), skipped)
}

/// One labelled test session.
pub struct TestSession {
    /// Account (user folder).
    pub user: String,
    /// Session file.
    pub path: PathBuf,
    /// Recorded by somebody else.
    pub illegal: bool,
}

/// The labelled test sessions (at most `per_user` per user).
pub fn test_sessions(
    dir: &Path,
    labels: &HashMap<String, bool>,
    per_user: Option<usize>,
) -> Result<Vec<TestSession>, UsageError> {
    let mut tests = Vec::new();
    for d in list_dir(dir)?.into_iter().filter(|d| d.is_dir()) {
        let user = file_name(&d);
        let mut taken = 0;
        for f in list_dir(&d)? {
            let Some(l) = labels.get(&file_name(&f)) else {
                continue;
            };
            if per_user.is_some_and(|n| taken >= n) {
                break;
            }
            taken += 1;
            tests.push(TestSession {
                user: user.clone(),
                path: f,
                illegal: *l,
            });
        }
    }
    if tests.is_empty() {
        return Err(UsageError(format!(
            "no labelled test sessions under {}",
            dir.display()
        )));
    }
    Ok(tests)
}
