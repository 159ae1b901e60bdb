// The behaviour model's reasons in plain words, for the account owner: the
// one place that turns "key-to-key times faster than profile (2.8 SD)" into
// "you are typing much faster than usual". The raw strings (with their
// figures) stay in the stored events for analysts; only what the owner
// reads is translated. Unknown strings get a general sentence, never the
// raw text with its jargon.

// feature name → [sentence when higher/slower, sentence when lower/faster]
const FEATURES = {
  "hold times": ["you are holding keys down longer than usual", "you are tapping keys more briefly than usual"],
  "key-to-key times": ["you are typing much slower than usual", "you are typing much faster than usual"],
  "rhythm variability": ["your typing rhythm is less even than usual", "your typing rhythm is more even than usual"],
  "hold-time variability": [
    "how long you hold each key varies more than usual",
    "how long you hold each key varies less than usual",
  ],
  "key overlap (rollover)": [
    "you press the next key before letting go of the last one more often than usual",
    "you press the next key before letting go of the last one less often than usual",
  ],
  "correction rate": ["you are correcting more than usual", "you are correcting less than usual"],
  "typing speed": ["you are typing much faster than usual", "you are typing much slower than usual"],
  "space-bar hold": ["you hold the space bar longer than usual", "you tap the space bar more briefly than usual"],
  "shift-to-key time": [
    "you wait longer than usual after pressing Shift",
    "you press the next key sooner than usual after Shift",
  ],
  "release-to-press times": [
    "you pause longer than usual between letting go of a key and pressing the next",
    "you move from key to key more quickly than usual",
  ],
  "movement duration": ["your mouse movements take longer than usual", "your mouse movements are quicker than usual"],
  "movement length": ["your mouse movements are longer than usual", "your mouse movements are shorter than usual"],
  straightness: ["you move the mouse in straighter lines than usual", "you move the mouse in less straight lines than usual"],
  "mean speed": ["you move the mouse faster than usual", "you move the mouse slower than usual"],
  "peak speed": ["you move the mouse faster than usual", "you move the mouse slower than usual"],
  "speed variability": ["your mouse speed changes more than usual", "your mouse speed changes less than usual"],
  acceleration: ["the mouse speeds up more sharply than usual", "the mouse speeds up more gently than usual"],
  jerk: ["your mouse movements are jerkier than usual", "your mouse movements are smoother than usual"],
  curvature: ["your mouse paths curve more than usual", "your mouse paths curve less than usual"],
  "direction (sin)": ["you move the mouse in unusual directions", "you move the mouse in unusual directions"],
  "direction (cos)": ["you move the mouse in unusual directions", "you move the mouse in unusual directions"],
  "time to peak speed": ["the mouse reaches its top speed later than usual", "the mouse reaches its top speed sooner than usual"],
  "deviation from straight line": [
    "your mouse strays further from a straight line than usual",
    "your mouse stays closer to a straight line than usual",
  ],
  "click hold": ["you hold the mouse button down longer than usual", "you click more briefly than usual"],
  "pointer event interval": ["the mouse reports movement less often than usual", "the mouse reports movement more often than usual"],
  "pointer events per movement": [
    "each mouse movement is made of more steps than usual",
    "each mouse movement is made of fewer steps than usual",
  ],
};

const COMPARED = /^(.+?) (slower|faster|higher|lower) than profile(?: \([^)]*\))?$/;

const GENERAL = "the way you are typing or using the mouse is unlike your usual";

/** One raw reason string → a plain sentence (no figures, no "SD"). */
export function plainReason(raw) {
  if (typeof raw !== "string" || !raw.trim()) return GENERAL;
  const text = raw.trim();
  const m = COMPARED.exec(text);
  if (m) {
    const pair = FEATURES[m[1]];
    if (pair) return pair[m[2] === "slower" || m[2] === "higher" ? 0 : 1];
    return GENERAL;
  }
  if (/replay|repeat/.test(text)) return "this input repeats earlier input exactly, as a recording would";
  if (/faster than a person/.test(text)) return "this typing is faster than a person can type, so it looks automated";
  if (/pointer/.test(text) && /automated/.test(text)) {
    return "the mouse moves too perfectly for a hand, so it looks automated";
  }
  if (/automated/.test(text)) return "the key timings are too regular for a person, so it looks automated";
  return GENERAL;
}

/** Several raw reasons → distinct plain sentences, in order. */
export function plainReasons(list) {
  const out = [];
  for (const r of Array.isArray(list) ? list : [list]) {
    const p = plainReason(r);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** "You are typing much faster than usual." from a sentence. */
export function asSentence(text) {
  const t = String(text || "").trim();
  if (!t) return "";
  return `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
}
