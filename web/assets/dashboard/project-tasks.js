// The tasks of the open project: the form that adds one (with labels), the
// status and label filters, the sort, the rows (task-row.js) and the bulk
// status change of the selected rows.
//
// Without a label filter the rows come from `GET /api/projects/{id}/tasks`;
// with one from `GET /api/tasks?project_id=&label=` (the list across
// projects, which takes the label filter). Both take `?status=` and `?sort=`.

import { api, ApiError, apiResponse } from "../core/api.js";
import { byId as $, h, plural } from "../core/dom.js";
import { fieldError, nonNegativeOrNull, whileSubmitting } from "../core/forms.js";
import { isLeaving } from "../core/session.js";
import { showFailure } from "../shell/notices.js";
import { TASK_STATUS } from "./choices.js";
import { fetchLabels, labelStore, paint } from "./labels.js";
import { workspace } from "./store.js";
import { taskRow } from "./task-row.js";

const SORT_KEY = "fw.taskSort";

export class ProjectTasks {
  /** `onProjectGone()` when the open project turned out to be deleted elsewhere. */
  constructor(ctx, { onProjectGone }) {
    this.ctx = ctx;
    this.onProjectGone = onProjectGone;
    this.form = $("task-form");
    this.title = $("task-title");
    this.priority = $("task-priority");
    this.due = $("task-due");
    this.estimate = $("task-estimate");
    this.labelPicker = $("task-labels");
    this.error = $("task-error");
    this.filter = $("task-filter");
    this.labelFilter = $("task-label-filter");
    this.sort = $("task-sort");
    this.list = $("task-list");
    this.empty = $("task-empty");
    this.selectAll = $("task-select-all");
    this.bulkCount = $("bulk-count");
    this.bulkStatus = $("bulk-status");
    this.bulkApply = $("bulk-apply");
    this.tasks = [];
    this.selected = new Set();
    this.request = 0;
    this.failed = false;
    const remembered = sessionStorage.getItem(SORT_KEY);
    if (remembered && [...this.sort.options].some((o) => o.value === remembered)) this.sort.value = remembered;
    this.filter.addEventListener("change", () => this.load());
    this.labelFilter.addEventListener("change", () => this.load());
    this.sort.addEventListener("change", () => {
      sessionStorage.setItem(SORT_KEY, this.sort.value);
      this.load();
    });
    this.form.addEventListener("submit", (e) => this.create(e));
    this.selectAll.addEventListener("change", () => {
      this.selected = this.selectAll.checked ? new Set(this.tasks.map((t) => t.id)) : new Set();
      this.render();
    });
    this.bulkApply.addEventListener("click", () => this.applyBulk());
  }

  /** Fills the label picker of the add form and the label filter from `labelStore`. */
  renderLabels() {
    const picked = new Set([...this.labelPicker.querySelectorAll("input:checked")].map((i) => i.value));
    const legend = this.labelPicker.querySelector("legend");
    const boxes = labelStore.labels.map((l) =>
      h(
        "label",
        {},
        h("input", { type: "checkbox", value: String(l.id), checked: picked.has(String(l.id)), "data-testid": "task-label-option" }),
        paint(h("span", { class: "chip", text: l.name }), l.color),
      ),
    );
    let note = null;
    if (labelStore.error) note = h("span", { class: "muted", text: "Labels could not be loaded." });
    else if (!labelStore.labels.length) note = h("span", { class: "muted", text: "No labels yet." });
    this.labelPicker.replaceChildren(legend, ...boxes, note || "");
    const current = this.labelFilter.value;
    this.labelFilter.replaceChildren(
      h("option", { value: "", text: "Any label" }),
      ...labelStore.labels.map((l) => h("option", { value: String(l.id), text: l.name })),
    );
    this.labelFilter.value = labelStore.labels.some((l) => String(l.id) === current) ? current : "";
  }

  async loadLabels() {
    await fetchLabels();
    this.renderLabels();
  }

  /** Forgets the rows of the previous project (shows "Loading…" while `loading`). */
  clear(loading = false) {
    this.tasks = [];
    this.total = null;
    this.selected = new Set();
    this.render(loading);
  }

  remove(t) {
    if (typeof this.total === "number" && this.tasks.some((x) => x.id === t.id)) this.total -= 1;
    this.tasks = this.tasks.filter((x) => x.id !== t.id);
    this.selected.delete(t.id);
    this.render();
  }

  row(t) {
    return taskRow(t, this.ctx, {
      selected: this.selected.has(t.id),
      onSelect: (task, checked) => {
        if (checked) this.selected.add(task.id);
        else this.selected.delete(task.id);
        this.renderBulk();
      },
      onSaved: (task) => {
        if (this.filter.value && task.status !== this.filter.value) this.remove(task);
      },
      onDeleted: (task) => {
        this.remove(task);
        this.title.focus();
      },
    });
  }

  renderBulk() {
    const n = this.selected.size;
    this.bulkCount.textContent = n ? `${plural(n, "task")} selected` : "No tasks selected";
    this.bulkApply.disabled = n === 0;
    this.selectAll.checked = n > 0 && n === this.tasks.length;
    this.selectAll.indeterminate = n > 0 && n < this.tasks.length;
    this.selectAll.disabled = this.tasks.length === 0;
  }

  render(loading = false) {
    this.title.disabled = !workspace.selected;
    this.list.replaceChildren(...this.tasks.map((t) => this.row(t)));
    let empty = "";
    if (!workspace.selected) {
      empty = workspace.projects.length ? "Choose a project to see its tasks." : "Create a project to add tasks.";
    } else if (loading) empty = "Loading tasks…";
    else if (this.failed) empty = "The tasks could not be loaded.";
    else if (!this.tasks.length) {
      empty =
        this.filter.value || this.labelFilter.value
          ? `No tasks match${this.filter.value ? ` status “${TASK_STATUS[this.filter.value]}”` : ""}${
              this.labelFilter.value ? " the chosen label" : ""
            }.`
          : "No tasks yet. Add the first one above.";
    }
    if (!empty && typeof this.total === "number" && this.total > this.tasks.length) {
      empty = `Showing the first ${this.tasks.length} of ${this.total} tasks: filter or sort to find the others.`;
    }
    this.empty.textContent = empty;
    this.empty.hidden = !empty;
    this.empty.classList.toggle("loading", loading);
    this.renderBulk();
  }

  /** Loads the open project's tasks with the current filters and sort. */
  async load() {
    const p = workspace.selected;
    if (!p) return;
    const req = ++this.request;
    const q = new URLSearchParams({ limit: "500" });
    if (this.filter.value) q.set("status", this.filter.value);
    if (this.sort.value) q.set("sort", this.sort.value);
    let path = `/api/projects/${p.id}/tasks?${q}`;
    if (this.labelFilter.value) {
      q.set("project_id", String(p.id));
      q.set("label", this.labelFilter.value);
      path = `/api/tasks?${q}`;
    }
    try {
      const { data: list, total } = await apiResponse("GET", path);
      if (req !== this.request) return;
      this.failed = false;
      this.tasks = Array.isArray(list) ? list : [];
      this.total = total;
      const ids = new Set(this.tasks.map((t) => t.id));
      this.selected = new Set([...this.selected].filter((id) => ids.has(id)));
      this.render();
    } catch (err) {
      if (req !== this.request || isLeaving()) return;
      if (err instanceof ApiError && err.status === 404 && !this.labelFilter.value) {
        this.ctx.notices.warn("That project no longer exists.");
        await this.onProjectGone();
        return;
      }
      this.failed = true;
      this.tasks = [];
      this.render();
      this.ctx.notices.failed(err, "Could not load the tasks.");
    }
  }

  /** Sets the status of every selected task (one PATCH each), then reloads. */
  async applyBulk() {
    const ids = [...this.selected];
    if (!ids.length) return;
    const status = this.bulkStatus.value;
    this.bulkApply.disabled = true;
    let done = 0;
    let lastErr = null;
    for (const id of ids) {
      try {
        await api("PATCH", `/api/tasks/${id}`, { status });
        done += 1;
      } catch (err) {
        lastErr = err;
        if (isLeaving()) return;
      }
    }
    this.selected = new Set();
    await this.load();
    if (lastErr) this.ctx.notices.failed(lastErr, `Changed ${done} of ${ids.length} tasks.`);
    else this.ctx.notices.info(`${plural(done, "task")} set to ${TASK_STATUS[status]}.`);
  }

  /** The form's body, or null after saying what to fix. */
  body() {
    const title = this.title.value.trim();
    if (!title) return fieldError(this.error, this.title, "Enter a task title.");
    const body = { title, priority: this.priority.value };
    if (this.due.value) body.due_date = this.due.value;
    const est = nonNegativeOrNull(this.estimate);
    if (Number.isNaN(est)) {
      return fieldError(this.error, this.estimate, "The estimate must be a number of hours, 0 or more.");
    }
    if (est !== null) body.estimate_hours = est;
    const labels = [...this.labelPicker.querySelectorAll("input:checked")].map((i) => Number(i.value));
    if (labels.length) body.label_ids = labels;
    return body;
  }

  async create(e) {
    e.preventDefault();
    this.error.textContent = "";
    const p = workspace.selected;
    if (!p) {
      this.error.textContent = "Create or choose a project first.";
      return;
    }
    const body = this.body();
    if (!body) return;
    await whileSubmitting(this.form, e, async () => {
      try {
        const task = await api("POST", `/api/projects/${p.id}/tasks`, body);
        const labelOk =
          !this.labelFilter.value || (task.labels || []).some((l) => String(l.id) === this.labelFilter.value);
        if ((!this.filter.value || this.filter.value === task.status) && labelOk) {
          this.tasks.push(task);
          if (typeof this.total === "number") this.total += 1;
        }
        this.render();
        this.form.reset();
        this.ctx.notices.info(`Task “${task.title}” added.`);
        this.title.focus();
      } catch (err) {
        showFailure(this.error, err, "Could not add the task.");
      }
    });
  }
}
