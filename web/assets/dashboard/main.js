// The workspace page (/dashboard/): the shared shell, the search box and
// keyboard shortcuts, then its views.

import { startRouter } from "../shell/router.js";
import { startPage } from "../shell/shell.js";
import { SearchBox } from "./search.js";
import { startShortcuts } from "./shortcuts.js";
import { VIEWS } from "./views.js";

const ctx = await startPage({ page: "dashboard" });
if (ctx) {
  startShortcuts(ctx, new SearchBox(ctx));
  await startRouter(VIEWS, ctx, document.getElementById("views"));
}
