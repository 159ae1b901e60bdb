// Analyst feedback on a behavioural event (risk_elevated, anomaly_blocked,
// session_terminated): **It was the owner** / **It was an intruder** with an
// optional note → `POST /api/security-events/{id}/feedback`. A verdict
// given shows who gave it; it can be changed.

import { api } from "../core/api.js";
import { formatTime, h } from "../core/dom.js";
import { failed } from "./access.js";

export const FEEDBACK_KINDS = new Set(["risk_elevated", "anomaly_blocked", "session_terminated"]);

const VERDICT_TEXT = { owner: "the owner (false alarm)", intruder: "an intruder" };

export function verdictText(f) {
  if (!f || typeof f !== "object") return "";
  const who = VERDICT_TEXT[f.verdict] || String(f.verdict);
  const note = f.note ? ` — “${f.note}”` : "";
  return `Verdict: ${who}, by ${f.by ?? "?"} at ${formatTime(f.at)}${note}`;
}

/**
 * The feedback controls of `ev` (null for other kinds). `onGiven(event)`
 * gets the answered event.
 */
export function feedbackControls(ev, { onGiven } = {}) {
  if (!ev || !FEEDBACK_KINDS.has(ev.kind)) return null;
  const state = h("p", { class: "muted flush", "data-testid": "feedback-state", text: verdictText(ev.feedback) });
  const note = h("input", {
    type: "text",
    maxlength: 1000,
    placeholder: "Note (optional)",
    "aria-label": `Note on event ${ev.id}`,
    "data-testid": "feedback-note",
  });
  const error = h("p", { class: "form-error flush", role: "alert", "data-testid": "feedback-error" });
  const give = async (verdict, btn) => {
    error.textContent = "";
    btn.disabled = true;
    try {
      const body = { verdict };
      if (note.value.trim()) body.note = note.value.trim();
      const answered = await api("POST", `/api/security-events/${encodeURIComponent(ev.id)}/feedback`, body);
      ev.feedback = answered && answered.feedback;
      state.textContent = verdictText(ev.feedback);
      note.value = "";
      if (onGiven) onGiven(answered);
    } catch (err) {
      failed(err, "Could not store the verdict.", error);
    } finally {
      btn.disabled = false;
    }
  };
  const owner = h("button", {
    type: "button",
    "data-testid": "feedback-owner",
    "data-event-id": ev.id,
    text: "It was the owner",
    title: "A false alarm: the owner's profile learns this session's windows",
    onclick: () => give("owner", owner),
  });
  const intruder = h("button", {
    type: "button",
    class: "danger",
    "data-testid": "feedback-intruder",
    "data-event-id": ev.id,
    text: "It was an intruder",
    title: "Keeps this session's windows out of every profile and of global training",
    onclick: () => give("intruder", intruder),
  });
  return h(
    "div",
    { class: "feedback", "data-testid": "event-feedback", "data-event-id": ev.id },
    state,
    h("div", { class: "feedback-controls" }, note, owner, intruder),
    error,
  );
}
