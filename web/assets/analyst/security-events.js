// Security events: `GET /api/security-events` filtered by username, kind,
// severity, session, since (local time, sent as RFC 3339 UTC) and limit;
// newest first. **Older events** follows the answer's `Link: rel="next"`
// (keyset paging, `before_id`) and appends. Users and sessions link to
// their views; behavioural events carry the feedback buttons.

import { apiResponse } from "../core/api.js";
import { byId as $, formatTime, h } from "../core/dom.js";
import { fieldError } from "../core/forms.js";
import { failed } from "./access.js";
import { feedbackControls } from "./feedback.js";
import { detailText, fmtScore, shortId } from "./format.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function eventRow(ev) {
  const sev = typeof ev.severity === "string" ? ev.severity : "info";
  return h(
    "tr",
    { "data-testid": "event-row", "data-kind": ev.kind, "data-event-id": ev.id },
    h("td", {}, h("time", { datetime: ev.created_at, text: formatTime(ev.created_at) })),
    h("td", {}, h("code", { text: ev.kind })),
    h("td", {}, h("span", { class: `badge ${sev}`, text: sev })),
    h(
      "td",
      {},
      ev.username
        ? h("a", { href: `#/users/${encodeURIComponent(ev.username)}`, "data-testid": "event-user-link", text: ev.username })
        : "—",
    ),
    h(
      "td",
      {},
      ev.session_id
        ? h(
            "a",
            { href: `#/sessions/${encodeURIComponent(ev.session_id)}`, "data-testid": "event-session-link", title: ev.session_id },
            h("code", { text: shortId(ev.session_id) }),
          )
        : "—",
    ),
    h("td", { class: "num", text: fmtScore(ev.risk_score) }),
    h("td", { title: ev.detail ? JSON.stringify(ev.detail) : "", text: detailText(ev.detail) }),
    h("td", { class: "verdict" }, feedbackControls(ev)),
  );
}

/** The path of a `Link: <…>; rel="next"` header, when it is one of ours. */
function nextLink(headers) {
  const link = headers && headers.get("Link");
  const m = link && /<([^>]+)>;\s*rel="next"/.exec(link);
  return m && m[1].startsWith("/api/security-events") ? m[1] : null;
}

export class SecurityEvents {
  constructor() {
    this.form = $("events-form");
    this.username = $("ev-username");
    this.kind = $("ev-kind");
    this.severity = $("ev-severity");
    this.session = $("ev-session");
    this.since = $("ev-since");
    this.limit = $("ev-limit");
    this.error = $("events-error");
    this.count = $("events-count");
    this.body = $("events-body");
    this.older = $("events-older");
    this.next = null;
    this.shown = 0;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.load();
    });
    this.older.addEventListener("click", () => this.loadOlder());
  }

  /** The query of the filters, or null after saying what to fix. */
  query() {
    const q = new URLSearchParams();
    const user = this.username.value.trim();
    const kind = this.kind.value.trim();
    const session = this.session.value.trim();
    if (user) q.set("username", user);
    if (kind) q.set("kind", kind);
    if (this.severity.value) q.set("severity", this.severity.value);
    if (session) {
      if (!UUID.test(session)) return fieldError(this.error, this.session, "The session id is a UUID like 0b6c…-…; copy it from a session link.");
      q.set("session_id", session);
    }
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

  show(events, total, append) {
    const rows = events.map(eventRow);
    if (append) this.body.append(...rows);
    else this.body.replaceChildren(...rows);
    this.shown = append ? this.shown + events.length : events.length;
    const of = typeof total === "number" && total > this.shown ? ` of ${total}` : "";
    this.count.textContent = this.shown
      ? `${this.shown}${of} event${this.shown === 1 ? "" : "s"}, newest first.`
      : "No events match these filters.";
    this.older.hidden = !this.next;
  }

  async load() {
    this.error.textContent = "";
    const q = this.query();
    if (!q) return;
    // Keyset paging from the first page on, so "Older events" never repeats one.
    q.set("before_id", String(Number.MAX_SAFE_INTEGER));
    try {
      const res = await apiResponse("GET", `/api/security-events?${q}`);
      this.next = nextLink(res.headers);
      this.show(Array.isArray(res.data) ? res.data : [], res.total, false);
    } catch (err) {
      failed(err, "Could not load the security events.", this.error);
    }
  }

  async loadOlder() {
    if (!this.next) return;
    this.older.disabled = true;
    try {
      const res = await apiResponse("GET", this.next);
      this.next = nextLink(res.headers);
      this.show(Array.isArray(res.data) ? res.data : [], res.total, true);
    } catch (err) {
      failed(err, "Could not load older events.", this.error);
    } finally {
      this.older.disabled = false;
    }
  }
}
