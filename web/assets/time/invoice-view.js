// View "/invoices/:id": one invoice to review — its lines and total — and
// what its status allows: a draft is sent (it gets its number), deleted or
// voided; a sent one is marked paid or voided. Due date and notes stay
// editable until it is paid or void. **Printable invoice** fetches
// `GET /api/invoices/{id}/export?format=html` with the bearer token and
// opens it as a blob in a new tab (a plain link could not send the token);
// **CSV** downloads the same invoice as a file.

import { api, ApiError, errorText } from "../core/api.js";
import { h } from "../core/dom.js";
import { backToSignIn, currentSession } from "../core/session.js";
import { formatClock, formatDuration, formatMoney, formatRate } from "../core/money.js";
import { shortDateTime } from "../core/dates.js";
import { showFailure } from "../shell/notices.js";
import { invoiceName, statusBadge } from "./invoices-view.js";
import { loadFailure } from "./store.js";

const DISARM_MS = 5000;

/** The export of invoice `id` as a Blob (`format` "html" or "csv"). Throws `ApiError`. */
async function fetchExport(id, format) {
  const s = currentSession();
  if (!s) {
    backToSignIn("unauthorized");
    throw new ApiError(401, "unauthorized", "Please sign in.");
  }
  let res;
  try {
    res = await fetch(`/api/invoices/${id}/export?format=${format}`, { headers: { Authorization: `Bearer ${s.token}` } });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  if (!res.ok) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    const code = body && typeof body.error === "string" ? body.error : `http_${res.status}`;
    if (res.status === 401 && ["session_terminated", "token_expired", "unauthorized"].includes(code)) backToSignIn(code);
    throw new ApiError(res.status, code, (body && body.message) || `The export failed (${res.status}).`);
  }
  if (format !== "html") return new Blob([await res.arrayBuffer()], { type: "text/csv;charset=utf-8" });
  return new Blob([printable(await res.text())], { type: "text/html;charset=utf-8" });
}

/**
 * The server's invoice page made fit for a blob tab. A blob document keeps
 * this page's Content-Security-Policy (no inline style or script), so the
 * page's own <style>, style attributes, scripts and handlers would only be
 * refused (and logged as violations): they are dropped and the site's print
 * stylesheet (invoice-print.css, an absolute URL: a blob has no path to
 * resolve against) dresses the invoice instead. The text stays the server's.
 */
function printable(html) {
  // Parsing already checks inline styles against the CSP: drop them from the text first.
  const text = html
    .replace(/<style\b[\s\S]*?<\/style\s*>/gi, "")
    .replace(/<[a-z][^>]*>/gi, (tag) => tag.replace(/\s(?:style|on[a-z]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi, ""));
  const doc = new DOMParser().parseFromString(text, "text/html");
  for (const el of doc.querySelectorAll("script, style, link, base, meta[http-equiv], iframe, object, embed")) el.remove();
  for (const el of doc.querySelectorAll("*")) {
    for (const a of [...el.attributes]) {
      if (a.name === "style" || a.name.startsWith("on")) el.removeAttribute(a.name);
    }
  }
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("/assets/time/invoice-print.css", window.location.origin).href;
  doc.head.append(link);
  if (!doc.querySelector("meta[charset]")) {
    const meta = doc.createElement("meta");
    meta.setAttribute("charset", "utf-8");
    doc.head.prepend(meta);
  }
  return `<!doctype html>\n${doc.documentElement.outerHTML}`;
}

class InvoiceView {
  constructor(ctx) {
    this.ctx = ctx;
    this.inv = null;
    this.request = 0;
    this.armed = new Map();
    this.title = h("h2", { id: "invoice-title", "data-testid": "invoice-title", text: "Invoice" });
    this.meta = h("dl", { class: "invoice-meta", "data-testid": "invoice-meta" });
    this.lines = h("tbody", { "data-testid": "invoice-lines" });
    this.total = h("td", { class: "num strong", "data-testid": "invoice-total" });
    this.totalHours = h("td", { class: "num" });
    this.state = h("p", { class: "empty", "data-testid": "invoice-state" });
    this.error = h("p", { class: "form-error", role: "alert", "data-testid": "invoice-error" });

    const btn = (testid, text, cls, fn) => {
      const b = h("button", { type: "button", class: cls, "data-testid": testid, text });
      b.addEventListener("click", () => fn(b));
      return b;
    };
    this.send = btn("invoice-send", "Send (assign a number)", "primary", () => this.transition("sent", "Invoice sent"));
    this.paid = btn("invoice-paid", "Mark paid", "primary", () => this.transition("paid", "Invoice marked paid"));
    this.void = btn("invoice-void", "Void", "danger", (b) =>
      this.confirm(b, "Click again to void it", () => this.transition("void", "Invoice voided; its time is free to bill again")),
    );
    this.del = btn("invoice-delete", "Delete draft", "danger", (b) => this.confirm(b, "Click again to delete the draft", () => this.remove()));
    this.print = btn("invoice-print", "Printable invoice", "", () => this.openPrintable());
    this.csv = btn("invoice-csv", "Download CSV", "", () => this.downloadCsv());
    this.printLink = h("a", { hidden: true, target: "_blank", rel: "noopener", "data-testid": "invoice-print-link", text: "Open the printable invoice" });

    this.dueEdit = h("input", { type: "date", id: "invoice-due-edit", "data-testid": "invoice-due-edit" });
    this.notesEdit = h("textarea", { id: "invoice-notes-edit", rows: "2", maxlength: "5000", "data-testid": "invoice-notes-edit" });
    this.save = h("button", { type: "submit", "data-testid": "invoice-save", text: "Save due date and notes" });
    this.editForm = h(
      "form",
      { class: "inline-form", novalidate: true },
      h("div", {}, h("label", { for: "invoice-due-edit", text: "Due date" }), this.dueEdit),
      h("div", { class: "wide" }, h("label", { for: "invoice-notes-edit", text: "Notes" }), this.notesEdit),
      h("div", { class: "wide" }, this.save),
    );
    this.editForm.addEventListener("submit", (e) => this.saveFields(e));
    this.body = h(
      "div",
      { hidden: true },
      this.meta,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "lines" },
          h("caption", { class: "visually-hidden", text: "Invoice lines, one per task" }),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col", text: "Description" }),
              h("th", { scope: "col", class: "num", text: "Time" }),
              h("th", { scope: "col", class: "num", text: "Rate" }),
              h("th", { scope: "col", class: "num", text: "Amount" }),
            ),
          ),
          this.lines,
          h("tfoot", {}, h("tr", {}, h("th", { scope: "row", text: "Total" }), this.totalHours, h("td", {}), this.total)),
        ),
      ),
      h("div", { class: "actions" }, this.send, this.paid, this.void, this.del, this.print, this.csv, this.printLink),
      this.error,
      this.editForm,
    );
    this.el = h(
      "section",
      { class: "panel", "aria-labelledby": "invoice-title" },
      h("p", { class: "flush" }, h("a", { href: "#/invoices", "data-testid": "invoice-back", text: "← All invoices" })),
      this.title,
      this.state,
      this.body,
    );
  }

  async show(params) {
    const req = ++this.request;
    this.body.hidden = true;
    this.error.textContent = "";
    this.printLink.hidden = true;
    this.state.textContent = "Loading the invoice…";
    this.title.textContent = "Invoice";
    try {
      const inv = await api("GET", `/api/invoices/${encodeURIComponent(params.id)}`);
      if (req !== this.request) return;
      this.render(inv);
    } catch (err) {
      if (req !== this.request) return;
      this.state.textContent = err instanceof ApiError && err.code === "not_found" ? "No such invoice." : loadFailure(err, "Invoices");
    }
  }

  render(inv) {
    this.inv = inv;
    this.state.textContent = "";
    this.body.hidden = false;
    this.title.replaceChildren(`${invoiceName(inv)} · ${inv.client} `, statusBadge(inv.status));
    const item = (k, v) => h("div", {}, h("dt", { text: k }), h("dd", { text: v }));
    this.meta.replaceChildren(
      item("Client", inv.client),
      item("Number", inv.number || "assigned when sent"),
      item("Issued", inv.issue_date || "—"),
      item("Due", inv.due_date || "—"),
      item("Currency", inv.currency),
      item("Updated", shortDateTime(inv.updated_at)),
    );
    const lines = Array.isArray(inv.lines) ? inv.lines : [];
    this.lines.replaceChildren(
      ...lines.map((l) =>
        h(
          "tr",
          { "data-testid": "invoice-line" },
          h("td", { text: l.description }),
          h("td", { class: "num", title: formatDuration(l.seconds), text: formatClock(l.seconds) }),
          h("td", { class: "num", text: formatRate(l.hourly_rate, inv.currency) }),
          h("td", { class: "num", text: formatMoney(l.amount_minor, inv.currency) }),
        ),
      ),
    );
    if (!lines.length) this.lines.append(h("tr", {}, h("td", { colspan: "4", class: "empty", text: "No lines." })));
    this.totalHours.textContent = formatClock(lines.reduce((s, l) => s + (Number(l.seconds) || 0), 0));
    this.total.textContent = formatMoney(inv.total_minor, inv.currency);
    const st = inv.status;
    this.send.hidden = st !== "draft";
    this.del.hidden = st !== "draft";
    this.paid.hidden = st !== "sent";
    this.void.hidden = !(st === "draft" || st === "sent");
    for (const b of [this.void, this.del]) this.disarm(b);
    const editable = st === "draft" || st === "sent";
    this.editForm.hidden = !editable;
    this.dueEdit.value = inv.due_date || "";
    this.notesEdit.value = inv.notes || "";
  }

  disarm(b) {
    window.clearTimeout(this.armed.get(b));
    this.armed.delete(b);
    b.textContent = b === this.void ? "Void" : "Delete draft";
  }

  confirm(b, text, fn) {
    if (!this.armed.has(b)) {
      b.textContent = text;
      this.armed.set(b, window.setTimeout(() => this.disarm(b), DISARM_MS));
      return;
    }
    this.disarm(b);
    fn();
  }

  async patch(body, done) {
    this.error.textContent = "";
    const inv = this.inv;
    try {
      const updated = await api("PATCH", `/api/invoices/${inv.id}`, body);
      this.render(updated);
      this.ctx.notices.info(done(updated));
      return true;
    } catch (err) {
      showFailure(this.error, err, "Could not change the invoice.");
      if (err instanceof ApiError && err.status === 409) this.show({ id: String(inv.id) });
      return false;
    }
  }

  transition(status, said) {
    return this.patch({ status }, (u) => `${said.replace("Invoice", invoiceName(u))}.`);
  }

  saveFields(e) {
    e.preventDefault();
    return this.patch({ due_date: this.dueEdit.value || null, notes: this.notesEdit.value.trim() }, () => "Invoice saved.");
  }

  async remove() {
    try {
      await api("DELETE", `/api/invoices/${this.inv.id}`);
      this.ctx.notices.info("Draft deleted; its time is free to bill again.");
      this.ctx.router.go("/invoices");
    } catch (err) {
      showFailure(this.error, err, "Could not delete the draft.");
    }
  }

  async openPrintable() {
    this.error.textContent = "";
    // Opened now, while the click counts as the user's, and pointed at the blob once it is here.
    const win = window.open("", "_blank");
    try {
      const blob = await fetchExport(this.inv.id, "html");
      const url = URL.createObjectURL(blob);
      this.printLink.href = url;
      this.printLink.hidden = false;
      if (win) win.location.href = url;
      window.setTimeout(() => URL.revokeObjectURL(url), 10 * 60 * 1000);
    } catch (err) {
      if (win) win.close();
      this.error.textContent = errorText(err, "Could not get the printable invoice.");
    }
  }

  async downloadCsv() {
    this.error.textContent = "";
    try {
      const blob = await fetchExport(this.inv.id, "csv");
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: `invoice-${this.inv.number || `draft-${this.inv.id}`}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60 * 1000);
    } catch (err) {
      this.error.textContent = errorText(err, "Could not download the CSV.");
    }
  }
}

let view = null;

export const invoiceView = {
  id: "invoice",
  routes: ["/invoices/:id"],
  title: "Invoice",
  element(ctx) {
    view = new InvoiceView(ctx);
    return view.el;
  },
  show(params) {
    return view.show(params);
  },
};
