// What the workspace's views share: the caller's projects and the one that
// is open. Views read `workspace` and call these functions; each view keeps
// everything else to itself.

import { api } from "../core/api.js";

const SELECTED_KEY = "fw.project";
const SORT_KEY = "fw.projectSort";

/** The projects' sort (`?sort=` of `GET /api/projects`), kept for the tab. */
export function projectSort() {
  return sessionStorage.getItem(SORT_KEY) || "-created_at";
}

export function setProjectSort(value) {
  sessionStorage.setItem(SORT_KEY, value);
}

export const workspace = {
  /** The caller's projects, newest first, as `GET /api/projects` answers them. */
  projects: [],
  /** The open project (one of `projects`), or null. */
  selected: null,
};

/** Loads the caller's projects into `workspace.projects`. Throws `ApiError`. */
export async function fetchProjects() {
  const sort = sessionStorage.getItem(SORT_KEY) || "-created_at";
  const q = new URLSearchParams({ limit: "500", sort });
  const list = await api("GET", `/api/projects?${q}`);
  workspace.projects = Array.isArray(list) ? list : [];
  return workspace.projects;
}

export function findProject(id) {
  return workspace.projects.find((p) => p.id === id) || null;
}

/** Remembers the open project for this tab (null forgets it). */
export function rememberProject(id) {
  if (id === null) sessionStorage.removeItem(SELECTED_KEY);
  else sessionStorage.setItem(SELECTED_KEY, String(id));
}

/** The project opened last in this tab, if it still exists. */
export function rememberedProject() {
  return findProject(Number(sessionStorage.getItem(SELECTED_KEY)));
}
