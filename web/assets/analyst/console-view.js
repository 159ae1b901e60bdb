// The console's main view (route "/"): live sessions, security events and,
// for admins, administration. Its markup is static, in
// web/analyst/index.html (`#view-console`).

import { onForbidden } from "./access.js";
import { AdminPanel } from "./admin.js";
import { LiveSessions } from "./live-sessions.js";
import { SecurityEvents } from "./security-events.js";

let parts = null;

export const consoleView = {
  id: "console",
  routes: ["/"],
  title: "Analyst console",
  element(ctx) {
    const live = new LiveSessions(ctx);
    const events = new SecurityEvents();
    parts = { live, events, admin: new AdminPanel(ctx, { onChanged: () => events.load() }) };
    onForbidden(() => live.stop());
    ctx.onLeave(() => live.stop());
    return document.getElementById("view-console");
  },
  async show() {
    await Promise.all([parts.live.refresh(), parts.events.load()]);
    parts.live.schedule();
  },
  hide() {
    parts.live.stop();
  },
};
