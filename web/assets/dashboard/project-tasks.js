// The tasks of the open project: the form that adds one, the status filter
// (`?status=`) and the rows (task-row.js).

import { api, ApiError } from "../core/api.js";
import { byId as $ } from "../core/dom.js";
import { fieldError, nonNegativeOrNull, whileSubmitting } from "../core/forms.js";
import { isLeaving } from "../core/session.js";
import { showFailure } from "../shell/notices.js";
import { TASK_STATUS } from "./choices.js";
import { workspace } from "./store.js";
import { taskRow } from "./task-row.js";

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
    this.error = $("task-error");
    this.filter = $("task-filter");
    this.list = $("task-list");
    this.empty = $("task-empty");
    this.tasks = [];
    this.request = 0;
    this.filter.addEventListener("change", () => this.load());
    this.form.addEventListener("submit", (e) => this.create(e));
  }

  /** Forgets the rows of the previous project (shows "Loading…" while `loading`). */
  clear(loading = false) {
    this.tasks = [];
    this.render(loading);
  }

  remove(t) {
    this.tasks = this.tasks.filter((x) => x.id !== t.id);
    this.render();
  }

  row(t) {
    return taskRow(t, this.ctx, {
      onSaved: (task) => {
        if (this.filter.value && task.status !== this.filter.value) this.remove(task);
      },
      onDeleted: (task) => {
        this.remove(task);
        this.title.focus();
      },
    });
  }

  render(loading = false) {
    this.title.disabled = !workspace.selected;
    this.list.replaceChildren(...this.tasks.map((t) => this.row(t)));
    let empty = "";
    if (!workspace.selected) {
      empty = workspace.projects.length ? "Choose a project to see its tasks." : "Create a project to add tasks.";
    } else if (loading) empty = "Loading tasks…";
    else if (!this.tasks.length) {
      empty = this.filter.value
        ? `No tasks with status “${TASK_STATUS[this.filter.value]}”.`
        : "No tasks yet. Add the first one above.";
    }
    this.empty.textContent = empty;
    this.empty.hidden = !empty;
  }

  /** Loads the open project's tasks with the current filter. */
  async load() {
    const p = workspace.selected;
    if (!p) return;
    const req = ++this.request;
    const q = new URLSearchParams({ limit: "500" });
    if (this.filter.value) q.set("status", this.filter.value);
    try {
      const list = await api("GET", `/api/projects/${p.id}/tasks?${q}`);
      if (req !== this.request) return;
      this.tasks = Array.isArray(list) ? list : [];
      this.render();
    } catch (err) {
      if (req !== this.request || isLeaving()) return;
      if (err instanceof ApiError && err.status === 404) {
        this.ctx.notices.warn("That project no longer exists.");
        await this.onProjectGone();
        return;
      }
      this.ctx.notices.failed(err, "Could not load the tasks.");
    }
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
        if (!this.filter.value || this.filter.value === task.status) this.tasks.push(task);
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
