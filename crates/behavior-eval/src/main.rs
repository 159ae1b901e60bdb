//! `behavior-eval`: replays recorded keystroke and mouse data sets through `behavior-ml`
//! (the same feature, profile, global-model and decision code and defaults as the server)
//! and measures it. See `docs/behavior.md`.
//!
//! ```text
//! behavior-eval keystrokes --data DIR [--background DIR] [--enroll 10] [--json] [--plot FILE.svg]
//! behavior-eval mouse --data DIR [--json] [--plot FILE.svg]
//! ```

mod keystrokes;
mod mouse;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

/// Parsed command line.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// `keystrokes` or `mouse`.
    pub command: String,
    /// `--data DIR`.
    pub data: PathBuf,
    /// `--background DIR`.
    pub background: Option<PathBuf>,
    /// `--enroll N`.
    pub enroll: usize,
    /// `--json`.
    pub json: bool,
    /// `--plot FILE.svg`.
    pub plot: Option<PathBuf>,
    /// `--limit N` (quick runs: first N participants; for mouse, N test sessions per user
    /// and two training sessions per user).
    pub limit: Option<usize>,
    /// `--threads N`.
    pub threads: usize,
}

/// What a protocol returns: JSON line, human-readable text, ROC curve points.
pub type Outcome = (String, String, Vec<(f64, f64)>);

/// An error that ends the command with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

const USAGE: &str = "usage:\n  behavior-eval keystrokes --data DIR [--background DIR] [--enroll 10] [--json] [--plot FILE.svg]\n  behavior-eval mouse --data DIR [--json] [--plot FILE.svg]";

fn parse(args: &[String]) -> Result<Args, UsageError> {
    let mut a = Args {
        enroll: 10,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        ..Args::default()
    };
    let mut it = args.iter();
    a.command = it.next().cloned().ok_or_else(|| UsageError(USAGE.into()))?;
    if a.command != "keystrokes" && a.command != "mouse" {
        return Err(UsageError(format!(
            "unknown command {:?}\n{USAGE}",
            a.command
        )));
    }
    let mut data = None;
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| UsageError(format!("{name} needs a value\n{USAGE}")))
        };
        match flag.as_str() {
            "--data" => data = Some(PathBuf::from(value("--data")?)),
            "--background" => a.background = Some(PathBuf::from(value("--background")?)),
            "--enroll" => {
                let v = value("--enroll")?;
                a.enroll = v.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    UsageError(format!("--enroll must be a positive integer, got {v:?}"))
                })?;
            }
            "--limit" => {
                let v = value("--limit")?;
                a.limit = Some(
                    v.parse()
                        .map_err(|_| UsageError(format!("bad --limit {v:?}")))?,
                );
            }
            "--threads" => {
                let v = value("--threads")?;
                a.threads = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| UsageError(format!("bad --threads {v:?}")))?;
            }
            "--json" => a.json = true,
            "--plot" => a.plot = Some(PathBuf::from(value("--plot")?)),
            "-h" | "--help" => return Err(UsageError(USAGE.into())),
            other => return Err(UsageError(format!("unknown argument {other:?}\n{USAGE}"))),
        }
    }
    a.data = data.ok_or_else(|| UsageError(format!("--data DIR is required\n{USAGE}")))?;
    Ok(a)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a = match parse(&args) {
        Ok(a) => a,
        Err(UsageError(m)) => {
            eprintln!("behavior-eval: {m}");
            return ExitCode::from(2);
        }
    };
    let result = if a.command == "keystrokes" {
        keystrokes::run(&a)
    } else {
        mouse::run(&a)
    };
    match result {
        Ok((json, text, roc)) => {
            if let Some(p) = &a.plot {
                if let Err(e) = std::fs::write(p, report::roc_svg(&roc, &a.command)) {
                    eprintln!("behavior-eval: cannot write {}: {e}", p.display());
                    return ExitCode::from(1);
                }
            }
            if a.json {
                println!("{json}");
            } else {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(UsageError(m)) => {
            eprintln!("behavior-eval: {m}");
            ExitCode::from(2)
        }
    }
}
