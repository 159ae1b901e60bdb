// View "/due" (and "/due/:when"): the caller's tasks across all projects
// that are overdue, due today or due this week — `GET /api/tasks?due=…&tz=`
// with the browser's time zone, soonest first. Rows are the same task rows
// as in a project (edited in place, **Details**), with the project's name.

import { api, ApiError } from "../core/api.js";
import { h, plural } from "../core/dom.js";
import { isLeaving } from "../core/session.js";
import { fetchLabels } from "./labels.js";
import { fetchProjects, findProject, workspace } from "./store.js";
import { taskRow } from "./task-row.js";

const TABS = [
  { id: "overdue", label: "Overdue", empty: "Nothing overdue. Well done." },
  { id: "today", label: "Today", empty: "Nothing is due today." },
  { id: "week", label: "Upcoming (7 days)", empty: "Nothing is due in the coming week." },
];

let ui = null;
let request = 0;

function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export const dueView = {
  id: "due",
  routes: ["/due", "/due/:when"],
  title: "Due",
  element(ctx) {
    const tabs = TABS.map((t) =>
      h("button", {
        type: "button",
        "aria-pressed": "false",
        "data-due": t.id,
        "data-testid": `due-tab-${t.id}`,
        text: t.label,
        onclick: () => ctx.router.go(`/due/${t.id}`),
      }),
    );
    ui = {
      tabs,
      count: h("p", { class: "muted flush", "data-testid": "due-count" }),
      list: h("ul", { class: "item-list", "data-testid": "due-list", "aria-labelledby": "due-title" }),
      state: h("p", { class: "empty", "data-testid": "due-state" }),
    };
    ui.root = h(
      "section",
      { class: "panel", "aria-labelledby": "due-title", "data-testid": "due-view" },
      h("h2", { id: "due-title", text: "What is due" }),
      h("p", { class: "muted", text: `Across all your projects, in your time zone (${timeZone()}).` }),
      h("div", { class: "tabs", role: "group", "aria-label": "Due" }, tabs),
      ui.count,
      ui.list,
      ui.state,
    );
    return ui.root;
  },
  async show(params, ctx) {
    const tab = TABS.find((t) => t.id === params.when) || TABS[0];
    for (const b of ui.tabs) b.setAttribute("aria-pressed", b.dataset.due === tab.id ? "true" : "false");
    const req = ++request;
    ui.list.replaceChildren();
    ui.count.textContent = "";
    ui.state.hidden = false;
    ui.state.className = "empty loading";
    ui.state.textContent = "Loading tasks…";
    const q = new URLSearchParams({ due: tab.id, tz: timeZone(), sort: "due_date", limit: "500" });
    let list;
    try {
      [list] = await Promise.all([
        api("GET", `/api/tasks?${q}`),
        workspace.projects.length ? null : fetchProjects().catch(() => null),
        fetchLabels(),
      ]);
    } catch (err) {
      if (req !== request || isLeaving()) return;
      ui.state.className = "empty";
      ui.state.textContent = `The tasks could not be loaded: ${err instanceof ApiError ? err.message : "try again."}`;
      return;
    }
    if (req !== request) return;
    const tasks = Array.isArray(list) ? list : [];
    const remove = (t) => {
      const li = ui.list.querySelector(`[data-task-id="${t.id}"]`);
      if (li) li.remove();
    };
    ui.list.replaceChildren(
      ...tasks.map((t) =>
        taskRow(t, ctx, {
          projectName: findProject(t.project_id)?.name || `project ${t.project_id}`,
          onSaved: () => {},
          onDeleted: remove,
        }),
      ),
    );
    ui.count.textContent = tasks.length ? plural(tasks.length, "task") : "";
    ui.state.className = "empty";
    ui.state.textContent = tasks.length ? "" : tab.empty;
    ui.state.hidden = Boolean(tasks.length);
  },
  hide() {
    request += 1;
  },
};
