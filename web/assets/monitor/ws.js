// The `/ws/behavioral` connection: authenticate with the first message,
// send captured events about once a second, hand server messages to the page,
// and reconnect with backoff unless the server ended the session. The
// message limits come from `auth_ok` (see limits.js).

import { DEFAULT_LIMITS, limitsFrom, toMessages } from "./limits.js";

const FLUSH_MS = 1000;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30000;

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TERMINATED = 4403;

export function behaviorSocketUrl(path = "/ws/behavioral") {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const p = path.startsWith("/") ? path : `/${path}`;
  return `${scheme}://${window.location.host}${p}`;
}

/**
 * `token` is the bearer token, or a function returning it (read at each
 * connect, so a refreshed token is used after a reconnect).
 * handlers: {
 *   onState(state)      "connecting" | "open" | "reconnecting" | "closed"
 *   onAuthOk(msg), onRisk(msg), onProfile(msg), onChallenge(msg),
 *   onTerminated(msg | null), onUnauthorized(), onError(msg)
 * }
 */
export class BehaviorSocket {
  constructor({ token, path, capture, handlers }) {
    this.token = token;
    this.url = behaviorSocketUrl(path);
    this.capture = capture;
    this.h = handlers;
    this.ws = null;
    this.authed = false;
    this.finished = false; // no reconnect after terminated/unauthorized/stop
    this.backoff = BACKOFF_START_MS;
    this.seq = 0;
    this.timer = null;
    this.retryTimer = null;
    this.sentMessages = 0;
    this.sentEvents = 0;
    this.limits = DEFAULT_LIMITS;
  }

  start() {
    this.connect();
    this.timer = window.setInterval(() => this.flush(), FLUSH_MS);
    window.addEventListener("pagehide", () => this.stop());
    // Coming back from the back/forward cache: the socket was closed on
    // pagehide, so start the page afresh.
    window.addEventListener("pageshow", (e) => {
      if (e.persisted) window.location.reload();
    });
  }

  /** Ends the connection for good (logout, leaving the page). */
  stop() {
    this.finished = true;
    window.clearInterval(this.timer);
    window.clearTimeout(this.retryTimer);
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, "bye");
  }

  state(s) {
    if (this.h.onState) this.h.onState(s);
  }

  connect() {
    if (this.finished) return;
    this.authed = false;
    this.state("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      const token = typeof this.token === "function" ? this.token() : this.token;
      ws.send(JSON.stringify({ type: "auth", token }));
    });
    ws.addEventListener("message", (ev) => this.onMessage(ev));
    ws.addEventListener("close", (ev) => this.onClose(ev));
  }

  onMessage(ev) {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== "string") return;
    switch (msg.type) {
      case "auth_ok":
        this.authed = true;
        this.limits = limitsFrom(msg.limits);
        this.backoff = BACKOFF_START_MS;
        this.state("open");
        if (this.h.onAuthOk) this.h.onAuthOk(msg);
        break;
      case "risk":
        if (this.h.onRisk) this.h.onRisk(msg);
        break;
      case "profile":
        if (this.h.onProfile) this.h.onProfile(msg);
        break;
      case "challenge":
        if (this.h.onChallenge) this.h.onChallenge(msg);
        break;
      case "terminated":
        this.finished = true;
        if (this.h.onTerminated) this.h.onTerminated(msg);
        break;
      case "error":
        if (msg.error === "unauthorized" || msg.error === "session_terminated" || msg.error === "token_expired") {
          this.finished = true;
        }
        if (this.h.onError) this.h.onError(msg);
        break;
      default:
        break;
    }
  }

  onClose(ev) {
    this.ws = null;
    this.authed = false;
    if (ev.code === CLOSE_TERMINATED) {
      this.finished = true;
      this.state("closed");
      if (this.h.onTerminated) this.h.onTerminated(null);
      return;
    }
    if (ev.code === CLOSE_UNAUTHORIZED) {
      this.finished = true;
      this.state("closed");
      if (this.h.onUnauthorized) this.h.onUnauthorized();
      return;
    }
    if (this.finished) {
      this.state("closed");
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.finished) return;
    this.state("reconnecting");
    // Full jitter keeps many tabs from reconnecting in lockstep after a restart.
    const wait = Math.round(this.backoff / 2 + Math.random() * (this.backoff / 2));
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.retryTimer = window.setTimeout(() => this.connect(), wait);
  }

  /**
   * Sends what was captured since the last flush (only once authenticated),
   * within the server's limits: what does not fit in this second's share of
   * messages goes back to the capture buffer for the next flush.
   */
  flush() {
    if (!this.ws || !this.authed || this.ws.readyState !== WebSocket.OPEN) return;
    const events = this.capture.drain();
    if (!events.length) return;
    const perFlush = Math.max(1, Math.floor((this.limits.messages_per_second * FLUSH_MS) / 1000));
    const { messages, sent, rest } = toMessages(events, () => ++this.seq, this.limits, perFlush);
    for (const m of messages) {
      this.ws.send(m);
      this.sentMessages += 1;
    }
    this.capture.requeue(rest);
    this.sentEvents += sent;
    if (sent && this.h.onSent) this.h.onSent(this.sentEvents);
  }
}
