// One task as a row of fields edited in place: each change is saved on its
// own with `PATCH /api/tasks/{id}`; **Delete** removes the task.

import { api } from "../core/api.js";
import { h, options } from "../core/dom.js";
import { nonNegativeOrNull } from "../core/forms.js";
import { showFailure } from "../shell/notices.js";
import { PRIORITY, TASK_STATUS } from "./choices.js";

function fields(t) {
  const base = `task-${t.id}`;
  return {
    title: h("input", { id: `${base}-title`, value: t.title, maxlength: "500", "data-field": "title" }),
    status: h(
      "select",
      { id: `${base}-status`, "data-field": "status", "data-testid": "task-status" },
      options(TASK_STATUS, t.status),
    ),
    priority: h("select", { id: `${base}-priority`, "data-field": "priority" }, options(PRIORITY, t.priority)),
    due: h("input", { id: `${base}-due`, type: "date", value: t.due_date || "", "data-field": "due_date" }),
    estimate: h("input", {
      id: `${base}-estimate`,
      type: "number",
      min: "0",
      step: "0.25",
      inputmode: "decimal",
      value: t.estimate_hours ?? "",
      "data-field": "estimate_hours",
    }),
    del: h("button", {
      type: "button",
      class: "danger",
      "aria-label": `Delete task ${t.title}`,
      "data-testid": "task-delete",
      text: "Delete",
    }),
  };
}

/**
 * The `<li data-testid="task-item">` of task `t` (kept up to date in place).
 * `onSaved(t)` after a saved change (the list may drop a row its filter no
 * longer shows); `onDeleted(t)` after the task was deleted.
 */
export function taskRow(t, ctx, { onSaved, onDeleted }) {
  const f = fields(t);
  const err = h("p", { class: "form-error", role: "alert" });
  const field = (cls, input, label) => h("div", { class: cls }, h("label", { for: input.id, text: label }), input);
  const li = h(
    "li",
    { class: "task-item", "data-testid": "task-item", "data-task-id": String(t.id), "data-status": t.status },
    h(
      "div",
      { class: "task-fields" },
      field("title-field", f.title, "Title"),
      field("", f.status, "Status"),
      field("", f.priority, "Priority"),
      field("", f.due, "Due date"),
      field("", f.estimate, "Estimate (h)"),
      h("div", {}, f.del),
    ),
    err,
  );

  const save = async (input, value, revert) => {
    err.textContent = "";
    try {
      const updated = await api("PATCH", `/api/tasks/${t.id}`, { [input.dataset.field]: value });
      Object.assign(t, updated);
      li.dataset.status = t.status;
      f.del.setAttribute("aria-label", `Delete task ${t.title}`);
      ctx.notices.info(`Saved “${t.title}”.`);
      onSaved(t);
    } catch (e) {
      revert();
      showFailure(err, e, "Could not save the change.");
    }
  };

  f.title.addEventListener("change", () => {
    const v = f.title.value.trim();
    if (!v) {
      err.textContent = "A task needs a title.";
      f.title.value = t.title;
      return;
    }
    save(f.title, v, () => (f.title.value = t.title));
  });
  f.status.addEventListener("change", () => save(f.status, f.status.value, () => (f.status.value = t.status)));
  f.priority.addEventListener("change", () =>
    save(f.priority, f.priority.value, () => (f.priority.value = t.priority)),
  );
  f.due.addEventListener("change", () => save(f.due, f.due.value || null, () => (f.due.value = t.due_date || "")));
  f.estimate.addEventListener("change", () => {
    const v = nonNegativeOrNull(f.estimate);
    if (Number.isNaN(v)) {
      err.textContent = "The estimate must be a number of hours, 0 or more.";
      f.estimate.value = t.estimate_hours ?? "";
      return;
    }
    save(f.estimate, v, () => (f.estimate.value = t.estimate_hours ?? ""));
  });
  f.del.addEventListener("click", async () => {
    f.del.disabled = true;
    try {
      await api("DELETE", `/api/tasks/${t.id}`);
      ctx.notices.info(`Task “${t.title}” deleted.`);
      onDeleted(t);
    } catch (e) {
      f.del.disabled = false;
      showFailure(err, e, "Could not delete the task.");
    }
  });
  return li;
}
