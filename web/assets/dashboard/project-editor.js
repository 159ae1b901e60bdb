// The open project's head above its tasks: name, description and creation
// time, its status, and **Delete project** (two clicks: its tasks go too).

import { api } from "../core/api.js";
import { byId as $, formatTime } from "../core/dom.js";
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
    this.armed = null;
    this.status.addEventListener("change", () => this.saveStatus());
    this.deleteButton.addEventListener("click", () => this.delete());
  }

  render() {
    const p = workspace.selected;
    if (!p) {
      this.title.textContent = "Tasks";
      this.meta.textContent = workspace.projects.length ? "Choose a project to see its tasks." : "";
      this.controls.hidden = true;
      return;
    }
    this.title.textContent = `Tasks of “${p.name}”`;
    const meta = [`created ${formatTime(p.created_at)}`];
    if (p.description) meta.unshift(p.description);
    this.meta.textContent = meta.join(" · ");
    this.controls.hidden = false;
    this.status.value = p.status;
    this.disarm();
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
