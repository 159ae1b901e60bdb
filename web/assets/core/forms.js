// Form plumbing every page repeats: reading optional numbers, saying what to
// fix, and keeping a submit button disabled while its request runs.

import { numberOrNull } from "./dom.js";

/** An optional number field that must be 0 or more: null when empty, NaN when not valid. */
export function nonNegativeOrNull(input) {
  const v = numberOrNull(input);
  return Number.isNaN(v) || (v !== null && v < 0) ? NaN : v;
}

/**
 * Shows `message` in a form's error line (`role="alert"`) and puts the focus
 * on the field to fix. Returns null, so a reader can `return fieldError(…)`.
 */
export function fieldError(errorEl, field, message) {
  errorEl.textContent = message;
  field.focus();
  return null;
}

/** Runs `work()` for a submit event with the form's submit button disabled meanwhile. */
export async function whileSubmitting(form, event, work) {
  const btn = (event && event.submitter) || form.querySelector("button[type=submit]");
  if (btn) btn.disabled = true;
  try {
    return await work();
  } finally {
    if (btn) btn.disabled = false;
  }
}
