//! The analyst-feedback protocol on a small generated data set (no dev data needed):
//! synthetic typists whose later sentences drift (the owner on another keyboard) raise false
//! alarms; answering them `owner` must lower the later false-alarm rate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::process::Command;

use behavior_ml::synth::Typist;
use behavior_ml::Event;

const HEADER: &str = "PARTICIPANT_ID\tTEST_SECTION_ID\tSENTENCE\tUSER_INPUT\tKEYSTROKE_ID\tPRESS_TIME\tRELEASE_TIME\tLETTER\tKEYCODE\n";

fn keycode(code: &str) -> Option<u32> {
    match code {
        "Space" => Some(32),
        c => c
            .strip_prefix("Key")
            .and_then(|l| l.chars().next())
            .map(|l| l as u32),
    }
}

/// One sentence's rows in the "136M Keystrokes" format.
fn rows(out: &mut String, p: u64, sec: usize, ev: &[Event]) {
    let mut open: Vec<(String, f64)> = Vec::new();
    let mut k = 0;
    for e in ev {
        match e {
            Event::Keydown { t, code: Some(c) } => open.push((c.clone(), *t)),
            Event::Keyup { t, code: Some(c) } => {
                if let Some(i) = open.iter().position(|(o, _)| o == c) {
                    let (code, press) = open.remove(i);
                    let kc = keycode(&code).unwrap();
                    writeln!(out, "{p}\t{sec}\tx\tx\t{k}\t{press}\t{t}\tx\t{kc}").unwrap();
                    k += 1;
                }
            }
            _ => {}
        }
    }
}

#[test]
fn feedback_on_false_alarms_lowers_the_later_alarm_rate() {
    let tmp = std::env::temp_dir().join(format!("behavior-eval-feedback-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for p in 0..12u64 {
        let mut own = Typist::new(p);
        // the same person on another keyboard: a different typist from the 8th sentence on
        let mut drifted = Typist::new(p + 500);
        let mut s = String::from(HEADER);
        for sec in 0..16 {
            let ev = if sec < 7 {
                own.sentence(9)
            } else {
                drifted.sentence(9)
            };
            rows(&mut s, p, sec, &ev);
        }
        std::fs::write(tmp.join(format!("{p}_keystrokes.txt")), s).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_behavior-eval"))
        .args([
            "keystrokes",
            "--protocol",
            "feedback",
            "--enroll",
            "5",
            "--json",
            "--data",
        ])
        .arg(&tmp)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["protocol"], "aalto-keystrokes-feedback");
    assert_eq!(v["users"], 12);
    for model in ["global_model", "profile_only"] {
        let m = &v[model];
        assert!(
            m["owners_with_false_alarm"].as_u64().unwrap() >= 3,
            "{model}: {m}"
        );
        assert!(m["later_windows"].as_u64().unwrap() > 0, "{model}: {m}");
        let (without, with) = (&m["without_feedback"], &m["with_feedback"]);
        assert_eq!(without["windows_learnt_by_feedback"], 0);
        assert!(with["windows_learnt_by_feedback"].as_u64().unwrap() > 0);
        let rate = |a: &serde_json::Value| a["later_alarm_rate"].as_f64().unwrap();
        assert!(
            rate(with) < rate(without),
            "{model}: later alarm rate with feedback {} vs without {}",
            rate(with),
            rate(without)
        );
        for key in [
            "intruder_sessions_blocked_rate",
            "intruder_flagged_window_rate",
            "impostor_probe_flagged_rate",
            "later_flagged_window_rate",
            "owners_alarmed_later_rate",
        ] {
            assert!(with[key].is_number() && without[key].is_number(), "{key}");
        }
        assert_eq!(m["later_alarm_rate_per_fold"].as_array().unwrap().len(), 2);
    }
}
