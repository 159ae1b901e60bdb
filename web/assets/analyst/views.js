// The views of the analyst console (/analyst/), first match wins; the first
// one is also shown for an unknown route. To add a view, write its module
// (see shell/router.js for the shape) and list it here.

import { consoleView } from "./console-view.js";
import { sessionView } from "./session-view.js";
import { userView } from "./user-view.js";

export const VIEWS = [consoleView, sessionView, userView];
