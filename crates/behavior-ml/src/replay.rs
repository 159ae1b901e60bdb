//! Fingerprints of input a profile has learnt, so a recording of it sent again — in the same
//! session or any later one — is recognised as a replay. Human input never repeats exactly:
//! an identical keystroke window or mouse action (to the last bit of every feature) is a copy.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::keystroke::KeystrokeWindow;
use crate::mouse::{ActionKind, MouseAction};

fn fnv(h: &mut u64, v: u64) {
    *h ^= v;
    *h = h.wrapping_mul(0x0000_0100_0000_01b3);
}

/// Fingerprint of a keystroke window (its timing aggregates, not its key codes).
pub fn keystroke_fingerprint(w: &KeystrokeWindow) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    for k in &w.keys {
        fnv(&mut h, k.id);
        fnv(&mut h, u64::from(k.hold.to_bits()));
    }
    for p in &w.pairs {
        fnv(&mut h, p.id);
        fnv(&mut h, u64::from(p.dd.to_bits()));
        fnv(&mut h, u64::from(p.ud.to_bits()));
    }
    h
}

/// Fingerprint of a mouse action, for movements of at least 5 pointer events only: clicks
/// and scrolls have a few coarse features that people repeat by chance, a movement's 16
/// continuous features never repeat.
pub fn action_fingerprint(a: &MouseAction) -> Option<u64> {
    let movement = matches!(
        a.kind,
        ActionKind::Move | ActionKind::PointClick | ActionKind::Drag
    );
    let points = a.f.get(15).map_or(0.0, |v| f64::from(*v)).exp();
    (movement && points >= 4.5).then(|| fingerprint_of(a))
}

fn fingerprint_of(a: &MouseAction) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    fnv(&mut h, a.kind.index() as u64);
    for v in a.f {
        fnv(&mut h, u64::from(v.to_bits()));
    }
    h
}

/// A bounded set of recent fingerprints (oldest replaced first). Serialises as the list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Seen {
    ring: Vec<u64>,
    next: usize,
    #[serde(skip)]
    index: HashSet<u64>,
}

impl PartialEq for Seen {
    fn eq(&self, other: &Seen) -> bool {
        // the index is a cache of the ring
        self.ring == other.ring && self.next == other.next
    }
}

impl Seen {
    fn reindex(&mut self) {
        if self.index.len() != self.ring.len() {
            self.index = self.ring.iter().copied().collect();
        }
    }

    /// Remember `h`, keeping at most `cap` fingerprints.
    pub fn insert(&mut self, h: u64, cap: usize) {
        self.reindex();
        if self.index.contains(&h) {
            return;
        }
        if self.ring.len() < cap {
            self.ring.push(h);
        } else if let Some(slot) = self.ring.get_mut(self.next % cap.max(1)) {
            self.index.remove(slot);
            *slot = h;
            self.next = (self.next + 1) % cap.max(1);
        }
        self.index.insert(h);
    }

    /// True when `h` was remembered.
    pub fn contains(&mut self, h: u64) -> bool {
        self.reindex();
        self.index.contains(&h)
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        *self = Seen::default();
    }
}
