// View "/" (all entries), "/projects/:id" and "/tasks/:id": the time log —
// filters, the project's tasks with **Start timer**, a form for a manual
// entry, and the entries (newest first) edited in place or deleted.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fromLocal, localDate, localTime, rfc3339, shortDateTime, addDays } from "../core/dates.js";
import { formatClock, formatDuration } from "../core/money.js";
import { taskOptions } from "../core/work.js";
import { showFailure } from "../shell/notices.js";
import { onTimer, timerStartButton } from "../shell/timer.js";
import { loadFailure, taskLabel, work } from "./store.js";

const LIMIT = 200;

function field(id, label, input) {
  input.id = id;
  return h("div", {}, h("label", { for: id, text: label }), input);
}

class LogView {
  constructor(ctx) {
    this.ctx = ctx;
    this.w = null;
    this.params = {};
    this.request = 0;
    this.entries = [];
    this.editing = null;

    this.fProject = h("select", { "data-testid": "time-filter-project" });
    this.fTask = h("select", { "data-testid": "time-filter-task" });
    this.fFrom = h("input", { type: "date", "data-testid": "time-filter-from" });
    this.fTo = h("input", { type: "date", "data-testid": "time-filter-to" });
    this.fProject.addEventListener("change", () => this.navigate(true));
    this.fTask.addEventListener("change", () => this.navigate(false));
    this.fFrom.addEventListener("change", () => this.load());
    this.fTo.addEventListener("change", () => this.load());

    this.heading = h("h2", { id: "log-title", text: "Time log" });
    this.tasksBox = h("div", { class: "log-tasks", "data-testid": "time-project-tasks" });

    // Manual entry.
    this.aTask = h("select", { "data-testid": "time-add-task", required: true });
    this.aDate = h("input", { type: "date", "data-testid": "time-add-date", value: localDate() });
    this.aStart = h("input", { type: "time", "data-testid": "time-add-start", value: "09:00" });
    this.aEnd = h("input", { type: "time", "data-testid": "time-add-end", value: "10:00" });
    this.aNote = h("input", { maxlength: "1000", "data-testid": "time-add-note" });
    this.aBillable = h("input", { type: "checkbox", checked: true, "data-testid": "time-add-billable" });
    this.aError = h("p", { class: "form-error", role: "alert", "data-testid": "time-add-error" });
    this.addForm = h(
      "form",
      { class: "inline-form", novalidate: true, "aria-labelledby": "add-title", "data-testid": "time-add-form" },
      h("h3", { class: "wide", id: "add-title", text: "Add time by hand" }),
      h("div", { class: "wide" }, h("label", { for: "time-add-task", text: "Task" }), Object.assign(this.aTask, { id: "time-add-task" })),
      field("time-add-date", "Date", this.aDate),
      field("time-add-start", "From", this.aStart),
      field("time-add-end", "To", this.aEnd),
      field("time-add-note", "Note (optional)", this.aNote),
      h(
        "div",
        { class: "check" },
        Object.assign(this.aBillable, { id: "time-add-billable" }),
        h("label", { for: "time-add-billable", text: "Billable" }),
      ),
      h(
        "div",
        { class: "wide" },
        h("p", { class: "hint", text: "Times are in your time zone; a “To” before “From” ends on the next day." }),
        this.aError,
        h("button", { type: "submit", class: "primary", "data-testid": "time-add-submit", text: "Add entry" }),
      ),
    );
    this.addForm.addEventListener("submit", (e) => this.add(e));

    this.total = h("p", { class: "muted flush", "data-testid": "time-total", role: "status" });
    this.tbody = h("tbody", { "data-testid": "time-entries" });
    this.state = h("p", { class: "empty", "data-testid": "time-entries-state" });
    this.el = h(
      "section",
      { class: "panel", "aria-labelledby": "log-title" },
      this.heading,
      h(
        "div",
        { class: "inline-form filter-row" },
        field("time-filter-project", "Project", this.fProject),
        field("time-filter-task", "Task", this.fTask),
        field("time-filter-from", "From (date)", this.fFrom),
        field("time-filter-to", "To (date)", this.fTo),
      ),
      this.tasksBox,
      this.addForm,
      h("h3", { text: "Entries" }),
      this.total,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "entries" },
          h("caption", { class: "visually-hidden", text: "Time entries, newest first" }),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Started", "Ended", "Duration", "Task", "Note", "Billable", ""].map((t) => h("th", { scope: "col", text: t })),
            ),
          ),
          this.tbody,
        ),
      ),
      this.state,
    );
    onTimer(() => {
      if (this.w && !this.el.hidden) this.load();
    });
  }

  /** Follows the filter selects into the URL (a reload or link opens the same log). */
  navigate(projectChanged) {
    if (projectChanged) this.fTask.value = "";
    const task = this.fTask.value;
    const project = this.fProject.value;
    const path = task ? `/tasks/${task}` : project ? `/projects/${project}` : "/";
    this.ctx.router.go(path);
  }

  async show(params) {
    this.params = params;
    this.state.textContent = "Loading…";
    try {
      this.w = await work();
    } catch (err) {
      this.state.textContent = loadFailure(err, "Your projects");
      return;
    }
    const taskId = params.taskId ? Number(params.taskId) : null;
    const task = taskId !== null ? this.w.taskById.get(taskId) : null;
    const projectId = params.projectId ? Number(params.projectId) : task ? task.project_id : null;
    const project = projectId !== null ? this.w.projectById.get(projectId) : null;
    this.fProject.replaceChildren(
      h("option", { value: "" }, "All projects"),
      ...this.w.projects.map((p) => h("option", { value: String(p.id), selected: p.id === projectId }, p.name)),
    );
    const tasks = this.w.tasks.filter((t) => projectId === null || t.project_id === projectId);
    this.fTask.replaceChildren(
      h("option", { value: "" }, projectId === null ? "All tasks" : "All tasks of the project"),
      ...tasks.map((t) => h("option", { value: String(t.id), selected: t.id === taskId }, t.title)),
    );
    this.aTask.replaceChildren(...taskOptions(this.w, taskId ?? (tasks.length === 1 ? tasks[0].id : null)));
    if (task) this.heading.textContent = `Time on “${task.title}”`;
    else if (project) this.heading.textContent = `Time on “${project.name}”`;
    else this.heading.textContent = "Time log";
    this.renderTasks(task ? [task] : project ? tasks : []);
    await this.load();
  }

  renderTasks(tasks) {
    if (!tasks.length) {
      this.tasksBox.replaceChildren();
      return;
    }
    this.tasksBox.replaceChildren(
      h(
        "ul",
        { class: "item-list" },
        tasks.map((t) =>
          h(
            "li",
            { class: "log-task", "data-testid": "time-task-row", "data-task-id": String(t.id) },
            h("a", { href: this.ctx.router.href(`/tasks/${t.id}`), text: t.title }),
            timerStartButton(t, this.ctx),
          ),
        ),
      ),
    );
  }

  query() {
    const q = new URLSearchParams({ limit: String(LIMIT) });
    if (this.fTask.value) q.set("task_id", this.fTask.value);
    else if (this.fProject.value) q.set("project_id", this.fProject.value);
    // The API's dates are UTC days; a local day may reach into the next or previous one.
    if (this.fFrom.value) q.set("from", this.fFrom.value);
    if (this.fTo.value) q.set("to", this.fTo.value);
    return q;
  }

  async load() {
    const req = ++this.request;
    if (!this.entries.length) this.state.textContent = "Loading entries…";
    try {
      const list = await api("GET", `/api/time-entries?${this.query()}`);
      if (req !== this.request) return;
      this.entries = Array.isArray(list) ? list : [];
      this.editing = null;
      this.render();
    } catch (err) {
      if (req !== this.request) return;
      this.entries = [];
      this.tbody.replaceChildren();
      this.total.textContent = "";
      this.state.textContent = loadFailure(err, "Time entries");
      this.state.dataset.state = "error";
    }
  }

  render() {
    this.tbody.replaceChildren(...this.entries.map((e) => (this.editing === e.id ? this.editRow(e) : this.row(e))));
    delete this.state.dataset.state;
    if (!this.entries.length) {
      this.state.textContent = "No time recorded here yet. Start the timer or add time by hand.";
    } else {
      this.state.textContent = this.entries.length === LIMIT ? `Showing the newest ${LIMIT} entries.` : "";
    }
    const secs = this.entries.reduce((s, e) => s + (Number(e.seconds) || 0), 0);
    this.total.textContent = this.entries.length
      ? `${this.entries.length} entr${this.entries.length === 1 ? "y" : "ies"}, ${formatDuration(secs)} in all.`
      : "";
  }

  row(e) {
    const running = !e.ended_at;
    const locked = e.invoice_id !== null && e.invoice_id !== undefined;
    const actions = h("td", { class: "row-actions" });
    if (!running && !locked) {
      actions.append(
        h("button", { type: "button", "data-testid": "time-entry-edit", text: "Edit", onclick: () => this.edit(e.id) }),
        h("button", { type: "button", class: "danger", "data-testid": "time-entry-delete", text: "Delete", onclick: (ev) => this.remove(e, ev.currentTarget) }),
      );
    } else if (locked) {
      actions.append(h("a", { href: this.ctx.router.href(`/invoices/${e.invoice_id}`), text: "On invoice" }));
    }
    return h(
      "tr",
      { "data-testid": "time-entry", "data-entry-id": String(e.id), "data-running": running ? "true" : "false" },
      h("td", { text: shortDateTime(e.started_at) }),
      h("td", {}, running ? h("span", { class: "badge low", text: "running" }) : shortDateTime(e.ended_at)),
      h("td", { class: "num", text: formatClock(e.seconds) }),
      h("td", { text: taskLabel(this.w, e.task_id, e.project_id) }),
      h("td", { class: "note", text: e.note || "" }),
      h("td", { text: e.billable ? "yes" : "no" }),
      actions,
    );
  }

  edit(id) {
    this.editing = id;
    this.render();
    const first = this.tbody.querySelector("[data-testid=time-edit-date]");
    if (first) first.focus();
  }

  editRow(e) {
    const s = new Date(e.started_at);
    const en = new Date(e.ended_at);
    const date = h("input", { type: "date", value: localDate(s), "data-testid": "time-edit-date", "aria-label": "Date" });
    const start = h("input", { type: "time", value: localTime(s), "data-testid": "time-edit-start", "aria-label": "From" });
    const end = h("input", { type: "time", value: localTime(en), "data-testid": "time-edit-end", "aria-label": "To" });
    const note = h("input", { value: e.note || "", maxlength: "1000", "data-testid": "time-edit-note", "aria-label": "Note" });
    const billable = h("input", { type: "checkbox", checked: Boolean(e.billable), "data-testid": "time-edit-billable", "aria-label": "Billable" });
    const err = h("p", { class: "form-error", role: "alert" });
    const save = h("button", { type: "button", class: "primary", "data-testid": "time-entry-save", text: "Save" });
    const cancel = h("button", { type: "button", "data-testid": "time-entry-cancel", text: "Cancel" });
    cancel.addEventListener("click", () => {
      this.editing = null;
      this.render();
    });
    save.addEventListener("click", async () => {
      err.textContent = "";
      const range = this.range(date.value, start.value, end.value);
      if (typeof range === "string") {
        err.textContent = range;
        return;
      }
      save.disabled = true;
      try {
        const updated = await api("PATCH", `/api/time-entries/${e.id}`, {
          started_at: rfc3339(range[0]),
          ended_at: rfc3339(range[1]),
          note: note.value.trim(),
          billable: billable.checked,
        });
        Object.assign(e, updated);
        this.editing = null;
        this.render();
        this.ctx.notices.info("Entry saved.");
      } catch (ex) {
        save.disabled = false;
        showFailure(err, ex, "Could not save the entry.");
      }
    });
    return h(
      "tr",
      { "data-testid": "time-entry", "data-entry-id": String(e.id), class: "editing" },
      h("td", { colspan: "2" }, h("div", { class: "edit-times" }, date, start, h("span", { text: "–" }), end)),
      h("td", { class: "num", text: formatClock(e.seconds) }),
      h("td", { text: taskLabel(this.w, e.task_id, e.project_id) }),
      h("td", {}, note),
      h("td", {}, billable),
      h("td", { class: "row-actions" }, save, cancel, err),
    );
  }

  /** [start, end] Dates for a local date and two times, or the sentence saying what to fix. */
  range(date, from, to) {
    const start = fromLocal(date, from);
    let end = fromLocal(date, to);
    if (!start) return "Enter a date and a start time.";
    if (!end) return "Enter an end time.";
    if (end <= start) end = addDays(end, 1);
    if (end - start > 24 * 3600 * 1000) return "An entry lasts at most 24 hours.";
    return [start, end];
  }

  async add(e) {
    e.preventDefault();
    this.aError.textContent = "";
    if (!this.aTask.value) {
      this.aError.textContent = "Choose a task.";
      this.aTask.focus();
      return;
    }
    const range = this.range(this.aDate.value, this.aStart.value, this.aEnd.value);
    if (typeof range === "string") {
      this.aError.textContent = range;
      this.aDate.focus();
      return;
    }
    const body = {
      task_id: Number(this.aTask.value),
      started_at: rfc3339(range[0]),
      ended_at: rfc3339(range[1]),
      billable: this.aBillable.checked,
    };
    const note = this.aNote.value.trim();
    if (note) body.note = note;
    const btn = e.submitter || this.addForm.querySelector("button[type=submit]");
    btn.disabled = true;
    try {
      const entry = await api("POST", "/api/time-entries", body);
      this.aNote.value = "";
      this.ctx.notices.info(`Added ${formatDuration(entry.seconds)} on ${taskLabel(this.w, entry.task_id, entry.project_id)}.`);
      await this.load();
    } catch (err) {
      showFailure(this.aError, err, "Could not add the entry.");
    } finally {
      btn.disabled = false;
    }
  }

  async remove(e, btn) {
    // Two clicks: the first one asks.
    if (btn.dataset.armed !== "1") {
      btn.dataset.armed = "1";
      btn.textContent = "Click again to delete";
      window.setTimeout(() => {
        if (btn.isConnected) {
          btn.dataset.armed = "";
          btn.textContent = "Delete";
        }
      }, 5000);
      return;
    }
    btn.disabled = true;
    try {
      await api("DELETE", `/api/time-entries/${e.id}`);
      this.entries = this.entries.filter((x) => x.id !== e.id);
      this.render();
      this.ctx.notices.info("Entry deleted.");
    } catch (err) {
      btn.disabled = false;
      this.ctx.notices.failed(err, "Could not delete the entry.");
    }
  }
}

let view = null;

export const logView = {
  id: "log",
  routes: ["/", "/projects/:projectId", "/tasks/:taskId"],
  title: "Time log",
  element(ctx) {
    view = new LogView(ctx);
    return view.el;
  },
  show(params) {
    return view.show(params);
  },
};
