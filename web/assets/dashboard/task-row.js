// One task as a readable row: a checkbox (for bulk changes), the title, its
// label chips and its status, priority, due date and estimate, each shown as
// plain text that is edited in place on click (the controls only look like
// controls on hover and focus); each change is saved on its own with
// `PATCH /api/tasks/{id}`. **Details** opens the task view (description,
// labels, comments, move); **Delete** removes the task.

import { api } from "../core/api.js";
import { h, options } from "../core/dom.js";
import { nonNegativeOrNull } from "../core/forms.js";
import { showFailure } from "../shell/notices.js";
import { PRIORITY, TASK_STATUS } from "./choices.js";
import { labelChips } from "./labels.js";

function fields(t) {
  const base = `task-${t.id}`;
  return {
    select: h("input", {
      type: "checkbox",
      class: "task-select",
      "aria-label": `Select task ${t.title}`,
      "data-testid": "task-select",
      "data-task-id": String(t.id),
    }),
    title: h("input", {
      id: `${base}-title`,
      class: "plain",
      value: t.title,
      maxlength: "500",
      "data-field": "title",
      "data-testid": "task-title-edit",
    }),
    status: h(
      "select",
      { id: `${base}-status`, class: "plain", "data-field": "status", "data-testid": "task-status" },
      options(TASK_STATUS, t.status),
    ),
    priority: h(
      "select",
      { id: `${base}-priority`, class: "plain", "data-field": "priority", "data-priority": t.priority },
      options(PRIORITY, t.priority),
    ),
    due: h("input", { id: `${base}-due`, class: "plain", type: "date", value: t.due_date || "", "data-field": "due_date" }),
    estimate: h("input", {
      id: `${base}-estimate`,
      class: "plain",
      type: "number",
      min: "0",
      step: "0.25",
      inputmode: "decimal",
      value: t.estimate_hours ?? "",
      "data-field": "estimate_hours",
    }),
    open: h("a", {
      href: `#/tasks/${t.id}`,
      class: "button-link",
      "aria-label": `Details of task ${t.title}`,
      "data-testid": "task-open",
      text: "Details",
    }),
    del: h("button", {
      type: "button",
      class: "danger small",
      "aria-label": `Delete task ${t.title}`,
      "data-testid": "task-delete",
      text: "Delete",
    }),
  };
}

/**
 * The `<li data-testid="task-item">` of task `t` (kept up to date in place).
 * `onSaved(t)` after a saved change (the list may drop a row its filter no
 * longer shows); `onDeleted(t)` after the task was deleted; `onSelect(t,
 * checked)` when its checkbox changes (without it the row has no checkbox);
 * `projectName` (optional) is shown under the title (lists across projects).
 */
export function taskRow(t, ctx, { onSaved, onDeleted, onSelect, projectName, selected = false }) {
  const f = fields(t);
  f.select.checked = selected;
  if (onSelect) f.select.addEventListener("change", () => onSelect(t, f.select.checked));
  const chips = labelChips(t.labels);
  const sub = h(
    "div",
    { class: "task-sub" },
    projectName
      ? h("a", { class: "meta", href: `#/projects/${t.project_id}`, "data-testid": "task-project", text: projectName })
      : null,
    chips,
  );
  const err = h("p", { class: "form-error", role: "alert" });
  const field = (cls, input, label) => h("div", { class: cls }, h("label", { for: input.id, text: label }), input);
  const li = h(
    "li",
    {
      class: "task-item",
      "data-testid": "task-item",
      "data-task-id": String(t.id),
      "data-status": t.status,
      tabindex: "-1",
    },
    h(
      "div",
      { class: "task-fields" },
      h("div", { class: "select-field" }, onSelect ? f.select : null),
      h("div", { class: "title-field" }, h("label", { for: f.title.id, class: "visually-hidden", text: "Title" }), f.title, sub),
      field("", f.status, "Status"),
      field("", f.priority, "Priority"),
      field("", f.due, "Due"),
      field("", f.estimate, "Hours"),
      h("div", { class: "row-actions" }, f.open, f.del),
    ),
    err,
  );

  const mark = () => {
    const today = new Date();
    const local = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
    li.dataset.overdue = t.due_date && t.due_date < local && t.status !== "done" ? "true" : "false";
    f.due.dataset.empty = t.due_date ? "false" : "true";
  };
  mark();

  const save = async (input, value, revert) => {
    err.textContent = "";
    try {
      const updated = await api("PATCH", `/api/tasks/${t.id}`, { [input.dataset.field]: value });
      Object.assign(t, updated);
      li.dataset.status = t.status;
      f.priority.dataset.priority = t.priority;
      mark();
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
