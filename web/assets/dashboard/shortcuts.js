// Keyboard shortcuts of the workspace page, listed in the help dialog
// (`#shortcuts-help`, opened with ? or its button):
//   n  new task (the projects view, focus on the task title)
//   /  search
//   j / k  next / previous task row of the shown view; Enter opens it,
//          x ticks its checkbox (bulk change)
//   ?  the help
// None of them fires while the focus is in a field, or with Ctrl/Alt/Meta.
// They only read keys; the behaviour capture (monitor/capture.js) sees every
// key on its own, in the capture phase, before this.

import { byId as $ } from "../core/dom.js";

function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
}

function visibleRows() {
  return [...document.querySelectorAll("#views > :not([hidden]) [data-testid=task-item]")];
}

function activeRow(rows) {
  const marked = rows.findIndex((r) => r.dataset.active === "true");
  if (marked >= 0) return marked;
  return rows.findIndex((r) => r.contains(document.activeElement));
}

function moveTo(rows, i) {
  for (const r of rows) delete r.dataset.active;
  const row = rows[i];
  if (!row) return;
  row.dataset.active = "true";
  row.focus();
  row.scrollIntoView({ block: "nearest" });
}

export function startShortcuts(ctx, search) {
  const help = $("shortcuts-help");
  const openHelp = () => {
    if (!help.open) help.showModal();
  };
  $("shortcuts-open").addEventListener("click", openHelp);

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    if (help.open) return; // the dialog handles Escape itself
    if (typing(e.target)) return;
    const rows = visibleRows();
    switch (e.key) {
      case "?":
        e.preventDefault();
        openHelp();
        break;
      case "/":
        e.preventDefault();
        search.focus();
        break;
      case "n": {
        e.preventDefault();
        const title = $("task-title");
        const onProjects = !$("view-projects").hidden;
        if (!onProjects) ctx.router.go("/");
        window.setTimeout(() => title.focus(), onProjects ? 0 : 50);
        break;
      }
      case "j":
      case "k": {
        if (!rows.length) return;
        e.preventDefault();
        const at = activeRow(rows);
        const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + (e.key === "j" ? 1 : -1)));
        moveTo(rows, next);
        break;
      }
      case "Enter": {
        const at = activeRow(rows);
        if (at < 0 || document.activeElement !== rows[at]) return;
        e.preventDefault();
        ctx.router.go(`/tasks/${rows[at].dataset.taskId}`);
        break;
      }
      case "x": {
        const at = activeRow(rows);
        const box = at >= 0 ? rows[at].querySelector("[data-testid=task-select]") : null;
        if (!box) return;
        e.preventDefault();
        box.click();
        rows[at].focus();
        break;
      }
      default:
    }
  });
}
