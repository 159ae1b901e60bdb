// View "/users/:name": one user for an analyst — `GET /api/admin/users/{name}`
// (role, profile states, sessions newest first with paging, verdicts given
// on their events) and their events (`GET /api/security-events?username=`,
// with feedback buttons); **Terminate all sessions** with a confirmation
// and a reason.

import { api, apiResponse, ApiError } from "../core/api.js";
import { formatTime, h, plural } from "../core/dom.js";
import { failed } from "./access.js";
import { confirmWithReason } from "./confirm.js";
import { feedbackControls, verdictText } from "./feedback.js";
import { detailText, fmtScore, shortId } from "./format.js";

const PAGE = 20;
const EVENTS = 100;

let root = null;
let current = null;

function sessionLink(id) {
  return h("a", { href: `#/sessions/${encodeURIComponent(id)}`, "data-testid": "session-link", title: id }, h("code", { text: shortId(id) }));
}

function sessionRow(s) {
  return h(
    "tr",
    { "data-testid": "user-session-row", "data-session-id": s.session_id, "data-live": s.live ? "true" : "false" },
    h("td", {}, sessionLink(s.session_id)),
    h("td", { text: formatTime(s.started_at) }),
    h("td", { text: formatTime(s.last_seen_at) }),
    h("td", { text: s.live ? "live" : `${formatTime(s.ended_at)}${s.end_reason ? ` (${s.end_reason})` : ""}` }),
    h("td", { class: "num", text: String(s.windows ?? 0) }),
    h("td", { class: "num", text: fmtScore(s.max_score) }),
    h("td", { text: s.ip ?? "—" }),
  );
}

function eventItem(ev, ctx) {
  const sev = typeof ev.severity === "string" ? ev.severity : "info";
  return h(
    "li",
    { class: "event-item", "data-testid": "user-event", "data-kind": ev.kind, "data-event-id": ev.id },
    h(
      "p",
      { class: "flush" },
      h("time", { datetime: ev.created_at, text: formatTime(ev.created_at) }),
      " ",
      h("code", { text: ev.kind }),
      " ",
      h("span", { class: `badge ${sev}`, text: sev }),
      ev.session_id ? [" ", sessionLink(ev.session_id)] : "",
    ),
    h("p", { class: "event-detail flush", text: detailText(ev.detail, { full: true }) }),
    feedbackControls(ev, { onGiven: () => ctx.notices.info(`Verdict stored for event ${ev.id}.`) }),
  );
}

function table(testid, caption, columns, rows) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { "data-testid": testid },
      h("caption", { class: "visually-hidden", text: caption }),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, rows),
    ),
  );
}

function pager(v, offset, name, ctx) {
  const total = v.sessions_total ?? 0;
  const prev = h("button", {
    type: "button",
    "data-testid": "user-sessions-prev",
    disabled: offset <= 0,
    text: "Newer",
    onclick: () => load(name, ctx, Math.max(0, offset - PAGE)),
  });
  const next = h("button", {
    type: "button",
    "data-testid": "user-sessions-next",
    disabled: offset + PAGE >= total,
    text: "Older",
    onclick: () => load(name, ctx, offset + PAGE),
  });
  const first = total ? offset + 1 : 0;
  const last = Math.min(total, offset + PAGE);
  return h("div", { class: "actions" }, h("span", { class: "muted", text: `${first}–${last} of ${total}` }), prev, next);
}

function render(v, events, offset, ctx) {
  const u = v.user || {};
  const p = u.profiles || {};
  const terminate = h("button", {
    type: "button",
    class: "danger",
    "data-testid": "user-terminate-all",
    disabled: !u.live_sessions,
    text: u.live_sessions ? `Terminate all ${plural(u.live_sessions, "live session")}` : "No live sessions",
    onclick: () => terminateAll(u.username, ctx, offset),
  });
  const feedback = Array.isArray(v.feedback) ? v.feedback : [];
  root.replaceChildren(
    h("p", {}, h("a", { href: "#/", "data-testid": "back-to-console", text: "← Console" })),
    h(
      "section",
      { class: "panel", "aria-labelledby": "user-title" },
      h(
        "div",
        { class: "project-head" },
        h("h2", { id: "user-title", tabindex: "-1", text: `User ${u.username}` }),
        h("div", { class: "controls" }, terminate),
      ),
      h(
        "dl",
        { class: "facts", "data-testid": "user-facts" },
        [
          ["Role", u.role, "user-role"],
          ["Registered", formatTime(u.created_at), "user-created"],
          ["Last seen", formatTime(u.last_seen_at), "user-last-seen"],
          ["Live sessions", String(u.live_sessions ?? 0), "user-live-sessions"],
          ["Keystroke profile", p.keystroke ?? "none yet", "user-profile-keystroke"],
          ["Mouse profile", p.mouse ?? "none yet", "user-profile-mouse"],
        ].flatMap(([label, value, testid]) => [h("dt", { text: label }), h("dd", { "data-testid": testid, text: value ?? "—" })]),
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "user-sessions-title" },
      h("h3", { id: "user-sessions-title", text: "Sessions, newest first" }),
      table(
        "user-sessions",
        "The user's monitored sessions",
        ["Session", "Started", "Last seen", "Ended", "Windows", "Max score", "Address"],
        (v.sessions || []).map(sessionRow),
      ),
      pager(v, offset, u.username, ctx),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "user-feedback-title" },
      h("h3", { id: "user-feedback-title", text: "Feedback given on their events" }),
      feedback.length
        ? h(
            "ul",
            { class: "event-list", "data-testid": "user-feedback" },
            feedback.map((f) =>
              h(
                "li",
                { "data-testid": "user-feedback-item", "data-verdict": f.verdict },
                h("code", { text: f.kind }),
                " ",
                f.session_id ? sessionLink(f.session_id) : "",
                " ",
                verdictText(f),
              ),
            ),
          )
        : h("p", { class: "empty", text: "No verdicts yet." }),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "user-events-title" },
      h("h3", { id: "user-events-title", text: `Events, newest first (${events.total ?? events.items.length})` }),
      events.items.length
        ? h("ol", { class: "event-list", "data-testid": "user-events" }, events.items.map((e) => eventItem(e, ctx)))
        : h("p", { class: "empty", text: "No events about this user." }),
    ),
  );
}

async function terminateAll(name, ctx, offset) {
  const answer = await confirmWithReason({
    title: `Terminate every session of ${name}?`,
    text: "Every live session of this user ends at once; they have to sign in again.",
    action: "Terminate all",
  });
  if (!answer) return;
  try {
    const body = answer.reason ? { reason: answer.reason } : undefined;
    await api("POST", `/api/admin/users/${encodeURIComponent(name)}/sessions/terminate`, body);
    ctx.notices.info(`Every session of ${name} was terminated.`);
    await load(name, ctx, offset);
  } catch (err) {
    failed(err, "Could not terminate the sessions.");
  }
}

async function load(name, ctx, offset = 0) {
  // The router focused the view on a switch: the heading takes it once drawn.
  const hadFocus = root.contains(document.activeElement);
  current = name;
  root.replaceChildren(h("p", { class: "loading", "data-testid": "user-loading", text: "Loading the user…" }));
  try {
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    const [v, ev] = await Promise.all([
      api("GET", `/api/admin/users/${encodeURIComponent(name)}?${q}`),
      apiResponse("GET", `/api/security-events?${new URLSearchParams({ username: name, limit: String(EVENTS) })}`),
    ]);
    const items = Array.isArray(ev.data) ? ev.data : [];
    if (current === name && v) {
      render(v, { items, total: ev.total }, offset, ctx);
      if (hadFocus) document.getElementById("user-title").focus();
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      root.replaceChildren(
        h("p", { class: "empty", "data-testid": "user-missing", text: "There is no such user." }),
        h("p", {}, h("a", { href: "#/", text: "← Console" })),
      );
      return;
    }
    root.replaceChildren();
    failed(err, "Could not load the user.");
  }
}

export const userView = {
  id: "user",
  routes: ["/users/:name"],
  title: (params) => `User ${params.name}`,
  element() {
    root = h("div", { class: "console-view", "data-testid": "user-view" });
    return root;
  },
  async show(params, ctx) {
    await load(params.name, ctx);
  },
  hide() {
    current = null;
  },
};
