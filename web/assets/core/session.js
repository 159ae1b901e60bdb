// The signed-in session of this tab: the one place that reads and writes the
// token (sessionStorage, so it is per tab and gone when the tab closes), and
// the one way back to the sign-in page.

import { saveDrafts } from "./drafts.js";

const STORE_KEY = "fw.session";
// Endings the person did not choose: their unsaved typing is kept (drafts.js).
const KEEP_TYPING_ON = new Set(["terminated", "session_terminated", "token_expired", "session_expired"]);

/** The signed-in session kept in this tab, or null. */
export function currentSession() {
  try {
    const raw = sessionStorage.getItem(STORE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw);
    return s && typeof s.token === "string" ? s : null;
  } catch {
    return null;
  }
}

/** Stores the body of a successful `POST /api/start-session`. */
export function saveSession(body) {
  const s = {
    token: body.access_token,
    user: body.user || null,
    sessionId: body.session_id || null,
    wsUrl: body.ws_url || "/ws/behavioral",
    expiresAt: Date.now() + (Number(body.expires_in) || 3600) * 1000,
  };
  sessionStorage.setItem(STORE_KEY, JSON.stringify(s));
  return s;
}

/** Updates the cached user object (e.g. after `GET /api/me`). */
export function updateUser(user) {
  const s = currentSession();
  if (!s) return;
  s.user = { ...(s.user || {}), ...user };
  if (user.session_id) s.sessionId = user.session_id;
  sessionStorage.setItem(STORE_KEY, JSON.stringify(s));
}

/**
 * Keeps a re-issued token for the same session (an answer with
 * `access_token` and `expires_in`, e.g. a passed challenge or a refresh).
 */
export function replaceToken(body) {
  const s = currentSession();
  if (!s || !body || typeof body.access_token !== "string") return;
  s.token = body.access_token;
  s.expiresAt = Date.now() + (Number(body.expires_in) || 3600) * 1000;
  sessionStorage.setItem(STORE_KEY, JSON.stringify(s));
}

export function clearSession() {
  sessionStorage.removeItem(STORE_KEY);
}

let leaving = false;

/**
 * Leaves the current page for the sign-in page with a reason the sign-in
 * page explains. `extra` is added to the query string (e.g. {why: "anomaly"}).
 */
export function backToSignIn(reason, extra = {}) {
  if (leaving) return;
  leaving = true;
  if (KEEP_TYPING_ON.has(reason)) {
    const s = currentSession();
    saveDrafts(s && s.user ? s.user.username : "");
  }
  clearSession();
  const q = new URLSearchParams({ reason, ...extra });
  window.location.assign(`/?${q.toString()}`);
}

/** True once the page has started leaving for the sign-in page. */
export function isLeaving() {
  return leaving;
}
