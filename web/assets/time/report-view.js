// View "/report": hours and earnings between two dates — a column chart per
// week (hours, with earnings as a line), bars per client, and a table
// grouped as chosen (`GET /api/reports/time`), with the totals per currency.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { addDays, localDate, weekStart } from "../core/dates.js";
import { formatDuration, formatHours, formatMoney, minorDigits, minorToDecimal } from "../core/money.js";
import { showFailure } from "../shell/notices.js";
import { barChart, columnChart } from "./chart.js";
import { loadFailure } from "./store.js";

const GROUPS = { week: "Week", client: "Client", project: "Project", task: "Task", day: "Day", month: "Month" };

/** Rows of one report merged per key: {key, label, seconds, billable_seconds, money: Map(currency → minor)}. */
function byKey(rows) {
  const out = new Map();
  for (const r of rows || []) {
    if (!out.has(r.key)) out.set(r.key, { key: r.key, label: r.label ?? String(r.key), seconds: 0, billable_seconds: 0, money: new Map() });
    const o = out.get(r.key);
    o.seconds += Number(r.seconds) || 0;
    o.billable_seconds += Number(r.billable_seconds) || 0;
    if (r.currency) o.money.set(r.currency, (o.money.get(r.currency) || 0) + (Number(r.amount_minor) || 0));
  }
  return [...out.values()];
}

function moneyText(money) {
  if (!money.size) return "—";
  return [...money.entries()].map(([c, m]) => formatMoney(m, c)).join(" + ");
}

/** Minor units as a plain number of major units for a chart axis (display only). */
function major(minor, currency) {
  return Number(minorToDecimal(minor, minorDigits(currency)));
}

class ReportView {
  constructor(ctx) {
    this.ctx = ctx;
    this.request = 0;
    const today = new Date();
    this.from = h("input", { type: "date", id: "report-from", "data-testid": "report-from", value: localDate(addDays(weekStart(today), -7 * 11)) });
    this.to = h("input", { type: "date", id: "report-to", "data-testid": "report-to", value: localDate(today) });
    this.group = h(
      "select",
      { id: "report-group", "data-testid": "report-group" },
      Object.entries(GROUPS).map(([v, l]) => h("option", { value: v }, l)),
    );
    this.error = h("p", { class: "form-error", role: "alert" });
    this.form = h(
      "form",
      { class: "inline-form", novalidate: true },
      h("div", {}, h("label", { for: "report-from", text: "From" }), this.from),
      h("div", {}, h("label", { for: "report-to", text: "To" }), this.to),
      h("div", {}, h("label", { for: "report-group", text: "Table by" }), this.group),
      h("div", {}, h("button", { type: "submit", class: "primary", "data-testid": "report-apply", text: "Show" })),
      h("div", { class: "wide" }, this.error),
    );
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.load();
    });
    this.group.addEventListener("change", () => this.load());
    this.totals = h("div", { class: "totals", "data-testid": "report-totals", role: "status" });
    this.weekChart = h("figure", { class: "chart-box", "data-testid": "report-week-chart" });
    this.clientChart = h("figure", { class: "chart-box", "data-testid": "report-client-chart" });
    this.table = h("table", { "data-testid": "report-table" });
    this.state = h("p", { class: "empty", "data-testid": "report-state" });
    this.el = h(
      "section",
      { class: "panel", "aria-labelledby": "report-title" },
      h("h2", { id: "report-title", text: "Report" }),
      this.form,
      this.state,
      (this.results = h(
        "div",
        { hidden: true },
        this.totals,
        h("h3", { text: "Per week" }),
        this.weekChart,
        h("h3", { text: "Per client" }),
        this.clientChart,
        h("h3", { id: "report-table-title", text: "Table" }),
        h("div", { class: "table-wrap" }, this.table),
      )),
    );
  }

  report(groupBy) {
    const q = new URLSearchParams({ from: this.from.value, to: this.to.value, group_by: groupBy });
    return api("GET", `/api/reports/time?${q}`);
  }

  async load() {
    this.error.textContent = "";
    if (!this.from.value || !this.to.value) {
      this.error.textContent = "Choose both dates.";
      (this.from.value ? this.to : this.from).focus();
      return;
    }
    if (this.from.value > this.to.value) {
      this.error.textContent = "“From” must not be after “To”.";
      this.from.focus();
      return;
    }
    const req = ++this.request;
    this.state.textContent = "Loading the report…";
    const group = this.group.value;
    let week;
    let client;
    let table;
    try {
      [week, client, table] = await Promise.all([
        this.report("week"),
        this.report("client"),
        group === "week" || group === "client" ? null : this.report(group),
      ]);
    } catch (err) {
      if (req !== this.request) return;
      this.clear();
      if (err && err.status === 422) showFailure(this.error, err, "The report could not be made.");
      this.state.textContent = loadFailure(err, "Reports");
      return;
    }
    if (req !== this.request) return;
    table = table || (group === "week" ? week : client);
    this.state.textContent = "";
    this.results.hidden = false;
    this.renderTotals(week.totals || []);
    this.renderWeek(byKey(week.rows));
    this.renderClients(byKey(client.rows));
    this.renderTable(byKey(table.rows), group);
    if (!(week.rows || []).length) this.state.textContent = "No time recorded between these dates.";
  }

  clear() {
    this.results.hidden = true;
    this.totals.replaceChildren();
    this.weekChart.replaceChildren();
    this.clientChart.replaceChildren();
    this.table.replaceChildren();
  }

  renderTotals(totals) {
    if (!totals.length) {
      this.totals.replaceChildren(h("p", { class: "muted flush", text: "Total: nothing recorded." }));
      return;
    }
    this.totals.replaceChildren(
      ...totals.map((t) =>
        h(
          "dl",
          { class: "total", "data-testid": "report-total", "data-currency": t.currency },
          h("div", {}, h("dt", { text: "Hours" }), h("dd", { text: formatDuration(t.seconds) })),
          h("div", {}, h("dt", { text: "Billable" }), h("dd", { text: formatDuration(t.billable_seconds) })),
          h(
            "div",
            {},
            h("dt", { text: `Earnings (${t.currency})` }),
            h("dd", { class: "strong", "data-testid": "report-total-amount", text: formatMoney(t.amount_minor, t.currency) }),
          ),
        ),
      ),
    );
  }

  renderWeek(rows) {
    if (!rows.length) {
      this.weekChart.replaceChildren(h("p", { class: "empty", text: "No weeks to show." }));
      return;
    }
    // The line shows the currency earning most; others are in the tooltips and the table.
    const sums = new Map();
    for (const r of rows) for (const [c, m] of r.money) sums.set(c, (sums.get(c) || 0) + m);
    const main = [...sums.entries()].sort((a, b) => b[1] - a[1])[0];
    const cur = main ? main[0] : null;
    const items = rows.map((r) => ({
      label: r.label,
      value: r.seconds / 3600,
      line: cur ? major(r.money.get(cur) || 0, cur) : undefined,
      title: `${r.label}: ${formatHours(r.seconds)} h, ${moneyText(r.money)}`,
    }));
    const fmt = cur ? new Intl.NumberFormat(undefined, { style: "currency", currency: cur, notation: "compact" }) : null;
    this.weekChart.replaceChildren(
      columnChart(items, {
        label: "Hours and earnings per week",
        axis: (v) => `${formatHours(v * 3600)} h`,
        lineAxis: cur ? (v) => fmt.format(v) : null,
        lineName: cur ? `earnings (${cur})` : null,
        testid: "chart-week",
      }),
      h("figcaption", { class: "visually-hidden", text: "Hours per week as columns; earnings as a line. The same numbers are in the table." }),
    );
  }

  renderClients(rows) {
    if (!rows.length) {
      this.clientChart.replaceChildren(h("p", { class: "empty", text: "No clients to show." }));
      return;
    }
    rows.sort((a, b) => b.seconds - a.seconds);
    const items = rows.map((r) => {
      const name = r.label || "(no client)";
      return {
        label: name,
        value: r.seconds / 3600,
        text: `${formatHours(r.seconds)} h · ${moneyText(r.money)}`,
        title: `${name}: ${formatHours(r.seconds)} h, ${moneyText(r.money)}`,
      };
    });
    this.clientChart.replaceChildren(barChart(items, { label: "Hours and earnings per client", testid: "chart-client" }));
  }

  renderTable(rows, group) {
    const name = GROUPS[group] || group;
    this.table.replaceChildren(
      h("caption", { class: "visually-hidden", text: `Hours and earnings per ${name.toLowerCase()}` }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: name }),
          h("th", { scope: "col", class: "num", text: "Hours" }),
          h("th", { scope: "col", class: "num", text: "Billable hours" }),
          h("th", { scope: "col", class: "num", text: "Earnings" }),
        ),
      ),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((r) =>
              h(
                "tr",
                { "data-testid": "report-row" },
                h("th", { scope: "row", text: r.label || "—" }),
                h("td", { class: "num", text: formatHours(r.seconds) }),
                h("td", { class: "num", text: formatHours(r.billable_seconds) }),
                h("td", { class: "num", text: moneyText(r.money) }),
              ),
            )
          : h("tr", {}, h("td", { colspan: "4", class: "empty", text: "Nothing in this period." })),
      ),
    );
  }
}

let view = null;

export const reportView = {
  id: "report",
  routes: ["/report"],
  title: "Report",
  element(ctx) {
    view = new ReportView(ctx);
    return view.el;
  },
  show() {
    return view.load();
  },
};
