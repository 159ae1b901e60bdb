//! The live views of the keystroke protocol: whole sentences replayed through
//! `SessionScorer` exactly as the server feeds it.

use behavior_ml::{
    Config, Decision, Event, GlobalModel, ProfileState, SessionScorer, UserProfiles, WindowResult,
};

use crate::keystroke_data::Participant;

/// Intruder sentences typed in the fresh-installation view.
pub const LIVE_INTRUDER_SENTENCES: usize = 10;

pub use crate::report::live_config;

/// The fresh-installation view: no global model, the server's enrollment rule, one typed
/// sentence per message (as the server's replay test sends them).
#[derive(Debug, Clone, Default)]
pub struct LiveResult {
    /// Message (sentence) after which the profile was trained.
    pub trained_after: Option<usize>,
    /// The owner was blocked after enrollment.
    pub owner_blocked: bool,
    /// The owner was challenged (or blocked) after enrollment.
    pub owner_challenged: bool,
    /// Intruder sentences sent until the block (at most `LIVE_INTRUDER_SENTENCES`).
    pub intruder_blocked_after: Option<usize>,
    /// Intruder keystrokes until the block.
    pub intruder_keys_to_block: Option<u32>,
}

/// The owner enrolls live with `global` (none on a fresh installation) sentence by sentence,
/// types the rest of their sentences, then `intruder` types up to 10 sentences.
pub fn live_session(
    owner: &Participant,
    intruder: &Participant,
    global: Option<&GlobalModel>,
) -> LiveResult {
    let live = live_config();
    let mut out = LiveResult::default();
    let mut prof = UserProfiles::new(&live);
    let mut scorer = SessionScorer::new(live);
    for (k, ev) in owner.sentences_naive.iter().enumerate() {
        for r in scorer.process(ev, &mut prof, global) {
            if out.trained_after.is_some() {
                out.owner_challenged |= r.decision != Decision::None;
                out.owner_blocked |= r.decision == Decision::Block;
            } else if r.profile_state == ProfileState::Trained {
                out.trained_after = Some(k + 1);
            }
        }
        if out.owner_blocked {
            return out;
        }
    }
    let n = intruder.sentences_naive.len().min(LIVE_INTRUDER_SENTENCES);
    let mut keys = 0u32;
    for (k, ev) in intruder.sentences_naive.iter().take(n).enumerate() {
        let mut rs = scorer.process(ev, &mut prof, global);
        if k + 1 == n {
            // silence after the last sentence: the idle timer closes its window
            rs.extend(scorer.idle(&mut prof, global));
        }
        for r in rs {
            keys += r.size;
            if r.decision == Decision::Block && out.intruder_blocked_after.is_none() {
                out.intruder_blocked_after = Some(k + 1);
                out.intruder_keys_to_block = Some(keys);
            }
        }
        if out.intruder_blocked_after.is_some() {
            break;
        }
    }
    out
}

/// Enrollment through the live path with the server's own rule: an empty profile, the
/// global model scoring the enrolling owner.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnrollResult {
    /// The owner was blocked while enrolling.
    pub blocked: bool,
    /// Keystrokes typed until the profile was trained.
    pub keys: Option<u32>,
}

/// How many keystrokes until the owner's profile is trained, and is the owner ever blocked
/// meanwhile?
pub fn live_enrollment(owner: &Participant, global: Option<&GlobalModel>) -> EnrollResult {
    let live = live_config();
    let mut prof = UserProfiles::new(&live);
    let mut scorer = SessionScorer::new(live);
    let mut out = EnrollResult::default();
    let mut typed = 0u32;
    for ev in &owner.sentences {
        for r in scorer.process(ev, &mut prof, global) {
            out.blocked |= r.decision == Decision::Block;
            typed += r.size;
            if r.profile_state == ProfileState::Trained {
                out.keys = Some(typed);
                return out;
            }
        }
    }
    out
}

/// The continuous-authentication view: the owner's remaining sentences, then an intruder's.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContinuousResult {
    /// The owner was blocked.
    pub owner_blocked: bool,
    /// The owner was challenged.
    pub owner_challenged: bool,
    /// Owner keystrokes before the wrong block.
    pub owner_keys_before_block: Option<u32>,
    /// Intruder keystrokes until the block.
    pub impostor_keys_to_block: Option<u32>,
    /// The intruder saw a challenge or a block.
    pub impostor_challenged: bool,
    /// Intruder keystrokes typed (all of them when never blocked).
    pub impostor_keys_total: u32,
}

/// Feeds results into a running keystroke count; returns the count at the first block.
fn first_block(rs: &[WindowResult], keys: &mut u32) -> Option<u32> {
    let mut at = None;
    for r in rs {
        *keys += r.size;
        if r.decision == Decision::Block && at.is_none() {
            at = Some(*keys);
        }
    }
    at
}

/// Replays `owner_sentences` (after enrollment) against `profiles`, the owner stops typing,
/// then `intruder` types all their sentences on the same session (a fresh one when the owner
/// was blocked).
pub fn continuous(
    owner_sentences: &[Vec<Event>],
    intruder: &Participant,
    profiles: &UserProfiles,
    global: Option<&GlobalModel>,
    cfg: &Config,
) -> ContinuousResult {
    let mut out = ContinuousResult::default();
    let mut prof = profiles.clone();
    let mut scorer = SessionScorer::new(cfg.clone());
    let mut owner_keys = 0u32;
    for ev in owner_sentences {
        let rs = scorer.process(ev, &mut prof, global);
        out.owner_challenged |= rs.iter().any(|r| r.decision == Decision::Challenge);
        let b = first_block(&rs, &mut owner_keys);
        if out.owner_keys_before_block.is_none() {
            out.owner_keys_before_block = b;
        }
    }
    // the owner stops typing: the pending keys form the owner's last window
    let rs = scorer.flush(&mut prof, global);
    if out.owner_keys_before_block.is_none() {
        out.owner_keys_before_block = first_block(&rs, &mut owner_keys);
    }
    out.owner_blocked = out.owner_keys_before_block.is_some();
    if out.owner_blocked {
        // the intruder part starts a fresh session on the owner's account
        scorer = SessionScorer::new(cfg.clone());
        prof = profiles.clone();
    }
    let mut keys = 0u32;
    for ev in &intruder.sentences {
        let rs = scorer.process(ev, &mut prof, global);
        out.impostor_challenged |= rs.iter().any(|r| r.decision != Decision::None);
        if let Some(k) = first_block(&rs, &mut keys) {
            out.impostor_keys_to_block = Some(k);
            out.impostor_keys_total = keys;
            return out;
        }
    }
    let rs = scorer.flush(&mut prof, global);
    out.impostor_challenged |= rs.iter().any(|r| r.decision != Decision::None);
    out.impostor_keys_to_block = first_block(&rs, &mut keys);
    out.impostor_keys_total = keys;
    out
}
