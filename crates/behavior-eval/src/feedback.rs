//! Analyst feedback (issue 12): when an analyst answers an owner's false alarm with the
//! verdict `owner`, the session's stored windows are learnt into the owner's profile
//! ([`UserProfiles::learn_confirmed`], what the server's feedback path calls). Does that
//! lower the owner's *later* false-alarm rate, and what does it do to intruders?
//!
//! Per owner, two arms replay the same windows in the same order through the live scorer
//! (`SessionScorer::process_window`, so low-risk windows are learnt as usual in both):
//! without feedback, and with every alarm (a challenge or a block decision) answered
//! `owner` right away. The owner answers each challenge (the evidence is reset) and a block
//! starts a new session, in both arms. "Later" windows are those after the owner's first
//! alarm: the arms are identical up to it, so they are compared on the very same windows.
//! Intruders are measured against each arm's final profile: the next participant typing a
//! session on the owner's account, and every other participant's probe window.

use behavior_ml::{
    score_keystroke, Config, Decision, FeatureWindow, GlobalModel, KeystrokeWindow, Level,
    MouseWindow, SessionScorer, UserProfiles,
};
use std::time::Instant;

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::keystrokes::{enrolled_profile, Prepared, Protocol};
use crate::mouse_lou::{enroll, global_without, load_users, UserData};
use crate::report::{live_config, r4, rate, Progress};
use crate::{KeystrokeArgs, MouseArgs, Outcome, Scores, UsageError};

/// What one replay of an owner's windows gave.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    /// Per window: (raised an alarm, level medium or high).
    pub windows: Vec<(bool, bool)>,
    /// Windows learnt through feedback.
    pub learnt: usize,
}

impl Replay {
    /// Index of the first alarm.
    pub fn first_alarm(&self) -> Option<usize> {
        self.windows.iter().position(|w| w.0)
    }
}

/// Replays the owner's sessions in order (a new session after a block, too). With
/// `feedback`, each alarm makes the profile learn the session's windows so far (those learnt
/// already are skipped by `learn_confirmed`). A stale per-user mouse model is retrained as the
/// server does, in both arms.
pub fn replay_owner(
    sessions: &[Vec<FeatureWindow>],
    profiles: &mut UserProfiles,
    global: Option<&GlobalModel>,
    cfg: &Config,
    feedback: bool,
) -> Replay {
    let mut out = Replay::default();
    for ws in sessions {
        let mut scorer = SessionScorer::new(cfg.clone());
        let mut session: Vec<&FeatureWindow> = Vec::new();
        for w in ws {
            session.push(w);
            let Some(r) = scorer.process_window(w.clone(), profiles, global) else {
                out.windows.push((false, false));
                continue;
            };
            retrain_if_stale(profiles, global, cfg);
            let alarm = r.decision != Decision::None;
            out.windows.push((alarm, r.level >= Level::Medium));
            if !alarm {
                continue;
            }
            if feedback {
                out.learnt += session
                    .iter()
                    .filter(|s| profiles.learn_confirmed(s, cfg))
                    .count();
                retrain_if_stale(profiles, global, cfg);
            }
            if r.decision == Decision::Block {
                scorer = SessionScorer::new(cfg.clone());
                session.clear();
            } else {
                scorer.challenge_passed();
            }
        }
    }
    out
}

fn retrain_if_stale(profiles: &mut UserProfiles, global: Option<&GlobalModel>, cfg: &Config) {
    if let Some(g) = global.filter(|_| profiles.mouse_model_stale()) {
        if let Err(e) = profiles.train_mouse_model_with(g, cfg) {
            eprintln!("behavior-eval: mouse model not retrained: {e}");
        }
    }
}

/// An intruder replaying `sessions` on the owner's account, each a new session: (sessions
/// blocked, windows, windows at level medium or high).
pub fn intruder_sessions(
    sessions: &[Vec<FeatureWindow>],
    profiles: &UserProfiles,
    global: Option<&GlobalModel>,
    cfg: &Config,
) -> (usize, usize, usize) {
    let (mut blocked, mut n, mut flagged) = (0, 0, 0);
    for ws in sessions {
        let mut prof = profiles.clone();
        let mut scorer = SessionScorer::new(cfg.clone());
        let mut b = false;
        for w in ws {
            if let Some(r) = scorer.process_window(w.clone(), &mut prof, global) {
                n += 1;
                flagged += usize::from(r.level >= Level::Medium);
                b |= r.decision == Decision::Block;
            }
        }
        blocked += usize::from(b);
    }
    (blocked, n, flagged)
}

/// One arm's figures for one owner.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArmResult {
    /// Later windows (after the first alarm of the arm without feedback).
    pub later: usize,
    /// Later windows that raised an alarm.
    pub later_alarms: usize,
    /// Later windows at level medium or high.
    pub later_flagged: usize,
    /// Windows learnt through feedback.
    pub learnt: usize,
    /// Intruder sessions and those blocked.
    pub intruder_sessions: (usize, usize),
    /// Intruder windows and those at level medium or high.
    pub intruder_windows: (usize, usize),
    /// Impostor probes and those at level medium or high.
    pub probes: (usize, usize),
}

/// Both arms for one owner; `None` when the owner had no alarm (the arms are identical).
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnerResult {
    /// Fold of the owner.
    pub fold: usize,
    /// Without feedback.
    pub without: ArmResult,
    /// With feedback.
    pub with: ArmResult,
}

/// Inputs of one owner's evaluation.
pub struct OwnerInput<'a> {
    /// The owner's enrolled profile.
    pub profile: UserProfiles,
    /// The owner's later sessions, in order.
    pub owner: Vec<Vec<FeatureWindow>>,
    /// The intruder's sessions, in order.
    pub intruder: Vec<Vec<FeatureWindow>>,
    /// Keystroke probe windows of every other participant (none for the mouse).
    pub probes: Vec<&'a KeystrokeWindow>,
}

fn arm(
    inp: &OwnerInput<'_>,
    global: Option<&GlobalModel>,
    cfg: &Config,
    feedback: bool,
    first: Option<usize>,
) -> (ArmResult, Replay) {
    let mut prof = inp.profile.clone();
    let rep = replay_owner(&inp.owner, &mut prof, global, cfg, feedback);
    let from = first
        .or_else(|| rep.first_alarm())
        .map_or(usize::MAX, |f| f + 1);
    let later: Vec<(bool, bool)> = rep.windows.iter().skip(from).copied().collect();
    let (iblocked, iw, iflag) = intruder_sessions(&inp.intruder, &prof, global, cfg);
    let flagged_probes = inp
        .probes
        .iter()
        .filter(|w| {
            score_keystroke(&prof.keystroke, global, w, cfg)
                .score
                .is_some_and(|s| s >= cfg.medium_score)
        })
        .count();
    let res = ArmResult {
        later: later.len(),
        later_alarms: later.iter().filter(|w| w.0).count(),
        later_flagged: later.iter().filter(|w| w.1).count(),
        learnt: rep.learnt,
        intruder_sessions: (inp.intruder.len(), iblocked),
        intruder_windows: (iw, iflag),
        probes: (inp.probes.len(), flagged_probes),
    };
    (res, rep)
}

/// Both arms for one owner (`None` when the owner never raised an alarm).
pub fn eval_owner(
    inp: &OwnerInput<'_>,
    fold: usize,
    global: Option<&GlobalModel>,
    cfg: &Config,
) -> Option<OwnerResult> {
    let (without, rep) = arm(inp, global, cfg, false, None);
    let first = rep.first_alarm()?;
    let (with, _) = arm(inp, global, cfg, true, Some(first));
    Some(OwnerResult {
        fold,
        without,
        with,
    })
}

/// Totals of one arm over owners.
fn totals(rs: &[&ArmResult]) -> Value {
    let sum = |f: &dyn Fn(&ArmResult) -> usize| rs.iter().map(|r| f(r)).sum::<usize>();
    let later = sum(&|r| r.later);
    json!({
        "later_alarm_rate": r4(rate(sum(&|r| r.later_alarms), later)),
        "later_flagged_window_rate": r4(rate(sum(&|r| r.later_flagged), later)),
        "owners_alarmed_later_rate": r4(rate(rs.iter().filter(|r| r.later_alarms > 0).count(), rs.len())),
        "windows_learnt_by_feedback": sum(&|r| r.learnt),
        "intruder_sessions_blocked_rate": r4(rate(sum(&|r| r.intruder_sessions.1), sum(&|r| r.intruder_sessions.0))),
        "intruder_flagged_window_rate": r4(rate(sum(&|r| r.intruder_windows.1), sum(&|r| r.intruder_windows.0))),
        "impostor_probe_flagged_rate": r4(rate(sum(&|r| r.probes.1), sum(&|r| r.probes.0))),
    })
}

/// The JSON of one model setting (global model or profile only): owners evaluated, owners
/// with an alarm, later windows, both arms, and the later alarm rate per fold.
pub fn summary_json(owners: usize, rs: &[OwnerResult], folds: usize) -> Value {
    let without: Vec<&ArmResult> = rs.iter().map(|r| &r.without).collect();
    let with: Vec<&ArmResult> = rs.iter().map(|r| &r.with).collect();
    let per_fold: Vec<Value> = (0..folds)
        .map(|f| {
            let of = |arm: &dyn Fn(&OwnerResult) -> &ArmResult| {
                let v: Vec<&ArmResult> = rs.iter().filter(|r| r.fold == f).map(arm).collect();
                let later: usize = v.iter().map(|r| r.later).sum();
                r4(rate(v.iter().map(|r| r.later_alarms).sum(), later))
            };
            json!({"fold": f, "without_feedback": of(&|r| &r.without), "with_feedback": of(&|r| &r.with)})
        })
        .collect();
    json!({
        "owners": owners,
        "owners_with_false_alarm": rs.len(),
        "later_windows": rs.iter().map(|r| r.without.later).sum::<usize>(),
        "without_feedback": totals(&without),
        "with_feedback": totals(&with),
        "later_alarm_rate_per_fold": per_fold,
    })
}

/// Text of one model setting, from its JSON.
pub fn summary_text(name: &str, v: &Value) -> String {
    let arm = |a: &Value| {
        format!(
            "later alarms {:.2}% of windows (flagged {:.2}%, owners alarmed again {:.1}%), \
             learnt {}; intruder sessions blocked {:.1}%, intruder windows flagged {:.1}%, impostor probes flagged {:.1}%",
            a["later_alarm_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
            a["later_flagged_window_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
            a["owners_alarmed_later_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
            a["windows_learnt_by_feedback"],
            a["intruder_sessions_blocked_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
            a["intruder_flagged_window_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
            a["impostor_probe_flagged_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
        )
    };
    format!(
        "{name}: {} owners, {} with a false alarm, {} later windows\n  without feedback: {}\n  with feedback:    {}\n",
        v["owners"],
        v["owners_with_false_alarm"],
        v["later_windows"],
        arm(&v["without_feedback"]),
        arm(&v["with_feedback"]),
    )
}

/// Legend of the feedback protocol's terms.
pub const LEGEND: &str = "legend:
  alarm      a window after which the session is challenged or blocked (a risk event an
             analyst sees); every alarm here is false: the owner was typing
  feedback   the analyst answers each alarm with the verdict `owner`: the session's windows
             are learnt into the profile (non-human input and windows learnt already are not)
  later      the owner's windows after their first alarm (the same windows in both arms)
  flagged    a window at level medium or high (score >= 0.5)
  intruder sessions blocked  keystrokes: the next participant types all their sentences
             in a new session on the owner's account; mouse: every session of the next user;
             against the profile each arm ended with
  impostor probes    every other participant's last sentence scored against that profile
  profile only  no global model (a fresh installation)";

/// The keystroke feedback protocol (`keystrokes --protocol feedback`).
pub fn run_keystrokes(a: &KeystrokeArgs) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let prep = Prepared::load(a, start)?;
    let proto = prep.protocol(a.enroll);
    let jobs = prep.jobs();
    let n = prep.windows.len();
    let progress = Progress::shared("feedback", jobs.len());
    let res: Vec<(Option<OwnerResult>, Option<OwnerResult>)> = jobs
        .par_iter()
        .filter_map(|(u, f, g)| {
            let r = owner_input(*u, &proto, n).map(|inp| {
                let cfg = &prep.cfg;
                (
                    eval_owner(&inp, *f, *g, cfg),
                    eval_owner(&inp, *f, None, cfg),
                )
            });
            progress.tick();
            r
        })
        .collect();
    if res.is_empty() {
        return Err(UsageError(format!(
            "no participant in {} has more than {} sentences",
            a.data.display(),
            a.enroll
        )));
    }
    let owners = res.len();
    let global: Vec<OwnerResult> = res.iter().filter_map(|r| r.0).collect();
    let alone: Vec<OwnerResult> = res.iter().filter_map(|r| r.1).collect();
    let folds = prep.folds.len();
    let gj = summary_json(owners, &global, folds);
    let pj = summary_json(owners, &alone, folds);
    let seconds = start.elapsed().as_secs_f64();
    let json = json!({
        "protocol": "aalto-keystrokes-feedback",
        "users": owners,
        "enroll": a.enroll,
        "global_model": gj,
        "profile_only": pj,
        "skipped_rows": prep.skipped,
        "seconds": (seconds * 10.0).round() / 10.0,
    });
    let text = format!(
        "analyst feedback on the keystroke owners' false alarms, {} ({owners} participants, {} enrollment sentences, {} folds)\n{}{}time: {seconds:.1} s\n\n{LEGEND}",
        a.data.display(),
        a.enroll,
        folds,
        summary_text("with the global model", &gj),
        summary_text("profile only", &pj),
    );
    Ok(Outcome {
        json,
        text,
        scores: Scores::default(),
        title: "136M keystrokes, analyst feedback".into(),
    })
}

/// The enrolled profile and the windows one owner's evaluation replays.
fn owner_input<'a>(u: usize, p: &'a Protocol<'a>, n: usize) -> Option<OwnerInput<'a>> {
    let ws = p.windows.get(u)?;
    let profile = enrolled_profile(ws, p)?;
    let session = |ws: &mut dyn Iterator<Item = &KeystrokeWindow>| {
        vec![ws
            .cloned()
            .map(FeatureWindow::Keystroke)
            .collect::<Vec<_>>()]
    };
    let owner = session(&mut ws.iter().skip(p.enroll).flatten());
    let intruder = session(&mut p.windows.get((u + 1) % n)?.iter().flatten());
    let probes: Vec<&KeystrokeWindow> = p
        .last
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != u)
        .filter_map(|(_, w)| w.as_ref())
        .collect();
    Some(OwnerInput {
        profile,
        owner,
        intruder,
        probes,
    })
}

/// The mouse feedback protocol (`mouse --protocol feedback`): each owner's profile from the
/// first half of their training sessions, the later sessions replayed with and without
/// feedback, the next user's sessions as the intruder; the global model (and the forest's
/// reference) is trained on the other users only, as in leave-users-out.
pub fn run_mouse(a: &MouseArgs) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let cfg = live_config();
    let (users, skipped) = load_users(a, &cfg)?;
    let n = users.len();
    let owners: Vec<usize> = (0..n).take(a.limit.unwrap_or(n)).collect();
    let progress = Progress::shared("mouse feedback: owners", owners.len());
    let res: Vec<(String, Option<OwnerResult>)> = owners
        .par_iter()
        .filter_map(|o| {
            let intruder = (o + 1) % n;
            let global = global_without(*o, intruder, &users, &cfg);
            let r = mouse_input(*o, intruder, &users, global.as_ref(), &cfg).map(|inp| {
                let name = users.get(*o).map_or(String::new(), |u| u.name.clone());
                (name, eval_owner(&inp, 0, global.as_ref(), &cfg))
            });
            progress.tick();
            r
        })
        .collect();
    let alarmed: Vec<OwnerResult> = res.iter().filter_map(|r| r.1).collect();
    let summary = summary_json(res.len(), &alarmed, 1);
    let per_owner: Vec<Value> = res
        .iter()
        .map(|(name, r)| {
            json!({
                "owner": name,
                "later_alarms_without_feedback": r.map(|r| r.without.later_alarms),
                "later_alarms_with_feedback": r.map(|r| r.with.later_alarms),
                "later_windows": r.map(|r| r.without.later),
            })
        })
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    let text = format!(
        "analyst feedback on the mouse owners' false alarms, {} ({} users)\n{}time: {seconds:.1} s\n\n{LEGEND}",
        a.data.display(),
        res.len(),
        summary_text("per-user forest and global model", &summary),
    );
    Ok(Outcome {
        json: json!({
            "protocol": "balabit-mouse-feedback",
            "users": res.len(),
            "model": summary,
            "per_owner": per_owner,
            "skipped_rows": skipped,
            "seconds": (seconds * 10.0).round() / 10.0,
        }),
        text,
        scores: Scores::default(),
        title: "Balabit, analyst feedback".into(),
    })
}

/// The inputs of one mouse owner: enrolled profile (forest trained), later sessions, the
/// intruder's sessions.
fn mouse_input(
    o: usize,
    intruder: usize,
    users: &[UserData],
    global: Option<&GlobalModel>,
    cfg: &Config,
) -> Option<OwnerInput<'static>> {
    let own = users.get(o)?;
    let profile = enroll(o, own, global?, cfg)?;
    let as_windows = |ss: &[Vec<MouseWindow>]| -> Vec<Vec<FeatureWindow>> {
        ss.iter()
            .map(|s| s.iter().cloned().map(FeatureWindow::Mouse).collect())
            .collect()
    };
    Some(OwnerInput {
        profile,
        owner: as_windows(own.split().1),
        intruder: as_windows(&users.get(intruder)?.sessions),
        probes: Vec::new(),
    })
}
