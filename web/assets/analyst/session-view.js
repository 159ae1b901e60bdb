// View "/sessions/:id": one monitored session for an analyst —
// `GET /api/admin/sessions/{id}`: who, when, where from, how it ended; the
// risk chart over time with the decision points; every scored window with
// its score, level, model and reasons in full; the session's events with
// feedback buttons; **Terminate** (with a confirmation and a reason).

import { api, ApiError } from "../core/api.js";
import { formatTime, h } from "../core/dom.js";
import { failed } from "./access.js";
import { confirmWithReason } from "./confirm.js";
import { feedbackControls } from "./feedback.js";
import { detailText, fmtScore, shortId } from "./format.js";
import { DECISIONS, riskChart } from "./risk-chart.js";

let root = null;
let current = null;

function field(label, value, testid) {
  return [h("dt", { text: label }), h("dd", { "data-testid": testid }, value ?? "—")];
}

function userLink(name) {
  return name ? h("a", { href: `#/users/${encodeURIComponent(name)}`, "data-testid": "user-link", text: name }) : "—";
}

function windowRow(w) {
  const level = ["low", "medium", "high"].includes(w.level) ? w.level : "none";
  const reasons = Array.isArray(w.reasons) ? w.reasons : [];
  return h(
    "tr",
    { "data-testid": "window-row", "data-level": level },
    h("td", {}, h("time", { datetime: w.created_at, text: formatTime(w.created_at) })),
    h("td", { text: w.modality }),
    h("td", { class: "num", "data-testid": "window-score", text: fmtScore(w.score) }),
    h("td", {}, h("span", { class: `badge ${level}`, text: level })),
    h("td", { text: w.model }),
    h("td", { class: "num", text: fmtScore(w.session_risk) }),
    h(
      "td",
      { class: "reasons" },
      reasons.length
        ? h("ul", { class: "reason-list" }, reasons.map((r) => h("li", { "data-testid": "window-reason", text: r })))
        : h("span", { class: "muted", text: "nothing stood out" }),
    ),
  );
}

function eventItem(ev, ctx) {
  const sev = typeof ev.severity === "string" ? ev.severity : "info";
  const decision = DECISIONS[ev.kind];
  return h(
    "li",
    { class: `event-item${decision ? " decision" : ""}`, "data-testid": "session-event", "data-kind": ev.kind, "data-event-id": ev.id },
    h(
      "p",
      { class: "flush" },
      h("time", { datetime: ev.created_at, text: formatTime(ev.created_at) }),
      " ",
      h("code", { text: ev.kind }),
      " ",
      h("span", { class: `badge ${sev}`, text: sev }),
      typeof ev.risk_score === "number" ? ` risk ${fmtScore(ev.risk_score)}` : "",
    ),
    h("p", { class: "event-detail flush", text: detailText(ev.detail, { full: true }) }),
    feedbackControls(ev, { onGiven: () => ctx.notices.info(`Verdict stored for event ${ev.id}.`) }),
  );
}

function render(v, ctx) {
  const s = v.session || {};
  const live = Boolean(s.live);
  const terminate = h("button", {
    type: "button",
    class: "danger",
    "data-testid": "session-terminate",
    disabled: !live,
    text: live ? "Terminate this session" : "Session ended",
    onclick: () => terminateSession(v, ctx),
  });
  const windows = Array.isArray(v.windows) ? v.windows : [];
  const events = Array.isArray(v.events) ? v.events : [];
  const shown = windows.length < (v.windows_total ?? 0) ? ` (the latest ${windows.length} of ${v.windows_total})` : "";
  root.replaceChildren(
    h("p", {}, h("a", { href: "#/", "data-testid": "back-to-console", text: "← Console" })),
    h(
      "section",
      { class: "panel", "aria-labelledby": "session-title" },
      h(
        "div",
        { class: "project-head" },
        h("h2", { id: "session-title", tabindex: "-1", text: `Session ${shortId(s.session_id)} of ${v.username}` }),
        h("div", { class: "controls" }, terminate),
      ),
      h(
        "dl",
        { class: "facts", "data-testid": "session-facts" },
        field("User", userLink(v.username), "session-user"),
        field("Session id", h("code", { text: s.session_id }), "session-id"),
        field("Started", formatTime(s.started_at), "session-started"),
        field("Last seen", formatTime(s.last_seen_at), "session-last-seen"),
        field("Ended", live ? "live" : formatTime(s.ended_at), "session-ended"),
        field("End reason", s.end_reason, "session-end-reason"),
        field("Address", s.ip, "session-ip"),
        field("Browser", s.user_agent, "session-user-agent"),
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "chart-title" },
      h("h3", { id: "chart-title", text: `Risk over time${shown}` }),
      windows.length || events.length ? riskChart(windows, events) : h("p", { class: "empty", text: "No scored windows yet." }),
      h(
        "p",
        { class: "muted legend" },
        "Dots: window scores (● keystroke, ■ mouse; green low, amber medium, red high, hollow not scored). Line: session risk. Vertical lines: decision points.",
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "windows-title" },
      h("h3", { id: "windows-title", text: `Scored windows (${v.windows_total ?? windows.length})` }),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { "data-testid": "windows-table" },
          h("caption", { class: "visually-hidden", text: "Every scored window, oldest first, with its reasons" }),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Time", "Modality", "Score", "Level", "Model", "Session risk", "Reasons"].map((c) =>
                h("th", { scope: "col", text: c }),
              ),
            ),
          ),
          h("tbody", {}, windows.map(windowRow)),
        ),
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "session-events-title" },
      h("h3", { id: "session-events-title", text: `Events (${events.length})` }),
      events.length
        ? h("ol", { class: "event-list", "data-testid": "session-events" }, events.map((e) => eventItem(e, ctx)))
        : h("p", { class: "empty", text: "No events for this session." }),
    ),
  );
}

async function terminateSession(v, ctx) {
  const answer = await confirmWithReason({
    title: "Terminate this session?",
    text: `The session of ${v.username} ends at once, on every page and on the websocket.`,
  });
  if (!answer) return;
  try {
    const body = answer.reason ? { reason: answer.reason } : undefined;
    await api("POST", `/api/admin/sessions/${encodeURIComponent(v.session.session_id)}/terminate`, body);
    ctx.notices.info(`The session of ${v.username} was terminated.`);
    await load(v.session.session_id, ctx);
  } catch (err) {
    failed(err, "Could not terminate the session.");
  }
}

async function load(id, ctx) {
  // The router focused the view on a switch: the heading takes it once drawn.
  const hadFocus = root.contains(document.activeElement);
  current = id;
  root.replaceChildren(h("p", { class: "loading", "data-testid": "session-loading", text: "Loading the session…" }));
  try {
    const v = await api("GET", `/api/admin/sessions/${encodeURIComponent(id)}`);
    if (current === id && v) {
      render(v, ctx);
      if (hadFocus) document.getElementById("session-title").focus();
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      root.replaceChildren(
        h("p", { class: "empty", "data-testid": "session-missing", text: "There is no such session." }),
        h("p", {}, h("a", { href: "#/", text: "← Console" })),
      );
      return;
    }
    root.replaceChildren();
    failed(err, "Could not load the session.");
  }
}

export const sessionView = {
  id: "session",
  routes: ["/sessions/:id"],
  title: (params) => `Session ${shortId(params.id)}`,
  element() {
    root = h("div", { class: "console-view", "data-testid": "session-view" });
    return root;
  },
  async show(params, ctx) {
    await load(params.id, ctx);
  },
  hide() {
    current = null;
  },
};
