// The workspace's main view: projects on the left, the open project's head
// and tasks on the right. Routes: "/" (the project opened last in this tab,
// else the newest) and "/projects/:id". Its markup is static, in
// web/dashboard/index.html (`#view-projects`).

import { fetchProjects, findProject, rememberedProject, rememberProject, workspace } from "./store.js";
import { ProjectEditor } from "./project-editor.js";
import { ProjectList } from "./project-list.js";
import { ProjectTasks } from "./project-tasks.js";

let parts = null;

async function openProject(ctx, id) {
  const p = findProject(id);
  if (!p) return;
  const changed = !workspace.selected || workspace.selected.id !== id;
  workspace.selected = p;
  rememberProject(id);
  ctx.router.replace(`/projects/${id}`);
  parts.list.render();
  parts.editor.render();
  if (changed) parts.tasks.clear(true);
  await parts.tasks.load();
}

function openNothing(ctx) {
  workspace.selected = null;
  ctx.router.replace("/");
  parts.list.render();
  parts.editor.render();
  parts.tasks.clear();
}

/** Loads the projects and opens `wanted` (an id), the remembered one or the newest. */
async function loadProjects(ctx, wanted = null) {
  parts.tasks.loadLabels();
  try {
    await fetchProjects();
  } catch (err) {
    ctx.notices.failed(err, "Could not load your projects.");
    parts.list.showFailed();
    return;
  }
  const pick = (wanted !== null && findProject(wanted)) || rememberedProject() || workspace.projects[0] || null;
  if (pick) await openProject(ctx, pick.id);
  else openNothing(ctx);
}

function setUp(ctx) {
  const open = (id) => openProject(ctx, id);
  parts = {
    list: new ProjectList(ctx, { onOpen: open }),
    editor: new ProjectEditor(ctx, {
      onChanged: () => parts.list.render(),
      onDeleted: async () => {
        if (workspace.projects.length) await open(workspace.projects[0].id);
        else openNothing(ctx);
        parts.list.name.focus();
      },
    }),
    tasks: new ProjectTasks(ctx, { onProjectGone: () => loadProjects(ctx) }),
  };
}

export const projectsView = {
  id: "projects",
  routes: ["/", "/projects/:id"],
  title: "Workspace",
  element(ctx) {
    setUp(ctx);
    return document.getElementById("view-projects");
  },
  show(params, ctx) {
    const wanted = params.id === undefined ? null : Number(params.id);
    return loadProjects(ctx, Number.isSafeInteger(wanted) ? wanted : null);
  },
};
