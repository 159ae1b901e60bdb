// A confirmation dialog with a reason field, for actions that end sessions:
// `await confirmWithReason({title, text, action})` → {reason} (the trimmed
// reason, possibly "") or null when cancelled. A modal <dialog>: it takes
// the focus, Escape cancels, the focus returns where it was.

import { h } from "../core/dom.js";

const MAX_REASON = 500;

export function confirmWithReason({ title, text, action = "Terminate" }) {
  return new Promise((resolve) => {
    const before = document.activeElement;
    const reason = h("textarea", {
      id: "confirm-reason",
      rows: 3,
      maxlength: MAX_REASON,
      "data-testid": "confirm-reason",
    });
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "confirm-error" });
    const ok = h("button", { type: "submit", class: "danger", "data-testid": "confirm-ok", text: action });
    const cancel = h("button", { type: "button", "data-testid": "confirm-cancel", text: "Cancel" });
    const form = h(
      "form",
      { method: "dialog", novalidate: true },
      h("h2", { id: "confirm-title", text: title }),
      h("p", { id: "confirm-text", text }),
      h("label", { for: "confirm-reason", text: "Reason (stored with the event; optional)" }),
      reason,
      error,
      h("div", { class: "actions" }, ok, cancel),
    );
    const dialog = h(
      "dialog",
      {
        class: "confirm",
        "data-testid": "confirm-dialog",
        "aria-labelledby": "confirm-title",
        "aria-describedby": "confirm-text",
      },
      form,
    );
    let answered = false;
    const done = (value) => {
      if (answered) return;
      answered = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (before && before.isConnected && typeof before.focus === "function") before.focus();
      resolve(value);
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const r = reason.value.trim();
      if (r.length > MAX_REASON) {
        error.textContent = `The reason can be at most ${MAX_REASON} characters.`;
        reason.focus();
        return;
      }
      done({ reason: r });
    });
    cancel.addEventListener("click", () => done(null));
    dialog.addEventListener("close", () => done(null));
    document.body.append(dialog);
    dialog.showModal();
    reason.focus();
  });
}
