//! Behavioural tests with synthetic typists and mouse users.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use behavior_ml::keystroke::KeystrokeWindow;
use behavior_ml::stats::roc;
use behavior_ml::synth::{MouseUser, Typist};
use behavior_ml::{
    js_keycode_to_code, score_keystroke, score_mouse, Config, Decision, Event, FeatureWindow,
    GlobalModel, Level, ModelUsed, MouseWindow, ProfileState, SessionScorer, UserProfiles,
};

fn typist_windows(seed: u64, n: usize) -> Vec<KeystrokeWindow> {
    let mut t = Typist::new(seed);
    (0..n)
        .filter_map(|_| KeystrokeWindow::from_events(&t.sentence(9), 10))
        .collect()
}

fn mouse_windows(seed: u64, n: usize) -> Vec<MouseWindow> {
    let mut u = MouseUser::new(seed);
    let mut s = SessionScorer::new(Config::default());
    let mut out = Vec::new();
    for _ in 0..n {
        let mut batch = Vec::new();
        for _ in 0..3 {
            batch.extend(u.movement());
        }
        for w in s.windows_only(&batch, false) {
            if let FeatureWindow::Mouse(m) = w {
                out.push(m);
            }
        }
    }
    out
}

fn mouse_events(seed: u64) -> Vec<Event> {
    let mut u = MouseUser::new(seed + 1000);
    (0..8).flat_map(|_| u.movement()).collect()
}

fn keystroke_global(cfg: &Config) -> GlobalModel {
    let users: Vec<Vec<KeystrokeWindow>> = (100..140).map(|s| typist_windows(s, 15)).collect();
    GlobalModel::train(&users, &[], cfg).unwrap()
}

#[test]
fn keycodes_map_like_the_browser() {
    assert_eq!(js_keycode_to_code(65), Some("KeyA"));
    assert_eq!(js_keycode_to_code(90), Some("KeyZ"));
    assert_eq!(js_keycode_to_code(32), Some("Space"));
    assert_eq!(js_keycode_to_code(8), Some("Backspace"));
    assert_eq!(js_keycode_to_code(16), Some("ShiftLeft"));
    assert_eq!(js_keycode_to_code(48), Some("Digit0"));
    assert_eq!(js_keycode_to_code(190), Some("Period"));
    assert_eq!(js_keycode_to_code(188), Some("Comma"));
    assert_eq!(js_keycode_to_code(222), Some("Quote"));
    assert_eq!(js_keycode_to_code(5000), None);
}

#[test]
fn wire_events_deserialise_and_reject_unknown_kinds() {
    let json = r#"[
      {"t":1716.5,"kind":"keydown","code":"KeyA"},
      {"t":1801.0,"kind":"keyup","code":"KeyA"},
      {"t":1802.0,"kind":"keydown","code":null},
      {"t":1805.2,"kind":"mousemove","x":412,"y":300},
      {"t":1900.0,"kind":"mousedown","button":0,"x":415,"y":302},
      {"t":1990.0,"kind":"mouseup","button":0,"x":415,"y":302},
      {"t":2010.0,"kind":"wheel","dx":0,"dy":120,"x":415,"y":302}]"#;
    let ev = behavior_ml::events::parse_events(json).unwrap();
    assert_eq!(ev.len(), 7);
    assert_eq!(
        ev[2],
        Event::Keydown {
            t: 1802.0,
            code: None
        }
    );
    assert!(matches!(ev[6], Event::Wheel { dy, .. } if dy == 120.0));
    assert!(serde_json::from_str::<Event>(r#"{"t":1,"kind":"keypress","code":"KeyA"}"#).is_err());
    assert!(serde_json::from_str::<Event>(r#"{"t":1,"kind":"mousemove"}"#).is_err());
    assert!(serde_json::from_str::<Event>(r#"{"kind":"keydown"}"#).is_err());
    assert!(serde_json::from_str::<Event>(r#"[]"#).is_err());
}

#[test]
fn profiles_tell_synthetic_typists_apart() {
    let cfg = Config::default();
    let global = keystroke_global(&cfg);
    let mut eers = Vec::new();
    for owner in 0..8u64 {
        let ws = typist_windows(owner, 16);
        let mut p = UserProfiles::new(&cfg);
        for w in &ws[..10] {
            p.keystroke.add(w);
        }
        assert_eq!(p.keystroke.state(), ProfileState::Trained);
        let genuine: Vec<f64> = ws[10..]
            .iter()
            .map(|w| {
                score_keystroke(&p.keystroke, Some(&global), w, &cfg)
                    .score
                    .unwrap()
            })
            .collect();
        let impostor: Vec<f64> = (0..8u64)
            .filter(|o| *o != owner)
            .flat_map(|o| typist_windows(o, 3))
            .map(|w| {
                score_keystroke(&p.keystroke, Some(&global), &w, &cfg)
                    .score
                    .unwrap()
            })
            .collect();
        eers.push(roc(&genuine, &impostor).0);
    }
    let mean = eers.iter().sum::<f64>() / eers.len() as f64;
    assert!(
        mean < 0.1,
        "mean EER on synthetic typists {mean} ({eers:?})"
    );
}

#[test]
fn global_model_scores_enrolling_users() {
    let cfg = Config::default();
    let global = keystroke_global(&cfg);
    let ws = typist_windows(3, 6);
    let mut p = UserProfiles::new(&cfg);
    for w in &ws[..3] {
        p.keystroke.add(w);
    }
    assert_eq!(p.keystroke.state(), ProfileState::Enrolling);
    let own = score_keystroke(&p.keystroke, Some(&global), &ws[4], &cfg);
    assert_eq!(own.model, ModelUsed::Global);
    let other = score_keystroke(&p.keystroke, Some(&global), &typist_windows(7, 1)[0], &cfg);
    assert!(
        own.score.unwrap() < other.score.unwrap(),
        "{own:?} vs {other:?}"
    );
    // without a global model: learning mode
    let none = score_keystroke(&p.keystroke, None, &ws[4], &cfg);
    assert_eq!(none.model, ModelUsed::None);
    assert!(none.score.is_none());
}

#[test]
fn mouse_models_tell_synthetic_users_apart() {
    let cfg = Config::default();
    let users: Vec<(u64, Vec<MouseWindow>)> =
        (0..8u64).map(|s| (s + 1, mouse_windows(s, 400))).collect();
    let global = GlobalModel::train(&[], &users, &cfg).unwrap();
    assert!(global.mouse.is_some() && global.mouse_reference.is_some());
    let (gen_all, imp_all): (Vec<f64>, Vec<f64>) = {
        let (mut g, mut i) = (Vec::new(), Vec::new());
        for (tag, ws) in users.iter().take(4) {
            let mut p = UserProfiles::for_user(&cfg, *tag);
            let split = ws.len() * 2 / 3;
            for w in &ws[..split] {
                p.mouse.add(w);
            }
            assert_eq!(
                p.mouse.state(),
                ProfileState::Trained,
                "{} actions",
                p.mouse.samples
            );
            assert!(p.mouse_model_stale());
            // the scorer tells the server the same thing
            let r = SessionScorer::new(cfg.clone()).process(
                &mouse_events(*tag),
                &mut p.clone(),
                Some(&global),
            );
            assert!(r.iter().any(|r| r.mouse_model_stale), "{r:?}");
            assert!(p.train_mouse_model(&global).unwrap());
            for w in &ws[split..] {
                g.push(score_mouse(&p.mouse, Some(&global), w, &cfg).score.unwrap());
            }
            for (otag, ows) in &users {
                if otag != tag {
                    for w in ows.iter().rev().take(10) {
                        i.push(score_mouse(&p.mouse, Some(&global), w, &cfg).score.unwrap());
                    }
                }
            }
        }
        (g, i)
    };
    let (eer, auc, _) = roc(&gen_all, &imp_all);
    assert!(auc > 0.9, "window AUC {auc}, EER {eer}");
}

#[test]
fn session_blocks_intruders_but_not_one_odd_window() {
    let cfg = Config::default();
    let global = keystroke_global(&cfg);
    let mut owner = Typist::new(1);
    let mut profiles = UserProfiles::new(&cfg);
    let mut s = SessionScorer::new(cfg.clone());
    // enrollment through the scorer itself
    let mut enrolled_at = None;
    for i in 0..12 {
        for r in s.process(&owner.sentence(9), &mut profiles, Some(&global)) {
            assert_ne!(r.decision, Decision::Block);
            if r.profile_state == ProfileState::Trained && enrolled_at.is_none() {
                enrolled_at = Some(i);
            }
        }
    }
    assert!(
        enrolled_at.is_some(),
        "keystroke enrollment did not complete"
    );
    // owner keeps typing: never blocked
    for _ in 0..20 {
        for r in s.process(&owner.sentence(9), &mut profiles, Some(&global)) {
            assert_ne!(r.decision, Decision::Block, "owner blocked: {r:?}");
        }
    }
    // one window of someone else, then the owner again: not blocked
    let mut other = Typist::new(77);
    let r = s.process(&other.sentence(9), &mut profiles, Some(&global));
    assert!(r.iter().all(|r| r.decision != Decision::Block));
    for _ in 0..3 {
        for r in s.process(&owner.sentence(9), &mut profiles, Some(&global)) {
            assert_ne!(r.decision, Decision::Block);
        }
    }
    // an intruder typing on: blocked within a few sentences
    let mut blocked_after = None;
    for i in 0..10 {
        for r in s.process(&other.sentence(9), &mut profiles, Some(&global)) {
            if r.decision == Decision::Block && blocked_after.is_none() {
                blocked_after = Some(i);
                assert!(r.session_risk >= cfg.block_risk);
            }
        }
    }
    assert!(
        blocked_after.is_some_and(|i| i <= 6),
        "blocked after {blocked_after:?}"
    );
}

#[test]
fn learning_mode_never_blocks_and_has_no_score() {
    let cfg = Config::default();
    let mut profiles = UserProfiles::new(&cfg);
    let mut s = SessionScorer::new(cfg);
    let mut t = Typist::new(5);
    // a window closes at the typing pause before the next sentence
    assert!(s.process(&t.sentence(9), &mut profiles, None).is_empty());
    let r = s.process(&t.sentence(9), &mut profiles, None);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].score, None);
    assert_eq!(r[0].model, ModelUsed::None);
    assert_eq!(r[0].decision, Decision::None);
    assert!(r[0].profile_changed);
    // keystroke enrollment progress is counted in keystrokes
    assert_eq!(r[0].samples, r[0].size);
    assert_eq!(r[0].required, Config::default().keystroke_enroll_keys);
}

#[test]
fn non_human_input_is_high_risk_with_a_reason() {
    let cfg = Config::default();
    let mut profiles = UserProfiles::new(&cfg);
    let mut s = SessionScorer::new(cfg);
    // perfectly regular typing
    let mut ev = Vec::new();
    for i in 0..40 {
        let t = f64::from(i) * 100.0;
        ev.push(Event::Keydown {
            t,
            code: Some("KeyA".into()),
        });
        ev.push(Event::Keyup {
            t: t + 50.0,
            code: Some("KeyA".into()),
        });
    }
    let mut r = s.process(&ev, &mut profiles, None);
    r.extend(s.flush(&mut profiles, None));
    assert_eq!(r[0].level, Level::High);
    assert!(
        r[0].reasons[0].contains("zero variance"),
        "{:?}",
        r[0].reasons
    );
    assert!(
        r[0].window.is_none(),
        "bot input must not be stored for training"
    );
    assert!(!r[0].profile_changed);
    // replay of an earlier (human) packet, shifted in time
    let mut t = Typist::new(9);
    let a = t.sentence(9);
    let _ = s.process(&a, &mut profiles, None);
    let shifted: Vec<Event> = a
        .iter()
        .map(|e| match e {
            Event::Keydown { t, code } => Event::Keydown {
                t: t + 60_000.0,
                code: code.clone(),
            },
            Event::Keyup { t, code } => Event::Keyup {
                t: t + 60_000.0,
                code: code.clone(),
            },
            other => other.clone(),
        })
        .collect();
    let r = s.process(&shifted, &mut profiles, None);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].level, Level::High);
    assert!(r[0].reasons[0].contains("repeat"), "{:?}", r[0].reasons);
    // superhuman typing rate
    let mut ev = Vec::new();
    let codes = ["KeyQ", "KeyW", "KeyE", "KeyR"];
    for i in 0..40u32 {
        let t = f64::from(i) * 5.0 + f64::from(i % 3);
        let c = codes[(i % 4) as usize];
        ev.push(Event::Keydown {
            t: t + 200_000.0,
            code: Some(c.into()),
        });
        ev.push(Event::Keyup {
            t: t + 200_040.0 + f64::from((i * 7) % 13),
            code: Some(c.into()),
        });
    }
    let mut r = s.process(&ev, &mut profiles, None);
    r.extend(s.flush(&mut profiles, None));
    // (the human sentence still pending before the pause is scored first)
    let last = r.last().unwrap();
    assert_eq!(last.level, Level::High);
    assert!(
        last.reasons[0].contains("faster than a person"),
        "{:?}",
        last.reasons
    );
}

#[test]
fn reasons_are_words() {
    let cfg = Config::default();
    let ws = typist_windows(2, 12);
    let mut p = UserProfiles::new(&cfg);
    for w in &ws[..10] {
        p.keystroke.add(w);
    }
    // a much slower typist
    let mut slow = Typist::new(2);
    let ev: Vec<Event> = slow
        .sentence(9)
        .into_iter()
        .map(|e| match e {
            Event::Keydown { t, code } => Event::Keydown { t: t * 2.5, code },
            Event::Keyup { t, code } => Event::Keyup { t: t * 2.5, code },
            o => o,
        })
        .collect();
    let w = KeystrokeWindow::from_events(&ev, 10).unwrap();
    let s = score_keystroke(&p.keystroke, None, &w, &cfg);
    assert!(s.score.unwrap() > 0.5);
    assert!(
        s.reasons
            .iter()
            .any(|r| r.contains("slower than profile") && r.contains("SD)")),
        "{:?}",
        s.reasons
    );
}

#[test]
fn serialisation_round_trips_and_stores_no_key_codes() {
    let cfg = Config::default();
    let global = keystroke_global(&cfg);
    let mut profiles = UserProfiles::for_user(&cfg, 42);
    for w in typist_windows(1, 11) {
        profiles.keystroke.add(&w);
    }
    for w in mouse_windows(1, 60) {
        profiles.mouse.add(&w);
    }
    let json = profiles.to_json().unwrap();
    assert_eq!(UserProfiles::from_json(&json).unwrap(), profiles);
    for code in ["KeyA", "KeyE", "Space", "ShiftLeft"] {
        assert!(!json.contains(code), "profile JSON contains {code}");
    }
    let g = global.to_json().unwrap();
    assert_eq!(GlobalModel::from_json(&g).unwrap(), global);
    let w = FeatureWindow::Keystroke(typist_windows(1, 1).remove(0));
    let wj = serde_json::to_string(&w).unwrap();
    assert!(!wj.contains("Key"));
    assert_eq!(serde_json::from_str::<FeatureWindow>(&wj).unwrap(), w);
    let m = FeatureWindow::Mouse(mouse_windows(3, 5).remove(0));
    let mj = serde_json::to_string(&m).unwrap();
    assert_eq!(serde_json::from_str::<FeatureWindow>(&mj).unwrap(), m);
    // a future format version is refused, not misread
    let bumped = json.replacen("\"version\":1", "\"version\":99", 1);
    assert!(UserProfiles::from_json(&bumped).is_err());
    assert!(UserProfiles::from_json("{").is_err());
}

#[test]
fn scores_are_identical_after_a_round_trip() {
    let cfg = Config::default();
    let users: Vec<(u64, Vec<MouseWindow>)> =
        (0..5u64).map(|s| (s + 1, mouse_windows(s, 250))).collect();
    let global = GlobalModel::train(&[], &users, &cfg).unwrap();
    let mut p = UserProfiles::for_user(&cfg, 1);
    for w in &users[0].1 {
        p.mouse.add(w);
    }
    p.train_mouse_model(&global).unwrap();
    let p2 = UserProfiles::from_json(&p.to_json().unwrap()).unwrap();
    let g2 = GlobalModel::from_json(&global.to_json().unwrap()).unwrap();
    for w in &users[1].1[..10] {
        let a = score_mouse(&p.mouse, Some(&global), w, &cfg).score;
        let b = score_mouse(&p2.mouse, Some(&g2), w, &cfg).score;
        assert_eq!(a, b);
    }
}

#[test]
fn mouse_model_needs_other_people() {
    let cfg = Config::default();
    let only_me: Vec<(u64, Vec<MouseWindow>)> = vec![(7, mouse_windows(1, 200))];
    let global = GlobalModel::train(&[], &only_me, &cfg);
    let mut p = UserProfiles::for_user(&cfg, 7);
    for w in &only_me[0].1 {
        p.mouse.add(w);
    }
    if let Ok(g) = global {
        // the only reference actions are the owner's own: no forest against nobody
        assert!(p.train_mouse_model(&g).is_err() || g.mouse_reference.is_none());
        assert!(!p.mouse.has_model());
    }
}

#[test]
fn keystroke_windows_do_not_depend_on_message_size() {
    let cfg = Config::default();
    let mut t = Typist::new(11);
    let events: Vec<Event> = (0..6).flat_map(|_| t.sentence(9)).collect();
    let whole = SessionScorer::new(cfg.clone()).windows_only(&events, false);
    // the page sends one message per second
    let mut s = SessionScorer::new(cfg);
    let mut chunked = Vec::new();
    let mut start = 0;
    for i in 1..=events.len() {
        let end_of_second = i == events.len()
            || (events[i].t() / 1000.0).floor() != (events[start].t() / 1000.0).floor();
        if end_of_second {
            chunked.extend(s.windows_only(&events[start..i], false));
            start = i;
        }
    }
    assert_eq!(
        whole.len(),
        5,
        "one window per sentence, the last still pending"
    );
    assert_eq!(whole, chunked);
}

#[test]
fn generated_bots_are_caught_and_never_enroll() {
    use behavior_ml::synth::{bot_session, Bot};
    let cfg = Config {
        teleport_clicks_nonhuman: 2,
        ..Config::default()
    };
    for bot in Bot::ALL {
        for seed in 0..5 {
            let mut p = UserProfiles::new(&cfg);
            let mut s = SessionScorer::new(cfg.clone());
            let mut rs = Vec::new();
            // (teleport clicks: with the rule switched on, see Config)
            for m in bot_session(bot, seed) {
                rs.extend(s.process(&m, &mut p, None));
            }
            rs.extend(s.flush(&mut p, None));
            assert!(!rs.is_empty(), "{bot:?}: no window");
            let caught = rs
                .iter()
                .filter(|r| r.level == Level::High && r.window.is_none())
                .count();
            assert!(
                caught * 5 >= rs.len() * 4,
                "{bot:?} seed {seed}: {caught} of {} windows caught: {:?}",
                rs.len(),
                rs.iter().map(|r| &r.reasons).collect::<Vec<_>>()
            );
            assert!(rs.iter().all(|r| r.decision != Decision::Block));
            if bot.is_keyboard() {
                assert_eq!(p.keystroke.keystrokes, 0, "{bot:?} advanced enrollment");
            }
        }
    }
}

#[test]
fn recorded_typing_replayed_in_a_later_session_is_caught() {
    let cfg = Config::default();
    let mut t = Typist::new(21);
    let sentences: Vec<Vec<Event>> = (0..8).map(|_| t.sentence(9)).collect();
    let mut p = UserProfiles::new(&cfg);
    let mut s = SessionScorer::new(cfg.clone());
    for m in &sentences {
        s.process(m, &mut p, None);
    }
    s.flush(&mut p, None);
    let learnt = p.keystroke.keystrokes;
    assert!(learnt > 0);
    // a new session, an hour later, sends the very same typing
    let mut s = SessionScorer::new(cfg);
    let mut rs = Vec::new();
    for m in &sentences {
        let later: Vec<Event> = m
            .iter()
            .map(|e| match e.clone() {
                Event::Keydown { t, code } => Event::Keydown { t: t + 3.6e6, code },
                Event::Keyup { t, code } => Event::Keyup { t: t + 3.6e6, code },
                o => o,
            })
            .collect();
        rs.extend(s.process(&later, &mut p, None));
    }
    assert!(!rs.is_empty());
    for r in &rs {
        assert_eq!(r.level, Level::High);
        assert!(r.reasons[0].contains("replay"), "{:?}", r.reasons);
    }
    assert_eq!(p.keystroke.keystrokes, learnt, "the replay was learnt");
}

#[test]
fn clicks_without_a_movement_count_as_mouse_actions() {
    let cfg = Config::default();
    let mut p = UserProfiles::new(&cfg);
    let mut s = SessionScorer::new(cfg);
    // the pointer rests, then clicks where it is, a few times
    let mut ev = vec![Event::Mousemove {
        t: 0.0,
        x: 100.0,
        y: 100.0,
    }];
    for i in 0..6 {
        let t = 1000.0 + f64::from(i) * 900.0;
        ev.push(Event::Mousedown {
            t,
            button: 0,
            x: 100.0,
            y: 100.0,
        });
        ev.push(Event::Mouseup {
            t: t + 90.0 + f64::from(i * 7),
            button: 0,
            x: 100.0,
            y: 100.0,
        });
    }
    let mut rs = s.process(&ev, &mut p, None);
    rs.extend(s.flush(&mut p, None));
    assert_eq!(rs.iter().map(|r| r.size).sum::<u32>(), 6, "{rs:?}");
    assert!(rs.iter().all(|r| r.level != Level::High));
    assert_eq!(p.mouse.samples, 6);
}

#[test]
fn a_keyboard_only_user_has_the_mouse_not_used() {
    use behavior_ml::{Modality, Usage};
    let cfg = Config::default();
    let mut p = UserProfiles::new(&cfg);
    assert_eq!(p.usage(Modality::Mouse), Usage::Enrolling);
    let mut s = SessionScorer::new(cfg);
    let mut t = Typist::new(4);
    for _ in 0..12 {
        s.process(&t.sentence(9), &mut p, None);
    }
    assert_eq!(p.usage(Modality::Keystroke), Usage::Trained);
    assert_eq!(p.usage(Modality::Mouse), Usage::NotUsed);
    assert_eq!(
        serde_json::to_string(&Usage::NotUsed).unwrap(),
        "\"not_used\""
    );
    // using the mouse brings it back to enrolling
    let mut u = MouseUser::new(4);
    let ev: Vec<Event> = (0..30).flat_map(|_| u.movement()).collect();
    s.process(&ev, &mut p, None);
    s.flush(&mut p, None);
    assert_eq!(p.usage(Modality::Mouse), Usage::Enrolling);
}

#[test]
fn confirmed_owner_windows_are_learnt_once_and_bots_never() {
    use behavior_ml::synth::{bot_session, Bot};
    let cfg = Config::default();
    let ws = typist_windows(3, 12);
    let mut p = UserProfiles::new(&cfg);
    for w in &ws[..10] {
        p.keystroke.add(w);
    }
    assert_eq!(p.keystroke.state(), ProfileState::Trained);
    let before = p.keystroke.samples;
    // a window of another typist that the analyst says was the owner's
    let odd = FeatureWindow::Keystroke(typist_windows(77, 1).remove(0));
    assert!(p.learn_confirmed(&odd, &cfg));
    assert_eq!(p.keystroke.samples, before + 1);
    // the session's stored windows again (feedback given twice, or the window was learnt
    // already as a low-risk one): nothing counted twice
    assert!(!p.learn_confirmed(&odd, &cfg));
    assert!(!p.learn_confirmed(&FeatureWindow::Keystroke(ws[3].clone()), &cfg));
    assert_eq!(p.keystroke.samples, before + 1);
    // non-human input is never learnt, whatever the verdict
    let mut s = SessionScorer::new(cfg.clone());
    let bot: Vec<Event> = bot_session(Bot::WebDriverTyping, 1)
        .into_iter()
        .flatten()
        .collect();
    let bot_windows = s.windows_only(&bot, true);
    assert!(!bot_windows.is_empty());
    for w in &bot_windows {
        assert!(!p.learn_confirmed(w, &cfg), "bot window learnt");
    }
    assert_eq!(p.keystroke.samples, before + 1);
    // a mouse window learns into the mouse profile
    let m = mouse_windows(5, 3).remove(0);
    let samples = p.mouse.samples;
    assert!(p.learn_confirmed(&FeatureWindow::Mouse(m.clone()), &cfg));
    assert!(p.mouse.samples > samples);
    assert!(!p.learn_confirmed(&FeatureWindow::Mouse(m), &cfg));
}

#[test]
fn a_global_model_stored_before_the_rank_features_still_scores() {
    use behavior_ml::keystroke_profile::compare;
    let cfg = Config::default();
    let mut g = keystroke_global(&cfg);
    // the previous version's keystroke model had 20 inputs
    let lm = g.keystroke.as_mut().unwrap();
    lm.mean.truncate(20);
    lm.scale.truncate(20);
    lm.weights.truncate(20);
    let old = GlobalModel::from_json(&g.to_json().unwrap()).unwrap();
    let ws = typist_windows(1, 12);
    let mut p = UserProfiles::new(&cfg);
    for w in &ws[..10] {
        p.keystroke.add(w);
    }
    let v = compare(&p.keystroke, &ws[11]).vector;
    assert_eq!(v.len(), 23);
    // it reads exactly the entries it was trained on
    assert_eq!(old.keystroke_prob(&v), old.keystroke_prob(&v[..20]));
    let s = score_keystroke(&p.keystroke, Some(&old), &ws[11], &cfg)
        .score
        .unwrap();
    assert!((0.0..=1.0).contains(&s));
}
