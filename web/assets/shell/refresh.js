// Keeps the page signed in for a working day: shortly before the stored
// token expires, `POST /api/token/refresh` gets a fresh one for the same
// monitored session and `replaceToken()` keeps it (api() and the websocket
// read the token from the store, so nothing else changes). A session past
// its longest allowed length answers 401 `session_expired`: api() then sends
// the user to sign-in with that reason. A network failure tries again soon.

import { api, ApiError } from "../core/api.js";
import { currentSession, isLeaving, replaceToken } from "../core/session.js";

const AHEAD_MS = 5 * 60 * 1000; // refresh 5 minutes before expiry
const MIN_DELAY_MS = 10 * 1000;
const RETRY_MS = 30 * 1000;

export class TokenRefresher {
  constructor() {
    this.timer = null;
    this.stopped = false;
  }

  /** Schedules the next refresh from the stored `expiresAt`. */
  schedule(delay = null) {
    window.clearTimeout(this.timer);
    if (this.stopped) return;
    const s = currentSession();
    if (!s) return;
    const expiresAt = Number(s.expiresAt) || Date.now() + 3600 * 1000;
    // Short tokens (tests) refresh at 80 % of their life, long ones 5 min ahead.
    const left = expiresAt - Date.now();
    const wait = delay ?? Math.max(MIN_DELAY_MS, Math.min(left - AHEAD_MS, left * 0.8));
    this.timer = window.setTimeout(() => this.refresh(), wait);
  }

  async refresh() {
    if (this.stopped || isLeaving()) return;
    try {
      const body = await api("POST", "/api/token/refresh");
      replaceToken(body);
      this.schedule();
    } catch (err) {
      if (isLeaving()) return;
      // 401 went to sign-in (api.js); a 404 means the server has no refresh yet.
      if (err instanceof ApiError && (err.status === 401 || err.status === 404 || err.status === 405)) return;
      this.schedule(RETRY_MS);
    }
  }

  stop() {
    this.stopped = true;
    window.clearTimeout(this.timer);
  }
}
