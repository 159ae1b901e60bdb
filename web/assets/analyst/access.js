// Who may use the console: analysts and admins. A plain user (the role comes
// fresh from `GET /api/me`), or any 403 from the API (a role changed
// meanwhile), gets "Not allowed" with a link back, and the console stops.

import { ApiError, errorText } from "../core/api.js";
import { h } from "../core/dom.js";
import { isLeaving } from "../core/session.js";

let page = null;
let forbidden = false;
const stops = [];

/** Binds the console's access rules to its page context. */
export function guard(ctx) {
  page = ctx;
}

export function isForbidden() {
  return forbidden;
}

/** Calls `fn()` when the console is closed for this user (stop polling). */
export function onForbidden(fn) {
  stops.push(fn);
}

/** Closes the console for this user with the reason. */
export function forbid() {
  if (forbidden) return;
  forbidden = true;
  for (const fn of stops) fn();
  const role = page && page.user && page.user.role ? page.user.role : "user";
  const access = document.getElementById("access");
  access.className = "notice error";
  access.replaceChildren(
    h("strong", { text: "Not allowed. " }),
    `Your account has the role “${role}”; the analyst console is only for analysts and administrators. `,
    h("a", { href: "/dashboard/", text: "Back to your workspace" }),
    ".",
  );
  document.getElementById("views").hidden = true;
}

/**
 * Reports a failed call: a 403 closes the console; otherwise the message goes
 * to `target` (a form's error line) or the page's notice line.
 */
export function failed(err, fallback, target = null) {
  if (isLeaving()) return;
  if (err instanceof ApiError && err.status === 403) {
    forbid();
    return;
  }
  const msg = errorText(err, fallback);
  if (target) target.textContent = msg;
  else page.notices.error(msg);
}
