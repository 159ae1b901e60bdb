// What the views of the time page share: the caller's projects and tasks
// (for pickers and labels), read once and again on demand.

import { errorText } from "../core/api.js";
import { fetchWork } from "../core/work.js";

let cached = null;

/** {projects, tasks, projectById, taskById} (core/work.js); `fresh` reads again. Throws `ApiError`. */
export async function work(fresh = false) {
  if (!cached || fresh) cached = fetchWork();
  try {
    return await cached;
  } catch (err) {
    cached = null;
    throw err;
  }
}

/** "Task title · Project" for an entry or line with `task_id`/`project_id`. */
export function taskLabel(w, taskId, projectId) {
  const t = w && w.taskById.get(taskId);
  const p = w && w.projectById.get(projectId ?? (t && t.project_id));
  const title = t ? t.title : `Task #${taskId}`;
  return p ? `${title} · ${p.name}` : title;
}

/** The currency of a project (the API's `currency`, EUR when it has none). */
export function projectCurrency(w, projectId) {
  const p = w && w.projectById.get(projectId);
  return (p && p.currency) || "EUR";
}

/** The line that says a list could not be loaded (and why: the server's message). */
export function loadFailure(err, what) {
  const why = errorText(err, "The server did not answer.");
  return err && err.status === 404 ? `${what} are not available on this server yet (${why})` : `Could not load ${what.toLowerCase()}: ${why}`;
}
