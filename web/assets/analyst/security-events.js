// Security events: `GET /api/security-events` filtered by username, kind,
// since (local time, sent as RFC 3339 UTC) and limit; newest first.

import { api } from "../core/api.js";
import { byId as $, formatTime, h } from "../core/dom.js";
import { fieldError } from "../core/forms.js";
import { failed } from "./access.js";
import { detailText, fmtScore, shortId } from "./format.js";

function eventRow(ev) {
  const sev = typeof ev.severity === "string" ? ev.severity : "info";
  return h(
    "tr",
    { "data-testid": "event-row", "data-kind": ev.kind },
    h("td", {}, h("time", { datetime: ev.created_at, text: formatTime(ev.created_at) })),
    h("td", {}, h("code", { text: ev.kind })),
    h("td", {}, h("span", { class: `badge ${sev}`, text: sev })),
    h("td", { text: ev.username ?? "—" }),
    h("td", {}, ev.session_id ? h("code", { title: ev.session_id, text: shortId(ev.session_id) }) : "—"),
    h("td", { class: "num", text: fmtScore(ev.risk_score) }),
    h("td", { title: ev.detail ? JSON.stringify(ev.detail) : "", text: detailText(ev.detail) }),
  );
}

export class SecurityEvents {
  constructor() {
    this.form = $("events-form");
    this.username = $("ev-username");
    this.kind = $("ev-kind");
    this.since = $("ev-since");
    this.limit = $("ev-limit");
    this.error = $("events-error");
    this.count = $("events-count");
    this.body = $("events-body");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.load();
    });
  }

  /** The query of the filters, or null after saying what to fix. */
  query() {
    const q = new URLSearchParams();
    const user = this.username.value.trim();
    const kind = this.kind.value.trim();
    if (user) q.set("username", user);
    if (kind) q.set("kind", kind);
    if (this.since.value) {
      const d = new Date(this.since.value);
      if (Number.isNaN(d.getTime())) return fieldError(this.error, this.since, "“Since” is not a valid date and time.");
      q.set("since", d.toISOString());
    }
    const limitRaw = this.limit.value.trim();
    if (limitRaw) {
      const limit = Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        return fieldError(this.error, this.limit, "The limit must be a whole number from 1 to 1000.");
      }
      q.set("limit", String(limit));
    }
    return q;
  }

  async load() {
    this.error.textContent = "";
    const q = this.query();
    if (!q) return;
    try {
      const list = await api("GET", `/api/security-events${q.toString() ? `?${q}` : ""}`);
      const events = Array.isArray(list) ? list : [];
      this.body.replaceChildren(...events.map(eventRow));
      this.count.textContent = events.length
        ? `${events.length} event${events.length === 1 ? "" : "s"}, newest first.`
        : "No events match these filters.";
    } catch (err) {
      failed(err, "Could not load the security events.", this.error);
    }
  }
}
