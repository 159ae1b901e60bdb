//! The "136M Keystrokes" protocol (see `docs/behavior.md`).

use std::time::Instant;

use behavior_ml::session::keystroke_nonhuman;
use behavior_ml::stats::roc;
use behavior_ml::{score_keystroke, Config, GlobalModel, KeystrokeWindow, UserProfiles};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::keystroke_data::{load_dir, sentence_windows, Participant};
use crate::keystroke_live::{
    continuous, live_config, live_enrollment, live_session, ContinuousResult, EnrollResult,
    LiveResult,
};
use crate::report::{self, mean, median_opt, percentile, r4, rate, Progress, ThresholdRow};
use crate::{KeystrokeArgs, Outcome, Scores, UsageError};

/// Everything measured for one participant.
struct UserResult {
    id: String,
    fold: usize,
    eer: f64,
    genuine: Vec<f64>,
    impostor: Vec<f64>,
    times_us: Vec<f64>,
    cont: ContinuousResult,
    enroll: EnrollResult,
    live: LiveResult,
}

/// A global model and the participants it scores (it never saw them).
pub(crate) struct Fold {
    pub users: Vec<usize>,
    pub global: Option<GlobalModel>,
}

/// The data every participant's evaluation reads.
pub(crate) struct Protocol<'a> {
    pub parts: &'a [Participant],
    pub windows: &'a [Vec<Option<KeystrokeWindow>>],
    pub last: &'a [Option<KeystrokeWindow>],
    pub enroll: usize,
    pub cfg: &'a Config,
}

/// The loaded data set: participants, their sentence windows, and the folds' global models.
pub(crate) struct Prepared {
    pub cfg: Config,
    pub parts: Vec<Participant>,
    pub windows: Vec<Vec<Option<KeystrokeWindow>>>,
    pub last: Vec<Option<KeystrokeWindow>>,
    pub folds: Vec<Fold>,
    pub skipped: usize,
    pub train_s: f64,
}

impl Prepared {
    /// Load `--data`, cut one window per sentence, train the folds' global models.
    pub fn load(a: &KeystrokeArgs, start: Instant) -> Result<Prepared, UsageError> {
        let cfg = protocol_config(a.enroll);
        let (parts, skipped) = load_dir(&a.data, a.limit)?;
        let windows: Vec<Vec<Option<KeystrokeWindow>>> = parts
            .par_iter()
            .map(|p| sentence_windows(p, &cfg))
            .collect();
        let last: Vec<Option<KeystrokeWindow>> = windows
            .iter()
            .map(|ws| ws.last().cloned().flatten())
            .collect();
        let (folds, bg_skipped) = folds(a, &windows, &cfg)?;
        Ok(Prepared {
            cfg,
            parts,
            windows,
            last,
            folds,
            skipped: skipped + bg_skipped,
            train_s: start.elapsed().as_secs_f64(),
        })
    }

    /// The view every participant's evaluation reads.
    pub fn protocol(&self, enroll: u32) -> Protocol<'_> {
        Protocol {
            parts: &self.parts,
            windows: &self.windows,
            last: &self.last,
            enroll: enroll as usize,
            cfg: &self.cfg,
        }
    }

    /// `(participant, fold, the fold's global model)` for every participant, in order.
    pub fn jobs(&self) -> Vec<(usize, usize, Option<&GlobalModel>)> {
        let mut jobs: Vec<(usize, usize, Option<&GlobalModel>)> = self
            .folds
            .iter()
            .enumerate()
            .flat_map(|(f, fold)| {
                fold.users
                    .iter()
                    .map(move |u| (*u, f, fold.global.as_ref()))
            })
            .collect();
        jobs.sort_by_key(|j| j.0);
        jobs
    }
}

/// The server's defaults; only the enrollment follows the protocol: exactly `--enroll`
/// sentences (the server's own rule is measured separately by the live enrollment figures).
fn protocol_config(enroll: u32) -> Config {
    Config {
        keystroke_enroll_windows: enroll,
        keystroke_enroll_keys: 0,
        pair_profile_windows: enroll,
        ..live_config()
    }
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

/// Global models: one on `--background`, or one per fold of DIR trained on the other folds.
fn folds(
    a: &KeystrokeArgs,
    windows: &[Vec<Option<KeystrokeWindow>>],
    cfg: &Config,
) -> Result<(Vec<Fold>, usize), UsageError> {
    let n = windows.len();
    if let Some(bg) = &a.background {
        let (bparts, skipped) = load_dir(bg, None)?;
        let bwin: Vec<Vec<Option<KeystrokeWindow>>> =
            bparts.iter().map(|p| sentence_windows(p, cfg)).collect();
        let all: Vec<usize> = (0..bwin.len()).collect();
        let global = train_global(&bwin, &all, cfg);
        return Ok((
            vec![Fold {
                users: (0..n).collect(),
                global,
            }],
            skipped,
        ));
    }
    let k = a.folds as usize;
    let folds = (0..k)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..n).filter(|i| i % k != f).collect();
            Fold {
                users: (0..n).filter(|i| i % k == f).collect(),
                global: train_global(windows, &train, cfg),
            }
        })
        .collect();
    Ok((folds, 0))
}

/// The owner's profile from the first `enroll` sentences (`None` when too few are usable).
pub(crate) fn enrolled_profile(
    ws: &[Option<KeystrokeWindow>],
    p: &Protocol<'_>,
) -> Option<UserProfiles> {
    let enrolled: Vec<&KeystrokeWindow> = ws.iter().take(p.enroll).flatten().collect();
    if ws.len() <= p.enroll || enrolled.len() < 2 {
        return None;
    }
    let mut profiles = UserProfiles::new(p.cfg);
    profiles.keystroke.required = u32::try_from(enrolled.len()).unwrap_or(u32::MAX).max(2);
    for w in &enrolled {
        profiles.keystroke.add(w);
    }
    Some(profiles)
}

fn eval_user(
    i: usize,
    fold: usize,
    global: Option<&GlobalModel>,
    p: &Protocol<'_>,
) -> Option<UserResult> {
    let ws = p.windows.get(i)?;
    let profiles = enrolled_profile(ws, p)?;
    let mut times = Vec::new();
    let mut score = |w: &KeystrokeWindow| {
        let s = score_keystroke(&profiles.keystroke, global, w, p.cfg);
        times.push(report::time_us(|| {
            std::hint::black_box(score_keystroke(&profiles.keystroke, global, w, p.cfg));
        }));
        s.score.unwrap_or(0.5)
    };
    let genuine: Vec<f64> = ws.iter().skip(p.enroll).flatten().map(&mut score).collect();
    let impostor: Vec<f64> = p
        .last
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
    let owner = p.parts.get(i)?;
    let intruder = p.parts.get((i + 1) % p.parts.len())?;
    let rest = owner.sentences.get(p.enroll..).unwrap_or(&[]);
    Some(UserResult {
        id: owner.id.clone(),
        fold,
        eer,
        genuine,
        impostor,
        times_us: times,
        cont: continuous(rest, intruder, &profiles, global, p.cfg),
        enroll: live_enrollment(owner, global),
        live: live_session(owner, intruder, None),
        // (profile only: a fresh installation has no global model)
    })
}

/// Run the protocol.
pub fn run(a: &KeystrokeArgs) -> Result<Outcome, UsageError> {
    let start = Instant::now();
    let prep = Prepared::load(a, start)?;
    let (parts, windows, folds, cfg) = (&prep.parts, &prep.windows, &prep.folds, &prep.cfg);
    let (skipped, train_s) = (prep.skipped, prep.train_s);
    let proto = prep.protocol(a.enroll);
    let jobs = prep.jobs();
    let progress = Progress::shared("keystrokes", jobs.len());
    let res: Vec<UserResult> = jobs
        .par_iter()
        .filter_map(|(u, f, g)| {
            let r = eval_user(*u, *f, *g, &proto);
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
    let real_flagged = real_false_flags(windows);
    let mut s = Summary::of(&res, folds.len(), real_flagged);
    if a.background.is_none() {
        s.bootstrap = bootstrap(parts, windows, a.folds as usize, cfg);
    }
    let global_model = if folds.iter().any(|f| f.global.is_none()) {
        "none (too few participants)"
    } else if a.background.is_some() {
        "background"
    } else if a.folds == 2 {
        "two-fold halves"
    } else {
        "folds"
    };
    let seconds = start.elapsed().as_secs_f64();
    let meta = Meta {
        data: a.data.display().to_string(),
        enroll: a.enroll,
        participants: parts.len(),
        skipped,
        seconds,
        train_s,
        global_model,
    };
    Ok(Outcome {
        json: s.json(&res, &meta),
        text: s.text(&meta),
        scores: Scores {
            genuine: res.iter().flat_map(|r| r.genuine.iter().copied()).collect(),
            impostor: res
                .iter()
                .flat_map(|r| r.impostor.iter().copied())
                .collect(),
        },
        title: "136M keystrokes, all scores pooled".into(),
    })
}

/// Participants whose stored windows train the first ("bootstrap") global model of a fresh
/// installation.
const BOOTSTRAP_USERS: [usize; 4] = [3, 5, 10, 25];

/// The fresh installation once a few users have stored windows: a global model trained on
/// only `k` participants (outside the scored fold), owners enrolling live with it.
fn bootstrap(
    parts: &[Participant],
    windows: &[Vec<Option<KeystrokeWindow>>],
    folds: usize,
    cfg: &Config,
) -> Vec<(usize, LiveSummary)> {
    let n = parts.len();
    BOOTSTRAP_USERS
        .iter()
        .filter(|k| **k * 2 <= n)
        .map(|k| {
            let lives: Vec<LiveResult> = (0..folds)
                .into_par_iter()
                .flat_map(|f| {
                    let train: Vec<usize> = (0..n).filter(|i| i % folds != f).take(*k).collect();
                    let g = train_global(windows, &train, cfg);
                    (0..n)
                        .filter(|i| i % folds == f)
                        .filter_map(|i| {
                            let owner = parts.get(i)?;
                            let intruder = parts.get((i + 1) % n)?;
                            Some(live_session(owner, intruder, g.as_ref()))
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            (*k, LiveSummary::of(&lives.iter().collect::<Vec<_>>()))
        })
        .collect()
}

/// Real (dev) sentences flagged as non-human: `(flagged, windows)`.
fn real_false_flags(windows: &[Vec<Option<KeystrokeWindow>>]) -> (usize, usize) {
    let all: Vec<&KeystrokeWindow> = windows.iter().flatten().flatten().collect();
    let flagged = all
        .iter()
        .filter(|w| keystroke_nonhuman(w).is_some())
        .count();
    (flagged, all.len())
}

/// Facts about the run, for the output.
struct Meta {
    data: String,
    enroll: u32,
    participants: usize,
    skipped: usize,
    seconds: f64,
    train_s: f64,
    global_model: &'static str,
}

/// Continuous-view figures (owners and intruders).
struct ContinuousSummary {
    owner_blocked_rate: f64,
    owner_challenged_rate: f64,
    anga_mean: Option<f64>,
    ania_mean: f64,
    ania_median: f64,
    intruders_not_blocked: usize,
    intruders_not_challenged: usize,
    enroll_median: Option<f64>,
    enroll_p90: Option<f64>,
    enrolled_within_500: f64,
    enroll_blocked_rate: f64,
}

impl ContinuousSummary {
    fn of(res: &[UserResult]) -> ContinuousSummary {
        let users = res.len();
        let anga: Vec<f64> = res
            .iter()
            .filter_map(|r| r.cont.owner_keys_before_block.map(f64::from))
            .collect();
        // ANIA: impostor keystrokes before the block; sessions never blocked count all their
        // keystrokes (a lower bound of the true figure).
        let mut ania: Vec<f64> = res
            .iter()
            .map(|r| {
                f64::from(
                    r.cont
                        .impostor_keys_to_block
                        .unwrap_or(r.cont.impostor_keys_total),
                )
            })
            .collect();
        // keystrokes typed until enrollment completed (never completed counts as all typed)
        let mut ek: Vec<f64> = res
            .iter()
            .map(|r| r.enroll.keys.map_or(f64::INFINITY, f64::from))
            .collect();
        let finite = |v: f64| v.is_finite().then_some(v);
        ContinuousSummary {
            owner_blocked_rate: rate(res.iter().filter(|r| r.cont.owner_blocked).count(), users),
            owner_challenged_rate: rate(
                res.iter()
                    .filter(|r| r.cont.owner_challenged || r.cont.owner_blocked)
                    .count(),
                users,
            ),
            anga_mean: (!anga.is_empty()).then(|| mean(&anga)),
            ania_mean: mean(&ania),
            ania_median: percentile(&mut ania, 0.5),
            intruders_not_blocked: res
                .iter()
                .filter(|r| r.cont.impostor_keys_to_block.is_none())
                .count(),
            intruders_not_challenged: res.iter().filter(|r| !r.cont.impostor_challenged).count(),
            enroll_median: finite(percentile(&mut ek, 0.5)),
            enroll_p90: finite(percentile(&mut ek, 0.9)),
            enrolled_within_500: rate(
                res.iter()
                    .filter(|r| r.enroll.keys.is_some_and(|k| k <= 500))
                    .count(),
                users,
            ),
            enroll_blocked_rate: rate(res.iter().filter(|r| r.enroll.blocked).count(), users),
        }
    }
}

/// Fresh-installation (profile-only) figures.
struct LiveSummary {
    trained: f64,
    trained_10: f64,
    owner_blocked: f64,
    owner_challenged: f64,
    intruders_blocked: f64,
    intruders_blocked_3: f64,
    median_sentences: Option<f64>,
    median_keys: Option<f64>,
}

impl LiveSummary {
    fn of(lv: &[&LiveResult]) -> LiveSummary {
        let users = lv.len();
        let count = |f: &dyn Fn(&LiveResult) -> bool| lv.iter().filter(|l| f(l)).count();
        // intruders of owners who were trained and not blocked
        let pairs: Vec<&LiveResult> = lv
            .iter()
            .copied()
            .filter(|l| l.trained_after.is_some() && !l.owner_blocked)
            .collect();
        let blocked = |max: usize| {
            pairs
                .iter()
                .filter(|l| l.intruder_blocked_after.is_some_and(|k| k <= max))
                .count()
        };
        let sent: Vec<f64> = pairs
            .iter()
            .filter_map(|l| l.intruder_blocked_after.map(|k| k as f64))
            .collect();
        let keys: Vec<f64> = pairs
            .iter()
            .filter_map(|l| l.intruder_keys_to_block.map(f64::from))
            .collect();
        let n = pairs.len().max(1);
        LiveSummary {
            trained: rate(count(&|l| l.trained_after.is_some()), users),
            trained_10: rate(count(&|l| l.trained_after.is_some_and(|k| k <= 10)), users),
            owner_blocked: rate(count(&|l| l.owner_blocked), users),
            owner_challenged: rate(count(&|l| l.owner_challenged), users),
            intruders_blocked: rate(blocked(usize::MAX), n),
            intruders_blocked_3: rate(blocked(3), n),
            median_sentences: median_opt(sent),
            median_keys: median_opt(keys),
        }
    }

    fn json(&self) -> Value {
        json!({
            "trained_rate": r4(self.trained),
            "trained_within_10_sentences_rate": r4(self.trained_10),
            "owner_blocked_rate": r4(self.owner_blocked),
            "owner_challenged_rate": r4(self.owner_challenged),
            "intruders_blocked_rate": r4(self.intruders_blocked),
            "intruders_blocked_within_3_sentences_rate": r4(self.intruders_blocked_3),
            "median_sentences_to_block": self.median_sentences,
            "median_keystrokes_to_block": self.median_keys,
        })
    }
}

/// Everything the protocol reports.
struct Summary {
    users: usize,
    mean_eer: f64,
    fold_eers: Vec<f64>,
    global_eer: f64,
    global_auc: f64,
    p50: f64,
    p99: f64,
    cont: ContinuousSummary,
    live: LiveSummary,
    thresholds: Vec<ThresholdRow>,
    real_flagged: (usize, usize),
    bootstrap: Vec<(usize, LiveSummary)>,
}

impl Summary {
    fn of(res: &[UserResult], folds: usize, real_flagged: (usize, usize)) -> Summary {
        let eers: Vec<f64> = res.iter().map(|r| r.eer).collect();
        let fold_eers = (0..folds)
            .map(|f| {
                let v: Vec<f64> = res.iter().filter(|r| r.fold == f).map(|r| r.eer).collect();
                mean(&v)
            })
            .collect();
        let gen: Vec<f64> = res.iter().flat_map(|r| r.genuine.iter().copied()).collect();
        let imp: Vec<f64> = res
            .iter()
            .flat_map(|r| r.impostor.iter().copied())
            .collect();
        let (global_eer, global_auc, _) = roc(&gen, &imp);
        let mut times: Vec<f64> = res
            .iter()
            .flat_map(|r| r.times_us.iter().copied())
            .collect();
        let cont = ContinuousSummary::of(res);
        let users = res.len();
        let mut thresholds = report::window_thresholds(&gen, &imp, &live_config());
        thresholds.extend(report::session_thresholds(
            cont.owner_challenged_rate,
            cont.owner_blocked_rate,
            rate(cont.intruders_not_challenged, users),
            rate(cont.intruders_not_blocked, users),
        ));
        Summary {
            users,
            mean_eer: mean(&eers),
            fold_eers,
            global_eer,
            global_auc,
            p50: percentile(&mut times, 0.5),
            p99: percentile(&mut times, 0.99),
            cont,
            live: LiveSummary::of(&res.iter().map(|r| &r.live).collect::<Vec<_>>()),
            thresholds,
            real_flagged,
            bootstrap: Vec::new(),
        }
    }

    fn json(&self, res: &[UserResult], m: &Meta) -> Value {
        let c = &self.cont;
        let per_user: Vec<Value> = res
            .iter()
            .map(|r| {
                json!({
                    "user": r.id, "fold": r.fold, "eer": r4(r.eer),
                    "owner_blocked": r.cont.owner_blocked,
                    "owner_challenged": r.cont.owner_challenged,
                    "impostor_keystrokes_to_block": r.cont.impostor_keys_to_block,
                    "profile_only_owner_blocked": r.live.owner_blocked,
                    "profile_only_intruder_blocked_after_sentences": r.live.intruder_blocked_after,
                })
            })
            .collect();
        json!({
            "protocol": "aalto-keystrokes",
            "users": self.users,
            "enroll": m.enroll,
            "mean_user_eer": r4(self.mean_eer),
            "global_eer": r4(self.global_eer),
            "global_auc": r4(self.global_auc),
            "folds": report::spread_json(&self.fold_eers),
            "continuous": {
                "owner_blocked_rate": r4(c.owner_blocked_rate),
                "enrollment_keystrokes_median": c.enroll_median,
                "enrollment_keystrokes_p90": c.enroll_p90,
                "enrolled_within_500_keystrokes_rate": r4(c.enrolled_within_500),
                "owner_blocked_while_enrolling_rate": r4(c.enroll_blocked_rate),
                "owner_challenged_rate": r4(c.owner_challenged_rate),
                "ania_keystrokes": c.ania_mean.round(),
                "ania_median_keystrokes": c.ania_median.round(),
                "intruders_not_blocked_rate": r4(rate(c.intruders_not_blocked, self.users)),
                "anga_keystrokes": c.anga_mean.map(f64::round),
            },
            "continuous_profile_only": self.live.json(),
            "continuous_bootstrap": self.bootstrap.iter().map(|(k, l)| {
                let mut v = l.json();
                if let Some(o) = v.as_object_mut() {
                    o.insert("global_model_users".into(), json!(k));
                }
                v
            }).collect::<Vec<_>>(),
            "thresholds": report::thresholds_json(&self.thresholds),
            "nonhuman_false_flag_rate": r4(rate(self.real_flagged.0, self.real_flagged.1)),
            "score_us_p50": r4(self.p50),
            "score_us_p99": r4(self.p99),
            "seconds": (m.seconds * 10.0).round() / 10.0,
            "train_seconds": (m.train_s * 10.0).round() / 10.0,
            "participants": m.participants,
            "skipped_rows": m.skipped,
            "global_model": m.global_model,
            "per_user": per_user,
        })
    }

    fn bootstrap_text(&self) -> String {
        self.bootstrap
            .iter()
            .map(|(k, l)| {
                format!(
                    "bootstrap (fresh installation, first global model from {k} users' windows): trained within 10 sentences {:.1}%, \
                     owners blocked {:.2}% (challenged {:.2}%), intruders blocked {:.1}% ({:.1}% within 3 sentences)\n",
                    l.trained_10 * 100.0,
                    l.owner_blocked * 100.0,
                    l.owner_challenged * 100.0,
                    l.intruders_blocked * 100.0,
                    l.intruders_blocked_3 * 100.0
                )
            })
            .collect()
    }

    fn text(&self, m: &Meta) -> String {
        let c = &self.cont;
        let l = &self.live;
        let opt = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}"));
        let pct = |v: f64| v * 100.0;
        format!(
            "136M keystrokes protocol on {} ({} participants evaluated, {} enrollment sentences)\n\
             mean per-user EER: {:.4} (folds: {})\nglobal EER:        {:.4} (AUC {:.4})\n\
             continuous: owners wrongly blocked {:.2}% (challenged {:.2}%), ANIA: mean {:.0}, median {:.0} keystrokes ({} of {} intruders never blocked), ANGA {}\n\
             live enrollment: median {} keystrokes (p90 {}), {:.1}% within 500, owners blocked while enrolling {:.2}%\n\
             profile only (fresh installation, no global model, live enrollment, 10 intruder sentences): trained within 10 sentences {:.1}%, \
             owners blocked {:.2}% (challenged {:.2}%), intruders blocked {:.1}% ({:.1}% within 3 sentences), median {} sentences / {} keystrokes\n\
             {}\
             non-human input flagged on real sentences: {} of {} ({:.3}%)\n\
             scoring one window: p50 {:.1} µs, p99 {:.1} µs\nskipped rows: {}\ntime: {:.1} s (global training {:.1} s)\n\n{}\n{}",
            m.data,
            self.users,
            m.enroll,
            self.mean_eer,
            report::spread_text(&self.fold_eers),
            self.global_eer,
            self.global_auc,
            pct(c.owner_blocked_rate),
            pct(c.owner_challenged_rate),
            c.ania_mean,
            c.ania_median,
            c.intruders_not_blocked,
            self.users,
            opt(c.anga_mean),
            opt(c.enroll_median),
            opt(c.enroll_p90),
            pct(c.enrolled_within_500),
            pct(c.enroll_blocked_rate),
            pct(l.trained_10),
            pct(l.owner_blocked),
            pct(l.owner_challenged),
            pct(l.intruders_blocked),
            pct(l.intruders_blocked_3),
            opt(l.median_sentences),
            opt(l.median_keys),
            self.bootstrap_text(),
            self.real_flagged.0,
            self.real_flagged.1,
            pct(rate(self.real_flagged.0, self.real_flagged.1)),
            self.p50,
            self.p99,
            m.skipped,
            m.seconds,
            m.train_s,
            report::thresholds_text(&self.thresholds),
            report::LEGEND,
        )
    }
}
