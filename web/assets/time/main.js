// The time and money page (/time/): the shared shell (with the header
// timer), then its views: the time log, the week, the report, invoices.

import { startRouter } from "../shell/router.js";
import { startPage } from "../shell/shell.js";
import { VIEWS } from "./views.js";

/** Marks the sub-navigation tab of the current view. */
function markTab() {
  const path = window.location.hash.startsWith("#/") ? window.location.hash.slice(1) : "/";
  const tab = path.startsWith("/week")
    ? "week"
    : path.startsWith("/report")
      ? "report"
      : path.startsWith("/invoices")
        ? "invoices"
        : "log";
  for (const a of document.querySelectorAll(".subnav a")) {
    if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

const ctx = await startPage({ page: "time" });
if (ctx) {
  window.addEventListener("hashchange", markTab);
  markTab();
  await startRouter(VIEWS, ctx, document.getElementById("views"));
}
