// The views of the analyst console (/analyst/), first match wins; the first
// one is also shown for an unknown route. To add a view (a session or user
// view), write its module (see shell/router.js for the shape) and list it
// here, e.g.
//
//   import { sessionView } from "./session-view.js";
//   export const VIEWS = [consoleView, sessionView];

import { consoleView } from "./console-view.js";

export const VIEWS = [consoleView];
