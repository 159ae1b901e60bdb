// The analyst console (/analyst/), for analysts and admins: the shared
// shell, the access rule, then its views.

import { startRouter } from "../shell/router.js";
import { startPage } from "../shell/shell.js";
import { forbid, guard } from "./access.js";
import { VIEWS } from "./views.js";

const ctx = await startPage({ page: "analyst" });
if (ctx) {
  guard(ctx);
  // The role is fresh from `GET /api/me`: a plain user is told at once (no
  // doomed requests); otherwise a 403 from any call later (a role changed
  // meanwhile) shows the same "not allowed" message.
  if (ctx.hasRole("analyst", "admin")) await startRouter(VIEWS, ctx, document.getElementById("views"));
  else forbid();
}
