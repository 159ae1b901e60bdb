// Live sessions: `GET /api/realtime-monitor` every few seconds (paused while
// the tab is hidden, or with the Pause button), totals, the global model, a
// row per session (linked to the user and session views) with a sparkline
// of its recent scores and **Terminate** (a confirmation with a reason).

import { api } from "../core/api.js";
import { byId as $, formatTime, h } from "../core/dom.js";
import { drawSparkline } from "../core/sparkline.js";
import { isLeaving } from "../core/session.js";
import { failed, isForbidden } from "./access.js";
import { confirmWithReason } from "./confirm.js";
import { fmtScore, profileText, shortId } from "./format.js";

const REFRESH_MS = 3000;
const SPARK_POINTS = 40;
const SVG_NS = "http://www.w3.org/2000/svg";

function sparkline(scores) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  const known = scores.filter((v) => typeof v === "number");
  svg.setAttribute(
    "aria-label",
    known.length
      ? `Last ${known.length} scores, from ${known[0].toFixed(2)} to ${known[known.length - 1].toFixed(2)}`
      : "No scores yet",
  );
  drawSparkline(svg, [{ values: scores, cls: "spark-score" }], { capacity: SPARK_POINTS });
  return svg;
}

export class LiveSessions {
  constructor(ctx) {
    this.ctx = ctx;
    this.updated = $("monitor-updated");
    this.pauseButton = $("monitor-pause");
    this.totals = $("monitor-totals");
    this.globalModel = $("global-model");
    this.body = $("monitor-body");
    this.empty = $("monitor-empty");
    this.paused = false;
    this.timer = null;
    this.history = new Map(); // session_id -> {scores: [], packets}
    this.pauseButton.addEventListener("click", () => this.togglePause());
  }

  row(s) {
    const session = this.ctx.session;
    const mine = session && s.session_id === session.sessionId;
    const hist = this.history.get(s.session_id);
    const btn = h("button", {
      type: "button",
      class: "danger",
      "data-testid": "terminate-session",
      "data-session-id": s.session_id,
      "aria-label": `Terminate the session of ${s.username}${mine ? " (your own session)" : ""}`,
      text: mine ? "Terminate (yours)" : "Terminate",
      onclick: () => this.terminate(s, btn),
    });
    const level = typeof s.level === "string" ? s.level : "none";
    return h(
      "tr",
      { "data-testid": "monitor-row", "data-session-id": s.session_id, "data-username": s.username },
      h(
        "td",
        {},
        s.username
          ? h("a", { href: `#/users/${encodeURIComponent(s.username)}`, "data-testid": "monitor-user-link", text: s.username })
          : "—",
        mine ? h("span", { class: "muted", text: " (you)" }) : null,
      ),
      h(
        "td",
        {},
        h(
          "a",
          { href: `#/sessions/${encodeURIComponent(s.session_id)}`, "data-testid": "monitor-session-link", title: s.session_id },
          h("code", { text: shortId(s.session_id) }),
        ),
      ),
      h("td", { text: formatTime(s.connected_at) }),
      h("td", { text: formatTime(s.last_packet_at) }),
      h("td", { class: "num", text: String(s.packets ?? 0) }),
      h("td", { class: "num", text: String(s.events ?? 0) }),
      h("td", { class: "num", text: fmtScore(s.last_score) }),
      h("td", { class: "num", text: fmtScore(s.max_score) }),
      h("td", {}, h("span", { class: `badge ${level}`, text: level })),
      h("td", { text: profileText(s.profile_state) }),
      h("td", {}, sparkline(hist ? hist.scores : [])),
      h("td", {}, btn),
    );
  }

  remember(sessions) {
    const live = new Set();
    for (const s of sessions) {
      live.add(s.session_id);
      let hist = this.history.get(s.session_id);
      if (!hist) {
        hist = { scores: [], packets: -1 };
        this.history.set(s.session_id, hist);
      }
      // A new point whenever the session sent something since the last poll.
      if (s.packets !== hist.packets) {
        hist.packets = s.packets;
        hist.scores.push(typeof s.last_score === "number" ? s.last_score : null);
        if (hist.scores.length > SPARK_POINTS) hist.scores.shift();
      }
    }
    for (const id of [...this.history.keys()]) if (!live.has(id)) this.history.delete(id);
  }

  renderTotals(data, count) {
    const t = data.totals || {};
    const item = (label, v) => h("li", {}, `${label}: `, h("strong", { text: String(v ?? 0) }));
    this.totals.replaceChildren(
      item("Live sessions", count),
      item("Connections", t.connections),
      item("Packets scored", t.packets_scored),
      item("Anomalies", t.anomalies),
      item("Terminations", t.terminations),
    );
    const g = data.global_model;
    this.globalModel.textContent = g
      ? `Global model: version ${g.version}, trained ${formatTime(g.trained_at)} on ${g.samples} samples.`
      : "Global model: not trained yet.";
  }

  render(data) {
    const sessions = Array.isArray(data.active_sessions) ? data.active_sessions : [];
    this.remember(sessions);
    // Keep keyboard focus on the same button across refreshes.
    const active = document.activeElement;
    const focusedSession = active && active.dataset ? active.dataset.sessionId : null;
    this.body.replaceChildren(...sessions.map((s) => this.row(s)));
    this.empty.hidden = sessions.length > 0;
    if (focusedSession) {
      const again = this.body.querySelector(`button[data-session-id="${CSS.escape(focusedSession)}"]`);
      if (again) again.focus();
    }
    this.renderTotals(data, sessions.length);
    this.updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} seconds${this.paused ? " (paused)" : ""}`;
  }

  async refresh() {
    try {
      const data = await api("GET", "/api/realtime-monitor");
      if (data) this.render(data);
    } catch (err) {
      failed(err, "Could not load the live sessions.");
    }
  }

  /** Polls again in a few seconds (not while paused, forbidden or leaving). */
  schedule() {
    window.clearTimeout(this.timer);
    if (isForbidden() || this.paused || isLeaving()) return;
    this.timer = window.setTimeout(async () => {
      if (!document.hidden) await this.refresh();
      this.schedule();
    }, REFRESH_MS);
  }

  stop() {
    window.clearTimeout(this.timer);
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.setAttribute("aria-pressed", this.paused ? "true" : "false");
    this.pauseButton.textContent = this.paused ? "Resume updates" : "Pause updates";
    if (!this.paused) this.refresh().then(() => this.schedule());
    else this.stop();
  }

  async terminate(s, btn) {
    const answer = await confirmWithReason({
      title: `Terminate the session of ${s.username}?`,
      text: `Session ${shortId(s.session_id)} ends at once, on every page and on the websocket.`,
    });
    if (!answer) return;
    btn.disabled = true;
    try {
      const body = answer.reason ? { reason: answer.reason } : undefined;
      await api("POST", `/api/admin/sessions/${encodeURIComponent(s.session_id)}/terminate`, body);
      this.ctx.notices.info(`The session of ${s.username} (${shortId(s.session_id)}) was terminated.`);
      await this.refresh();
    } catch (err) {
      btn.disabled = false;
      failed(err, "Could not terminate the session.");
    }
  }
}
