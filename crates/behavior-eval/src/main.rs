//! `behavior-eval`: replays recorded keystroke and mouse data sets through `behavior-ml`
//! (the same feature, profile, global-model and decision code and defaults as the server)
//! and measures it. See `docs/behavior.md`.
//!
//! ```text
//! behavior-eval keystrokes --data DIR [--protocol probes|feedback] [--background DIR] [--enroll 10] [--folds 2] [--json] [--plot FILE]
//! behavior-eval mouse --data DIR [--protocol challenge|leave-users-out|feedback] [--json] [--plot FILE]
//! behavior-eval synthetic [--json]
//! ```

mod feedback;
mod keystroke_data;
mod keystroke_live;
mod keystrokes;
mod mouse;
mod mouse_data;
mod mouse_lou;
mod plot;
mod report;
mod synthetic;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Replays recorded behavioural data through behavior-ml and measures it.
#[derive(Debug, Parser)]
#[command(name = "behavior-eval", version, about, long_about = None)]
pub struct Cli {
    /// Protocol to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The protocols.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The "136M Keystrokes" protocol: one-sentence probes against per-participant profiles.
    Keystrokes(KeystrokeArgs),
    /// The Balabit mouse protocols: the challenge's labelled test sessions, or leave-users-out
    /// on the training sessions.
    Mouse(MouseArgs),
    /// Generated non-human input (bots, replays): how much of it is caught.
    Synthetic(CommonArgs),
}

/// Options every protocol takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Draw ROC and DET curves with the EER marked into FILE (`.svg` or `.png`).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// Which keystroke protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeystrokeProtocol {
    /// The "136M Keystrokes" protocol: one-sentence probes, EER, continuous view.
    Probes,
    /// Analyst feedback: each owner's later sentences replayed with and without the verdict
    /// `owner` on their false alarms (learnt into the profile); the later false-alarm rate
    /// of both arms, and intruders against both resulting profiles.
    Feedback,
}

/// Options of the keystroke protocol.
#[derive(Debug, Clone, Args)]
pub struct KeystrokeArgs {
    /// Directory of `<id>_keystrokes.txt` files.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Protocol.
    #[arg(long, value_enum, default_value_t = KeystrokeProtocol::Probes)]
    pub protocol: KeystrokeProtocol,
    /// Train the global model on this directory's participants instead of on folds of DIR.
    #[arg(long, value_name = "DIR")]
    pub background: Option<PathBuf>,
    /// Enrollment sentences per participant.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub enroll: u32,
    /// Folds of participants without --background: the global model of a fold is trained on
    /// the other folds and never sees the participants it scores.
    #[arg(long, value_name = "K", default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..))]
    pub folds: u32,
    /// Quick runs: only the first N participants (not part of the contract).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Which mouse protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MouseProtocol {
    /// The challenge: profiles from all training sessions, the labelled test sessions scored.
    Challenge,
    /// All users' training sessions: for each pair of users, models trained on the other
    /// users; each owner's later sessions are genuine, the other user's sessions impostors.
    LeaveUsersOut,
    /// Analyst feedback: each owner's later training sessions replayed with and without the
    /// verdict `owner` on their false alarms; the later false-alarm rate of both arms, and the
    /// next user's sessions as intruder against both resulting profiles.
    Feedback,
}

/// Options of the mouse protocols.
#[derive(Debug, Clone, Args)]
pub struct MouseArgs {
    /// Directory with `training_files/`, `test_files/` and `labels.csv`.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Protocol.
    #[arg(long, value_enum, default_value_t = MouseProtocol::Challenge)]
    pub protocol: MouseProtocol,
    /// Quick runs: N test sessions and two training sessions per user (challenge),
    /// N pairs of users (leave-users-out), or N owners (feedback) (not part of the contract).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Scores of a protocol, for curves: higher = less like the owner.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    /// Scores of owner probes.
    pub genuine: Vec<f64>,
    /// Scores of impostor probes.
    pub impostor: Vec<f64>,
}

/// What a protocol returns.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The JSON object (`--json`).
    pub json: serde_json::Value,
    /// Human-readable text.
    pub text: String,
    /// Scores for the plot.
    pub scores: Scores,
    /// Title of the plot.
    pub title: String,
}

/// An error that ends the command with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

fn run(cli: &Cli) -> Result<(Outcome, CommonArgs), UsageError> {
    let common = match &cli.command {
        Command::Keystrokes(a) => &a.common,
        Command::Mouse(a) => &a.common,
        Command::Synthetic(c) => c,
    };
    if let Some(n) = common.threads {
        // only fails when a pool already exists, which cannot happen here
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global();
    }
    let outcome = match &cli.command {
        Command::Keystrokes(a) if a.protocol == KeystrokeProtocol::Feedback => {
            feedback::run_keystrokes(a)?
        }
        Command::Keystrokes(a) => keystrokes::run(a)?,
        Command::Mouse(a) if a.protocol == MouseProtocol::Challenge => mouse::run(a)?,
        Command::Mouse(a) if a.protocol == MouseProtocol::Feedback => feedback::run_mouse(a)?,
        Command::Mouse(a) => mouse_lou::run(a)?,
        Command::Synthetic(_) => synthetic::run()?,
    };
    Ok((outcome, common.clone()))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let (outcome, common) = match run(&cli) {
        Ok(x) => x,
        Err(UsageError(m)) => {
            eprintln!("behavior-eval: {m}");
            return ExitCode::from(2);
        }
    };
    if let Some(p) = &common.plot {
        if let Err(e) = plot::draw(p, &outcome.scores, &outcome.title) {
            eprintln!("behavior-eval: cannot draw {}: {e}", p.display());
            return ExitCode::from(1);
        }
    }
    if common.json {
        println!("{}", outcome.json);
    } else {
        println!("{}", outcome.text);
    }
    ExitCode::SUCCESS
}
