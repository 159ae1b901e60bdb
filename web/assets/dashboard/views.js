// The views of the workspace page (/dashboard/), first match wins; the first
// one is also shown for an unknown route. To add a view, write its module
// (see shell/router.js for the shape) and list it here, e.g.
//
//   import { taskView } from "./task-view.js";
//   export const VIEWS = [projectsView, taskView];

import { projectsView } from "./projects-view.js";

export const VIEWS = [projectsView];
