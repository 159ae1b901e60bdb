//! The Balabit mouse dynamics challenge protocol (see `docs/behavior.md`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use behavior_ml::stats::roc;
use behavior_ml::{
    score_mouse, Config, Event, FeatureWindow, GlobalModel, MouseWindow, SessionScorer,
    UserProfiles,
};
use serde_json::json;

use crate::report::{percentile, r4, thin, Progress};
use crate::{Args, Outcome, UsageError};

/// Batches of this many ms of client time are fed as one message, like the page does.
const BATCH_MS: f64 = 1_000.0;

/// Parse one Balabit session file into events. Returns the events and the skipped rows.
pub fn parse_session(path: &Path) -> Result<(Vec<Event>, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut ev = Vec::new();
    let mut skipped = 0;
    let mut pressed: Option<u8> = None;
    for (i, line) in text.lines().enumerate() {
        if i == 0 && line.starts_with("record") {
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let [_, client, button, state, x, y] = f.as_slice() else {
            skipped += 1;
            continue;
        };
        let (Ok(t), Ok(x), Ok(y)) = (client.parse::<f64>(), x.parse::<f64>(), y.parse::<f64>())
        else {
            skipped += 1;
            continue;
        };
        let t = t * 1000.0;
        let b = match *button {
            "Left" => 0u8,
            "Right" => 2,
            _ => 1,
        };
        let e = match (*button, *state) {
            (_, "Move") | (_, "Drag") => Event::Mousemove { t, x, y },
            ("Scroll", "Down") => Event::Wheel {
                t,
                dx: 0.0,
                dy: 120.0,
                x,
                y,
            },
            ("Scroll", "Up") => Event::Wheel {
                t,
                dx: 0.0,
                dy: -120.0,
                x,
                y,
            },
            (_, "Pressed") => {
                pressed = Some(b);
                Event::Mousedown { t, button: b, x, y }
            }
            (_, "Released") => {
                pressed = None;
                Event::Mouseup { t, button: b, x, y }
            }
            _ => {
                skipped += 1;
                continue;
            }
        };
        ev.push(e);
    }
    let _ = pressed;
    Ok((ev, skipped))
}

/// Split a recording into ~1 s batches.
fn batches(ev: &[Event]) -> Vec<&[Event]> {
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
    if let Some(b) = ev.get(start..) {
        if !b.is_empty() {
            out.push(b);
        }
    }
    out
}

fn session_windows(ev: &[Event], cfg: &Config) -> Vec<MouseWindow> {
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

fn list_dir(p: &Path) -> Result<Vec<PathBuf>, UsageError> {
    let rd = std::fs::read_dir(p)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", p.display())))?;
    let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    v.sort();
    Ok(v)
}

struct TestSession {
    user: String,
    illegal: bool,
    events: Vec<Event>,
}

/// Run the protocol.
pub fn run(a: &Args) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let cfg = Config::default();
    let (train_dir, test_dir, labels_path) = (
        a.data.join("training_files"),
        a.data.join("test_files"),
        a.data.join("labels.csv"),
    );
    if !train_dir.is_dir() || !test_dir.is_dir() || !labels_path.is_file() {
        return Err(UsageError(format!(
            "{} is not a Balabit data directory (needs training_files/, test_files/ and labels.csv)",
            a.data.display()
        )));
    }
    let labels_text = std::fs::read_to_string(&labels_path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", labels_path.display())))?;
    let mut skipped = 0usize;
    let mut labels: HashMap<String, bool> = HashMap::new();
    for (i, line) in labels_text.lines().enumerate() {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        match f.as_slice() {
            [name, v] if *v == "0" || *v == "1" => {
                labels.insert(name.to_string(), *v == "1");
            }
            _ if i == 0 => {}
            _ => skipped += 1,
        }
    }
    // Training sessions per user.
    let mut users: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for d in list_dir(&train_dir)? {
        if d.is_dir() {
            let name = d
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            let mut files = list_dir(&d)?;
            if a.limit.is_some() {
                // quick runs: the first two training sessions per user
                files.truncate(2);
            }
            users.push((name, files));
        }
    }
    if users.is_empty() {
        return Err(UsageError(format!(
            "{} holds no user folders",
            train_dir.display()
        )));
    }
    let mut tests: Vec<(String, PathBuf, bool)> = Vec::new();
    for d in list_dir(&test_dir)? {
        if !d.is_dir() {
            continue;
        }
        let user = d
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let mut taken = 0;
        for f in list_dir(&d)? {
            let name = f
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            if let Some(l) = labels.get(&name) {
                if a.limit.is_some_and(|n| taken >= n) {
                    break;
                }
                taken += 1;
                tests.push((user.clone(), f, *l));
            }
        }
    }
    if tests.is_empty() {
        return Err(UsageError(format!(
            "no labelled test sessions under {}",
            test_dir.display()
        )));
    }
    let threads = a.threads.max(1);
    // Load and window the training sessions in parallel.
    let mut progress = Progress::new("mouse: training windows", users.len());
    let loaded: Vec<(Vec<MouseWindow>, usize)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let users = &users;
                let cfg = &cfg;
                s.spawn(move || {
                    users
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % threads == t)
                        .map(|(i, (_, files))| {
                            let mut ws = Vec::new();
                            let mut sk = 0;
                            for f in files {
                                match parse_session(f) {
                                    Ok((ev, s)) => {
                                        sk += s;
                                        ws.extend(session_windows(&ev, cfg));
                                    }
                                    Err(e) => {
                                        eprintln!("behavior-eval: skipping {e}");
                                        sk += 1;
                                    }
                                }
                            }
                            (i, (ws, sk))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, (Vec<MouseWindow>, usize))> = hs
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        all.sort_by_key(|x| x.0);
        all.into_iter().map(|x| x.1).collect()
    });
    progress.update(users.len());
    let mut train_windows: Vec<Vec<MouseWindow>> = Vec::new();
    for (ws, sk) in loaded {
        skipped += sk;
        train_windows.push(ws);
    }
    let tagged: Vec<(u64, Vec<MouseWindow>)> = train_windows
        .iter()
        .enumerate()
        .map(|(i, w)| (i as u64 + 1, w.clone()))
        .collect();
    let global = GlobalModel::train(&[], &tagged, &cfg)
        .map_err(|e| UsageError(format!("global model training failed: {e}")))?;
    // Profiles: enroll every training window, then train the per-user models (in parallel).
    let mut progress = Progress::new("mouse: per-user models", users.len());
    let built: Vec<Result<(String, UserProfiles), String>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let (users, train_windows, cfg, global) = (&users, &train_windows, &cfg, &global);
                s.spawn(move || {
                    users
                        .iter()
                        .zip(train_windows)
                        .enumerate()
                        .filter(|(i, _)| i % threads == t)
                        .map(|(i, ((name, _), ws))| {
                            let mut p = UserProfiles::for_user(cfg, i as u64 + 1);
                            for w in ws {
                                p.mouse.add(w);
                            }
                            if p.mouse_model_stale() {
                                p.train_mouse_model(global)
                                    .map_err(|e| format!("{name}: {e}"))?;
                            }
                            Ok((name.clone(), p))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    progress.update(users.len());
    let mut profiles: HashMap<String, UserProfiles> = HashMap::new();
    for b in built {
        match b {
            Ok((n, p)) => {
                profiles.insert(n, p);
            }
            Err(e) => eprintln!("behavior-eval: per-user mouse model not trained: {e}"),
        }
    }
    let train_s = start.elapsed().as_secs_f64();
    if std::env::var("MDEBUG").is_ok() {
        for (n, p) in &profiles {
            eprintln!(
                "DBG size profile {n}: {} bytes",
                p.to_json().map(|j| j.len()).unwrap_or(0)
            );
        }
        eprintln!(
            "DBG size global: {} bytes",
            global.to_json().map(|j| j.len()).unwrap_or(0)
        );
    }
    let progress = std::sync::Mutex::new(Progress::new("mouse: test sessions", tests.len()));
    let done = std::sync::atomic::AtomicUsize::new(0);
    type Scored = (String, bool, f64, Vec<f64>, usize, bool);
    let scored: Vec<Scored> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let (tests, profiles, global, cfg, progress, done) =
                    (&tests, &profiles, &global, &cfg, &progress, &done);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (user, path, illegal) in tests.iter().skip(t).step_by(threads) {
                        let (ev, sk) = match parse_session(path) {
                            Ok(x) => x,
                            Err(e) => {
                                eprintln!("behavior-eval: skipping {e}");
                                (Vec::new(), 1)
                            }
                        };
                        let ts = TestSession {
                            user: user.clone(),
                            illegal: *illegal,
                            events: ev,
                        };
                        let Some(base) = profiles.get(&ts.user) else {
                            continue;
                        };
                        let mut prof = base.clone();
                        let mut scorer = SessionScorer::new(cfg.clone());
                        let mut scores = Vec::new();
                        let mut weights = Vec::new();
                        let mut blocked = false;
                        for b in batches(&ts.events) {
                            for r in scorer.process(b, &mut prof, Some(global)) {
                                blocked |= r.decision == behavior_ml::Decision::Block;
                                if let Some(sc) = r.score {
                                    scores.push(sc);
                                    weights.push(f64::from(r.size));
                                }
                            }
                        }
                        for r in scorer.flush(&mut prof, Some(global)) {
                            blocked |= r.decision == behavior_ml::Decision::Block;
                            if let Some(sc) = r.score {
                                scores.push(sc);
                                weights.push(f64::from(r.size));
                            }
                        }
                        let wsum: f64 = weights.iter().sum();
                        let session_score = if wsum > 0.0 {
                            scores.iter().zip(&weights).map(|(s, w)| s * w).sum::<f64>() / wsum
                        } else {
                            0.5
                        };
                        // Timing of the pure scoring call, window by window.
                        let mut times = Vec::new();
                        for w in session_windows(&ts.events, cfg) {
                            times.push(crate::report::time_us(|| {
                                std::hint::black_box(score_mouse(
                                    &base.mouse,
                                    Some(global),
                                    &w,
                                    cfg,
                                ));
                            }));
                        }
                        if std::env::var("MDEBUG").is_ok() {
                            let pop = global.mouse_population.as_ref();
                            let (mut a, mut b, mut c, mut n) = (0.0, 0.0, 0.0, 0.0);
                            for w in session_windows(&ts.events, cfg) {
                                let cmp =
                                    behavior_ml::mouse_profile::compare_mouse(&base.mouse, pop, &w);
                                let m = w.actions.len() as f64;
                                a += m * base.mouse.profile_score(cmp.distance).unwrap_or(0.5);
                                b += m * global.mouse.as_ref().map_or(0.5, |g| g.prob(&cmp.vector));
                                c += m * cmp.vector[16..32].iter().sum::<f64>();
                                n += m;
                            }
                            eprintln!(
                                "DBG2 {} {} {:.4} {:.4} {:.4} {:.4}",
                                ts.user,
                                u8::from(ts.illegal),
                                session_score,
                                a / n.max(1.0),
                                b / n.max(1.0),
                                c / n.max(1.0)
                            );
                        }
                        out.push((ts.user, ts.illegal, session_score, times, sk, blocked));
                        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        if let Ok(mut p) = progress.lock() {
                            p.update(d);
                        }
                    }
                    out
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let gen: Vec<f64> = scored.iter().filter(|s| !s.1).map(|s| s.2).collect();
    let imp: Vec<f64> = scored.iter().filter(|s| s.1).map(|s| s.2).collect();
    let (eer, auc, curve) = roc(&gen, &imp);
    let mut per_user: Vec<(String, f64)> = Vec::new();
    let mut names: Vec<&String> = scored.iter().map(|s| &s.0).collect();
    names.sort();
    names.dedup();
    for n in names {
        let g: Vec<f64> = scored
            .iter()
            .filter(|s| &s.0 == n && !s.1)
            .map(|s| s.2)
            .collect();
        let i: Vec<f64> = scored
            .iter()
            .filter(|s| &s.0 == n && s.1)
            .map(|s| s.2)
            .collect();
        if !g.is_empty() && !i.is_empty() {
            per_user.push((n.clone(), roc(&g, &i).1));
        }
    }
    let mean_user_auc = if per_user.is_empty() {
        f64::NAN
    } else {
        per_user.iter().map(|x| x.1).sum::<f64>() / per_user.len() as f64
    };
    skipped += scored.iter().map(|s| s.4).sum::<usize>();
    let mut times: Vec<f64> = scored.iter().flat_map(|s| s.3.iter().copied()).collect();
    let (p50, p99) = (percentile(&mut times, 0.5), percentile(&mut times, 0.99));
    let rate = |illegal: bool| {
        let n = scored.iter().filter(|s| s.1 == illegal).count();
        let b = scored.iter().filter(|s| s.1 == illegal && s.5).count();
        if n > 0 {
            b as f64 / n as f64
        } else {
            f64::NAN
        }
    };
    let (owner_blocked, intruder_blocked) = (rate(false), rate(true));
    let seconds = start.elapsed().as_secs_f64();
    let j = json!({
        "protocol": "balabit-mouse",
        "sessions": scored.len(),
        "auc": r4(auc),
        "mean_user_auc": r4(mean_user_auc),
        "eer": r4(eer),
        "score_us_p50": r4(p50),
        "score_us_p99": r4(p99),
        "seconds": (seconds * 10.0).round() / 10.0,
        "train_seconds": (train_s * 10.0).round() / 10.0,
        "per_user_auc": per_user.iter().map(|(n, a)| (n.clone(), r4(*a))).collect::<HashMap<_, _>>(),
        "windows_scored": times.len(),
        "continuous": {
            "owner_sessions_blocked_rate": r4(owner_blocked),
            "intruder_sessions_blocked_rate": r4(intruder_blocked),
        },
        "skipped_rows": skipped,
    });
    let text = format!(
        "Balabit mouse protocol on {} ({} labelled test sessions: {} owner, {} intruder)\n\
         AUC (all sessions pooled): {:.4}\nmean per-user AUC:         {:.4}\nEER:                       {:.4}\n\
         per-user AUC: {}\ncontinuous: owner sessions blocked {:.1}%, intruder sessions blocked {:.1}%\nscoring one window: p50 {:.1} µs, p99 {:.1} µs ({} windows)\nskipped rows: {}\ntime: {:.1} s (training {:.1} s)",
        a.data.display(),
        scored.len(),
        gen.len(),
        imp.len(),
        auc,
        mean_user_auc,
        eer,
        per_user
            .iter()
            .map(|(n, a)| format!("{n} {a:.3}"))
            .collect::<Vec<_>>()
            .join(", "),
        owner_blocked * 100.0,
        intruder_blocked * 100.0,
        p50,
        p99,
        times.len(),
        skipped,
        seconds,
        train_s
    );
    Ok((j.to_string(), text, thin(curve, 400)))
}
