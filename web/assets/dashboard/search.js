// The search box above the workspace's views: results as you type (250 ms
// after the last key), `GET /api/search?q=&limit=`, grouped into projects,
// tasks and comments, each a link to the project or the task. A newer query
// wins over an older answer. Escape clears the results.

import { api, ApiError } from "../core/api.js";
import { byId as $, h } from "../core/dom.js";
import { isLeaving } from "../core/session.js";
import { TASK_STATUS } from "./choices.js";

const DEBOUNCE_MS = 250;
const LIMIT = 10;

function excerpt(text, n = 90) {
  const t = String(text || "").replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

export class SearchBox {
  constructor(ctx) {
    this.ctx = ctx;
    this.input = $("search-input");
    this.out = $("search-results");
    this.timer = null;
    this.request = 0;
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        this.input.value = "";
        this.close();
      }
    });
    // Another view closes the list (the query stays in the box).
    window.addEventListener("hashchange", () => this.close());
    // A followed result closes the list.
    this.out.addEventListener("click", (e) => {
      if (e.target.closest("a")) this.close();
    });
  }

  focus() {
    this.input.focus();
    this.input.select();
  }

  close() {
    window.clearTimeout(this.timer);
    this.request += 1;
    this.out.hidden = true;
    this.out.replaceChildren();
  }

  schedule() {
    window.clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (!q) {
      this.close();
      return;
    }
    this.timer = window.setTimeout(() => this.run(q), DEBOUNCE_MS);
  }

  show(...children) {
    this.out.replaceChildren(...children);
    this.out.hidden = false;
  }

  async run(q) {
    const req = ++this.request;
    this.show(h("p", { class: "loading flush", text: "Searching…" }));
    let res;
    try {
      res = await api("GET", `/api/search?${new URLSearchParams({ q, limit: String(LIMIT) })}`);
    } catch (err) {
      if (req !== this.request || isLeaving()) return;
      this.show(
        h("p", {
          class: "form-error flush",
          "data-testid": "search-error",
          text: `Search failed: ${err instanceof ApiError ? err.message : "try again."}`,
        }),
      );
      return;
    }
    if (req !== this.request) return;
    const projects = Array.isArray(res?.projects) ? res.projects : [];
    const tasks = Array.isArray(res?.tasks) ? res.tasks : [];
    const comments = Array.isArray(res?.comments) ? res.comments : [];
    if (!projects.length && !tasks.length && !comments.length) {
      this.show(h("p", { class: "muted flush", "data-testid": "search-empty", text: `Nothing matches “${q}”.` }));
      return;
    }
    const group = (title, items, item) =>
      items.length ? [h("h3", { text: title }), h("ul", {}, items.map(item))] : [];
    this.show(
      ...group("Projects", projects, (p) =>
        h(
          "li",
          { "data-testid": "search-result", "data-kind": "project" },
          h("a", { href: `#/projects/${p.id}`, text: p.name }),
          p.client ? h("span", { class: "muted", text: ` · ${p.client}` }) : null,
        ),
      ),
      ...group("Tasks", tasks, (t) =>
        h(
          "li",
          { "data-testid": "search-result", "data-kind": "task" },
          h("a", { href: `#/tasks/${t.id}`, text: t.title }),
          h("span", { class: "muted", text: ` · ${TASK_STATUS[t.status] || t.status || ""}` }),
        ),
      ),
      ...group("Comments", comments, (c) =>
        h(
          "li",
          { "data-testid": "search-result", "data-kind": "comment" },
          h("a", { href: `#/tasks/${c.task_id}`, text: excerpt(c.body) }),
          h("span", { class: "muted", text: c.author ? ` · ${c.author}` : "" }),
        ),
      ),
    );
  }
}
