// The views of the workspace page (/dashboard/), first match wins; the first
// one is also shown for an unknown route. To add a view, write its module
// (see shell/router.js for the shape) and list it here.

import { dueView } from "./due-view.js";
import { labelsView } from "./labels-view.js";
import { projectsView } from "./projects-view.js";
import { taskView } from "./task-view.js";

export const VIEWS = [projectsView, taskView, dueView, labelsView];
