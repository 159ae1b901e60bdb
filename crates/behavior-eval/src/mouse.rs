//! The Balabit mouse dynamics challenge protocol (see `docs/behavior.md`).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use behavior_ml::session::mouse_nonhuman_with;
use behavior_ml::stats::roc;
use behavior_ml::{
    score_mouse, Config, Decision, GlobalModel, MouseWindow, SessionScorer, UserProfiles,
    WindowResult,
};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::mouse_data::{
    batches, parse_or_skip, read_labels, session_windows, test_sessions, training_users,
    training_windows, Layout, TestSession,
};
use crate::report::{self, percentile, r4, rate, Progress, ThresholdRow};
use crate::{MouseArgs, Outcome, Scores, UsageError};

/// One scored test session.
pub struct ScoredSession {
    /// Account.
    pub user: String,
    /// Recorded by somebody else.
    pub illegal: bool,
    /// Anomaly score in [0, 1].
    pub score: f64,
    /// Time to score each window (µs).
    pub times_us: Vec<f64>,
    /// Skipped rows.
    pub skipped: usize,
    /// The session ended in a block.
    pub blocked: bool,
    /// The session saw a challenge (or a block).
    pub challenged: bool,
    /// Windows flagged as non-human.
    pub nonhuman: usize,
    /// Windows scored.
    pub windows: usize,
}

/// Enroll every training window of each user and train the per-user models (in parallel).
fn build_profiles(
    names: &[String],
    train: &[Vec<MouseWindow>],
    global: &GlobalModel,
    cfg: &Config,
) -> HashMap<String, UserProfiles> {
    let progress = Progress::shared("mouse: per-user models", names.len());
    names
        .par_iter()
        .zip(train)
        .enumerate()
        .filter_map(|(i, (name, ws))| {
            let mut p = UserProfiles::for_user(cfg, i as u64 + 1);
            for w in ws {
                p.mouse.add(w);
            }
            if p.mouse_model_stale() {
                if let Err(e) = p.train_mouse_model_with(global, cfg) {
                    eprintln!("behavior-eval: per-user mouse model not trained: {name}: {e}");
                    progress.tick();
                    return None;
                }
            }
            progress.tick();
            Some((name.clone(), p))
        })
        .collect()
}

/// Windows' scores and sizes of one replayed session, and whether it was challenged/blocked.
#[derive(Default)]
struct Replay {
    scores: Vec<(f64, f64)>,
    blocked: bool,
    challenged: bool,
}

impl Replay {
    fn absorb(&mut self, rs: Vec<WindowResult>) {
        for r in rs {
            self.blocked |= r.decision == Decision::Block;
            self.challenged |= r.decision != Decision::None;
            if let Some(sc) = r.score {
                self.scores.push((sc, f64::from(r.size)));
            }
        }
    }

    /// Action-weighted mean of the window scores (0.5 when nothing was scored).
    fn session_score(&self) -> f64 {
        let wsum: f64 = self.scores.iter().map(|s| s.1).sum();
        if wsum > 0.0 {
            self.scores.iter().map(|(s, w)| s * w).sum::<f64>() / wsum
        } else {
            0.5
        }
    }
}

fn score_session(
    t: &TestSession,
    base: &UserProfiles,
    global: &GlobalModel,
    cfg: &Config,
) -> ScoredSession {
    let (ev, skipped) = parse_or_skip(&t.path);
    let mut prof = base.clone();
    let mut scorer = SessionScorer::new(cfg.clone());
    let mut replay = Replay::default();
    for b in batches(&ev) {
        replay.absorb(scorer.process(b, &mut prof, Some(global)));
    }
    replay.absorb(scorer.flush(&mut prof, Some(global)));
    // Timing of the pure scoring call, window by window.
    let windows = session_windows(&ev, cfg);
    let times_us = windows
        .iter()
        .map(|w| {
            report::time_us(|| {
                std::hint::black_box(score_mouse(&base.mouse, Some(global), w, cfg));
            })
        })
        .collect();
    ScoredSession {
        user: t.user.clone(),
        illegal: t.illegal,
        score: replay.session_score(),
        times_us,
        skipped,
        blocked: replay.blocked,
        challenged: replay.challenged,
        nonhuman: windows
            .iter()
            .filter(|w| mouse_nonhuman_with(w, cfg).is_some())
            .count(),
        windows: windows.len(),
    }
}

/// Run the protocol.
pub fn run(a: &MouseArgs) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let cfg = report::live_config();
    let layout = Layout::of(&a.data)?;
    let (labels, mut skipped) = read_labels(&layout.labels)?;
    // quick runs: the first two training sessions per user
    let users = training_users(&layout.train, a.limit.map(|_| 2))?;
    let tests = test_sessions(&layout.test, &labels, a.limit)?;
    let (sessions, train_skipped) = training_windows(&users, &cfg);
    skipped += train_skipped;
    let train: Vec<Vec<MouseWindow>> = sessions.into_iter().map(|s| s.concat()).collect();
    let tagged: Vec<(u64, Vec<MouseWindow>)> = train
        .iter()
        .enumerate()
        .map(|(i, w)| (i as u64 + 1, w.clone()))
        .collect();
    let global = GlobalModel::train(&[], &tagged, &cfg)
        .map_err(|e| UsageError(format!("global model training failed: {e}")))?;
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let profiles = build_profiles(&names, &train, &global, &cfg);
    let train_s = start.elapsed().as_secs_f64();
    let progress = Progress::shared("mouse: test sessions", tests.len());
    let scored: Vec<ScoredSession> = tests
        .par_iter()
        .filter_map(|t| {
            let s = profiles
                .get(&t.user)
                .map(|base| score_session(t, base, &global, &cfg));
            progress.tick();
            s
        })
        .collect();
    skipped += scored.iter().map(|s| s.skipped).sum::<usize>();
    let summary = Summary::of(&scored, &cfg);
    let meta = Meta {
        data: a.data.display().to_string(),
        skipped,
        seconds: start.elapsed().as_secs_f64(),
        train_s,
    };
    Ok(Outcome {
        json: summary.json(&meta),
        text: summary.text(&meta),
        scores: Scores {
            genuine: summary.genuine.clone(),
            impostor: summary.impostor.clone(),
        },
        title: "Balabit labelled test sessions".into(),
    })
}

/// Facts about the run, for the output.
struct Meta {
    data: String,
    skipped: usize,
    seconds: f64,
    train_s: f64,
}

/// Figures of one account.
struct UserSummary {
    auc: f64,
    owner_sessions: usize,
    intruder_sessions: usize,
    owner_blocked: f64,
    intruder_blocked: f64,
}

/// Everything the protocol reports.
struct Summary {
    sessions: usize,
    genuine: Vec<f64>,
    impostor: Vec<f64>,
    auc: f64,
    eer: f64,
    per_user: BTreeMap<String, UserSummary>,
    mean_user_auc: f64,
    p50: f64,
    p99: f64,
    windows: usize,
    nonhuman: usize,
    owner_windows: usize,
    owner_blocked: f64,
    intruder_blocked: f64,
    thresholds: Vec<ThresholdRow>,
}

fn blocked_rate(s: &[&ScoredSession], illegal: bool) -> f64 {
    let of: Vec<&&ScoredSession> = s.iter().filter(|s| s.illegal == illegal).collect();
    rate(of.iter().filter(|s| s.blocked).count(), of.len())
}

fn challenged_rate(s: &[&ScoredSession], illegal: bool) -> f64 {
    let of: Vec<&&ScoredSession> = s.iter().filter(|s| s.illegal == illegal).collect();
    rate(of.iter().filter(|s| s.challenged).count(), of.len())
}

impl Summary {
    fn of(scored: &[ScoredSession], cfg: &Config) -> Summary {
        let all: Vec<&ScoredSession> = scored.iter().collect();
        let genuine: Vec<f64> = scored
            .iter()
            .filter(|s| !s.illegal)
            .map(|s| s.score)
            .collect();
        let impostor: Vec<f64> = scored
            .iter()
            .filter(|s| s.illegal)
            .map(|s| s.score)
            .collect();
        let (eer, auc, _) = roc(&genuine, &impostor);
        let mut per_user = BTreeMap::new();
        for s in scored {
            per_user.entry(s.user.clone()).or_insert_with(|| {
                let of: Vec<&ScoredSession> = scored.iter().filter(|x| x.user == s.user).collect();
                let g: Vec<f64> = of.iter().filter(|x| !x.illegal).map(|x| x.score).collect();
                let i: Vec<f64> = of.iter().filter(|x| x.illegal).map(|x| x.score).collect();
                UserSummary {
                    auc: roc(&g, &i).1,
                    owner_sessions: g.len(),
                    intruder_sessions: i.len(),
                    owner_blocked: blocked_rate(&of, false),
                    intruder_blocked: blocked_rate(&of, true),
                }
            });
        }
        let aucs: Vec<f64> = per_user
            .values()
            .map(|u| u.auc)
            .filter(|a| a.is_finite())
            .collect();
        let mut times: Vec<f64> = scored
            .iter()
            .flat_map(|s| s.times_us.iter().copied())
            .collect();
        let (owner_blocked, intruder_blocked) =
            (blocked_rate(&all, false), blocked_rate(&all, true));
        let mut thresholds = report::window_thresholds(&genuine, &impostor, cfg);
        thresholds.extend(report::session_thresholds(
            challenged_rate(&all, false),
            owner_blocked,
            1.0 - challenged_rate(&all, true),
            1.0 - intruder_blocked,
        ));
        Summary {
            sessions: scored.len(),
            auc,
            eer,
            mean_user_auc: report::mean(&aucs),
            p50: percentile(&mut times, 0.5),
            p99: percentile(&mut times, 0.99),
            windows: times.len(),
            nonhuman: scored
                .iter()
                .filter(|s| !s.illegal)
                .map(|s| s.nonhuman)
                .sum(),
            owner_windows: scored
                .iter()
                .filter(|s| !s.illegal)
                .map(|s| s.windows)
                .sum(),
            owner_blocked,
            intruder_blocked,
            thresholds,
            per_user,
            genuine,
            impostor,
        }
    }

    fn json(&self, m: &Meta) -> Value {
        json!({
            "protocol": "balabit-mouse",
            "sessions": self.sessions,
            "auc": r4(self.auc),
            "mean_user_auc": r4(self.mean_user_auc),
            "eer": r4(self.eer),
            "score_us_p50": r4(self.p50),
            "score_us_p99": r4(self.p99),
            "seconds": (m.seconds * 10.0).round() / 10.0,
            "train_seconds": (m.train_s * 10.0).round() / 10.0,
            "per_user_auc": self.per_user.iter().map(|(n, u)| (n.clone(), r4(u.auc))).collect::<BTreeMap<_, _>>(),
            "per_user": self.per_user.iter().map(|(n, u)| json!({
                "user": n, "auc": r4(u.auc), "owner_sessions": u.owner_sessions,
                "intruder_sessions": u.intruder_sessions,
                "owner_sessions_blocked_rate": r4(u.owner_blocked),
                "intruder_sessions_blocked_rate": r4(u.intruder_blocked),
            })).collect::<Vec<_>>(),
            "windows_scored": self.windows,
            "continuous": {
                "owner_sessions_blocked_rate": r4(self.owner_blocked),
                "intruder_sessions_blocked_rate": r4(self.intruder_blocked),
            },
            "thresholds": report::thresholds_json(&self.thresholds),
            "nonhuman_owner_windows": self.nonhuman,
            "nonhuman_false_flag_rate": r4(rate(self.nonhuman, self.owner_windows)),
            "skipped_rows": m.skipped,
        })
    }

    fn text(&self, m: &Meta) -> String {
        let per_user = self
            .per_user
            .iter()
            .map(|(n, u)| format!("{n} {:.3}", u.auc))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "Balabit mouse protocol on {} ({} labelled test sessions: {} owner, {} intruder)\n\
             AUC (all sessions pooled): {:.4}\nmean per-user AUC:         {:.4}\nEER:                       {:.4}\n\
             per-user AUC: {per_user}\n\
             continuous: owner sessions blocked {:.1}%, intruder sessions blocked {:.1}%\n\
             non-human input flagged in owner sessions: {} of {} windows\n\
             scoring one window: p50 {:.1} µs, p99 {:.1} µs ({} windows)\nskipped rows: {}\n\
             time: {:.1} s (training {:.1} s)\n\n{}\n{}",
            m.data,
            self.sessions,
            self.genuine.len(),
            self.impostor.len(),
            self.auc,
            self.mean_user_auc,
            self.eer,
            self.owner_blocked * 100.0,
            self.intruder_blocked * 100.0,
            self.nonhuman,
            self.owner_windows,
            self.p50,
            self.p99,
            self.windows,
            m.skipped,
            m.seconds,
            m.train_s,
            report::thresholds_text(&self.thresholds),
            report::LEGEND,
        )
    }
}
