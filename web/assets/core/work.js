// The caller's projects and tasks, for pickers (the timer, the time log).
// `GET /api/tasks` (tasks across projects) when the server has it, else one
// `GET /api/projects/{id}/tasks` per project.

import { api } from "./api.js";
import { h } from "./dom.js";

/** Whether the server answers `GET /api/tasks` (null: not asked yet). */
let acrossProjects = null;

/** {projects, tasks, projectById, taskById}; throws `ApiError` when the projects cannot be read. */
export async function fetchWork() {
  const projects = await api("GET", "/api/projects?limit=500");
  const list = Array.isArray(projects) ? projects : [];
  let tasks = null;
  if (acrossProjects !== false) {
    try {
      const all = await api("GET", "/api/tasks?limit=500");
      if (Array.isArray(all)) tasks = all;
      acrossProjects = true;
    } catch (err) {
      // A server without `GET /api/tasks` (404/405) is asked per project from now on.
      if (err && (err.status === 404 || err.status === 405)) acrossProjects = false;
      tasks = null;
    }
  }
  if (tasks === null) {
    const per = await Promise.all(
      list.slice(0, 50).map((p) => api("GET", `/api/projects/${p.id}/tasks?limit=500`).catch(() => [])),
    );
    tasks = per.flat();
  }
  const projectById = new Map(list.map((p) => [p.id, p]));
  const taskById = new Map(tasks.map((t) => [t.id, t]));
  return { projects: list, tasks, projectById, taskById };
}

/** Distinct non-empty `client` names of `projects`, sorted. */
export function clientsOf(projects) {
  const set = new Set();
  for (const p of projects) if (p.client) set.add(p.client);
  return [...set].sort((a, b) => a.localeCompare(b));
}

/** `<optgroup>`s (one per project) of `<option value="<task id>">`, `selected` chosen. */
export function taskOptions(work, selected = null, { placeholder = "Choose a task…" } = {}) {
  const groups = work.projects
    .map((p) => {
      const tasks = work.tasks.filter((t) => t.project_id === p.id);
      if (!tasks.length) return null;
      return h(
        "optgroup",
        { label: p.client ? `${p.name} (${p.client})` : p.name },
        tasks.map((t) => h("option", { value: String(t.id), selected: t.id === selected }, t.title)),
      );
    })
    .filter(Boolean);
  return [h("option", { value: "" }, placeholder), ...groups];
}
