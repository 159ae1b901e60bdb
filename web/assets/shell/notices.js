// The page's notice line (`data-testid="page-status"`, a polite live
// region): what an action did, or why it failed.

import { errorText } from "../core/api.js";
import { isLeaving } from "../core/session.js";

const CLEAR_AFTER_MS = 5000;

export class Notices {
  constructor(el) {
    this.el = el;
    this.timer = null;
  }

  /** Shows `text`; kind "ok" (cleared after a few seconds), "warn" or "error" (kept). */
  say(text, kind = "ok") {
    if (!this.el) return;
    this.el.className = `notice ${kind}`;
    this.el.textContent = text;
    window.clearTimeout(this.timer);
    if (kind === "ok") this.timer = window.setTimeout(() => this.clear(), CLEAR_AFTER_MS);
  }

  info(text) {
    this.say(text, "ok");
  }

  warn(text) {
    this.say(text, "warn");
  }

  error(text) {
    this.say(text, "error");
  }

  /** Shows a failed call (see `errorText`), unless the page is leaving for sign-in. */
  failed(err, fallback) {
    if (!isLeaving()) this.error(errorText(err, fallback));
  }

  /** Dismisses the notice. */
  clear() {
    window.clearTimeout(this.timer);
    if (this.el) this.el.textContent = "";
  }
}

/** Puts a failed call's sentence into a form's own error line (`role="alert"`). */
export function showFailure(target, err, fallback) {
  if (!isLeaving()) target.textContent = errorText(err, fallback);
}
