//! Runs `behavior-eval` on a small subset of the development data with loose bounds.
//! Skips (with a message) when the data folder is absent. Set `BEHAVIOR_DATA_DIR` to point
//! elsewhere; the default is `../../../shared/data` relative to this crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BEHAVIOR_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIPPED: evaluation data not found at {} (set BEHAVIOR_DATA_DIR)",
            dir.display()
        );
        None
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_behavior-eval"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn keystrokes_subset_beats_a_loose_bound() {
    let Some(d) = data_dir() else { return };
    let dir = d.join("aalto-keystrokes-dev");
    if !dir.is_dir() {
        println!("SKIPPED: {} absent", dir.display());
        return;
    }
    let (code, out, err) = run(&[
        "keystrokes",
        "--data",
        dir.to_str().unwrap(),
        "--limit",
        "60",
        "--json",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["protocol"], "aalto-keystrokes");
    assert_eq!(v["enroll"], 10);
    let eer = v["mean_user_eer"].as_f64().unwrap();
    assert!(eer < 0.12, "mean per-user EER {eer}");
    assert!(v["global_eer"].as_f64().unwrap() < 0.2);
    assert!(v["continuous"]["owner_blocked_rate"].as_f64().unwrap() <= 0.1);
    assert!(v["score_us_p99"].as_f64().is_some());
}

#[test]
fn mouse_runs_and_separates_owners_from_intruders() {
    let Some(d) = data_dir() else { return };
    let dir = d.join("balabit-mouse-dev");
    if !dir.is_dir() {
        println!("SKIPPED: {} absent", dir.display());
        return;
    }
    let (code, out, err) = run(&[
        "mouse",
        "--data",
        dir.to_str().unwrap(),
        "--limit",
        "12",
        "--json",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["protocol"], "balabit-mouse");
    let auc = v["auc"].as_f64().unwrap();
    assert!(auc > 0.75, "AUC {auc}");
}

#[test]
fn bad_directories_exit_with_code_2() {
    let (code, _, err) = run(&["keystrokes", "--data", "/nonexistent/behavior-eval-test"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    let tmp = std::env::temp_dir().join(format!("behavior-eval-empty-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (code, _, err) = run(&["mouse", "--data", tmp.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a Balabit data directory"), "{err}");
    let (code, _, err) = run(&["keystrokes", "--data", tmp.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no <id>_keystrokes.txt"), "{err}");
    let (code, _, _) = run(&["keystrokes"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["fly"]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn malformed_rows_are_skipped_and_counted() {
    let tmp = std::env::temp_dir().join(format!("behavior-eval-rows-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    // Two synthetic participants with 12 sentences each, plus broken rows.
    for (p, base) in [(1u32, 90.0f64), (2, 140.0)] {
        let mut s = String::from("PARTICIPANT_ID\tTEST_SECTION_ID\tSENTENCE\tUSER_INPUT\tKEYSTROKE_ID\tPRESS_TIME\tRELEASE_TIME\tLETTER\tKEYCODE\n");
        let mut t = 1_000_000.0;
        for sec in 0..12 {
            for k in 0..30u32 {
                let code = 65 + (k * 7 + sec) % 26;
                let gap = base + f64::from((k * 13 + sec * 5) % 40);
                t += gap;
                s.push_str(&format!(
                    "{p}\t{sec}\tx\tx\t{k}\t{t}\t{}\tx\t{code}\n",
                    t + base * 0.8
                ));
            }
        }
        s.push_str("garbage line\n");
        s.push_str(&format!("{p}\t11\tx\tx\t99\tnot-a-time\t5\tx\t65\n"));
        std::fs::write(tmp.join(format!("{p}_keystrokes.txt")), s).unwrap();
    }
    let (code, out, err) = run(&["keystrokes", "--data", tmp.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["skipped_rows"], 4);
    assert_eq!(v["users"], 2);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn help_and_version_succeed_and_list_every_option() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for c in ["keystrokes", "mouse", "synthetic"] {
        assert!(out.contains(c), "{out}");
    }
    let (code, out, _) = run(&["keystrokes", "--help"]);
    assert_eq!(code, 0);
    for o in [
        "--data",
        "--background",
        "--enroll",
        "--folds",
        "--json",
        "--plot",
        "--threads",
        "--protocol",
        "feedback",
    ] {
        assert!(out.contains(o), "{o} missing from {out}");
    }
    let (code, out, _) = run(&["mouse", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("leave-users-out"), "{out}");
    assert!(out.contains("feedback"), "{out}");
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("behavior-eval "), "{out}");
    let (code, _, _) = run(&["keystrokes", "--data", "x", "--enroll", "0"]);
    assert_eq!(code, 2);
}

#[test]
fn synthetic_input_is_caught() {
    let (code, out, err) = run(&["synthetic", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["protocol"], "synthetic-nonhuman");
    // teleport clicks are caught only with the rule switched on (teleport_clicks_rule_on)
    for k in v["kinds"].as_array().unwrap() {
        if k["kind"] == "teleport_clicks" {
            continue;
        }
        assert!(k["sessions_caught_rate"].as_f64().unwrap() >= 0.9, "{k}");
    }
}

#[test]
fn leave_users_out_and_plots_on_a_subset() {
    let Some(d) = data_dir() else { return };
    let dir = d.join("balabit-mouse-dev");
    if !dir.is_dir() {
        println!("SKIPPED: {} absent", dir.display());
        return;
    }
    let svg = std::env::temp_dir().join(format!("behavior-eval-{}.svg", std::process::id()));
    let (code, out, err) = run(&[
        "mouse",
        "--data",
        dir.to_str().unwrap(),
        "--protocol",
        "leave-users-out",
        "--limit",
        "1",
        "--json",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["protocol"], "balabit-mouse-leave-users-out");
    assert_eq!(v["owner_impostor_pairs"], 2);
    let d30 = &v["decisions"][1];
    assert_eq!(d30["actions"], 30);
    assert!(d30["pooled_auc"].as_f64().unwrap() > 0.6, "{d30}");
    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(plot.contains("<svg") && plot.contains("EER") && plot.contains("DET"));
    let _ = std::fs::remove_file(&svg);
}
