// The account page (/account/): the shared shell, then its one view.

import { startRouter } from "../shell/router.js";
import { startPage } from "../shell/shell.js";
import { VIEWS } from "./views.js";

const ctx = await startPage({ page: "account" });
if (ctx) await startRouter(VIEWS, ctx, document.getElementById("views"));
