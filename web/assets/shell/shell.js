// Page start for every signed-in page:
//
//   const ctx = await startPage({ page: "dashboard" });
//   if (!ctx) return; // on the way to the sign-in page
//
// 1. no stored token → back to sign-in ("Please sign in to continue.");
// 2. the shared header (header.js) with the stored user, **Sign out** wired;
// 3. live behavioural protection (monitor/monitor.js) — every signed-in
//    page is monitored;
// 4. `GET /api/me` for the fresh user and role (a 401 there goes to sign-in
//    with the reason), kept in the stored session;
// 5. the header widgets (widgets.js) mounted;
// 6. the token refreshed before it expires (refresh.js);
// 7. typing kept when the last session of this tab was ended under the
//    person is put back into its fields (core/drafts.js).
//
// The answer is the page context the page's own code and its views get.

import { api } from "../core/api.js";
import { restoreDrafts, trackEdits } from "../core/drafts.js";
import { backToSignIn, currentSession, isLeaving, updateUser } from "../core/session.js";
import { startMonitoring } from "../monitor/monitor.js";
import { PageHeader } from "./header.js";
import { TokenRefresher } from "./refresh.js";
import { Notices } from "./notices.js";
import { HEADER_WIDGETS } from "./widgets.js";

export class PageContext {
  constructor(page, header, notices) {
    /** The page's name (nav.js ids: "dashboard", "analyst", …). */
    this.page = page;
    this.header = header;
    /** The notice line (`data-testid="page-status"`). */
    this.notices = notices;
    /** {socket, capture, indicator, challenge} of monitor.js, or null. */
    this.monitor = null;
    this.leaveHooks = [];
    this.userHooks = [];
  }

  /** The signed-in session of this tab (token, user, sessionId), or null. */
  get session() {
    return currentSession();
  }

  /** The signed-in user ({id, username, role, …}), fresh from `GET /api/me` once it answered. */
  get user() {
    const s = currentSession();
    return s ? s.user : null;
  }

  /** True when the user has one of `roles`. */
  hasRole(...roles) {
    const u = this.user;
    return Boolean(u && roles.includes(u.role));
  }

  /** Calls `fn(user)` whenever the user's details change (e.g. after `GET /api/me`). */
  onUser(fn) {
    this.userHooks.push(fn);
  }

  /** Calls `fn()` before the page signs out (stop timers, polling…). */
  onLeave(fn) {
    this.leaveHooks.push(fn);
  }

  setUser(user) {
    updateUser(user);
    const merged = this.user;
    this.header.showUser(merged);
    for (const fn of this.userHooks) fn(merged);
  }

  /** Signs out: stops what runs, ends the session on the server, goes to sign-in. */
  async signOut() {
    for (const fn of this.leaveHooks) fn();
    if (this.monitor) this.monitor.socket.stop();
    try {
      await api("POST", "/api/logout", undefined, { redirectOn401: false });
    } catch {
      /* signing out locally is what matters */
    }
    backToSignIn("signed_out");
  }
}

/** Mounts the header widgets; none of them holds up the page or the others. */
function mountWidgets(ctx) {
  for (const w of HEADER_WIDGETS) {
    if (w.pages && !w.pages.includes(ctx.page)) continue;
    if (w.roles && !ctx.hasRole(...w.roles)) continue;
    const el = ctx.header.widgetElement(w.id);
    Promise.resolve()
      .then(() => w.mount(el, ctx))
      .catch((err) => console.error(`header widget ${w.id} failed to start`, err));
  }
}

/**
 * Starts a signed-in page (see the top of this file). Resolves to the
 * `PageContext`, or null when the page is leaving for the sign-in page.
 */
export async function startPage({ page }) {
  const session = currentSession();
  if (!session) {
    backToSignIn("unauthorized");
    return null;
  }
  const header = new PageHeader(document.querySelector("[data-shell-header]"), page);
  const ctx = new PageContext(page, header, new Notices(document.querySelector("[data-testid=page-status]")));
  header.showUser(session.user);
  header.logout.addEventListener("click", () => ctx.signOut());
  ctx.monitor = startMonitoring(header.risk, () => ctx.signOut());
  try {
    const me = await api("GET", "/api/me");
    if (me) ctx.setUser(me);
  } catch {
    if (isLeaving()) return null;
    // Otherwise (server unreachable) the stored user stands in.
  }
  mountWidgets(ctx);
  // A fresh token before this one expires (refresh.js).
  ctx.refresher = new TokenRefresher();
  ctx.refresher.schedule();
  ctx.onLeave(() => ctx.refresher.stop());
  trackEdits();
  restoreDrafts(ctx.user && ctx.user.username, (n) =>
    ctx.notices.info(
      `Restored ${n === 1 ? "the text" : `the text of ${n} fields`} you were typing when your last session ended.`,
    ),
  );
  return ctx;
}
