// The projects panel: the list of the caller's projects (a click opens one)
// and the form that creates a project.

import { api } from "../core/api.js";
import { byId as $, h } from "../core/dom.js";
import { fieldError, nonNegativeOrNull, whileSubmitting } from "../core/forms.js";
import { showFailure } from "../shell/notices.js";
import { PROJECT_STATUS } from "./choices.js";
import { fetchProjects, projectSort, setProjectSort, workspace } from "./store.js";

function projectMeta(p) {
  const parts = [PROJECT_STATUS[p.status] || p.status];
  if (p.client) parts.push(p.client);
  if (p.due_date) parts.push(`due ${p.due_date}`);
  if (typeof p.hourly_rate === "number") parts.push(`${p.hourly_rate}${p.currency ? ` ${p.currency}` : ""}/h`);
  return parts.join(" · ");
}

export class ProjectList {
  /** `onOpen(id)` opens a project (a click on its row, or after creating it). */
  constructor(ctx, { onOpen }) {
    this.ctx = ctx;
    this.onOpen = onOpen;
    this.form = $("project-form");
    this.name = $("project-name");
    this.client = $("project-client");
    this.due = $("project-due");
    this.rate = $("project-rate");
    this.currency = $("project-currency");
    this.description = $("project-description");
    this.sort = $("project-sort");
    this.sort.value = projectSort();
    if (!this.sort.value) this.sort.value = "-created_at";
    this.sort.addEventListener("change", () => this.resort());
    this.error = $("project-error");
    this.list = $("project-list");
    this.empty = $("project-empty");
    this.form.addEventListener("submit", (e) => this.create(e));
  }

  render() {
    this.list.replaceChildren(
      ...workspace.projects.map((p) => {
        const selected = workspace.selected && workspace.selected.id === p.id;
        return h(
          "li",
          {
            class: "project-item",
            "data-testid": "project-item",
            "data-project-id": String(p.id),
            "aria-current": selected ? "true" : "false",
            onclick: () => this.onOpen(p.id),
          },
          h(
            "button",
            { type: "button", "aria-pressed": selected ? "true" : "false" },
            h("span", { class: "name", text: p.name }),
            h("span", { class: "meta", text: projectMeta(p) }),
          ),
        );
      }),
    );
    this.empty.classList.remove("loading");
    this.empty.textContent = "No projects yet. Create your first one above.";
    this.empty.hidden = workspace.projects.length > 0;
  }

  /** The form's body, or null after saying what to fix. */
  body() {
    const name = this.name.value.trim();
    if (!name) return fieldError(this.error, this.name, "Enter a project name.");
    const body = { name };
    const client = this.client.value.trim();
    if (client) body.client = client;
    if (this.due.value) body.due_date = this.due.value;
    const rate = nonNegativeOrNull(this.rate);
    if (Number.isNaN(rate)) return fieldError(this.error, this.rate, "The hourly rate must be a number of 0 or more.");
    if (rate !== null) body.hourly_rate = rate;
    const currency = this.currency.value.trim().toUpperCase();
    if (currency) {
      if (!/^[A-Z]{3}$/.test(currency)) return fieldError(this.error, this.currency, "The currency is a 3-letter code such as EUR or USD.");
      body.currency = currency;
    }
    const description = this.description.value.trim();
    if (description) body.description = description;
    return body;
  }

  /** Reloads the projects in the chosen order. */
  /** The list could not be loaded: say so where the list would be. */
  showFailed() {
    this.empty.classList.remove("loading");
    this.empty.textContent = "Your projects could not be loaded. Reload the page to try again.";
    this.empty.hidden = false;
  }

  async resort() {
    setProjectSort(this.sort.value);
    try {
      await fetchProjects();
      this.render();
    } catch (err) {
      this.ctx.notices.failed(err, "Could not sort the projects.");
    }
  }

  async create(e) {
    e.preventDefault();
    this.error.textContent = "";
    const body = this.body();
    if (!body) return;
    await whileSubmitting(this.form, e, async () => {
      try {
        const project = await api("POST", "/api/projects", body);
        workspace.projects.unshift(project);
        this.form.reset();
        this.ctx.notices.info(`Project “${project.name}” created.`);
        await this.onOpen(project.id);
        this.name.focus();
      } catch (err) {
        showFailure(this.error, err, "Could not create the project.");
      }
    });
  }
}
