// The caller's labels (`GET /api/labels`), shared by the views of the
// workspace, and how a label looks: a coloured chip. The colour is set with
// the CSSOM (`style.setProperty`), which the pages' CSP allows, never with a
// `style` attribute.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";

export const labelStore = {
  /** [{id, name, color}] by name. */
  labels: [],
  loaded: false,
  /** The last load's ApiError, or null. */
  error: null,
};

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/** Loads the labels (again). Never throws: a failure is kept in `labelStore.error`. */
export async function fetchLabels() {
  try {
    const list = await api("GET", "/api/labels?limit=500");
    labelStore.labels = (Array.isArray(list) ? list : []).sort((a, b) => a.name.localeCompare(b.name));
    labelStore.loaded = true;
    labelStore.error = null;
  } catch (err) {
    labelStore.error = err;
  }
  return labelStore.labels;
}

/** Black or white text, whichever reads better on `color`. */
function textOn(color) {
  const n = parseInt(color.slice(1), 16);
  const r = (n >> 16) & 255;
  const g = (n >> 8) & 255;
  const b = n & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#111111" : "#ffffff";
}

/** Gives `el` the label's colour (custom properties read by app.css `.chip`). */
export function paint(el, color) {
  if (typeof color === "string" && COLOR_RE.test(color)) {
    el.style.setProperty("--chip-bg", color);
    el.style.setProperty("--chip-fg", textOn(color));
  }
  return el;
}

/** `<span class="chip">` of a label (its name as text). */
export function labelChip(label) {
  return paint(
    h("span", { class: "chip", "data-testid": "label-chip", "data-label-id": String(label.id), text: label.name }),
    label.color,
  );
}

/** The chips of a task's labels (a `<span class="chips">`, empty when none). */
export function labelChips(labels) {
  return h("span", { class: "chips" }, (Array.isArray(labels) ? labels : []).map(labelChip));
}
