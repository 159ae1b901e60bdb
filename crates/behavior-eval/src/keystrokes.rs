//! The "136M Keystrokes" protocol (see `docs/behavior.md`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use behavior_ml::stats::roc;
use behavior_ml::{
    js_keycode_to_code, score_keystroke, Config, Decision, Event, GlobalModel, KeystrokeWindow,
    SessionScorer, UserProfiles,
};
use serde_json::json;

use crate::report::{percentile, r4, thin, Progress};
use crate::{Args, Outcome, UsageError};

/// One participant: sentences as raw event batches, in file order.
pub struct Participant {
    /// One event batch per sentence (keydown/keyup sorted by time).
    pub sentences: Vec<Vec<Event>>,
    /// The same sentences as a naive replay client sends them: each keystroke's keydown then
    /// its keyup, in press order (the fresh-installation view uses these, like the server's
    /// replay test).
    pub sentences_naive: Vec<Vec<Event>>,
}

/// Parse one `<id>_keystrokes.txt` file. Returns the participant and the number of skipped
/// malformed rows.
pub fn parse_file(path: &Path) -> Result<(Participant, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
    let cols: Vec<&str> = header.split('\t').collect();
    let find = |name: &str| cols.iter().position(|c| c.trim() == name);
    let (Some(c_sec), Some(c_press), Some(c_rel), Some(c_code)) = (
        find("TEST_SECTION_ID"),
        find("PRESS_TIME"),
        find("RELEASE_TIME"),
        find("KEYCODE"),
    ) else {
        return Err(format!("{}: missing header columns", path.display()));
    };
    let mut skipped = 0;
    type Rows = Vec<(f64, f64, u32)>;
    let mut sections: Vec<(String, Rows)> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != cols.len() {
            skipped += 1;
            continue;
        }
        let get = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
        let (Ok(p), Ok(r), Ok(k)) = (
            get(c_press).parse::<f64>(),
            get(c_rel).parse::<f64>(),
            get(c_code).parse::<u32>(),
        ) else {
            skipped += 1;
            continue;
        };
        if !p.is_finite() || !r.is_finite() {
            skipped += 1;
            continue;
        }
        let sec = get(c_sec).to_string();
        match sections.last_mut() {
            Some((s, v)) if *s == sec => v.push((p, r, k)),
            _ => sections.push((sec, vec![(p, r, k)])),
        }
    }
    let sentences_naive: Vec<Vec<Event>> = sections
        .into_iter()
        .map(|(_, mut ks)| {
            ks.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut ev: Vec<Event> = Vec::with_capacity(ks.len() * 2);
            for (p, r, k) in ks {
                let code = Some(js_keycode_to_code(k).unwrap_or("Unidentified").to_string());
                ev.push(Event::Keydown {
                    t: p,
                    code: code.clone(),
                });
                ev.push(Event::Keyup { t: r, code });
            }
            ev
        })
        .collect();
    let sentences = sentences_naive
        .iter()
        .map(|ev| {
            let mut ev = ev.clone();
            ev.sort_by(|a, b| a.t().total_cmp(&b.t()));
            ev
        })
        .collect();
    Ok((
        Participant {
            sentences,
            sentences_naive,
        },
        skipped,
    ))
}

/// Load every `*_keystrokes.txt` of a directory (in name order).
pub fn load_dir(
    dir: &Path,
    limit: Option<usize>,
    threads: usize,
) -> Result<(Vec<Participant>, usize), UsageError> {
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
    let chunks: Vec<&[PathBuf]> = files.chunks(files.len().div_ceil(threads.max(1))).collect();
    let results: Vec<Vec<Result<(Participant, usize), String>>> = std::thread::scope(|s| {
        let hs: Vec<_> = chunks
            .iter()
            .map(|c| s.spawn(move || c.iter().map(|p| parse_file(p)).collect::<Vec<_>>()))
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut bad_files = 0;
    for r in results.into_iter().flatten() {
        match r {
            Ok((p, s)) => {
                skipped += s;
                out.push(p);
            }
            Err(e) => {
                eprintln!("behavior-eval: skipping file: {e}");
                bad_files += 1;
            }
        }
    }
    if out.is_empty() {
        return Err(UsageError(format!(
            "no readable keystroke files in {}",
            dir.display()
        )));
    }
    Ok((out, skipped + bad_files))
}

/// One window per sentence (the protocol's window), through the server's feature code.
fn sentence_windows(p: &Participant, cfg: &Config) -> Vec<Option<KeystrokeWindow>> {
    let min_keys = (cfg.keystroke_min_window / 2) as usize;
    p.sentences
        .iter()
        .map(|ev| KeystrokeWindow::from_events(ev, min_keys))
        .collect()
}

struct UserResult {
    eer: f64,
    genuine: Vec<f64>,
    impostor: Vec<f64>,
    times_us: Vec<f64>,
    owner_blocked: bool,
    owner_challenged: bool,
    enroll_blocked: bool,
    enroll_keys: Option<u32>,
    owner_keys_before_block: Option<u32>,
    impostor_keys_to_block: Option<u32>,
    impostor_keys_total: u32,
    live: LiveResult,
}

/// The fresh-installation view: no global model, the server's enrollment rule, one typed
/// sentence per message (as the server's replay test sends them).
#[derive(Default)]
struct LiveResult {
    /// Message (sentence) after which the profile was trained.
    trained_after: Option<usize>,
    owner_blocked: bool,
    owner_challenged: bool,
    /// Intruder sentences sent until the block (at most `LIVE_INTRUDER_SENTENCES`).
    intruder_blocked_after: Option<usize>,
    intruder_keys_to_block: Option<u32>,
}

/// Intruder sentences typed in the fresh-installation view.
const LIVE_INTRUDER_SENTENCES: usize = 10;

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

/// Owner `i` enrolls live on a fresh installation (no global model) sentence by sentence, types
/// the rest of their sentences, then participant `i + 1` types up to 10 sentences.
fn live_profile_only(owner: &Participant, intruder: &Participant) -> LiveResult {
    let live = live_config();
    let mut out = LiveResult::default();
    let mut prof = UserProfiles::new(&live);
    let mut scorer = SessionScorer::new(live);
    let mut trained = false;
    for (k, ev) in owner.sentences_naive.iter().enumerate() {
        for r in scorer.process(ev, &mut prof, None) {
            if trained {
                out.owner_challenged |= r.decision != Decision::None;
                out.owner_blocked |= r.decision == Decision::Block;
            }
            if !trained && r.profile_state == behavior_ml::ProfileState::Trained {
                trained = true;
                out.trained_after = Some(k + 1);
            }
        }
        if out.owner_blocked {
            return out;
        }
    }
    let mut keys = 0u32;
    let n = intruder.sentences_naive.len().min(LIVE_INTRUDER_SENTENCES);
    for (k, ev) in intruder.sentences_naive.iter().take(n).enumerate() {
        let mut rs = scorer.process(ev, &mut prof, None);
        if k + 1 == n {
            // silence after the last sentence: the idle timer closes its window
            rs.extend(scorer.idle(&mut prof, None));
        }
        for r in rs {
            keys += r.size;
            if r.decision == Decision::Block && out.intruder_blocked_after.is_none() {
                out.intruder_blocked_after = Some(k + 1);
                out.intruder_keys_to_block = Some(keys);
            }
        }
        if out.intruder_blocked_after.is_some() {
            break;
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn eval_user(
    i: usize,
    parts: &[Participant],
    windows: &[Vec<Option<KeystrokeWindow>>],
    last: &[Option<KeystrokeWindow>],
    global: Option<&GlobalModel>,
    enroll: usize,
    cfg: &Config,
) -> Option<UserResult> {
    let ws = windows.get(i)?;
    let enrolled: Vec<&KeystrokeWindow> = ws.iter().take(enroll).flatten().collect();
    if ws.len() <= enroll || enrolled.len() < 2 {
        return None;
    }
    let mut profiles = UserProfiles::new(cfg);
    profiles.keystroke.required = u32::try_from(enrolled.len()).unwrap_or(u32::MAX).max(2);
    for w in &enrolled {
        profiles.keystroke.add(w);
    }
    let mut times = Vec::new();
    let mut score = |w: &KeystrokeWindow| {
        let s = score_keystroke(&profiles.keystroke, global, w, cfg);
        times.push(crate::report::time_us(|| {
            std::hint::black_box(score_keystroke(&profiles.keystroke, global, w, cfg));
        }));
        s.score.unwrap_or(0.5)
    };
    let genuine: Vec<f64> = ws.iter().skip(enroll).flatten().map(&mut score).collect();
    let impostor: Vec<f64> = last
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .filter_map(|(_, w)| w.as_ref())
        .map(&mut score)
        .collect();
    if genuine.is_empty() || impostor.is_empty() {
        return None;
    }
    let (eer, _, _) = roc(&genuine, &impostor);

    let live = live_profile_only(parts.get(i)?, parts.get((i + 1) % parts.len())?);

    // Enrollment through the live path, with the server's own rule: an empty profile, the
    // global model scoring the enrolling owner. How many keystrokes until it is trained, and
    // is the owner ever blocked meanwhile?
    let mut enroll_blocked = false;
    let mut enroll_keys = None;
    {
        let live = live_config();
        let mut prof = UserProfiles::new(&live);
        let mut scorer = SessionScorer::new(live);
        let mut typed = 0u32;
        'enroll: for ev in &parts.get(i)?.sentences {
            for r in scorer.process(ev, &mut prof, global) {
                enroll_blocked |= r.decision == Decision::Block;
                typed += r.size;
                if r.profile_state == behavior_ml::ProfileState::Trained {
                    enroll_keys = Some(typed);
                    break 'enroll;
                }
            }
        }
    }

    // Continuous view: owner's remaining sentences, then an impostor's sentences.
    let owner = parts.get(i)?;
    let intruder = parts.get((i + 1) % parts.len())?;
    let mut prof = profiles.clone();
    let mut scorer = SessionScorer::new(cfg.clone());
    let mut owner_keys = 0u32;
    let mut owner_blocked = false;
    let mut owner_challenged = false;
    let mut owner_keys_before_block = None;
    for ev in owner.sentences.iter().skip(enroll) {
        for r in scorer.process(ev, &mut prof, global) {
            owner_keys += r.size;
            if r.decision == Decision::Challenge {
                owner_challenged = true;
            }
            if r.decision == Decision::Block && !owner_blocked {
                owner_blocked = true;
                owner_keys_before_block = Some(owner_keys);
            }
        }
    }
    // the owner stops typing: the pending keys form the owner's last window
    for r in scorer.flush(&mut prof, global) {
        owner_keys += r.size;
        if r.decision == Decision::Block && !owner_blocked {
            owner_blocked = true;
            owner_keys_before_block = Some(owner_keys);
        }
    }
    if owner_blocked {
        // the intruder part starts a fresh session on the owner's account
        scorer = SessionScorer::new(cfg.clone());
        prof = profiles.clone();
    }
    let mut imp_keys = 0u32;
    let mut imp_block = None;
    'outer: for ev in &intruder.sentences {
        for r in scorer.process(ev, &mut prof, global) {
            imp_keys += r.size;
            if r.decision == Decision::Block {
                imp_block = Some(imp_keys);
                break 'outer;
            }
        }
    }
    if imp_block.is_none() {
        for r in scorer.flush(&mut prof, global) {
            imp_keys += r.size;
            if r.decision == Decision::Block && imp_block.is_none() {
                imp_block = Some(imp_keys);
            }
        }
    }
    Some(UserResult {
        eer,
        genuine,
        impostor,
        times_us: times,
        owner_blocked,
        owner_challenged,
        enroll_blocked,
        enroll_keys,
        owner_keys_before_block,
        impostor_keys_to_block: imp_block,
        impostor_keys_total: imp_keys,
        live,
    })
}

fn train_global(
    windows: &[Vec<Option<KeystrokeWindow>>],
    idx: &[usize],
    cfg: &Config,
) -> Option<GlobalModel> {
    let users: Vec<Vec<KeystrokeWindow>> = idx
        .iter()
        .filter_map(|i| windows.get(*i))
        .map(|ws| ws.iter().flatten().cloned().collect())
        .collect();
    match GlobalModel::train(&users, &[], cfg) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("behavior-eval: no global model ({e}); scoring with profiles only");
            None
        }
    }
}

/// Run the protocol; returns (json, text, roc curve).
pub fn run(a: &Args) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    // The server's defaults; only the enrollment follows the protocol: exactly `--enroll`
    // sentences (the server's own rule, ≥ 300 keystrokes in ≥ 5 windows or 8 windows, is measured
    // separately by `enrolled_within_enroll_sentences_rate`).
    let enroll_windows = u32::try_from(a.enroll).unwrap_or(u32::MAX);
    let cfg = Config {
        keystroke_enroll_windows: enroll_windows,
        keystroke_enroll_keys: 0,
        pair_profile_windows: enroll_windows,
        ..live_config()
    };
    let (parts, mut skipped) = load_dir(&a.data, a.limit, a.threads)?;
    let windows: Vec<Vec<Option<KeystrokeWindow>>> =
        parts.iter().map(|p| sentence_windows(p, &cfg)).collect();
    let last: Vec<Option<KeystrokeWindow>> = windows
        .iter()
        .map(|ws| ws.last().cloned().flatten())
        .collect();
    let n = parts.len();
    // Global models: background directory, or two halves of DIR.
    let mut assignments: Vec<(Vec<usize>, Option<GlobalModel>)> = Vec::new();
    if let Some(bg) = &a.background {
        let (bparts, bs) = load_dir(bg, None, a.threads)?;
        skipped += bs;
        let bwin: Vec<Vec<Option<KeystrokeWindow>>> =
            bparts.iter().map(|p| sentence_windows(p, &cfg)).collect();
        let all: Vec<usize> = (0..bwin.len()).collect();
        let g = train_global(&bwin, &all, &cfg);
        assignments.push(((0..n).collect(), g));
    } else {
        let half_a: Vec<usize> = (0..n).filter(|i| i % 2 == 0).collect();
        let half_b: Vec<usize> = (0..n).filter(|i| i % 2 == 1).collect();
        let ga = train_global(&windows, &half_a, &cfg);
        let gb = train_global(&windows, &half_b, &cfg);
        assignments.push((half_b, ga));
        assignments.push((half_a, gb));
    }
    let train_s = start.elapsed().as_secs_f64();
    let mut jobs: Vec<(usize, Option<&GlobalModel>)> = Vec::new();
    for (users, g) in &assignments {
        for u in users {
            jobs.push((*u, g.as_ref()));
        }
    }
    jobs.sort_by_key(|j| j.0);
    let progress = std::sync::Mutex::new(Progress::new("keystrokes", jobs.len()));
    let done = std::sync::atomic::AtomicUsize::new(0);
    let threads = a.threads.max(1);
    let results: Vec<Option<UserResult>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let jobs = &jobs;
                let (parts, windows, last, cfg, progress, done) =
                    (&parts, &windows, &last, &cfg, &progress, &done);
                s.spawn(move || {
                    jobs.iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|(u, g)| {
                            let r = eval_user(*u, parts, windows, last, *g, a.enroll, cfg);
                            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                            if let Ok(mut p) = progress.lock() {
                                p.update(d);
                            }
                            r
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let res: Vec<UserResult> = results.into_iter().flatten().collect();
    if res.is_empty() {
        return Err(UsageError(format!(
            "no participant in {} has more than {} sentences",
            a.data.display(),
            a.enroll
        )));
    }
    let users = res.len();
    let mean_eer = res.iter().map(|r| r.eer).sum::<f64>() / users as f64;
    let gen: Vec<f64> = res.iter().flat_map(|r| r.genuine.iter().copied()).collect();
    let imp: Vec<f64> = res
        .iter()
        .flat_map(|r| r.impostor.iter().copied())
        .collect();
    let (global_eer, global_auc, curve) = roc(&gen, &imp);
    let mut times: Vec<f64> = res
        .iter()
        .flat_map(|r| r.times_us.iter().copied())
        .collect();
    let p50 = percentile(&mut times, 0.5);
    let p99 = percentile(&mut times, 0.99);
    let blocked = res.iter().filter(|r| r.owner_blocked).count();
    let owner_blocked_rate = blocked as f64 / users as f64;
    let anga: Vec<f64> = res
        .iter()
        .filter_map(|r| r.owner_keys_before_block.map(f64::from))
        .collect();
    let anga_mean = (!anga.is_empty()).then(|| anga.iter().sum::<f64>() / anga.len() as f64);
    // ANIA: impostor keystrokes before the block; sessions never blocked count all their
    // keystrokes (a lower bound of the true figure).
    let mut ania: Vec<f64> = res
        .iter()
        .map(|r| f64::from(r.impostor_keys_to_block.unwrap_or(r.impostor_keys_total)))
        .collect();
    let ania_mean = ania.iter().sum::<f64>() / users as f64;
    let ania_median = percentile(&mut ania, 0.5);
    let not_blocked = res
        .iter()
        .filter(|r| r.impostor_keys_to_block.is_none())
        .count();
    // keystrokes typed until enrollment completed (never completed counts as all typed)
    let mut ek: Vec<f64> = res
        .iter()
        .map(|r| r.enroll_keys.map_or(f64::INFINITY, f64::from))
        .collect();
    let enroll_median = percentile(&mut ek, 0.5);
    let enroll_p90 = percentile(&mut ek, 0.9);
    let (enroll_median, enroll_p90) = (
        enroll_median.is_finite().then_some(enroll_median),
        enroll_p90.is_finite().then_some(enroll_p90),
    );
    // Fresh installation: profile only, live enrollment, one sentence per message.
    let lv: Vec<&LiveResult> = res.iter().map(|r| &r.live).collect();
    let rate = |k: usize| r4(k as f64 / users as f64);
    let live_trained = lv.iter().filter(|l| l.trained_after.is_some()).count();
    let live_trained_10 = lv
        .iter()
        .filter(|l| l.trained_after.is_some_and(|k| k <= 10))
        .count();
    let live_owner_blocked = lv.iter().filter(|l| l.owner_blocked).count();
    let live_owner_challenged = lv.iter().filter(|l| l.owner_challenged).count();
    // intruders of owners who were trained and not blocked
    let live_pairs: Vec<&&LiveResult> = lv
        .iter()
        .filter(|l| l.trained_after.is_some() && !l.owner_blocked)
        .collect();
    let live_blocked = live_pairs
        .iter()
        .filter(|l| l.intruder_blocked_after.is_some())
        .count();
    let live_blocked_3 = live_pairs
        .iter()
        .filter(|l| l.intruder_blocked_after.is_some_and(|k| k <= 3))
        .count();
    let mut live_sent: Vec<f64> = live_pairs
        .iter()
        .filter_map(|l| l.intruder_blocked_after.map(|k| k as f64))
        .collect();
    let mut live_keys: Vec<f64> = live_pairs
        .iter()
        .filter_map(|l| l.intruder_keys_to_block.map(f64::from))
        .collect();
    let live_n = live_pairs.len().max(1) as f64;
    let live_sent_median = (!live_sent.is_empty()).then(|| percentile(&mut live_sent, 0.5));
    let live_keys_median = (!live_keys.is_empty()).then(|| percentile(&mut live_keys, 0.5));
    let live_json = json!({
        "trained_rate": rate(live_trained),
        "trained_within_10_sentences_rate": rate(live_trained_10),
        "owner_blocked_rate": rate(live_owner_blocked),
        "owner_challenged_rate": rate(live_owner_challenged),
        "intruders_blocked_rate": r4(live_blocked as f64 / live_n),
        "intruders_blocked_within_3_sentences_rate": r4(live_blocked_3 as f64 / live_n),
        "median_sentences_to_block": live_sent_median,
        "median_keystrokes_to_block": live_keys_median,
    });
    let seconds = start.elapsed().as_secs_f64();
    let j = json!({
        "protocol": "aalto-keystrokes",
        "users": users,
        "enroll": a.enroll,
        "mean_user_eer": r4(mean_eer),
        "global_eer": r4(global_eer),
        "global_auc": r4(global_auc),
        "continuous": {
            "owner_blocked_rate": r4(owner_blocked_rate),
            "enrollment_keystrokes_median": enroll_median,
            "enrollment_keystrokes_p90": enroll_p90,
            "enrolled_within_500_keystrokes_rate": r4(res.iter().filter(|r| r.enroll_keys.is_some_and(|k| k <= 500)).count() as f64 / users as f64),
            "owner_blocked_while_enrolling_rate": r4(res.iter().filter(|r| r.enroll_blocked).count() as f64 / users as f64),
            "owner_challenged_rate": r4(res.iter().filter(|r| r.owner_challenged || r.owner_blocked).count() as f64 / users as f64),
            "ania_keystrokes": ania_mean.round(),
            "ania_median_keystrokes": ania_median.round(),
            "intruders_not_blocked_rate": r4(not_blocked as f64 / users as f64),
            "anga_keystrokes": anga_mean.map(f64::round),
        },
        "continuous_profile_only": live_json,
        "score_us_p50": r4(p50),
        "score_us_p99": r4(p99),
        "seconds": (seconds * 10.0).round() / 10.0,
        "train_seconds": (train_s * 10.0).round() / 10.0,
        "participants": n,
        "skipped_rows": skipped,
        "global_model": if assignments.iter().any(|(_, g)| g.is_none()) {
            "none (too few participants)"
        } else if a.background.is_some() {
            "background"
        } else {
            "two-fold halves"
        },
    });
    let text = format!(
        "136M keystrokes protocol on {} ({} participants evaluated, {} enrollment sentences)\n\
         mean per-user EER: {:.4}\nglobal EER:        {:.4} (AUC {:.4})\n\
         continuous: owners wrongly blocked {:.2}%, intruder keystrokes before block: mean {:.0}, median {:.0} ({} of {} intruders never blocked), ANGA {}\n\
         live enrollment: median {} keystrokes (p90 {}), {:.1}% within 500, owners blocked while enrolling {:.2}%\n\
         profile only (fresh installation, no global model, live enrollment, 10 intruder sentences): trained within 10 sentences {:.1}%, \
         owners blocked {:.2}% (challenged {:.2}%), intruders blocked {:.1}% ({:.1}% within 3 sentences), median {} sentences / {} keystrokes\n\
         scoring one window: p50 {:.1} µs, p99 {:.1} µs\nskipped rows: {}\ntime: {:.1} s (global training {:.1} s)",
        a.data.display(),
        users,
        a.enroll,
        mean_eer,
        global_eer,
        global_auc,
        owner_blocked_rate * 100.0,
        ania_mean,
        ania_median,
        not_blocked,
        users,
        anga_mean.map_or("n/a".to_string(), |v| format!("{v:.0}")),
        enroll_median.map_or("n/a".to_string(), |v| format!("{v:.0}")),
        enroll_p90.map_or("n/a".to_string(), |v| format!("{v:.0}")),
        res.iter().filter(|r| r.enroll_keys.is_some_and(|k| k <= 500)).count() as f64 * 100.0
            / users as f64,
        res.iter().filter(|r| r.enroll_blocked).count() as f64 * 100.0 / users as f64,
        live_trained_10 as f64 * 100.0 / users as f64,
        live_owner_blocked as f64 * 100.0 / users as f64,
        live_owner_challenged as f64 * 100.0 / users as f64,
        live_blocked as f64 * 100.0 / live_n,
        live_blocked_3 as f64 * 100.0 / live_n,
        live_sent_median.map_or("n/a".to_string(), |v| format!("{v:.0}")),
        live_keys_median.map_or("n/a".to_string(), |v| format!("{v:.0}")),
        p50,
        p99,
        skipped,
        seconds,
        train_s
    );
    Ok((j.to_string(), text, thin(curve, 400)))
}
