//! Reading the "136M Keystrokes" files (format: `../shared/data/README.md`).

use std::path::{Path, PathBuf};

use behavior_ml::{js_keycode_to_code, Config, Event, KeystrokeWindow};
use rayon::prelude::*;

use crate::UsageError;

/// One participant: sentences as raw event batches, in file order.
pub struct Participant {
    /// Participant id (the file name without `_keystrokes.txt`).
    pub id: String,
    /// One event batch per sentence (keydown/keyup sorted by time).
    pub sentences: Vec<Vec<Event>>,
    /// The same sentences as a naive replay client sends them: each keystroke's keydown then
    /// its keyup, in press order (the fresh-installation view uses these, like the server's
    /// replay test).
    pub sentences_naive: Vec<Vec<Event>>,
}

/// One key press of the file: press time, release time, JavaScript keyCode.
#[derive(Debug, Clone, Copy)]
struct Row {
    press: f64,
    release: f64,
    keycode: u32,
}

/// Column positions of the header.
struct Columns {
    count: usize,
    section: usize,
    press: usize,
    release: usize,
    keycode: usize,
}

impl Columns {
    fn of(header: &str) -> Option<Columns> {
        let cols: Vec<&str> = header.split('\t').collect();
        let find = |name: &str| cols.iter().position(|c| c.trim() == name);
        Some(Columns {
            count: cols.len(),
            section: find("TEST_SECTION_ID")?,
            press: find("PRESS_TIME")?,
            release: find("RELEASE_TIME")?,
            keycode: find("KEYCODE")?,
        })
    }

    /// `(section, row)` of a line, `None` for a malformed one.
    fn parse<'a>(&self, line: &'a str) -> Option<(&'a str, Row)> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != self.count {
            return None;
        }
        let get = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
        let press = get(self.press).parse::<f64>().ok()?;
        let release = get(self.release).parse::<f64>().ok()?;
        let keycode = get(self.keycode).parse::<u32>().ok()?;
        (press.is_finite() && release.is_finite()).then_some((
            get(self.section),
            Row {
                press,
                release,
                keycode,
            },
        ))
    }
}

/// A sentence as a naive replay client sends it: each keystroke's keydown then its keyup.
fn naive_events(mut rows: Vec<Row>) -> Vec<Event> {
    rows.sort_by(|a, b| a.press.total_cmp(&b.press));
    let mut ev: Vec<Event> = Vec::with_capacity(rows.len() * 2);
    for r in rows {
        let code = Some(
            js_keycode_to_code(r.keycode)
                .unwrap_or("Unidentified")
                .to_string(),
        );
        ev.push(Event::Keydown {
            t: r.press,
            code: code.clone(),
        });
        ev.push(Event::Keyup { t: r.release, code });
    }
    ev
}

/// Parse one `<id>_keystrokes.txt` file. Returns the participant and the number of skipped
/// malformed rows.
pub fn parse_file(path: &Path) -> Result<(Participant, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let cols = Columns::of(lines.next().unwrap_or(""))
        .ok_or_else(|| format!("{}: missing header columns", path.display()))?;
    let mut skipped = 0;
    let mut sections: Vec<(String, Vec<Row>)> = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let Some((sec, row)) = cols.parse(line) else {
            skipped += 1;
            continue;
        };
        match sections.last_mut() {
            Some((s, v)) if s == sec => v.push(row),
            _ => sections.push((sec.to_string(), vec![row])),
        }
    }
    let sentences_naive: Vec<Vec<Event>> = sections
        .into_iter()
        .map(|(_, rows)| naive_events(rows))
        .collect();
    let sentences = sentences_naive
        .iter()
        .map(|ev| {
            let mut ev = ev.clone();
            ev.sort_by(|a, b| a.t().total_cmp(&b.t()));
            ev
        })
        .collect();
    let id = path
        .file_name()
        .and_then(|n| n.to_str())
        .map_or("", |n| n.trim_end_matches("_keystrokes.txt"))
        .to_string();
    Ok((
        Participant {
            id,
            sentences,
            sentences_naive,
        },
        skipped,
    ))
}

fn keystroke_files(dir: &Path, limit: Option<usize>) -> Result<Vec<PathBuf>, UsageError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| UsageError(format!("cannot read data directory {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("_keystrokes.txt"))
        })
        .collect();
    files.sort();
    if let Some(l) = limit {
        files.truncate(l);
    }
    if files.is_empty() {
        return Err(UsageError(format!(
            "{} holds no <id>_keystrokes.txt files (not a keystroke data directory)",
            dir.display()
        )));
    }
    Ok(files)
}

/// Load every `*_keystrokes.txt` of a directory (in name order). Returns the participants
/// and the skipped rows (an unreadable file counts as one).
pub fn load_dir(dir: &Path, limit: Option<usize>) -> Result<(Vec<Participant>, usize), UsageError> {
    let files = keystroke_files(dir, limit)?;
    let results: Vec<Result<(Participant, usize), String>> =
        files.par_iter().map(|p| parse_file(p)).collect();
    let mut out = Vec::new();
    let mut skipped = 0;
    for r in results {
        match r {
            Ok((p, s)) => {
                skipped += s;
                out.push(p);
            }
            Err(e) => {
                eprintln!("behavior-eval: skipping file: {e}");
                skipped += 1;
            }
        }
    }
    if out.is_empty() {
        return Err(UsageError(format!(
            "no readable keystroke files in {}",
            dir.display()
        )));
    }
    Ok((out, skipped))
}

/// One window per sentence (the protocol's window), through the server's feature code.
pub fn sentence_windows(p: &Participant, cfg: &Config) -> Vec<Option<KeystrokeWindow>> {
    let min_keys = (cfg.keystroke_min_window / 2) as usize;
    p.sentences
        .iter()
        .map(|ev| KeystrokeWindow::from_events(ev, min_keys))
        .collect()
}
