// The workspace: projects and their tasks, plus live behavioural protection.

import { api, ApiError, backToSignIn, currentSession, formatTime, h, isLeaving, updateUser } from "./api.js";
import { startMonitoring } from "./monitor.js";

const PROJECT_STATUS = { active: "Active", on_hold: "On hold", completed: "Completed", archived: "Archived" };
const TASK_STATUS = { todo: "To do", in_progress: "In progress", blocked: "Blocked", done: "Done" };
const PRIORITY = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
const SELECTED_KEY = "fw.project";

const $ = (id) => document.getElementById(id);
const els = {
  who: $("who"),
  analystLink: $("analyst-link"),
  logout: $("logout"),
  status: $("page-status"),
  projectForm: $("project-form"),
  projectName: $("project-name"),
  projectClient: $("project-client"),
  projectDue: $("project-due"),
  projectRate: $("project-rate"),
  projectError: $("project-error"),
  projectList: $("project-list"),
  projectEmpty: $("project-empty"),
  tasksTitle: $("tasks-title"),
  projectMeta: $("project-meta"),
  projectControls: $("project-controls"),
  projectStatus: $("project-status"),
  projectDelete: $("project-delete"),
  taskForm: $("task-form"),
  taskTitle: $("task-title"),
  taskPriority: $("task-priority"),
  taskDue: $("task-due"),
  taskEstimate: $("task-estimate"),
  taskError: $("task-error"),
  taskFilter: $("task-filter"),
  taskList: $("task-list"),
  taskEmpty: $("task-empty"),
};

const state = {
  projects: [],
  selected: null,
  tasks: [],
  taskRequest: 0,
  monitor: null,
};

let statusTimer = null;
function say(text, kind = "ok") {
  els.status.className = `notice ${kind}`;
  els.status.textContent = text;
  window.clearTimeout(statusTimer);
  if (kind === "ok") statusTimer = window.setTimeout(() => (els.status.textContent = ""), 4000);
}

function errorText(err, fallback) {
  if (err instanceof ApiError) {
    if (err.status === 429 && err.retryAfter !== null) return `${err.message} Try again in ${err.retryAfter} seconds.`;
    return err.message;
  }
  return fallback;
}

function numberOrNull(input) {
  const v = input.value.trim();
  if (v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

// ---------- projects ----------

function projectMeta(p) {
  const parts = [PROJECT_STATUS[p.status] || p.status];
  if (p.client) parts.push(p.client);
  if (p.due_date) parts.push(`due ${p.due_date}`);
  if (typeof p.hourly_rate === "number") parts.push(`${p.hourly_rate}/h`);
  return parts.join(" · ");
}

function renderProjects() {
  els.projectList.replaceChildren(
    ...state.projects.map((p) => {
      const selected = state.selected && state.selected.id === p.id;
      return h(
        "li",
        {
          class: "project-item",
          "data-testid": "project-item",
          "data-project-id": String(p.id),
          "aria-current": selected ? "true" : "false",
          onclick: () => selectProject(p.id),
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
  els.projectEmpty.hidden = state.projects.length > 0;
}

function renderProjectHead() {
  const p = state.selected;
  if (!p) {
    els.tasksTitle.textContent = "Tasks";
    els.projectMeta.textContent = state.projects.length ? "Choose a project to see its tasks." : "";
    els.projectControls.hidden = true;
    els.taskTitle.disabled = true;
    return;
  }
  els.tasksTitle.textContent = `Tasks of “${p.name}”`;
  const meta = [`created ${formatTime(p.created_at)}`];
  if (p.description) meta.unshift(p.description);
  els.projectMeta.textContent = meta.join(" · ");
  els.projectControls.hidden = false;
  els.projectStatus.value = p.status;
  els.taskTitle.disabled = false;
  resetDeleteButton();
}

async function loadProjects() {
  try {
    const list = await api("GET", "/api/projects?limit=500");
    state.projects = Array.isArray(list) ? list : [];
  } catch (err) {
    if (!isLeaving()) say(errorText(err, "Could not load your projects."), "error");
    return;
  }
  const remembered = Number(sessionStorage.getItem(SELECTED_KEY));
  const pick = state.projects.find((p) => p.id === remembered) || state.projects[0] || null;
  renderProjects();
  if (pick) await selectProject(pick.id);
  else {
    state.selected = null;
    renderProjectHead();
    renderTasks();
  }
}

async function selectProject(id) {
  const p = state.projects.find((x) => x.id === id);
  if (!p) return;
  const changed = !state.selected || state.selected.id !== id;
  state.selected = p;
  sessionStorage.setItem(SELECTED_KEY, String(id));
  renderProjects();
  renderProjectHead();
  if (changed) {
    state.tasks = [];
    renderTasks(true);
  }
  await loadTasks();
}

els.projectForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  els.projectError.textContent = "";
  const name = els.projectName.value.trim();
  if (!name) {
    els.projectError.textContent = "Enter a project name.";
    els.projectName.focus();
    return;
  }
  const body = { name };
  const client = els.projectClient.value.trim();
  if (client) body.client = client;
  if (els.projectDue.value) body.due_date = els.projectDue.value;
  const rate = numberOrNull(els.projectRate);
  if (Number.isNaN(rate) || (rate !== null && rate < 0)) {
    els.projectError.textContent = "The hourly rate must be a number of 0 or more.";
    els.projectRate.focus();
    return;
  }
  if (rate !== null) body.hourly_rate = rate;

  const btn = e.submitter || els.projectForm.querySelector("button[type=submit]");
  btn.disabled = true;
  try {
    const project = await api("POST", "/api/projects", body);
    state.projects.unshift(project);
    els.projectForm.reset();
    say(`Project “${project.name}” created.`);
    await selectProject(project.id);
    els.projectName.focus();
  } catch (err) {
    if (!isLeaving()) els.projectError.textContent = errorText(err, "Could not create the project.");
  } finally {
    btn.disabled = false;
  }
});

els.projectStatus.addEventListener("change", async () => {
  const p = state.selected;
  if (!p) return;
  const previous = p.status;
  try {
    const updated = await api("PATCH", `/api/projects/${p.id}`, { status: els.projectStatus.value });
    Object.assign(p, updated);
    renderProjects();
    say(`Project “${p.name}” is now ${PROJECT_STATUS[p.status] || p.status}.`);
  } catch (err) {
    els.projectStatus.value = previous;
    if (!isLeaving()) say(errorText(err, "Could not change the project status."), "error");
  }
});

let deleteArmed = null;
function resetDeleteButton() {
  window.clearTimeout(deleteArmed);
  deleteArmed = null;
  els.projectDelete.textContent = "Delete project";
}

els.projectDelete.addEventListener("click", async () => {
  const p = state.selected;
  if (!p) return;
  // Deleting a project removes its tasks too: ask for a second click.
  if (!deleteArmed) {
    els.projectDelete.textContent = "Click again to delete it and its tasks";
    deleteArmed = window.setTimeout(resetDeleteButton, 5000);
    return;
  }
  resetDeleteButton();
  try {
    await api("DELETE", `/api/projects/${p.id}`);
    state.projects = state.projects.filter((x) => x.id !== p.id);
    state.selected = null;
    sessionStorage.removeItem(SELECTED_KEY);
    say(`Project “${p.name}” deleted.`);
    renderProjects();
    if (state.projects.length) await selectProject(state.projects[0].id);
    else {
      renderProjectHead();
      state.tasks = [];
      renderTasks();
    }
    els.projectName.focus();
  } catch (err) {
    if (!isLeaving()) say(errorText(err, "Could not delete the project."), "error");
  }
});

// ---------- tasks ----------

function options(map, value) {
  return Object.entries(map).map(([v, label]) => h("option", { value: v, selected: v === value }, label));
}

function taskRow(t) {
  const base = `task-${t.id}`;
  const err = h("p", { class: "form-error", role: "alert" });
  const title = h("input", { id: `${base}-title`, value: t.title, maxlength: "500", "data-field": "title" });
  const status = h("select", { id: `${base}-status`, "data-field": "status", "data-testid": "task-status" }, options(TASK_STATUS, t.status));
  const priority = h("select", { id: `${base}-priority`, "data-field": "priority" }, options(PRIORITY, t.priority));
  const due = h("input", { id: `${base}-due`, type: "date", value: t.due_date || "", "data-field": "due_date" });
  const estimate = h("input", {
    id: `${base}-estimate`,
    type: "number",
    min: "0",
    step: "0.25",
    inputmode: "decimal",
    value: t.estimate_hours ?? "",
    "data-field": "estimate_hours",
  });
  const del = h("button", {
    type: "button",
    class: "danger",
    "aria-label": `Delete task ${t.title}`,
    "data-testid": "task-delete",
    text: "Delete",
  });

  const field = (cls, input, label) => h("div", { class: cls }, h("label", { for: input.id, text: label }), input);
  const li = h(
    "li",
    { class: "task-item", "data-testid": "task-item", "data-task-id": String(t.id), "data-status": t.status },
    h(
      "div",
      { class: "task-fields" },
      field("title-field", title, "Title"),
      field("", status, "Status"),
      field("", priority, "Priority"),
      field("", due, "Due date"),
      field("", estimate, "Estimate (h)"),
      h("div", {}, del),
    ),
    err,
  );

  const save = async (input, value, revert) => {
    err.textContent = "";
    try {
      const updated = await api("PATCH", `/api/tasks/${t.id}`, { [input.dataset.field]: value });
      Object.assign(t, updated);
      li.dataset.status = t.status;
      del.setAttribute("aria-label", `Delete task ${t.title}`);
      say(`Saved “${t.title}”.`);
      const filter = els.taskFilter.value;
      if (filter && t.status !== filter) {
        state.tasks = state.tasks.filter((x) => x.id !== t.id);
        renderTasks();
      }
    } catch (e) {
      revert();
      if (!isLeaving()) err.textContent = errorText(e, "Could not save the change.");
    }
  };

  title.addEventListener("change", () => {
    const v = title.value.trim();
    if (!v) {
      err.textContent = "A task needs a title.";
      title.value = t.title;
      return;
    }
    save(title, v, () => (title.value = t.title));
  });
  status.addEventListener("change", () => save(status, status.value, () => (status.value = t.status)));
  priority.addEventListener("change", () => save(priority, priority.value, () => (priority.value = t.priority)));
  due.addEventListener("change", () => save(due, due.value || null, () => (due.value = t.due_date || "")));
  estimate.addEventListener("change", () => {
    const v = numberOrNull(estimate);
    if (Number.isNaN(v) || (v !== null && v < 0)) {
      err.textContent = "The estimate must be a number of hours, 0 or more.";
      estimate.value = t.estimate_hours ?? "";
      return;
    }
    save(estimate, v, () => (estimate.value = t.estimate_hours ?? ""));
  });
  del.addEventListener("click", async () => {
    del.disabled = true;
    try {
      await api("DELETE", `/api/tasks/${t.id}`);
      state.tasks = state.tasks.filter((x) => x.id !== t.id);
      renderTasks();
      say(`Task “${t.title}” deleted.`);
      els.taskTitle.focus();
    } catch (e) {
      del.disabled = false;
      if (!isLeaving()) err.textContent = errorText(e, "Could not delete the task.");
    }
  });
  return li;
}

function renderTasks(loading = false) {
  els.taskList.replaceChildren(...state.tasks.map(taskRow));
  let empty = "";
  if (!state.selected) empty = state.projects.length ? "Choose a project to see its tasks." : "Create a project to add tasks.";
  else if (loading) empty = "Loading tasks…";
  else if (!state.tasks.length) {
    empty = els.taskFilter.value
      ? `No tasks with status “${TASK_STATUS[els.taskFilter.value]}”.`
      : "No tasks yet. Add the first one above.";
  }
  els.taskEmpty.textContent = empty;
  els.taskEmpty.hidden = !empty;
}

async function loadTasks() {
  const p = state.selected;
  if (!p) return;
  const req = ++state.taskRequest;
  const q = new URLSearchParams({ limit: "500" });
  if (els.taskFilter.value) q.set("status", els.taskFilter.value);
  try {
    const list = await api("GET", `/api/projects/${p.id}/tasks?${q}`);
    if (req !== state.taskRequest) return;
    state.tasks = Array.isArray(list) ? list : [];
    renderTasks();
  } catch (err) {
    if (req !== state.taskRequest || isLeaving()) return;
    if (err instanceof ApiError && err.status === 404) {
      // The project is gone (deleted elsewhere): refresh the list.
      say("That project no longer exists.", "warn");
      await loadProjects();
      return;
    }
    say(errorText(err, "Could not load the tasks."), "error");
  }
}

els.taskFilter.addEventListener("change", () => loadTasks());

els.taskForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  els.taskError.textContent = "";
  const p = state.selected;
  if (!p) {
    els.taskError.textContent = "Create or choose a project first.";
    return;
  }
  const title = els.taskTitle.value.trim();
  if (!title) {
    els.taskError.textContent = "Enter a task title.";
    els.taskTitle.focus();
    return;
  }
  const body = { title, priority: els.taskPriority.value };
  if (els.taskDue.value) body.due_date = els.taskDue.value;
  const est = numberOrNull(els.taskEstimate);
  if (Number.isNaN(est) || (est !== null && est < 0)) {
    els.taskError.textContent = "The estimate must be a number of hours, 0 or more.";
    els.taskEstimate.focus();
    return;
  }
  if (est !== null) body.estimate_hours = est;

  const btn = e.submitter || els.taskForm.querySelector("button[type=submit]");
  btn.disabled = true;
  try {
    const task = await api("POST", `/api/projects/${p.id}/tasks`, body);
    if (!els.taskFilter.value || els.taskFilter.value === task.status) state.tasks.push(task);
    renderTasks();
    els.taskForm.reset();
    say(`Task “${task.title}” added.`);
    els.taskTitle.focus();
  } catch (err) {
    if (!isLeaving()) els.taskError.textContent = errorText(err, "Could not add the task.");
  } finally {
    btn.disabled = false;
  }
});

// ---------- session ----------

async function logout() {
  if (state.monitor) state.monitor.socket.stop();
  try {
    await api("POST", "/api/logout", undefined, { redirectOn401: false });
  } catch {
    /* signing out locally is what matters */
  }
  backToSignIn("signed_out");
}

function showUser(user) {
  if (!user) return;
  els.who.textContent = `${user.username} (${user.role})`;
  els.analystLink.hidden = !(user.role === "analyst" || user.role === "admin");
}

async function init() {
  const session = currentSession();
  if (!session) {
    backToSignIn("unauthorized");
    return;
  }
  showUser(session.user);
  els.logout.addEventListener("click", logout);
  state.monitor = startMonitoring(document.querySelector("[data-testid=risk-indicator]"), logout);
  try {
    const me = await api("GET", "/api/me");
    if (me) {
      updateUser(me);
      showUser(me);
    }
  } catch {
    if (isLeaving()) return;
  }
  await loadProjects();
}

init();
