// View "/tasks/:id": one task in full — title, project (and moving it to
// another project), status, priority, due date, estimate, description (plain
// text kept exactly as typed), labels, and its comments (oldest first; add,
// edit and delete one's own). `GET /api/tasks/{id}`, `PATCH /api/tasks/{id}`,
// `GET/POST /api/tasks/{id}/comments`, `PATCH/DELETE /api/comments/{id}`.

import { api, ApiError } from "../core/api.js";
import { formatTime, h, options } from "../core/dom.js";
import { nonNegativeOrNull, whileSubmitting } from "../core/forms.js";
import { isLeaving } from "../core/session.js";
import { showFailure } from "../shell/notices.js";
import { PRIORITY, TASK_STATUS } from "./choices.js";
import { fetchLabels, labelStore, paint } from "./labels.js";
import { fetchProjects, findProject, workspace } from "./store.js";

let ui = null;
let task = null;
let request = 0;

function build(ctx) {
  const el = {};
  el.back = h("a", { href: "#/", "data-testid": "task-back", text: "← Back to the project" });
  el.heading = h("h2", { id: "task-view-title", text: "Task" });
  el.state = h("p", { class: "empty", "data-testid": "task-view-state", text: "Loading the task…" });
  el.title = h("input", { id: "detail-title", maxlength: "500", "data-testid": "detail-title" });
  el.status = h("select", { id: "detail-status", "data-testid": "detail-status" }, options(TASK_STATUS, "todo"));
  el.priority = h("select", { id: "detail-priority", "data-testid": "detail-priority" }, options(PRIORITY, "normal"));
  el.due = h("input", { id: "detail-due", type: "date", "data-testid": "detail-due" });
  el.estimate = h("input", {
    id: "detail-estimate",
    type: "number",
    min: "0",
    step: "0.25",
    inputmode: "decimal",
    "data-testid": "detail-estimate",
  });
  el.description = h("textarea", {
    id: "detail-description",
    rows: "6",
    maxlength: "20000",
    "data-testid": "detail-description",
  });
  el.labels = h("fieldset", { class: "label-picker", "data-testid": "detail-labels" });
  el.save = h("button", { type: "submit", class: "primary", "data-testid": "detail-save", text: "Save task" });
  el.error = h("p", { class: "form-error", role: "alert" });
  el.move = h("select", { id: "detail-move", "data-testid": "task-move-project" });
  el.moveButton = h("button", { type: "button", "data-testid": "task-move", text: "Move" });
  el.moveError = h("p", { class: "form-error", role: "alert" });
  el.comments = h("ul", { class: "item-list", "data-testid": "comment-list", "aria-label": "Comments" });
  el.commentsState = h("p", { class: "empty", text: "" });
  el.commentBody = h("textarea", {
    id: "comment-body",
    rows: "3",
    maxlength: "10000",
    "data-testid": "comment-body",
  });
  el.commentAdd = h("button", { type: "submit", class: "primary", "data-testid": "comment-add", text: "Add comment" });
  el.commentError = h("p", { class: "form-error", role: "alert" });
  const field = (input, label) => h("div", {}, h("label", { for: input.id, text: label }), input);

  el.form = h(
    "form",
    { novalidate: true, "data-testid": "task-detail-form" },
    h("div", { class: "inline-form" }, h("div", { class: "wide" }, h("label", { for: "detail-title", text: "Title" }), el.title)),
    h(
      "div",
      { class: "detail-grid" },
      field(el.status, "Status"),
      field(el.priority, "Priority"),
      field(el.due, "Due date"),
      field(el.estimate, "Estimate (hours)"),
    ),
    h("label", { for: "detail-description", text: "Description" }),
    el.description,
    el.labels,
    el.error,
    el.save,
  );
  el.commentForm = h(
    "form",
    { novalidate: true, class: "section-gap" },
    h("label", { for: "comment-body", text: "New comment" }),
    el.commentBody,
    el.commentError,
    el.commentAdd,
  );
  el.body = h(
    "div",
    { hidden: true },
    el.form,
    h(
      "div",
      { class: "section-gap" },
      h("h3", { text: "Move to another project" }),
      h("div", { class: "row-actions" }, h("label", { for: "detail-move", class: "visually-hidden", text: "Project" }), el.move, el.moveButton),
      el.moveError,
    ),
    h("div", { class: "section-gap" }, h("h3", { id: "comments-title", text: "Comments" }), el.comments, el.commentsState, el.commentForm),
  );
  el.root = h(
    "section",
    { class: "panel", "aria-labelledby": "task-view-title", "data-testid": "task-view" },
    el.back,
    el.heading,
    el.state,
    el.body,
  );

  el.form.addEventListener("submit", (e) => save(e, ctx));
  el.moveButton.addEventListener("click", () => move(ctx));
  el.commentForm.addEventListener("submit", (e) => addComment(e, ctx));
  return el;
}

function renderLabels() {
  const on = new Set((task.labels || []).map((l) => l.id));
  const boxes = labelStore.labels.map((l) =>
    h(
      "label",
      {},
      h("input", { type: "checkbox", value: String(l.id), checked: on.has(l.id), "data-testid": "detail-label-option" }),
      paint(h("span", { class: "chip", text: l.name }), l.color),
    ),
  );
  let note = null;
  if (labelStore.error) note = h("span", { class: "muted", text: "Labels could not be loaded." });
  else if (!labelStore.labels.length) note = h("span", { class: "muted", text: "No labels yet." });
  ui.labels.replaceChildren(
    h("legend", {}, "Labels ", h("a", { href: "#/labels", text: "manage labels" })),
    ...boxes,
    note || "",
  );
}

function renderMove() {
  const others = workspace.projects.filter((p) => p.id !== task.project_id);
  ui.move.replaceChildren(
    ...(others.length
      ? others.map((p) => h("option", { value: String(p.id), text: p.name }))
      : [h("option", { value: "", text: "No other project" })]),
  );
  ui.move.disabled = !others.length;
  ui.moveButton.disabled = !others.length;
}

function renderTask() {
  const project = findProject(task.project_id);
  ui.heading.textContent = task.title;
  ui.back.href = `#/projects/${task.project_id}`;
  ui.back.textContent = project ? `← Back to “${project.name}”` : "← Back to the project";
  ui.title.value = task.title;
  ui.status.value = task.status;
  ui.priority.value = task.priority;
  ui.due.value = task.due_date || "";
  ui.estimate.value = task.estimate_hours ?? "";
  ui.description.value = task.description || "";
  renderLabels();
  renderMove();
}

function commentItem(c, ctx) {
  const me = ctx.user;
  const mine = me && c.author === me.username;
  const text = h("p", { class: "pre-wrap flush", "data-testid": "comment-text", text: c.body });
  const err = h("p", { class: "form-error", role: "alert" });
  const edited = c.updated_at && c.updated_at !== c.created_at ? " · edited" : "";
  const li = h(
    "li",
    { class: "comment", "data-testid": "comment-item", "data-comment-id": String(c.id) },
    h("p", { class: "meta flush", text: `${c.author} · ${formatTime(c.created_at)}${edited}` }),
    text,
    err,
  );
  if (mine || ctx.hasRole("admin")) {
    const actions = h("div", { class: "row-actions" });
    if (mine) {
      const edit = h("button", { type: "button", class: "small", "data-testid": "comment-edit", text: "Edit" });
      edit.addEventListener("click", () => editComment(li, c, ctx));
      actions.append(edit);
    }
    const del = h("button", { type: "button", class: "danger small", "data-testid": "comment-delete", text: "Delete" });
    del.addEventListener("click", async () => {
      del.disabled = true;
      try {
        await api("DELETE", `/api/comments/${c.id}`);
        ctx.notices.info("Comment deleted.");
        await loadComments(ctx);
      } catch (e) {
        del.disabled = false;
        showFailure(err, e, "Could not delete the comment.");
      }
    });
    actions.append(del);
    li.append(actions);
  }
  return li;
}

function editComment(li, c, ctx) {
  const area = h("textarea", { rows: "3", maxlength: "10000", "aria-label": "Edit comment", "data-testid": "comment-edit-body" });
  area.value = c.body;
  const save = h("button", { type: "submit", class: "primary small", "data-testid": "comment-save", text: "Save" });
  const cancel = h("button", { type: "button", class: "small", text: "Cancel" });
  const err = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { novalidate: true }, area, err, h("div", { class: "row-actions" }, save, cancel));
  cancel.addEventListener("click", () => li.replaceWith(commentItem(c, ctx)));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!area.value.trim()) {
      err.textContent = "A comment cannot be empty.";
      area.focus();
      return;
    }
    await whileSubmitting(form, e, async () => {
      try {
        const updated = await api("PATCH", `/api/comments/${c.id}`, { body: area.value });
        li.replaceWith(commentItem(updated || { ...c, body: area.value }, ctx));
        ctx.notices.info("Comment saved.");
      } catch (e2) {
        showFailure(err, e2, "Could not save the comment.");
      }
    });
  });
  li.replaceChildren(form);
  area.focus();
}

async function loadComments(ctx) {
  const id = task.id;
  ui.commentsState.textContent = "Loading comments…";
  ui.commentsState.hidden = false;
  try {
    const list = await api("GET", `/api/tasks/${id}/comments?limit=500`);
    if (!task || task.id !== id) return;
    const items = Array.isArray(list) ? list : [];
    ui.comments.replaceChildren(...items.map((c) => commentItem(c, ctx)));
    ui.commentsState.textContent = items.length ? "" : "No comments yet.";
    ui.commentsState.hidden = Boolean(items.length);
  } catch (err) {
    if (isLeaving()) return;
    ui.comments.replaceChildren();
    ui.commentsState.textContent = `The comments could not be loaded: ${err instanceof ApiError ? err.message : "try again."}`;
  }
}

async function save(e, ctx) {
  e.preventDefault();
  ui.error.textContent = "";
  const title = ui.title.value.trim();
  if (!title) {
    ui.error.textContent = "A task needs a title.";
    ui.title.focus();
    return;
  }
  const est = nonNegativeOrNull(ui.estimate);
  if (Number.isNaN(est)) {
    ui.error.textContent = "The estimate must be a number of hours, 0 or more.";
    ui.estimate.focus();
    return;
  }
  const next = {
    title,
    status: ui.status.value,
    priority: ui.priority.value,
    due_date: ui.due.value || null,
    estimate_hours: est,
    // Plain text, kept as typed (only an all-blank description is none).
    description: ui.description.value.trim() ? ui.description.value : null,
  };
  const body = {};
  for (const [k, v] of Object.entries(next)) if ((task[k] ?? null) !== v) body[k] = v;
  const picked = [...ui.labels.querySelectorAll("input:checked")].map((i) => Number(i.value)).sort((a, b) => a - b);
  const had = (task.labels || []).map((l) => l.id).sort((a, b) => a - b);
  if (labelStore.loaded && picked.join(",") !== had.join(",")) body.label_ids = picked;
  if (!Object.keys(body).length) {
    ctx.notices.info("Nothing changed.");
    return;
  }
  await whileSubmitting(ui.form, e, async () => {
    try {
      task = await api("PATCH", `/api/tasks/${task.id}`, body);
      renderTask();
      ctx.notices.info(`Saved “${task.title}”.`);
    } catch (err) {
      showFailure(ui.error, err, "Could not save the task.");
    }
  });
}

async function move(ctx) {
  ui.moveError.textContent = "";
  const target = Number(ui.move.value);
  const project = findProject(target);
  if (!project) return;
  ui.moveButton.disabled = true;
  try {
    task = await api("PATCH", `/api/tasks/${task.id}`, { project_id: target });
    renderTask();
    ctx.notices.info(`Moved “${task.title}” to “${project.name}”.`);
  } catch (err) {
    showFailure(ui.moveError, err, "Could not move the task.");
  } finally {
    ui.moveButton.disabled = ui.move.disabled;
  }
}

async function addComment(e, ctx) {
  e.preventDefault();
  ui.commentError.textContent = "";
  const body = ui.commentBody.value;
  if (!body.trim()) {
    ui.commentError.textContent = "Write something first.";
    ui.commentBody.focus();
    return;
  }
  await whileSubmitting(ui.commentForm, e, async () => {
    try {
      await api("POST", `/api/tasks/${task.id}/comments`, { body });
      ui.commentBody.value = "";
      ctx.notices.info("Comment added.");
      await loadComments(ctx);
      ui.commentBody.focus();
    } catch (err) {
      showFailure(ui.commentError, err, "Could not add the comment.");
    }
  });
}

export const taskView = {
  id: "task",
  routes: ["/tasks/:id"],
  title: "Task",
  element(ctx) {
    ui = build(ctx);
    return ui.root;
  },
  async show(params, ctx) {
    const id = Number(params.id);
    const req = ++request;
    task = null;
    ui.body.hidden = true;
    ui.state.hidden = false;
    ui.state.className = "empty loading";
    ui.state.textContent = "Loading the task…";
    ui.heading.textContent = "Task";
    if (!Number.isSafeInteger(id)) {
      ui.state.className = "empty";
      ui.state.textContent = "There is no such task.";
      return;
    }
    try {
      const [t] = await Promise.all([
        api("GET", `/api/tasks/${id}`),
        workspace.projects.length ? null : fetchProjects().catch(() => null),
        fetchLabels(),
      ]);
      if (req !== request) return;
      task = t;
    } catch (err) {
      if (req !== request || isLeaving()) return;
      ui.state.className = "empty";
      ui.state.textContent =
        err instanceof ApiError && err.status === 404
          ? "This task does not exist, or it is not yours to see."
          : `The task could not be loaded: ${err instanceof ApiError ? err.message : "try again."}`;
      return;
    }
    ui.state.hidden = true;
    ui.body.hidden = false;
    renderTask();
    document.title = `${task.title} · Freelancer Workspace`;
    await loadComments(ctx);
  },
  hide() {
    request += 1;
  },
};
