// The account page's view "/": change the password (`POST
// /api/account/password`; the other sessions end), the caller's sessions
// with **Revoke** (`GET /api/sessions`, `DELETE /api/sessions/{id}`), export
// (`GET /api/export`, downloaded as a JSON file) and import (`POST
// /api/import` with such a file), and deleting the account (`DELETE
// /api/account` with the password, after ticking a confirmation).

import { api, ApiError } from "../core/api.js";
import { formatTime, h, plural } from "../core/dom.js";
import { fieldError, whileSubmitting } from "../core/forms.js";
import { backToSignIn, clearSession, isLeaving } from "../core/session.js";
import { showFailure } from "../shell/notices.js";

const SESSION_END_CODES = new Set(["session_terminated", "token_expired", "unauthorized", "session_expired"]);

/** A call whose 401 may mean "wrong password" (shown) or "signed out" (sign-in). */
async function passwordCall(method, path, body) {
  try {
    return await api(method, path, body, { redirectOn401: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && SESSION_END_CODES.has(err.code)) backToSignIn(err.code);
    throw err;
  }
}

function passwordInput(id, testid, autocomplete) {
  return h("input", { id, type: "password", autocomplete, maxlength: "72", "data-testid": testid });
}

function passwordSection(ctx) {
  const current = passwordInput("pw-current", "password-current", "current-password");
  const next = passwordInput("pw-new", "password-new", "new-password");
  const again = passwordInput("pw-again", "password-confirm", "new-password");
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "password-error" });
  const done = h("p", { class: "notice", role: "status", "data-testid": "password-status" });
  const form = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "password-form" },
    h("label", { for: "pw-current", text: "Current password" }),
    current,
    h("label", { for: "pw-new", text: "New password (8 to 72 characters)" }),
    next,
    h("label", { for: "pw-again", text: "New password again" }),
    again,
    error,
    h("button", { type: "submit", class: "primary", "data-testid": "password-submit", text: "Change password" }),
    done,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    done.textContent = "";
    if (!current.value) return fieldError(error, current, "Enter your current password.");
    const bytes = new TextEncoder().encode(next.value).length;
    if (bytes < 8 || bytes > 72) return fieldError(error, next, "The new password needs 8 to 72 characters.");
    if (next.value !== again.value) return fieldError(error, again, "The two new passwords differ.");
    await whileSubmitting(form, e, async () => {
      try {
        await passwordCall("POST", "/api/account/password", {
          current_password: current.value,
          new_password: next.value,
        });
        form.reset();
        done.className = "notice ok";
        done.textContent = "Password changed. Your other sessions were signed out.";
        ctx.notices.info("Password changed.");
        await loadSessions(ctx);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          fieldError(error, current, "The current password is not right.");
          current.value = "";
        } else showFailure(error, err, "Could not change the password.");
      }
    });
    return null;
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "pw-title", "data-testid": "password-section" },
    h("h2", { id: "pw-title", text: "Password" }),
    form,
  );
}

let sessionsUi = null;

function sessionState(s) {
  if (s.current) return "This tab";
  if (s.ended_at) return `Ended ${formatTime(s.ended_at)}${s.end_reason ? ` (${String(s.end_reason).replace(/_/g, " ")})` : ""}`;
  return "Active";
}

function sessionRow(s, ctx) {
  const active = !s.ended_at;
  let action = h("span", { class: "muted", text: "—" });
  if (active && !s.current) {
    action = h("button", {
      type: "button",
      class: "danger small",
      "data-testid": "session-revoke",
      "data-session-id": s.session_id,
      text: "Revoke",
    });
    action.addEventListener("click", async () => {
      action.disabled = true;
      try {
        await api("DELETE", `/api/sessions/${encodeURIComponent(s.session_id)}`);
        ctx.notices.info("Session revoked.");
        await loadSessions(ctx);
      } catch (err) {
        action.disabled = false;
        ctx.notices.failed(err, "Could not revoke the session.");
      }
    });
  }
  return h(
    "tr",
    {
      class: "session-row",
      "data-testid": "session-row",
      "data-session-id": s.session_id,
      "data-current": s.current ? "true" : "false",
      "data-active": active ? "true" : "false",
    },
    h("td", { text: formatTime(s.started_at) }),
    h("td", { text: formatTime(s.last_seen_at) }),
    h("td", { text: s.ip || "—" }),
    h("td", { class: "ua", text: s.user_agent || "—" }),
    h("td", { text: sessionState(s) }),
    h("td", {}, action),
  );
}

async function loadSessions(ctx) {
  const ui = sessionsUi;
  ui.state.hidden = false;
  ui.state.className = "empty loading";
  ui.state.textContent = "Loading sessions…";
  try {
    const list = await api("GET", "/api/sessions?limit=100");
    const items = Array.isArray(list) ? list : [];
    ui.body.replaceChildren(...items.map((s) => sessionRow(s, ctx)));
    const active = items.filter((s) => !s.ended_at).length;
    ui.state.className = "empty";
    ui.state.textContent = items.length ? "" : "No sessions to show.";
    ui.state.hidden = Boolean(items.length);
    ui.summary.textContent = items.length ? `${plural(active, "active session")}, ${items.length} in all.` : "";
  } catch (err) {
    if (isLeaving()) return;
    ui.body.replaceChildren();
    ui.summary.textContent = "";
    ui.state.className = "empty";
    ui.state.textContent = `The sessions could not be loaded: ${err instanceof ApiError ? err.message : "try again."}`;
  }
}

function sessionsSection(ctx) {
  const body = h("tbody", { "data-testid": "session-list" });
  const reload = h("button", { type: "button", class: "small", "data-testid": "sessions-reload", text: "Reload" });
  reload.addEventListener("click", () => loadSessions(ctx));
  sessionsUi = {
    body,
    state: h("p", { class: "empty", "data-testid": "sessions-state" }),
    summary: h("p", { class: "muted flush", "data-testid": "sessions-summary" }),
  };
  return h(
    "section",
    { class: "panel span-all", "aria-labelledby": "sessions-title", "data-testid": "sessions-section" },
    h("div", { class: "row-actions" }, h("h2", { id: "sessions-title", class: "flush", text: "Sessions" }), reload),
    h("p", { class: "muted", text: "Where you are signed in. Revoke a session you do not recognise: it is signed out at once." }),
    sessionsUi.summary,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("caption", { class: "visually-hidden", text: "Your sessions, newest first" }),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Started", "Last seen", "IP address", "Browser", "State", ""].map((t) => h("th", { scope: "col", text: t })),
          ),
        ),
        body,
      ),
    ),
    sessionsUi.state,
  );
}

function dataSection(ctx) {
  const exportButton = h("button", { type: "button", class: "primary", "data-testid": "export-download", text: "Download my data" });
  const exportStatus = h("p", { class: "notice", role: "status", "data-testid": "export-status" });
  const link = h("a", { hidden: true, "data-testid": "export-link" });
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportStatus.className = "notice";
    exportStatus.textContent = "Preparing the export…";
    try {
      const doc = await api("GET", "/api/export");
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(blob);
      link.download = `freelancer-workspace-${new Date().toISOString().slice(0, 10)}.json`;
      link.textContent = `Download ${link.download} again`;
      link.hidden = false;
      link.click();
      const n = (k) => (Array.isArray(doc?.[k]) ? doc[k].length : 0);
      exportStatus.className = "notice ok";
      exportStatus.textContent = `Export ready: ${plural(n("projects"), "project")}, ${plural(n("tasks"), "task")}, ${plural(
        n("comments"),
        "comment",
      )}, ${plural(n("labels"), "label")}.`;
    } catch (err) {
      exportStatus.className = "notice error";
      showFailure(exportStatus, err, "Could not export your data.");
    } finally {
      exportButton.disabled = false;
    }
  });

  const file = h("input", { id: "import-file", type: "file", accept: "application/json,.json", "data-testid": "import-file" });
  const importError = h("p", { class: "form-error", role: "alert", "data-testid": "import-error" });
  const importStatus = h("p", { class: "notice", role: "status", "data-testid": "import-status" });
  const importForm = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "import-form" },
    h("label", { for: "import-file", text: "Import a file exported from Freelancer Workspace" }),
    file,
    h("p", { class: "hint flush", text: "Everything in it is added to your account as new projects, tasks, labels and comments." }),
    importError,
    h("button", { type: "submit", "data-testid": "import-submit", text: "Import" }),
    importStatus,
  );
  importForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    importError.textContent = "";
    importStatus.textContent = "";
    const f = file.files && file.files[0];
    if (!f) return fieldError(importError, file, "Choose an export file first.");
    let doc;
    try {
      doc = JSON.parse(await f.text());
    } catch {
      return fieldError(importError, file, "That file is not JSON. Choose a file this app exported.");
    }
    if (!doc || typeof doc !== "object" || doc.format !== "freelancer-workspace") {
      return fieldError(importError, file, "That file is not a Freelancer Workspace export.");
    }
    await whileSubmitting(importForm, e, async () => {
      importStatus.className = "notice";
      importStatus.textContent = "Importing…";
      try {
        await api("POST", "/api/import", doc);
        const n = (k) => (Array.isArray(doc[k]) ? doc[k].length : 0);
        importStatus.className = "notice ok";
        importStatus.textContent = `Imported ${plural(n("projects"), "project")} and ${plural(n("tasks"), "task")}.`;
        importForm.reset();
      } catch (err) {
        importStatus.textContent = "";
        showFailure(importError, err, "Could not import the file.");
      }
    });
    return null;
  });

  return h(
    "section",
    { class: "panel", "aria-labelledby": "data-title", "data-testid": "data-section" },
    h("h2", { id: "data-title", text: "Your data" }),
    h("p", { class: "muted", text: "All your projects, tasks, labels, comments, time entries and invoices as one JSON file." }),
    exportButton,
    exportStatus,
    h("p", { class: "hint" }, link),
    h("hr", {}),
    importForm,
  );
}

function deleteSection(ctx) {
  const password = passwordInput("delete-password", "delete-password", "current-password");
  const confirm = h("input", { id: "delete-confirm", type: "checkbox", "data-testid": "delete-confirm" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "delete-error" });
  const button = h("button", { type: "submit", class: "danger", "data-testid": "account-delete", text: "Delete my account" });
  const form = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "delete-form" },
    h(
      "label",
      { class: "check", for: "delete-confirm" },
      confirm,
      "I understand that my projects, tasks, comments, labels, time entries, invoices and behaviour profile are erased for good.",
    ),
    h("label", { for: "delete-password", text: "Password" }),
    password,
    error,
    button,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!confirm.checked) return fieldError(error, confirm, "Tick the box to confirm you want everything erased.");
    if (!password.value) return fieldError(error, password, "Enter your password to confirm.");
    await whileSubmitting(form, e, async () => {
      try {
        await passwordCall("DELETE", "/api/account", { password: password.value });
        for (const fn of ctx.leaveHooks) fn();
        if (ctx.monitor) ctx.monitor.socket.stop();
        clearSession();
        backToSignIn("account_deleted");
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          fieldError(error, password, "The password is not right.");
          password.value = "";
        } else showFailure(error, err, "Could not delete the account.");
      }
    });
    return null;
  });
  return h(
    "section",
    { class: "panel danger-zone", "aria-labelledby": "delete-title", "data-testid": "delete-section" },
    h("h2", { id: "delete-title", text: "Delete account" }),
    form,
  );
}

export const accountView = {
  id: "account",
  routes: ["/"],
  title: "Account",
  element(ctx) {
    const who = h("p", { class: "muted", "data-testid": "account-who" });
    const showWho = (u) => {
      if (u) who.textContent = `Signed in as ${u.username} (${u.role}).`;
    };
    showWho(ctx.user);
    ctx.onUser(showWho);
    return h(
      "div",
      {},
      h("h2", { text: "Account" }),
      who,
      h(
        "div",
        { class: "account-grid" },
        passwordSection(ctx),
        dataSection(ctx),
        sessionsSection(ctx),
        deleteSection(ctx),
      ),
    );
  },
  show(params, ctx) {
    return loadSessions(ctx);
  },
};
