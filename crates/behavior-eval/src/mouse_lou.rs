//! Leave-users-out mouse protocol on the Balabit *training* sessions of all users.
//!
//! For every pair of users {A, B}: the global model (population, pair model, reference
//! actions) is trained on the other users only; A's profile is enrolled from the first half
//! of A's sessions and its forest trained against that reference; A's later sessions are the
//! genuine probes and B's sessions the impostor probes (and the same with A and B swapped).
//! So neither the owner's later sessions nor the impostor were ever seen by anything that
//! scores them. Decisions are taken over 10, 30 and 100 consecutive actions (the mean of the
//! scores of 10-action windows); the continuous view replays each session's windows through
//! the session decision.

use std::collections::BTreeMap;
use std::time::Instant;

use behavior_ml::stats::roc;
use behavior_ml::{
    score_mouse, Config, Decision, FeatureWindow, GlobalModel, MouseWindow, SessionScorer,
    UserProfiles,
};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::mouse_data::{training_users, training_windows, Layout};
use crate::report::{self, mean, median_opt, r4, rate, Progress};
use crate::{MouseArgs, Outcome, Scores, UsageError};

/// Actions per decision reported.
pub const DECISION_ACTIONS: [usize; 3] = [10, 30, 100];
/// Actions per scored window (decisions average consecutive windows).
const WINDOW_ACTIONS: usize = 10;

/// One user's training sessions as windows.
pub(crate) struct UserData {
    pub name: String,
    pub sessions: Vec<Vec<MouseWindow>>,
}

impl UserData {
    /// Sessions used for enrollment (the first half, rounded up) and the later ones.
    pub fn split(&self) -> (&[Vec<MouseWindow>], &[Vec<MouseWindow>]) {
        let k = self.sessions.len().div_ceil(2);
        self.sessions.split_at(k.min(self.sessions.len()))
    }
}

/// Decision scores of one owner against one impostor, per decision size.
#[derive(Default)]
struct PairScores {
    genuine: Vec<Vec<f64>>,
    impostor: Vec<Vec<f64>>,
}

/// The continuous view of one owner/impostor pair.
#[derive(Default, Clone, Copy)]
struct PairContinuous {
    owner_sessions: usize,
    owner_blocked: usize,
    owner_challenged: usize,
    impostor_sessions: usize,
    impostor_blocked: usize,
}

/// Everything measured for one (owner, impostor) pair.
struct PairResult {
    owner: usize,
    impostor: usize,
    scores: PairScores,
    cont: PairContinuous,
    actions_to_block: Vec<f64>,
}

/// 10-action windows of a session, in order.
fn regroup(session: &[MouseWindow]) -> Vec<MouseWindow> {
    let actions: Vec<_> = session
        .iter()
        .flat_map(|w| w.actions.iter().cloned())
        .collect();
    actions
        .chunks(WINDOW_ACTIONS)
        .filter(|c| c.len() == WINDOW_ACTIONS)
        .map(|c| MouseWindow {
            actions: c.to_vec(),
            events: 0,
            duration_ms: 0.0,
            clicks: 0,
            teleport_clicks: 0,
        })
        .collect()
}

/// Decision scores over `DECISION_ACTIONS` actions of the given sessions.
fn decision_scores(
    sessions: &[Vec<MouseWindow>],
    p: &UserProfiles,
    global: &GlobalModel,
    cfg: &Config,
) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); DECISION_ACTIONS.len()];
    for s in sessions {
        let ws: Vec<f64> = regroup(s)
            .iter()
            .filter_map(|w| score_mouse(&p.mouse, Some(global), w, cfg).score)
            .collect();
        for (k, n) in DECISION_ACTIONS.iter().enumerate() {
            let per = (n / WINDOW_ACTIONS).max(1);
            if let Some(o) = out.get_mut(k) {
                o.extend(ws.chunks(per).filter(|c| c.len() == per).map(mean));
            }
        }
    }
    out
}

/// Replays a session's windows through the session decision: `(blocked, challenged,
/// actions until the block)`.
fn replay(
    session: &[MouseWindow],
    p: &UserProfiles,
    global: &GlobalModel,
    cfg: &Config,
) -> (bool, bool, Option<u32>) {
    let mut prof = p.clone();
    let mut scorer = SessionScorer::new(cfg.clone());
    let (mut challenged, mut actions) = (false, 0u32);
    for w in session {
        let Some(r) =
            scorer.process_window(FeatureWindow::Mouse(w.clone()), &mut prof, Some(global))
        else {
            continue;
        };
        actions += r.size;
        challenged |= r.decision != Decision::None;
        if r.decision == Decision::Block {
            return (true, true, Some(actions));
        }
    }
    (false, challenged, None)
}

/// The owner's profile from its enrollment sessions, with its forest trained against the
/// fold's reference.
pub(crate) fn enroll(
    owner: usize,
    data: &UserData,
    global: &GlobalModel,
    cfg: &Config,
) -> Option<UserProfiles> {
    let mut p = UserProfiles::for_user(cfg, owner as u64 + 1);
    for w in data.split().0.iter().flatten() {
        p.mouse.add(w);
    }
    if p.mouse_model_stale() {
        if let Err(e) = p.train_mouse_model_with(global, cfg) {
            eprintln!("behavior-eval: {}: forest not trained: {e}", data.name);
        }
    }
    Some(p)
}

fn eval_owner(
    owner: usize,
    impostor: usize,
    users: &[UserData],
    global: &GlobalModel,
    cfg: &Config,
) -> Option<PairResult> {
    let (o, i) = (users.get(owner)?, users.get(impostor)?);
    let p = enroll(owner, o, global, cfg)?;
    let later = o.split().1;
    let scores = PairScores {
        genuine: decision_scores(later, &p, global, cfg),
        impostor: decision_scores(&i.sessions, &p, global, cfg),
    };
    let mut cont = PairContinuous::default();
    let mut actions_to_block = Vec::new();
    for s in later {
        let (b, c, _) = replay(s, &p, global, cfg);
        cont.owner_sessions += 1;
        cont.owner_blocked += usize::from(b);
        cont.owner_challenged += usize::from(c);
    }
    for s in &i.sessions {
        let (b, _, at) = replay(s, &p, global, cfg);
        cont.impostor_sessions += 1;
        cont.impostor_blocked += usize::from(b);
        actions_to_block.extend(at.map(f64::from));
    }
    Some(PairResult {
        owner,
        impostor,
        scores,
        cont,
        actions_to_block,
    })
}

/// The global model (population, pair model, reference actions) of everybody but users
/// `a` and `b`.
pub(crate) fn global_without(
    a: usize,
    b: usize,
    users: &[UserData],
    cfg: &Config,
) -> Option<GlobalModel> {
    let reference: Vec<(u64, Vec<MouseWindow>)> = users
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != a && *k != b)
        .map(|(k, u)| (k as u64 + 1, u.sessions.concat()))
        .collect();
    match GlobalModel::train(&[], &reference, cfg) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("behavior-eval: global model without users {a} and {b} not trained: {e}");
            None
        }
    }
}

/// Both directions of the pair {a, b}, with models trained on everybody else.
fn eval_pair(a: usize, b: usize, users: &[UserData], cfg: &Config) -> Vec<PairResult> {
    let Some(global) = global_without(a, b, users, cfg) else {
        return Vec::new();
    };
    [(a, b), (b, a)]
        .par_iter()
        .filter_map(|(o, i)| eval_owner(*o, *i, users, &global, cfg))
        .collect()
}

/// Every user's training sessions as windows (and the skipped rows); at least 4 users.
pub(crate) fn load_users(
    a: &MouseArgs,
    cfg: &Config,
) -> Result<(Vec<UserData>, usize), UsageError> {
    let layout = Layout::of(&a.data)?;
    let names = training_users(&layout.train, None)?;
    let (sessions, skipped) = training_windows(&names, cfg);
    let users: Vec<UserData> = names
        .iter()
        .zip(sessions)
        .map(|(u, s)| UserData {
            name: u.name.clone(),
            sessions: s,
        })
        .collect();
    if users.len() < 4 {
        return Err(UsageError(format!(
            "leave-users-out needs at least 4 users in {}",
            layout.train.display()
        )));
    }
    Ok((users, skipped))
}

/// Run the protocol.
pub fn run(a: &MouseArgs) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let cfg = report::live_config();
    let (users, skipped) = load_users(a, &cfg)?;
    let mut pairs: Vec<(usize, usize)> = (0..users.len())
        .flat_map(|a| ((a + 1)..users.len()).map(move |b| (a, b)))
        .collect();
    if let Some(n) = a.limit {
        // spread the subset over all users: every k-th pair
        let step = (pairs.len() / n.max(1)).max(1);
        pairs = pairs.into_iter().step_by(step).take(n).collect();
    }
    let progress = Progress::shared("mouse: pairs of users", pairs.len());
    let results: Vec<PairResult> = pairs
        .par_iter()
        .flat_map(|(x, y)| {
            let r = eval_pair(*x, *y, &users, &cfg);
            progress.tick();
            r
        })
        .collect();
    if results.is_empty() {
        return Err(UsageError("no pair of users could be evaluated".into()));
    }
    let s = Summary::of(&results, &users);
    let meta = (
        a.data.display().to_string(),
        skipped,
        start.elapsed().as_secs_f64(),
    );
    Ok(Outcome {
        json: s.json(&meta),
        text: s.text(&meta),
        scores: s.plot_scores(&results),
        title: "Balabit leave-users-out, 30 actions".into(),
    })
}

/// Figures at one decision size.
struct AtSize {
    actions: usize,
    pooled_auc: f64,
    pooled_eer: f64,
    per_owner: BTreeMap<String, f64>,
}

/// Everything the protocol reports.
struct Summary {
    pairs: usize,
    /// (owner, impostor, AUC at 30 actions) of every pair.
    pair_aucs: Vec<(String, String, f64)>,
    sizes: Vec<AtSize>,
    cont: PairContinuous,
    median_actions_to_block: Option<f64>,
}

impl Summary {
    fn of(results: &[PairResult], users: &[UserData]) -> Summary {
        let sizes = DECISION_ACTIONS
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let pick = |r: &PairResult, imp: bool| {
                    let v = if imp {
                        &r.scores.impostor
                    } else {
                        &r.scores.genuine
                    };
                    v.get(k).cloned().unwrap_or_default()
                };
                let gen: Vec<f64> = results.iter().flat_map(|r| pick(r, false)).collect();
                let imp: Vec<f64> = results.iter().flat_map(|r| pick(r, true)).collect();
                let (pooled_eer, pooled_auc, _) = roc(&gen, &imp);
                let mut per_owner = BTreeMap::new();
                for (u, data) in users.iter().enumerate() {
                    // per owner: the mean AUC over its impostors (each pair has its own models)
                    let aucs: Vec<f64> = results
                        .iter()
                        .filter(|r| r.owner == u)
                        .map(|r| roc(&pick(r, false), &pick(r, true)).1)
                        .filter(|a| a.is_finite())
                        .collect();
                    if !aucs.is_empty() {
                        per_owner.insert(data.name.clone(), mean(&aucs));
                    }
                }
                AtSize {
                    actions: *n,
                    pooled_auc,
                    pooled_eer,
                    per_owner,
                }
            })
            .collect();
        let mut cont = PairContinuous::default();
        for r in results {
            cont.owner_sessions += r.cont.owner_sessions;
            cont.owner_blocked += r.cont.owner_blocked;
            cont.owner_challenged += r.cont.owner_challenged;
            cont.impostor_sessions += r.cont.impostor_sessions;
            cont.impostor_blocked += r.cont.impostor_blocked;
        }
        let k30 = DECISION_ACTIONS.iter().position(|n| *n == 30).unwrap_or(0);
        let name = |i: usize| users.get(i).map_or(String::new(), |u| u.name.clone());
        let pair_aucs = results
            .iter()
            .map(|r| {
                let g = r.scores.genuine.get(k30).cloned().unwrap_or_default();
                let i = r.scores.impostor.get(k30).cloned().unwrap_or_default();
                (name(r.owner), name(r.impostor), roc(&g, &i).1)
            })
            .collect();
        Summary {
            pairs: results.len(),
            pair_aucs,
            sizes,
            cont,
            median_actions_to_block: median_opt(
                results
                    .iter()
                    .flat_map(|r| r.actions_to_block.clone())
                    .collect(),
            ),
        }
    }

    fn plot_scores(&self, results: &[PairResult]) -> Scores {
        let k = DECISION_ACTIONS.iter().position(|n| *n == 30).unwrap_or(0);
        Scores {
            genuine: results
                .iter()
                .flat_map(|r| r.scores.genuine.get(k).cloned().unwrap_or_default())
                .collect(),
            impostor: results
                .iter()
                .flat_map(|r| r.scores.impostor.get(k).cloned().unwrap_or_default())
                .collect(),
        }
    }

    fn json(&self, (data, skipped, seconds): &(String, usize, f64)) -> Value {
        let c = &self.cont;
        let sizes: Vec<Value> = self
            .sizes
            .iter()
            .map(|s| {
                let v: Vec<f64> = s.per_owner.values().copied().collect();
                json!({
                    "actions": s.actions,
                    "pooled_auc": r4(s.pooled_auc),
                    "pooled_eer": r4(s.pooled_eer),
                    "mean_owner_auc": r4(mean(&v)),
                    "owners": report::spread_json(&v),
                    "per_owner_auc": s.per_owner.iter().map(|(n, a)| (n.clone(), r4(*a))).collect::<BTreeMap<_, _>>(),
                })
            })
            .collect();
        json!({
            "protocol": "balabit-mouse-leave-users-out",
            "data": data,
            "owner_impostor_pairs": self.pairs,
            "decisions": sizes,
            "pairs_auc_30_actions": self.pair_aucs.iter().map(|(o, i, a)| json!({"owner": o, "impostor": i, "auc": r4(*a)})).collect::<Vec<_>>(),
            "continuous": {
                "owner_sessions": c.owner_sessions,
                "owner_sessions_blocked_rate": r4(rate(c.owner_blocked, c.owner_sessions)),
                "owner_sessions_challenged_rate": r4(rate(c.owner_challenged, c.owner_sessions)),
                "impostor_sessions": c.impostor_sessions,
                "impostor_sessions_blocked_rate": r4(rate(c.impostor_blocked, c.impostor_sessions)),
                "median_actions_to_block": self.median_actions_to_block,
            },
            "skipped_rows": skipped,
            "seconds": (seconds * 10.0).round() / 10.0,
        })
    }

    fn text(&self, (data, skipped, seconds): &(String, usize, f64)) -> String {
        let c = &self.cont;
        let mut t = format!(
            "Balabit leave-users-out on the training sessions of {data} ({} owner/impostor pairs; \
             models never saw the owner's later sessions nor the impostor)\n",
            self.pairs
        );
        for s in &self.sizes {
            let v: Vec<f64> = s.per_owner.values().copied().collect();
            t.push_str(&format!(
                "{:>3} actions per decision: pooled AUC {:.4}, pooled EER {:.4}, per-owner AUC {}\n      {}\n",
                s.actions,
                s.pooled_auc,
                s.pooled_eer,
                report::spread_text(&v),
                s.per_owner
                    .iter()
                    .map(|(n, a)| format!("{n} {a:.3}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        t.push_str(&format!(
            "continuous: owner sessions blocked {:.1}% (challenged {:.1}%), impostor sessions blocked {:.1}%, median {} actions to the block\n\
             skipped rows: {skipped}\ntime: {seconds:.1} s\n\n{}",
            rate(c.owner_blocked, c.owner_sessions) * 100.0,
            rate(c.owner_challenged, c.owner_sessions) * 100.0,
            rate(c.impostor_blocked, c.impostor_sessions) * 100.0,
            self.median_actions_to_block.map_or("n/a".into(), |v| format!("{v:.0}")),
            report::LEGEND
        ));
        t
    }
}
