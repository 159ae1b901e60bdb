// The open project's head above its tasks: name, description and the other
// fields as text, its status, **Edit project** (a form for every field:
// name, description, client, hourly rate, currency, due date, status) and
// **Delete project** (two clicks: its tasks go too).

import { api } from "../core/api.js";
import { byId as $, formatTime, h } from "../core/dom.js";
import { fieldError, nonNegativeOrNull, whileSubmitting } from "../core/forms.js";
import { showFailure } from "../shell/notices.js";
import { PROJECT_STATUS } from "./choices.js";
import { rememberProject, workspace } from "./store.js";

const DISARM_MS = 5000;

export class ProjectEditor {
  /**
   * `onChanged(project)` after a saved change; `onDeleted(project)` after
   * the open project was deleted (and removed from `workspace`).
   */
  constructor(ctx, { onChanged, onDeleted }) {
    this.ctx = ctx;
    this.onChanged = onChanged;
    this.onDeleted = onDeleted;
    this.title = $("tasks-title");
    this.meta = $("project-meta");
    this.controls = $("project-controls");
    this.status = $("project-status");
    this.deleteButton = $("project-delete");
    this.editButton = $("project-edit");
    this.form = $("project-edit-form");
    this.cancel = $("project-edit-cancel");
    this.error = $("edit-error");
    this.f = {
      name: $("edit-name"),
      description: $("edit-description"),
      client: $("edit-client"),
      rate: $("edit-rate"),
      currency: $("edit-currency"),
      due: $("edit-due"),
      status: $("edit-status"),
    };
    this.armed = null;
    this.status.addEventListener("change", () => this.saveStatus());
    this.deleteButton.addEventListener("click", () => this.delete());
    this.editButton.addEventListener("click", () => this.toggleForm(this.form.hidden));
    this.cancel.addEventListener("click", () => this.toggleForm(false));
    this.form.addEventListener("submit", (e) => this.save(e));
  }

  render() {
    const p = workspace.selected;
    if (!p) {
      this.title.textContent = "Tasks";
      this.meta.textContent = workspace.projects.length ? "Choose a project to see its tasks." : "";
      this.controls.hidden = true;
      this.toggleForm(false);
      return;
    }
    this.title.textContent = `Tasks of “${p.name}”`;
    const meta = [];
    if (p.client) meta.push(`client ${p.client}`);
    if (typeof p.hourly_rate === "number") meta.push(`${p.hourly_rate} ${p.currency || ""}/h`.replace(" /h", "/h"));
    if (p.due_date) meta.push(`due ${p.due_date}`);
    meta.push(`created ${formatTime(p.created_at)}`);
    this.meta.replaceChildren(
      p.description ? h("span", { class: "pre-wrap project-description", "data-testid": "project-description-text", text: p.description }) : "",
      meta.join(" · "),
    );
    this.controls.hidden = false;
    this.status.value = p.status;
    if (!this.form.hidden) this.fill(p);
    this.disarm();
  }

  fill(p) {
    this.f.name.value = p.name || "";
    this.f.description.value = p.description || "";
    this.f.client.value = p.client || "";
    this.f.rate.value = typeof p.hourly_rate === "number" ? String(p.hourly_rate) : "";
    this.f.currency.value = p.currency || "";
    this.f.due.value = p.due_date || "";
    this.f.status.value = p.status;
  }

  toggleForm(open) {
    const p = workspace.selected;
    if (open && !p) return;
    this.form.hidden = !open;
    this.editButton.setAttribute("aria-expanded", open ? "true" : "false");
    this.error.textContent = "";
    if (open) {
      this.fill(p);
      this.f.name.focus();
    }
  }

  /** The changed fields, or null after saying what to fix. */
  changes(p) {
    const name = this.f.name.value.trim();
    if (!name) return fieldError(this.error, this.f.name, "Enter a project name.");
    const rate = nonNegativeOrNull(this.f.rate);
    if (Number.isNaN(rate)) return fieldError(this.error, this.f.rate, "The hourly rate must be a number of 0 or more.");
    const currency = this.f.currency.value.trim().toUpperCase();
    if (currency && !/^[A-Z]{3}$/.test(currency)) {
      return fieldError(this.error, this.f.currency, "The currency is a 3-letter code such as EUR or USD.");
    }
    const next = {
      name,
      description: this.f.description.value.trim() || null,
      client: this.f.client.value.trim() || null,
      hourly_rate: rate,
      due_date: this.f.due.value || null,
      status: this.f.status.value,
    };
    if (currency) next.currency = currency;
    const body = {};
    for (const [k, v] of Object.entries(next)) {
      if ((p[k] ?? null) !== v) body[k] = v;
    }
    return body;
  }

  async save(e) {
    e.preventDefault();
    this.error.textContent = "";
    const p = workspace.selected;
    if (!p) return;
    const body = this.changes(p);
    if (!body) return;
    if (!Object.keys(body).length) {
      this.toggleForm(false);
      this.ctx.notices.info("Nothing changed.");
      return;
    }
    await whileSubmitting(this.form, e, async () => {
      try {
        const updated = await api("PATCH", `/api/projects/${p.id}`, body);
        Object.assign(p, updated);
        this.toggleForm(false);
        this.render();
        this.onChanged(p);
        this.ctx.notices.info(`Project “${p.name}” saved.`);
        this.editButton.focus();
      } catch (err) {
        showFailure(this.error, err, "Could not save the project.");
      }
    });
  }

  async saveStatus() {
    const p = workspace.selected;
    if (!p) return;
    const previous = p.status;
    try {
      const updated = await api("PATCH", `/api/projects/${p.id}`, { status: this.status.value });
      Object.assign(p, updated);
      this.onChanged(p);
      this.ctx.notices.info(`Project “${p.name}” is now ${PROJECT_STATUS[p.status] || p.status}.`);
    } catch (err) {
      this.status.value = previous;
      this.ctx.notices.failed(err, "Could not change the project status.");
    }
  }

  disarm() {
    window.clearTimeout(this.armed);
    this.armed = null;
    this.deleteButton.textContent = "Delete project";
  }

  async delete() {
    const p = workspace.selected;
    if (!p) return;
    // Deleting a project removes its tasks too: ask for a second click.
    if (!this.armed) {
      this.deleteButton.textContent = "Click again to delete it and its tasks";
      this.armed = window.setTimeout(() => this.disarm(), DISARM_MS);
      return;
    }
    this.disarm();
    try {
      await api("DELETE", `/api/projects/${p.id}`);
      workspace.projects = workspace.projects.filter((x) => x.id !== p.id);
      workspace.selected = null;
      rememberProject(null);
      this.ctx.notices.info(`Project “${p.name}” deleted.`);
      await this.onDeleted(p);
    } catch (err) {
      this.ctx.notices.failed(err, "Could not delete the project.");
    }
  }
}
