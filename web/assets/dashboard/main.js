// The workspace page (/dashboard/): the shared shell, then its views.

import { startRouter } from "../shell/router.js";
import { startPage } from "../shell/shell.js";
import { VIEWS } from "./views.js";

const ctx = await startPage({ page: "dashboard" });
if (ctx) await startRouter(VIEWS, ctx, document.getElementById("views"));
