// Behaviour capture: raw keyboard and mouse dynamics, in the wire format of
// `/ws/behavioral` (see docs/web.md). How the events are cut into messages
// is `limits.js`'s business.
//
// - keydown/keyup carry `KeyboardEvent.code` (the physical key, never the
//   character); inside a password field the code is null, so only timing is
//   sent. Auto-repeat keydowns are skipped (one press = one keydown).
// - mousemove is throttled to about 50 Hz; mousedown/mouseup carry the
//   button and position; wheel carries dx/dy and position.
// - Only trusted (user-generated) events are recorded.
// - `t` is milliseconds on the page's monotonic clock, the same clock as
//   `performance.now()` (the event's own timestamp when the browser gives one).

const MOVE_INTERVAL_MS = 20; // ~50 Hz
const MAX_BUFFER = 6000; // events kept while the socket is down; oldest dropped

function now(e) {
  const ts = e && typeof e.timeStamp === "number" ? e.timeStamp : 0;
  // Event.timeStamp is a DOMHighResTimeStamp relative to the time origin
  // (the performance.now() clock) in all current browsers.
  const t = ts > 0 && ts <= performance.now() + 1 ? ts : performance.now();
  return Math.round(t * 10) / 10;
}

function isPasswordField(target) {
  return target instanceof HTMLInputElement && target.type === "password";
}

export class BehaviorCapture {
  constructor() {
    this.buffer = [];
    this.lastMove = -Infinity;
    this.dropped = 0;
    this.started = false;
    this.handlers = {
      keydown: (e) => this.onKey(e, "keydown"),
      keyup: (e) => this.onKey(e, "keyup"),
      mousemove: (e) => this.onMove(e),
      mousedown: (e) => this.onButton(e, "mousedown"),
      mouseup: (e) => this.onButton(e, "mouseup"),
      wheel: (e) => this.onWheel(e),
    };
  }

  start() {
    if (this.started) return;
    this.started = true;
    for (const [name, fn] of Object.entries(this.handlers)) {
      window.addEventListener(name, fn, { capture: true, passive: true });
    }
  }

  stop() {
    if (!this.started) return;
    this.started = false;
    for (const [name, fn] of Object.entries(this.handlers)) {
      window.removeEventListener(name, fn, { capture: true });
    }
  }

  push(ev) {
    this.buffer.push(ev);
    this.trim();
  }

  /** Keeps the newest MAX_BUFFER events. */
  trim() {
    if (this.buffer.length > MAX_BUFFER) {
      const extra = this.buffer.length - MAX_BUFFER;
      this.buffer.splice(0, extra);
      this.dropped += extra;
    }
  }

  onKey(e, kind) {
    if (!e.isTrusted) return;
    if (kind === "keydown" && e.repeat) return;
    const code = isPasswordField(e.target) ? null : e.code || null;
    this.push({ t: now(e), kind, code });
  }

  onMove(e) {
    if (!e.isTrusted) return;
    const t = now(e);
    if (t - this.lastMove < MOVE_INTERVAL_MS) return;
    this.lastMove = t;
    this.push({ t, kind: "mousemove", x: Math.round(e.clientX), y: Math.round(e.clientY) });
  }

  onButton(e, kind) {
    if (!e.isTrusted) return;
    this.push({ t: now(e), kind, button: e.button, x: Math.round(e.clientX), y: Math.round(e.clientY) });
  }

  onWheel(e) {
    if (!e.isTrusted) return;
    // Normalise line/page deltas to pixels so the server sees one unit.
    const scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? window.innerHeight : 1;
    this.push({
      t: now(e),
      kind: "wheel",
      dx: Math.round(e.deltaX * scale),
      dy: Math.round(e.deltaY * scale),
      x: Math.round(e.clientX),
      y: Math.round(e.clientY),
    });
  }

  /** Removes and returns everything captured so far. */
  drain() {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  /** Puts back drained events that could not be sent yet, before newer ones. */
  requeue(events) {
    if (!events.length) return;
    this.buffer = events.concat(this.buffer);
    this.trim();
  }
}
