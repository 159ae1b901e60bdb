// Analyst console: security events, the realtime monitor (refreshing by
// itself) and, for admins, role management.

import { api, ApiError, backToSignIn, currentSession, formatTime, h, isLeaving, updateUser } from "./api.js";
import { startMonitoring } from "./monitor.js";
import { drawSparkline } from "./sparkline.js";

const REFRESH_MS = 3000;
const SPARK_POINTS = 40;

const $ = (id) => document.getElementById(id);
const els = {
  who: $("who"),
  logout: $("logout"),
  access: $("access"),
  status: $("page-status"),
  console: $("console"),
  monitorUpdated: $("monitor-updated"),
  monitorPause: $("monitor-pause"),
  totals: $("monitor-totals"),
  globalModel: $("global-model"),
  monitorBody: $("monitor-body"),
  monitorEmpty: $("monitor-empty"),
  eventsForm: $("events-form"),
  evUsername: $("ev-username"),
  evKind: $("ev-kind"),
  evSince: $("ev-since"),
  evLimit: $("ev-limit"),
  eventsError: $("events-error"),
  eventsCount: $("events-count"),
  eventsBody: $("events-body"),
  adminPanel: $("admin-panel"),
  roleForm: $("role-form"),
  roleUsername: $("role-username"),
  roleRole: $("role-role"),
  roleError: $("role-error"),
  profileReset: $("profile-reset"),
  trainGlobal: $("train-global"),
};

const state = {
  me: null,
  session: null,
  monitor: null,
  forbidden: false,
  paused: false,
  timer: null,
  history: new Map(), // session_id -> {scores: [], packets}
};

let statusTimer = null;
function say(text, kind = "ok") {
  els.status.className = `notice ${kind}`;
  els.status.textContent = text;
  window.clearTimeout(statusTimer);
  if (kind === "ok") statusTimer = window.setTimeout(() => (els.status.textContent = ""), 5000);
}

function forbidden() {
  if (state.forbidden) return;
  state.forbidden = true;
  window.clearTimeout(state.timer);
  const role = state.me && state.me.role ? state.me.role : "user";
  els.access.className = "notice error";
  els.access.replaceChildren(
    h("strong", { text: "Not allowed. " }),
    `Your account has the role “${role}”; the analyst console is only for analysts and administrators. `,
    h("a", { href: "/dashboard/", text: "Back to your workspace" }),
    ".",
  );
  els.console.hidden = true;
}

function handle(err, fallback, target) {
  if (isLeaving()) return;
  if (err instanceof ApiError && err.status === 403) {
    forbidden();
    return;
  }
  let msg = err instanceof ApiError ? err.message : fallback;
  if (err instanceof ApiError && err.status === 429 && err.retryAfter !== null) msg += ` Try again in ${err.retryAfter} seconds.`;
  if (target) target.textContent = msg;
  else say(msg, "error");
}

function fmtScore(v) {
  return typeof v === "number" ? v.toFixed(2) : "—";
}

function shortId(id) {
  return typeof id === "string" && id.length > 8 ? id.slice(0, 8) : String(id ?? "—");
}

function profileText(p) {
  if (p === null || p === undefined) return "—";
  if (typeof p === "string") {
    // "keystroke:enrolling mouse:trained" → "keystroke: enrolling · mouse: trained"
    return p
      .split(/\s+/)
      .filter(Boolean)
      .map((part) => part.replace(":", ": "))
      .join(" · ");
  }
  if (typeof p === "object") {
    return Object.entries(p)
      .map(([m, v]) => {
        if (v && typeof v === "object") {
          const counts = v.required ? ` ${v.samples ?? 0}/${v.required}` : "";
          return `${m}: ${v.state ?? "?"}${counts}`;
        }
        return `${m}: ${v}`;
      })
      .join(", ");
  }
  return String(p);
}

// ---------- realtime monitor ----------

function monitorRow(s) {
  const mine = state.session && s.session_id === state.session.sessionId;
  const hist = state.history.get(s.session_id);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  const scores = hist ? hist.scores : [];
  const known = scores.filter((v) => typeof v === "number");
  svg.setAttribute(
    "aria-label",
    known.length ? `Last ${known.length} scores, from ${known[0].toFixed(2)} to ${known[known.length - 1].toFixed(2)}` : "No scores yet",
  );
  drawSparkline(svg, [{ values: scores, cls: "spark-score" }], { capacity: SPARK_POINTS });

  const btn = h("button", {
    type: "button",
    class: "danger",
    "data-testid": "terminate-session",
    "data-session-id": s.session_id,
    "aria-label": `Terminate the session of ${s.username}${mine ? " (your own session)" : ""}`,
    text: mine ? "Terminate (yours)" : "Terminate",
    onclick: () => terminate(s, btn),
  });
  const level = typeof s.level === "string" ? s.level : "none";
  return h(
    "tr",
    { "data-testid": "monitor-row", "data-session-id": s.session_id, "data-username": s.username },
    h("td", {}, s.username ?? "—", mine ? h("span", { class: "muted", text: " (you)" }) : null),
    h("td", {}, h("code", { title: s.session_id, text: shortId(s.session_id) })),
    h("td", { text: formatTime(s.connected_at) }),
    h("td", { text: formatTime(s.last_packet_at) }),
    h("td", { class: "num", text: String(s.packets ?? 0) }),
    h("td", { class: "num", text: String(s.events ?? 0) }),
    h("td", { class: "num", text: fmtScore(s.last_score) }),
    h("td", { class: "num", text: fmtScore(s.max_score) }),
    h("td", {}, h("span", { class: `badge ${level}`, text: level })),
    h("td", { text: profileText(s.profile_state) }),
    h("td", {}, svg),
    h("td", {}, btn),
  );
}

function remember(sessions) {
  const live = new Set();
  for (const s of sessions) {
    live.add(s.session_id);
    let hist = state.history.get(s.session_id);
    if (!hist) {
      hist = { scores: [], packets: -1 };
      state.history.set(s.session_id, hist);
    }
    // A new point whenever the session sent something since the last poll.
    if (s.packets !== hist.packets) {
      hist.packets = s.packets;
      hist.scores.push(typeof s.last_score === "number" ? s.last_score : null);
      if (hist.scores.length > SPARK_POINTS) hist.scores.shift();
    }
  }
  for (const id of [...state.history.keys()]) if (!live.has(id)) state.history.delete(id);
}

function renderMonitor(data) {
  const sessions = Array.isArray(data.active_sessions) ? data.active_sessions : [];
  remember(sessions);

  // Keep keyboard focus on the same button across refreshes.
  const active = document.activeElement;
  const focusedSession = active && active.dataset ? active.dataset.sessionId : null;

  els.monitorBody.replaceChildren(...sessions.map(monitorRow));
  els.monitorEmpty.hidden = sessions.length > 0;

  if (focusedSession) {
    const again = els.monitorBody.querySelector(`button[data-session-id="${CSS.escape(focusedSession)}"]`);
    if (again) again.focus();
  }

  const t = data.totals || {};
  const item = (label, v) => h("li", {}, `${label}: `, h("strong", { text: String(v ?? 0) }));
  els.totals.replaceChildren(
    item("Live sessions", sessions.length),
    item("Connections", t.connections),
    item("Packets scored", t.packets_scored),
    item("Anomalies", t.anomalies),
    item("Terminations", t.terminations),
  );
  const g = data.global_model;
  els.globalModel.textContent = g
    ? `Global model: version ${g.version}, trained ${formatTime(g.trained_at)} on ${g.samples} samples.`
    : "Global model: not trained yet.";
  els.monitorUpdated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} seconds${state.paused ? " (paused)" : ""}`;
}

async function refreshMonitor() {
  try {
    const data = await api("GET", "/api/realtime-monitor");
    if (data) renderMonitor(data);
  } catch (err) {
    handle(err, "Could not load the live sessions.");
  }
}

function scheduleMonitor() {
  window.clearTimeout(state.timer);
  if (state.forbidden || state.paused || isLeaving()) return;
  state.timer = window.setTimeout(async () => {
    if (!document.hidden) await refreshMonitor();
    scheduleMonitor();
  }, REFRESH_MS);
}

els.monitorPause.addEventListener("click", () => {
  state.paused = !state.paused;
  els.monitorPause.setAttribute("aria-pressed", state.paused ? "true" : "false");
  els.monitorPause.textContent = state.paused ? "Resume updates" : "Pause updates";
  if (!state.paused) refreshMonitor().then(scheduleMonitor);
  else window.clearTimeout(state.timer);
});

async function terminate(s, btn) {
  btn.disabled = true;
  try {
    await api("POST", `/api/admin/sessions/${encodeURIComponent(s.session_id)}/terminate`);
    say(`The session of ${s.username} (${shortId(s.session_id)}) was terminated.`);
    await refreshMonitor();
  } catch (err) {
    btn.disabled = false;
    handle(err, "Could not terminate the session.");
  }
}

// ---------- security events ----------

function detailText(d) {
  if (d === null || d === undefined) return "";
  if (typeof d !== "object") return String(d);
  const parts = Object.entries(d).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  const text = parts.join("; ");
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

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

async function loadEvents() {
  els.eventsError.textContent = "";
  const q = new URLSearchParams();
  const user = els.evUsername.value.trim();
  const kind = els.evKind.value.trim();
  if (user) q.set("username", user);
  if (kind) q.set("kind", kind);
  if (els.evSince.value) {
    const d = new Date(els.evSince.value);
    if (Number.isNaN(d.getTime())) {
      els.eventsError.textContent = "“Since” is not a valid date and time.";
      els.evSince.focus();
      return;
    }
    q.set("since", d.toISOString());
  }
  const limitRaw = els.evLimit.value.trim();
  if (limitRaw) {
    const limit = Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      els.eventsError.textContent = "The limit must be a whole number from 1 to 1000.";
      els.evLimit.focus();
      return;
    }
    q.set("limit", String(limit));
  }
  try {
    const list = await api("GET", `/api/security-events${q.toString() ? `?${q}` : ""}`);
    const events = Array.isArray(list) ? list : [];
    els.eventsBody.replaceChildren(...events.map(eventRow));
    els.eventsCount.textContent = events.length
      ? `${events.length} event${events.length === 1 ? "" : "s"}, newest first.`
      : "No events match these filters.";
  } catch (err) {
    handle(err, "Could not load the security events.", els.eventsError);
  }
}

els.eventsForm.addEventListener("submit", (e) => {
  e.preventDefault();
  loadEvents();
});

// ---------- administration ----------

els.roleForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  els.roleError.textContent = "";
  const username = els.roleUsername.value.trim();
  if (!username) {
    els.roleError.textContent = "Enter the username whose role should change.";
    els.roleUsername.focus();
    return;
  }
  try {
    const res = await api("POST", `/api/admin/users/${encodeURIComponent(username)}/role`, { role: els.roleRole.value });
    say(`${res && res.username ? res.username : username} now has the role “${res && res.role ? res.role : els.roleRole.value}”.`);
    loadEvents();
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      els.roleError.textContent = `There is no user named “${username}”.`;
      return;
    }
    handle(err, "Could not change the role.", els.roleError);
  }
});

els.profileReset.addEventListener("click", async () => {
  els.roleError.textContent = "";
  const username = els.roleUsername.value.trim();
  if (!username) {
    els.roleError.textContent = "Enter the username whose behaviour profile should be reset.";
    els.roleUsername.focus();
    return;
  }
  try {
    await api("POST", `/api/admin/users/${encodeURIComponent(username)}/profile/reset`);
    say(`The behaviour profile of ${username} was reset; the next sessions learn it afresh.`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      els.roleError.textContent = `There is no user named “${username}”.`;
      return;
    }
    handle(err, "Could not reset the profile.", els.roleError);
  }
});

els.trainGlobal.addEventListener("click", async () => {
  els.trainGlobal.disabled = true;
  try {
    await api("POST", "/api/admin/train-global");
    say("Training of the global model started; a global_model_trained event follows when it is done.");
  } catch (err) {
    handle(err, "Could not start training.");
  } finally {
    els.trainGlobal.disabled = false;
  }
});

// ---------- start ----------

async function logout() {
  window.clearTimeout(state.timer);
  if (state.monitor) state.monitor.socket.stop();
  try {
    await api("POST", "/api/logout", undefined, { redirectOn401: false });
  } catch {
    /* signing out locally is what matters */
  }
  backToSignIn("signed_out");
}

function showUser(user) {
  if (!user) return;
  els.who.textContent = `${user.username} (${user.role})`;
  els.adminPanel.hidden = user.role !== "admin";
}

async function init() {
  state.session = currentSession();
  if (!state.session) {
    backToSignIn("unauthorized");
    return;
  }
  state.me = state.session.user;
  showUser(state.me);
  els.logout.addEventListener("click", logout);
  state.monitor = startMonitoring(document.querySelector("[data-testid=risk-indicator]"), logout);
  try {
    const me = await api("GET", "/api/me");
    if (me) {
      state.me = me;
      updateUser(me);
      showUser(me);
      state.session = currentSession();
    }
  } catch {
    if (isLeaving()) return;
  }
  // `GET /api/me` reads the role fresh from the database: a plain user is
  // told at once (no doomed requests); otherwise a 403 from either call
  // (a role changed meanwhile) shows the same "not allowed" message.
  if (state.me && state.me.role === "user") {
    forbidden();
    return;
  }
  await Promise.all([refreshMonitor(), loadEvents()]);
  scheduleMonitor();
}

init();
