// Views of one page, chosen by the URL fragment: `#/tasks/42` shows the view
// with the route "/tasks/:id" and gives it {id: "42"}; no fragment is "/".
// Back/forward and links (`<a href="#/tasks/42">`) just work; nothing is
// fetched from the server to switch views.
//
// A view is a plain object, usually the export of its own module:
//
//   export const taskView = {
//     id: "task",                       // data-view="task" on its element
//     routes: ["/tasks/:id"],           // first matching view wins
//     title: (params) => "Task",        // optional: document title
//     element(ctx) { return h("section", …); }, // once, on first show
//     async show(params, ctx) { … },    // each time a route of it matches
//     hide() { … },                     // optional: another view takes over
//   };
//
// `element` may return an element already in the page (static markup), or a
// new one: the router appends it to the page's view host. The hidden
// attribute switches views. Register views in the page's `views.js`.

const BASE_TITLE = "Freelancer Workspace";

function compile(route) {
  const names = [];
  const parts = route
    .split("/")
    .filter(Boolean)
    .map((seg) => {
      if (seg.startsWith(":")) {
        names.push(seg.slice(1));
        return "([^/]+)";
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
  return { re: new RegExp(`^/${parts.join("/")}/?$`), names };
}

/**
 * The route path of the current URL fragment: "/" when there is none, null
 * for a fragment that is an anchor in the page (`#main` of the skip link),
 * not a route — only fragments starting with "#/" are routes.
 */
export function currentPath() {
  const raw = window.location.hash;
  if (raw === "" || raw === "#") return "/";
  return raw.startsWith("#/") ? raw.slice(1) : null;
}

export class Router {
  /** `views` in order of precedence; `host` receives views' new elements. */
  constructor(views, ctx, host) {
    this.ctx = ctx;
    this.host = host;
    this.views = views.map((view) => ({ view, routes: view.routes.map(compile), el: null }));
    this.active = null;
    this.shown = 0;
  }

  /** Shows the view of the current URL and follows its changes. */
  start() {
    window.addEventListener("hashchange", () => this.route());
    return this.route();
  }

  /** A link target for `path` (`href: router.href("/tasks/42")`). */
  href(path) {
    return `#${path}`;
  }

  /** Goes to `path` (a new history entry). */
  go(path) {
    window.location.hash = path;
  }

  /** Records `path` as the current URL without switching views or adding history. */
  replace(path) {
    window.history.replaceState(
      window.history.state,
      "",
      `${window.location.pathname}${window.location.search}#${path}`,
    );
  }

  match(path) {
    for (const entry of this.views) {
      for (const { re, names } of entry.routes) {
        const m = re.exec(path);
        if (!m) continue;
        const params = {};
        names.forEach((name, i) => {
          try {
            params[name] = decodeURIComponent(m[i + 1]);
          } catch {
            params[name] = m[i + 1];
          }
        });
        return { entry, params };
      }
    }
    return null;
  }

  async route() {
    const path = currentPath();
    // An in-page anchor (the skip link) leaves the current view alone.
    if (path === null && this.active) return;
    const found = (path !== null && this.match(path)) || { entry: this.views[0], params: {} };
    const { entry, params } = found;
    if (!entry.el) {
      entry.el = entry.view.element(this.ctx);
      entry.el.dataset.view = entry.view.id;
      if (!entry.el.isConnected) this.host.append(entry.el);
    }
    if (this.active && this.active !== entry) {
      if (this.active.view.hide) this.active.view.hide();
      this.active.el.hidden = true;
    }
    const switched = this.active !== entry;
    this.active = entry;
    entry.el.hidden = false;
    const { title } = entry.view;
    const text = typeof title === "function" ? title(params) : title;
    if (text) document.title = `${text} · ${BASE_TITLE}`;
    this.shown += 1;
    // After a switch (not on page load), keyboard focus goes to the new view.
    if (switched && this.shown > 1) this.focusView(entry.el);
    await entry.view.show(params, this.ctx);
  }

  focusView(el) {
    const heading = el.querySelector("h1, h2");
    const target = heading || el;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
}

/** Starts the views of a page: `ctx.router` is then the page's router. */
export function startRouter(views, ctx, host) {
  const router = new Router(views, ctx, host);
  ctx.router = router;
  return router.start();
}
