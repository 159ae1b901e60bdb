// The running timer (issue 11): one per user, kept by the server
// (`GET/POST/DELETE /api/timer`), so it survives a reload and is the same in
// every tab. This module holds the entry the page knows of and tells
// listeners when it changes; the header widget (timer-widget.js) shows it.
//
// A page starts the timer on one of its tasks with
//
//   import { timerStartButton } from "../shell/timer.js";
//   row.append(timerStartButton(task, ctx));
//
// or calls `startTimer(taskId)` itself.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";

const state = {
  /** The running time entry, or null. */
  entry: null,
  /** `performance.now()` when `entry.seconds` was read. */
  readAt: 0,
  /** The last failure reading the timer (an `ApiError`), or null. */
  error: null,
  listeners: new Set(),
};

function set(entry, error = null) {
  state.entry = entry && !entry.ended_at ? entry : null;
  state.readAt = performance.now();
  state.error = error;
  for (const fn of state.listeners) fn(state.entry, state.error);
}

/** Calls `fn(entry, error)` on every change; answers a function that stops it. */
export function onTimer(fn) {
  state.listeners.add(fn);
  return () => state.listeners.delete(fn);
}

/** The running entry, or null. */
export function runningEntry() {
  return state.entry;
}

/** Seconds the running entry has run so far (0 when none). */
export function elapsedSeconds() {
  if (!state.entry) return 0;
  const base = Number(state.entry.seconds) || 0;
  return base + Math.floor((performance.now() - state.readAt) / 1000);
}

/** Reads the running timer from the server. Throws `ApiError`. */
export async function refreshTimer() {
  try {
    const entry = await api("GET", "/api/timer");
    set(entry || null);
    return state.entry;
  } catch (err) {
    set(null, err);
    throw err;
  }
}

/** Starts the timer on `taskId` (the running one, if any, is stopped by the server). Throws `ApiError`. */
export async function startTimer(taskId, note) {
  const body = { task_id: Number(taskId) };
  if (note) body.note = note;
  const entry = await api("POST", "/api/timer", body);
  set(entry);
  return entry;
}

/** Stops the running timer; answers the stopped entry. Throws `ApiError` (404 when none runs). */
export async function stopTimer() {
  try {
    const stopped = await api("DELETE", "/api/timer");
    set(null);
    return stopped;
  } catch (err) {
    if (err && err.status === 404) set(null);
    throw err;
  }
}

/**
 * A **Start timer** button for task `task` (`{id, title}`), for task rows of
 * any page (`data-testid="task-timer-start"`); it reads "Running" while the
 * timer runs on that task. Failures go to `ctx.notices`.
 */
export function timerStartButton(task, ctx) {
  const btn = h("button", {
    type: "button",
    class: "timer-start",
    "data-testid": "task-timer-start",
    "data-task-id": String(task.id),
  });
  const render = (entry) => {
    const running = Boolean(entry && entry.task_id === task.id);
    btn.textContent = running ? "● Running" : "▶ Start timer";
    btn.setAttribute("aria-pressed", running ? "true" : "false");
    btn.setAttribute("aria-label", running ? `Timer running on ${task.title}` : `Start the timer on ${task.title}`);
    btn.disabled = running;
  };
  render(state.entry);
  const stop = onTimer((entry) => {
    if (!btn.isConnected && btn.dataset.mounted) {
      stop();
      return;
    }
    render(entry);
  });
  btn.addEventListener("click", async () => {
    btn.dataset.mounted = "1";
    btn.disabled = true;
    try {
      await startTimer(task.id);
      if (ctx && ctx.notices) ctx.notices.info(`Timer started on “${task.title}”.`);
    } catch (err) {
      render(state.entry);
      if (ctx && ctx.notices) ctx.notices.failed(err, "Could not start the timer.");
    }
  });
  queueMicrotask(() => (btn.dataset.mounted = "1"));
  return btn;
}
