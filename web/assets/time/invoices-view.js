// View "/invoices": the caller's invoices (filter by status) and the form
// that drafts one from a client and a period (`POST /api/invoices`); a new
// draft opens for review.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { addDays, localDate } from "../core/dates.js";
import { formatMoney } from "../core/money.js";
import { clientsOf } from "../core/work.js";
import { showFailure } from "../shell/notices.js";
import { loadFailure, work } from "./store.js";

export const INVOICE_STATUS = { draft: "Draft", sent: "Sent", paid: "Paid", void: "Void" };

/** "2026-0001", or "Draft #12" before it is sent. */
export function invoiceName(inv) {
  return inv.number ? `Invoice ${inv.number}` : `Draft #${inv.id}`;
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}`, "data-testid": "invoice-status", text: INVOICE_STATUS[status] || status });
}

class InvoicesView {
  constructor(ctx) {
    this.ctx = ctx;
    this.request = 0;
    const today = new Date();
    const firstOfMonth = new Date(today.getFullYear(), today.getMonth(), 1);
    this.client = h("select", { id: "invoice-client", "data-testid": "invoice-client" });
    this.from = h("input", { type: "date", id: "invoice-from", "data-testid": "invoice-from", value: localDate(firstOfMonth) });
    this.to = h("input", { type: "date", id: "invoice-to", "data-testid": "invoice-to", value: localDate(today) });
    this.due = h("input", { type: "date", id: "invoice-due", "data-testid": "invoice-due", value: localDate(addDays(today, 30)) });
    this.notes = h("textarea", { id: "invoice-notes", rows: "2", maxlength: "5000", "data-testid": "invoice-notes" });
    this.error = h("p", { class: "form-error", role: "alert", "data-testid": "invoice-create-error" });
    const f = (id, label, input) => h("div", {}, h("label", { for: id, text: label }), input);
    this.form = h(
      "form",
      { class: "inline-form", novalidate: true, "data-testid": "invoice-create-form", "aria-labelledby": "invoice-new-title" },
      h("h3", { class: "wide", id: "invoice-new-title", text: "New invoice" }),
      f("invoice-client", "Client", this.client),
      f("invoice-from", "Time from", this.from),
      f("invoice-to", "Time to", this.to),
      f("invoice-due", "Due date (optional)", this.due),
      h("div", { class: "wide" }, h("label", { for: "invoice-notes", text: "Notes (optional)" }), this.notes),
      h(
        "div",
        { class: "wide" },
        h("p", { class: "hint", text: "The draft takes the client's billable time in the period that is not on an invoice yet, one line per task." }),
        this.error,
        h("button", { type: "submit", class: "primary", "data-testid": "invoice-create", text: "Create draft" }),
      ),
    );
    this.form.addEventListener("submit", (e) => this.create(e));
    this.filter = h(
      "select",
      { id: "invoice-filter-status", "data-testid": "invoice-filter-status" },
      h("option", { value: "" }, "All"),
      Object.entries(INVOICE_STATUS).map(([v, l]) => h("option", { value: v }, l)),
    );
    this.filter.addEventListener("change", () => this.load());
    this.tbody = h("tbody", { "data-testid": "invoice-list" });
    this.state = h("p", { class: "empty", "data-testid": "invoice-list-state" });
    this.el = h(
      "section",
      { class: "panel", "aria-labelledby": "invoices-title" },
      h("h2", { id: "invoices-title", text: "Invoices" }),
      this.form,
      h("h3", { text: "Your invoices" }),
      h(
        "div",
        { class: "inline-form filter-row narrow" },
        h("div", {}, h("label", { for: "invoice-filter-status", text: "Status" }), this.filter),
      ),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          {},
          h("caption", { class: "visually-hidden", text: "Your invoices" }),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Invoice", "Client", "Status", "Issued", "Due", "Total"].map((t) =>
                h("th", { scope: "col", class: t === "Total" ? "num" : null, text: t }),
              ),
            ),
          ),
          this.tbody,
        ),
      ),
      this.state,
    );
  }

  async show() {
    try {
      const w = await work(true);
      const clients = clientsOf(w.projects);
      const keep = this.client.value;
      this.client.replaceChildren(
        h("option", { value: "" }, clients.length ? "Choose a client…" : "No project has a client yet"),
        ...clients.map((c) => h("option", { value: c, selected: c === keep }, c)),
      );
    } catch (err) {
      this.error.textContent = loadFailure(err, "Your projects");
    }
    await this.load();
  }

  async load() {
    const req = ++this.request;
    this.state.textContent = "Loading invoices…";
    const q = new URLSearchParams({ limit: "200" });
    if (this.filter.value) q.set("status", this.filter.value);
    try {
      const list = await api("GET", `/api/invoices?${q}`);
      if (req !== this.request) return;
      const rows = Array.isArray(list) ? list : [];
      this.tbody.replaceChildren(...rows.map((inv) => this.row(inv)));
      this.state.textContent = rows.length ? "" : this.filter.value ? "No invoices with this status." : "No invoices yet. Draft the first one above.";
    } catch (err) {
      if (req !== this.request) return;
      this.tbody.replaceChildren();
      this.state.textContent = loadFailure(err, "Invoices");
    }
  }

  row(inv) {
    return h(
      "tr",
      { "data-testid": "invoice-row", "data-invoice-id": String(inv.id), "data-status": inv.status },
      h("td", {}, h("a", { href: this.ctx.router.href(`/invoices/${inv.id}`), "data-testid": "invoice-open", text: invoiceName(inv) })),
      h("td", { text: inv.client }),
      h("td", {}, statusBadge(inv.status)),
      h("td", { text: inv.issue_date || "—" }),
      h("td", { text: inv.due_date || "—" }),
      h("td", { class: "num", text: formatMoney(inv.total_minor, inv.currency) }),
    );
  }

  async create(e) {
    e.preventDefault();
    this.error.textContent = "";
    if (!this.client.value) {
      this.error.textContent = "Choose a client (set a client on a project in the workspace first).";
      this.client.focus();
      return;
    }
    if (!this.from.value || !this.to.value || this.from.value > this.to.value) {
      this.error.textContent = "Choose a period: “Time from” on or before “Time to”.";
      this.from.focus();
      return;
    }
    const body = { client: this.client.value, from: this.from.value, to: this.to.value };
    if (this.due.value) body.due_date = this.due.value;
    const notes = this.notes.value.trim();
    if (notes) body.notes = notes;
    const btn = e.submitter || this.form.querySelector("button[type=submit]");
    btn.disabled = true;
    try {
      const inv = await api("POST", "/api/invoices", body);
      this.notes.value = "";
      this.ctx.notices.info(`Draft for ${inv.client} created: review it below.`);
      this.ctx.router.go(`/invoices/${inv.id}`);
    } catch (err) {
      showFailure(this.error, err, "Could not create the invoice.");
    } finally {
      btn.disabled = false;
    }
  }
}

let view = null;

export const invoicesView = {
  id: "invoices",
  routes: ["/invoices"],
  title: "Invoices",
  element(ctx) {
    view = new InvoicesView(ctx);
    return view.el;
  },
  show() {
    return view.show();
  },
};
