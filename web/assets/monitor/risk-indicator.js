// The risk indicator in the page header: connection state, enrollment
// progress, the latest score with the server's reasons, and a chart of the
// last windows. It builds its own markup (`riskIndicatorElement`) so every
// page gets the same one from the shell.

import { h, plural } from "../core/dom.js";
import { drawSparkline } from "../core/sparkline.js";

const HISTORY = 60;
const SVG_NS = "http://www.w3.org/2000/svg";

/** The `<section data-testid="risk-indicator">` of the page header, empty of data. */
export function riskIndicatorElement() {
  const chart = document.createElementNS(SVG_NS, "svg");
  chart.setAttribute("class", "risk-chart");
  chart.setAttribute("data-risk-chart", "");
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", "Chart of recent risk scores");
  return h(
    "section",
    { class: "risk", "data-testid": "risk-indicator", "aria-labelledby": "risk-title", "data-state": "connecting" },
    h("h2", { id: "risk-title", class: "visually-hidden", text: "Behavioural protection of this session" }),
    h("span", { class: "risk-dot", "aria-hidden": "true" }),
    h(
      "div",
      { class: "risk-text" },
      h("p", { class: "risk-level", role: "status", "data-risk-level": true, text: "Live protection: connecting…" }),
      h("p", { class: "risk-detail", "data-risk-detail": true }),
      h("progress", {
        max: "100",
        value: "0",
        hidden: true,
        "data-risk-progress": true,
        "aria-label": "Enrollment progress",
      }),
      h("ul", { "data-risk-reasons": true, "aria-label": "Why" }),
    ),
    chart,
  );
}

export class RiskIndicator {
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
