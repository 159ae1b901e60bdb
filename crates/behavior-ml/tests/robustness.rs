//! Property tests: feature extraction and scoring never panic on arbitrary input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use behavior_ml::keystroke::KeystrokeWindow;
use behavior_ml::synth::Typist;
use behavior_ml::{Config, Event, GlobalModel, MouseWindow, SessionScorer, UserProfiles};
use proptest::prelude::*;

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e4f64..1e6,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e300),
        1 => Just(-1e300),
        1 => Just(0.0),
    ]
}

fn any_code() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("KeyA".to_string())),
        Just(Some("KeyB".to_string())),
        Just(Some("Space".to_string())),
        Just(Some("ShiftLeft".to_string())),
        Just(Some("Backspace".to_string())),
        ".{0,12}".prop_map(Some),
    ]
}

fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (any_f64(), any_code()).prop_map(|(t, code)| Event::Keydown { t, code }),
        (any_f64(), any_code()).prop_map(|(t, code)| Event::Keyup { t, code }),
        (any_f64(), any_f64(), any_f64()).prop_map(|(t, x, y)| Event::Mousemove { t, x, y }),
        (any_f64(), any::<u8>(), any_f64(), any_f64())
            .prop_map(|(t, button, x, y)| Event::Mousedown { t, button, x, y }),
        (any_f64(), any::<u8>(), any_f64(), any_f64())
            .prop_map(|(t, button, x, y)| Event::Mouseup { t, button, x, y }),
        (any_f64(), any_f64(), any_f64(), any_f64(), any_f64())
            .prop_map(|(t, dx, dy, x, y)| Event::Wheel { t, dx, dy, x, y }),
    ]
}

/// Mostly-plausible streams (monotone-ish time with jumps, repeats and overlaps).
fn stream() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec(
        (0u8..8, 0f64..400.0, 0u8..4, -50f64..50.0, -50f64..50.0),
        0..300,
    )
    .prop_map(|steps| {
        let mut t = 1000.0;
        let mut out = Vec::new();
        let (mut x, mut y) = (500.0, 500.0);
        let codes = ["KeyA", "KeyS", "KeyD", "Space"];
        for (kind, dt, k, dx, dy) in steps {
            t += match kind {
                6 => -dt * 10.0, // clock jump backwards
                7 => 0.0,        // repeated timestamp
                _ => dt,
            };
            let code = Some(codes[usize::from(k)].to_string());
            x += dx;
            y += dy;
            out.push(match kind {
                0 | 6 => Event::Keydown { t, code },
                1 | 7 => Event::Keyup { t, code },
                2 => Event::Mousedown { t, button: 0, x, y },
                3 => Event::Mouseup { t, button: 0, x, y },
                4 => Event::Wheel {
                    t,
                    dx: 0.0,
                    dy,
                    x,
                    y,
                },
                _ => Event::Mousemove { t, x, y },
            });
        }
        out
    })
}

fn trained_profiles(cfg: &Config) -> UserProfiles {
    let mut p = UserProfiles::new(cfg);
    let mut t = Typist::new(3);
    for _ in 0..10 {
        if let Some(w) = KeystrokeWindow::from_events(&t.sentence(9), 10) {
            p.keystroke.add(&w);
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn extraction_never_panics(ev in prop::collection::vec(any_event(), 0..200)) {
        let _ = KeystrokeWindow::from_events(&ev, 0);
        let _ = KeystrokeWindow::from_events(&ev, 10);
        let _ = MouseWindow::from_events(&ev, 0);
    }

    #[test]
    fn session_never_panics_on_arbitrary_events(
        batches in prop::collection::vec(prop::collection::vec(any_event(), 0..120), 0..6)
    ) {
        let cfg = Config::default();
        let mut p = trained_profiles(&cfg);
        let mut s = SessionScorer::new(cfg);
        for b in &batches {
            for r in s.process(b, &mut p, None) {
                if let Some(sc) = r.score {
                    prop_assert!((0.0..=1.0).contains(&sc));
                }
                prop_assert!(r.session_risk.is_finite());
            }
        }
        let _ = s.flush(&mut p, None);
        // the profile still serialises (no NaN sneaked in)
        prop_assert!(p.to_json().is_ok());
        let back = UserProfiles::from_json(&p.to_json().unwrap());
        prop_assert!(back.is_ok());
    }

    #[test]
    fn plausible_streams_with_quirks_never_panic(ev in stream()) {
        let cfg = Config::default();
        let mut p = trained_profiles(&cfg);
        let mut s = SessionScorer::new(cfg.clone());
        for chunk in ev.chunks(37) {
            for r in s.process(chunk, &mut p, None) {
                if let Some(sc) = r.score {
                    prop_assert!((0.0..=1.0).contains(&sc));
                }
            }
        }
        let _ = s.flush(&mut p, None);
        let windows: Vec<_> = SessionScorer::new(cfg.clone()).windows_only(&ev, true);
        let json = serde_json::to_string(&windows);
        prop_assert!(json.is_ok());
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic(s in ".{0,200}") {
        let _ = behavior_ml::events::parse_events(&s);
        let _ = UserProfiles::from_json(&s);
        let _ = GlobalModel::from_json(&s);
    }
}
