// The "please confirm it is you" dialog opened by a `challenge` message:
// the reason in plain words (core/reasons.js; the raw figures stay in the
// analysts' event), a countdown and the password (`POST /api/sessions/verify`).
// It never touches the page's fields: a wrong answer leaves the tries
// left, a right one closes it and puts the focus back where the person was
// typing, so nothing typed is lost.

import { api, ApiError, errorText } from "../core/api.js";
import { h } from "../core/dom.js";
import { asSentence, plainReasons } from "../core/reasons.js";
import { backToSignIn, currentSession, isLeaving, replaceToken } from "../core/session.js";

const CHALLENGE_SECONDS = 60;

export class ChallengeDialog {
  constructor(onSignOut) {
    this.dialog = h("dialog", {
      class: "challenge",
      id: "challenge-dialog",
      "data-testid": "challenge-dialog",
      "aria-labelledby": "challenge-title",
      "aria-describedby": "challenge-desc",
    });
    this.reasonEl = h("p", { class: "muted", id: "challenge-reason", "data-testid": "challenge-reason" });
    this.timeEl = h("p", { class: "countdown", "aria-live": "off" });
    this.input = h("input", {
      type: "password",
      id: "challenge-password",
      name: "password",
      autocomplete: "current-password",
      required: true,
      "data-testid": "challenge-password",
    });
    this.errorEl = h("p", { class: "form-error", role: "alert", "data-testid": "challenge-error" });
    this.submit = h("button", { type: "submit", class: "primary", "data-testid": "challenge-submit", text: "Confirm" });
    const signOut = h("button", { type: "button", text: "Sign out", onclick: onSignOut });
    // A (hidden) username next to the password lets password managers and
    // assistive tech know which account the password belongs to.
    const session = currentSession();
    this.userField = h("input", {
      type: "text",
      name: "username",
      autocomplete: "username",
      value: session && session.user ? session.user.username : "",
      hidden: true,
      tabindex: "-1",
      "aria-hidden": "true",
    });
    const form = h(
      "form",
      { novalidate: true },
      this.userField,
      h("h2", { id: "challenge-title", text: "Please confirm it is you" }),
      h("p", {
        id: "challenge-desc",
        text: "The way this session is typing or using the mouse does not look like you. Enter your password to keep working; without an answer the session ends.",
      }),
      this.reasonEl,
      h("label", { for: "challenge-password", text: "Password" }),
      this.input,
      this.errorEl,
      this.timeEl,
      h("div", { class: "actions" }, this.submit, signOut),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.verify();
    });
    // The challenge must be answered: Escape does not dismiss it.
    this.dialog.addEventListener("cancel", (e) => e.preventDefault());
    this.dialog.addEventListener("keydown", (e) => {
      if (e.key === "Escape") e.preventDefault();
    });
    this.dialog.append(form);
    // In the page flow at the top of <main>, not floating: nothing under it
    // becomes unreachable while it is open.
    const main = document.querySelector("main");
    if (main) main.prepend(this.dialog);
    else document.body.prepend(this.dialog);
    this.timer = null;
    this.onVerified = null;
  }

  open(reason) {
    /** The raw reason, for the sign-in page after a termination (`noticed`). */
    this.lastReason = reason || "";
    const plain = reason ? plainReasons([reason]).map(asSentence).join(" ") : "";
    this.reasonEl.textContent = plain ? `What stood out: ${plain}` : "";
    this.reasonEl.hidden = !plain;
    // A challenge repeated while the dialog is open (the risk stays medium
    // window after window) only refreshes the reason: the server's 60 s run
    // from the first one, and the tries-left message must stay readable.
    if (this.dialog.open) return;
    const active = document.activeElement;
    if (!this.dialog.contains(active)) this.returnFocus = active;
    this.errorEl.textContent = "";
    this.deadline = Date.now() + CHALLENGE_SECONDS * 1000;
    this.tick();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.tick(), 1000);
    this.input.value = "";
    // Not modal: the page stays usable (the server ends the session if the
    // challenge goes unanswered), but focus moves straight to the password.
    this.dialog.show();
    this.dialog.scrollIntoView({ block: "nearest" });
    this.input.focus();
  }

  /** `{noticed: raw reason}` for the sign-in page's plain sentence, or {}. */
  noticed() {
    return this.lastReason ? { noticed: this.lastReason } : {};
  }

  tick() {
    const left = Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
    this.timeEl.textContent = left > 0 ? `${left} seconds left` : "Time is up.";
    if (left <= 0) window.clearInterval(this.timer);
  }

  close() {
    window.clearInterval(this.timer);
    if (this.dialog.open) this.dialog.close();
  }

  async verify() {
    const password = this.input.value;
    if (!password) {
      this.errorEl.textContent = "Enter your password.";
      this.input.focus();
      return;
    }
    this.submit.disabled = true;
    this.errorEl.textContent = "";
    try {
      const answer = await api("POST", "/api/sessions/verify", { password });
      // api.md: a passed challenge answers a fresh token for the session.
      replaceToken(answer);
      this.input.value = "";
      this.close();
      // Back to the field the person was typing in, text untouched.
      const back = this.returnFocus;
      this.returnFocus = null;
      if (back && back.isConnected && typeof back.focus === "function") back.focus();
      if (this.onVerified) this.onVerified();
    } catch (err) {
      if (isLeaving()) return;
      if (err instanceof ApiError && err.status === 401) {
        // Three wrong answers end the session on the server; before that the
        // dialog stays open with the tries left.
        const live = await api("GET", "/api/me", undefined, { redirectOn401: false }).then(
          () => true,
          () => false,
        );
        if (!live) {
          backToSignIn("terminated", { why: "challenge_failed", ...this.noticed() });
          return;
        }
        this.errorEl.textContent = errorText(err, "The password is wrong.");
        this.input.select();
        return;
      }
      this.errorEl.textContent = errorText(err, "Could not check the password.");
      this.input.select();
    } finally {
      this.submit.disabled = false;
    }
  }
}
