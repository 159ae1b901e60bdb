// Live behavioural protection for a signed-in page: capture + websocket +
// risk indicator + the "confirm it's you" challenge dialog.

import { api, ApiError, backToSignIn, currentSession, h, isLeaving } from "./api.js";
import { BehaviorCapture } from "./capture.js";
import { BehaviorSocket } from "./ws.js";
import { drawSparkline } from "./sparkline.js";

const HISTORY = 60;

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
const CHALLENGE_SECONDS = 60;

class RiskIndicator {
  constructor(root) {
    this.root = root;
    this.levelEl = root.querySelector("[data-risk-level]");
    this.detailEl = root.querySelector("[data-risk-detail]");
    this.reasonsEl = root.querySelector("[data-risk-reasons]");
    this.progressEl = root.querySelector("[data-risk-progress]");
    this.chart = root.querySelector("[data-risk-chart]");
    this.profile = {};
    this.scores = [];
    this.sessionRisks = [];
    this.windows = 0;
    this.last = null; // last risk message with a score
    this.conn = "connecting";
    this.note = "";
    this.sent = 0;
    this.render();
  }

  setConnection(state) {
    this.conn = state;
    this.render();
  }

  setProfile(profile) {
    if (!profile || typeof profile !== "object") return;
    for (const [modality, p] of Object.entries(profile)) {
      if (p && typeof p === "object") this.profile[modality] = p;
    }
    this.render();
  }

  setProfileMessage(msg) {
    if (!msg.modality) return;
    this.profile[msg.modality] = { state: msg.state, samples: msg.samples, required: msg.required };
    this.render();
  }

  addRisk(msg) {
    this.windows += 1;
    const score = typeof msg.score === "number" ? msg.score : null;
    const sr = typeof msg.session_risk === "number" ? msg.session_risk : null;
    this.scores.push(score);
    this.sessionRisks.push(sr);
    if (this.scores.length > HISTORY) this.scores.shift();
    if (this.sessionRisks.length > HISTORY) this.sessionRisks.shift();
    if (score !== null) this.last = msg;
    this.lastAny = msg;
    this.render();
  }

  setSent(n) {
    this.sent = n;
    this.render();
  }

  setNote(text) {
    this.note = text;
    this.render();
  }

  enrolling() {
    return Object.values(this.profile).some((p) => p.state === "enrolling");
  }

  enrollmentText() {
    const names = { keystroke: "typing", mouse: "mouse" };
    return Object.entries(this.profile)
      .map(([m, p]) => {
        const name = names[m] || m;
        if (p.state === "trained") return `${name}: learned`;
        const req = Number(p.required) || 0;
        return `${name}: ${Number(p.samples) || 0} of ${req} samples`;
      })
      .join(" · ");
  }

  /** Mean progress over the modalities (their sample units differ). */
  enrollmentFraction() {
    const parts = Object.values(this.profile).map((p) => {
      if (p.state === "trained") return 1;
      const req = Number(p.required) || 0;
      return req > 0 ? Math.min(1, (Number(p.samples) || 0) / req) : 0;
    });
    return parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : 0;
  }

  render() {
    let level = "none";
    let headline;
    let detail = "";
    let reasons = [];
    const root = this.root;

    if (this.conn === "connecting" && !this.windows) {
      headline = "Live protection: connecting…";
    } else if (this.conn === "reconnecting") {
      headline = "Live protection: reconnecting…";
    } else if (this.conn === "closed") {
      headline = "Live protection: stopped";
    } else if (this.last) {
      level = ["low", "medium", "high"].includes(this.last.level) ? this.last.level : "none";
      headline = `Risk: ${level}`;
      const sr = typeof this.last.session_risk === "number" ? ` · session ${this.last.session_risk.toFixed(2)}` : "";
      detail = `score ${this.last.score.toFixed(2)}${sr} · ${plural(this.windows, "window")} checked`;
      reasons = Array.isArray(this.last.reasons) ? this.last.reasons : [];
      if (this.enrolling()) detail += ` · still learning (${this.enrollmentText()})`;
    } else if (this.enrolling()) {
      headline = "Learning how you type and point";
      detail = this.enrollmentText();
      if (this.windows) detail += ` · ${plural(this.windows, "window")} received`;
    } else {
      headline = "Live protection: on";
      detail = this.windows ? `${plural(this.windows, "window")} checked, not scored yet` : "Waiting for activity";
    }
    if (this.sent && this.conn === "open") detail += `${detail ? " · " : ""}${plural(this.sent, "event")} streamed`;
    if (this.note) detail = detail ? `${detail} · ${this.note}` : this.note;

    root.dataset.state = this.last ? "scoring" : this.enrolling() ? "enrolling" : this.conn;
    root.dataset.level = level;
    root.dataset.windows = String(this.windows);
    if (this.last) root.dataset.score = this.last.score.toFixed(3);
    // Only the headline is a live region, so screen readers hear level
    // changes, not every window.
    if (this.levelEl.textContent !== headline) this.levelEl.textContent = headline;
    this.detailEl.textContent = detail;
    if (this.reasonsEl) {
      this.reasonsEl.replaceChildren(...reasons.slice(0, 3).map((r) => h("li", { text: String(r) })));
    }
    if (this.progressEl) {
      const show = this.enrolling() && !this.last;
      this.progressEl.hidden = !show;
      this.progressEl.value = Math.round(this.enrollmentFraction() * 100);
    }
    if (this.chart) {
      drawSparkline(
        this.chart,
        [
          { values: this.sessionRisks, cls: "spark-session" },
          { values: this.scores, cls: "spark-score" },
        ],
        { capacity: HISTORY },
      );
    }
  }
}

class ChallengeDialog {
  constructor(onSignOut) {
    this.dialog = h(
      "dialog",
      {
        class: "challenge",
        id: "challenge-dialog",
        "data-testid": "challenge-dialog",
        "aria-labelledby": "challenge-title",
        "aria-describedby": "challenge-desc",
      },
    );
    this.reasonEl = h("p", { class: "muted", id: "challenge-reason" });
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
    this.reasonEl.textContent = reason ? `Reason: ${reason}` : "";
    this.reasonEl.hidden = !reason;
    this.errorEl.textContent = "";
    this.deadline = Date.now() + CHALLENGE_SECONDS * 1000;
    this.tick();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.tick(), 1000);
    if (!this.dialog.open) {
      this.input.value = "";
      // Not modal: the page stays usable (the server ends the session if the
      // challenge goes unanswered), but focus moves straight to the password.
      this.dialog.show();
      this.dialog.scrollIntoView({ block: "nearest" });
    }
    this.input.focus();
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
      await api("POST", "/api/sessions/verify", { password });
      this.input.value = "";
      this.close();
      if (this.onVerified) this.onVerified();
    } catch (err) {
      if (isLeaving()) return;
      if (err instanceof ApiError && err.status === 401) {
        // A wrong answer ends the session on the server.
        backToSignIn("terminated", { why: "challenge_failed" });
        return;
      }
      let msg = err instanceof ApiError ? err.message : "Could not check the password.";
      if (err instanceof ApiError && err.status === 429 && err.retryAfter !== null) {
        msg += ` Try again in ${err.retryAfter} seconds.`;
      }
      this.errorEl.textContent = msg;
      this.input.select();
    } finally {
      this.submit.disabled = false;
    }
  }
}

/**
 * Starts capture and the behavioural websocket for this page.
 * `indicatorRoot` is the element with data-testid="risk-indicator".
 * `onSignOut` is called when the user chooses to sign out from the challenge.
 */
export function startMonitoring(indicatorRoot, onSignOut) {
  const session = currentSession();
  if (!session) return null;
  const indicator = new RiskIndicator(indicatorRoot);
  const capture = new BehaviorCapture();
  const challenge = new ChallengeDialog(onSignOut);
  challenge.onVerified = () => indicator.setNote("identity confirmed");

  const socket = new BehaviorSocket({
    token: session.token,
    path: session.wsUrl,
    capture,
    handlers: {
      onState: (s) => indicator.setConnection(s),
      onAuthOk: (msg) => indicator.setProfile(msg.profile),
      onProfile: (msg) => indicator.setProfileMessage(msg),
      onRisk: (msg) => indicator.addRisk(msg),
      onSent: (n) => indicator.setSent(n),
      onChallenge: (msg) => {
        indicator.setNote("");
        challenge.open(typeof msg.reason === "string" ? msg.reason : "");
      },
      onTerminated: (msg) => {
        const why = msg && typeof msg.reason === "string" ? msg.reason : "anomaly";
        backToSignIn("terminated", { why });
      },
      onUnauthorized: async () => {
        // Ask the REST side why: a 401 there sends us to sign-in with the
        // right reason; if the token is still fine, the stream is just off.
        try {
          await api("GET", "/api/me");
          indicator.setNote("live protection unavailable");
        } catch {
          /* api() has already redirected, or the server is unreachable */
        }
      },
      onError: (msg) => {
        if (msg && msg.error) console.warn(`behaviour stream: ${msg.error}: ${msg.message || ""}`);
      },
    },
  });
  capture.start();
  socket.start();
  return { socket, capture, indicator, challenge };
}
