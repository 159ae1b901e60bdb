// The page header every signed-in page shares: brand, main navigation, the
// risk indicator, the slot for header widgets, the signed-in user and
// **Sign out**. Pages hold an empty `<header class="topbar" data-shell-header>`;
// this fills it.

import { h } from "../core/dom.js";
import { riskIndicatorElement } from "../monitor/risk-indicator.js";
import { NAV_LINKS } from "./nav.js";

function allowed(link, user) {
  if (!link.roles) return true;
  return Boolean(user && link.roles.includes(user.role));
}

export class PageHeader {
  /** Fills `root` for the page named `page` (see nav.js). */
  constructor(root, page) {
    this.links = NAV_LINKS.map((link) => ({
      link,
      el: h("a", {
        href: link.href,
        "aria-current": link.id === page ? "page" : null,
        "data-testid": `nav-${link.id}`,
        hidden: Boolean(link.roles),
        text: link.label,
      }),
    }));
    this.risk = riskIndicatorElement();
    this.slot = h("div", { class: "header-widgets", "data-testid": "header-widgets" });
    this.who = h("span", { class: "who", id: "who" });
    this.logout = h("button", { type: "button", id: "logout", "data-testid": "logout", text: "Sign out" });
    root.replaceChildren(
      h("p", { class: "brand" }, h("img", { src: "/favicon.svg", alt: "" }), "Freelancer Workspace"),
      h(
        "nav",
        { "aria-label": "Main" },
        this.links.map((l) => l.el),
      ),
      this.risk,
      h("span", { class: "spacer" }),
      h("div", { class: "topbar-end" }, this.slot, this.who, this.logout),
    );
  }

  /** Shows who is signed in and the links their role may use. */
  showUser(user) {
    if (!user) return;
    this.who.textContent = `${user.username} (${user.role})`;
    for (const { link, el } of this.links) el.hidden = !allowed(link, user);
  }

  /** A new element for a header widget, in the slot. */
  widgetElement(id) {
    const el = h("div", { class: "header-widget", "data-widget": id });
    this.slot.append(el);
    return el;
  }
}
